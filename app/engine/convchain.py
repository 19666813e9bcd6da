"""The chain rule inside a convolution, for one sample: a kernel weight's gradient as a sum over
the output positions it was used at (the input correlated with dL/dZ), an input's gradient as a
sum over the kernel weights that saw it (the full convolution of dL/dZ with the flipped kernel),
and where a pool sent an input's gradient."""
from dataclasses import dataclass

import numpy as np

from .chain import check_index
from .errors import ConfigError
from .layers.conv import Conv2D
from .layers.pool import MaxPool2D, Pool2D
from .network import Phase, PhaseError


@dataclass(frozen=True)
class KernelTerm:
    """W[o,c,u,v] multiplied input x at output position (r, s); dL/dz there times x is its share."""

    position: tuple
    x: float
    dL_dz: float
    product: float


@dataclass(frozen=True)
class KernelChain:
    """dL/dW[k][o,c,u,v] for batch row `sample`: one term per output position, their sum, and the
    same sum over the batch (= dW, less a weight penalty's part)."""

    layer: int
    o: int
    c: int
    u: int
    v: int
    w: float
    terms: list
    sample_sum: float
    batch_sum: float
    batch_size: int
    dW: float


@dataclass(frozen=True)
class InputTerm:
    """Input (c, r, s) was seen by kernel weight W[o,c,u,v] at output position `position`."""

    out: int
    kernel: tuple
    position: tuple
    weight: float
    dL_dz: float
    product: float


@dataclass(frozen=True)
class InputChain:
    """dL/dx of input (c, r, s) of conv layer k for batch row `sample`: one term per kernel weight
    whose window covered it, and their sum (= the sample's dx, or the previous layer's da)."""

    layer: int
    input: tuple
    terms: list
    sample_sum: float
    gradient: float


@dataclass(frozen=True)
class PoolRoute:
    """Where a pool sent the gradient of its input (c, r, s): the window it is in (None for a row or
    column the pool leaves out), that window's values, its output's dL/da, and the share."""

    layer: int
    input: tuple
    kind: str
    window: tuple | None
    window_values: list | None
    winner: tuple | None
    dL_da: float | None
    share: float
    gradient: float


def gradients_ready(network):
    if network.phase != Phase.BACKWARD:
        raise PhaseError("click Forward, then Backward: there are no gradients for the current "
                         "parameters to look at yet")
    network.replay()                     # cached values a memory budget let go come back


def layer_of(network, k, kind, what):
    check_index("layer", k, len(network.layers))
    layer = network.layers[k]
    if not isinstance(layer, kind):
        name = layer_name(layer)
        raise ConfigError("layer", f"layer {k} is {'an' if name[0] in 'aeiou' else 'a'} {name}: {what}", location="query")
    return layer


def layer_name(layer):
    """What a learner calls the layer: "conv2d", "maxpool2d", "attention head", "dense layer", …"""
    name = getattr(layer, "name", None)
    return {"attention": "attention head", None: "conv2d" if isinstance(layer, Conv2D) else "dense layer"}.get(name, name)


def check_kernel_weight(network, k, o, c, u, v):
    """ConfigError naming `layer`, `o`, `c`, `u` or `v` (query parameters) unless W[k][o,c,u,v] exists."""
    W = layer_of(network, k, Conv2D, "o, c, u, v pick a weight of a conv2d layer's kernels").W
    for name, value, size in zip("ocuv", (o, c, u, v), W.shape):
        check_index(name, value, size, f" (layer {k}'s kernels are {'×'.join(map(str, W.shape))})")


def kernel_chain(network, k, o, c, u, v, row):
    """dL/dW[k][o,c,u,v] for batch row `row`, one output position at a time."""
    check_kernel_weight(network, k, o, c, u, v)
    gradients_ready(network)
    layer = network.layers[k]
    check_index("sample", row, len(layer.Z), " (the rows of the batch)")
    x = layer.windows(layer.padded(layer.A_prev))[:, c, :, :, u, v]   # x[n, r, s] = X_pad[n, c, r·st + u, s·st + v]
    dz = layer.dZ[:, o]                                              # dL/dz[n, r, s] of output channel o
    products = x * dz                 # dW[o,c,u,v] = Σ_n Σ_{r,s} x[n, r, s] · dL/dz[n, r, s]
    terms = [KernelTerm((r, s), float(x[row, r, s]), float(dz[row, r, s]), float(products[row, r, s]))
             for r, s in np.ndindex(*x.shape[1:])]
    return KernelChain(layer=k, o=o, c=c, u=u, v=v, w=float(layer.W[o, c, u, v]), terms=terms,
                       sample_sum=float(products[row].sum()), batch_sum=float(products.sum()),
                       batch_size=len(products), dW=float(layer.dW[o, c, u, v]))


