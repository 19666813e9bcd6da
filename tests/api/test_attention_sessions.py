"""An attention head through the API: a sequence dataset opens one, the sample's queries, keys,
scores and weights are the formulas worked out here, a weight's and a score's chains add up to the
state's gradients, the checks agree, it saves and loads back, and bad shapes are 422s."""
import numpy as np
import pytest

from app.engine.datasets import SEQUENCES
from ..conftest import fields

CAUSAL = {"dataset": {"name": "reverse", "n": 40}, "batch_size": 8,
          "layers": [{"type": "attention", "d_k": 3, "d_v": 2, "causal": True}, {"type": "dense", "units": 5},
                     {"type": "dense"}]}


def softmax(rows):
    e = np.exp(rows - rows.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture
def stepped(client):
    sid = client.post("/api/sessions", json=CAUSAL).json()["id"]
    client.post(f"/api/sessions/{sid}/forward")
    client.post(f"/api/sessions/{sid}/backward")
    indices = client.get(f"/api/sessions/{sid}/batch?arrays=false").json()["indices"]
    return sid, indices


@pytest.mark.parametrize("name", list(SEQUENCES))
def test_a_sequence_dataset_opens_one_head_and_a_dense_layer_per_position(client, name):
    state = client.post("/api/sessions", json={"dataset": {"name": name}}).json()
    head, dense = state["layers"]
    assert head["type"] == "attention" and (head["d_k"], head["d_v"], head["causal"]) == (8, 8, False)
    assert np.array(head["Wq"]).shape == (9, 8) and np.array(dense["W"]).shape == (8, 4)
    assert state["config"]["input_shape"] == [5, 9]


def test_the_samples_head_is_the_formulas(client, stepped):
    sid, indices = stepped
    state = client.get(f"/api/sessions/{sid}?sample={indices[1]}").json()
    head, sample = state["layers"][0], state["sample"]
    X = np.array(sample["input"])
    Q, K, V = X @ np.array(head["Wq"]), X @ np.array(head["Wk"]), X @ np.array(head["Wv"])
    got = sample["layers"][0]
    assert np.allclose(got["q"], Q) and np.allclose(got["k"], K) and np.allclose(got["v"], V)
    scores = Q @ K.T / np.sqrt(3)
    upper = np.triu(np.ones((5, 5), dtype=bool), 1)
    assert all(got["scores"][t][u] is None for t, u in zip(*np.nonzero(upper)))        # the mask: null
    assert np.allclose([got["scores"][t][u] for t, u in zip(*np.nonzero(~upper))], scores[~upper])
    weights = softmax(np.where(upper, -np.inf, scores))
    assert np.allclose(got["weights"], weights) and np.allclose(got["out"], weights @ V)
    hidden = np.tanh(weights @ V @ np.array(state["layers"][1]["W"]) + state["layers"][1]["b"])
    assert np.allclose(sample["layers"][1]["a"], hidden)                  # one row per position


def test_a_weights_terms_and_a_scores_terms_add_up_to_the_states_gradients(client, stepped):
    sid, indices = stepped
    state = client.get(f"/api/sessions/{sid}?sample={indices[2]}").json()
    sums = [client.get(f"/api/sessions/{sid}/chain?layer=0&param=Wv&i=6&j=1&sample={s}").json()["sample_sum"]
            for s in indices]
    assert sum(sums) == pytest.approx(state["layers"][0]["dWv"][6][1], rel=1e-12)
    chain = client.get(f"/api/sessions/{sid}/chain?layer=0&param=Wq&i=1&j=2&sample={indices[2]}").json()
    X = np.array(state["sample"]["input"])
    assert [t["x"] for t in chain["terms"]] == X[:, 1].tolist()
    assert [t["dL_dq"] for t in chain["terms"]] == np.array(state["sample"]["layers"][0]["dq"])[:, 2].tolist()
    score = client.get(f"/api/sessions/{sid}/chain?layer=0&score=3,1&sample={indices[2]}").json()
    assert score["sample_sum"] == pytest.approx(state["sample"]["layers"][0]["dscores"][3][1], abs=1e-16)
    w = np.array(state["sample"]["layers"][0]["weights"][3])
    assert [t["jacobian"] for t in score["terms"]] == pytest.approx(list(w[1] * ((np.arange(5) == 1) - w)))
    masked = client.get(f"/api/sessions/{sid}/chain?layer=0&score=1,3&sample={indices[2]}").json()
    assert masked["masked"] and masked["value"] is None and masked["sample_sum"] == 0


@pytest.mark.parametrize("query", ["layer=0&param=Wq&i=1&j=2", "layer=0&param=Wk&i=4&j=0", "layer=0&param=Wv&i=6&j=1",
                                   "layer=0&score=3,1", "layer=0&score=4,4", "layer=2&i=1&j=3"])
def test_the_finite_difference_checks_agree(client, stepped, query):
    sid, indices = stepped
    check = client.get(f"/api/sessions/{sid}/gradcheck?{query}&sample={indices[0]}").json()
    assert check["relative_error"] < 1e-7, check


def test_a_dense_weights_chain_after_the_head_is_of_one_position(client, stepped):
    sid, indices = stepped
    state = client.get(f"/api/sessions/{sid}?sample={indices[0]}").json()
    chain = client.get(f"/api/sessions/{sid}/chain?layer=1&i=1&j=3&sample={indices[0]}&position=2").json()
    assert chain["position"] == 2 and chain["a_prev"] == state["sample"]["layers"][0]["out"][2][1]
    assert chain["terms_count"] == 8 * 5 and chain["terms_sum"] == pytest.approx(state["layers"][1]["dW"][1][3])


def test_accuracy_is_the_share_of_positions_right(client):
    sid = client.post("/api/sessions", json=CAUSAL).json()["id"]
    state = client.post(f"/api/sessions/{sid}/train", json={"steps": 20}).json()
    data = client.get(f"/api/sessions/{sid}/data").json()
    X, Y = np.array(data["X"]), np.array(data["Y"])
    head, hidden, out = state["layers"]
    Q, K, V = X @ np.array(head["Wq"]), X @ np.array(head["Wk"]), X @ np.array(head["Wv"])
    scores = np.where(np.triu(np.ones((5, 5), dtype=bool), 1), -np.inf, Q @ K.transpose(0, 2, 1) / np.sqrt(3))
    H = np.tanh(softmax(scores) @ V @ np.array(hidden["W"]) + hidden["b"])
    logits = H @ np.array(out["W"]) + out["b"]
    assert state["accuracy"] == pytest.approx(np.mean(logits.argmax(-1) == Y.argmax(-1)))


def test_a_head_saves_and_loads_back_and_rewinds(client):
    sid = client.post("/api/sessions", json={**CAUSAL, "optimizer": {"name": "adam", "lr": 0.05}}).json()["id"]
    then = client.post(f"/api/sessions/{sid}/train", json={"steps": 6}).json()
    response = client.post("/api/sessions/import", json=client.get(f"/api/sessions/{sid}/export").json())
    assert response.status_code == 201, response.text[:400]
    copy = response.json()["id"]
    mine = client.post(f"/api/sessions/{sid}/train", json={"steps": 5}).json()
    theirs = client.post(f"/api/sessions/{copy}/train", json={"steps": 5}).json()
    assert theirs["layers"] == mine["layers"] and theirs["losses"] == mine["losses"]
    assert client.post(f"/api/sessions/{sid}/rewind", json={"step": 6}).json()["layers"] == then["layers"]


OWN_X = np.eye(3)[np.random.default_rng(0).integers(0, 3, (6, 4))].tolist()      # 6 sequences of 4 tokens
OWN_Y = np.array(OWN_X)[:, ::-1].tolist()
HEAD = {"type": "attention", "d_k": 2, "d_v": 2}
BAD = [
    ({"layers": [{**HEAD, "d_k": 17}, {"type": "dense"}]}, "layers[0].d_k"),
    ({"layers": [{**HEAD, "d_k": 2.5}, {"type": "dense"}]}, "layers[0].d_k"),
    ({"layers": [{"type": "dense", "units": 3}, HEAD, {"type": "dense"}]}, "layers[1]"),
    ({"layers": [HEAD]}, "layers[0]"),
    ({"dataset": {"X": OWN_X, "Y": [row[:3] for row in OWN_Y]}}, "dataset"),
    ({"dataset": {"X": [seq * 3 for seq in OWN_X], "Y": [seq * 3 for seq in OWN_Y]}}, "dataset.X[0]"),
    ({"dataset": {"X": [seq[:1] for seq in OWN_X], "Y": [seq[:1] for seq in OWN_Y]}}, "dataset.X[0]"),
]


@pytest.mark.parametrize("config, field", BAD, ids=[field for _, field in BAD])
def test_a_sequence_that_does_not_fit_is_a_422_naming_it(client, config, field):
    response = client.post("/api/sessions", json={"dataset": {"name": "reverse"}, **config})
    assert response.status_code == 422 and len(response.content) < 2000
    assert field in fields(response), response.text


def test_own_sequences_train(client):
    state = client.post("/api/sessions", json={"dataset": {"X": OWN_X, "Y": OWN_Y}}).json()
    assert state["config"]["input_shape"] == [4, 3] and state["layers"][0]["type"] == "attention"
    assert client.post(f"/api/sessions/{state['id']}/train", json={"steps": 3}).status_code == 200
