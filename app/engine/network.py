"""A stack of dense layers with a loss, knowing which phase of a training step it is in."""
from enum import Enum

import numpy as np

from .activations import get_activation
from .layers.dense import Dense
from .errors import ConfigError
from .init import default_init, init_weights
from .losses import get_loss
from .layers.normalization import OptionDense

MAX_DROPOUT = 0.9


class Phase(str, Enum):
    FRESH = "fresh"          # nothing computed for the current parameters
    FORWARD = "forward"      # Z, A and the loss are for the current parameters
    BACKWARD = "backward"    # and so are dA, dZ, dW, db
    UPDATED = "updated"      # an optimiser step changed the parameters since the last forward


def as_rows(Y):
    """Targets as rows: a sequence's (n, T, classes) as n·T rows, one per (sample, position), as
    the layers after attention hand on their output."""
    return Y.reshape(-1, Y.shape[-1]) if Y.ndim == 3 else Y


class PhaseError(RuntimeError):
    """An operation asked for values that do not exist for the current parameters."""


class Network:
    """Dense layers of `sizes` (input first) with one activation per non-input layer; or, made
    by Network.of_specs, any sequence of layer kinds (engine/layers/kinds.py) ending in a dense
    layer, such as a small CNN on images."""

    def __init__(self, sizes, activations, loss, params=None, init=None, seed=0, rng=None,
                 regularization=None, layer_options=None):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2:
            raise ConfigError("layers", "sizes needs an input size and at least one layer size")
        if min(sizes) < 1:
            raise ConfigError("layers", f"every layer needs at least one unit, got sizes {sizes}")
        if len(activations) != len(sizes) - 1:
            raise ConfigError("activations", f"need one activation per non-input layer: {len(sizes) - 1}, "
                                             f"got {len(activations)}")
        acts = [get_activation(a) for a in activations]
        if any(a.name == "softmax" for a in acts[:-1]):
            raise ConfigError("activations", "softmax is only allowed on the output layer")
        self.loss = get_loss(loss)
        self.loss.check_output(acts[-1].name)
        if acts[-1].name == "softmax" and sizes[-1] < 2:
            raise ConfigError("layers", "a softmax output needs at least 2 units (one is always 1)")
        if params is not None and len(params) != len(acts):
            raise ConfigError("params", f"params has {len(params)} layers, need {len(acts)}")
        rng = rng if rng is not None else np.random.default_rng(seed)
        self.layer_options = check_layer_options(layer_options, len(acts) - 1)
        # dropout masks come from a generator of their own, so the minibatch order stays as it is
        self.seed = seed
        self.dropout_rng = np.random.default_rng([seed, 1])
        self.layers = []
        for k, act in enumerate(acts):
            fan_in, fan_out = sizes[k], sizes[k + 1]
            if params is not None:
                W, b = check_params(params[k], k, fan_in, fan_out)
            else:
                W, b = init_weights(fan_in, fan_out, init or default_init(act.name), rng)
            options = self.layer_options[k] if k < len(self.layer_options) else None
            if options and (options["batch_norm"] or options["dropout"] > 0):
                self.layers.append(OptionDense(W, b, act, options["batch_norm"], options["dropout"],
                                               self.dropout_rng))
            else:
                self.layers.append(Dense(W, b, act))
        self.sizes = sizes
        self.specs = None                         # the layer kinds, for a network of_specs
        self.input_shape, self.shapes = (sizes[0],), [(size,) for size in sizes[1:]]
        self.finish(regularization)

    @classmethod
    def of_specs(cls, input_shape, specs, loss, params=None, init=None, seed=0, regularization=None):
        """The layers of `specs` ({"type", and its settings, defaults filled in}) on inputs of
        `input_shape`, e.g. (1, 8, 8) for 8×8 images of one channel; `params` the parameter
        values of each layer (an empty tuple for a layer without any)."""
        from .layers.kinds import build_layers
        net = cls.__new__(cls)
        net.loss = get_loss(loss)
        net.seed, net.dropout_rng, net.layer_options = seed, np.random.default_rng([seed, 1]), []
        net.layers, net.shapes = build_layers(input_shape, specs, np.random.default_rng(seed), init)
        acts = [layer.activation for layer in net.layers if layer.activation is not None]
        if any(a.name == "softmax" for a in acts[:-1]):
            raise ConfigError("layers", "softmax is only allowed on the output layer")
        net.loss.check_output(acts[-1].name)
        if acts[-1].name == "softmax" and net.shapes[-1][0] < 2:
            raise ConfigError("layers", "a softmax output needs at least 2 units (one is always 1)")
        net.sizes, net.specs, net.input_shape = None, [dict(spec) for spec in specs], tuple(input_shape)
        if params is not None:
            net.set_params(params)
        net.finish(regularization)
        return net

    def finish(self, regularization):
        self.regularization = regularization      # engine/regularization.py, or None
        self.phase = Phase.FRESH
        self.X = self.Y = self.dX = None
        self.loss_value = self.data_loss = None
        self.cached_params = None   # the arrays the cached Z and A were computed with
        self.dropped = None         # the phase whose cached values drop_cache() let go, if any

    @property
    def output_units(self):
        return self.shapes[-1][-1]          # a sequence's: per position

    def weights(self):
        """Every layer's W (a penalty's arrays: not the biases, nor batch norm's γ, β)."""
        return [layer.W for layer in self.layers if layer.W is not None]

    # -- the three phases of a training step ------------------------------------------

    def forward(self, X, Y, mode="train"):
        """Run X through every layer, keep each Z and A, and return the loss against Y. `mode`
        "train" (a training step's forward) or "fixed" (the same again: batch norm's running
        statistics not moved, dropout's last mask kept): see engine/layers/normalization.py."""
        A = self.X = X
        self.Y = Y = as_rows(Y)
        # references, not copies: an update puts new arrays in place, never writes into these
        self.cached_params = [layer.parameter_values() for layer in self.layers]   # W, b (γ, β)
        self.dropped = None
        for layer in self.layers:
            layer.clear_gradients()
            A = layer.forward(A, mode)
        out = self.layers[-1]
        self.data_loss = float(self.loss.value(out.Z, A, Y))
        self.loss_value = self.data_loss + self.penalty()
        self.dX = None
        self.phase = Phase.FORWARD
        return self.loss_value

    def penalty(self):
        """The regularisation term of the loss for the current weights (0 without one)."""
        reg = self.regularization
        return 0.0 if reg is None else reg.penalty(self.weights())

    def backward(self, for_step=False):
        """Carry dL/dA back through every layer, keeping dA, dZ, dW, db and dL/dX.

        for_step=True, for an optimiser step that follows at once and clears every gradient
        unread (Trainer.train), skips what the step does not need: dL/dX, and the output
        layer's dL/dA when the loss gives dL/dZ directly.
        """
        if self.phase not in (Phase.FORWARD, Phase.BACKWARD):
            raise PhaseError("run forward first: there is no forward pass for the current "
                             "parameters to take gradients of")
        self.replay()
        out = self.layers[-1]
        dZ = self.loss.grad_z(out.Z, out.A, self.Y)  # fused where the loss allows it
        dA = None if for_step and dZ is not None else self.loss.grad_a(out.A, self.Y)
        for layer in reversed(self.layers):
            dA = layer.backward(dA, dZ, to_input=not (for_step and layer is self.layers[0]))
            dZ = None
        self.dX = dA
        if self.regularization is not None:
            for layer in self.layers:     # dW = A_prevᵀ dZ (the data's part) + ∂penalty/∂W
                if layer.W is not None:
                    layer.dW = layer.dW + self.regularization.grad(layer.W)
        self.phase = Phase.BACKWARD

    def parameters_changed(self):
        """Mark gradients stale after the parameters moved (an optimiser step)."""
        for layer in self.layers:
            layer.clear_gradients()
        self.dX = None
        if self.dropped is not None:   # what replay() brings back is now the forward before it
            self.dropped = Phase.UPDATED
        self.phase = Phase.UPDATED

    # -- letting go of the cached values, and computing them again ------------------------

    def drop_cache(self):
        """Forget the per-sample arrays of every layer (A_prev, Z, A, dA, dZ) and dL/dX to save
        memory, keeping the phase, the loss, dW, db and the batch's rows; replay() computes
        the same arrays again, bit for bit."""
        if self.dropped is not None or self.layers[0].Z is None:
            return
        self.dropped = self.phase
        for layer in self.layers:
            layer.A_prev = layer.Z = layer.A = layer.dA = layer.dZ = None
            for name in getattr(layer, "CACHED", ()):          # attention's Q, K, V, weights and theirs
                setattr(layer, name, None)
        self.dX = None

    def replay(self):
        """After drop_cache(): the same forward (and backward, if it had run) on the same rows
        with the parameters they were computed with, so every array comes back as it was."""
        phase = self.dropped
        if phase is None:
            return
        current = [layer.parameter_values() for layer in self.layers]
        loss = self.loss_value
        for layer, values in zip(self.layers, self.cached_params):
            layer.set_parameter_values(values)         # batch norm's γ, β too: a step moved them
        with np.errstate(all="ignore"):
            self.forward(self.X, self.Y, mode="fixed")
            if phase == Phase.BACKWARD:
                self.backward()
        for layer, values in zip(self.layers, current):
            layer.set_parameter_values(values)
        self.phase, self.loss_value = phase, loss

    # -- reading the network ------------------------------------------------------------

    def multiply_adds(self):
        """Multiply-adds of one sample's forward, roughly: a dense layer's W.size, a convolution's
        W.size at each output position, a pool's or a flatten's the size of its input."""
        total, shape = 0, self.input_shape
        for layer, out in zip(self.layers, self.shapes):
            if layer.W is None:
                total += int(np.prod(shape))
            elif isinstance(layer, Dense):
                total += layer.W.size * int(np.prod(out[:-1]))     # at every position of a sequence
            elif layer.W.ndim == 4:
                total += layer.W.size * int(np.prod(out[1:]))      # a convolution: at H_out·W_out positions
            else:
                T = shape[0]                                        # attention: Q, K, V, then T × T scores
                total += T * layer.W.size + 2 * T * T * (layer.W.shape[1] - layer.d_k)
            shape = out
        return total

    def check_weight(self, k, i, j):
        """ConfigError naming `layer`, `i` or `j` (query parameters) unless W[k][i, j] exists."""
        if not 0 <= k < len(self.layers):
            raise ConfigError("layer", f"layer must be below {len(self.layers)}, got {k}", location="query")
        W = self.layers[k].W
        if not isinstance(self.layers[k], Dense):
            kind = ("a layer without weights" if W is None else "a conv2d: o, c, u and v pick one of its kernel weights"
                    if W.ndim == 4 else "an attention head: param=Wq, Wk or Wv with i and j pick one of its weights")
            raise ConfigError("layer", f"layer {k} is {kind}; i and j pick a dense layer's weight", location="query")
        if not 0 <= i < W.shape[0]:
            raise ConfigError("i", f"i must be below {W.shape[0]} (fan_in of layer {k}), got {i}", location="query")
        if not 0 <= j < W.shape[1]:
            raise ConfigError("j", f"j must be below {W.shape[1]} (fan_out of layer {k}), got {j}", location="query")

    def predict(self, X):
        """The output for X with the current parameters, touching no cached value (batch norm
        with its running statistics, no dropout: inference mode)."""
        return self.activations_for(X)[-1]

    def activations_for(self, X):
        """Every layer's A for X (for pictures of each unit), touching no cached value
        (inference mode)."""
        out, A = [], X
        for layer in self.layers:
            A = layer.output(A, "infer")
            out.append(A)
        return out

    def loss_at(self, X, Y, mode="fixed"):
        """The loss for X, Y with the current parameters (a numpy scalar of their precision),
        its regularisation term included; dropout with the last mask, and batch norm with the
        batch's own statistics ("fixed": the training step's function, as a gradient check needs
        it) or with the last forward's ("last": the loss a Step's preview measures after it)."""
        return self.data_loss_at(X, as_rows(Y), mode) + self.penalty_in_precision()

    def loss_steps(self, X, Y, rows, first=0):
        """loss_at(X, Y) ("fixed" mode) as a generator that pauses (yields) after each `rows`
        rows of a layer's product A·W, for the compute thread's slices: the same number (a row
        of A·W is that row of A times W). Returns the loss. With `first`, X is the input of
        layer `first` and the forward starts there."""
        A = X
        for layer in self.layers[first:]:
            if isinstance(layer, Dense):         # batch norm needs the whole batch's z: its z first
                Z = np.empty((len(A), layer.fan_out), dtype=np.result_type(A, layer.W))
                for start in range(0, len(A), rows):
                    Z[start:start + rows] = A[start:start + rows] @ layer.W + layer.b
                    yield
                A = layer.output_from(Z) if layer is not self.layers[-1] else layer.activation.forward(Z)
                continue
            parts = []                           # a convolution, a pool, a flatten: sample by sample
            for start in range(0, len(A), rows):
                parts.append(layer.output(A[start:start + rows], "fixed"))
                yield
            A = np.concatenate(parts)
        return self.loss.value(Z, A, as_rows(Y)) + self.penalty_in_precision()

    def penalty_in_precision(self):
        """The regularisation term in the weights' own precision (extended in a gradient check);
        0 without one."""
        reg = self.regularization
        if reg is None:
            return 0
        weights = self.weights()
        return (reg.rate * 0.5 * sum(np.sum(W * W) for W in weights) if reg.kind == "l2"
                else reg.rate * sum(np.sum(np.abs(W)) for W in weights))

    def data_loss_at(self, X, Y, mode="fixed", params=None):
        """The loss for X, Y without the regularisation term, in `mode` (as loss_at), with the
        network's parameters or `params` (each layer's parameter_values()) instead."""
        params = params or [layer.parameter_values() for layer in self.layers]
        A = X
        for layer, values in zip(self.layers[:-1], params):
            A = layer.output(A, mode, values)
        W, b = params[-1][:2]
        Z = A @ W + b                  # the output layer has no options: the loss may want its z
        A = self.layers[-1].activation.forward(Z)
        return self.loss.value(Z, A, as_rows(Y))

    def copy(self):
        """A network with copies of this one's parameters (batch norm's γ, β and statistics and
        dropout's last masks too) and nothing computed."""
        if self.specs is not None:
            net = Network.of_specs(self.input_shape, self.specs, self.loss, params=self.get_params(),
                                   seed=self.seed, regularization=self.regularization)
        else:
            net = Network(self.sizes, [layer.activation for layer in self.layers], self.loss,
                          params=[(layer.W, layer.b) for layer in self.layers],
                          regularization=self.regularization, layer_options=self.layer_options)
        net.seed = self.seed
        net.dropout_rng.bit_generator.state = self.dropout_rng.bit_generator.state
        for mine, theirs in zip(net.layers, self.layers):
            if isinstance(theirs, OptionDense):
                for name in ("gamma", "beta", "running_mean", "running_var", "mean", "var", "mask"):
                    value = getattr(theirs, name)
                    setattr(mine, name, None if value is None else value.copy())
        return net

    def has_options(self):
        return any(isinstance(layer, OptionDense) for layer in self.layers)

    def reset_options(self):
        """Batch norm's γ, β and statistics as they start, dropout's generator seeded anew."""
        self.dropout_rng = np.random.default_rng([self.seed, 1])
        for layer in self.layers:
            if isinstance(layer, OptionDense):
                layer.rng = self.dropout_rng
                layer.reset_options()

    def set_dropout_state(self, numbers):
        """The dropout generator moved to `numbers` (engine/bookkeeping/past.py's generator_state)."""
        from .bookkeeping.past import generator_dict
        self.dropout_rng.bit_generator.state = generator_dict(numbers)

    def get_params(self):
        """Copies of every layer's W and b (an empty tuple for a layer without parameters)."""
        return [tuple(value.copy() for value in layer.parameter_values()[:2]) for layer in self.layers]

    def set_params(self, params):
        """Replace every W and b (shapes kept) and forget all computed values."""
        for k, (layer, values) in enumerate(zip(self.layers, params)):
            if isinstance(layer, Dense):
                layer.W, layer.b = check_params(values, k, layer.fan_in, layer.fan_out, finite=False)
            elif values:                        # a convolution's kernels and bias
                try:
                    W, b = (np.array(v, dtype=np.float64) for v in values)
                except ValueError:
                    raise ConfigError("params", f"params[{k}] has kernels of different shapes") from None
                if W.shape != layer.W.shape or b.shape != layer.b.shape:
                    raise ConfigError("params", f"params[{k}] must have W of shape {layer.W.shape} and b of "
                                                f"shape {layer.b.shape}, got {W.shape} and {b.shape}")
                layer.W, layer.b = W, b
            layer.clear()
        self.X = self.Y = self.dX = None
        self.loss_value = None
        self.cached_params = self.dropped = None
        self.phase = Phase.FRESH


