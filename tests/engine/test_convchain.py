"""The chain rule inside a convolution: a kernel weight's terms are the input under it times dL/dz
at each output position, an input's terms are the weights that lay on it times the dL/dz they fed
(the flipped kernel), and a pool hands an input all, none or 1/k² of its window's gradient. Checked
against sums written out by hand, and the engine's own backward."""
import numpy as np
import pytest

from app.engine import Network, Trainer, make_optimizer
from app.engine.convchain import input_chain, kernel_chain
from app.engine.errors import ConfigError
from app.engine.gradcheck import numeric_input_gradient, numeric_weight_gradient
from app.engine.steps import run_steps


def network(stride, padding, pool="maxpool2d"):
    specs = [{"type": "conv2d", "channels": 3, "kernel": 3, "stride": stride, "padding": padding, "activation": "tanh"},
             {"type": pool, "size": 2},
             {"type": "conv2d", "channels": 2, "kernel": 1, "stride": 1, "padding": 0, "activation": "relu"},
             {"type": "flatten"},
             {"type": "dense", "units": 3, "activation": "softmax"}]
    rng = np.random.default_rng(stride * 10 + padding)
    X = rng.normal(size=(5, 2, 9, 9))
    Y = np.eye(3)[rng.integers(0, 3, 5)]
    net = Network.of_specs((2, 9, 9), specs, "cross_entropy", seed=2)
    trainer = Trainer(net, make_optimizer("sgd", 0.1), X, Y, batch_size=5, seed=1)
    trainer.forward()
    trainer.backward()
    return net


SETTINGS = [(1, 0), (1, 2), (2, 1), (2, 3)]


@pytest.mark.parametrize("stride, padding", SETTINGS)
def test_a_kernel_weight_is_the_input_under_it_times_dz_summed_over_positions(stride, padding):
    net = network(stride, padding)
    conv = net.layers[0]
    X_pad = np.pad(net.X, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    o, c, u, v = 2, 1, 0, 2
    total = 0.0
    for row in range(5):
        chain = kernel_chain(net, 0, o, c, u, v, row)
        for term in chain.terms:
            r, s = term.position
            assert term.x == X_pad[row, c, r * stride + u, s * stride + v]
            assert term.dL_dz == conv.dZ[row, o, r, s]
        assert len(chain.terms) == conv.Z.shape[2] * conv.Z.shape[3]
        assert chain.sample_sum == pytest.approx(sum(t.x * t.dL_dz for t in chain.terms), abs=1e-15)
        total += chain.sample_sum
    assert total == pytest.approx(conv.dW[o, c, u, v], rel=1e-12) and chain.batch_sum == pytest.approx(total, rel=1e-12)


@pytest.mark.parametrize("stride, padding", SETTINGS)
def test_an_input_gradient_is_the_flipped_kernel_over_the_dz_that_saw_it(stride, padding):
    """Every (c, r, s) of the first layer's input: the terms are exactly the (o, u, v) with
    r + padding = r_out·stride + u (and the same for s), found here by going over every output
    position; their sum is the sample's dX."""
    net = network(stride, padding)
    conv = net.layers[0]
    _, _, H_out, W_out = conv.Z.shape
    row = 3
    for c, r, s in [(0, 0, 0), (1, 4, 4), (0, 8, 3), (1, 8, 8)]:
        chain = input_chain(net, 0, (c, r, s), row)
        seen = {(o, u, v, r_out, s_out) for o in range(3) for r_out in range(H_out) for s_out in range(W_out)
                for u in range(3) for v in range(3)
                if r_out * stride + u == r + padding and s_out * stride + v == s + padding}
        assert {(t.out, *t.kernel, *t.position) for t in chain.terms} == seen
        for t in chain.terms:
            assert t.weight == conv.W[t.out, c, *t.kernel] and t.dL_dz == conv.dZ[row, t.out, *t.position]
        assert chain.sample_sum == pytest.approx(net.dX[row, c, r, s], abs=1e-14)
        assert chain.gradient == net.dX[row, c, r, s]


def test_a_later_conv_input_sums_to_the_previous_layers_da():
    net = network(1, 1)
    chain = input_chain(net, 2, (1, 2, 3), 4)
    assert len(chain.terms) == 2               # a 1×1 kernel, two output channels
    assert chain.sample_sum == pytest.approx(net.layers[1].dA[4, 1, 2, 3], abs=1e-15)


@pytest.mark.parametrize("pool", ["maxpool2d", "avgpool2d"])
def test_a_pool_sends_an_input_all_none_or_a_quarter_of_its_windows_gradient(pool):
    net = network(1, 1, pool)          # a 9×9 feature map: the pool leaves row 8 and column 8 out
    layer, row = net.layers[1], 2
    for c, r, s in np.ndindex(3, 9, 9):
        route = input_chain(net, 1, (c, r, s), row)
        assert route.gradient == net.layers[0].dA[row, c, r, s]
        if r == 8 or s == 8:
            assert route.window is None and route.gradient == 0
            continue
        R, S = r // 2, s // 2
        window = layer.A_prev[row, c, 2 * R:2 * R + 2, 2 * S:2 * S + 2]
        assert route.window == (R, S) and route.dL_da == layer.dA[row, c, R, S]
        if pool == "maxpool2d":
            first_max = divmod(int(np.argmax(window)), 2)
            assert route.share == (1.0 if (r - 2 * R, s - 2 * S) == first_max else 0.0)
        else:
            assert route.share == 0.25
        assert route.gradient == pytest.approx(route.share * route.dL_da, abs=1e-16)


def test_a_max_pool_tie_goes_to_the_first_in_row_major_order():
    net = network(1, 1)
    layer = net.layers[1]
    layer.A_prev[0, 0, 0:2, 0:2] = 0.5                 # four equal values in window (0, 0)
    shares = [input_chain(net, 1, (0, r, s), 0).share for r, s in [(0, 0), (0, 1), (1, 0), (1, 1)]]
    assert shares == [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("stride, padding", SETTINGS)
def test_the_kernels_and_inputs_gradients_match_finite_differences(stride, padding):
    net = network(stride, padding)
    for k, index in [(0, (1, 0, 2, 1)), (0, (2, 1, 0, 0)), (2, (1, 2, 0, 0))]:
        numeric = run_steps(numeric_weight_gradient(net, net.X, net.Y, k, index))
        assert numeric == pytest.approx(net.layers[k].dW[index], rel=1e-6, abs=1e-10)
    for k, row, where in [(0, 1, (1, 4, 5)), (0, 4, (0, 0, 8)), (2, 2, (1, 1, 1))]:
        numeric = run_steps(numeric_input_gradient(net, net.X, net.Y, k, row, where))
        analytic = (net.dX if k == 0 else net.layers[k - 1].dA)[(row, *where)]
        assert numeric == pytest.approx(analytic, rel=1e-6, abs=1e-10)


def test_indices_outside_the_kernels_or_the_input_name_the_parameter():
    net = network(1, 0)
    with pytest.raises(ConfigError) as error:
        kernel_chain(net, 0, 3, 0, 0, 0, 0)
    assert error.value.field == "o" and "3×2×3×3" in str(error.value)
    with pytest.raises(ConfigError) as error:
        input_chain(net, 0, (0, 9, 0), 0)
    assert error.value.field == "input"
    with pytest.raises(ConfigError) as error:
        kernel_chain(net, 1, 0, 0, 0, 0, 0)
    assert error.value.field == "layer" and "maxpool2d" in str(error.value)
