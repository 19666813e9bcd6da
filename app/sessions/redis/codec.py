"""A session as Redis keeps it, and back: its state (Trainer.state_dict) as raw bytes beside a
JSON header, the histories and each past state as blobs of their own, the configuration and the
spec as JSON."""
import json

import numpy as np
import orjson

from ...engine import ConfigError
from ..config import PointsDataset, SessionConfig
from ..session import Session, build_trainer
from ..store import StoreUnavailable

# the fields of a session's hash beside its state, each written only when it changed: the
# histories (up to ~70 KB) grow at each update; the past states' index changes every so many, and
# each past state (up to 4 MB in all) has a field of its own, PAST + its step, written once
HISTORY = ("history.", "norms.", "testloss.")      # the names of the histories' entries
PAST = "past@"


def pack(state):
    """The arrays' bytes after a JSON header naming them (dtype, shape) and holding the numbers."""
    header, chunks = {"arrays": [], "values": {}, "big": [], "nonfinite": []}, []
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            value = np.ascontiguousarray(value)
            header["arrays"].append([name, value.dtype.str, list(value.shape)])
            chunks.append(value.tobytes())
        elif isinstance(value, int) and not -2**63 <= value < 2**63:   # a generator state is 128 bits
            header["values"][name] = str(value)
            header["big"].append(name)
        elif isinstance(value, float) and not np.isfinite(value):      # a diverged loss
            header["values"][name] = str(value)
            header["nonfinite"].append(name)
        else:
            header["values"][name] = value
    head = orjson.dumps(header)
    return len(head).to_bytes(4, "little") + head + b"".join(chunks)


def unpack(blob):
    size = int.from_bytes(blob[:4], "little")
    header = json.loads(blob[4:4 + size])      # json: blobs from before kept 128-bit numbers as such
    state, offset = dict(header["values"]), 4 + size
    for name in header.get("big", ()):
        state[name] = int(state[name])
    for name in header.get("nonfinite", ()):
        state[name] = float(state[name])
    for name, dtype, shape in header["arrays"]:
        dtype = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        state[name] = np.frombuffer(blob, dtype, count, offset).reshape(shape).copy()
        offset += count * dtype.itemsize
    return state


def split_state(session):
    """(the state without its histories and past states, the histories): what a save writes
    beside the past states (past_fields)."""
    trainer = session.trainer
    state = trainer.state_dict(past=False)
    if "points" in session.config["dataset"]:        # the learner's own points travel with it
        state["data.X"], state["data.Y"] = trainer.points, trainer.targets()
    history = {name: state.pop(name) for name in [name for name in state if name.startswith(HISTORY)]}
    return state, history


def past_fields(past):
    """{field: (names, values)} of each past state kept (engine/bookkeeping/past.py). A past
    state's arrays never change once it is taken: its field is written when it first shows, and
    the `values` tuple, the same object for as long as it is kept, says which are new."""
    return {f"{PAST}{entry[0]}": (entry[3], entry[4]) for entry in past.kept}


def meta(session):
    """(config, spec) as JSON: what a session was built from, written once at its creation."""
    spec = session.spec.model_dump(mode="json", exclude={"params"})
    if "points" in session.config["dataset"]:
        spec["dataset"] = {"points": True}                # the points are in the state
    return json.dumps(session.config), json.dumps(spec)


def rebuild(session_id, fields, turns):
    """A Session from its hash's fields: the trainer built from its spec, then its state loaded
    (the histories and the past states' index over the state, then each past state kept)."""
    try:
        state = unpack(fields["state"])
        for part in ("history", "past"):
            if fields.get(part):
                state.update(unpack(fields[part]))
        if any(field.startswith(PAST) for field in fields):    # (before, "past" held them all)
            for n, step in enumerate(state["past.steps"].tolist()):
                state.update({f"past.{n}.{name}": value for name, value in unpack(fields[f"{PAST}{step}"]).items()})
        spec = json.loads(fields["spec"])
        points = spec.get("dataset") == {"points": True}
        if points:
            spec.pop("dataset")
        built_from = SessionConfig.model_validate(spec)
        if points:    # arrays the server wrote itself: not validated again as a client's
            built_from.dataset = PointsDataset.model_construct(X=state.pop("data.X"), Y=state.pop("data.Y"))
        trainer, _ = build_trainer(built_from)
        trainer.load_state_dict(state)
    except (ConfigError, ValueError, KeyError) as e:
        raise StoreUnavailable(f"the session's saved state cannot be read back: {e}") from None
    return Session(session_id, trainer, json.loads(fields["config"]), built_from, turns)


def same_arrays(state, saved):
    """Whether every array of `state` is the very array (or a view of it) `saved` has: the
    histories' arrays are new ones whenever they changed (engine/bookkeeping/history.py's
    ArrayCopy), so this tells whether they changed since they were saved."""
    if saved is None or saved.keys() != state.keys():
        return False
    return all(same_array(value, saved[name]) if isinstance(value, np.ndarray) else value == saved[name]
               for name, value in state.items())


def same_array(a, b):
    if a.size == 0:                 # an empty history's array is made anew each time
        return b.size == 0 and a.shape == b.shape and a.dtype == b.dtype
    return (a if a.base is None else a.base) is (b if b.base is None else b.base)
