"""A small CNN in the engine: every service a dense stack has works for the new layer kinds (the
phases, the optimisers, a penalty, the finite-difference check, the state and past states)."""
import numpy as np
import pytest

from app.engine import Network, Trainer, gradient_check, make_optimizer
from app.engine.errors import ConfigError
from app.engine.regularization import Regularization
from app.engine.steps import run_steps

SPECS = [{"type": "conv2d", "channels": 3, "kernel": 3, "stride": 1, "padding": 1, "activation": "relu"},
         {"type": "maxpool2d", "size": 2},
         {"type": "conv2d", "channels": 2, "kernel": 3, "stride": 1, "padding": 0, "activation": "tanh"},
         {"type": "flatten"},
         {"type": "dense", "units": 5, "activation": "tanh"},
         {"type": "dense", "units": 3, "activation": "softmax"}]


def images(n=24, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2, 8, 8))
    Y = np.eye(3)[rng.integers(0, 3, n)]
    return X, Y


def cnn(optimizer="adam", batch_size=8, regularization=None, specs=SPECS):
    X, Y = images()
    net = Network.of_specs((2, 8, 8), specs, "cross_entropy", seed=4, regularization=regularization)
    return Trainer(net, make_optimizer(optimizer, 0.05), X, Y, batch_size=batch_size, seed=9)


def test_the_shapes_follow_the_layers():
    net = cnn().network
    assert net.shapes == [(3, 8, 8), (3, 4, 4), (2, 2, 2), (8,), (5,), (3,)]
    assert [layer.W.shape if layer.W is not None else None for layer in net.layers] == \
        [(3, 2, 3, 3), None, (2, 3, 3, 3), None, (8, 5), (5, 3)]


@pytest.mark.parametrize("regularization", [None, Regularization("l2", 0.01), Regularization("l1", 0.01)])
def test_every_parameter_matches_finite_differences(regularization):
    t = cnn(regularization=regularization)
    t.train(3)
    t.forward()
    t.backward()
    report = gradient_check(t.network, t.network.X, t.network.Y)
    checked = [entry for entry in report if entry.W is not None]
    assert len(checked) == 4 and all(entry.W < 1e-6 and entry.b < 1e-6 for entry in checked), report


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_a_cnn_learns_and_its_state_carries_on_bit_for_bit(optimizer):
    t = cnn(optimizer)
    first = t.train(1)[0]
    losses = t.train(60)
    assert losses[-1] < first
    other = cnn(optimizer)
    other.load_state_dict(t.state_dict())
    for trainer in (t, other):
        trainer.forward(), trainer.backward(), trainer.step()
        trainer.train(5)
    for a, b in zip(t.network.layers, other.network.layers):
        assert (a.W is None and b.W is None) or (np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b))


def test_any_step_of_a_cnn_is_reached_again_exactly():
    t = cnn()
    t.train(200)
    fresh = cnn()
    fresh.train(77)
    twin = run_steps(t.replayed(77))
    for a, b in zip(twin.network.layers, fresh.network.layers):
        assert (a.W is None) or (np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b))
    run_steps(t.rewind(77))
    t.train(10)
    fresh.train(10)
    assert all(a.W is None or np.array_equal(a.W, b.W) for a, b in zip(t.network.layers, fresh.network.layers))


@pytest.mark.parametrize("specs,field,words", [
    ([{"type": "dense", "units": 4, "activation": "tanh"}, {"type": "dense", "units": 3, "activation": "softmax"}],
     "layers[0]", "needs a flatten before it"),
    ([{"type": "conv2d", "channels": 2, "kernel": 7, "stride": 1, "padding": 0, "activation": "relu"},
      {"type": "conv2d", "channels": 2, "kernel": 5, "stride": 1, "padding": 1, "activation": "relu"},
      {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}],
     "layers[1]", "larger than its input 2×2×2 padded by 1"),
    ([{"type": "flatten"}, {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}],
     "layers[1]", "flatten takes an image"),
    ([{"type": "conv2d", "channels": 2, "kernel": 3, "stride": 1, "padding": 0, "activation": "relu"}],
     "layers[0]", "the last layer must be dense"),
    ([{"type": "maxpool2d", "size": 3}, {"type": "maxpool2d", "size": 3}, {"type": "flatten"},
      {"type": "dense", "units": 3, "activation": "softmax"}], "layers[1]", "larger than its input"),
    ([{"type": "lstm"}], "layers[0]", "unknown layer type"),
])
def test_a_shape_that_does_not_fit_names_the_layer_and_the_shapes(specs, field, words):
    with pytest.raises(ConfigError) as refused:
        Network.of_specs((2, 8, 8), specs, "cross_entropy")
    assert refused.value.field == field and words in str(refused.value)
