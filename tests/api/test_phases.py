"""Forward, backward, step and train over HTTP, in the order a learner clicks them."""
import time

import numpy as np
import pytest

from app.engine import Network, make_dataset


def post(client, sid, phase, **kwargs):
    return client.post(f"/api/sessions/{sid}/{phase}", **kwargs)


def test_forward_backward_step(client, session):
    sid = session["id"]
    state = post(client, sid, "forward").json()
    assert state["phase"] == "forward" and state["loss"] > 0 and state["step"] == 0
    assert state["sample"]["layers"][0]["z"] is not None and state["sample"]["layers"][0]["dz"] is None
    state = post(client, sid, "backward").json()
    assert state["phase"] == "backward"
    assert np.array(state["layers"][0]["dW"]).shape == (2, 4)
    assert len(state["sample"]["dx"]) == 2
    W_before = np.array(state["layers"][0]["W"])
    dW = np.array(state["layers"][0]["dW"])
    state = post(client, sid, "step").json()
    assert state["phase"] == "updated" and state["step"] == 1
    assert np.allclose(np.array(state["layers"][0]["W"]), W_before - 0.3 * dW, rtol=0, atol=1e-15)
    assert state["layers"][0]["dW"] is None


def test_backward_before_forward_is_409(client, session):
    response = post(client, session["id"], "backward")
    assert response.status_code == 409
    assert "forward first" in response.json()["detail"]


def test_step_without_gradients_is_409(client, session):
    sid = session["id"]
    assert post(client, sid, "step").status_code == 409
    post(client, sid, "forward")
    response = post(client, sid, "step")
    assert response.status_code == 409 and "backward first" in response.json()["detail"]
    post(client, sid, "backward")
    assert post(client, sid, "step").status_code == 200
    assert post(client, sid, "step").status_code == 409      # the gradients were for the old weights


def test_phase_endpoints_accept_an_empty_body(client, session):
    sid = session["id"]
    assert post(client, sid, "forward", json={}).status_code == 200
    assert post(client, sid, "backward", content=b"{}", headers={"content-type": "application/json"}).status_code == 200


def test_train_returns_each_loss(client, session):
    sid = session["id"]
    state = post(client, sid, "train", json={"steps": 50}).json()
    assert state["step"] == 50 and state["steps_run"] == 50 and state["stopped"] is None
    assert len(state["losses"]) == 50 and state["losses"][-1] < state["losses"][0]
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history["steps"] == list(range(1, 51)) and history["losses"] == state["losses"]


def test_one_neuron_over_http(client):
    """The classic walk-through, its numbers against the hand calculation."""
    state = client.post("/api/sessions", json={
        "dataset": {"name": "single"}, "layers": [1, 1], "activations": ["sigmoid"], "loss": "mse",
        "optimizer": {"name": "sgd", "lr": 0.01}, "params": [{"W": [[0.2]], "b": [0.1]}]}).json()
    sid = state["id"]
    a = 1 / (1 + np.exp(-0.2))
    assert post(client, sid, "forward").json()["loss"] == pytest.approx(0.5 * (a - 1) ** 2, rel=1e-14)
    state = post(client, sid, "backward").json()
    assert state["layers"][0]["dW"][0][0] == pytest.approx((a - 1) * a * (1 - a) * 0.5, rel=1e-14)
    assert state["layers"][0]["db"][0] == pytest.approx((a - 1) * a * (1 - a), rel=1e-14)
    state = post(client, sid, "step").json()
    assert state["layers"][0]["W"][0][0] == pytest.approx(0.2 - 0.01 * (a - 1) * a * (1 - a) * 0.5, rel=1e-14)


def test_gradients_match_finite_differences(client):
    """The dW the API returns against central differences computed here from the same data."""
    state = client.post("/api/sessions", json={
        "layers": [2, 5, 3, 1], "activations": ["relu", "tanh", "sigmoid"],
        "dataset": {"name": "circles", "n": 60, "seed": 2}, "seed": 4}).json()
    sid = state["id"]
    post(client, sid, "forward")
    state = post(client, sid, "backward").json()
    X, Y = make_dataset("circles", n=60, noise=0.1, seed=2)
    params = [(np.array(layer["W"]), np.array(layer["b"])) for layer in state["layers"]]
    net = Network([2, 5, 3, 1], ["relu", "tanh", "sigmoid"], "bce", params=params)
    eps = 1e-6
    for k, layer in enumerate(state["layers"]):
        W = net.layers[k].W
        for i, j in np.ndindex(W.shape):
            old = W[i, j]
            W[i, j] = old + eps
            up = net.loss_at(X, Y)
            W[i, j] = old - eps
            down = net.loss_at(X, Y)
            W[i, j] = old
            assert layer["dW"][i][j] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-9)
    report = client.get(f"/api/sessions/{sid}/gradcheck").json()
    assert report["max_relative_error"] < 1e-6
    assert [entry["layer"] for entry in report["layers"]] == [0, 1, 2]


