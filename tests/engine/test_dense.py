"""Dense and the sigmoid in their fast forms (1ᵀ·dZ, np.dot, the bias added in place, one exp)
against the plain math written out here: the same numbers, to the stated tolerance."""
import numpy as np
import pytest

from app.engine import get_activation
from app.engine.layers.dense import Dense

RNG = np.random.default_rng(12)
Z = np.concatenate([RNG.normal(0, 3, 20000), RNG.normal(0, 0.005, 2000), [0.0, -0.0, 40.0, -40.0, 750.0, -750.0]])


def sigmoid_reference(z):
    """1 / (1 + e^(−z)) in extended precision, from the side where e^(∓z) cannot overflow."""
    z = np.asarray(z, dtype=np.longdouble)
    with np.errstate(over="ignore"):
        return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))


def test_the_sigmoid_is_its_extended_precision_value_within_4e_15_and_never_overflows():
    sigmoid = get_activation("sigmoid")
    with np.errstate(over="raise", invalid="raise"):
        a = sigmoid.forward(Z)
    assert np.allclose(a, sigmoid_reference(Z).astype(np.float64), rtol=4e-15, atol=1e-300)
    matrix = Z[:600].reshape(30, 20).T                  # a transposed view, as a layer may pass
    assert np.allclose(sigmoid.forward(matrix), sigmoid_reference(matrix).astype(np.float64), rtol=4e-15, atol=1e-300)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_a_dense_layer_is_the_plain_formulas_within_1e_13(activation):
    W, b = RNG.normal(size=(5, 3)), RNG.normal(size=3)
    A_prev, dA = RNG.normal(size=(40, 5)), RNG.normal(size=(40, 3))
    layer = Dense(W, b, get_activation(activation))
    f = layer.activation
    Z_plain = A_prev @ W + b
    A_plain = f.forward(Z_plain)
    assert np.allclose(layer.forward(A_prev), A_plain, rtol=1e-13, atol=1e-15)
    dZ = dA * f.derivative(Z_plain, A_plain)
    want = (dZ @ W.T, A_prev.T @ dZ, dZ.sum(axis=0))    # dA_prev, dW, db
    got = (layer.backward(dA), layer.dW, layer.db)
    for g, w in zip(got, want):
        assert np.allclose(g, w, rtol=1e-13, atol=1e-15)
