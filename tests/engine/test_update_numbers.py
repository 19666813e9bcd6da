"""The numbers behind an update: what the optimiser remembers, each sample's part of dW, the
step preview, and the gradients' health, each against an independent computation."""
import math

import numpy as np
import pytest

from app.engine import Network, Trainer, make_dataset, make_optimizer
from app.engine.chain import sample_terms
from app.engine.health import dead_units, grad_norms, predicted_change, saturated_units
from app.engine.bookkeeping.history import NormHistory


def trainer(name="sgd", layers=(2, 5, 1), acts=("tanh", "sigmoid"), loss="bce", batch_size=None, lr=0.2, **settings):
    X, Y = make_dataset("xor", 40, seed=3)
    net = Network(list(layers), list(acts), loss, seed=1)
    return Trainer(net, make_optimizer(name, lr, **settings), X, Y, batch_size=batch_size, seed=2)


def backward(t):
    t.forward()
    t.backward()


def test_terms_are_a_prev_times_dz_and_sum_to_dw():
    t = trainer(batch_size=16)
    backward(t)
    layer = t.network.layers[1]
    terms = sample_terms(t.network, 1, 3, 0, limit=10)
    assert terms.count == 16 and len(terms.product) == 10
    # row s of the batch: a of hidden unit 3 for that row times dL/dz of the output for it
    X, Y = t.X[t.batch], t.Y[t.batch]
    hidden = np.tanh(X @ t.network.layers[0].W + t.network.layers[0].b)
    out = 1 / (1 + np.exp(-(hidden @ layer.W + layer.b)))
    dz = (out - Y) / len(X)                       # bce with sigmoid: dL/dz = (a − y)/n
    np.testing.assert_allclose(terms.a_prev, hidden[:10, 3], rtol=1e-12)
    np.testing.assert_allclose(terms.dL_dz, dz[:10, 0], rtol=1e-10)
    assert terms.total == pytest.approx(layer.dW[3, 0], rel=1e-12, abs=1e-15)
    assert terms.total == pytest.approx(float(np.sum(hidden[:, 3] * dz[:, 0])), rel=1e-10)


def test_momentum_memory_is_the_velocity_of_a_hand_run_momentum():
    t = trainer("momentum", beta=0.8)
    v = 0.0
    for _ in range(3):
        backward(t)
        g = t.network.layers[0].dW[1, 2]
        memory = t.optimizer.memory((0, "W"), t.network.layers[0].dW)
        assert memory["velocity"][1, 2] == pytest.approx(v, abs=1e-15)   # 0 before the first step
        w = t.network.layers[0].W[1, 2]
        t.step()
        v = 0.8 * v + g                          # the next step's velocity, by hand
        assert t.network.layers[0].W[1, 2] == pytest.approx(w - 0.2 * v, rel=1e-12)


def test_adam_memory_gives_the_update():
    t = trainer("adam", beta1=0.9, beta2=0.99, eps=1e-8)
    m = v = 0.0
    for step in range(1, 4):
        backward(t)
        dW = t.network.layers[1].dW
        g = dW[2, 0]
        memory = t.optimizer.memory((1, "W"), dW)
        assert memory["t"] == step - 1
        assert memory["m"][2, 0] == pytest.approx(m, abs=1e-15) and memory["v"][2, 0] == pytest.approx(v, abs=1e-18)
        m, v = 0.9 * m + 0.1 * g, 0.99 * v + 0.01 * g * g
        m_hat, v_hat = m / (1 - 0.9 ** step), v / (1 - 0.99 ** step)
        assert memory["m_hat"][2, 0] == pytest.approx(m_hat, rel=1e-12)
        assert memory["v_hat"][2, 0] == pytest.approx(v_hat, rel=1e-12)
        w = t.network.layers[1].W[2, 0]
        t.step()
        assert t.network.layers[1].W[2, 0] - w == pytest.approx(-0.2 * m_hat / (math.sqrt(v_hat) + 1e-8), rel=1e-9)


def test_sgd_remembers_nothing():
    t = trainer("sgd")
    backward(t)
    assert t.optimizer.memory((0, "W"), t.network.layers[0].dW) is None


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_step_preview_predicts_to_first_order_and_the_step_measures_the_change(name):
    # small steps, over which the loss is nearly its tangent plane (Adam moves every weight by ~lr)
    t = trainer(name, lr=0.002 if name == "adam" else 0.02)
    for _ in range(2):                       # the second step has optimiser memory
        backward(t)
        net = t.network
        before = net.loss_value
        grads = [(layer.dW.copy(), layer.db.copy()) for layer in net.layers]
        old = [(layer.W.copy(), layer.b.copy()) for layer in net.layers]
        X, Y = net.X, net.Y
        predicted = t.step_preview["predicted"]
        assert t.step_preview["actual"] is None
        t.step()
        # Σ dW · ΔW over every parameter, the ΔW being what the step did
        by_hand = sum(float(np.sum(g * (layer.W - W)) + np.sum(gb * (layer.b - b)))
                      for (g, gb), (W, b), layer in zip(grads, old, net.layers))
        assert predicted == pytest.approx(by_hand, rel=1e-9)
        if name == "sgd":
            assert predicted == pytest.approx(-0.02 * sum(float(np.sum(g * g) + np.sum(gb * gb)) for g, gb in grads), rel=1e-9)
        after = float(net.loss_at(X, Y))
        assert t.step_preview["actual"] == pytest.approx(after - before, rel=1e-12)
        assert t.step_preview["actual"] < 0                   # a small step down the slope
        assert t.step_preview["actual"] == pytest.approx(predicted, rel=0.1)
    t.forward()
    assert t.step_preview is None                             # a new batch: no preview yet
    t.backward()
    t.train(3)
    assert t.step_preview is None                             # train makes none


