"""Past states: any earlier update reached exactly, by replaying from a checkpoint kept before it,
and carrying on from there as the first time."""
import gc

import numpy as np
import pytest

from app.engine import Network, PhaseError, Trainer, make_dataset, make_optimizer
from app.engine.bookkeeping.past import CAP, MAX_KEPT
from app.engine.steps import run_steps


def trainer(name="adam", batch_size=16, layers=(2, 6, 1), layer_options=None, **settings):
    X, Y = make_dataset("circles", 80, seed=5)
    net = Network(list(layers), ["tanh"] * (len(layers) - 2) + ["sigmoid"], "bce", seed=3,
                  layer_options=layer_options)
    return Trainer(net, make_optimizer(name, 0.1, **settings), X, Y, batch_size=batch_size, seed=9)


def same_trainers(a, b):
    for la, lb in zip(a.network.layers, b.network.layers):
        assert np.array_equal(la.W, lb.W) and np.array_equal(la.b, lb.b)
        for name in ("gamma", "beta", "running_mean", "running_var"):
            assert np.array_equal(getattr(la, name, None), getattr(lb, name, None))
    assert a.steps == b.steps and a.optimizer.t == b.optimizer.t
    assert a.history.steps == b.history.steps and a.history.losses == b.history.losses
    assert a.optimizer.state.keys() == b.optimizer.state.keys()
    for key, value in a.optimizer.state.items():
        other = b.optimizer.state[key]
        for x, y in zip(value if isinstance(value, tuple) else [value], other if isinstance(other, tuple) else [other]):
            assert np.array_equal(x, y)


OPTIONS = [{"batch_norm": True, "dropout": 0.3}, {"dropout": 0.2}]


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size,options", [(16, None), (None, None), (16, OPTIONS)],
                         ids=["minibatches", "full-batch", "batch-norm-and-dropout"])
def test_a_rewound_trainer_trains_on_exactly_as_the_first_time(name, batch_size, options):
    layers = (2, 6, 5, 1) if options else (2, 6, 1)
    original = trainer(name, batch_size, layers, options)
    original.train(37)
    reference = trainer(name, batch_size, layers, options)
    reference.train(37)
    original.train(50)                         # on to step 87, then back to 37
    assert run_steps(original.rewind(37)) == 37
    same_trainers(original, reference)
    original.train(20)
    reference.train(20)
    same_trainers(original, reference)
    # a phase by phase step after a rewind too
    run_steps(original.rewind(40))
    again = trainer(name, batch_size, layers, options)
    again.train(40)
    for t in (original, again):
        t.forward(), t.backward(), t.step()
    same_trainers(original, again)


def test_any_step_of_a_long_run_is_reached_bit_for_bit():
    """After 10,000 steps the states were [0, 9601..10000] and a rewind to 5,000 landed on 0.
    Now checkpoints are spread over the run and any step is replayed from the nearest before it."""
    t = trainer(layer_options=None, layers=(2, 6, 5, 1))
    t.train(10_000)
    kept = t.past.steps()
    assert kept[0] == 0 and kept[-1] > 10_000 - t.past.stride and len(kept) <= CAP + 2
    assert max(np.diff(kept)) <= t.past.stride and t.past.reachable(10_000) == [[0, 10_000]]
    for step in (5_000, 4_999, 1, 9_999):
        fresh = trainer(layers=(2, 6, 5, 1))
        fresh.train(step)
        twin = run_steps(t.replayed(step))
        assert all(np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
                   for a, b in zip(twin.network.layers, fresh.network.layers)), step
    assert t.steps == 10_000                       # looking back changes nothing
    run_steps(t.rewind(5_000))
    fresh = trainer(layers=(2, 6, 5, 1))
    fresh.train(5_000)
    t.train(300)
    fresh.train(300)
    assert all(np.array_equal(a.W, b.W) for a, b in zip(t.network.layers, fresh.network.layers))


