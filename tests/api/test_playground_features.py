"""What TensorFlow Playground users expect (issue 21), the parts built so far: regularisation
and editing a weight."""
import numpy as np
import pytest

from app.sessions.config import SessionConfig
from app.sessions.session import build_trainer

L2 = {"kind": "l2", "rate": 0.05}


def create(client, **config):
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize("reg", [L2, {"kind": "l1", "rate": 0.02}])
def test_chain_splits_dw_into_its_data_and_penalty_parts(client, reg):
    sid = create(client, regularization=reg, batch_size=30)
    client.post(f"/api/sessions/{sid}/forward")
    state = client.post(f"/api/sessions/{sid}/backward").json()
    batch = client.get(f"/api/sessions/{sid}/batch?limit=500").json()
    chain = client.get(f"/api/sessions/{sid}/chain?layer=0&i=1&j=3&sample={batch['indices'][0]}").json()
    w = state["layers"][0]["W"][1][3]
    expected = reg["rate"] * (w if reg["kind"] == "l2" else np.sign(w))
    assert chain["dW_penalty"] == pytest.approx(expected, rel=1e-15)
    assert chain["dW_data"] == chain["batch_sum"] == pytest.approx(chain["terms_sum"], rel=1e-12)
    assert chain["dW"] == pytest.approx(chain["dW_data"] + chain["dW_penalty"], rel=1e-12)
    assert chain["regularization"] == reg
    assert state["loss"] > state["data_loss"]


def test_without_regularisation_dw_is_its_data_part(client):
    sid = create(client)
    client.post(f"/api/sessions/{sid}/forward")
    state = client.post(f"/api/sessions/{sid}/backward").json()
    chain = client.get(f"/api/sessions/{sid}/chain?layer=0&i=0&j=0").json()
    assert chain["dW_penalty"] == 0 and chain["dW_data"] == chain["dW"] and chain["regularization"] is None
    assert state["loss"] == state["data_loss"]


def test_regularisation_goes_with_links_and_files(client):
    sid = create(client, regularization=L2)
    code = client.post("/api/scenarios/encode", json={"config": {"regularization": L2}}).json()["code"]
    assert client.post("/api/scenarios/decode", json={"code": code}).json()["config"]["regularization"] == L2
    client.post(f"/api/sessions/{sid}/train", json={"steps": 5})
    exported = client.get(f"/api/sessions/{sid}/export")
    imported = client.post("/api/sessions/import", content=exported.content, headers={"Content-Type": "application/json"})
    assert imported.status_code == 201
    copy = imported.json()
    assert copy["config"]["regularization"] == L2
    a = client.post(f"/api/sessions/{sid}/train", json={"steps": 3}).json()
    b = client.post(f"/api/sessions/{copy['id']}/train", json={"steps": 3}).json()
    assert a["losses"] == b["losses"]


@pytest.mark.parametrize("reg,field", [({"kind": "l3", "rate": 1}, "regularization.kind"),
                                       ({"kind": "l2", "rate": -1}, "regularization.rate"),
                                       ({"kind": "l2", "rate": 10.5}, "regularization.rate"),
                                       ({"kind": "l2"}, "regularization.rate"),
                                       ({"kind": "l1", "rate": "0.1"}, "regularization.rate")])
def test_bad_regularisation_is_a_422_naming_the_field(client, reg, field):
    response = client.post("/api/sessions", json={"regularization": reg})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == field


