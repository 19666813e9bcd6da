"""What a trainer holds in memory: its data, parameters, cached values, optimiser state, history."""
import numpy as np

from ..layers.attention import Attention
from ..layers.conv import Conv2D
from ..layers.normalization import OptionDense
from .past import MAX_KEPT

HISTORY_ENTRY_BYTES = 88   # one (step, loss) pair: two list slots, an int and a float object


def held_bytes(trainer):
    """Bytes of every array the trainer holds now, each buffer counted once (the A of one layer
    is the A_prev of the next, a linear layer's A is its Z), and of its loss history."""
    return (array_bytes(arrays_of(trainer)) + len(trainer.history) * HISTORY_ENTRY_BYTES
            + trainer.past.bytes)


def peak_bytes(trainer):
    """The most the trainer can hold: everything it holds now, with the cached values of a
    forward and backward on a whole batch, the optimiser's state, the previous parameters
    the cache belongs to, and a full loss history."""
    net = trainer.network
    rows = trainer.batches.size or len(trainer.X)
    params = sum(layer.W.size + layer.b.size for layer in net.layers if layer.W is not None)
    per_row = int(np.prod(net.input_shape)) * 2           # the batch's X and dL/dX
    # Z, A, dA, dZ of each layer (a convolution's padded input and its gradient too)
    per_row += sum(4 * int(np.prod(shape)) for shape in net.shapes)
    per_row += 2 * sum(int(np.prod(net.shapes[k - 1] if k else net.input_shape)) for k, layer in enumerate(net.layers)
                       if isinstance(layer, Conv2D))
    for layer in net.layers:
        if isinstance(layer, Attention):     # Q, K, V and their gradients; the weights and theirs (T × T)
            T = net.input_shape[0]
            per_row += 2 * T * layer.W.shape[1] + 2 * T * T
    options = [layer for layer in net.layers if isinstance(layer, OptionDense)]
    per_row += sum(6 * layer.fan_out for layer in options)   # ẑ, y, f(y), the mask, dL/dy, dL/dẑ
    params += sum(8 * layer.fan_out for layer in options)    # γ, β, their gradients, the statistics
    per_row += net.output_units                           # the batch's Y
    state = {"sgd": 0, "momentum": 1, "adam": 2}.get(trainer.optimizer.name, 2)
    # gradients (now and of the last update), state, previous W and b
    cached = 8 * (rows * per_row + params * (3 + state + 1))
    fixed = array_bytes([trainer.X, trainer.points, trainer.Y, trainer.batches.order, *(trainer.test or ())]
                        + [a for pair in trainer.initial for a in pair]
                        + [a for layer in net.layers for a in (layer.W, layer.b) if a is not None])
    # the past states at their most: as many as are kept, each its W, b and optimiser arrays,
    # within their budget (and, beyond it, the start and the newest)
    past = min(trainer.past.budget + 2 * 8 * params * (1 + state), MAX_KEPT * 8 * params * (1 + state))
    return fixed + cached + (trainer.history.cap + 1) * HISTORY_ENTRY_BYTES + past


def arrays_of(trainer):
    net = trainer.network
    arrays = [trainer.X, trainer.points, trainer.Y, trainer.batches.order, net.X, net.Y, net.dX,
              *(trainer.test or ())]
    arrays += [a for pair in trainer.initial for a in pair]
    arrays += [a for values in (net.cached_params or []) for a in values]
    for layer in net.layers:
        arrays += [layer.W, layer.b, layer.A_prev, layer.Z, layer.A, layer.dA, layer.dZ, layer.dW, layer.db]
        arrays += layer.option_arrays()                   # batch norm's and dropout's
    arrays += [a for pair in (trainer.last_gradients or []) for a in pair]
    for value in trainer.optimizer.state.values():
        arrays += list(value) if isinstance(value, tuple) else [value]
    return arrays


def array_bytes(arrays):
    """Total bytes of the distinct buffers behind these arrays (None entries skipped)."""
    seen, total = set(), 0
    for a in arrays:
        if not isinstance(a, np.ndarray):
            continue
        owner = a
        while isinstance(owner.base, np.ndarray):
            owner = owner.base
        if id(owner) not in seen:
            seen.add(id(owner))
            total += owner.nbytes
    return total
