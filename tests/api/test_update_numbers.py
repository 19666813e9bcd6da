"""The numbers behind an update in the API: /chain's memory and per-sample terms, the state's
step preview and gradient health, /history's gradient norms; each against the engine run
independently on the same configuration."""
import numpy as np
import pytest

from app.sessions.config import SessionConfig
from app.sessions.session import build_trainer

NET = {"layers": [2, 3, 1], "dataset": {"name": "xor", "n": 60}, "seed": 4}


def create(client, **config):
    response = client.post("/api/sessions", json={**NET, **config})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def act(client, sid, *actions):
    for action in actions:
        response = client.post(f"/api/sessions/{sid}/{action}")
        assert response.status_code == 200, response.text
    return response.json()


def twin(**config):
    """The same session in the engine alone."""
    return build_trainer(SessionConfig.model_validate({**NET, **config}))[0]


def test_chain_memory_of_momentum_is_the_stored_velocity(client):
    sid = create(client, optimizer={"name": "momentum", "lr": 0.1, "beta": 0.5})
    act(client, sid, "forward", "backward")
    chain = client.get(f"/api/sessions/{sid}/chain?layer=0&i=1&j=2").json()
    assert chain["memory"] == {"velocity": 0.0}
    first = chain["dW"]
    act(client, sid, "step", "forward", "backward")
    chain = client.get(f"/api/sessions/{sid}/chain?layer=0&i=1&j=2").json()
    assert chain["memory"]["velocity"] == pytest.approx(first, rel=1e-12)       # v = dW after one step
    assert chain["update"] == pytest.approx(-0.1 * (0.5 * first + chain["dW"]), rel=1e-12)


def test_chain_memory_of_adam_gives_its_update(client):
    sid = create(client, optimizer={"name": "adam", "lr": 0.05})
    act(client, sid, "forward", "backward", "step", "forward", "backward")
    c = client.get(f"/api/sessions/{sid}/chain?layer=1&i=2&j=0").json()
    mem = c["memory"]
    assert set(mem) == {"m", "v", "t", "m_hat", "v_hat"} and mem["t"] == 1
    assert mem["m_hat"] == pytest.approx((0.9 * mem["m"] + 0.1 * c["dW"]) / (1 - 0.9 ** 2), rel=1e-12)
    assert mem["v_hat"] == pytest.approx((0.999 * mem["v"] + 0.001 * c["dW"] ** 2) / (1 - 0.999 ** 2), rel=1e-12)
    assert c["update"] == pytest.approx(-0.05 * mem["m_hat"] / (np.sqrt(mem["v_hat"]) + 1e-8), rel=1e-12)


def test_chain_memory_of_sgd_is_null(client):
    sid = create(client)
    act(client, sid, "forward", "backward")
    assert client.get(f"/api/sessions/{sid}/chain?layer=0&i=0&j=0").json()["memory"] is None


def test_chain_terms_are_each_samples_product_and_sum_to_dw(client):
    sid = create(client, batch_size=20)
    act(client, sid, "forward", "backward")
    batch = client.get(f"/api/sessions/{sid}/batch?limit=500").json()
    chain = client.get(f"/api/sessions/{sid}/chain?layer=1&i=1&j=0&sample={batch['indices'][0]}").json()
    assert chain["terms_count"] == 20 and len(chain["terms"]) == 20
    assert [t["sample"] for t in chain["terms"]] == batch["indices"]
    A_prev, dZ = np.array(batch["layers"][0]["A"]), np.array(batch["layers"][1]["dZ"])
    for row, term in enumerate(chain["terms"]):
        assert term["a_prev"] == A_prev[row, 1] and term["dL_dz"] == dZ[row, 0]
        assert term["product"] == pytest.approx(A_prev[row, 1] * dZ[row, 0], rel=1e-15)
    assert chain["terms_sum"] == pytest.approx(chain["dW"], rel=1e-12)
    assert chain["terms_sum"] == pytest.approx(sum(t["product"] for t in chain["terms"]), rel=1e-12)


def test_chain_lists_at_most_500_terms_of_a_big_batch(client):
    sid = create(client, dataset={"name": "xor", "n": 1200})
    act(client, sid, "forward", "backward")
    response = client.get(f"/api/sessions/{sid}/chain?layer=0&i=0&j=0")
    chain = response.json()
    assert len(chain["terms"]) == 500 and chain["terms_count"] == 1200
    assert chain["terms_sum"] == pytest.approx(chain["dW"], rel=1e-12)
    assert len(response.content) < 80_000


def test_step_preview_in_the_state(client):
    sid = create(client)
    assert client.get(f"/api/sessions/{sid}").json()["step_preview"] is None
    assert act(client, sid, "forward")["step_preview"] is None
    state = act(client, sid, "backward")
    t = twin()
    t.forward(), t.backward()
    lr = t.optimizer.lr
    by_hand = -lr * sum(float(np.sum(l.dW ** 2) + np.sum(l.db ** 2)) for l in t.network.layers)
    assert state["step_preview"]["predicted"] == pytest.approx(by_hand, rel=1e-12)
    assert state["step_preview"]["actual"] is None
    before, X, Y = t.network.loss_value, t.network.X, t.network.Y
    t.step()
    stepped = act(client, sid, "step")
    assert stepped["step_preview"]["predicted"] == state["step_preview"]["predicted"]
    assert stepped["step_preview"]["actual"] == pytest.approx(float(t.network.loss_at(X, Y)) - before, rel=1e-12)
    assert act(client, sid, "forward")["step_preview"] is None