def test_editing_a_weight_keeps_step_optimiser_and_reset_target(client):
    sid = create(client, optimizer={"name": "momentum", "lr": 0.1})
    start = client.get(f"/api/sessions/{sid}").json()
    trained = client.post(f"/api/sessions/{sid}/train", json={"steps": 4}).json()
    edited = client.post(f"/api/sessions/{sid}/weight",
                         json={"layer": 1, "param": "W", "i": 2, "j": 0, "value": -1.25}).json()
    assert edited["phase"] == "fresh" and edited["step"] == 4
    assert edited["layers"][1]["W"][2][0] == -1.25
    assert edited["layers"][1]["W"][0] == trained["layers"][1]["W"][0]          # the others stay
    assert edited["optimizer"]["state"] == trained["optimizer"]["state"]
    bias = client.post(f"/api/sessions/{sid}/weight", json={"layer": 0, "param": "b", "i": 3, "value": 0}).json()
    assert bias["layers"][0]["b"][3] == 0 and bias["layers"][1]["W"][2][0] == -1.25
    # the output follows the typed weight: a forward with it, by hand
    t = build_trainer(SessionConfig.model_validate({"optimizer": {"name": "momentum", "lr": 0.1}}))[0]
    t.train(4)
    t.set_weight(1, "W", {"i": 2, "j": 0}, -1.25)
    t.set_weight(0, "b", {"i": 3}, 0.0)
    forward = client.post(f"/api/sessions/{sid}/forward").json()
    assert forward["loss"] == t.forward()
    reset = client.post(f"/api/sessions/{sid}/reset").json()
    assert [l["W"] for l in reset["layers"]] == [l["W"] for l in start["layers"]]


@pytest.mark.parametrize("body,field", [
    ({"layer": 2, "param": "W", "i": 0, "j": 0, "value": 1}, "layer"),
    ({"layer": 0, "param": "W", "i": 2, "j": 0, "value": 1}, "i"),
    ({"layer": 0, "param": "W", "i": 0, "j": 4, "value": 1}, "j"),
    ({"layer": 0, "param": "W", "i": 0, "value": 1}, "j"),
    ({"layer": 0, "param": "b", "i": 4, "value": 1}, "i"),
    ({"layer": 0, "param": "v", "i": 0, "value": 1}, "param"),
    ({"layer": 0, "param": "b", "i": 0, "value": 2e6}, "value"),
    ({"layer": 0, "param": "b", "i": 0}, "value"),
])
def test_bad_weight_edits_are_a_422_naming_the_field(client, body, field):
    sid = create(client)
    response = client.post(f"/api/sessions/{sid}/weight", json=body)
    assert response.status_code == 422 and len(response.content) < 2000
    assert response.json()["detail"][0]["field"] == field


def test_features_are_the_networks_inputs_worked_out_from_the_points(client):
    features = ["x1", "x2", "x1*x2", "sin(x2)"]
    sid = create(client, features=features, dataset={"name": "xor", "n": 50})
    state = client.get(f"/api/sessions/{sid}?sample=7").json()
    assert state["config"]["layers"][0] == 4 and state["config"]["features"] == features
    data = client.get(f"/api/sessions/{sid}/data").json()
    x1, x2 = data["X"][7]                                 # /data keeps the points themselves
    assert state["sample"]["input"] == pytest.approx([x1, x2, x1 * x2, np.sin(x2)], rel=1e-15)
    pictures = client.get(f"/api/sessions/{sid}/predictions?resolution=5&unit_resolution=3").json()
    (lo1, hi1), (lo2, hi2) = pictures["bounds"]
    g1, g2 = np.meshgrid(np.linspace(lo1, hi1, 3), np.linspace(lo2, hi2, 3))
    g1, g2 = g1.ravel(), g2.ravel()
    expected = np.array([g1, g2, g1 * g2, np.sin(g2)])
    np.testing.assert_allclose(np.array(pictures["inputs"]), np.round(expected, 3), atol=1e-12)


def test_a_linear_model_solves_circles_on_x1_squared_and_x2_squared(client):
    plain = create(client, layers=[2, 1], activations=["sigmoid"], dataset={"name": "circles", "n": 200})
    squared = create(client, layers=[2, 1], activations=["sigmoid"], features=["x1^2", "x2^2"],
                     dataset={"name": "circles", "n": 200}, optimizer={"name": "sgd", "lr": 3})
    a = client.post(f"/api/sessions/{plain}/train", json={"steps": 400}).json()["accuracy"]
    b = client.post(f"/api/sessions/{squared}/train", json={"steps": 400}).json()["accuracy"]
    assert b > 0.95 and a < 0.75


def test_features_go_with_links_and_files(client):
    features = ["x1^2", "x2^2", "x1"]
    sid = create(client, features=features)
    code = client.post("/api/scenarios/encode", json={"config": {"features": features}}).json()["code"]
    assert client.post("/api/scenarios/decode", json={"code": code}).json()["config"]["features"] == features
    exported = client.get(f"/api/sessions/{sid}/export")
    copy = client.post("/api/sessions/import", content=exported.content, headers={"Content-Type": "application/json"}).json()
    assert copy["config"]["features"] == features and copy["layers"] == client.get(f"/api/sessions/{sid}").json()["layers"]


