"""The classic one-neuron walk-through, checked against the formulas worked by hand."""
import math

import numpy as np
import pytest

from app.engine import Network, Trainer, chain_rule, make_dataset, make_optimizer

W0, B0, X0, Y0, LR = 0.2, 0.1, 0.5, 1.0, 0.01


def hand_calculation():
    z = W0 * X0 + B0                    # 0.2 · 0.5 + 0.1 = 0.2
    a = 1 / (1 + math.exp(-z))          # σ(0.2)
    loss = 0.5 * (a - Y0) ** 2          # ½ (a − y)², n = 1
    dL_da = a - Y0
    da_dz = a * (1 - a)
    dL_dw = dL_da * da_dz * X0
    dL_db = dL_da * da_dz
    return z, a, loss, dL_dw, dL_db, W0 - LR * dL_dw, B0 - LR * dL_db


@pytest.fixture
def trainer():
    X, Y = make_dataset("single")
    net = Network([1, 1], ["sigmoid"], "mse", params=[([[W0]], [B0])])
    return Trainer(net, make_optimizer("sgd", LR), X, Y)


def test_forward_value(trainer):
    z, a, loss, *_ = hand_calculation()
    assert trainer.forward() == pytest.approx(loss, rel=1e-14)
    assert trainer.network.layers[0].Z[0, 0] == pytest.approx(z, rel=1e-14)
    assert trainer.network.layers[0].A[0, 0] == pytest.approx(a, rel=1e-14)
    assert a == pytest.approx(0.549833997, abs=1e-9)   # σ(0.2) from a table


def test_gradients(trainer):
    *_, dL_dw, dL_db, _, _ = hand_calculation()
    trainer.forward()
    trainer.backward()
    layer = trainer.network.layers[0]
    assert layer.dW[0, 0] == pytest.approx(dL_dw, rel=1e-14)
    assert layer.db[0] == pytest.approx(dL_db, rel=1e-14)


def test_update(trainer):
    *_, w1, b1 = hand_calculation()
    trainer.forward()
    trainer.backward()
    trainer.step()
    layer = trainer.network.layers[0]
    assert layer.W[0, 0] == pytest.approx(w1, rel=1e-14)
    assert layer.b[0] == pytest.approx(b1, rel=1e-14)
    assert trainer.steps == 1


def test_chain_factors(trainer):
    z, a, _, dL_dw, *_ = hand_calculation()
    trainer.forward()
    trainer.backward()
    chain = chain_rule(trainer.network, 0, 0, 0, 0)
    assert chain.a_prev == X0
    assert chain.dL_da == pytest.approx(a - Y0, rel=1e-14)
    assert chain.f_prime == pytest.approx(a * (1 - a), rel=1e-14)
    assert chain.product == pytest.approx(dL_dw, rel=1e-14)
    assert chain.batch_sum == pytest.approx(dL_dw, rel=1e-14)


def test_loss_decreases_over_many_steps(trainer):
    losses = trainer.train(200)
    assert len(losses) == 200
    assert all(later < earlier for earlier, later in zip(losses, losses[1:]))
    assert np.isfinite(losses).all()
