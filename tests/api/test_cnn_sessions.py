"""A small CNN through the API: the image datasets open one, its pictures are the convolution and
the pooling worked out by hand, it learns, it saves and loads back, and a stack that does not fit
is a 422 naming the layer."""
import numpy as np
import pytest

from app.engine.datasets import IMAGES
from ..conftest import fields

# six 1×5×5 images of one's own, and their classes
RNG = np.random.default_rng(3)
OWN_X = RNG.normal(size=(6, 1, 5, 5)).round(3)
OWN_Y = [[float(k % 2)] for k in range(6)]
OWN = {"dataset": {"X": OWN_X.tolist(), "Y": OWN_Y}, "batch_size": 6, "test_ratio": 0,
       "layers": [{"type": "conv2d", "channels": 2, "kernel": 3, "padding": 1},
                  {"type": "avgpool2d", "size": 2}, {"type": "flatten"}, {"type": "dense"}]}


def correlate(x, W, b, padding=0):
    """z[o, r, s] = b[o] + Σ_c Σ_u Σ_v W[o, c, u, v] · x[c, r + u, s + v], one position at a time."""
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    C_out, C_in, k, _ = W.shape
    H, Wd = x.shape[1] - k + 1, x.shape[2] - k + 1
    z = np.zeros((C_out, H, Wd))
    for o in range(C_out):
        for r in range(H):
            for s in range(Wd):
                z[o, r, s] = b[o] + sum(W[o, c, u, v] * x[c, r + u, s + v]
                                        for c in range(C_in) for u in range(k) for v in range(k))
    return z


@pytest.mark.parametrize("name", list(IMAGES))
def test_an_image_dataset_opens_a_small_cnn(client, name):
    response = client.post("/api/sessions", json={"dataset": {"name": name}})
    assert response.status_code == 201, response.text
    state = response.json()
    assert [layer["type"] for layer in state["layers"]] == ["conv2d", "maxpool2d", "flatten", "dense"]
    assert np.array(state["layers"][0]["W"]).shape == (4, 1, 3, 3)
    assert np.array(state["layers"][3]["W"]).shape == (4 * 3 * 3, IMAGES[name].outputs)
    assert state["config"]["input_shape"] == [1, 8, 8]


def test_the_forward_is_the_convolution_and_the_max_pool_by_hand(client):
    sid = client.post("/api/sessions", json={"dataset": {"name": "shapes"}}).json()["id"]
    state = client.post(f"/api/sessions/{sid}/forward?sample=4").json()
    conv, pool, flat, dense = state["layers"]
    x = np.array(state["sample"]["input"])
    z = correlate(x, np.array(conv["W"]), np.array(conv["b"]))
    got = state["sample"]["layers"]
    assert np.allclose(got[0]["z"], z) and np.allclose(got[0]["a"], np.maximum(z, 0))
    a = np.maximum(z, 0)
    pooled = [[[a[c, 2 * r:2 * r + 2, 2 * s:2 * s + 2].max() for s in range(3)] for r in range(3)] for c in range(4)]
    assert np.allclose(got[1]["a"], pooled)
    assert np.allclose(got[2]["a"], np.ravel(pooled))
    logits = np.ravel(pooled) @ np.array(dense["W"]) + np.array(dense["b"])
    assert np.allclose(got[3]["z"], logits)
    assert np.allclose(got[3]["a"], np.exp(logits) / np.exp(logits).sum())


def test_the_kernels_gradient_is_the_sum_over_positions_by_hand(client):
    """dW[o, c, u, v] = Σ_n Σ_r Σ_s dZ[n, o, r, s] · x_padded[n, c, r + u, s + v] (a mean loss:
    dZ already carries the 1/n), db[o] = Σ_n Σ_r Σ_s dZ[n, o, r, s]."""
    sid = client.post("/api/sessions", json=OWN).json()["id"]
    client.post(f"/api/sessions/{sid}/forward")
    state = client.post(f"/api/sessions/{sid}/backward").json()
    page = client.get(f"/api/sessions/{sid}/batch").json()
    dZ = np.array(page["layers"][0]["dZ"])
    X = np.pad(OWN_X[page["indices"]], ((0, 0), (0, 0), (1, 1), (1, 1)))
    dW = np.zeros((2, 1, 3, 3))
    for n in range(6):
        for o in range(2):
            for u in range(3):
                for v in range(3):
                    dW[o, 0, u, v] += (dZ[n, o] * X[n, 0, u:u + 5, v:v + 5]).sum()
    assert np.allclose(state["layers"][0]["dW"], dW)
    assert np.allclose(state["layers"][0]["db"], dZ.sum(axis=(0, 2, 3)))
    # average pooling hands each of its four inputs a quarter of its output's gradient
    dA_pool = np.array(page["layers"][1]["dA"])
    dA_conv = np.array(page["layers"][0]["dA"])
    assert np.allclose(dA_conv[:, :, :4, :4], np.repeat(np.repeat(dA_pool, 2, axis=2), 2, axis=3) / 4)
    assert np.allclose(dA_conv[:, :, 4, :], 0) and np.allclose(dA_conv[:, :, :, 4], 0)   # the pool drops row and column 5


