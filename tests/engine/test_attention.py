"""The attention head: forward and backward against the reference's formulas written as plain
loops, every weight against finite differences, the causal mask (nothing crosses it), the row
softmax's Jacobian against the fused form, a score's chain and check, and "reverse" learned."""
import numpy as np
import pytest

from app.engine import Network, Trainer, gradient_check, make_dataset, make_optimizer
from app.engine.attentionchain import head_chain, numeric_score_gradient, score_chain
from app.engine.errors import ConfigError
from app.engine.layers.attention import Attention
from app.engine.steps import run_steps

RNG = np.random.default_rng(11)


def attention_loops(X, Wq, Wk, Wv, causal):
    """out[n][t] = Σ_t' softmax_t'(q_t · k_t' / √d_k) v_t', every sum a loop."""
    n, T, _ = X.shape
    d_k = Wq.shape[1]
    out = np.zeros((n, T, Wv.shape[1]))
    weights = np.zeros((n, T, T))
    for s in range(n):
        Q, K, V = X[s] @ Wq, X[s] @ Wk, X[s] @ Wv
        for t in range(T):
            seen = range(t + 1) if causal else range(T)
            scores = [sum(Q[t, a] * K[u, a] for a in range(d_k)) / np.sqrt(d_k) for u in seen]
            top = max(scores)
            e = [np.exp(x - top) for x in scores]
            for u, value in zip(seen, e):
                weights[s, t, u] = value / sum(e)
            out[s, t] = sum(weights[s, t, u] * V[u] for u in seen)
    return out, weights


def backward_loops(X, Wq, Wk, Wv, weights, dout):
    """dV = weightsᵀ dout, dweights = dout Vᵀ, dscores by the row's Jacobian, dQ = dscores K/√d_k,
    dK = dscoresᵀ Q/√d_k, then dWq = Σ_n X_nᵀ dQ_n (and dWk, dWv) and dX, each a loop."""
    n, T, _ = X.shape
    d_k = Wq.shape[1]
    dWq, dWk, dWv, dX = np.zeros_like(Wq), np.zeros_like(Wk), np.zeros_like(Wv), np.zeros_like(X)
    for s in range(n):
        Q, K, V = X[s] @ Wq, X[s] @ Wk, X[s] @ Wv
        w = weights[s]
        dV = w.T @ dout[s]
        dweights = dout[s] @ V.T
        dscores = np.zeros((T, T))
        for t in range(T):
            for a in range(T):
                dscores[t, a] = sum(w[t, b] * ((a == b) - w[t, a]) * dweights[t, b] for b in range(T))
        dQ, dK = dscores @ K / np.sqrt(d_k), dscores.T @ Q / np.sqrt(d_k)
        dWq += X[s].T @ dQ
        dWk += X[s].T @ dK
        dWv += X[s].T @ dV
        dX[s] = dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T
    return dWq, dWk, dWv, dX


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("d_k, d_v", [(1, 1), (3, 2), (8, 8)])
def test_the_forward_and_backward_are_the_formulas(causal, d_k, d_v):
    X = RNG.normal(size=(3, 5, 6))
    Wq, Wk, Wv = RNG.normal(size=(6, d_k)), RNG.normal(size=(6, d_k)), RNG.normal(size=(6, d_v))
    layer = Attention(np.concatenate([Wq, Wk, Wv], axis=1), d_k, causal)
    out = layer.forward(X).reshape(3, 5, d_v)
    want, weights = attention_loops(X, Wq, Wk, Wv, causal)
    assert np.allclose(out, want, rtol=1e-12, atol=1e-13) and np.allclose(layer.weights, weights, atol=1e-14)
    assert np.allclose(layer.Wq, Wq) and np.allclose(layer.Wv, Wv)
    dout = RNG.normal(size=(3, 5, d_v))
    dX = layer.backward(dout.reshape(15, d_v))
    for got, expected in zip((*layer.split(layer.dW), dX), backward_loops(X, Wq, Wk, Wv, weights, dout)):
        assert np.allclose(got, expected, rtol=1e-11, atol=1e-13)