def test_gradcheck_of_one_weight(client, session):
    sid = session["id"]
    post(client, sid, "forward")
    state = post(client, sid, "backward").json()
    check = client.get(f"/api/sessions/{sid}/gradcheck?layer=0&i=1&j=2").json()
    assert check["analytic"] == state["layers"][0]["dW"][1][2]
    assert check["relative_error"] < 1e-6
    assert check["numeric"] == pytest.approx(check["analytic"], rel=1e-6)


def test_chain_rule_of_one_weight(client, session):
    sid = session["id"]
    post(client, sid, "forward")
    state = post(client, sid, "backward", params={"sample": 5}).json()
    chain = client.get(f"/api/sessions/{sid}/chain", params={"layer": 1, "i": 2, "j": 0, "sample": 5}).json()
    sample = state["sample"]
    assert sample["index"] == 5
    assert chain["a_prev"] == sample["layers"][0]["a"][2]
    assert chain["dL_da"] == sample["layers"][1]["da"][0]
    a = sample["layers"][1]["a"][0]
    assert chain["f_prime"] == pytest.approx(a * (1 - a), rel=1e-14)
    assert chain["product"] == pytest.approx(chain["a_prev"] * chain["f_prime"] * chain["dL_da"], rel=1e-14)
    assert chain["batch_sum"] == pytest.approx(state["layers"][1]["dW"][2][0], rel=1e-12)
    assert chain["dW"] == state["layers"][1]["dW"][2][0]
    assert chain["update"] == pytest.approx(-0.3 * chain["dW"], rel=1e-14)


def test_chain_before_backward_is_409(client, session):
    response = client.get(f"/api/sessions/{session['id']}/chain?layer=0&i=0&j=0")
    assert response.status_code == 409 and "Backward" in response.json()["detail"]


def test_sample_outside_the_minibatch(client):
    sid = client.post("/api/sessions", json={"batch_size": 4, "dataset": {"name": "xor", "n": 40}}).json()["id"]
    post(client, sid, "forward")
    state = post(client, sid, "backward").json()
    missing = next(s for s in range(40) if not client.get(f"/api/sessions/{sid}", params={"sample": s}).json()["sample"]["in_batch"])
    response = client.get(f"/api/sessions/{sid}/chain", params={"layer": 0, "i": 0, "j": 0, "sample": missing})
    assert response.status_code == 422 and "minibatch" in response.json()["detail"][0]["msg"]
    assert state["batch_size"] == 4


def test_batch_pages(client):
    sid = client.post("/api/sessions", json={"dataset": {"name": "xor", "n": 30}}).json()["id"]
    assert client.get(f"/api/sessions/{sid}/batch").json()["total"] == 0
    post(client, sid, "forward")
    post(client, sid, "backward")
    page = client.get(f"/api/sessions/{sid}/batch", params={"offset": 10, "limit": 5}).json()
    assert page["total"] == 30 and page["indices"] == list(range(10, 15))
    assert np.array(page["layers"][0]["Z"]).shape == (5, 4)
    assert np.array(page["layers"][1]["dZ"]).shape == (5, 1)


def test_predictions_grid_and_line(client, session):
    grid = client.get(f"/api/sessions/{session['id']}/predictions", params={"resolution": 10}).json()
    assert grid["kind"] == "grid" and len(grid["outputs"]) == 1 and len(grid["outputs"][0]) == 100
    assert [len(layer) for layer in grid["units"]] == [4, 1]
    assert len(grid["units"][0][0]) == 16 ** 2
    assert all(0 <= v <= 1 for v in grid["outputs"][0])
    sid = client.post("/api/sessions", json={"dataset": {"name": "sine"}}).json()["id"]
    line = client.get(f"/api/sessions/{sid}/predictions", params={"resolution": 30, "units": False}).json()
    assert line["kind"] == "line" and len(line["outputs"][0]) == 30 and "units" not in line


def test_phase_responses_stay_small_whatever_the_data_size(client):
    sid = client.post("/api/sessions", json={"dataset": {"name": "circles", "n": 5000}}).json()["id"]
    for phase in ("forward", "backward", "step"):
        assert len(post(client, sid, phase).content) < 4096


