"""A session's configuration, with every bound in the types so that it shows in /docs.

Numbers are strict (no booleans, no numeric strings; an int is a float), and a refused body
costs little to refuse: unknown keys give one error, and a matrix of numbers is checked row by
row, stopping at the first bad row, so 320,000 bad entries give a handful of errors, not
320,000 of them.
"""
from typing import Annotated, Literal

from pydantic import Discriminator, Field, Tag, field_validator
from pydantic_core import PydanticCustomError

from ..engine import DATASETS, LOSSES, OPTIMIZERS
from ..engine.datasets import IMAGES, MAX_IMAGES, SEQUENCES
from ..engine.init import INITS
from ..engine.optimizers import SETTINGS
from ..engine.features import FEATURES
from ..limits import MAX_DENSE_LAYERS, MAX_NOISE, MAX_POINTS, MAX_SEED
from .fields import ActivationName, FiniteFloat, Row, Rows, Strict, first_bad_item
from .layerspecs import Layers, Params

Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
# the names come from the engine's registries: a new activation, loss, optimiser or dataset there
# is one here and in the page's catalog (app/api/catalog.py) at once
LossName = Literal[tuple(LOSSES)]
OptimizerName = Literal[tuple(OPTIMIZERS)]
DatasetName = Literal[tuple(DATASETS) + tuple(IMAGES) + tuple(SEQUENCES)]
InitName = Literal[tuple(INITS)]


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


MIN_LENGTH, MAX_LENGTH = 2, 8
Sequence = Annotated[list[Row], Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH), Rows,
                     Field(description="(T, features): one row per position")]
Sequences = Annotated[list[Sequence], Field(min_length=1, max_length=MAX_POINTS), first_bad_item(Sequence)]
PointRows = Annotated[list[Row], Field(min_length=1, max_length=MAX_POINTS), Rows]


def depth(value):
    """How many lists deep `value` goes along its first entries."""
    n = 0
    while isinstance(value, list) and value:
        n, value = n + 1, value[0]
    return n


def inputs_kind(value):
    """"images" when X's entries are (C, H, W), "sequences" when (T, features), else "rows"."""
    return {4: "images", 3: "sequences"}.get(depth(value), "rows")


def targets_kind(value):
    return "sequences" if depth(value) == 3 else "rows"


class PointsDataset(Strict):
    """Points supplied by the client: X rows are inputs (or images (C, H, W), 1-3 channels of
    4-16 × 4-16 pixels; or sequences (T, features), 2-8 positions), Y rows targets (for
    sequences (T, classes), one row per position)."""

    X: Annotated[Annotated[PointRows, Tag("rows")] | Annotated[Images, Tag("images")]
                 | Annotated[Sequences, Tag("sequences")], Discriminator(inputs_kind)]
    Y: Annotated[Annotated[PointRows, Tag("rows")] | Annotated[Sequences, Tag("sequences")], Discriminator(targets_kind)]


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


FeatureName = Literal[tuple(FEATURES)]


class LayerOptions(Strict):
    """What a hidden layer adds to z = a_prev W + b: batch norm before its activation, dropout after."""

    batch_norm: bool = Field(False, description="normalise z over the batch, then γ ẑ + β (needs batches of 2 or more)")
    dropout: float = Field(0.0, ge=0, le=0.9, description="the share of the layer's units dropped in each training forward")


class RegularizationConfig(Strict):
    kind: Literal["l1", "l2"] = Field(description="l2: + rate · ½ Σ W²; l1: + rate · Σ |W| (weights, not biases)")
    rate: float = Field(ge=0, le=10)


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
