"""One and two optimiser steps, against the update rules worked by hand."""
import math

import numpy as np
import pytest

from app.engine import Network, Trainer, chain_rule, make_dataset, make_optimizer


def two_steps(name, **settings):
    X, Y = make_dataset("single")
    net = Network([1, 1], ["linear"], "mse", params=[([[0.2]], [0.1])])
    trainer = Trainer(net, make_optimizer(name, 0.1, **settings), X, Y)
    ws, grads = [0.2], []
    for _ in range(2):
        trainer.forward()
        trainer.backward()
        grads.append(net.layers[0].dW[0, 0])
        trainer.step()
        ws.append(net.layers[0].W[0, 0])
    return ws, grads


def test_sgd():
    ws, (g1, g2) = two_steps("sgd")
    assert g1 == pytest.approx((0.2 * 0.5 + 0.1 - 1) * 0.5)      # (z − y) · x
    assert ws[1] == pytest.approx(0.2 - 0.1 * g1)
    assert ws[2] == pytest.approx(ws[1] - 0.1 * g2)


def test_momentum():
    ws, (g1, g2) = two_steps("momentum", beta=0.9)
    v1 = g1
    v2 = 0.9 * v1 + g2
    assert ws[1] == pytest.approx(0.2 - 0.1 * v1)
    assert ws[2] == pytest.approx(ws[1] - 0.1 * v2)


def test_adam():
    ws, (g1, g2) = two_steps("adam")
    m1, v1 = 0.1 * g1, 0.001 * g1 ** 2
    m2, v2 = 0.9 * m1 + 0.1 * g2, 0.999 * v1 + 0.001 * g2 ** 2
    step1 = 0.1 * (m1 / 0.1) / (math.sqrt(v1 / 0.001) + 1e-8)
    step2 = 0.1 * (m2 / (1 - 0.81)) / (math.sqrt(v2 / (1 - 0.999 ** 2)) + 1e-8)
    assert ws[1] == pytest.approx(0.2 - step1)
    assert ws[2] == pytest.approx(ws[1] - step2)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_preview_is_the_update_the_step_makes(name):
    X, Y = make_dataset("xor", n=16, seed=2)
    net = Network([2, 3, 1], ["tanh", "sigmoid"], "bce", seed=2)
    opt = make_optimizer(name, 0.05)
    trainer = Trainer(net, opt, X, Y)
    trainer.train(3)
    trainer.forward()
    trainer.backward()
    before = net.layers[0].W.copy()
    preview = opt.preview((0, "W"), net.layers[0].dW)
    trainer.step()
    assert np.allclose(net.layers[0].W - before, preview, rtol=1e-12, atol=1e-15)


def test_chain_rule_sums_to_dw_over_the_batch():
    X, Y = make_dataset("circles", n=40, seed=4)
    net = Network([2, 5, 4, 1], ["relu", "tanh", "sigmoid"], "bce", seed=4)
    net.forward(X, Y)
    net.backward()
    for k, i, j in [(0, 1, 3), (1, 4, 2), (2, 3, 0)]:
        layer = net.layers[k]
        products = [chain_rule(net, k, i, j, s).product for s in range(len(X))]
        chain = chain_rule(net, k, i, j, 7)
        assert chain.product == pytest.approx(layer.dZ[7, j] * layer.A_prev[7, i], rel=1e-12)
        assert math.fsum(products) == pytest.approx(layer.dW[i, j], rel=1e-9, abs=1e-15)
        assert chain.batch_sum == pytest.approx(layer.dW[i, j], rel=1e-12, abs=1e-15)


def test_chain_rule_for_softmax_is_fused():
    X, Y = make_dataset("blobs", n=12, seed=0)
    net = Network([2, 3, 3], ["tanh", "softmax"], "cross_entropy", seed=0)
    net.forward(X, Y)
    net.backward()
    chain = chain_rule(net, 1, 2, 1, 4)
    assert chain.f_prime is None and chain.dL_da is None
    assert chain.dL_dz == pytest.approx((net.layers[1].A[4, 1] - Y[4, 1]) / 12)