def test_a_run_that_is_not_plain_training_is_replayed_through_its_anchors():
    """Extra forwards (a batch drawn and not stepped) and a weight set by hand are places a replay
    cannot cross: a state is kept right there, and every step is still reached as it was."""
    t = trainer()
    script = ["train"] * 30 + ["forward", "forward", "backward", "step"] + ["train"] * 5 + ["edit"] + \
             ["train"] * 40 + ["forward", "edit", "forward", "backward", "step"] + ["train"] * 200
    seen = {}
    for action in script:
        if action == "train":
            t.train(1)
        elif action == "edit":
            t.set_weight(0, "W", {"i": 1, "j": 2}, 0.25)
        else:
            getattr(t, action)()
        seen[t.steps] = [(layer.W.copy(), layer.b.copy()) for layer in t.network.layers]
    assert t.past.reachable(t.steps) == [[0, t.steps]]
    for step, params in seen.items():
        twin = run_steps(t.replayed(step))
        assert all(np.array_equal(layer.W, W) and np.array_equal(layer.b, b)
                   for layer, (W, b) in zip(twin.network.layers, params)), step


def test_a_step_out_of_reach_or_to_come_is_a_phase_error():
    t = trainer(layers=(2, 64, 64, 1))
    t.past.budget = 3 * t.past.states[0].nbytes        # room for about three states
    for k in range(12):
        t.train(3)
        t.set_weight(0, "W", {"i": 0, "j": 0}, 0.1 * k)          # an anchor every 3 steps
    reach = t.past.reachable(t.steps)
    assert reach[0][0] == 0 and reach[-1][1] == t.steps and len(reach) > 1
    missing = reach[0][1] + 1                         # the first step no replay reaches
    with pytest.raises(PhaseError, match=f"step {missing} cannot be reached"):
        run_steps(t.replayed(missing))
    with pytest.raises(PhaseError, match="has made 36 updates"):
        run_steps(t.replayed(37))


def test_past_states_stay_within_bounds_over_10000_steps():
    t = trainer("adam")
    for _ in range(10):
        t.train(1000)
        assert len(t.past.kept) <= MAX_KEPT and t.past.bytes <= t.past.budget
        steps = t.past.steps()
        assert steps == sorted(steps) and steps[0] == 0 and steps[-1] > t.steps - t.past.stride
    # the references are the trainer's own arrays, not copies: a state kept now holds the current W
    t.set_weight(0, "b", {"i": 0}, 0.5)
    assert t.past.states[-1].state()["params.0.W"] is t.network.layers[0].W


def test_a_big_net_keeps_fewer_states_within_its_budget():
    X, Y = make_dataset("xor", 50, seed=0)
    net = Network([2, 64, 64, 64, 1], ["tanh"] * 3 + ["sigmoid"], "bce")
    t = Trainer(net, make_optimizer("adam", 0.01), X, Y)
    t.train(150)
    per_state = t.past.states[-1].nbytes
    assert per_state > 200_000 and t.past.bytes <= t.past.budget + per_state
    assert t.past.steps()[0] == 0
    assert t.past.reachable(150) == [[0, 150]]         # fewer states, longer replays, every step


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_kept_states_and_norms_are_out_of_the_garbage_collectors_sight(name):
    """A class holds thousands of past states: as tracked objects they made every full
    collection of a server walk them (70-130 ms pauses)."""
    t = trainer(name)
    t.train(300)
    for _ in range(10):         # a collection untracks the tuples that hold no container,
        gc.collect()            # nested ones over a few collections
    assert len(t.past.kept) > 10
    assert not any(gc.is_tracked(past) for past in t.past.kept)
    assert not any(gc.is_tracked(norms) for norms in t.norm_history.norms)
    kept = t.past.steps()[len(t.past.kept) // 2]
    assert run_steps(t.rewind(kept)) == kept       # still the states a rewind needs
