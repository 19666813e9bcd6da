"""Past states of a trainer: checkpoints spread over its whole run, from which any earlier update
is reached exactly by replaying the updates after one. Training is deterministic (the batches
and the dropout masks come from seeded generators, whose states a checkpoint keeps), so a replay
of plain training gives step k bit for bit.

Kept: the start; one state every `stride` updates, the stride doubling (and every second of
those states going) when more than CAP are kept or they hold more than the budget; and an
anchor wherever the run was not plain training since the state before it (a weight set by hand,
a batch drawn and not stepped, a session loaded from a file), which a replay cannot cross. An
anchor goes only when the budget leaves nothing else to let go, and the updates it led to are
then out of reach: `reachable()` says which are not.

A checkpoint is a boundary state (checkpoint.boundary_state): references to the trainer's
arrays, not copies (an update puts new arrays in place), kept as a plain tuple, which the
garbage collector stops tracking: a class holds thousands, and as tracked objects they made
every full collection walk them (70-130 ms pauses)."""
from typing import NamedTuple

import numpy as np

CAP = 64                   # states kept on the stride at most
MAX_KEPT = 2 * CAP + 2     # and all states kept, anchors included
BUDGET_BYTES = 4 * 2**20   # a session's past states hold at most this much


class Past(NamedTuple):
    step: int
    anchor: bool             # where plain replay from the state before it cannot reach
    limit: int | None        # the last update a replay from it reaches (None: up to the next state kept)
    names: tuple             # its boundary state, as names and values
    values: tuple
    nbytes: int              # what its own arrays hold

    def state(self):
        return dict(zip(self.names, self.values))


STEP, ANCHOR, NBYTES = (Past._fields.index(name) for name in ("step", "anchor", "nbytes"))


def generator_state(rng):
    """The generator's bit_generator.state as a tuple of numbers, and back (`generator_dict`)."""
    state = rng.bit_generator.state
    return state["state"]["state"], state["state"]["inc"], state["has_uint32"], state["uinteger"]


def generator_dict(numbers):
    state, inc, has_uint32, uinteger = numbers
    return {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
            "has_uint32": has_uint32, "uinteger": uinteger}


def own_bytes(state):
    """What a past state's arrays hold, but for the batch order, which the states of one epoch share."""
    return sum(value.nbytes for name, value in state.items() if isinstance(value, np.ndarray) and name != "batches.order")


