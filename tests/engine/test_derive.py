"""Derive it yourself: the right formulas for every activation and loss, an output and a hidden
layer, a weight and a bias, are correct and sum to dW; each usual slip gets its hint; a formula
right on one sample by chance is wrong; a name or syntax the language lacks is an error naming its
line and column; what derive does not cover is refused naming the field."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from app.engine import ConfigError, Network, PhaseError
from app.engine.derive import FLOOR, RELATIVE, close, derive

# f′ of each activation as a learner writes it in the graph lab's language
F_PRIME = {"sigmoid": "a*(1 - a)", "tanh": "(1 - a**2)", "relu": "step(z)", "linear": "1",
           "leaky_relu": "(step(z) + 0.01*(1 - step(z)))"}


def network(sizes, activations, loss, n=12, seed=0, run=True, **options):
    """A network after Forward and Backward on n random rows (targets that fit the loss)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, sizes[0]))
    if loss == "cross_entropy":
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    elif loss == "bce":
        Y = rng.integers(0, 2, (n, sizes[-1])).astype(float)
    else:
        Y = rng.normal(size=(n, sizes[-1]))
    net = Network(sizes, activations, loss, seed=seed + 1, **options)
    if run:
        net.forward(X, Y)
        net.backward()
    return net


RIGHT = [
    # (sizes, activations, loss, layer, param, i, j, formula)
    ([2, 3, 1], ["tanh", "sigmoid"], "bce", 1, "W", 2, 0, "dL_da * a*(1 - a) * a_prev"),
    ([2, 3, 1], ["tanh", "sigmoid"], "bce", 1, "W", 1, 0, "(a - y)/n * a_prev"),
    ([2, 4, 3], ["tanh", "softmax"], "cross_entropy", 1, "W", 3, 2, "(a - y)/n * a_prev"),
    ([1, 3, 1], ["tanh", "linear"], "mse", 1, "W", 0, 0, "(a - y)/n * a_prev"),
    ([1, 3, 1], ["tanh", "linear"], "mse", 1, "W", 2, 0, "dL_da * a_prev"),
    ([2, 3, 1], ["tanh", "sigmoid"], "mse", 1, "W", 0, 0, "(a - y)/n * a*(1 - a) * a_prev"),
    ([2, 3, 2], ["relu", "tanh"], "mse", 1, "W", 1, 1, "d = (a - y)/n; d * (1 - tanh(z)^2) * a_prev"),
    ([2, 3, 1], ["tanh", "sigmoid"], "bce", 0, "W", 1, 2, "dL_da * (1 - a**2) * x"),          # tanh hidden
    ([2, 3, 1], ["tanh", "sigmoid"], "bce", 0, "W", 0, 1, "dL_da * (1 - tanh(z)**2) * a_prev"),
    ([2, 4, 1], ["relu", "sigmoid"], "bce", 0, "W", 1, 3, "dL_da * step(z) * x"),             # relu hidden
    ([2, 4, 1], ["relu", "sigmoid"], "bce", 0, "W", 0, 0, "dL_da * relu(z)/z * a_prev"),
    ([2, 4, 1], ["leaky_relu", "sigmoid"], "bce", 0, "W", 1, 2, f"dL_da * {F_PRIME['leaky_relu']} * x"),
    ([2, 4, 3, 1], ["tanh", "sigmoid", "sigmoid"], "bce", 1, "W", 3, 2, "dL_da * a*(1 - a) * a_prev"),   # hidden, not first
    ([2, 3, 1], ["tanh", "sigmoid"], "bce", 1, "b", 0, None, "(a - y)/n"),                   # biases
    ([2, 3, 1], ["tanh", "sigmoid"], "bce", 0, "b", 2, None, "dL_da * (1 - a^2)"),
    ([2, 4, 3], ["relu", "softmax"], "cross_entropy", 1, "b", 1, None, "(a - y)/n"),
]


@pytest.mark.parametrize("sizes, activations, loss, layer, param, i, j, formula", RIGHT)
def test_the_right_formula_is_correct_on_every_sample_and_sums_to_the_gradient(sizes, activations, loss, layer,
                                                                              param, i, j, formula):
    net = network(sizes, activations, loss)
    d = derive(net, layer, param, i, j, formula)
    assert d.correct and d.right.all() and d.slip is None and d.hint is None, (d.slip, d.yours, d.truth)
    grad = net.layers[layer].dW[i, j] if param == "W" else net.layers[layer].db[i]
    assert d.yours.sum() == pytest.approx(grad, rel=1e-12, abs=1e-15)


