"""The softmax Jacobian made explicit: J = diag(s) − s sᵀ, the mse path through it, and the fused
cross-entropy path that it equals."""
import numpy as np
import pytest

from app.engine import ConfigError, Network, gradient_check, make_dataset
from app.engine.activations import Softmax


def test_the_jacobian_by_hand():
    s = np.array([0.7, 0.2, 0.1])
    J = Softmax.jacobian(s)
    assert J[0, 0] == pytest.approx(0.7 * 0.3) and J[0, 1] == pytest.approx(-0.7 * 0.2)
    np.testing.assert_allclose(J.sum(axis=0), 0, atol=1e-16)        # the outputs always sum to 1
    # Jᵀ dA for every row at once, against the matrix one row at a time
    A = Softmax().forward(np.array([[1.0, -0.5, 2.0], [0.3, 0.3, -1.0]]))
    dA = np.array([[0.4, -1.2, 0.05], [2.0, 0.0, -0.7]])
    rows = np.array([Softmax.jacobian(a).T @ d for a, d in zip(A, dA)])
    np.testing.assert_allclose(Softmax.jacobian_vector(A, dA), rows, rtol=1e-14, atol=1e-17)


def test_the_fused_cross_entropy_gradient_is_the_jacobian_times_dL_da():
    X, Y = make_dataset("blobs", 30, seed=2)
    net = Network([2, 5, 3], ["tanh", "softmax"], "cross_entropy", seed=1)
    net.forward(X, Y)
    net.backward()
    out = net.layers[-1]
    through_J = Softmax.jacobian_vector(out.A, net.loss.grad_a(out.A, Y))
    np.testing.assert_allclose(out.dZ, through_J, rtol=1e-10, atol=1e-16)


def test_softmax_with_mse_backpropagates_through_the_jacobian():
    X, Y = make_dataset("blobs", 30, seed=2)
    report = gradient_check(Network([2, 4, 3], ["tanh", "softmax"], "mse", seed=3), X, Y)
    for layer in report:
        assert layer.W < 1e-8 and layer.b < 1e-8, layer


def test_a_one_unit_softmax_is_refused_naming_layers():
    with pytest.raises(ConfigError) as e:
        Network([2, 3, 1], ["tanh", "softmax"], "mse")
    assert e.value.field == "layers"
