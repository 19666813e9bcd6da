"""Past states of a trainer, to look back at and to carry on from: every one of the last 100
updates, and older ones thinned (every second dropped when there are too many), within a byte
budget. Each holds what an exact continuation needs. An update puts new W, b and optimiser
arrays in place and never writes into the old ones, so a past state keeps references, not copies.

A class keeps tens of thousands of past states. Each is stored as a plain tuple of arrays,
numbers and tuples, which Python's garbage collector stops tracking (it holds no container that
could form a cycle), so a full collection does not walk them: as objects they made a server's
collections take 70-130 ms, a pause for every request."""
from typing import NamedTuple

import numpy as np

RECENT = 100               # the last updates, every one kept
OLDER = 100                # older ones kept at most, thinned
BUDGET_BYTES = 4 * 2**20   # a session's past states hold at most this much


class PastState(NamedTuple):
    step: int
    params: tuple                # ((W, b) of each layer)
    memory: tuple                # the optimiser's state as ((layer, "W" | "b"), its arrays) pairs
    t: int
    order: np.ndarray | None     # where the minibatch draws stood (None: the full batch)
    pos: int
    rng: tuple | None            # the PCG64 generator's (state, inc, has_uint32, uinteger)
    nbytes: int                  # what its own arrays hold (the order is shared between steps)
    options: tuple = ()          # per layer: batch norm's (γ, β, running mean, running var), or None
    dropout: tuple | None = None  # the dropout generator's state, for a network with options


STEP, NBYTES = PastState._fields.index("step"), PastState._fields.index("nbytes")


def generator_state(rng):
    """The generator's bit_generator.state as a tuple of numbers, and back (`generator_dict`)."""
    state = rng.bit_generator.state
    return state["state"]["state"], state["state"]["inc"], state["has_uint32"], state["uinteger"]


def generator_dict(numbers):
    state, inc, has_uint32, uinteger = numbers
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
            "has_uint32": has_uint32, "uinteger": uinteger}


def own_bytes(params, memory):
    total = sum(W.nbytes + b.nbytes for W, b in params)
    for _key, value in memory:
        total += sum(a.nbytes for a in value) if isinstance(value, tuple) else (0 if value is None else value.nbytes)
    return total


class PastStates:
    """The kept past states, oldest first; `take(trainer)` after every update. `kept` holds them
    as plain tuples (see above); `states` reads them as PastStates."""

    def __init__(self, budget=BUDGET_BYTES):
        self.budget = budget
        self.kept = []
        self.bytes = 0
        self._sized, self._nbytes = None, 0     # (layers, optimiser arrays) and what they hold

    @property
    def states(self):
        return [PastState._make(s) for s in self.kept]

    def take(self, trainer):
        """Keep the trainer's state as it is now (after its update number trainer.steps)."""
        opt, batches = trainer.optimizer, trainer.batches
        params = tuple((layer.W, layer.b) for layer in trainer.network.layers)
        memory = tuple(opt.state.items())
        minibatch = batches.size is not None
        shapes = len(params), len(memory)         # the sizes stay as they are from step to step
        if shapes != self._sized:
            self._sized, self._nbytes = shapes, own_bytes(params, memory) + sum(
                a.nbytes for layer in trainer.network.layers for a in (layer.kept() or ()) if a is not None)
        net = trainer.network
        options, dropout = (), None
        if net.has_options():
            options = tuple(layer.kept() for layer in net.layers)
            dropout = generator_state(net.dropout_rng)
        state = (trainer.steps, params, memory, opt.t, batches.order if minibatch else None, batches.pos,
                 generator_state(batches.rng) if minibatch else None, self._nbytes, options, dropout)
        if self.kept and self.kept[-1][STEP] == state[STEP]:
            self.bytes -= self.kept.pop()[NBYTES]
        self.kept.append(state)
        self.bytes += state[NBYTES]
        self.trim()

    def trim(self):
        """Thin the older states when there are too many, or they hold too much: the first
        (the start) and the last RECENT stay while the budget allows."""
        older = len(self.kept) - RECENT
        if older > OLDER + 1:
            self.thin()
        while self.bytes > self.budget and len(self.kept) > 2:
            if len(self.kept) > RECENT + 1:
                self.thin()
            else:               # a big net: fewer recent ones, the newest and the start stay
                self.bytes -= self.kept.pop(1)[NBYTES]

    def thin(self):
        """Drop every second of the older states, keeping the first (the start)."""
        end = len(self.kept) - RECENT
        thinned = [self.kept[0]] + [s for k, s in enumerate(self.kept[1:end], start=1) if k % 2 == 0]
        dropped = self.kept[1:end]
        self.bytes -= sum(s[NBYTES] for s in dropped) - sum(s[NBYTES] for s in thinned[1:])
        self.kept = thinned + self.kept[end:]

    def shrink(self, keep=10):
        """Keep only the start and the last `keep` states (a server short of memory); the bytes
        let go."""
        if len(self.kept) <= keep + 1:
            return 0
        before = self.bytes
        self.kept = [self.kept[0]] + self.kept[-keep:]
        self.bytes = sum(s[NBYTES] for s in self.kept)
        return before - self.bytes

    def steps(self):
        return [s[STEP] for s in self.kept]

    def nearest(self, step):
        """The kept state nearest to `step` (the earlier of two as near)."""
        if not self.kept:
            return None
        return PastState._make(min(self.kept, key=lambda s: (abs(s[STEP] - step), s[STEP])))

    def at_or_before(self, step):
        """The latest kept state at or before `step`, or the first (the start) if none is."""
        before = [s for s in self.kept if s[STEP] <= step]
        return PastState._make(before[-1] if before else self.kept[0])

    def drop_after(self, step):
        while self.kept and self.kept[-1][STEP] > step:
            self.bytes -= self.kept.pop()[NBYTES]

    def clear(self):
        self.kept, self.bytes = [], 0
