"""A session's configuration, with every bound in the types so that it shows in /docs.

Numbers are strict (no booleans, no numeric strings; an int is a float), and a refused body
costs little to refuse: unknown keys give one error, and a matrix of numbers is checked row by
row, stopping at the first bad row, so 320,000 bad entries give a handful of errors, not
320,000 of them.
"""
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter, ValidationError, WrapValidator, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..engine import ACTIVATIONS, DATASETS, LOSSES, OPTIMIZERS
from ..engine.datasets import IMAGES, MAX_IMAGES
from ..engine.init import INITS
from ..engine.layers.kinds import KERNELS, MAX_CHANNELS, MAX_FLAT, MAX_PADDING, POOL_SIZES, STRIDES
from ..engine.optimizers import SETTINGS
from ..engine.features import FEATURES
from ..limits import MAX_DENSE_LAYERS, MAX_NOISE, MAX_POINTS, MAX_SEED, MAX_UNITS

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
# the names come from the engine's registries: a new activation, loss, optimiser or dataset there
# is one here and in the page's catalog (app/api/catalog.py) at once
ActivationName = Literal[tuple(ACTIVATIONS)]
LossName = Literal[tuple(LOSSES)]
OptimizerName = Literal[tuple(OPTIMIZERS)]
DatasetName = Literal[tuple(DATASETS) + tuple(IMAGES)]
InitName = Literal[tuple(INITS)]
Row = Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_UNITS)]
MAX_UNKNOWN_NAMED = 5        # unknown keys named in the one error about them
_ROW = TypeAdapter(Row, config=ConfigDict(strict=True))


def first_bad_row(value, handler):
    """Check a list of rows one row at a time; at the first bad row, the usual errors of the rows
    up to it (so at most one row's worth), instead of an error for every bad entry."""
    if isinstance(value, list):
        for r, row in enumerate(value):
            try:
                _ROW.validate_python(row)
            except ValidationError:
                return handler(value[:r + 1])
            if r >= MAX_POINTS:                 # too many rows: the usual too_long error
                break
    return handler(value)


Rows = WrapValidator(first_bad_row)


def first_bad_item(item_type):
    """A list checked one item at a time: at the first bad item, the usual error of the items
    up to it (one error, not one for every bad item of a long list)."""
    item = TypeAdapter(item_type, config=ConfigDict(strict=True))

    def check(value, handler):
        if isinstance(value, list):
            for n, entry in enumerate(value):
                try:
                    item.validate_python(entry)
                except ValidationError:
                    return handler(value[:n + 1])
        return handler(value)
    return WrapValidator(check)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="wrap")
    @classmethod
    def unknown_keys_once(cls, data, handler):
        """Past a few unknown keys (each of which gets its error, naming it), one error for all of
        them, naming the first few: not 150,000 errors for 150,000 keys."""
        fields = cls.model_fields
        if isinstance(data, dict) and len(data) > len(fields) + MAX_UNKNOWN_NAMED:
            unknown = [key for key in data if key not in fields]
            if len(unknown) > MAX_UNKNOWN_NAMED:
                named = ", ".join(repr(str(k)[:40]) for k in unknown[:MAX_UNKNOWN_NAMED])
                more = f" and {len(unknown) - MAX_UNKNOWN_NAMED} more" if len(unknown) > MAX_UNKNOWN_NAMED else ""
                raise PydanticCustomError("extra_forbidden", "unknown field {named}{more}; the fields are: {known}",
                                          {"named": named, "more": more, "known": ", ".join(fields)})
        return handler(data)


def setting(name):
    """A Field with the default, bounds and text of optimizers.SETTINGS[name]."""
    s = SETTINGS[name]
    bounds = {"gt" if s.low_open else "ge": s.low, "lt" if s.high_open else "le": s.high}
    return Field(s.default, allow_inf_nan=False, description=s.text, **bounds)


class OptimizerConfig(Strict):
    """The optimiser and its settings (beta for momentum; beta1, beta2, eps for adam)."""

    name: OptimizerName = "sgd"
    lr: float = setting("lr")
    beta: float = setting("beta")
    beta1: float = setting("beta1")
    beta2: float = setting("beta2")
    eps: float = setting("eps")

    def settings(self):
        """The settings this optimiser takes, besides lr."""
        return {name: getattr(self, name) for name in OPTIMIZERS[self.name].takes}


class NamedDataset(Strict):
    """One of the built-in datasets, drawn with its own seed."""

    name: DatasetName = "xor"
    n: int = Field(200, ge=1, le=MAX_POINTS, description="number of points (single has one)")
    noise: float = Field(0.1, ge=0, le=MAX_NOISE)
    seed: Seed = 0

    @field_validator("n")
    @classmethod
    def few_enough_images(cls, n, info):
        if info.data.get("name") in IMAGES and n > MAX_IMAGES:
            raise PydanticCustomError("less_than_equal", "an image dataset has at most {le} images", {"le": MAX_IMAGES})
        return n


MIN_SIDE, MAX_SIDE, MAX_IMAGE_CHANNELS = 4, 16, 3
ImageRow = Annotated[list[FiniteFloat], Field(min_length=MIN_SIDE, max_length=MAX_SIDE)]
Image = Annotated[list[Annotated[list[ImageRow], Field(min_length=MIN_SIDE, max_length=MAX_SIDE)]],
                  Field(min_length=1, max_length=MAX_IMAGE_CHANNELS, description="(C, H, W)")]
