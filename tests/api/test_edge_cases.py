"""Edge cases: each either works or is refused with a clear message naming what is wrong."""
import json
import time

import pytest

from ..conftest import fields

MAX_NET = [2] + [64] * 7 + [1]            # 8 dense layers of up to 64 units
ROUTES = [("post", "/forward"), ("post", "/backward"), ("get", "/chain?layer=0&i=0&j=0"),
          ("get", "/gradcheck"), ("get", "/gradcheck?layer=0&i=0&j=0"), ("post", "/step"),
          ("get", "/predictions?resolution=100"), ("get", "/batch?limit=500"), ("get", "/history"),
          ("get", "/data"), ("get", "")]


def strict(response):
    """The body as JSON, refusing NaN and Infinity (not JSON, and a browser's parser rejects them)."""
    def refuse(constant):
        raise AssertionError(f"{constant} in a response body")
    return json.loads(response.text, parse_constant=refuse)


def create(client, **config):
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return strict(response)


def gradients(client, sid):
    """Forward and backward, so that the chain rule and gradient checks have gradients to show."""
    for phase in ("forward", "backward"):
        assert client.post(f"/api/sessions/{sid}/{phase}").status_code == 200


def exercise(client, sid, timeout=10.0):       # the slowest route here: 0.75 s (the 8x64 net's gradient check)
    """Every phase and inspection route on the session: each answers 200 with strict JSON, in
    reasonable time (a gradient check of a diverged network 409, at once). Returns the last state."""
    for method, path in ROUTES:
        started = time.monotonic()
        response = getattr(client, method)(f"/api/sessions/{sid}{path}")
        assert time.monotonic() - started < timeout, (path, time.monotonic() - started)
        if path.startswith("/gradcheck") and response.status_code == 409:
            assert "diverged" in response.json()["detail"], response.text
            continue
        assert response.status_code == 200, (path, response.text)
        body = strict(response)
    return body


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("config", [
    {},                                                               # xor, bce
    {"dataset": {"name": "sine"}},                                    # regression, mse
    {"dataset": {"name": "blobs"}, "layers": [2, 16, 3], "activations": ["relu", "softmax"]},
], ids=["xor", "sine", "blobs"])
def test_huge_learning_rates(client, optimizer, config):
    """lr at its maximum: training stops at the first non-finite loss and says so; every number
    that is no longer finite is null; every route still answers; reset recovers."""
    sid = create(client, optimizer={"name": optimizer, "lr": 1e6}, **config)["id"]
    state = strict(client.post(f"/api/sessions/{sid}/train", json={"steps": 100}))
    assert state["diverged"] == (state["stopped"] == "diverged")
    if state["diverged"]:
        assert state["losses"][-1] is None and state["steps_run"] <= 100
        export = client.get(f"/api/sessions/{sid}/export")
        assert export.status_code in (200, 409)
        if export.status_code == 409:
            assert "diverged" in export.json()["detail"] and "reset" in export.json()["detail"]
    else:
        assert state["steps_run"] == 100 and client.get(f"/api/sessions/{sid}/export").status_code == 200
    assert exercise(client, sid)["step"] == state["step"] + 1
    state = strict(client.post(f"/api/sessions/{sid}/reset"))
    assert state["step"] == 0 and state["diverged"] is False and state["loss"] is None


@pytest.mark.parametrize("optimizer", ["sgd", "momentum"])
def test_a_regression_with_a_huge_learning_rate_diverges_plainly(client, optimizer):
    sid = create(client, dataset={"name": "sine"}, optimizer={"name": optimizer, "lr": 1e6})["id"]
    state = strict(client.post(f"/api/sessions/{sid}/train", json={"steps": 100}))
    assert state["diverged"] and state["stopped"] == "diverged" and state["steps_run"] < 100
    history = strict(client.get(f"/api/sessions/{sid}/history"))
    assert history["losses"][-1] is None and len(history["steps"]) == state["steps_run"]
    export = client.get(f"/api/sessions/{sid}/export")      # was a 500: NaN is not JSON
    assert export.status_code == 409 and "cannot be saved" in export.json()["detail"]


@pytest.mark.parametrize("config", [
    {"dataset": {"X": [[0.5, 0.5]] * 10, "Y": [[1]] * 5 + [[0]] * 5}},       # two labels, one place
    {"dataset": {"X": [[1.0]] * 10, "Y": [[2.0]] * 10}},                       # 1-D regression
    {"dataset": {"X": [[0.0, 0.0]] * 10, "Y": [[0.0]] * 10}, "loss": "mse", "activations": ["relu", "linear"]},
], ids=["labels", "regression", "zeros"])
def test_all_identical_points(client, config):
    sid = create(client, **config)["id"]
    state = strict(client.post(f"/api/sessions/{sid}/train", json={"steps": 50}))
    assert state["diverged"] is False and state["steps_run"] == 50
    exercise(client, sid)
    picture = strict(client.get(f"/api/sessions/{sid}/predictions"))
    assert all(high > low for low, high in picture["bounds"])        # padded, not a zero-width plot
    gradients(client, sid)
    check = strict(client.get(f"/api/sessions/{sid}/gradcheck"))
    assert all(max(layer["W_max_abs"], layer["b_max_abs"]) < 1e-6 for layer in check["layers"])
    if "relu" not in config.get("activations", []):   # all at relu's kink: the check rightly differs
        # was 1.0: a gradient of 0 at the optimum against finite differences of ~1e-13
        assert check["max_relative_error"] < 1e-4