def test_nothing_crosses_the_causal_mask():
    """A causal head's output at t does not move when a later position's input moves, and the
    gradient of a later input from an earlier output is 0."""
    X = RNG.normal(size=(1, 5, 4))
    layer = Attention(RNG.normal(size=(4, 9)), 3, causal=True)
    before = layer.forward(X).copy()
    moved = X.copy()
    moved[0, 3:] += 1.0
    after = layer.forward(moved)
    assert np.array_equal(before[:3], after[:3]) and not np.allclose(before[3:], after[3:])
    dout = np.zeros((5, 3))
    dout[1] = 1.0                                   # the loss reads position 1 only
    dX = layer.backward(dout)
    assert not dX[0, 2:].any() and dX[0, :2].any()
    assert not np.triu(layer.dZ[0], 1).any() and np.isneginf(layer.Z[0][np.triu_indices(5, 1)]).all()


def test_the_row_softmax_backward_is_the_jacobian_times_dweights():
    w = np.array([0.1, 0.6, 0.3])
    dweights = np.array([0.5, -1.0, 2.0])
    jacobian = np.diag(w) - np.outer(w, w)
    fused = w * (dweights - np.sum(w * dweights))
    assert np.allclose(jacobian @ dweights, fused, rtol=1e-15) and np.allclose(jacobian, jacobian.T)


def sequence_net(causal=True, seed=3, regularization=None):
    X, Y = make_dataset("reverse", n=12, seed=seed)
    specs = [{"type": "attention", "d_k": 3, "d_v": 2, "causal": causal},
             {"type": "dense", "units": 5, "activation": "tanh"}, {"type": "dense", "units": 4, "activation": "softmax"}]
    net = Network.of_specs(X.shape[1:], specs, "cross_entropy", seed=seed, regularization=regularization)
    return net, X, Y


@pytest.mark.parametrize("causal", [False, True])
def test_every_weight_matches_finite_differences(causal):
    net, X, Y = sequence_net(causal)
    for check in gradient_check(net, X, Y):
        assert check.W < 1e-7, check


def test_a_weights_terms_and_a_scores_terms_add_up_and_match_finite_differences():
    net, X, Y = sequence_net(causal=True)
    net.forward(X, Y)
    net.backward()
    head = net.layers[0]
    total = sum(head_chain(net, 0, "Wk", 2, 1, row).sample_sum for row in range(len(X)))
    assert total == pytest.approx(head.dW[2, 3 + 1], rel=1e-12)          # Wk's column 1 sits after Wq's 3
    chain = score_chain(net, 0, (3, 1), 4)
    assert chain.sample_sum == pytest.approx(head.dZ[4, 3, 1], abs=1e-16) and not chain.masked
    numeric = run_steps(numeric_score_gradient(net, X, Y, 0, 4, (3, 1)))
    assert numeric == pytest.approx(head.dZ[4, 3, 1], rel=1e-6)
    masked = score_chain(net, 0, (1, 3), 4)
    assert masked.masked and masked.value is None and masked.sample_sum == 0 and masked.dscore == 0


def test_reverse_is_learned_the_way_the_issue_asks():
    """T = 5 over 4 tokens, 200 sequences, one head d_k = d_v = 8, a softmax dense layer per
    position, Adam at 0.05, batches of 32: at least 95 % of positions right within 1,500 steps, and
    the weights of a sequence an anti-diagonal."""
    X, Y = make_dataset("reverse", n=200, seed=0)
    specs = [{"type": "attention", "d_k": 8, "d_v": 8, "causal": False}, {"type": "dense", "units": 4, "activation": "softmax"}]
    trainer = Trainer(Network.of_specs(X.shape[1:], specs, "cross_entropy", seed=0), make_optimizer("adam", 0.05),
                      X, Y, batch_size=32, seed=0)
    for _ in range(15):
        trainer.train(100)
        if trainer.accuracy() >= 0.95:
            break
    assert trainer.accuracy() >= 0.95 and trainer.steps <= 1500
    trainer.network.forward(X[:1], Y[:1])
    weights = trainer.network.layers[0].weights[0]
    assert (weights.argmax(axis=1) == [4, 3, 2, 1, 0]).all()


@pytest.mark.parametrize("specs, where", [
    ([{"type": "dense", "units": 3, "activation": "tanh"}, {"type": "attention", "d_k": 2, "d_v": 2, "causal": False},
      {"type": "dense", "units": 4, "activation": "softmax"}], "layers[1]"),
    ([{"type": "attention", "d_k": 2, "d_v": 2, "causal": False}], "layers[0]"),
])
def test_a_head_out_of_place_is_refused_naming_the_layer(specs, where):
    with pytest.raises(ConfigError) as error:
        Network.of_specs((5, 9), specs, "cross_entropy")
    assert error.value.field == where
