"""A network with its optimiser, data and batches: the steps a learner takes, one at a time."""
import math
import time

import numpy as np

from .bookkeeping import checkpoint
from .batches import Batches
from .datasets import two_classes
from .errors import ConfigError
from .health import norm, predicted_change
from .network import PhaseError, as_rows
from .bookkeeping.history import LossHistory, NormHistory, TestLossHistory
from .bookkeeping.past import PastStates


class Trainer:
    """Forward, backward and step on successive batches, with the loss of every update kept."""

    def __init__(self, network, optimizer, X, Y, batch_size=None, seed=0, points=None, features=None,
                 test=None, is_test=None):
        if X.shape[1:] != network.input_shape:
            raise ConfigError("layers", f"layers[0] must be {X.shape[1]}, the number of inputs of the data")
        if Y.shape[-1] != network.output_units:
            raise ConfigError("layers", f"the last layer must have {Y.shape[-1]} units, "
                                        f"the number of targets of the data")
        network.loss.check_targets(as_rows(Y))
        if any(getattr(layer, "batch_norm", False) for layer in network.layers) and \
                min(batch_size or len(X), len(X)) < 2:
            raise ConfigError("batch_size", "batch norm needs at least 2 samples in a batch: its variance "
                                            "over one sample is 0")
        self.network, self.optimizer = network, optimizer
        self.X, self.Y = X, Y           # the network's inputs (features of the points, if chosen) and targets
        self.points = X if points is None else points      # every point itself, as plotted (test ones too)
        self.features = features        # names of the inputs worked out from each point, or None
        # the held-out test points: (X, Y) the network never trains on, or None; is_test marks
        # them among `points`
        self.test = test
        self.is_test = np.zeros(len(self.points), dtype=bool) if is_test is None else is_test
        self._test_accuracy = ([], None)
        self.batches = Batches(len(X), batch_size, seed)
        self._accuracy = ([], None)   # (the W and b arrays it was worked out for, the accuracy)
        self._two_classes = two_classes(as_rows(Y))
        self.initial = network.get_params()
        self.revision = 0             # counts the changes: forward, backward, step, train, reset, load
        self.reset()

    def reset(self):
        """Back to the starting parameters, a fresh optimiser and the first batch."""
        self.network.set_params(self.initial)
        self.network.reset_options()
        self.optimizer.reset()
        self.batches.reset()
        self.steps = 0           # updates applied so far
        self.history = LossHistory()  # the loss of the forward before each update
        self.norm_history = NormHistory()   # ‖dW‖, ‖db‖ of each layer at some of the updates
        self.test_history = TestLossHistory()   # the test points' loss at those updates
        self.batch = None        # row indices of the current batch
        self.last_gradients = None    # [(dW, db)] of each layer for the last update made
        self.step_preview = None      # after backward: {"predicted", "actual"} change of the loss
        self.past = PastStates()      # earlier states to reach again, by replaying from them
        self.past.take(self, anchor=True)
        self.draws = 0                # batches drawn since the last update (plain training: one per update)
        self.revision += 1

    def targets(self):
        """Y of every point in the points' own order (the training and the test points together)."""
        if self.test is None:
            return self.Y
        Y = np.empty((len(self.points), *self.Y.shape[1:]))
        Y[~self.is_test], Y[self.is_test] = self.Y, self.test[1]
        return Y

    def state_dict(self, past=True):
        """Everything needed to carry on bit for bit, as arrays and numbers (engine/bookkeeping/checkpoint.py);
        without the past states if not `past` (a store that keeps them apart: self.past)."""
        return checkpoint.state_dict(self, past)

    def load_state_dict(self, state):
        """Carry on from a state_dict() of a trainer of the same configuration (ValueError naming
        what does not fit, before anything changes)."""
        checkpoint.load_state_dict(self, state)

    def drop_cache(self):
        """Let go of the per-sample cached values (the network computes them again when they
        are next needed: replay())."""
        self.network.drop_cache()

    def forward(self):
        """Forward on the next batch; returns its loss."""
        self.revision += 1
        self.batch = self.batches.next()
        self.draws += 1
        self.step_preview = None
        with np.errstate(all="ignore"):  # divergence shows as a non-finite loss, not warnings
            return self.network.forward(*self.rows(self.batch))

    def rows(self, batch):
        """X and Y of the batch's rows (the data itself for the full batch: nothing writes to it)."""
        if self.batches.size is None:  # every row in order: no fancy indexing, no copy
            return self.X, self.Y
        return self.X[batch], self.Y[batch]

    def backward(self):
        self.revision += 1
        with np.errstate(all="ignore"):
            self.network.backward()
            # the first-order change the next step predicts; the step itself measures the real one
            self.step_preview = {"predicted": predicted_change(self.network, self.optimizer), "actual": None}

    def step(self):
        """One update from the current gradients; the loss of the same batch is measured again
        after it (one more forward), so that the step preview says what really changed."""
        self.revision += 1
        net = self.network
        gradients = [(layer.dW, layer.db) for layer in net.layers]
        before, X, Y = net.loss_value, net.X, net.Y
        with np.errstate(all="ignore"):
            self.optimizer.step(net)
            after = float(net.loss_at(X, Y, mode="last"))   # batch norm: the last forward's statistics
        if self.step_preview is not None:
            self.step_preview = {**self.step_preview, "actual": after - before}
        self.record(gradients)
        self.last_gradients = gradients
        self.steps += 1
        self.history.append(self.steps, before)
        self.updated()

    def updated(self):
        """After an update: its state kept when it is due, as an anchor when the update was not
        plain training (a replay draws one batch per update, as plain training does)."""
        self.past.take(self, anchor=self.draws != 1)
        self.draws = 0

    def record(self, gradients):
        """The gradients' norms, when the norm history keeps the step about to be counted."""
        step = self.steps + 1
        if self.norm_history.wants(step):
            with np.errstate(all="ignore"):
                self.norm_history.append(step, tuple((norm(dW), norm(db)) for dW, db in gradients))
                if self.test is not None:       # with the weights this update's forward used
                    loss = self.test_loss(self.network.cached_params)
                    self.test_history.append(step, loss, self.norm_history.stride)

    def train(self, k, deadline=None):
        """Up to k full iterations; stops early once the loss is no longer finite, or when
        time.monotonic() passes `deadline`. Returns the loss of each iteration run."""
        losses = []
        for loss in self.iterate(k):
            losses.append(loss)
            if deadline is not None and time.monotonic() > deadline and len(losses) < k:
                break
        return losses

    def iterate(self, k):
        """Up to k full iterations, one at a time: yields the loss of each as it is done, and
        stops after one that is no longer finite. The caller may stop in between."""
        self.step_preview = None
        for _ in range(k):
            self.revision += 1
            with np.errstate(all="ignore"):
                batch = self.batches.next()
                self.draws += 1
                loss = self.network.forward(*self.rows(batch))
                self.network.backward(for_step=True)  # the step clears the gradients unread
                gradients = [(layer.dW, layer.db) for layer in self.network.layers]
                self.optimizer.step(self.network)
            self.record(gradients)
            self.last_gradients = gradients   # references: the step put new W, b in place
            self.batch = batch
            self.steps += 1
            self.history.append(self.steps, loss)
            self.updated()
            yield loss
            if not math.isfinite(loss):
                return

    def set_weight(self, k, param, index, value):
        """Put `value` in W[k][index] (param "W"; index (i, j) of a dense layer, (o, c, u, v) of a
        conv2d's kernels) or b[k][index] ("b"; index (i,)): the phase is fresh again, the step
        count, the optimiser's memory and the Reset target stay. A new array, so that past
        states keep the old one. `index` is a dict of the names a learner gave its parts."""
        net = self.network
        if not 0 <= k < len(net.layers):
            raise ConfigError("layer", f"layer must be below {len(net.layers)}, got {k}")
        layer = net.layers[k]
        if layer.W is None:
            raise ConfigError("layer", f"layer {k} has no weights (a pool or a flatten)")
        array = layer.W if param == "W" else layer.b
        names = ("i",) if param == "b" else ("i", "j") if layer.W.ndim == 2 else ("o", "c", "u", "v")
        shape = "×".join(map(str, array.shape))
        for name, size in zip(names, array.shape):
            if index.get(name) is None:
                raise ConfigError(name, f"{param} of layer {k} ({shape}) needs {', '.join(names)}; {name} is missing")
            if not 0 <= index[name] < size:
                raise ConfigError(name, f"{name} must be below {size} ({param} of layer {k} is {shape}), "
                                        f"got {index[name]}")
        extra = [name for name, value in index.items() if value is not None and name not in names]
        if extra:
            raise ConfigError(extra[0], f"{param} of layer {k} ({shape}) is picked by {', '.join(names)}, not {extra[0]}")
        where = tuple(index[name] for name in names)
        params = [l.parameter_values()[:2] for l in net.layers]
        W, b = layer.W.copy(), layer.b.copy()
        (W if param == "W" else b)[where] = value
        params[k] = (W, b)
        net.set_params(params)
        self.batch = None
        self.last_gradients = None
        self.step_preview = None
        self.past.take(self, anchor=True)     # the state at this step is the edited one now
        self.draws = 0
        self.revision += 1

    def rewind(self, step):
        """Back to update `step`, with the histories after it dropped: training on from there
        does exactly what it did the first time. A generator (it pauses after each update it
        replays); PhaseError if no kept state reaches the step."""
        twin = yield from self.replayed(step)
        net, theirs = self.network, twin.network
        net.set_params(theirs.get_params())
        for layer, twin_layer in zip(net.layers, theirs.layers):
            if twin_layer.kept() is not None:
                layer.restore(twin_layer.kept())
        net.dropout_rng.bit_generator.state = theirs.dropout_rng.bit_generator.state
        self.optimizer.state, self.optimizer.t = dict(twin.optimizer.state), twin.optimizer.t
        self.batches.rng, self.batches.order, self.batches.pos = twin.batches.rng, twin.batches.order, twin.batches.pos
        self.steps = step
        self.history.keep_until(step)
        self.norm_history.keep_until(step)
        self.test_history.keep_until(step)
        self.past.drop_after(step)
        self.batch = None
        self.last_gradients = None
        self.step_preview = None
        self.draws = 0
        self.revision += 1
        return step

    def replayed(self, step):
        """A twin of the trainer at update `step`, replayed from the kept state nearest before it:
        bit for bit what the session was then. A generator (it pauses after each update it
        replays); PhaseError if no kept state reaches the step."""
        if not 0 <= step <= self.steps:
            raise PhaseError(f"step {step} is not one of this session's: it has made {self.steps} updates")
        past = self.past.from_which(step)
        if past is None:
            raise PhaseError(f"step {step} cannot be reached any more: the states it was replayed from were "
                             f"let go to keep the session within its memory (GET /history says which can)")
        twin = Trainer(self.network.copy(), self.optimizer.fresh(), self.X, self.Y, batch_size=self.batches.size,
                       points=self.points, features=self.features, test=self.test, is_test=self.is_test)
        twin.past = PastStates(budget=0)           # a twin keeps none of its own
        empty = {"history.steps": np.zeros(0, np.int64), "history.losses": np.zeros(0)}
        twin.load_state_dict({**past.state(), **checkpoint.pairs("initial", self.initial), **empty, "phase": "fresh"})
        for _ in twin.iterate(step - past.step):
            yield
        return twin

    @property
    def diverged(self):
        """True once the loss or any parameter is NaN or infinite."""
        loss = self.network.loss_value
        if loss is not None and not math.isfinite(loss):
            return True
        return not all(np.isfinite(value).all() for layer in self.network.layers
                       for value in layer.parameter_values()[:2])

    def row_of(self, sample):
        """The row of dataset sample `sample` in the current batch, or None if it is not in it."""
        if self.batch is None or self.network.layers[0].Z is None:
            return None
        rows = np.flatnonzero(self.batch == sample)
        return int(rows[0]) if len(rows) else None

    def test_loss(self, params=None):
        """The data loss on the test points with `params` (default: the current weights), or None
        without test points."""
        if self.test is None:
            return None
        X, Y = self.test
        with np.errstate(all="ignore"):     # as predictions: running statistics, no dropout
            return float(self.network.data_loss_at(X, Y, "infer", params))

    def test_accuracy(self):
        """accuracy() on the test points, or None without them."""
        if self.test is None:
            return None
        return self.accuracy(*self.test, cache="_test_accuracy")

    def accuracy(self, X=None, Y=None, cache="_accuracy"):
        """Share of the training points (or of X, Y) classified right: by the largest output for cross_entropy,
        by output > 0.5 for bce, and for mse too when the targets are one column of 0s and 1s;
        None for regression. Worked out once per set of parameters: every update and set_params
        puts new W and b arrays in place (and batch norm's γ, β and running statistics: a
        training forward moves those)."""
        X = self.X if X is None else X
        Y = as_rows(self.Y if Y is None else Y)          # a sequence's: every position a row
        params = [p for layer in self.network.layers for p in (layer.W, layer.b, *(layer.kept() or ()))]
        cached_for, value = getattr(self, cache)
        if len(cached_for) == len(params) and all(a is b for a, b in zip(cached_for, params)):
            return value
        with np.errstate(all="ignore"):
            A = self.network.predict(X)
        if self.network.loss.name == "cross_entropy":
            value = float(np.mean(A.argmax(axis=1) == Y.argmax(axis=1)))
        elif self.network.loss.name == "bce" or self._two_classes:
            value = float(np.mean((A > 0.5) == (Y > 0.5)))
        else:
            value = None
        setattr(self, cache, (params, value))
        return value
