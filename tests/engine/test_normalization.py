"""Batch normalisation and dropout in a dense layer: the forward against the formulas written
out independently, every gradient against central finite differences, the statistics and the
masks as the modes say."""
import numpy as np
import pytest

from app.engine import ConfigError, Network, Trainer, gradient_check, make_optimizer
from app.engine.layers.normalization import EPS, OptionDense
from app.engine.steps import run_steps

ACTS = ["tanh", "sigmoid", "relu"]


def problem(options, seed=0, n=12, sizes=(3, 5, 4, 2), loss="mse", out="linear"):
    rng = np.random.default_rng(seed)
    params = [(rng.normal(size=(a, b)), rng.normal(size=b)) for a, b in zip(sizes, sizes[1:])]
    acts = [ACTS[k % len(ACTS)] for k in range(len(sizes) - 2)] + [out]
    net = Network(list(sizes), acts, loss, params=params, layer_options=options, seed=seed)
    X = rng.normal(size=(n, sizes[0]))
    Y = rng.normal(size=(n, sizes[-1])) if loss == "mse" else np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]
    return net, X, Y


def by_hand(X, W, b, gamma, beta):
    """z, ẑ, y of batch norm, each unit's statistics worked out with Python sums over samples."""
    Z = X @ W + b
    n, units = Z.shape
    Z_hat = np.empty_like(Z)
    for j in range(units):
        column = [Z[i, j] for i in range(n)]
        mean = sum(column) / n
        var = sum((z - mean) ** 2 for z in column) / n            # biased: over n
        for i in range(n):
            Z_hat[i, j] = (Z[i, j] - mean) / (var + EPS) ** 0.5
    return Z, Z_hat, gamma * Z_hat + beta


