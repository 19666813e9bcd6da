"""The layer kinds a network can be made of, one entry each: its name, what a learner calls it,
the bounds of its settings, and how it is built on an input of a given shape. The schema and
the page's catalog read this table."""
import numpy as np

from ..activations import get_activation
from ..errors import ConfigError
from ..init import default_init, init_weights
from .attention import Attention
from .conv import Conv2D, out_size
from .dense import Dense
from .pool import AvgPool2D, Flatten, MaxPool2D

MAX_CHANNELS = 8           # a conv layer's kernels
KERNELS = (1, 3, 5, 7)     # odd: the window has a centre
STRIDES = (1, 2)
MAX_PADDING = 3
POOL_SIZES = (2, 3)
MAX_FLAT = 1024            # the inputs of a dense layer after a flatten (C·H·W)
MAX_HEAD = 16              # an attention head's d_k and d_v


def shape_text(shape):
    return "×".join(map(str, shape))


def conv_weights(C_out, C_in, k, scheme, rng):
    """Kernels (C_out, C_in, k, k) and a zero bias, drawn as a dense layer's with fan_in = C_in·k²
    and fan_out = C_out·k² (what one output and one input position see)."""
    fan_in, fan_out = C_in * k * k, C_out * k * k
    if scheme == "xavier":
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-limit, limit, size=(C_out, C_in, k, k))
    else:
        W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(C_out, C_in, k, k))
    return W, np.zeros(C_out)


def build_conv(spec, shape, where, rng, init):
    if len(shape) != 3:
        raise ConfigError(where, f"{where}: a conv2d needs an image (C, H, W) as input, got {shape_text(shape)}")
    C_in, H, W = shape
    k, p, s = spec["kernel"], spec["padding"], spec["stride"]
    if k > H + 2 * p or k > W + 2 * p:
        raise ConfigError(where, f"{where}: a {k}×{k} kernel is larger than its input {shape_text(shape)} "
                                 f"padded by {p}")
    act = get_activation(spec["activation"])
    if not act.elementwise:
        raise ConfigError(where, f"{where}: softmax is only allowed on the output layer")
    layer = Conv2D(*conv_weights(spec["channels"], C_in, k, init or default_init(act.name), rng), act, s, p)
    return layer, (spec["channels"], out_size(H, k, s, p), out_size(W, k, s, p))


def build_pool(Pool):
    def build(spec, shape, where, rng, init):
        if len(shape) != 3:
            raise ConfigError(where, f"{where}: a pool needs an image (C, H, W) as input, got {shape_text(shape)}")
        size = spec["size"]
        if shape[1] < size or shape[2] < size:
            raise ConfigError(where, f"{where}: a {size}×{size} pool is larger than its input {shape_text(shape)}")
        layer = Pool(size)
        return layer, layer.out_shape(shape)
    return build


def build_flatten(spec, shape, where, rng, init):
    if len(shape) != 3:
        raise ConfigError(where, f"{where}: flatten takes an image (C, H, W), got {shape_text(shape)}")
    layer = Flatten()
    return layer, layer.out_shape(shape)


def build_dense(spec, shape, where, rng, init):
    """A dense layer on a vector, or on every position of a sequence (T, features) with one W."""
    if len(shape) == 3:
        raise ConfigError(where, f"{where}: a dense layer after a {shape_text(shape)} output needs a flatten before it")
    if shape[-1] > MAX_FLAT:
        raise ConfigError(where, f"{where}: a dense layer takes at most {MAX_FLAT} inputs, and the layer before "
                                 f"it gives {shape[-1]}: add a pool, or a stride of 2, to make the maps smaller")
    act = get_activation(spec["activation"])
    W, b = init_weights(shape[-1], spec["units"], init or default_init(act.name), rng)
    return Dense(W, b, act), (*shape[:-1], spec["units"])


def build_attention(spec, shape, where, rng, init):
    if where != "layers[0]" or len(shape) != 2:
        raise ConfigError(where, f"{where}: attention is the first layer, on sequences (T, features); "
                                 f"its input here is {shape_text(shape)}")
    T, d_in = shape
    d_k, d_v = spec["d_k"], spec["d_v"]
    # Wq, Wk, Wv side by side, each drawn as a dense layer's of fan_in d_in (xavier unless told)
    W = np.concatenate([init_weights(d_in, d, init or "xavier", rng)[0] for d in (d_k, d_k, d_v)], axis=1)
    return Attention(W, d_k, spec["causal"]), (T, d_v)


# name -> (what a learner calls it, its settings: the values each takes (a tuple of choices or a
# range low..high) and its default (None: required), its builder)
KINDS = {
    "conv2d": ("convolution", {"channels": (range(1, MAX_CHANNELS + 1), None), "kernel": (KERNELS, None),
                               "stride": (STRIDES, 1), "padding": (range(0, MAX_PADDING + 1), 0)}, build_conv),
    "maxpool2d": ("max pooling", {"size": (POOL_SIZES, None)}, build_pool(MaxPool2D)),
    "avgpool2d": ("average pooling", {"size": (POOL_SIZES, None)}, build_pool(AvgPool2D)),
    "flatten": ("flatten", {}, build_flatten),
    "attention": ("self-attention", {"d_k": (range(1, MAX_HEAD + 1), None), "d_v": (range(1, MAX_HEAD + 1), None),
                                     "causal": ((False, True), False)}, build_attention),
    "dense": ("dense", {}, build_dense),          # its units: as many as a session allows (app.limits)
}


def build_layers(input_shape, specs, rng, init=None):
    """The layers of `specs` (dicts with "type" and its settings, defaults filled in) on an input
    of `input_shape`, and each one's output shape; ConfigError naming layers[k] and the shapes."""
    layers, shapes, shape = [], [], tuple(input_shape)
    for k, spec in enumerate(specs):
        where = f"layers[{k}]"
        if spec.get("type") not in KINDS:
            raise ConfigError(where, f"{where}: unknown layer type {spec.get('type')!r}; one of {sorted(KINDS)}")
        layer, shape = KINDS[spec["type"]][2](spec, shape, where, rng, init)
        layers.append(layer)
        shapes.append(shape)
    if specs[-1]["type"] != "dense":
        where = f"layers[{len(specs) - 1}]"
        raise ConfigError(where, f"{where}: the last layer must be dense, the outputs a loss compares with the "
                                 f"targets; this one's output is {shape_text(shape)}")
    return layers, shapes
