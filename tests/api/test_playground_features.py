"""What TensorFlow Playground users expect (issue 21), the parts built so far: regularisation
and editing a weight."""
import numpy as np
import pytest

from app.schemas import SessionConfig
from app.sessions import build_trainer

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
    t.set_weight(1, "W", 2, 0, -1.25)
    t.set_weight(0, "b", 3, None, 0.0)
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