def test_batch_norm_forward_is_the_formulas():
    net, X, Y = problem([{"batch_norm": True}, {"batch_norm": True}])
    layer = net.layers[0]
    layer.gamma, layer.beta = np.array([0.5, 2.0, -1.0, 1.5, 1.0]), np.array([0.1, -0.2, 0.3, 0.0, 1.0])
    net.forward(X, Y)
    Z, Z_hat, Y0 = by_hand(X, layer.W, layer.b, layer.gamma, layer.beta)
    assert np.allclose(layer.Z, Z, rtol=1e-13) and np.allclose(layer.Z_hat, Z_hat, rtol=1e-12, atol=1e-13)
    assert np.allclose(layer.A, np.tanh(Y0), rtol=1e-12, atol=1e-13)
    assert np.allclose(layer.Z_hat.mean(axis=0), 0, atol=1e-12)                     # normalised
    assert np.allclose(layer.Z_hat.var(axis=0), layer.var / (layer.var + EPS), rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("options", [
    [{"batch_norm": True}, {"batch_norm": True}],
    [{"batch_norm": True, "dropout": 0.3}, {"dropout": 0.5}],
    [{"dropout": 0.4}, {"batch_norm": True}],
    [{}, {"batch_norm": True, "dropout": 0.2}],
])
def test_every_gradient_matches_finite_differences(options, seed):
    """W, b, γ and β of every layer (the check holds the last forward's mask fixed)."""
    net, X, Y = problem(options, seed)
    net.forward(X, Y)                                  # a training forward draws the masks
    report = gradient_check(net, X, Y)
    for entry, option, layer in zip(report, options + [{}], net.layers):
        assert entry.W < 1e-6 and entry.b_max_abs < 1e-8, entry
        if option.get("batch_norm"):
            assert entry.gamma < 1e-6 and entry.beta < 1e-6, entry
            assert entry.gamma_checked == entry.beta_checked == layer.fan_out
        else:
            assert entry.gamma is None and entry.gamma_checked == 0


def test_cross_entropy_over_batch_norm_and_dropout_matches_finite_differences():
    net, X, Y = problem([{"batch_norm": True, "dropout": 0.25}, {"batch_norm": True}], seed=3,
                        loss="cross_entropy", out="softmax", sizes=(2, 6, 4, 3))
    net.forward(X, Y)
    for entry in gradient_check(net, X, Y):
        assert max(entry.W, entry.b_max_abs) < 1e-6, entry
        assert entry.gamma is None or max(entry.gamma, entry.beta) < 1e-6, entry


def test_the_input_gradient_matches_finite_differences():
    """dL/dX through both options (each sample's z moves the batch's statistics)."""
    net, X, Y = problem([{"batch_norm": True, "dropout": 0.3}, {"batch_norm": True}], seed=5)
    net.forward(X, Y)
    net.backward()
    eps, X = 1e-6, X.astype(np.longdouble)
    fd = net.copy()
    for layer in fd.layers:
        for name, value in layer.parameters():
            setattr(layer, name, value.astype(np.longdouble))
    Yl = Y.astype(np.longdouble)
    numeric = np.zeros(X.shape)
    for idx in np.ndindex(X.shape):
        up, down = X.copy(), X.copy()
        up[idx] += eps
        down[idx] -= eps
        numeric[idx] = float((fd.loss_at(up, Yl) - fd.loss_at(down, Yl)) / (2 * eps))
    assert np.linalg.norm(net.dX - numeric) / np.linalg.norm(numeric) < 1e-6


def test_b_before_batch_norm_gets_no_gradient_and_the_three_terms_sum_to_dz():
    net, X, Y = problem([{"batch_norm": True}, {"batch_norm": True}], seed=2)
    net.forward(X, Y)
    net.backward()
    layer = net.layers[0]
    assert np.abs(layer.db).max() < 1e-12 * max(1.0, np.abs(layer.dW).max())    # the mean takes b out
    n = len(X)
    inv_std = 1 / np.sqrt(layer.var + EPS)
    terms = layer.dZ_hat * inv_std + layer.dvar * 2 * (layer.Z - layer.mean) / n + layer.dmean / n
    assert np.allclose(terms, layer.dZ, rtol=1e-12, atol=1e-15)
    assert np.allclose(layer.dgamma, (layer.dY * layer.Z_hat).sum(axis=0))
    assert np.allclose(layer.dbeta, layer.dY.sum(axis=0))


def test_running_statistics_move_only_in_training_forwards_and_serve_predictions():
    net, X, Y = problem([{"batch_norm": True}], sizes=(3, 5, 2))
    layer = net.layers[0]
    net.forward(X, Y)
    Z = X @ layer.W + layer.b
    assert np.allclose(layer.running_mean, 0.1 * Z.mean(axis=0), rtol=1e-13)
    assert np.allclose(layer.running_var, 0.9 + 0.1 * Z.var(axis=0), rtol=1e-13)
    before = layer.running_mean.copy(), layer.running_var.copy()
    net.forward(X, Y, mode="fixed")                                  # a recomputation
    net.loss_at(X, Y)
    predicted = net.predict(X[:3])
    assert np.array_equal(layer.running_mean, before[0]) and np.array_equal(layer.running_var, before[1])
    # predictions normalise with the running statistics (inference), one sample at a time alike
    Z_hat = (Z[:3] - before[0]) / np.sqrt(before[1] + EPS)
    hidden = np.tanh(layer.gamma * Z_hat + layer.beta)
    out = net.layers[1]
    assert np.allclose(predicted, hidden @ out.W + out.b, rtol=1e-12)
    assert np.allclose(net.predict(X[:1]), predicted[:1], rtol=1e-13)


def test_dropout_masks_come_from_the_seed_and_are_kept_by_recomputations():
    options = [{"dropout": 0.5}, {"dropout": 0.2}]
    one, X, Y = problem(options, seed=4)
    two, _, _ = problem(options, seed=4)
    for _ in range(3):
        one.forward(X, Y)
        two.forward(X, Y)
        assert all(np.array_equal(a.mask, b.mask) for a, b in zip(one.layers[:2], two.layers[:2]))
    first = one.layers[0]
    mask, loss = first.mask.copy(), one.loss_value
    assert set(np.unique(mask)) == {0.0, 1.0} and 0 < mask.mean() < 1
    one.forward(X, Y, mode="fixed")                 # e.g. values recomputed on demand
    assert np.array_equal(first.mask, mask) and one.loss_value == loss
    one.forward(X, Y)                               # the next training forward draws anew
    assert not np.array_equal(first.mask, mask)
    # kept units are scaled by 1/(1 − p); dropped ones are 0 and pass no gradient back
    assert np.allclose(first.A, first.F * first.mask / 0.5)
    one.backward()
    dropped = first.mask == 0
    assert np.all(first.dZ[dropped] == 0)
    # predictions use no dropout
    assert np.allclose(one.layers[0].output(X, "infer"), np.tanh(X @ first.W + first.b))


def test_the_optimiser_steps_gamma_and_beta():
    net, X, Y = problem([{"batch_norm": True}, {}])
    opt = make_optimizer("adam", 0.01)
    net.forward(X, Y)
    net.backward()
    layer = net.layers[0]
    gamma, beta, dgamma = layer.gamma, layer.beta, layer.dgamma
    opt.step(net)
    assert (0, "gamma") in opt.state and (0, "beta") in opt.state and (1, "gamma") not in opt.state
    assert not np.array_equal(layer.gamma, gamma) and layer.gamma is not gamma
    assert np.all(np.sign(gamma - layer.gamma) == np.sign(dgamma)) and not np.array_equal(layer.beta, beta)


def test_options_are_checked_and_batch_norm_needs_two_samples():
    with pytest.raises(ConfigError, match="dropout"):
        problem([{"dropout": 0.95}, {}])
    with pytest.raises(ConfigError, match="one entry per hidden layer"):
        problem([{"batch_norm": True}])
    with pytest.raises(ConfigError, match="batch_norm"):
        problem([{"batch_norm": 1}, {}])
    with pytest.raises(ConfigError, match="unknown"):
        problem([{"batchnorm": True}, {}])
    net, X, Y = problem([{"batch_norm": True}, {}])
    with pytest.raises(ConfigError, match="at least 2 samples") as refused:
        Trainer(net, make_optimizer("sgd", 0.1), X, Y, batch_size=1)
    assert refused.value.field == "batch_size"
    assert isinstance(net.layers[0], OptionDense) and not isinstance(net.layers[1], OptionDense)


def trainer_with(options, batch_size=8, optimizer="adam", seed=0):
    from app.engine import make_dataset
    X, Y = make_dataset("circles", 60, seed=3)
    net = Network([2, 6, 5, 1], ["tanh", "relu", "sigmoid"], "bce", layer_options=options, seed=seed)
    return Trainer(net, make_optimizer(optimizer, 0.05), X, Y, batch_size=batch_size, seed=seed)


def same(a, b, masks=True):
    for la, lb in zip(a.network.layers, b.network.layers):
        for (name, x), (_, y) in zip(la.parameters(), lb.parameters()):
            assert np.array_equal(x, y), name
        for name in ("running_mean", "running_var") + (("mask",) if masks else ()):
            x, y = getattr(la, name, None), getattr(lb, name, None)
            assert (x is None and y is None) or np.array_equal(x, y), name
    assert a.history.losses == b.history.losses


OPTIONS = [{"batch_norm": True, "dropout": 0.3}, {"batch_norm": True, "dropout": 0.1}]


@pytest.mark.parametrize("batch_size", [8, None])
def test_a_state_dict_carries_on_bit_for_bit_in_every_phase(batch_size):
    """γ, β, the running statistics, the last masks and the dropout generator travel with the
    state (Redis, session files): a second trainer carries on exactly as the first."""
    for phase in ("fresh", "forward", "backward", "step"):
        one, two = trainer_with(OPTIONS, batch_size), trainer_with(OPTIONS, batch_size)
        one.train(13)
        if phase != "fresh":
            one.forward()
        if phase in ("backward", "step"):
            one.backward()
        if phase == "step":
            one.step()
        two.load_state_dict(one.state_dict())
        for trainer in (one, two):
            if phase == "forward":
                trainer.backward()
            trainer.train(9)
        same(one, two)


def test_rewind_restores_gamma_beta_statistics_and_the_dropout_generator():
    original, reference = trainer_with(OPTIONS), trainer_with(OPTIONS)
    reference.train(30)
    original.train(55)
    assert run_steps(original.rewind(30)) == 30
    same(original, reference, masks=False)      # a rewound trainer is fresh: no forward yet
    original.train(20)
    reference.train(20)
    same(original, reference)
    original.reset()
    fresh = trainer_with(OPTIONS)
    original.train(5)
    fresh.train(5)
    same(original, fresh)


def test_a_state_without_the_options_is_refused_by_name():
    one = trainer_with(OPTIONS)
    one.train(3)
    state = one.state_dict()
    del state["options.0.gamma"]
    with pytest.raises(ValueError, match="options.0.gamma"):
        trainer_with(OPTIONS).load_state_dict(state)
    state = one.state_dict()
    del state["dropout.rng.inc"]
    with pytest.raises(ValueError, match="dropout.rng.inc"):
        trainer_with(OPTIONS).load_state_dict(state)


def test_memory_counts_what_the_options_hold():
    from app.engine import held_bytes, peak_bytes
    plain, optioned = trainer_with(None, None), trainer_with(OPTIONS, None)
    for t in (plain, optioned):
        t.forward()
        t.backward()
    assert held_bytes(optioned) > held_bytes(plain) + 60 * 11 * 8 * 4      # ẑ, y, f(y), mask …
    assert peak_bytes(optioned) >= held_bytes(optioned)


def test_the_test_loss_is_taken_in_inference_mode():
    from app.engine import make_dataset
    X, Y = make_dataset("circles", 60, seed=3)
    net = Network([2, 6, 1], ["tanh", "sigmoid"], "bce", layer_options=[{"batch_norm": True, "dropout": 0.5}])
    t = Trainer(net, make_optimizer("adam", 0.05), X[:40], Y[:40], test=(X[40:], Y[40:]))
    t.train(20)
    P = np.clip(net.predict(X[40:]), 1e-300, 1 - 1e-16)
    expected = -np.mean(Y[40:] * np.log(P) + (1 - Y[40:]) * np.log(1 - P))
    assert np.isclose(t.test_loss(), expected, rtol=1e-10)


def test_the_step_previews_loss_after_uses_the_last_forwards_statistics_and_mask():
    t = trainer_with(OPTIONS, batch_size=None, optimizer="sgd")
    t.train(5)
    t.forward()
    t.backward()
    net = t.network
    stats = [(layer.mean, layer.var, layer.mask, layer.running_mean) for layer in net.layers[:2]]
    before = net.loss_value
    t.step()
    # the loss after the step, by hand: new weights, the forward's own μ, σ² and mask
    A = t.X
    for layer, (mean, var, mask, _) in zip(net.layers[:2], stats):
        Z = A @ layer.W + layer.b
        Y = layer.gamma * (Z - mean) / np.sqrt(var + 1e-5) + layer.beta
        F = layer.activation.forward(Y)
        A = F * mask / (1 - layer.rate)
    out = net.layers[2]
    Z = A @ out.W + out.b
    after = net.loss.value(Z, out.activation.forward(Z), t.Y)
    assert np.isclose(t.step_preview["actual"], after - before, rtol=1e-10, atol=1e-15)
    for layer, (_, _, _, running) in zip(net.layers[:2], stats):
        assert np.array_equal(layer.running_mean, running)             # nothing moved