def test_a_large_step_is_far_from_its_first_order_prediction():
    t = trainer("sgd")
    t.optimizer.lr = 60.0
    backward(t)
    t.step()
    p = t.step_preview
    assert abs(p["actual"] - p["predicted"]) > 0.5 * abs(p["predicted"])


def test_grad_norms_are_numpys():
    t = trainer(layers=(2, 6, 4, 1), acts=("relu", "tanh", "sigmoid"))
    backward(t)
    for (w, b), layer in zip(grad_norms(t.network), t.network.layers):
        assert w == pytest.approx(np.linalg.norm(layer.dW), rel=1e-12)
        assert b == pytest.approx(np.linalg.norm(layer.db), rel=1e-12)


def test_dead_relu_units_and_saturated_sigmoid_and_tanh_units():
    X, Y = make_dataset("xor", 40, seed=3)
    W0 = np.array([[1.0, 0.0, 0.5, 40.0], [0.0, 1.0, 0.5, 40.0]])
    b0 = np.array([0.0, 0.0, -100.0, 0.0])          # unit 2: z < 0 on every point (|x| < ~2): dead
    W1 = np.array([[0.1], [0.1], [0.1], [0.1]])
    net = Network([2, 4, 1], ["relu", "sigmoid"], "bce", params=[(W0, b0), (W1, np.zeros(1))])
    t = Trainer(net, make_optimizer("sgd", 0.1), X, Y)
    t.forward()
    assert dead_units(net) == [[2], []]
    assert saturated_units(net) == [[], []]
    # sigmoid units with huge weights: a within 0.01 of 0 or 1 on (nearly) every point
    big = np.array([[300.0, 0.0, 0.01], [300.0, 0.0, 0.01]])
    sig = Network([2, 3, 1], ["sigmoid", "tanh"], "mse", params=[(big, np.array([0.0, 50.0, 0.0])), (np.ones((3, 1)) * 9, np.zeros(1))])
    t2 = Trainer(sig, make_optimizer("sgd", 0.1), X, Y)
    t2.forward()
    A = sig.layers[0].A
    expected = [k for k in range(3) if np.mean((A[:, k] < 0.01) | (A[:, k] > 0.99)) >= 0.9]
    assert 1 in expected and 2 not in expected
    assert saturated_units(sig)[0] == expected
    assert saturated_units(sig)[1] == ([0] if np.mean(np.abs(sig.layers[1].A) > 0.99) >= 0.9 else [])


def test_norm_history_records_at_a_stride_that_doubles_when_full():
    h = NormHistory(cap=4)
    for step in range(1, 20):
        if h.wants(step):
            h.append(step, [(float(step), 0.0)])
    assert h.stride == 8 and h.steps == [1, 9, 17]
    assert [n[0][0] for n in h.norms] == [1.0, 9.0, 17.0]


def test_train_records_norms_of_the_gradients_each_step_used():
    t = trainer("sgd")
    t.train(5)
    steps, norms = t.norm_history.steps, t.norm_history.norms
    assert steps == [1, 2, 3, 4, 5]
    replay = trainer("sgd")
    for k in range(5):
        backward(replay)
        assert list(norms[k]) == [pytest.approx([np.linalg.norm(l.dW), np.linalg.norm(l.db)], rel=1e-12)
                            for l in replay.network.layers]
        replay.step()


def test_the_state_dict_carries_the_preview_and_the_norms():
    t = trainer("momentum", batch_size=8)
    t.train(3)
    backward(t)
    t.step()
    other = trainer("momentum", batch_size=8)
    other.load_state_dict(t.state_dict())
    assert other.step_preview == t.step_preview
    assert other.norm_history.steps == t.norm_history.steps and other.norm_history.norms == t.norm_history.norms
    backward(t), backward(other)
    assert other.step_preview == t.step_preview


def test_predicted_change_uses_the_optimisers_next_update():
    t = trainer("adam")
    backward(t)
    total = 0.0
    for k, layer in enumerate(t.network.layers):
        total += float(np.sum(layer.dW * t.optimizer.preview((k, "W"), layer.dW)))
        total += float(np.sum(layer.db * t.optimizer.preview((k, "b"), layer.db)))
    assert predicted_change(t.network, t.optimizer) == pytest.approx(total, rel=1e-12)


def test_the_histories_arrays_follow_their_lists():
    h = NormHistory(cap=4)
    for step in range(1, 12):
        if h.wants(step):
            h.append(step, [[float(step), -1.0], [2.0 * step, 0.5]])
        steps, values = h.arrays(2)
        np.testing.assert_array_equal(steps, np.array(h.steps))
        np.testing.assert_array_equal(values, np.array(h.norms).reshape(len(h.steps), 2, 2))
    t = trainer()
    for k in range(9):
        t.train(1)
        steps, losses = t.history.arrays()
        assert steps.tolist() == t.history.steps and losses.tolist() == t.history.losses
