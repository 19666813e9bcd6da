"""Weight penalties: the loss gains rate·½ΣW² (l2) or rate·Σ|W| (l1), and dW their gradient;
checked against finite differences and by hand."""
import numpy as np
import pytest

from app.engine import ConfigError, Network, Trainer, gradient_check, make_dataset, make_optimizer
from app.engine.regularization import Regularization


def net(reg):
    return Network([2, 5, 3, 1], ["tanh", "relu", "sigmoid"], "bce", seed=4, regularization=reg)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_regularised_gradients_match_finite_differences(kind):
    X, Y = make_dataset("circles", 40, seed=1)
    report = gradient_check(net(Regularization(kind, 0.3)), X, Y)
    for layer in report:
        assert layer.W < 1e-8 and layer.b < 1e-8, layer


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_the_loss_and_dw_are_the_data_parts_plus_the_penalty(kind):
    X, Y = make_dataset("circles", 40, seed=1)
    plain, regular = net(None), net(Regularization(kind, 0.25))
    data = plain.forward(X, Y)
    plain.backward()
    total = regular.forward(X, Y)
    regular.backward()
    weights = [layer.W for layer in plain.layers]
    penalty = (0.25 * 0.5 * sum(np.sum(W ** 2) for W in weights) if kind == "l2"
               else 0.25 * sum(np.sum(np.abs(W)) for W in weights))
    assert regular.data_loss == data and total == pytest.approx(data + penalty, rel=1e-14)
    for p, r in zip(plain.layers, regular.layers):
        extra = 0.25 * p.W if kind == "l2" else 0.25 * np.sign(p.W)
        np.testing.assert_allclose(r.dW, p.dW + extra, rtol=1e-14, atol=1e-17)
        np.testing.assert_array_equal(r.db, p.db)               # biases are not penalised


def test_l2_shrinks_weights_that_the_data_does_not_need():
    X, Y = make_dataset("xor", 60, seed=2)
    runs = {}
    for rate in (0.0, 0.05):
        t = Trainer(net(Regularization("l2", rate)), make_optimizer("sgd", 0.5), X, Y)
        t.train(300)
        runs[rate] = sum(float(np.sum(layer.W ** 2)) for layer in t.network.layers)
    assert runs[0.05] < runs[0.0]


def test_bad_regularisation_is_refused_by_name():
    with pytest.raises(ConfigError) as e:
        Regularization("l3", 1)
    assert e.value.field == "regularization.kind"
    with pytest.raises(ConfigError) as e:
        Regularization("l2", 11)
    assert e.value.field == "regularization.rate"
