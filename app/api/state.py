"""The session as JSON: the one contract between server and page. Non-finite numbers become null.

Arrays are handed to the encoder (api/jsonbody.py) as they are, which writes NaN and infinity
as null; Numbers notes whether any was there, for the `diverged` flag."""
import math
import weakref

import numpy as np

from ..engine.features import feature_matrix
from ..engine.health import dead_units, grad_norms, saturated_units
from ..engine.layers.attention import Attention
from .attention_state import attention_sample, attention_state


class Numbers:
    """Turns arrays and floats into JSON values, remembering whether any was NaN or infinite.

    A state holds some 30 small arrays: they are checked together when `nonfinite` is read (one
    NumPy check instead of 30: a state's body about a quarter faster); a large array at once."""

    SMALL = 4096          # entries: an array up to this size waits for the check of them all

    def __init__(self):
        self._nonfinite = False
        self._small = []

    @property
    def nonfinite(self):
        if self._small:
            together = np.concatenate([a.ravel() for a in self._small])
            self._nonfinite = self._nonfinite or not np.isfinite(together).all()
            self._small = []
        return self._nonfinite

    def array(self, arr, decimals=None):
        if arr is None:
            return None
        if decimals is not None:
            arr = np.round(arr, decimals)
        values = arr if isinstance(arr, np.ndarray) else np.asarray(arr)
        if values.size <= self.SMALL:
            self._small.append(values)
        elif not np.isfinite(values).all():
            self._nonfinite = True
        return arr

    def number(self, x):
        if x is None:
            return None
        if math.isfinite(x):
            return float(x)
        self._nonfinite = True
        return None


def session_state(session, sample=0):
    """id, step, phase, loss, layers (W, b, activation, dW, db) and the selected sample's vectors."""
    trainer = session.trainer
    net = trainer.network
    num = Numbers()
    layers = [layer_state(layer, spec, num) for layer, spec in zip(net.layers, net.specs or [None] * len(net.layers))]
    state = {
        "id": session.id,
        "step": trainer.steps,
        "phase": net.phase.value,
        "loss": num.number(net.loss_value),
        "data_loss": num.number(net.data_loss if net.regularization is not None else net.loss_value),
        "layers": layers,
        "sample": sample_state(trainer, sample, num),
        "optimizer": optimizer_state(trainer.optimizer, num),
        "batch_size": len(trainer.batch) if trainer.batch is not None else None,
        "points": len(trainer.X),
        "accuracy": num.number(trainer.accuracy()),
        # the test points: the data loss with the weights the last forward used (as `loss`), the
        # accuracy of the current weights (as `accuracy`)
        "test_points": int(trainer.is_test.sum()),
        "test_loss": num.number(trainer.test_loss(net.cached_params) if net.phase.value != "fresh" and net.cached_params else None),
        "test_accuracy": num.number(trainer.test_accuracy()),
        "config": session.config,
    }
    state.update(health_state(trainer, num))
    state["diverged"] = trainer.diverged or num.nonfinite
    return state


def layer_state(layer, spec, num):
    """A layer's entry: W, b, activation, dW, db (and its options) of a dense layer; in a network
    of layer objects, its `type` too, a convolution's stride and padding, a pool's size."""
    if spec is not None and spec["type"] in ("maxpool2d", "avgpool2d"):
        return {"type": spec["type"], "size": spec["size"]}
    if spec is not None and spec["type"] == "flatten":
        return {"type": "flatten"}
    if spec is not None and spec["type"] == "attention":
        return attention_state(layer, num)
    entry = {"W": num.array(layer.W), "b": num.array(layer.b), "activation": layer.activation.name,
             "dW": num.array(layer.dW), "db": num.array(layer.db), **options_state(layer, num)}
    if spec is not None:
        entry["type"] = spec["type"]
        if spec["type"] == "conv2d":
            entry.update(stride=spec["stride"], padding=spec["padding"])
    return entry


def options_state(layer, num):
    """A layer's `batch_norm` (γ, β, their gradients, the batch's and the running statistics)
    and `dropout` (its rate), where it has them."""
    out = {}
    if getattr(layer, "batch_norm", False):
        out["batch_norm"] = {name: num.array(getattr(layer, name)) for name in (
            "gamma", "beta", "dgamma", "dbeta", "mean", "var", "running_mean", "running_var",
            "dvar", "dmean")}      # dvar, dmean: dL/dvar, dL/dmean of each unit, over the batch
    if getattr(layer, "rate", 0) > 0:
        out["dropout"] = {"rate": layer.rate}
    return out