def input_gradient(network, k, row):
    """The sample's dL/d(input of layer k): dL/dX for the first layer, the previous layer's dA after."""
    return network.dX[row] if k == 0 else network.layers[k - 1].dA[row]


def check_input(network, k, position):
    """ConfigError naming `layer` unless layer k is a conv2d or a pool, or `input` unless (c, r, s)
    is inside its input."""
    layer_of(network, k, (Conv2D, Pool2D), "input= looks at a conv2d's or a pool's input")
    C, H, W = network.input_shape if k == 0 else network.shapes[k - 1]
    for name, value, size in zip(("c", "r", "s"), position, (C, H, W)):
        if not 0 <= value < size:
            raise ConfigError("input", f"input {name} must be below {size} (layer {k}'s input is {C}×{H}×{W}), "
                                       f"got {value}", location="query")


def input_chain(network, k, position, row):
    """dL/dx of input position (c, r, s) of conv layer k for batch row `row`: the sum over every
    kernel weight W[o,c,u,v] that multiplied it, of that weight times the dL/dz it fed."""
    check_input(network, k, position)
    gradients_ready(network)
    layer = network.layers[k]
    if isinstance(layer, Pool2D):
        return pool_route(network, k, position, row)
    check_index("sample", row, len(layer.Z), " (the rows of the batch)")
    c, r, s = position
    p, st = layer.padding, layer.stride
    C_out, _, kh, kw = layer.W.shape
    H_out, W_out = layer.Z.shape[2:]
    terms = []
    for o in range(C_out):
        for u in range(kh):
            for v in range(kw):
                # weight (u, v) lands on input r at the output row r_out with r_out·stride + u = r + p
                r_out, r_left = divmod(r + p - u, st)
                s_out, s_left = divmod(s + p - v, st)
                if r_left or s_left or not (0 <= r_out < H_out and 0 <= s_out < W_out):
                    continue
                w, dz = float(layer.W[o, c, u, v]), float(layer.dZ[row, o, r_out, s_out])
                terms.append(InputTerm(o, (u, v), (r_out, s_out), w, dz, w * dz))
    return InputChain(layer=k, input=tuple(position), terms=terms, sample_sum=float(sum(t.product for t in terms)),
                      gradient=float(input_gradient(network, k, row)[c, r, s]))


def pool_route(network, k, position, row):
    """Where pool layer k sent the gradient of its input (c, r, s) for batch row `row`: all of its
    window's dL/da to the window's (first) max, or 1/k² of it to each input of an average."""
    layer = network.layers[k]
    check_index("sample", row, len(layer.A), " (the rows of the batch)")
    c, r, s = position
    size = layer.size
    kind = "max" if isinstance(layer, MaxPool2D) else "average"
    R, S = r // size, s // size
    gradient = float(input_gradient(network, k, row)[c, r, s])
    if R >= layer.A.shape[2] or S >= layer.A.shape[3]:         # the pool's floor leaves this row or column out
        return PoolRoute(k, tuple(position), kind, None, None, None, None, 0.0, gradient)
    window = layer.A_prev[row, c, R * size:(R + 1) * size, S * size:(S + 1) * size]
    winner = np.unravel_index(np.argmax(window), window.shape)     # the first max in row-major order
    if kind == "max":
        share = 1.0 if (r - R * size, s - S * size) == winner else 0.0
    else:
        share = 1.0 / size ** 2
    return PoolRoute(k, tuple(position), kind, (R, S), window.tolist(),
                     tuple(int(i) for i in winner) if kind == "max" else None,
                     float(layer.dA[row, c, R, S]), share, gradient)
