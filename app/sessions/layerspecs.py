"""A network of layer objects in a configuration: each kind's settings with their bounds (from
the engine's table, engine/layers/kinds.py), and the starting weights a layer may be given."""
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag

from ..engine.layers.kinds import KERNELS, MAX_CHANNELS, MAX_FLAT, MAX_HEAD, MAX_PADDING, POOL_SIZES, STRIDES
from ..limits import MAX_DENSE_LAYERS
from .fields import ActivationName, FiniteFloat, Row, Rows, Strict, Units

class LayerParams(Strict):
    """Explicit starting weights of one dense layer: W is fan_in rows of fan_out numbers (up to
    1024 rows after a flatten)."""

    W: Annotated[list[Row], Field(min_length=1, max_length=MAX_FLAT), Rows]
    b: Row


KernelRow = Annotated[list[FiniteFloat], Field(min_length=1, max_length=max(KERNELS))]
Kernel = Annotated[list[KernelRow], Field(min_length=1, max_length=max(KERNELS))]


class KernelParams(Strict):
    """Explicit starting kernels of one conv layer: W (C_out, C_in, k, k), b (C_out,)."""

    W: Annotated[list[Annotated[list[Kernel], Field(min_length=1, max_length=MAX_CHANNELS)]],
                 Field(min_length=1, max_length=MAX_CHANNELS)]
    b: Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_CHANNELS)]


HeadMatrix = Annotated[list[Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_HEAD)]],
                       Field(min_length=1, max_length=MAX_FLAT), Rows]


class AttentionParams(Strict):
    """Explicit starting weights of an attention head: Wq, Wk (d_in, d_k) and Wv (d_in, d_v)."""

    Wq: HeadMatrix
    Wk: HeadMatrix
    Wv: HeadMatrix


def params_kind(value):
    """"attention" for Wq, Wk, Wv; "kernels" when W is 4-D (a convolution's), else "rows"."""
    get = value.get if isinstance(value, dict) else lambda name: getattr(value, name, None)
    if get("Wq") is not None:
        return "attention"
    W = get("W")
    deep = isinstance(W, list) and W and isinstance(W[0], list) and W[0] and isinstance(W[0][0], list)
    return "kernels" if deep else "rows"


# one layer's starting weights: a dense layer's, a conv layer's kernels, an attention head's, or
# none (a pool, flatten)
Params = Annotated[Annotated[LayerParams, Tag("rows")] | Annotated[KernelParams, Tag("kernels")]
                   | Annotated[AttentionParams, Tag("attention")], Discriminator(params_kind)] | None


class ConvSpec(Strict):
    """A convolution: `channels` kernels of kernel × kernel over every input channel."""

    type: Literal["conv2d"]
    channels: int = Field(ge=1, le=MAX_CHANNELS)
    kernel: Literal[KERNELS] = Field(description="odd: the window has a centre")
    stride: Literal[STRIDES] = 1
    padding: int = Field(0, ge=0, le=MAX_PADDING)
    activation: ActivationName = "relu"


class PoolSpec(Strict):
    """Max or average pooling of size × size windows, stride size."""

    type: Literal["maxpool2d", "avgpool2d"]
    size: Literal[POOL_SIZES]


class FlattenSpec(Strict):
    """(C, H, W) to one vector of C·H·W, for the dense layers after it."""

    type: Literal["flatten"]


class DenseSpec(Strict):
    """A dense layer; the last one's units default to the data's outputs, its activation to the
    loss's output activation, a hidden one's to tanh."""

    type: Literal["dense"]
    units: Units | None = None
    activation: ActivationName | None = None


class AttentionSpec(Strict):
    """One self-attention head, the first layer, on sequences (T, features)."""

    type: Literal["attention"]
    d_k: int = Field(ge=1, le=MAX_HEAD, description="the size of a query and a key")
    d_v: int = Field(ge=1, le=MAX_HEAD, description="the size of a value, and of the head's output")
    causal: bool = Field(False, description="a position attends only to itself and those before it")


LayerSpec = Annotated[ConvSpec | PoolSpec | FlattenSpec | DenseSpec | AttentionSpec, Field(discriminator="type")]


def layers_kind(value):
    """"specs" when the layers are objects ({"type": …}), else "sizes"."""
    return "specs" if isinstance(value, list) and value and not isinstance(value[0], int) else "sizes"


Layers = Annotated[
    Annotated[Annotated[list[Units], Field(min_length=2, max_length=MAX_DENSE_LAYERS + 1)], Tag("sizes")]
    | Annotated[Annotated[list[LayerSpec], Field(min_length=1, max_length=MAX_DENSE_LAYERS)], Tag("specs")],
    Discriminator(layers_kind)]