@pytest.mark.parametrize("config", [
    {"dataset": {"name": "single"}},
    {"dataset": {"name": "single"}, "batch_size": 16},
    {"dataset": {"X": [[1, 2]], "Y": [[1]]}, "batch_size": 5000},
    {"dataset": {"name": "xor", "n": 1}, "batch_size": 7},
    {"dataset": {"name": "blobs", "n": 1}},
], ids=["single", "single-batch-16", "points-batch-5000", "xor-1", "blobs-1"])
def test_one_point_datasets(client, config):
    """One point, also with a minibatch size above it: every batch is that one point."""
    sid = create(client, **config)["id"]
    state = strict(client.post(f"/api/sessions/{sid}/train", json={"steps": 20}))
    assert state["points"] == 1 and state["batch_size"] == 1 and state["steps_run"] == 20
    exercise(client, sid)
    gradients(client, sid)
    chain = strict(client.get(f"/api/sessions/{sid}/chain", params={"layer": 0, "i": 0, "j": 0, "sample": 0}))
    assert chain["batch_size"] == 1 and chain["product"] == pytest.approx(chain["batch_sum"])
    assert strict(client.get(f"/api/sessions/{sid}/batch"))["total"] == 1
    response = client.get(f"/api/sessions/{sid}", params={"sample": 1})
    assert response.status_code == 422 and fields(response) == ["sample"]
    assert "below 1" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("body,field", [
    ({"layers": [2, 0, 1]}, "layers[1]"),
    ({"layers": [0, 4, 1]}, "layers[0]"),
    ({"layers": [2, 4, 0]}, "layers[2]"),
    ({"layers": [2, 4, 0, 1]}, "layers[2]"),
])
def test_zero_width_layers_are_refused(client, body, field):
    response = client.post("/api/sessions", json=body)
    assert response.status_code == 422
    assert fields(response) == [field]
    assert "greater than or equal to 1" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("body,field,words", [
    ({"params": [{"W": [], "b": [0]}, {"W": [[1]], "b": [0]}]}, "params[0].W", "at least 1"),
    ({"params": [{"W": [[]], "b": [0]}, {"W": [[1]], "b": [0]}]}, "params[0].W[0]", "at least 1"),
    ({"dataset": {"X": [[]], "Y": [[1]]}}, "dataset.X[0]", "at least 1"),
    ({"dataset": {"X": [], "Y": []}}, "dataset.X", "at least 1"),
    ({"activations": []}, "activations", "at least 1"),
])
def test_empty_arrays_are_refused(client, body, field, words):
    response = client.post("/api/sessions", json=body)
    assert response.status_code == 422
    assert field in fields(response)
    assert words in next(e["msg"] for e in response.json()["detail"] if e["field"] == field)


def test_units_at_the_limit(client):
    """8 dense layers of 64 units: every route answers, the whole-network check within 10 s."""
    sid = create(client, layers=MAX_NET)["id"]
    exercise(client, sid)
    gradients(client, sid)
    started = time.monotonic()
    check = strict(client.get(f"/api/sessions/{sid}/gradcheck"))
    assert time.monotonic() - started < 10
    assert len(check["layers"]) == 8 and check["max_relative_error"] < 1e-4
    last = strict(client.get(f"/api/sessions/{sid}/chain", params={"layer": 7, "i": 63, "j": 0}))
    assert last["dW"] == pytest.approx(last["batch_sum"])
    picture = strict(client.get(f"/api/sessions/{sid}/predictions", params={"resolution": 100}))
    assert [len(units) for units in picture["units"]] == [64] * 7 + [1]


def test_64_inputs_and_outputs(client):
    X = [[(i * j) % 5 for j in range(64)] for i in range(50)]
    sid = create(client, layers=[64] * 9, loss="mse", dataset={"X": X, "Y": X})["id"]
    exercise(client, sid)
    assert strict(client.get(f"/api/sessions/{sid}/predictions")) == {"kind": "none", "inputs": 64}


