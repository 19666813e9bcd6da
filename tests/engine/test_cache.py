"""Cached values let go to save memory come back exactly: the same arrays, the same next steps."""
import pytest

from app.engine import Network, Trainer, held_bytes, make_dataset, make_optimizer, peak_bytes

from .helpers import same, snapshot


OPTIONS = [{"batch_norm": True, "dropout": 0.3}, {"batch_norm": True}]


def trainer(batch_size=None, optimizer="adam", layer_options=None):
    X, Y = make_dataset("circles", n=120, seed=3)
    net = Network([2, 6, 5, 1], ["tanh", "relu", "sigmoid"], "bce", seed=4, layer_options=layer_options)
    return Trainer(net, make_optimizer(optimizer, 0.1), X, Y, batch_size=batch_size, seed=5)


@pytest.mark.parametrize("layer_options", [None, OPTIONS], ids=["plain", "batch-norm-and-dropout"])
@pytest.mark.parametrize("batch_size", [None, 32])
@pytest.mark.parametrize("phases", [["forward"], ["forward", "backward"],
                                    ["forward", "backward", "step"], ["forward", "backward", "step", "forward"]])
def test_a_dropped_cache_is_replayed_bit_for_bit(batch_size, phases, layer_options):
    """After a step too: the values of the forward before it come back with the parameters that
    forward used, batch norm's γ and β included (the step moves them; they were taken as they
    were after it, found by tests/sessions/test_roundtrip.py)."""
    t = trainer(batch_size, layer_options=layer_options)
    t.train(7)                                  # the optimiser has memory, batches have moved on
    for phase in phases:
        getattr(t, phase)()
    before = snapshot(t)
    held = held_bytes(t)
    t.drop_cache()
    assert held_bytes(t) < held and t.network.layers[1].Z is None
    t.network.replay()
    same(before, snapshot(t))


@pytest.mark.parametrize("phases", [["forward"], ["forward", "backward"], ["forward", "backward", "step"]])
def test_after_a_dropped_cache_the_session_goes_on_exactly_as_its_twin(phases):
    dropped, twin = trainer(16), trainer(16)
    for t in (dropped, twin):
        t.train(5)
        for phase in phases:
            getattr(t, phase)()
    dropped.drop_cache()                       # and nobody replays it before the next phase
    for phase in ("forward", "backward", "step", "forward", "backward"):
        if phase == "backward" and twin.network.phase.value == "updated":
            continue
        if phase == "step" and twin.network.phase.value != "backward":
            continue
        getattr(dropped, phase)()
        getattr(twin, phase)()
        same(snapshot(twin), snapshot(dropped))
    assert dropped.train(20) == twin.train(20)


def test_backward_right_after_a_dropped_forward_needs_no_replay_by_the_caller():
    t, twin = trainer(), trainer()
    for x in (t, twin):
        x.forward()
    t.drop_cache()
    t.backward()
    twin.backward()
    same(snapshot(twin), snapshot(t))


def test_peak_bytes_bounds_what_a_trainer_holds():
    for batch_size in (None, 10):
        t = trainer(batch_size)
        peak = peak_bytes(t)
        assert held_bytes(t) < peak
        t.train(5000)                          # a full loss history
        t.forward()
        t.backward()
        assert held_bytes(t) <= peak


def test_the_largest_session_is_about_81_mb_at_its_peak():
    X, Y = make_dataset("xor", n=5000, seed=0)
    net = Network([2] + [64] * 7 + [1], ["tanh"] * 7 + ["sigmoid"], "bce")
    t = Trainer(net, make_optimizer("adam", 0.01), X, Y)
    t.forward()
    t.backward()
    held = held_bytes(t)
    # 5,000 rows x (7 x 64 + 1) units x Z, A, dA, dZ x 8 bytes = 71.8 MB, plus dL/dX and the data
    assert 70e6 < held <= peak_bytes(t) < 90e6


@pytest.mark.parametrize("dataset, specs", [
    ("glyphs", [{"type": "conv2d", "channels": 8, "kernel": 3, "stride": 1, "padding": 1, "activation": "relu"},
                {"type": "maxpool2d", "size": 2}, {"type": "flatten"},
                {"type": "dense", "units": 4, "activation": "softmax"}]),
    ("reverse", [{"type": "attention", "d_k": 16, "d_v": 16, "causal": True},
                 {"type": "dense", "units": 32, "activation": "tanh"}, {"type": "dense", "units": 4, "activation": "softmax"}]),
], ids=["cnn", "attention"])
def test_peak_bytes_bounds_what_a_cnn_or_a_head_holds(dataset, specs):
    X, Y = make_dataset(dataset, n=300, seed=0)
    t = Trainer(Network.of_specs(X.shape[1:], specs, "cross_entropy"), make_optimizer("adam", 0.01), X, Y)
    peak = peak_bytes(t)
    t.train(300)
    t.forward()
    t.backward()
    assert held_bytes(t) <= peak < 4 * held_bytes(t)