def test_the_walk_throughs_formula_for_one_neuron():
    """dL/dw = (y − ŷ)·σ(z)(1 − σ(z))·x in the reference's names (y the output, ŷ the target) is
    (a − y)·a·(1 − a)·x in this page's: one sample, so n = 1."""
    net = Network([1, 1], ["sigmoid"], "mse", params=[{"W": [[0.2]], "b": [0.1]}])
    net.forward(np.array([[0.5]]), np.array([[1.0]]))
    net.backward()
    d = derive(net, 0, "W", 0, 0, "(a - y) * a*(1 - a) * x")
    assert d.correct and d.yours[0] == pytest.approx(-0.055712, abs=1e-6)
    assert derive(net, 0, "W", 0, 0, "(y - a) * sigmoid(z)*(1 - sigmoid(z)) * x").slip == "sign"


SIGMOID_BCE = ([2, 3, 1], ["tanh", "sigmoid"], "bce")
SIGMOID_MSE = ([2, 3, 1], ["tanh", "sigmoid"], "mse")
LINEAR_MSE = ([2, 3, 1], ["tanh", "linear"], "mse")
SOFTMAX = ([2, 4, 3], ["tanh", "softmax"], "cross_entropy")
SLIPS = [
    # (network, layer, param, i, j, formula, slip, words in its hint)
    (SIGMOID_BCE, 1, "W", 0, 0, "(y - a)/n * a_prev", "sign", "a − y"),
    (SIGMOID_BCE, 1, "W", 0, 0, "(a - y) * a_prev", "one_over_n", "1/n is missing"),
    (SIGMOID_BCE, 1, "W", 0, 0, "(a - y)/n * a_prev / n", "twice_over_n", "once more"),
    (SIGMOID_BCE, 1, "W", 0, 0, "(y - a) * a_prev", "sign+one_over_n", "sign is flipped"),
    (LINEAR_MSE, 1, "W", 1, 0, "2*(a - y)/n * a_prev", "factor_two", "½(a − y)²"),
    (SIGMOID_BCE, 1, "W", 0, 0, "(a - y)/n * a*(1 - a) * a_prev", "other_loss", "mse's ∂L/∂a"),
    (SIGMOID_MSE, 1, "W", 0, 0, "(a - y)/n * a_prev", "other_loss", "bce's ∂L/∂a"),
    (SOFTMAX, 1, "W", 0, 1, "dL_da * a*(1 - a) * a_prev", "softmax_diagonal", "every output"),
    (SIGMOID_BCE, 0, "W", 0, 1, "dL_da * a*(1 - a) * a_prev", "other_activation", "sigmoid's f′"),   # tanh unit
    (SIGMOID_BCE, 0, "W", 1, 2, "dL_da * step(z) * x", "other_activation", "relu's f′"),
    (SIGMOID_BCE, 1, "W", 2, 0, "dL_da * (1 - a^2) * a_prev", "other_activation", "tanh's f′"),     # sigmoid unit
    (SIGMOID_BCE, 0, "W", 0, 0, "dL_da * (1 - tanh(a)**2) * x", "f_prime_at_a", "taken at a"),
    (SIGMOID_MSE, 1, "W", 0, 0, "dL_da * sigmoid(a)*(1 - sigmoid(a)) * a_prev", "f_prime_at_a", "σ(a)(1 − σ(a))"),
    (SIGMOID_MSE, 1, "W", 0, 0, "dL_da * z*(1 - z) * a_prev", "a_form_at_z", "with z in place of a"),
    (SIGMOID_BCE, 0, "W", 1, 0, "dL_da * x", "no_f_prime", "f′(z) is missing"),
    (SIGMOID_BCE, 0, "W", 1, 0, "(1 - a^2) * x", "no_dL_da", "dL_da is missing"),
    (SIGMOID_BCE, 1, "W", 1, 0, "(a - y)/n", "no_a_prev", "a_prev is missing"),
    (SIGMOID_BCE, 0, "W", 1, 1, "dL_da * (1 - a^2)", "no_a_prev", "∂z/∂w is a_prev"),
    (SIGMOID_BCE, 1, "W", 1, 0, "(a - y)/n * a", "a_for_a_prev", "own output"),
    (SIGMOID_BCE, 1, "W", 1, 0, "(a - y)/n * w", "w_for_a_prev", "not w"),
    (SIGMOID_BCE, 1, "b", 0, None, "(a - y)/n * b", "times_b", "∂z/∂b is 1"),
    (SIGMOID_BCE, 1, "W", 1, 0, "3 * (a - y)/n * a_prev", "factor", "3 × the truth"),
    (SIGMOID_BCE, 1, "W", 1, 0, "(a - y)/n * a_prev / (z - z)", "not_finite", "not a finite number"),
    (SIGMOID_BCE, 1, "W", 1, 0, "0.25", "constant", "one number for every sample"),
]


