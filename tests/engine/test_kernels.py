"""The tuned path (engine/kernels.py) against the plain math a learner reads: the same numbers,
to the stated tolerance, for activations, a layer's forward and backward, and whole trainings."""
import numpy as np
import pytest

from app.engine import Network, Trainer, get_activation, make_dataset, make_optimizer
from app.engine.layers.dense import Dense
from app.engine.kernels import TunedDense

RNG = np.random.default_rng(12)
Z = np.concatenate([RNG.normal(0, 3, 20000), RNG.normal(0, 0.005, 2000), [0.0, -0.0, 40.0, -40.0, 750.0, -750.0]])


@pytest.mark.parametrize("name", ["sigmoid"])
def test_a_tuned_activation_is_its_reference_within_4e_15(name):
    tuned, plain = get_activation(name), get_activation(name, tuned=False)
    assert type(tuned) is not type(plain) and isinstance(tuned, type(plain))
    with np.errstate(over="raise", invalid="raise"):        # neither overflows
        a, b = tuned.forward(Z), plain.forward(Z)
    assert np.allclose(a, b, rtol=4e-15, atol=1e-300)
    matrix = Z[:600].reshape(30, 20)
    assert np.allclose(tuned.forward(matrix.T), plain.forward(matrix.T), rtol=4e-15, atol=1e-300)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "relu", "linear"])
def test_a_tuned_layer_is_its_reference_within_1e_13(activation):
    W, b = RNG.normal(size=(5, 3)), RNG.normal(size=3)
    A_prev, dA = RNG.normal(size=(40, 5)), RNG.normal(size=(40, 3))
    tuned = TunedDense(W, b, get_activation(activation))
    plain = Dense(W, b, get_activation(activation, tuned=False))
    assert np.allclose(tuned.forward(A_prev), plain.forward(A_prev), rtol=1e-13, atol=1e-15)
    for got, want in zip((tuned.backward(dA), tuned.dW, tuned.db), (plain.backward(dA), plain.dW, plain.db)):
        assert np.allclose(got, want, rtol=1e-13, atol=1e-15)


def test_training_on_the_tuned_path_is_training_on_the_reference():
    X, Y = make_dataset("spiral", n=200, seed=1)
    runs = []
    for tuned in (True, False):
        net = Network([2, 8, 8, 1], ["tanh", "tanh", "sigmoid"], "bce", seed=5, tuned=tuned)
        runs.append(Trainer(net, make_optimizer("adam", 0.01), X, Y).train(300))
    assert np.allclose(runs[0], runs[1], rtol=1e-10)
