"""Trainer.state_dict / load_state_dict: a trainer built from the same configuration carries on
bit for bit, whatever phase the state was taken in."""
import numpy as np
import pytest

from app.engine import Network, Trainer, make_dataset, make_optimizer

from .helpers import same, snapshot


def build(optimizer="adam", batch_size=None):
    X, Y = make_dataset("moons", n=90, seed=2)
    net = Network([2, 5, 4, 1], ["tanh", "leaky_relu", "sigmoid"], "bce", seed=7)
    return Trainer(net, make_optimizer(optimizer, 0.05), X, Y, batch_size=batch_size, seed=3)


def moved(trainer, state):
    """A fresh trainer of the same configuration, carrying on from `state`."""
    other = build(trainer.optimizer.name, trainer.batches.size)
    other.load_state_dict(state)
    return other


PHASES = [[], ["forward"], ["forward", "backward"], ["forward", "backward", "step"]]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [None, 16])
@pytest.mark.parametrize("phases", PHASES, ids=["fresh", "forward", "backward", "updated"])
def test_a_loaded_state_carries_on_bit_for_bit(optimizer, batch_size, phases):
    original = build(optimizer, batch_size)
    original.train(11)
    for phase in phases:
        getattr(original, phase)()
    copy = moved(original, original.state_dict())
    original.network.replay()
    copy.network.replay()
    same(snapshot(original), snapshot(copy))
    assert copy.steps == original.steps and copy.history.losses == original.history.losses
    for t in (original, copy):
        if t.network.phase.value == "forward":
            t.backward()
        if t.network.phase.value == "backward":
            t.step()
    assert original.train(25) == copy.train(25)
    for a, b in zip(original.network.get_params(), copy.network.get_params()):
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_phases_alternating_between_two_trainers_match_one():
    """Forward on A, backward on B, step on A, train on B: as one trainer would."""
    one = build("momentum", 16)
    a, b = build("momentum", 16), build("momentum", 16)
    steps = ["forward", "backward", "step", "forward", "backward", "step"]
    here, there = a, b
    for phase in steps:
        getattr(one, phase)()
        getattr(here, phase)()
        here, there = there, here
        here.load_state_dict(there.state_dict())
        here.network.replay()
        one.network.replay()
        same(snapshot(one), snapshot(here))
    assert one.train(20) == here.train(20)


def test_a_state_that_does_not_fit_is_refused_by_name_and_changes_nothing():
    original = build()
    original.train(3)
    state = original.state_dict()
    bad = dict(state)
    bad["params.1.W"] = np.zeros((3, 3))
    target = build()
    before = target.state_dict()
    with pytest.raises(ValueError, match="params.1.W"):
        target.load_state_dict(bad)
    assert all(np.array_equal(before[k], v) if isinstance(v, np.ndarray) else before[k] == v
               for k, v in target.state_dict().items())
    missing = {k: v for k, v in state.items() if k != "optimizer.0.W.v"}
    with pytest.raises(ValueError, match="optimizer.0.W.v"):
        build().load_state_dict(missing)


def test_the_state_is_arrays_and_plain_numbers_only():
    t = build("adam", 16)
    t.train(5)
    t.forward()
    for name, value in t.state_dict().items():
        assert isinstance(value, (np.ndarray, int, float, str, type(None))), name
        if isinstance(value, np.ndarray):
            assert value.dtype in (np.float64, np.int64), name