class PastStates:
    """The kept past states, oldest first: `take(trainer)` after every update (it keeps the
    ones due), `take(trainer, anchor=True)` where plain training was broken. `kept` holds them as
    plain tuples (see above); `states` reads them as Past."""

    def __init__(self, budget=BUDGET_BYTES):
        self.budget = budget
        self.kept = []
        self.bytes = 0
        self.stride = 1
        self.version = 0          # counts the changes, for the store (the index is saved only then)

    def take(self, trainer, anchor=False):
        """Keep the trainer's state as it is now (after its update number trainer.steps), if it
        is an anchor or on the stride."""
        step = trainer.steps
        if self.budget <= 0 or not (anchor or step % self.stride == 0):
            return
        from .checkpoint import boundary_state      # checkpoint reads past states too
        state = boundary_state(trainer)
        nbytes = own_bytes(state)
        if self.kept and self.kept[-1][STEP] == step:    # the same update again (an edit at it)
            anchor = anchor or self.kept[-1][ANCHOR]
            self.bytes -= self.kept.pop()[NBYTES]
        # a plain tuple, not a Past: the garbage collector stops tracking a tuple, not a subclass
        self.kept.append((step, anchor, None, tuple(state), tuple(state.values()), nbytes))
        self.bytes += nbytes
        self.trim()
        self.version += 1

    def trim(self):
        """Within CAP, MAX_KEPT and the budget: first every second state off the stride (the
        stride doubles), then the oldest anchors; the start and the newest stay."""
        regular = [p for p in self.kept[1:-1] if not p[ANCHOR]]
        while len(regular) > CAP or (self.bytes > self.budget and regular):
            self.stride *= 2
            for past in regular:
                if past[STEP] % self.stride:
                    self.drop(past)
            regular = [p for p in self.kept[1:-1] if not p[ANCHOR]]
        while (self.bytes > self.budget or len(self.kept) > MAX_KEPT) and len(self.kept) > 2:
            self.drop(self.kept[1])

    def drop(self, kept):
        """Let a kept state go; the state before it then reaches no further than this one did,
        or, if this was an anchor, than the update before it."""
        k = self.kept.index(kept)
        before, past = Past._make(self.kept[k - 1]), Past._make(kept)
        if past.anchor:
            limit = past.step - 1 if before.limit is None else min(before.limit, past.step - 1)
        else:
            limit = before.limit if before.limit is not None else past.limit
        self.kept[k - 1] = tuple(before._replace(limit=limit))
        del self.kept[k]
        self.bytes -= past.nbytes

    def shrink(self):
        """Keep only the start, the anchors and the newest (a server short of memory); the bytes
        let go."""
        before = self.bytes
        for past in [p for p in self.kept[1:-1] if not p[ANCHOR]]:
            self.drop(past)
        self.version += 1
        return before - self.bytes

    @property
    def states(self):
        return [Past._make(p) for p in self.kept]

    def steps(self):
        return [p[STEP] for p in self.kept]

    def from_which(self, step):
        """The kept state a replay to update `step` starts from, or None if none reaches it."""
        before = [p for p in self.states if p.step <= step]
        if not before or (before[-1].limit is not None and step > before[-1].limit):
            return None
        return before[-1]

    def reachable(self, now):
        """[first, last] ranges of the updates up to `now` that a replay reaches."""
        ranges, states = [], self.states
        for k, past in enumerate(states):
            end = states[k + 1].step - 1 if k + 1 < len(states) else now
            end = end if past.limit is None else min(end, past.limit)
            if ranges and ranges[-1][1] + 1 >= past.step:
                ranges[-1][1] = max(ranges[-1][1], end)
            else:
                ranges.append([past.step, end])
        return ranges

    def drop_after(self, step):
        while self.kept and self.kept[-1][STEP] > step:
            self.bytes -= self.kept.pop()[NBYTES]
        self.version += 1

    def clear(self):
        self.kept, self.bytes, self.stride = [], 0, 1
        self.version += 1

    # -- as part of the trainer's state (checkpoint.py), for a store that keeps it -------------

    def index(self):
        """What the past states are, without their arrays: the stride, and each one's step, anchor
        flag and limit (-1: none)."""
        states = self.states
        return {"past.stride": self.stride, "past.steps": np.array(self.steps(), dtype=np.int64),
                "past.anchors": np.array([p.anchor for p in states], dtype=np.int64),
                "past.limits": np.array([-1 if p.limit is None else p.limit for p in states], dtype=np.int64)}

    def state(self):
        """The past states as flat names: their index, and past.<n>.<name> for each."""
        state = self.index()
        for n, past in enumerate(self.states):
            state.update({f"past.{n}.{name}": value for name, value in zip(past.names, past.values)})
        return state

    def load(self, state):
        """The past states of a state(); ValueError if they do not fit together."""
        steps, anchors, limits = (np.asarray(state[f"past.{name}"], dtype=np.int64) for name in ("steps", "anchors", "limits"))
        if not (len(steps) == len(anchors) == len(limits)) or np.any(np.diff(steps) <= 0):
            raise ValueError("the past states' steps must grow, one anchor flag and limit each")
        kept = []
        for n, step in enumerate(steps.tolist()):
            prefix = f"past.{n}."
            names = tuple(name[len(prefix):] for name in state if name.startswith(prefix))
            values = tuple(state[prefix + name] for name in names)
            nbytes = own_bytes(dict(zip(names, values)))
            limit = int(limits[n])
            kept.append((step, bool(anchors[n]), None if limit < 0 else limit, names, values, nbytes))
        self.kept, self.bytes, self.stride = kept, sum(p[NBYTES] for p in kept), int(state["past.stride"])
        self.version += 1