Images = Annotated[list[Image], Field(min_length=1, max_length=MAX_POINTS), first_bad_item(Image)]


def inputs_kind(value):
    """"images" when X's rows are nested lists (C, H, W), else "rows"."""
    return "images" if isinstance(value, list) and value and isinstance(value[0], list) and value[0] \
        and isinstance(value[0][0], list) else "rows"


class PointsDataset(Strict):
    """Points supplied by the client: X rows are inputs (or images (C, H, W), 1-3 channels of
    4-16 × 4-16 pixels), Y rows targets."""

    X: Annotated[Annotated[Annotated[list[Row], Field(min_length=1, max_length=MAX_POINTS), Rows], Tag("rows")]
                 | Annotated[Images, Tag("images")], Discriminator(inputs_kind)]
    Y: Annotated[list[Row], Field(min_length=1, max_length=MAX_POINTS), Rows]


def dataset_kind(value):
    """"points" when X or Y are given, else "named": so errors speak of the form that was meant."""
    if isinstance(value, dict):
        return "points" if "X" in value or "Y" in value else "named"
    return "points" if isinstance(value, PointsDataset) else "named"


DatasetSpec = Annotated[
    Annotated[NamedDataset, Tag("named")] | Annotated[PointsDataset, Tag("points")],
    Discriminator(dataset_kind),
    Field(description='{"name", "n", "noise", "seed"} for a built-in dataset, or {"X", "Y"} for your own points'),
]


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


def params_kind(value):
    """"kernels" when W is 4-D (a convolution's), else "rows"."""
    W = value.get("W") if isinstance(value, dict) else getattr(value, "W", None)
    deep = isinstance(W, list) and W and isinstance(W[0], list) and W[0] and isinstance(W[0][0], list)
    return "kernels" if deep else "rows"


# one layer's starting weights: a dense layer's, a conv layer's kernels, or none (a pool, flatten)
Params = Annotated[Annotated[LayerParams, Tag("rows")] | Annotated[KernelParams, Tag("kernels")],
                   Discriminator(params_kind)] | None


FeatureName = Literal[tuple(FEATURES)]


class LayerOptions(Strict):
    """What a hidden layer adds to z = a_prev W + b: batch norm before its activation, dropout after."""

    batch_norm: bool = Field(False, description="normalise z over the batch, then γ ẑ + β (needs batches of 2 or more)")
    dropout: float = Field(0.0, ge=0, le=0.9, description="the share of the layer's units dropped in each training forward")


class RegularizationConfig(Strict):
    kind: Literal["l1", "l2"] = Field(description="l2: + rate · ½ Σ W²; l1: + rate · Σ |W| (weights, not biases)")
    rate: float = Field(ge=0, le=10)


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


LayerSpec = Annotated[ConvSpec | PoolSpec | FlattenSpec | DenseSpec, Field(discriminator="type")]


def layers_kind(value):
    """"specs" when the layers are objects ({"type": …}), else "sizes"."""
    return "specs" if isinstance(value, list) and value and not isinstance(value[0], int) else "sizes"


Layers = Annotated[
    Annotated[Annotated[list[Units], Field(min_length=2, max_length=MAX_DENSE_LAYERS + 1)], Tag("sizes")]
    | Annotated[Annotated[list[LayerSpec], Field(min_length=1, max_length=MAX_DENSE_LAYERS)], Tag("specs")],
    Discriminator(layers_kind)]


class SessionConfig(Strict):
    """A network, its data and its optimiser. Every field has a default: `{}` gives xor, 2-4-1,
    tanh/sigmoid, bce, plain SGD."""

    layers: Layers | None = Field(None, description=(
        "layer sizes, input first, e.g. [2, 4, 1] (default: the dataset's inputs, 4, its outputs); or layer "
        "objects, such as a small CNN on images: conv2d, maxpool2d, avgpool2d, flatten, dense"))
    activations: list[ActivationName] | None = Field(
        None, min_length=1, max_length=MAX_DENSE_LAYERS,
        description="one per non-input layer; default tanh for hidden layers and the loss's output activation")
    loss: LossName | None = Field(None, description="default: bce for 2 classes, cross_entropy for 3, mse for regression")
    optimizer: OptimizerConfig = OptimizerConfig()
    batch_size: int | None = Field(None, ge=1, le=MAX_POINTS, description="null: the full batch")
    seed: Seed = Field(0, description="seeds the initial weights and the minibatch order")
    init: InitName | None = Field(None, description="default: he for relu and leaky_relu, xavier otherwise")
    leaky_relu_alpha: float = Field(0.01, ge=0, le=1)
    dataset: DatasetSpec = NamedDataset()
    params: list[Params] | None = Field(None, min_length=1, max_length=MAX_DENSE_LAYERS)
    regularization: RegularizationConfig | None = Field(None, description="a weight penalty added to the loss, or none")
    layer_options: list[LayerOptions] | None = Field(None, max_length=MAX_DENSE_LAYERS - 1, description=(
        "one entry per hidden layer: batch norm and dropout; null: none"))
    test_ratio: float = Field(0, ge=0, le=0.9, description=(
        "the share of the points held out as test points (floor(n · ratio), seeded by seed; at least one "
        "left to train on); the network never trains on them"))
    features: list[FeatureName] | None = Field(
        None, min_length=1, max_length=len(FEATURES),
        description="the network's inputs, worked out from each point (x1, x2); default: the points' own inputs")
