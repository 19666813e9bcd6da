"""Bad input: a 4xx JSON error naming the field and the limit, never a 500."""
import math
import threading
import time

import pytest

from ..conftest import fields


@pytest.mark.parametrize("body,field,words", [
    ({"layers": [2, 65, 1]}, "layers[1]", "less than or equal to 64"),
    ({"layers": [2, 0, 1]}, "layers[1]", "greater than or equal to 1"),
    ({"layers": [2] + [4] * 8 + [1]}, "layers", "at most 9"),
    ({"layers": [2]}, "layers", "at least 2"),
    ({"dataset": {"name": "xor", "n": 5001}}, "dataset.n", "less than or equal to 5000"),
    ({"dataset": {"name": "xor", "n": 0}}, "dataset.n", "greater than or equal to 1"),
    ({"dataset": {"name": "nope"}}, "dataset.name", "'xor'"),
    ({"dataset": {"name": "xor", "noise": -1}}, "dataset.noise", "greater than or equal to 0"),
    ({"activations": ["tanh", "swish"]}, "activations[1]", "'sigmoid'"),
    ({"loss": "hinge"}, "loss", "'mse'"),
    ({"optimizer": {"name": "rmsprop"}}, "optimizer.name", "'sgd'"),
    ({"optimizer": {"lr": 0}}, "optimizer.lr", "greater than 0"),
    ({"optimizer": {"lr": 1e7}}, "optimizer.lr", "less than or equal to 1000000"),
    ({"optimizer": {"beta": 1.0}}, "optimizer.beta", "less than 1"),
    ({"batch_size": 0}, "batch_size", "greater than or equal to 1"),
    ({"seed": -1}, "seed", "greater than or equal to 0"),
    ({"layers": "2-4-1"}, "layers", "valid list"),
    ({"colour": "red"}, "colour", "Extra inputs"),
])
def test_schema_limits(client, body, field, words):
    response = client.post("/api/sessions", json=body)
    assert response.status_code == 422, response.text
    entry = next(e for e in response.json()["detail"] if e["field"] == field)
    assert words in entry["msg"]


@pytest.mark.parametrize("body,field,words", [
    ({"layers": [3, 4, 1]}, "layers", "must be 2"),
    ({"layers": [2, 4, 2]}, "layers", "1 units"),
    ({"layers": [2, 4, 1], "activations": ["tanh"]}, "activations", "need one activation per non-input layer: 2"),
    ({"activations": ["tanh", "softmax"], "loss": "mse"}, "layers", "at least 2 units"),     # xor: 1 output
    ({"activations": ["tanh", "tanh"], "loss": "bce"}, "loss", "sigmoid"),
    ({"activations": ["softmax", "sigmoid"]}, "activations", "output layer"),
    ({"params": [{"W": [[1, 2]], "b": [0, 0]}, {"W": [[1], [1]], "b": [0]}]}, "params", "shape (2, 4)"),
    ({"params": [{"W": [[1, 2, 3, 4], [1, 2, 3, 4]], "b": [0, 0, 0, 0]}]}, "params", "params has 1 layers, need 2"),
    ({"dataset": {"X": [[0, 0], [1, 1]], "Y": [[1]]}}, "dataset", "X has 2 rows but Y has 1"),
    ({"dataset": {"X": [[0, 0], [1]], "Y": [[1], [0]]}}, "dataset", "every row of X must have the same length"),
    ({"dataset": {"X": [[0, 0]], "Y": [[2]]}, "loss": "bce"}, "dataset.Y", "between 0 and 1"),
    ({"dataset": {"X": [[0, 0]], "Y": [[0.5, 0.2]]}, "layers": [2, 3, 2], "loss": "cross_entropy"},
     "dataset.Y", "sum to 1"),
])
def test_configurations_the_engine_refuses(client, body, field, words):
    response = client.post("/api/sessions", json=body)
    assert response.status_code == 422, response.text
    assert fields(response) == [field]
    assert words in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_finite_numbers_are_refused(client, literal):
    for template, field in [(b'{"dataset": {"X": [[%s, 0]], "Y": [[1]]}}', "dataset.X[0][0]"),
                            (b'{"dataset": {"X": [[0, 0]], "Y": [[%s]]}}', "dataset.Y[0][0]"),
                            (b'{"params": [{"W": [[%s,1,1,1],[1,1,1,1]], "b": [0,0,0,0]}, '
                             b'{"W": [[1],[1],[1],[1]], "b": [0]}]}', "params[0].W[0][0]"),
                            (b'{"optimizer": {"lr": %s}}', "optimizer.lr")]:
        response = client.post("/api/sessions", content=template % literal,
                               headers={"content-type": "application/json"})
        assert response.status_code == 422, response.text
        assert field in fields(response)


