"""Every allowed activation × loss pair: backward agrees with central finite differences."""
import itertools

import numpy as np
import pytest

from app.engine import Network, gradient_check, numeric_weight_gradient

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]
PAIRS = [("mse", out) for out in HIDDEN] + [("bce", "sigmoid"), ("cross_entropy", "softmax")]


def random_problem(loss, out, depth, seed, n=9):
    """A random net of `depth` dense layers with random (non-zero) biases, and matching data."""
    rng = np.random.default_rng(seed)
    sizes = [int(s) for s in rng.integers(1, 5, size=depth + 1)]
    if loss == "cross_entropy":
        sizes[-1] = max(sizes[-1], 2)
    activations = [str(a) for a in rng.choice(HIDDEN, size=depth - 1)] + [out]
    # random biases keep every relu unit away from its kink at exactly z = 0
    params = [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(sizes, sizes[1:])]
    X = rng.normal(size=(n, sizes[0]))
    if loss == "mse":
        Y = rng.normal(size=(n, sizes[-1]))
    elif loss == "bce":
        Y = rng.integers(0, 2, size=(n, sizes[-1])).astype(float)
    else:
        Y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=n)]
    return Network(sizes, activations, loss, params=params), X, Y


@pytest.mark.parametrize("loss,out", PAIRS)
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_backward_matches_finite_differences(loss, out, depth, seed):
    net, X, Y = random_problem(loss, out, depth, seed)
    for errors in gradient_check(net, X, Y):
        assert errors.W < 1e-6, errors
        assert errors.b < 1e-6, errors


@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_hidden_activation_is_checked(hidden):
    """Each hidden activation at least once in a 3-layer net under each loss."""
    rng = np.random.default_rng(7)
    for loss, out in [("mse", "linear"), ("bce", "sigmoid"), ("cross_entropy", "softmax")]:
        sizes = [3, 4, 3, 3]
        params = [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(sizes, sizes[1:])]
        net = Network(sizes, [hidden, hidden, out], loss, params=params)
        X = rng.normal(size=(6, 3))
        Y = np.eye(3)[rng.integers(0, 3, size=6)] if loss != "mse" else rng.normal(size=(6, 3))
        for errors in gradient_check(net, X, Y):
            assert max(errors.W, errors.b) < 1e-6, (hidden, loss, errors)


def to_the_end(steps):
    """What a generator of steps returns; how many pauses it made in to_the_end.pauses."""
    pauses = 0
    while True:
        try:
            next(steps)
            pauses += 1
        except StopIteration as done:
            to_the_end.pauses = pauses
            return done.value


def test_the_loss_in_slices_is_the_loss_in_one_piece():
    """loss_steps computes each layer's product a few rows at a time (the one-weight check of the
    largest network took 1 s in one piece): the same number, bit for bit, batch norm, dropout and
    a penalty included, in extended precision as the checks use it."""
    from app.engine.gradcheck import extended_copy
    from app.engine.regularization import Regularization
    rng = np.random.default_rng(4)
    net = Network([3, 6, 5, 2], ["tanh", "relu", "softmax"], "cross_entropy", seed=4,
                  regularization=Regularization("l2", 0.01),
                  layer_options=[{"batch_norm": True, "dropout": 0.3}, {"dropout": 0.2}])
    X, Y = rng.normal(size=(40, 3)), np.eye(2)[rng.integers(0, 2, 40)]
    net.forward(X, Y)                                   # draws the dropout masks the check holds fixed
    fd = extended_copy(net)
    Xl, Yl = X.astype(np.longdouble), Y.astype(np.longdouble)
    whole = fd.loss_at(Xl, Yl)
    for rows in (1, 7, 40, 100):
        assert to_the_end(fd.loss_steps(Xl, Yl, rows)) == whole
        assert to_the_end.pauses == 3 * -(-40 // rows)          # every chunk of every layer


def test_a_wrong_gradient_is_caught():
    """The check itself can fail: a backward with a deliberate error shows a large error."""
    net, X, Y = random_problem("mse", "tanh", 2, seed=1)
    net.forward(X, Y)
    net.backward()
    broken = net.layers[0].dW.copy()
    broken[0, 0] *= 1.01
    numeric = to_the_end(numeric_weight_gradient(net, X, Y, 0, (0, 0)))
    assert abs(net.layers[0].dW[0, 0] - numeric) < 1e-9 * max(1, abs(numeric))
    assert abs(broken[0, 0] - numeric) > 1e-4 * abs(numeric)


def test_gradient_check_leaves_the_network_as_it_was():
    net, X, Y = random_problem("bce", "sigmoid", 2, seed=2)
    before = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]
    gradient_check(net, X, Y)
    assert net.phase == "fresh"
    for (W, b), layer in zip(before, net.layers):
        assert np.array_equal(W, layer.W) and np.array_equal(b, layer.b)
        assert layer.W.dtype == np.float64


def test_gradient_with_respect_to_the_input():
    net, X, Y = random_problem("mse", "sigmoid", 3, seed=3)
    net.forward(X, Y)
    net.backward()
    eps = 1e-6
    for s, c in itertools.product(range(2), range(X.shape[1])):
        up, down = X.copy(), X.copy()
        up[s, c] += eps
        down[s, c] -= eps
        numeric = (net.loss_at(up, Y) - net.loss_at(down, Y)) / (2 * eps)
        assert net.dX[s, c] == pytest.approx(numeric, rel=1e-5, abs=1e-9)
