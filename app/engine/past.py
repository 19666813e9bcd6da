"""Past states of a trainer, to look back at and to carry on from: every one of the last 100
updates, and older ones thinned (every second dropped when there are too many), within a byte
budget. Each holds what an exact continuation needs. An update puts new W, b and optimiser
arrays in place and never writes into the old ones, so a past state keeps references, not copies."""
from dataclasses import dataclass

import numpy as np

RECENT = 100               # the last updates, every one kept
OLDER = 100                # older ones kept at most, thinned
BUDGET_BYTES = 4 * 2**20   # a session's past states hold at most this much


@dataclass(frozen=True)
class PastState:
    step: int
    params: list                 # [(W, b)] of each layer
    memory: dict                 # the optimiser's state: (layer, "W" | "b") -> its arrays
    t: int
    order: np.ndarray | None     # where the minibatch draws stood (None: the full batch)
    pos: int
    rng: dict | None             # the generator's state (bit_generator.state)
    nbytes: int                  # what its own arrays hold (the order is shared between steps)


def own_bytes(params, memory):
    total = sum(W.nbytes + b.nbytes for W, b in params)
    for value in memory.values():
        total += sum(a.nbytes for a in value) if isinstance(value, tuple) else (0 if value is None else value.nbytes)
    return total


class PastStates:
    """The kept past states, oldest first; `take(trainer)` after every update."""

    def __init__(self, budget=BUDGET_BYTES):
        self.budget = budget
        self.states = []
        self.bytes = 0

    def take(self, trainer):
        """Keep the trainer's state as it is now (after its update number trainer.steps)."""
        opt, batches = trainer.optimizer, trainer.batches
        params = [(layer.W, layer.b) for layer in trainer.network.layers]
        memory = dict(opt.state)
        minibatch = batches.size is not None
        state = PastState(step=trainer.steps, params=params, memory=memory, t=opt.t,
                          order=batches.order if minibatch else None, pos=batches.pos,
                          rng=batches.rng.bit_generator.state if minibatch else None,
                          nbytes=own_bytes(params, memory))
        if self.states and self.states[-1].step == state.step:
            self.bytes -= self.states.pop().nbytes
        self.states.append(state)
        self.bytes += state.nbytes
        self.trim()

    def trim(self):
        """Thin the older states when there are too many, or they hold too much: the first
        (the start) and the last RECENT stay while the budget allows."""
        older = len(self.states) - RECENT
        if older > OLDER + 1:
            self.thin()
        while self.bytes > self.budget and len(self.states) > 2:
            if len(self.states) > RECENT + 1:
                self.thin()
            else:               # a big net: fewer recent ones, the newest and the start stay
                self.bytes -= self.states.pop(1).nbytes

    def thin(self):
        """Drop every second of the older states, keeping the first (the start)."""
        end = len(self.states) - RECENT
        kept = [self.states[0]] + [s for k, s in enumerate(self.states[1:end], start=1) if k % 2 == 0]
        dropped = self.states[1:end]
        self.bytes -= sum(s.nbytes for s in dropped) - sum(s.nbytes for s in kept[1:])
        self.states = kept + self.states[end:]

    def shrink(self, keep=10):
        """Keep only the start and the last `keep` states (a server short of memory); the bytes
        let go."""
        if len(self.states) <= keep + 1:
            return 0
        before = self.bytes
        self.states = [self.states[0]] + self.states[-keep:]
        self.bytes = sum(s.nbytes for s in self.states)
        return before - self.bytes

    def steps(self):
        return [s.step for s in self.states]

    def nearest(self, step):
        """The kept state nearest to `step` (the earlier of two as near)."""
        return min(self.states, key=lambda s: (abs(s.step - step), s.step)) if self.states else None

    def at_or_before(self, step):
        """The latest kept state at or before `step`, or None."""
        before = [s for s in self.states if s.step <= step]
        return before[-1] if before else None

    def drop_after(self, step):
        while self.states and self.states[-1].step > step:
            self.bytes -= self.states.pop().nbytes

    def clear(self):
        self.states, self.bytes = [], 0