def test_divergence_is_flagged_not_invalid_json(client):
    sid = client.post("/api/sessions", json={
        "dataset": {"name": "sine"}, "activations": ["relu", "linear"],
        "optimizer": {"name": "sgd", "lr": 1e6}}).json()["id"]
    state = post(client, sid, "train", json={"steps": 200}).json()     # strict JSON parse
    assert state["diverged"] is True and state["stopped"] == "diverged"
    assert state["steps_run"] < 200 and state["losses"][-1] is None
    assert client.get(f"/api/sessions/{sid}/predictions").status_code == 200


def test_predictions_cover_the_extent_asked_for(client, session):
    plain = client.get(f"/api/sessions/{session['id']}/predictions").json()
    assert all(-2 < low and high < 2 for low, high in plain["bounds"])
    wide = client.get(f"/api/sessions/{session['id']}/predictions", params={"extent": 3}).json()
    assert wide["bounds"] == [[-3.0, 3.0], [-3.0, 3.0]]
    assert client.get(f"/api/sessions/{session['id']}/predictions", params={"extent": 0}).status_code == 422


def test_a_train_reply_carries_the_gradients_of_its_last_update(client, session):
    """The page draws them as the last step's; the state's dW stays null after a train."""
    sid = session["id"]
    twin = client.post("/api/sessions", json={}).json()["id"]
    trained = client.post(f"/api/sessions/{sid}/train", json={"steps": 5}).json()
    assert all(layer["dW"] is None for layer in trained["layers"])
    for _ in range(4):
        client.post(f"/api/sessions/{twin}/train", json={"steps": 1})
    for phase in ("forward", "backward"):
        by_hand = client.post(f"/api/sessions/{twin}/{phase}").json()
    assert len(trained["last_gradients"]) == 2
    for got, want in zip(trained["last_gradients"], by_hand["layers"]):
        assert got["dW"] == want["dW"] and got["db"] == want["db"]     # the 5th update's, bit for bit
    assert client.get(f"/api/sessions/{sid}").json()["layers"][0]["dW"] is None


HELD_ROUTES = [("POST", "forward", None), ("POST", "backward", None), ("POST", "step", None),
               ("POST", "train", {"steps": 3}), ("GET", "", None), ("GET", "predictions", None),
               ("GET", "chain?layer=0&i=0&j=0", None)]


def request(client, method, sid, path, body):
    url = f"/api/sessions/{sid}" + (f"/{path}" if path else "")
    sep = "&" if "?" in url else "?"
    return lambda query="": client.request(method, url + (sep + query if query else ""), json=body)


@pytest.mark.parametrize("method,path,body", HELD_ROUTES, ids=[p.split("?")[0] or "state" for _, p, _ in HELD_ROUTES])
def test_the_routes_holding_the_session_themselves_refuse_as_the_others_do(client, session, method, path, body):
    """The class's hot routes take session_id and sample as plain parameters (no dependency to
    solve): an unknown session is 404, an id over 64 characters and a sample past the data are
    422 naming the field, before any work (the session is as it was)."""
    sid = session["id"]
    before = client.get(f"/api/sessions/{sid}").json()
    missing = request(client, method, "no-such-session", path, body)()
    assert missing.status_code == 404 and len(missing.content) < 300
    long_id = request(client, method, "x" * 65, path, body)()
    assert long_id.status_code == 422 and long_id.json()["detail"][0]["field"] == "session_id"
    if path != "predictions":                                          # the pictures take no sample
        far = request(client, method, sid, path, body)("sample=300")      # xor has 200 points
        assert far.status_code == 422 and far.json()["detail"][0]["field"] == "sample", far.text
    after = client.get(f"/api/sessions/{sid}").json()
    assert (after["step"], after["phase"], after["loss"]) == (before["step"], before["phase"], before["loss"])


def test_a_reply_says_where_its_time_went(client, session):
    """Server-Timing: arrive, queue, compute, back, save (ms), each a duration; a train's
    compute is most of its time, and what it computed is what its compute stage says."""
    sid = session["id"]
    response = client.post(f"/api/sessions/{sid}/forward")
    stages = dict(part.strip().split(";dur=") for part in response.headers["server-timing"].split(","))
    assert list(stages) == ["arrive", "queue", "compute", "back", "save"]
    assert all(float(ms) >= 0 for ms in stages.values())
    started = time.perf_counter()
    response = client.post(f"/api/sessions/{sid}/train", json={"steps": 3000})
    took = (time.perf_counter() - started) * 1e3
    stages = {name: float(ms) for name, ms in (part.strip().split(";dur=") for part in response.headers["server-timing"].split(","))}
    assert stages["compute"] > 0.5 * took and sum(stages.values()) <= took


def test_a_train_says_how_long_its_work_waited_for_the_compute_thread(client, session):
    import time
    started = time.perf_counter()
    state = client.post(f"/api/sessions/{session['id']}/train", json={"steps": 50}).json()
    assert 0 <= state["waited"] < time.perf_counter() - started
