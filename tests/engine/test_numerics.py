"""Activations and losses at their edges: saturation, kinks, divergence, refused pairings."""
import warnings

import numpy as np
import pytest

from app.engine import Network, Trainer, get_activation, get_loss, make_dataset, make_optimizer


def test_sigmoid_saturates_without_warnings():
    z = np.array([-1e4, -800.0, -30.0, 0.0, 30.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = get_activation("sigmoid").forward(z)
    assert a[0] == 0.0 and a[-1] == 1.0 and a[3] == 0.5
    assert np.all(np.diff(a) >= 0)


def extended_reference_points():
    """z over the whole float range: dense near 0 (where cancellation lurks), both signs, edges."""
    tiny = np.geomspace(1e-300, 30.0, 20_000)
    return np.concatenate([-tiny, tiny, np.linspace(-40.0, 40.0, 20_001),
                           [0.0, -0.0, 1e4, -1e4, 710.0, -710.0, np.inf, -np.inf]])


def relative_errors(values, reference):
    """|value − reference| / |reference|, where a reference below float64's smallest normal
    number counts as that number (float64 has no relative precision down there)."""
    scale = np.maximum(np.abs(reference.astype(np.longdouble)), np.finfo(np.float64).tiny)
    return np.abs(values.astype(np.longdouble) - reference) / scale


def test_tanh_agrees_with_extended_precision_everywhere():
    z = extended_reference_points()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = get_activation("tanh").forward(z)
    # within 4e-15 relative (≈ 17 ulp); np.tanh itself is within 2.5e-16 on these points
    assert relative_errors(a, np.tanh(z.astype(np.longdouble))).max() < 4e-15
    assert np.array_equal(np.signbit(a), np.signbit(z))           # odd, −0.0 included
    assert a[-2:].tolist() == [1.0, -1.0] and np.isnan(get_activation("tanh").forward(np.array([np.nan])))[0]
    z = np.array([1e-300, 1e-12, -3e-5, 0.0099])     # near 0, the series z − z³/3 + 2z⁵/15 − 17z⁷/315
    series = z - z ** 3 / 3 + 2 * z ** 5 / 15 - 17 * z ** 7 / 315
    assert np.allclose(get_activation("tanh").forward(z), series, rtol=1e-15, atol=0)


def test_activations_take_plain_numbers_and_lists():
    for name, f in [("tanh", np.tanh), ("sigmoid", lambda z: 1 / (1 + np.exp(-z)))]:
        activation = get_activation(name)
        assert float(activation.forward(0.5)) == pytest.approx(f(0.5), rel=1e-15)
        assert float(activation.forward(-0.003)) == pytest.approx(f(-0.003), rel=1e-15)
        assert np.allclose(activation.forward([[0.0, -2], [3, 0.001]]), f(np.array([[0.0, -2], [3, 0.001]])),
                           rtol=1e-15, atol=0)


def test_tanh_keeps_the_shape_and_longdouble_precision():
    Z = np.array([[0.3, -0.004], [2.0, -7.5]], dtype=np.longdouble)   # as gradient_check passes it
    A = get_activation("tanh").forward(Z)
    assert A.shape == Z.shape and A.dtype == np.longdouble
    assert np.abs(A - np.tanh(Z)).max() < 1e-18


def test_tanh_of_a_transposed_or_strided_array_is_just_as_exact():
    C = np.array([[1e-9, 0.5, -2e-3], [0.002, -0.003, 3.0], [1.0, 4e-4, -1e-12]])
    for Z in (C.T, C[:, ::2], np.asfortranarray(C)):
        A = get_activation("tanh").forward(Z)
        reference = np.tanh(Z.astype(np.longdouble))
        assert A.shape == Z.shape and relative_errors(A, reference).max() < 4e-15


def test_sigmoid_agrees_with_extended_precision_everywhere():
    z = extended_reference_points()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = get_activation("sigmoid").forward(z)
    reference = 1 / (1 + np.exp(-z.astype(np.longdouble)))
    assert relative_errors(a, reference).max() < 1e-15


def test_activation_derivatives_by_hand():
    z = np.array([-2.0, -0.0, 0.0, 3.0])
    relu, leaky = get_activation("relu"), get_activation("leaky_relu", alpha=0.2)
    assert list(relu.derivative(z, relu.forward(z))) == [0.0, 0.0, 0.0, 1.0]
    assert list(leaky.forward(z)) == [-0.4, 0.0, 0.0, 3.0]
    assert list(leaky.derivative(z, leaky.forward(z))) == [0.2, 0.2, 0.2, 1.0]
    a = np.tanh(z)
    assert np.allclose(get_activation("tanh").derivative(z, a), 1 / np.cosh(z) ** 2)
    s = get_activation("sigmoid")
    assert s.derivative(z, s.forward(z))[3] == pytest.approx(np.exp(-3) / (1 + np.exp(-3)) ** 2)


def test_softmax_is_stable_and_sums_to_one():
    A = get_activation("softmax").forward(np.array([[1000.0, 1000.0, -1000.0], [1.0, 2.0, 3.0]]))
    assert np.allclose(A.sum(axis=1), 1)
    assert A[0, 0] == pytest.approx(0.5)
    e = np.exp([1.0, 2.0, 3.0])
    assert np.allclose(A[1], e / e.sum())


def test_losses_by_hand():
    A = np.array([[0.2], [0.9]])
    Y = np.array([[0.0], [1.0]])
    Z = np.log(A / (1 - A))                            # the logits of A
    assert get_loss("mse").value(Z, A, Y) == pytest.approx(0.5 * (0.04 + 0.01) / 2)
    assert get_loss("bce").value(Z, A, Y) == pytest.approx(-(np.log(0.8) + np.log(0.9)) / 2)
    Zs = np.array([[1.0, 2.0, 0.5]])
    As = np.exp(Zs) / np.exp(Zs).sum()
    Ys = np.array([[0.0, 1.0, 0.0]])
    assert get_loss("cross_entropy").value(Zs, As, Ys) == pytest.approx(-np.log(As[0, 1]))


def test_saturated_sigmoid_bce_stays_finite():
    net = Network([1, 1], ["sigmoid"], "bce", params=[([[1.0]], [0.0])])
    X, Y = np.array([[800.0], [-800.0]]), np.array([[0.0], [1.0]])   # confidently wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = net.forward(X, Y)
        net.backward()
    assert loss == pytest.approx(800.0)
    assert np.isfinite(net.layers[0].dW).all()
    assert net.layers[0].dW[0, 0] == pytest.approx((800 * 1 + -800 * -1) / 2)


@pytest.mark.parametrize("activations,loss,message", [
    (["tanh", "tanh"], "bce", "sigmoid"),
    (["tanh", "sigmoid"], "cross_entropy", "softmax"),
    (["softmax", "softmax"], "cross_entropy", "output layer"),
    (["tanh", "swish"], "mse", "unknown activation"),
    (["tanh", "linear"], "hinge", "unknown loss"),
])
def test_meaningless_pairs_are_refused(activations, loss, message):
    with pytest.raises(ValueError, match=message):
        Network([2, 3, 2], activations, loss)


def test_explicit_params_are_shape_checked():
    with pytest.raises(ValueError, match=r"params\[0\].W must have shape \(2, 3\)"):
        Network([2, 3, 1], ["tanh", "sigmoid"], "bce", params=[([[1.0, 2.0]], [0, 0, 0]), ([[1], [1], [1]], [0])])
    with pytest.raises(ValueError, match="params has 1 layers, need 2"):
        Network([2, 3, 1], ["tanh", "sigmoid"], "bce", params=[(np.zeros((2, 3)), np.zeros(3))])


def test_initialisers_have_their_scales():
    rng = np.random.default_rng(0)
    xavier = Network([200, 100], ["tanh"], "mse", rng=rng).layers[0].W
    he = Network([200, 100], ["relu"], "mse", rng=rng).layers[0].W
    assert np.abs(xavier).max() <= np.sqrt(6 / 300)
    assert xavier.std() == pytest.approx(np.sqrt(2 / 300), rel=0.05)
    assert he.std() == pytest.approx(np.sqrt(2 / 200), rel=0.05)


def test_divergence_is_flagged_without_exception_or_warnings():
    X, Y = make_dataset("sine", n=50, seed=0)
    trainer = Trainer(Network([1, 8, 1], ["relu", "linear"], "mse", seed=0),
                      make_optimizer("sgd", 1e6), X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses = trainer.train(100)
    assert not np.isfinite(losses[-1])
    assert len(losses) < 100            # stops at the first non-finite loss
    assert trainer.diverged


def test_minibatches_cover_every_point_each_epoch():
    from app.engine import Batches
    batches = Batches(10, size=3, seed=1)
    seen = np.concatenate([batches.next() for _ in range(3)])
    assert len(set(seen.tolist())) == 9          # one epoch: three distinct batches of 3
    assert Batches(10).next().tolist() == list(range(10))


def test_given_points_are_checked():
    from app.engine import given_points
    with pytest.raises(ValueError, match="rows"):
        given_points([[0.0, 1.0]], [[1.0], [0.0]])
    with pytest.raises(ValueError, match="finite"):
        given_points([[0.0, float("nan")]], [[1.0]])