@pytest.mark.parametrize("config,field", [
    ({"features": ["x3"]}, "features"),
    ({"features": []}, "features"),
    ({"features": ["x1", "x1"]}, "features"),
    ({"features": ["x1^2"], "dataset": {"name": "sine", "n": 20}}, "features"),
    ({"features": ["x1^2", "x2^2"], "layers": [3, 4, 1]}, "layers"),
])
def test_bad_features_are_a_422_naming_the_field(client, config, field):
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["field"].split("[")[0] == field       # features[0]: the first bad one


def test_test_points_are_held_out_seeded_and_disjoint(client):
    config = {"test_ratio": 0.3, "dataset": {"name": "xor", "n": 101}, "seed": 5}
    sid, twin, other = create(client, **config), create(client, **config), create(client, **{**config, "seed": 6})
    data = client.get(f"/api/sessions/{sid}/data").json()
    assert len(data["X"]) == 101 and sum(data["test"]) == 30             # floor(101 · 0.3)
    assert client.get(f"/api/sessions/{twin}/data").json()["test"] == data["test"]
    assert client.get(f"/api/sessions/{other}/data").json()["test"] != data["test"]
    state = client.get(f"/api/sessions/{sid}?sample=3").json()
    assert state["points"] == 71 and state["test_points"] == 30
    train_rows = [x for x, held in zip(data["X"], data["test"]) if not held]
    assert state["sample"]["input"] == train_rows[3]
    # the loss and the test loss by hand, with the weights the forward used
    forward = client.post(f"/api/sessions/{sid}/forward").json()
    t = build_trainer(SessionConfig.model_validate(config))[0]
    X, Y = np.array(data["X"]), np.array(data["Y"])
    held = np.array(data["test"])
    W0, b0 = (np.array(forward["layers"][0][k]) for k in ("W", "b"))
    W1, b1 = (np.array(forward["layers"][1][k]) for k in ("W", "b"))
    def bce(rows):
        a = 1 / (1 + np.exp(-(np.tanh(X[rows] @ W0 + b0) @ W1 + b1)))
        y = Y[rows]
        return float(np.mean(-(y * np.log(a) + (1 - y) * np.log(1 - a))))
    assert forward["loss"] == pytest.approx(bce(~held), rel=1e-10)
    assert forward["test_loss"] == pytest.approx(bce(held), rel=1e-10)
    assert t.test_loss() == pytest.approx(forward["test_loss"], rel=1e-12)


def test_training_never_sees_the_test_points_and_history_has_their_loss(client):
    sid = create(client, test_ratio=0.5, dataset={"name": "circles", "n": 40})
    client.post(f"/api/sessions/{sid}/train", json={"steps": 6})
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history["test_losses"]["steps"] == [1, 2, 3, 4, 5, 6]
    # a session on the training points alone trains the same way
    data = client.get(f"/api/sessions/{sid}/data").json()
    train_X = [x for x, held in zip(data["X"], data["test"]) if not held]
    train_Y = [y for y, held in zip(data["Y"], data["test"]) if not held]
    alone = create(client, dataset={"X": train_X, "Y": train_Y})
    mine = client.get(f"/api/sessions/{sid}").json()
    theirs = client.post(f"/api/sessions/{alone}/train", json={"steps": 6}).json()
    assert history["losses"] == theirs["losses"] and mine["layers"][0]["W"] == theirs["layers"][0]["W"]


def test_at_least_one_point_is_left_to_train_on(client):
    sid = create(client, test_ratio=0.9, dataset={"X": [[0, 0], [1, 1]], "Y": [[0], [1]]})
    state = client.get(f"/api/sessions/{sid}").json()
    assert state["points"] == 1 and state["test_points"] == 1


@pytest.mark.parametrize("ratio", [-0.1, 0.95, "0.2", True])
def test_a_bad_test_ratio_is_a_422(client, ratio):
    response = client.post("/api/sessions", json={"test_ratio": ratio})
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "test_ratio"