def test_maximum_points_with_the_max_net(make_client):
    """5000 points through 8 layers of 64: a long train stops at the server's time limit."""
    client = make_client(train_seconds=1)
    sid = create(client, layers=MAX_NET, dataset={"name": "spiral", "n": 5000})["id"]
    started = time.monotonic()
    state = strict(client.post(f"/api/sessions/{sid}/train", json={"steps": 10_000}))
    assert time.monotonic() - started < 15       # 1.1 s here; the stop itself is the `stopped` below
    assert 0 < state["steps_run"] < 10_000 and state["stopped"] == "time limit of 1 s per request"
    assert state["points"] == 5000 and state["batch_size"] == 5000
    exercise(client, sid, timeout=15)            # its gradient checks: 1.2 s here
    page = client.get(f"/api/sessions/{sid}/batch", params={"offset": 4500, "limit": 500})
    body = strict(page)
    rows = len(body["indices"])      # as many of the 500 as fit in about 2 MB
    assert body["total"] == 5000 and 10 < rows < 500 and body["next_offset"] == 4500 + rows
    assert len(body["layers"][0]["Z"]) == rows and len(page.content) < 2.2e6
    offset, seen = 0, []
    while offset is not None:          # the pages, followed by next_offset, hold every row once
        body = strict(client.get(f"/api/sessions/{sid}/batch", params={"offset": offset, "limit": 500,
                                                                       "arrays": "false"}))
        seen += body["indices"]
        offset = body["next_offset"]
    assert seen == list(range(5000))
    assert len(strict(client.get(f"/api/sessions/{sid}/data"))["X"]) == 5000


def test_maximum_points_of_your_own(client):
    """5000 points of 64 inputs fit under the body limit when written compactly; written
    verbosely they pass it, and the 413 says what the limit is."""
    compact = {"X": [[i % 2] * 64 for i in range(5000)], "Y": [[i % 2] for i in range(5000)]}
    assert create(client, layers=[64, 4, 1], dataset=compact)["points"] == 5000
    verbose = {"X": [[0.123456789] * 64] * 5000, "Y": [[1]] * 5000}
    response = client.post("/api/sessions", json={"layers": [64, 4, 1], "dataset": verbose})
    assert response.status_code == 413
    assert response.json()["field"] == "body" and response.json()["limit"] == 2 * 1024 * 1024


def test_sample_index_at_the_end_of_the_data(client):
    sid = create(client)["id"]                   # 200 points
    for method, path in [("get", ""), ("post", "/forward"), ("post", "/backward"), ("post", "/step")]:
        response = getattr(client, method)(f"/api/sessions/{sid}{path}", params={"sample": 199})
        assert response.status_code == 200 and response.json()["sample"]["index"] == 199
    gradients(client, sid)
    chain = client.get(f"/api/sessions/{sid}/chain", params={"layer": 0, "i": 0, "j": 0, "sample": 199})
    assert chain.status_code == 200 and chain.json()["sample"] == 199
    for sample in (200, 4999):
        response = client.get(f"/api/sessions/{sid}", params={"sample": sample})
        assert response.status_code == 422 and fields(response) == ["sample"]
        assert f"below 200, the number of points, got {sample}" in response.json()["detail"][0]["msg"]
        assert response.json()["detail"][0]["loc"] == ["query", "sample"]     # was ["body", ...]
    response = client.get(f"/api/sessions/{sid}", params={"sample": 5000})     # past any dataset
    assert response.status_code == 422 and fields(response) == ["sample"]
    # a new session shows the last point for an index past its data, rather than refusing
    assert create(client)["sample"]["index"] == 0
    assert client.post("/api/sessions", params={"sample": 4999}, json={}).json()["sample"]["index"] == 199


@pytest.mark.parametrize("method,path,body", [
    ("post", "/forward", None), ("post", "/backward", None), ("post", "/step", None),
    ("post", "/train", {"steps": 50}), ("post", "/reset", None)])
def test_a_refused_sample_index_changes_nothing(client, method, path, body):
    """Was: the forward, step or 50 training steps ran, and then the answer was a 422."""
    sid = create(client)["id"]
    for phase in ("forward", "backward"):
        client.post(f"/api/sessions/{sid}/{phase}")
    client.post(f"/api/sessions/{sid}/train", json={"steps": 3})
    client.post(f"/api/sessions/{sid}/forward")
    before = client.get(f"/api/sessions/{sid}").json()
    response = client.request(method.upper(), f"/api/sessions/{sid}{path}", params={"sample": 200}, json=body)
    assert response.status_code == 422 and fields(response) == ["sample"]
    after = client.get(f"/api/sessions/{sid}").json()
    assert (after["step"], after["phase"], after["loss"], after["layers"]) == \
        (before["step"], before["phase"], before["loss"], before["layers"])


def test_a_sample_outside_the_minibatch(client):
    sid = create(client, batch_size=10)["id"]
    gradients(client, sid)
    state = client.get(f"/api/sessions/{sid}", params={"sample": 199}).json()
    in_batch = state["sample"]["in_batch"]
    assert state["batch_size"] == 10 and state["sample"]["layers"][0]["z"] is None or in_batch
    if not in_batch:
        response = client.get(f"/api/sessions/{sid}/chain", params={"layer": 0, "i": 0, "j": 0, "sample": 199})
        assert response.status_code == 422 and "not in the current minibatch" in response.json()["detail"][0]["msg"]
    page = client.get(f"/api/sessions/{sid}/batch", params={"offset": 9}).json()
    assert page["total"] == 10 and len(page["indices"]) == 1
    assert client.get(f"/api/sessions/{sid}/batch", params={"offset": 10}).json()["indices"] == []