def health_state(trainer, num):
    """The step preview, the gradients' norms (after Backward) and the dead and saturated units
    (once a Forward has run on the current batch)."""
    net = trainer.network
    preview = trainer.step_preview
    computed = net.phase.value != "fresh" and net.layers[0].A is not None
    return {
        "step_preview": None if preview is None else {key: num.number(value) for key, value in preview.items()},
        "grad_norms": [{"W": num.number(w), "b": num.number(b)} for w, b in grad_norms(net)]
                      if net.phase.value == "backward" else None,
        **(unit_health(trainer) if computed else {"dead_units": None, "saturated_units": None}),
    }


def unit_health(trainer):
    """The dead and saturated units of the last forward: worked out once per forward (its
    activations are new arrays), not again for the Backward and Step that follow it."""
    net = trainer.network
    outputs = [layer.A for layer in net.layers]          # new arrays at each forward
    cached_for, value = getattr(trainer, "_unit_health", ((), None))   # weak: holds no array alive
    if len(cached_for) == len(outputs) and all(ref() is a for ref, a in zip(cached_for, outputs)):
        return value
    value = {"dead_units": dead_units(net), "saturated_units": saturated_units(net)}
    trainer._unit_health = ([weakref.ref(a) for a in outputs], value)
    return value


def sample_state(trainer, index, num):
    """Input, target and each layer's z, a, dz, da for dataset sample `index` (null where the
    value does not exist yet, or the sample is not in the current minibatch)."""
    row = trainer.row_of(index)
    net = trainer.network
    sequence = trainer.X.ndim == 3
    # the sample's rows: after an attention head, one per position (T of them), else its own
    T = trainer.X.shape[1] if sequence else 1
    rows = None if row is None else slice(row * T, (row + 1) * T)

    def pick(arr):
        if arr is None or row is None:
            return None
        return num.array(arr[rows] if sequence and arr.ndim == 2 else arr[row])

    def slope(layer):      # f'(z) of each unit, as backward uses it (none for a fused softmax)
        z, a = layer.activation_in, layer.activation_out       # y and f(y) with batch norm
        if z is None or row is None or layer.activation is None or not layer.activation.elementwise:
            return None
        with np.errstate(all="ignore"):
            f_prime = layer.activation.derivative(z[rows], a[rows])
        return num.array(f_prime if sequence else f_prime[0])

    def options(layer):     # batch norm's ẑ and y, dropout's mask (1 kept, 0 dropped), for the sample
        out = {}
        if getattr(layer, "batch_norm", False):
            out["z_hat"], out["y"], out["dy"] = pick(layer.Z_hat), pick(layer.Y), pick(layer.dY)
        if getattr(layer, "rate", 0) > 0:
            out["mask"] = pick(layer.mask) if layer.Z is not None else None
        return out

    return {
        "index": index,
        "in_batch": row is not None,
        "input": num.array(trainer.X[index]),
        "target": num.array(trainer.Y[index]),
        "dx": pick(net.dX),
        "layers": [attention_sample(layer, row, num) if isinstance(layer, Attention) else
                   {"z": pick(layer.Z), "a": pick(layer.A), "f_prime": slope(layer), "dz": pick(layer.dZ),
                    "da": pick(layer.dA), **options(layer)} for layer in net.layers],
    }


def optimizer_state(optimizer, num):
    """Name, settings, updates applied, and its per-parameter arrays (velocity, or m and v)."""
    arrays = {}
    for (k, name), value in sorted(optimizer.state.items()):
        if value is None:
            continue
        if isinstance(value, tuple):  # adam keeps (m, v)
            arrays[f"{k}.{name}"] = {"m": num.array(value[0]), "v": num.array(value[1])}
        else:
            arrays[f"{k}.{name}"] = {"velocity": num.array(value)}
    return {"name": optimizer.name, **optimizer.settings(), "t": optimizer.t, "state": arrays}


MAX_PAGE_BYTES = 2 * 1024 * 1024   # a batch page holds as many rows as fit in about this
NUMBER_BYTES = 25                  # the most one number takes in JSON ("-1.2345678901234567e-100,")