@pytest.mark.parametrize("net, layer, param, i, j, formula, slip, words", SLIPS)
def test_each_slip_gets_its_hint(net, layer, param, i, j, formula, slip, words):
    d = derive(network(*net), layer, param, i, j, formula)
    assert not d.correct and d.slip == slip and words in d.hint, (d.slip, d.hint)


def test_the_batchs_sum_in_place_of_one_samples_term_is_named():
    net = network(*SIGMOID_BCE)
    dW = net.layers[1].dW[2, 0]
    d = derive(net, 1, "W", 2, 0, repr(float(dW)))
    assert d.slip == "batch_sum" and "dW itself" in d.hint
    assert derive(net, 1, "b", 0, None, repr(float(net.layers[1].db[0]))).hint.startswith("Yours is the batch's sum, db")


def test_a_formula_right_on_one_sample_by_chance_is_wrong():
    net = network(*SIGMOID_BCE)
    z0 = repr(float(net.layers[1].Z[0, 0]))
    d = derive(net, 1, "W", 1, 0, f"(a - y)/n * a_prev + 0.1 * (z - {z0})")       # exact on row 0 only
    assert d.right[0] and not d.right[1:].any() and not d.correct
    assert d.slip == "some_samples" and "Right on 1 of the 12 samples" in d.hint


def test_a_saturated_unit_written_another_way_is_still_right():
    """1 − a² and (1 − a)(1 + a) differ by rounding that a saturated tanh's f′ of 1e-10 makes a
    relative 1e-6: the absolute floor (a thousandth of the batch's largest term) takes it."""
    net = network([2, 3, 1], ["tanh", "sigmoid"], "bce", run=False)
    net.layers[0].W = net.layers[0].W * 12                # most of the first layer saturates
    rng = np.random.default_rng(0)
    net.forward(rng.normal(size=(40, 2)), rng.integers(0, 2, (40, 1)).astype(float))
    net.backward()
    plain = derive(net, 0, "W", 0, 1, "dL_da * (1 - a**2) * x")
    other = derive(net, 0, "W", 0, 1, "dL_da * (1 - a)*(1 + a) * x")
    assert plain.correct and other.correct
    exact = np.abs(other.yours - other.truth) <= RELATIVE * np.abs(other.truth)
    assert not exact.all(), "no saturated sample: the floor was not needed"


def test_close_takes_the_floor_relative_to_the_largest_term():
    truth = np.array([1.0, 1e-9, 0.0])
    assert close(truth + [1e-10, 1e-13, 1e-13], truth, RELATIVE).all()        # within 1e-9 × FLOOR × 1.0
    assert not close(truth + [0, 0, 2 * RELATIVE * FLOOR], truth, RELATIVE)[2]
    assert not close(np.array([np.nan, 1e-9, 0.0]), truth, RELATIVE)[0]


@pytest.mark.parametrize("layer, param, j, formula, words", [
    (1, "W", 0, "(a - y)/n * a_prev +", "line 1, column"),
    (1, "W", 0, "d = a - y\nd / n * q", "q is not a name here; the names are a_prev, w, b, z, a, y, n, dL_da (line 2, column 9)"),
    (1, "W", 0, "dL/da * a_prev", "one name dL_da"),
    (1, "W", 0, "x * dL_da", "x is the network's input"),
    (0, "W", 0, "y - a", "y, the target, is the output layer's"),
    (1, "b", None, "a_prev * dL_da", "a bias is added, not multiplied"),
    (1, "W", 0, "a = 2\na", "a is one of the given names"),
    (1, "W", 0, "a, z", "one formula only"),
    (1, "W", 0, "__import__('os').system('true')", "not allowed: a call"),
    (1, "W", 0, "a.real", "attribute access"),
    (1, "W", 0, "   ", "the formula is empty"),
    (1, "W", 0, "10 ** 400 * a", "overflows"),
])
def test_a_formula_outside_the_language_names_line_and_column(layer, param, j, formula, words):
    with pytest.raises(ConfigError) as refused:
        derive(network(*SIGMOID_BCE), layer, param, 0, j, formula)
    assert refused.value.field == "formula" and words in str(refused.value), str(refused.value)


