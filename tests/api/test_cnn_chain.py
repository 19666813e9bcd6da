"""GET /chain and GET /gradcheck inside a CNN: a kernel weight's terms add up to the state's dW,
an input's to the sample's dx, a pool says where a gradient went, the checks agree with backward,
and a query that picks nothing (or two things) is a 422 naming the parameter."""
import numpy as np
import pytest

from ..conftest import fields

CONFIG = {"dataset": {"name": "shapes", "n": 60}, "batch_size": 6,
          "layers": [{"type": "conv2d", "channels": 3, "kernel": 3, "padding": 1, "stride": 2},
                     {"type": "maxpool2d", "size": 2},
                     {"type": "conv2d", "channels": 2, "kernel": 1, "activation": "tanh"},
                     {"type": "flatten"}, {"type": "dense"}]}


@pytest.fixture
def stepped(client):
    """A CNN session after Forward and Backward: (id, state, the batch's dataset indices)."""
    sid = client.post("/api/sessions", json=CONFIG).json()["id"]
    client.post(f"/api/sessions/{sid}/forward")
    state = client.post(f"/api/sessions/{sid}/backward").json()
    indices = client.get(f"/api/sessions/{sid}/batch?arrays=false").json()["indices"]
    return sid, state, indices


def test_a_kernel_weights_sample_sums_add_up_to_the_states_dw(client, stepped):
    sid, state, indices = stepped
    sums = []
    for sample in indices:
        chain = client.get(f"/api/sessions/{sid}/chain?layer=0&o=1&c=0&u=2&v=1&sample={sample}").json()
        assert len(chain["terms"]) == 16          # a 4×4 output: (8 + 2·1 − 3) // 2 + 1
        assert chain["sample_sum"] == pytest.approx(sum(t["x"] * t["dL_dz"] for t in chain["terms"]), abs=1e-15)
        sums.append(chain["sample_sum"])
    assert sum(sums) == pytest.approx(state["layers"][0]["dW"][1][0][2][1], rel=1e-12)
    assert chain["dW"] == state["layers"][0]["dW"][1][0][2][1] and chain["w"] == state["layers"][0]["W"][1][0][2][1]
    assert chain["update"] == pytest.approx(-0.3 * chain["dW"])        # plain SGD at its default rate


def test_an_input_pixels_terms_add_up_to_the_samples_dx(client, stepped):
    sid, _, indices = stepped
    state = client.get(f"/api/sessions/{sid}?sample={indices[1]}").json()
    chain = client.get(f"/api/sessions/{sid}/chain?layer=0&input=0,3,4&sample={indices[1]}").json()
    # stride 2, padding 1: row 3 is under kernel rows u with (3 + 1 − u) even, u = 0 or 2; column 4
    # under v = 1 only: two (u, v) for each of the three kernels
    assert sorted({tuple(t["kernel"]) for t in chain["terms"]}) == [(0, 1), (2, 1)] and len(chain["terms"]) == 6
    W = np.array(state["layers"][0]["W"])
    assert all(t["weight"] == W[t["out"], 0, t["kernel"][0], t["kernel"][1]] for t in chain["terms"])
    assert chain["sample_sum"] == pytest.approx(state["sample"]["dx"][0][3][4], abs=1e-15)
    assert chain["gradient"] == state["sample"]["dx"][0][3][4]


def test_a_max_pool_says_where_its_windows_gradient_went(client, stepped):
    sid, _, indices = stepped
    sample = indices[0]
    routes = [client.get(f"/api/sessions/{sid}/chain?layer=1&input=2,{r},{s}&sample={sample}").json()
              for r in (0, 1) for s in (0, 1)]
    assert [route["window"] for route in routes] == [[0, 0]] * 4
    assert sorted(route["share"] for route in routes) == [0.0, 0.0, 0.0, 1.0]
    winner = next(route for route in routes if route["share"] == 1.0)
    assert winner["input"][1:] == winner["winner"] and winner["gradient"] == winner["dL_da"]
    values = np.array(routes[0]["window_values"])
    assert values[tuple(winner["winner"])] == values.max()


@pytest.mark.parametrize("query", ["layer=0&o=1&c=0&u=2&v=1", "layer=2&o=1&c=2&u=0&v=0", "layer=0&input=0,3,4",
                                   "layer=2&input=1,1,0", "layer=4&i=1&j=2"])
def test_the_finite_difference_checks_agree_with_backward(client, stepped, query):
    sid, _, indices = stepped
    check = client.get(f"/api/sessions/{sid}/gradcheck?{query}&sample={indices[2]}").json()
    assert check["relative_error"] < 1e-7, check
    assert check["samples"] == 6


def test_the_whole_network_check_skips_the_layers_without_weights(client, stepped):
    sid, _, _ = stepped
    report = client.get(f"/api/sessions/{sid}/gradcheck").json()
    assert [layer["W_checked"] for layer in report["layers"]] == [27, 0, 6, 0, 24]
    assert report["max_relative_error"] < 1e-7


BAD = [("layer=0&i=1&j=2", "layer"), ("layer=0&o=1", "c"), ("layer=0&o=1&c=0&u=0", "v"), ("layer=0&o=3&c=0&u=0&v=0", "o"),
       ("layer=0&o=0&c=1&u=0&v=0", "c"), ("layer=0&o=0&c=0&u=3&v=0", "u"), ("layer=0&input=0,8,0", "input"),
       ("layer=0&input=1,2", "input"), ("layer=3&input=0,0,0", "layer"), ("o=0&c=0&u=0&v=0", "layer"),
       ("layer=0&o=0&c=0&u=0&v=0&i=0&j=0", "layer"), ("layer=1&o=0&c=0&u=0&v=0", "layer")]


@pytest.mark.parametrize("query, field", BAD, ids=[query for query, _ in BAD])
@pytest.mark.parametrize("route", ["chain", "gradcheck"])
def test_a_query_that_picks_no_one_weight_is_a_422_naming_it(client, stepped, route, query, field):
    sid, _, _ = stepped
    response = client.get(f"/api/sessions/{sid}/{route}?{query}")
    assert response.status_code == 422 and fields(response) == [field], response.text
    assert len(response.content) < 1000