def test_a_cnn_learns_the_bars(client):
    sid = client.post("/api/sessions", json={"dataset": {"name": "bars"}, "optimizer": {"name": "adam", "lr": 0.02},
                                             "batch_size": 32}).json()["id"]
    first = client.post(f"/api/sessions/{sid}/train", json={"steps": 1}).json()["loss"]
    last = client.post(f"/api/sessions/{sid}/train", json={"steps": 300}).json()["loss"]
    assert last < first / 4, (first, last)


@pytest.mark.parametrize("config", [{"dataset": {"name": "glyphs"}, "optimizer": {"name": "adam"}}, OWN],
                         ids=["glyphs-adam", "own-images"])
def test_a_cnn_session_saves_and_loads_back_and_carries_on_alike(client, config):
    sid = client.post("/api/sessions", json=config).json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 7})
    file = client.get(f"/api/sessions/{sid}/export").json()
    response = client.post("/api/sessions/import", json=file)
    assert response.status_code == 201, response.text
    copy = response.json()["id"]
    assert client.get(f"/api/sessions/{copy}/weights").json() == client.get(f"/api/sessions/{sid}/weights").json()
    mine = client.post(f"/api/sessions/{sid}/train", json={"steps": 5}).json()
    theirs = client.post(f"/api/sessions/{copy}/train", json={"steps": 5}).json()
    assert theirs["layers"] == mine["layers"] and theirs["losses"] == mine["losses"]


def test_a_cnn_rewinds_to_any_step_exactly(client):
    sid = client.post("/api/sessions", json=OWN).json()["id"]
    then = client.post(f"/api/sessions/{sid}/train", json={"steps": 9}).json()
    client.post(f"/api/sessions/{sid}/train", json={"steps": 40})
    rewound = client.post(f"/api/sessions/{sid}/rewind", json={"step": 9}).json()
    assert rewound["step"] == 9 and rewound["layers"] == then["layers"]


CONV = {"type": "conv2d", "channels": 2, "kernel": 3}
BAD = [
    ({"layers": [{**CONV, "channels": 9}, {"type": "flatten"}, {"type": "dense"}]}, "layers[0].channels"),
    ({"layers": [{**CONV, "kernel": 4}, {"type": "flatten"}, {"type": "dense"}]}, "layers[0].kernel"),
    ({"layers": [{**CONV, "padding": 4}, {"type": "flatten"}, {"type": "dense"}]}, "layers[0].padding"),
    ({"layers": [{**CONV, "kernel": 7}, {"type": "maxpool2d", "size": 2}, {"type": "maxpool2d", "size": 2},
                 {"type": "flatten"}, {"type": "dense"}]}, "layers[2]"),
    ({"layers": [CONV, {"type": "dense"}]}, "layers[1]"),
    ({"layers": [CONV, {"type": "flatten"}]}, "layers[1]"),
    ({"layers": [CONV, {"type": "flatten"}, {"type": "dense"}], "activations": ["relu"]}, "activations"),
    ({"layers": [CONV, {"type": "flatten"}, {"type": "dense"}], "params": [None]}, "params"),
    ({"dataset": {"name": "bars", "n": 1001}}, "dataset.n"),
    ({"dataset": {"X": [[[[0.5] * 3] * 3]], "Y": [[1.0]]}}, "dataset.X[0][0][0]"),
    ({"dataset": {"X": [[[[0.5] * 4] * 4], [[[0.5] * 5] * 5]], "Y": [[1.0], [0.0]]}}, "dataset"),
]