@pytest.mark.parametrize("make, layer, param, i, j, field, words", [
    (lambda: network(*SIGMOID_BCE), 2, "W", 0, 0, "layer", "below 2"),
    (lambda: network(*SIGMOID_BCE), 1, "W", 3, 0, "i", "below 3"),
    (lambda: network(*SIGMOID_BCE), 1, "W", 0, 1, "j", "below 1"),
    (lambda: network(*SIGMOID_BCE), 1, "W", 0, None, "j", "j is missing"),
    (lambda: network(*SIGMOID_BCE), 1, "b", 1, None, "i", "below 1"),
    (lambda: network(*SIGMOID_BCE), 1, "b", 0, 0, "j", "a bias has no j"),
    (lambda: network([2, 3, 1], ["tanh", "sigmoid"], "bce", layer_options=[{"batch_norm": True, "dropout": 0}]),
     0, "W", 0, 0, "layer", "batch norm or dropout"),
    (lambda: network([2, 3, 3], ["tanh", "softmax"], "mse"), 1, "W", 0, 0, "layer", "softmax with cross_entropy"),
])
def test_what_derive_does_not_cover_is_refused_naming_the_field(make, layer, param, i, j, field, words):
    with pytest.raises(ConfigError) as refused:
        derive(make(), layer, param, i, j, "a")
    assert refused.value.field == field and refused.value.location == "body" and words in str(refused.value)


def test_a_cnn_is_refused_saying_derive_covers_dense_layers():
    specs = [{"type": "conv2d", "channels": 2, "kernel": 3, "stride": 1, "padding": 1, "activation": "relu"},
             {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]
    net = Network.of_specs((1, 4, 4), specs, "cross_entropy")
    with pytest.raises(ConfigError) as refused:
        derive(net, 2, "W", 0, 0, "(a - y)/n * a_prev")
    assert refused.value.field == "layer" and "derive covers dense layers" in str(refused.value)
    assert "conv2d, flatten" in str(refused.value)


def test_before_backward_there_is_nothing_to_check_against():
    net = network(*SIGMOID_BCE, run=False)
    with pytest.raises(PhaseError):
        derive(net, 1, "W", 0, 0, "(a - y)/n * a_prev")
    net.forward(np.zeros((2, 2)), np.zeros((2, 1)))
    with pytest.raises(PhaseError):
        derive(net, 1, "W", 0, 0, "(a - y)/n * a_prev")


@settings(max_examples=40, deadline=None)
@given(hidden=st.sampled_from(["sigmoid", "tanh", "relu", "leaky_relu", "linear"]),
       output=st.sampled_from([("sigmoid", "bce"), ("sigmoid", "mse"), ("linear", "mse"), ("tanh", "mse"),
                               ("softmax", "cross_entropy")]),
       units=st.integers(1, 4), n=st.integers(1, 30), seed=st.integers(0, 2**16), data=st.data())
def test_the_chain_rule_written_out_is_always_correct_and_its_negation_always_the_sign(hidden, output, units, n,
                                                                                       seed, data):
    activation, loss = output
    outputs = 3 if activation == "softmax" else 1
    net = network([2, units, outputs], [hidden, activation], loss, n=n, seed=seed)
    layer = data.draw(st.sampled_from([0, 1]))
    i = data.draw(st.integers(0, (2 if layer == 0 else units) - 1))
    j = data.draw(st.integers(0, (units if layer == 0 else outputs) - 1))
    f_prime = F_PRIME[hidden] if layer == 0 else "1" if activation == "softmax" else F_PRIME[activation]
    upstream = "(a - y)/n" if layer == 1 and activation == "softmax" else "dL_da"
    formula = f"{upstream} * {f_prime} * a_prev"
    d = derive(net, layer, "W", i, j, formula)
    assert d.correct, (formula, d.yours, d.truth)
    if np.abs(d.truth).max() > 0:
        assert derive(net, layer, "W", i, j, f"-({formula})").slip == "sign"