def batch_page(trainer, offset, limit, arrays=True):
    """Per-sample Z, A, dZ, dA of every layer for rows offset … offset+limit of the current
    batch: fewer rows when they would not fit in MAX_PAGE_BYTES (`next_offset` says where the
    next page starts, null after the last); with arrays=False only the rows' dataset indices."""
    num = Numbers()
    net = trainer.network
    size = len(trainer.batch) if trainer.batch is not None else 0
    per_row = 4 * sum(int(np.prod(shape)) for shape in net.shapes) * NUMBER_BYTES if arrays else 8
    end = min(offset + limit, offset + max(1, MAX_PAGE_BYTES // per_row), size)
    rows = slice(offset, end)

    def part(arr):
        return None if arr is None or not arrays else num.array(arr[rows])

    return {
        "offset": offset,
        "total": size,
        "next_offset": end if end < size else None,
        "indices": trainer.batch[rows] if trainer.batch is not None else [],
        "layers": [{"Z": part(layer.Z), "A": part(layer.A), "dZ": part(layer.dZ), "dA": part(layer.dA)}
                   for layer in net.layers],
        "diverged": num.nonfinite,
    }


BOUNDS_LIMIT = 1e300    # the picture's box stays inside ±1e300, so that its width is a finite number


def data_bounds(X):
    """Per input dimension, a padded [low, high] around the data (inside ±BOUNDS_LIMIT: points
    of one's own near ±1e308 would make it overflow); for images, one for all their pixels."""
    X = X.reshape(-1, 1) if X.ndim > 2 else X
    low, high = X.min(axis=0), X.max(axis=0)
    with np.errstate(all="ignore"):
        pad = np.maximum((high - low) * 0.1, 0.2)
        bounds = np.column_stack([low - pad, high + pad])
    bounds = np.nan_to_num(bounds, nan=0.0, posinf=BOUNDS_LIMIT, neginf=-BOUNDS_LIMIT)
    return np.clip(bounds, -BOUNDS_LIMIT, BOUNDS_LIMIT)


PREDICTION_CHUNK = 2048      # grid points computed between two pauses of a big net's pictures


def predictions(trainer, resolution, unit_resolution, units, extent=None, network=None):
    """The network's output over a grid of the input plane (2-D) or a line (1-D), and optionally
    every unit's own activation over a coarser grid. A generator: it pauses (yields) between
    chunks of the grid, and returns the reply."""
    net = network or trainer.network          # another network: the trainer's weights of the past
    inputs = trainer.points.shape[1]           # the plane of the points (features are worked out from it)
    if trainer.points.ndim != 2 or inputs not in (1, 2):       # images, or points of more inputs
        return {"kind": "none", "inputs": inputs}
    features = trainer.features
    to_inputs = (lambda grid: grid) if features is None else (lambda grid: feature_matrix(grid, features))
    with np.errstate(all="ignore"):
        bounds = data_bounds(trainer.points)
        if extent is not None:
            bounds = np.column_stack([np.minimum(bounds[:, 0], -extent), np.maximum(bounds[:, 1], extent)])
    num = Numbers()

    def points(res):
        axes = [np.linspace(lo, hi, res) for lo, hi in bounds]
        if inputs == 1:
            return axes[0][:, None]
        gx, gy = np.meshgrid(axes[0], axes[1])       # row r holds y = axes[1][r]
        return np.column_stack([gx.ravel(), gy.ravel()])

    def in_chunks(grid, compute):
        parts = []
        for start in range(0, len(grid), PREDICTION_CHUNK):
            with np.errstate(all="ignore"):
                parts.append(compute(grid[start:start + PREDICTION_CHUNK]))
            yield
        return parts

    outputs = yield from in_chunks(points(resolution), lambda grid: net.predict(to_inputs(grid)))
    result = {
        "kind": "line" if inputs == 1 else "grid",
        "bounds": num.array(bounds),
        "resolution": resolution,
        "outputs": num.array(np.concatenate(outputs).T, decimals=5),     # one list per output unit
    }
    if units:
        grid = points(unit_resolution)
        parts = yield from in_chunks(grid, lambda g: net.activations_for(to_inputs(g)))
        result["unit_resolution"] = unit_resolution
        result["units"] = [num.array(np.concatenate(layer).T, decimals=3) for layer in zip(*parts)]
        if features is not None:       # each input's own picture: its feature over the plane
            result["inputs"] = num.array(to_inputs(grid).T, decimals=3)
    result["diverged"] = num.nonfinite
    return result