@pytest.mark.parametrize("config, field", BAD, ids=[field for _, field in BAD])
def test_a_stack_that_does_not_fit_is_a_422_naming_the_layer(client, config, field):
    response = client.post("/api/sessions", json={"dataset": {"name": "bars"}, **config})
    assert response.status_code == 422 and len(response.content) < 2000
    assert field in fields(response), response.text


def test_a_convolution_on_points_is_a_422_asking_for_images(client):
    response = client.post("/api/sessions", json={"dataset": {"name": "xor"},
                                                  "layers": [CONV, {"type": "flatten"}, {"type": "dense"}]})
    assert fields(response) == ["layers[0]"] and "image (C, H, W)" in response.text


def test_a_kernel_weight_and_a_conv_bias_can_be_set_by_hand(client):
    sid = client.post("/api/sessions", json=OWN).json()["id"]
    state = client.post(f"/api/sessions/{sid}/weight", json={"layer": 0, "param": "W", "o": 1, "c": 0, "u": 2, "v": 0,
                                                             "value": 0.75}).json()
    assert state["layers"][0]["W"][1][0][2][0] == 0.75 and state["phase"] == "fresh"
    state = client.post(f"/api/sessions/{sid}/weight", json={"layer": 0, "param": "b", "i": 1, "value": -0.5}).json()
    assert state["layers"][0]["b"] == [state["layers"][0]["b"][0], -0.5]
    forward = client.post(f"/api/sessions/{sid}/forward?sample=0").json()
    z = correlate(OWN_X[0], np.array(state["layers"][0]["W"]), np.array(state["layers"][0]["b"]), padding=1)
    assert np.allclose(forward["sample"]["layers"][0]["z"], z)


@pytest.mark.parametrize("body, field", [
    ({"layer": 0, "param": "W", "i": 0, "j": 0, "value": 1}, "o"),
    ({"layer": 0, "param": "W", "o": 1, "c": 0, "u": 3, "v": 0, "value": 1}, "u"),
    ({"layer": 0, "param": "W", "o": 2, "c": 0, "u": 0, "v": 0, "value": 1}, "o"),
    ({"layer": 0, "param": "b", "i": 2, "value": 1}, "i"),
    ({"layer": 1, "param": "W", "o": 0, "c": 0, "u": 0, "v": 0, "value": 1}, "layer"),
    ({"layer": 3, "param": "W", "o": 0, "c": 0, "u": 0, "v": 0, "value": 1}, "i"),       # dense: i and j
])
def test_a_kernel_edit_that_picks_no_weight_is_a_422_naming_it(client, body, field):
    sid = client.post("/api/sessions", json=OWN).json()["id"]
    response = client.post(f"/api/sessions/{sid}/weight", json=body)
    assert response.status_code == 422 and fields(response) == [field], response.text


BIG_X = np.random.default_rng(5).normal(size=(4, 3, 16, 16)).round(2).tolist()


def test_a_dense_layer_after_a_flatten_takes_at_most_1024_inputs(client):
    wide = {"dataset": {"X": BIG_X, "Y": [[0.0], [1.0], [0.0], [1.0]]},
            "layers": [{"type": "conv2d", "channels": 8, "kernel": 1}, {"type": "flatten"}, {"type": "dense"}]}
    response = client.post("/api/sessions", json=wide)
    assert fields(response) == ["layers[2]"] and "2048" in response.text and "1024" in response.text


def test_a_cnn_with_a_wide_dense_layer_saves_and_loads_back(client):
    """8×8×8 = 512 inputs to the dense layer: its W has more rows than a dense stack's 64."""
    config = {"dataset": {"X": BIG_X, "Y": [[0.0], [1.0], [0.0], [1.0]]}, "optimizer": {"name": "adam"},
              "layers": [{"type": "conv2d", "channels": 8, "kernel": 1}, {"type": "maxpool2d", "size": 2},
                         {"type": "flatten"}, {"type": "dense"}]}
    sid = client.post("/api/sessions", json=config).json()["id"]
    client.post(f"/api/sessions/{sid}/train", json={"steps": 2})
    response = client.post("/api/sessions/import", json=client.get(f"/api/sessions/{sid}/export").json())
    assert response.status_code == 201, response.text[:500]
    assert np.array(response.json()["layers"][3]["W"]).shape == (512, 1)