def test_gradient_health_in_the_state(client):
    sid = create(client, layers=[2, 4, 3, 1], activations=["relu", "sigmoid", "sigmoid"])
    fresh = client.get(f"/api/sessions/{sid}").json()
    assert fresh["grad_norms"] is None and fresh["dead_units"] is None
    forward = act(client, sid, "forward")
    assert forward["grad_norms"] is None
    t = twin(layers=[2, 4, 3, 1], activations=["relu", "sigmoid", "sigmoid"])
    t.forward()
    A = [layer.A for layer in t.network.layers]
    assert forward["dead_units"] == [np.flatnonzero((A[0] == 0).all(axis=0)).tolist(), [], []]
    flat = [np.flatnonzero((((a < 0.01) | (a > 0.99)).mean(axis=0)) >= 0.9).tolist() for a in A[1:]]
    assert forward["saturated_units"] == [[], *flat]
    state = act(client, sid, "backward")
    t.backward()
    for norms, layer in zip(state["grad_norms"], t.network.layers):
        assert norms["W"] == pytest.approx(np.linalg.norm(layer.dW), rel=1e-12)
        assert norms["b"] == pytest.approx(np.linalg.norm(layer.db), rel=1e-12)


def test_history_has_the_norms_of_each_recorded_step(client):
    sid = create(client)
    client.post(f"/api/sessions/{sid}/train", json={"steps": 7})
    history = client.get(f"/api/sessions/{sid}/history").json()
    norms = history["grad_norms"]
    assert norms["steps"] == list(range(1, 8)) and len(norms["layers"]) == 2
    t = twin()
    for k in range(7):
        t.forward(), t.backward()
        for layer, mine in zip(t.network.layers, norms["layers"]):
            assert mine["W"][k] == pytest.approx(np.linalg.norm(layer.dW), rel=1e-12)
            assert mine["b"][k] == pytest.approx(np.linalg.norm(layer.db), rel=1e-12)
        t.step()


def test_phase_replies_stay_compact(client):
    sid = create(client, dataset={"name": "xor", "n": 2000})
    for action in ("forward", "backward", "step"):
        response = client.post(f"/api/sessions/{sid}/{action}")
        body = response.json()
        assert "terms" not in body and "memory" not in body
        assert len(response.content) < 6_000, (action, len(response.content))


def test_chain_paths_sum_to_the_units_dL_da(client):
    sid = create(client, layers=[2, 3, 4, 1])
    act(client, sid, "forward", "backward")
    batch = client.get(f"/api/sessions/{sid}/batch?limit=500").json()
    chain = client.get(f"/api/sessions/{sid}/chain?layer=0&i=1&j=2&sample=7").json()
    W_next = np.array(client.get(f"/api/sessions/{sid}").json()["layers"][1]["W"])
    dZ_next = np.array(batch["layers"][1]["dZ"])
    row = batch["indices"].index(7)
    assert [p["unit"] for p in chain["paths"]] == [0, 1, 2, 3]
    for p in chain["paths"]:
        assert p["w"] == W_next[2, p["unit"]] and p["dL_dz"] == dZ_next[row, p["unit"]]
    total = sum(p["w"] * p["dL_dz"] for p in chain["paths"])
    assert total == pytest.approx(chain["dL_da"], rel=1e-12)
    assert chain["dL_da"] == pytest.approx(batch["layers"][0]["dA"][row][2], rel=1e-12)
    assert client.get(f"/api/sessions/{sid}/chain?layer=2&i=0&j=0").json()["paths"] is None


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_a_softmax_outputs_chain_makes_the_jacobian_explicit(client, loss):
    sid = create(client, layers=[2, 4, 3], activations=["tanh", "softmax"], loss=loss,
                 dataset={"name": "blobs", "n": 30})
    act(client, sid, "forward", "backward")
    chain = client.get(f"/api/sessions/{sid}/chain?layer=1&i=2&j=1&sample=4").json()
    a = np.array(client.get(f"/api/sessions/{sid}?sample=4").json()["sample"]["layers"][1]["a"])
    J = np.diag(a) - np.outer(a, a)
    np.testing.assert_allclose(chain["jacobian_row"], J[1], rtol=1e-12, atol=1e-17)
    through_J = float(np.dot(chain["jacobian_row"], chain["dL_da_vector"]))
    assert through_J == pytest.approx(chain["dL_dz"], rel=1e-9)
    assert chain["dL_da"] is None and chain["product"] == pytest.approx(chain["a_prev"] * chain["dL_dz"], rel=1e-12)


def test_dead_and_saturated_units_follow_each_forward_not_a_cached_one(client):
    """They are worked out once per forward and kept for the Backward and Step after it; a new
    forward (other weights) works them out again."""
    sid = client.post("/api/sessions", json={
        "layers": [1, 2, 1], "activations": ["relu", "linear"], "loss": "mse",
        "dataset": {"X": [[1.0], [2.0]], "Y": [[0.0], [1.0]]},
        "params": [{"W": [[1.0, -1.0]], "b": [0.0, 0.0]}, {"W": [[1.0], [1.0]], "b": [0.0]}]}).json()["id"]
    path = f"/api/sessions/{sid}"
    assert client.post(f"{path}/forward").json()["dead_units"] == [[1], []]      # z = −x < 0: dead
    assert client.post(f"{path}/backward").json()["dead_units"] == [[1], []]
    edited = client.post(f"{path}/weight", json={"layer": 0, "param": "W", "i": 0, "j": 1, "value": 1.0})
    assert edited.status_code == 200, edited.text
    assert client.post(f"{path}/forward").json()["dead_units"] == [[], []]       # alive again