def check_layer_options(options, hidden):
    """One {"batch_norm": bool, "dropout": p} per hidden layer (0 <= p <= 0.9), defaults filled
    in; ConfigError naming `layer_options` otherwise."""
    if not options:
        return []
    if len(options) != hidden:
        raise ConfigError("layer_options", f"layer_options needs one entry per hidden layer: {hidden}, "
                                           f"got {len(options)}")
    checked = []
    for k, entry in enumerate(options):
        entry = dict(entry or {})
        batch_norm, rate = entry.pop("batch_norm", False), entry.pop("dropout", 0.0)
        if entry:
            raise ConfigError("layer_options", f"layer_options[{k}] has unknown keys {sorted(entry)}: "
                                               f"batch_norm and dropout are known")
        if not isinstance(batch_norm, bool):
            raise ConfigError("layer_options", f"layer_options[{k}].batch_norm must be true or false")
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate <= MAX_DROPOUT:
            raise ConfigError("layer_options", f"layer_options[{k}].dropout must be a rate from 0 to "
                                               f"{MAX_DROPOUT}, got {rate!r}")
        checked.append({"batch_norm": batch_norm, "dropout": float(rate)})
    return checked


def check_params(entry, k, fan_in, fan_out, finite=True):
    """Explicit W and b for layer k as float arrays, with their shapes checked, and with
    finite=True their numbers (a client's starting weights; a diverged network's own state may
    hold NaN or infinity, and loads as it is)."""
    if isinstance(entry, dict):
        W, b = entry.get("W"), entry.get("b")
    else:
        W, b = entry
    if not isinstance(W, np.ndarray) and len({len(row) for row in W}) > 1:
        raise ConfigError("params", f"params[{k}].W has rows of different lengths")
    W = np.array(W, dtype=np.float64)
    b = np.array(b, dtype=np.float64)
    if W.shape != (fan_in, fan_out):
        raise ConfigError("params", f"params[{k}].W must have shape ({fan_in}, {fan_out}), got {W.shape}")
    if b.shape != (fan_out,):
        raise ConfigError("params", f"params[{k}].b must have shape ({fan_out},), got {b.shape}")
    if finite and not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise ConfigError("params", f"params[{k}] holds a NaN or infinite number")
    return W, b
