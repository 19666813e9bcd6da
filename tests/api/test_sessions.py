"""Creating, reading, resetting and deleting sessions; the shape of the state."""
import os

import numpy as np
import pytest


def test_empty_body_gives_the_xor_starter(client):
    response = client.post("/api/sessions", json={})
    assert response.status_code == 201
    state = response.json()
    assert response.headers["location"] == f"/api/sessions/{state['id']}"
    assert state["step"] == 0 and state["phase"] == "fresh" and state["loss"] is None
    assert [np.array(layer["W"]).shape for layer in state["layers"]] == [(2, 4), (4, 1)]
    assert [layer["activation"] for layer in state["layers"]] == ["tanh", "sigmoid"]
    assert all(layer["dW"] is None and layer["db"] is None for layer in state["layers"])
    assert state["config"]["loss"] == "bce" and state["config"]["dataset"]["name"] == "xor"
    assert state["sample"]["index"] == 0 and len(state["sample"]["input"]) == 2
    assert state["sample"]["layers"][0]["z"] is None
    assert state["diverged"] is False


@pytest.mark.parametrize("path", ["/api/sessions", "/api/sessions/import", "/api/classes", "/api/classes/ABCDEF/join"])
@pytest.mark.parametrize("headers, body", [({}, None), ({"content-type": "text/plain"}, b"{}"),
                                           ({"content-type": "application/x-www-form-urlencoded"}, b"a=1"),
                                           ({"content-type": "multipart/form-data; boundary=x"}, b"--x--")])
def test_a_create_not_declared_as_json_is_415(client, path, headers, body):
    """What a page elsewhere can send cross-site without asking: bodyless, text, a form."""
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 415
    assert response.json()["field"] == "content-type" and "application/json" in response.json()["detail"]
    assert len(response.content) < 300 and client.get("/healthz").json()["sessions"] == 0


def test_an_empty_json_object_is_the_starter_and_a_charset_is_fine(client):
    response = client.post("/api/sessions", content=b"{}",
                           headers={"content-type": "application/json; charset=utf-8"})
    assert response.status_code == 201
    assert response.json()["config"]["layers"] == [2, 4, 1]


def test_ids_are_unguessable(client):
    ids = {client.post("/api/sessions", json={}).json()["id"] for _ in range(20)}
    assert len(ids) == 20
    # token_urlsafe(16): 16 random bytes = 128 bits, 22 url-safe characters
    assert all(len(i) == 22 for i in ids)


def test_get_returns_the_same_state(client, session):
    state = client.get(f"/api/sessions/{session['id']}").json()
    assert state["layers"] == session["layers"]


def test_delete_then_404(client, session):
    assert client.delete(f"/api/sessions/{session['id']}").status_code == 204
    response = client.get(f"/api/sessions/{session['id']}")
    assert response.status_code == 404
    assert "create a new one" in response.json()["detail"]
    assert client.delete(f"/api/sessions/{session['id']}").status_code == 404


def test_unknown_session_is_404_on_every_route(client):
    for method, path in [("get", ""), ("post", "/forward"), ("post", "/backward"), ("post", "/step"),
                         ("post", "/reset"), ("get", "/chain?layer=0&i=0&j=0"), ("get", "/gradcheck"),
                         ("get", "/predictions"), ("get", "/data"), ("get", "/history"), ("get", "/batch")]:
        response = getattr(client, method)(f"/api/sessions/nope{path}")
        assert response.status_code == 404, (method, path, response.text)


def test_explicit_params_and_configuration(client):
    params = [{"W": [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], "b": [0.0, 0.1, -0.1]},
              {"W": [[1.0], [-1.0], [0.5]], "b": [0.2]}]
    state = client.post("/api/sessions", json={
        "layers": [2, 3, 1], "activations": ["relu", "sigmoid"], "loss": "bce", "params": params,
        "optimizer": {"name": "adam", "lr": 0.01}, "batch_size": 16, "seed": 5,
        "dataset": {"name": "moons", "n": 100, "noise": 0.2, "seed": 3}}).json()
    assert [{"W": layer["W"], "b": layer["b"]} for layer in state["layers"]] == params
    assert state["optimizer"]["name"] == "adam" and state["optimizer"]["lr"] == 0.01
    assert state["points"] == 100


def test_defaults_follow_the_dataset(client):
    blobs = client.post("/api/sessions", json={"dataset": {"name": "blobs"}}).json()
    assert blobs["config"]["layers"] == [2, 4, 3]
    assert blobs["config"]["loss"] == "cross_entropy"
    assert blobs["layers"][-1]["activation"] == "softmax"
    sine = client.post("/api/sessions", json={"dataset": {"name": "sine"}}).json()
    assert sine["config"]["layers"] == [1, 4, 1] and sine["config"]["loss"] == "mse"
    assert sine["layers"][-1]["activation"] == "linear"


def test_custom_points(client):
    X = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    Y = [[0.0], [0.0], [1.0], [1.0]]
    state = client.post("/api/sessions", json={"dataset": {"X": X, "Y": Y}}).json()
    assert state["config"]["task"] == "binary" and state["points"] == 4
    data = client.get(f"/api/sessions/{state['id']}/data").json()
    assert data["X"] == X and data["Y"] == Y


def test_reset_restores_the_start(client, session):
    sid = session["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 20})
    state = client.post(f"/api/sessions/{sid}/reset").json()
    assert state["step"] == 0 and state["phase"] == "fresh" and state["loss"] is None
    assert state["layers"] == session["layers"]
    assert client.get(f"/api/sessions/{sid}/history").json()["steps"] == []


def test_same_seed_same_session(client):
    config = {"seed": 9, "dataset": {"name": "spiral", "n": 50, "seed": 9}, "batch_size": 10}
    a = client.post("/api/sessions", json=config).json()
    b = client.post("/api/sessions", json=config).json()
    ta = client.post(f"/api/sessions/{a['id']}/train", json={"steps": 15}).json()
    tb = client.post(f"/api/sessions/{b['id']}/train", json={"steps": 15}).json()
    assert ta["losses"] == tb["losses"] and ta["layers"] == tb["layers"]


def test_healthz(client, session):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok", "sessions": 1, "process": os.getpid()}


def test_openapi_documents_the_bounds(client):
    spec = client.get("/openapi.json").json()
    config = spec["components"]["schemas"]["SessionConfig"]["properties"]
    sizes, objects = config["layers"]["anyOf"][0]["oneOf"]
    assert sizes["maxItems"] == 9 and sizes["items"]["maximum"] == 64
    assert objects["maxItems"] == 8
    conv = spec["components"]["schemas"]["ConvSpec"]["properties"]
    assert conv["channels"]["maximum"] == 8 and conv["padding"]["maximum"] == 3
    train = spec["components"]["schemas"]["TrainRequest"]["properties"]["steps"]
    assert train["maximum"] == 10000
    assert client.get("/docs").status_code == 200
