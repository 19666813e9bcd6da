"""Past states: looking back at earlier updates, and carrying on from one exactly."""
import gc
import numpy as np
import pytest

from app.engine import Network, Trainer, make_dataset, make_optimizer
from app.engine.bookkeeping.past import OLDER, RECENT


def trainer(name, batch_size=16, layers=(2, 6, 1), **settings):
    X, Y = make_dataset("circles", 80, seed=5)
    net = Network(list(layers), ["tanh"] * (len(layers) - 2) + ["sigmoid"], "bce", seed=3)
    return Trainer(net, make_optimizer(name, 0.1, **settings), X, Y, batch_size=batch_size, seed=9)


def same_trainers(a, b):
    for la, lb in zip(a.network.layers, b.network.layers):
        assert np.array_equal(la.W, lb.W) and np.array_equal(la.b, lb.b)
    assert a.steps == b.steps and a.optimizer.t == b.optimizer.t
    assert a.history.steps == b.history.steps and a.history.losses == b.history.losses
    for key, value in a.optimizer.state.items():
        other = b.optimizer.state[key]
        for x, y in zip(value if isinstance(value, tuple) else [value], other if isinstance(other, tuple) else [other]):
            assert np.array_equal(x, y)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [16, None])
def test_a_rewound_trainer_trains_on_exactly_as_the_first_time(name, batch_size):
    original = trainer(name, batch_size)
    original.train(37)
    reference = trainer(name, batch_size)
    reference.train(37)
    original.train(50)                         # on to step 87, then back to 37
    assert original.rewind(37) == 37
    same_trainers(original, reference)
    original.train(20)
    reference.train(20)
    same_trainers(original, reference)
    # a phase by phase step after a rewind too
    original.rewind(40)
    again = trainer(name, batch_size)
    again.train(40)
    for t in (original, again):
        t.forward(), t.backward(), t.step()
    same_trainers(original, again)


def test_rewind_goes_to_the_nearest_kept_step_at_or_before():
    t = trainer("sgd")
    t.train(1000)
    kept = t.past.steps()
    assert kept[0] == 0 and kept[-RECENT:] == list(range(1000 - RECENT + 1, 1001))
    older = [s for s in kept if s < 1000 - RECENT + 1]
    target = older[len(older) // 2] + 1                # between two kept older steps
    if target in kept:
        target += 1
    expected = max(s for s in kept if s <= target)
    assert t.rewind(target) == expected and t.steps == expected
    assert t.history.steps[-1] == expected and t.past.steps()[-1] == expected
    assert t.rewind(-5) == 0 and t.steps == 0           # before everything: the start
    assert t.history.steps == []


def test_nearest_is_the_closest_kept_step():
    t = trainer("sgd")
    t.train(500)
    kept = t.past.steps()
    for step in (0, 3, 250, 401, 499, 500, 10_000):
        best = min(kept, key=lambda s: (abs(s - step), s))
        assert t.past.nearest(step).step == best


def test_past_states_stay_within_bounds_over_10000_steps():
    t = trainer("adam")
    for _ in range(10):
        t.train(1000)
        assert len(t.past.states) <= RECENT + OLDER + 2
        assert t.past.bytes <= t.past.budget
        assert t.past.bytes == sum(s.nbytes for s in t.past.states)
        steps = t.past.steps()
        assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == t.steps
        assert steps[-RECENT:] == list(range(t.steps - RECENT + 1, t.steps + 1))
    # the references are the trainer's own arrays, not copies: the newest is the current W
    assert t.past.states[-1].params[0][0] is t.network.layers[0].W


def test_a_big_net_keeps_fewer_states_within_its_budget():
    X, Y = make_dataset("xor", 50, seed=0)
    net = Network([2, 64, 64, 64, 1], ["tanh"] * 3 + ["sigmoid"], "bce")
    t = Trainer(net, make_optimizer("adam", 0.01), X, Y)
    t.train(150)
    per_state = t.past.states[-1].nbytes
    assert per_state > 200_000 and t.past.bytes <= t.past.budget
    assert t.past.steps()[0] == 0 and t.past.steps()[-1] == 150
    assert len(t.past.states) <= t.past.budget // per_state + 1


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_kept_states_and_norms_are_out_of_the_garbage_collectors_sight(name):
    """A class holds tens of thousands of past states: as tracked objects they made every full
    collection of a server walk them (70-130 ms pauses)."""
    t = trainer(name)
    t.train(300)
    for _ in range(10):         # a collection untracks the tuples that hold no container,
        gc.collect()            # nested ones over a few collections
    assert len(t.past.kept) > RECENT
    assert not any(gc.is_tracked(state) for state in t.past.kept)
    assert not any(gc.is_tracked(norms) for norms in t.norm_history.norms)
    kept = t.past.steps()[len(t.past.kept) // 2]
    assert t.rewind(kept) == kept               # still the states a rewind needs
    assert t.past.states[-1].step == kept and isinstance(t.past.states[-1].memory, tuple)