def test_too_many_points(client):
    X = [[0.0, 0.0]] * 5001
    response = client.post("/api/sessions", json={"dataset": {"X": X, "Y": [[0.0]] * 5001}})
    assert response.status_code == 422
    assert "dataset.X" in fields(response)
    assert "at most 5000" in response.json()["detail"][0]["msg"]


def test_body_over_2_mb_is_413_before_parsing(client):
    body = b'{"dataset": {"X": [' + b"[0.125, 0.25]," * 200_000 + b'[0,0]], "Y": [[0]]}}'
    assert len(body) > 2 * 1024 * 1024
    response = client.post("/api/sessions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "2097152 bytes" in response.json()["detail"]


def test_streamed_body_over_the_limit_is_413(client):
    def chunks():
        yield b'{"dataset": {"X": ['
        for _ in range(300):
            yield b"[0.125, 0.25]," * 1000
        yield b'[0,0]]}}'
    response = client.post("/api/sessions", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_malformed_json_is_422(client):
    response = client.post("/api/sessions", content=b'{"layers": [2, 4', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize("path", ["/api/sessions", "/api/sessions/import", "/api/graph"])
def test_a_5000_digit_integer_is_a_422_saying_the_number_is_out_of_range(client, path):
    """Python reads at most 4,300 digits of an integer; the body was said not to be UTF-8."""
    body = b'{"seed": ' + b"9" * 5000 + b"}"
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    problem = response.json()["detail"][0]
    assert problem["field"] == "body" and "number is out of range" in problem["msg"], problem


@pytest.mark.parametrize("steps,words", [(0, "greater than or equal to 1"), (10001, "less than or equal to 10000")])
def test_train_steps_bound(client, session, steps, words):
    response = client.post(f"/api/sessions/{session['id']}/train", json={"steps": steps})
    assert response.status_code == 422
    assert fields(response) == ["steps"] and words in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("query,field", [
    ("layer=2&i=0&j=0", "layer"), ("layer=0&i=2&j=0", "i"), ("layer=0&i=0&j=4", "j"),
    ("layer=-1&i=0&j=0", "layer"), ("layer=0&i=0", "j"), ("layer=0&i=0&j=0&sample=200", "sample"),
])
def test_chain_indices_are_checked(client, session, query, field):
    sid = session["id"]
    client.post(f"/api/sessions/{sid}/forward")
    client.post(f"/api/sessions/{sid}/backward")
    response = client.get(f"/api/sessions/{sid}/chain?{query}")
    assert response.status_code == 422, response.text
    assert field in fields(response)


def test_sample_past_the_data_is_422(client, session):
    response = client.get(f"/api/sessions/{session['id']}", params={"sample": 200})
    assert response.status_code == 422 and fields(response) == ["sample"]
    assert "below 200" in response.json()["detail"][0]["msg"]


@pytest.mark.parametrize("query", ["resolution=101", "resolution=1", "unit_resolution=33"])
def test_prediction_bounds(client, session, query):
    assert client.get(f"/api/sessions/{session['id']}/predictions?{query}").status_code == 422


def test_errors_carry_no_stack_trace(client):
    response = client.post("/api/sessions", json={"layers": [2, 4, 2]})
    assert "Traceback" not in response.text and "File \"" not in response.text


def test_train_stops_at_the_time_limit(make_client):
    client = make_client(train_seconds=0.2)
    sid = client.post("/api/sessions", json={"layers": [2, 64, 64, 1], "dataset": {"name": "xor", "n": 5000}}).json()["id"]
    started = time.monotonic()
    state = client.post(f"/api/sessions/{sid}/train", json={"steps": 10000}).json()
    assert time.monotonic() - started < 5
    assert state["steps_run"] < 10000 and state["stopped"].startswith("time limit")
    assert state["step"] == state["steps_run"] == len(state["losses"])


def test_a_long_train_does_not_block_other_sessions(make_client):
    client = make_client(train_seconds=3)
    slow = client.post("/api/sessions", json={"layers": [2, 64, 64, 1], "dataset": {"name": "xor", "n": 5000}}).json()["id"]
    other = client.post("/api/sessions", json={}).json()["id"]
    thread = threading.Thread(target=client.post, args=(f"/api/sessions/{slow}/train",), kwargs={"json": {"steps": 10000}})
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    assert client.post(f"/api/sessions/{other}/forward").status_code == 200
    assert time.monotonic() - started < 1.0
    thread.join()


def test_one_sessions_requests_are_serialised(client, session):
    """Concurrent steps on one session: every update counted once, none lost or doubled."""
    sid = session["id"]
    results = []

    def train():
        results.append(client.post(f"/api/sessions/{sid}/train", json={"steps": 25}).json()["step"])

    threads = [threading.Thread(target=train) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [25, 50, 75, 100]
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history["steps"] == list(range(1, 101))
    assert all(math.isfinite(loss) for loss in history["losses"])
