"""Batch norm and dropout through the API: the configuration, the phases, the gradient check
with γ and β, session files and links that carry them, and refusals that name the field."""
import pytest

OPTIONED = {"layers": [2, 6, 5, 1], "dataset": {"name": "circles", "n": 80}, "batch_size": 16,
            "optimizer": {"name": "adam", "lr": 0.02},
            "layer_options": [{"batch_norm": True, "dropout": 0.25}, {"batch_norm": True}]}


def create(client, config=OPTIONED):
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_session_with_batch_norm_and_dropout_trains_and_its_gradients_check(client):
    sid = create(client)
    path = f"/api/sessions/{sid}"
    for phase in ("forward", "backward", "step"):
        assert client.post(f"{path}/{phase}").status_code == 200
    trained = client.post(f"{path}/train", json={"steps": 60}).json()
    assert trained["step"] == 61 and trained["losses"][-1] < trained["losses"][0]
    client.post(f"{path}/forward")
    client.post(f"{path}/backward")
    check = client.get(f"{path}/gradcheck").json()
    first, second, out = check["layers"]
    for layer in (first, second):
        assert layer["gamma_checked"] > 0 and layer["gamma"] < 1e-6 and layer["beta"] < 1e-6, layer
    assert "gamma" not in out and check["max_relative_error"] < 1e-5     # b before batch norm: 0 ± rounding
    assert first["b_max_abs"] < 1e-10
    state = client.get(path).json()
    assert state["config"]["layer_options"] == [{"batch_norm": True, "dropout": 0.25},
                                                {"batch_norm": True, "dropout": 0.0}]
    assert client.get(f"{path}/predictions?resolution=12").status_code == 200


def test_an_exported_session_with_options_continues_exactly_after_import(client):
    sid = create(client)
    client.post(f"/api/sessions/{sid}/train", json={"steps": 23})
    body = client.get(f"/api/sessions/{sid}/export").json()
    assert body["version"] == 2 and body["layer_state"][2] is None
    assert set(body["layer_state"][0]) == {"gamma", "beta", "running_mean", "running_var"}
    assert "0.gamma" in body["optimizer_state"] and body["dropout_rng"]["state"].isdigit()
    imported = client.post("/api/sessions/import", json=body)
    assert imported.status_code == 201, imported.text
    copy = imported.json()["id"]
    a = client.post(f"/api/sessions/{sid}/train", json={"steps": 7}).json()
    b = client.post(f"/api/sessions/{copy}/train", json={"steps": 7}).json()
    assert a["losses"] == b["losses"] and a["layers"] == b["layers"]


def test_a_version_1_file_still_imports(client):
    sid = create(client, {"layers": [2, 4, 1]})
    client.post(f"/api/sessions/{sid}/train", json={"steps": 3})
    body = client.get(f"/api/sessions/{sid}/export").json()
    body["version"] = 1
    body["config"].pop("layer_options")
    from app.scenarios.files import digest
    body["sha256"] = digest({k: v for k, v in body.items() if k != "sha256"})
    assert client.post("/api/sessions/import", json=body).status_code == 201


def test_a_link_carries_the_options(client):
    code = client.post("/api/scenarios/encode", json={"config": OPTIONED})
    assert code.status_code == 200, code.text
    opened = client.post("/api/scenarios/decode", json={"code": code.json()["code"]})
    assert opened.status_code == 200, opened.text
    assert opened.json()["config"]["layer_options"] == [{"batch_norm": True, "dropout": 0.25},
                                                        {"batch_norm": True, "dropout": 0.0}]
    bad = client.post("/api/scenarios/encode", json={"config": {**OPTIONED, "batch_size": 1}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"].endswith("batch_size")


@pytest.mark.parametrize("options,field", [
    ([{"dropout": 0.95}], "layer_options[0].dropout"),
    ([{"dropout": -0.1}], "layer_options[0].dropout"),
    ([{"batch_norm": "yes"}], "layer_options[0].batch_norm"),
    ([{"batchnorm": True}], "layer_options[0].batchnorm"),
    ([{}, {}], "layer_options"),
    ([{}] * 9, "layer_options"),
])
def test_bad_options_are_422_naming_the_field(client, options, field):
    response = client.post("/api/sessions", json={"layers": [2, 4, 1], "layer_options": options})
    assert response.status_code == 422 and len(response.content) < 2000
    assert field in [e["field"] for e in response.json()["detail"]], response.text


def test_batch_norm_needs_two_samples_a_batch(client):
    response = client.post("/api/sessions", json={"layers": [2, 4, 1], "batch_size": 1,
                                                  "layer_options": [{"batch_norm": True}]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "batch_size"
    single = client.post("/api/sessions", json={"layers": [2, 4, 1], "dataset": {"name": "single", "n": 1},
                                                "layer_options": [{"batch_norm": True}]})
    assert single.status_code == 422


def test_the_state_shows_batch_norm_and_dropout_with_numbers_that_agree(client):
    import numpy as np
    sid = create(client, {**OPTIONED, "batch_size": None})
    path = f"/api/sessions/{sid}"
    client.post(f"{path}/train", json={"steps": 5})
    client.post(f"{path}/forward")
    state = client.post(f"{path}/backward").json()
    first, second, out = state["layers"]
    assert set(first["batch_norm"]) == {"gamma", "beta", "dgamma", "dbeta", "mean", "var", "running_mean",
                                        "running_var", "dvar", "dmean"}
    assert first["dropout"] == {"rate": 0.25} and "dropout" not in second and "batch_norm" not in out
    norm = first["batch_norm"]
    assert abs(sum(first["db"])) < 1e-12          # b before batch norm: no gradient but rounding
    for sample in (0, 7, 33):
        unit = client.get(f"{path}?sample={sample}").json()["sample"]["layers"][0]
        z_hat = (np.array(unit["z"]) - norm["mean"]) / np.sqrt(np.array(norm["var"]) + 1e-5)
        assert np.allclose(unit["z_hat"], z_hat, rtol=1e-12, atol=1e-14)
        assert np.allclose(unit["y"], np.array(norm["gamma"]) * z_hat + norm["beta"], rtol=1e-12, atol=1e-14)
        assert set(unit["mask"]) <= {0.0, 1.0}
        kept = np.array(unit["mask"]) / 0.75
        assert np.allclose(unit["a"], np.tanh(unit["y"]) * kept, rtol=1e-12, atol=1e-15)
        # the chain rule's batch-norm terms for unit j add up to the sample's dz
        for j in range(6):
            chain = client.get(f"{path}/chain?layer=0&i=1&j={j}&sample={sample}").json()
            bn, n = chain["batch_norm"], chain["batch_norm"]["batch_size"]
            dz = bn["dz_hat"] / np.sqrt(bn["var"] + 1e-5) + bn["dvar"] * 2 * (unit["z"][j] - bn["mean"]) / n \
                + bn["dmean"] / n
            assert np.isclose(dz, bn["dz"], rtol=1e-9, atol=1e-15) and np.isclose(bn["dz"], unit["dz"][j])
            assert np.isclose(bn["dz_hat"], bn["dy"] * bn["gamma"])
            assert chain["dropout"]["mask"] == unit["mask"][j] and chain["dropout"]["scale"] == 1 / 0.75
            assert np.isclose(chain["product"], unit["dz"][j] * chain["a_prev"], rtol=1e-12, atol=1e-18)
    assert "batch_norm" not in client.get(f"{path}/chain?layer=2&i=0&j=0&sample=0").json()


def preset_config(client, name):
    preset = next(p for p in client.get("/api/scenarios").json()["presets"] if p["name"] == name)
    return client.post("/api/scenarios/decode", json={"code": preset["code"]}).json()["config"]


def trained(client, config, steps):
    sid = create(client, config)
    return client.post(f"/api/sessions/{sid}/train", json={"steps": steps}).json()


def test_the_batch_norm_preset_trains_where_the_same_net_without_it_stalls(client):
    """What its description says, measured: chance level without batch norm after 1,000 steps,
    over 90 % with it after 300."""
    config = preset_config(client, "batch-norm")
    assert all(o["batch_norm"] for o in config["layer_options"]) and len(config["layer_options"]) == 6
    with_norm = trained(client, config, 300)
    without = trained(client, {**config, "layer_options": None}, 1000)
    assert with_norm["accuracy"] > 0.9 and with_norm["losses"][-1] < 0.4
    assert without["accuracy"] < 0.6 and without["losses"][-1] > 0.65


def test_the_dropout_preset_narrows_the_gap_between_train_and_test_loss(client):
    """What its description says, measured: after 1,000 steps the test loss exceeds the training
    loss (both as predictions make them: the whole network, no dropout) by less than half as
    much with dropout 0.5 as without."""
    import numpy as np

    from app.sessions.config import SessionConfig
    from app.sessions.session import build_trainer

    def bce(P, Y):
        P = np.clip(P, 1e-12, 1 - 1e-12)
        return float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))

    config = preset_config(client, "dropout")
    assert config["layer_options"] == [{"batch_norm": False, "dropout": 0.5}] * 2 and config["test_ratio"] == 0.5
    gaps = {}
    for rate in (0.0, 0.5):
        trainer, _ = build_trainer(SessionConfig(**{**config, "layer_options": [{"dropout": rate}] * 2}))
        trainer.train(1000)
        net, (X_test, Y_test) = trainer.network, trainer.test
        gaps[rate] = bce(net.predict(X_test), Y_test) - bce(net.predict(trainer.X), trainer.Y)
        assert np.isclose(trainer.test_loss(), bce(net.predict(X_test), Y_test), rtol=1e-6)
    assert 0 < gaps[0.5] < 0.5 * gaps[0.0], gaps


def test_the_largest_configuration_with_both_options_fits_one_sessions_memory(client):
    """8 dense layers of 64 units on 5,000 points with Adam, batch norm and dropout in every hidden
    layer: within MANUALGRAD_MAX_SESSION_MB (256) by its own peak."""
    from app.limits import MAX_DENSE_LAYERS, MAX_POINTS, MAX_UNITS
    hidden = MAX_DENSE_LAYERS - 1
    response = client.post("/api/sessions", json={
        "layers": [2] + [MAX_UNITS] * hidden + [1], "dataset": {"name": "xor", "n": MAX_POINTS},
        "optimizer": {"name": "adam"}, "layer_options": [{"batch_norm": True, "dropout": 0.5}] * hidden})
    assert response.status_code == 201, response.text[:300]
