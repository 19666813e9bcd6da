"""Request bodies of the phase and inspection routes (a session's configuration is
sessions/config.py), with their bounds in the types."""
from typing import Literal

from pydantic import Field

from ..limits import MAX_DENSE_LAYERS, MAX_STEP, MAX_TRAIN_STEPS, MAX_UNITS
from ..sessions.fields import Strict

MAX_WEIGHT = 1e6           # a value a learner may type into a weight


class WeightEdit(Strict):
    layer: int = Field(ge=0, lt=MAX_DENSE_LAYERS, description="index into the state's `layers`")
    param: Literal["W", "b"]
    i: int | None = Field(None, ge=0, lt=MAX_UNITS, description="a dense W: the row (fan_in side); b: the unit "
                                                                "(a conv2d's: the output channel)")
    j: int | None = Field(None, ge=0, lt=MAX_UNITS, description="a dense W only: the column (fan_out side)")
    o: int | None = Field(None, ge=0, lt=MAX_UNITS, description="a conv2d's W[o, c, u, v]: the output channel")
    c: int | None = Field(None, ge=0, lt=MAX_UNITS, description="a conv2d's W: the input channel")
    u: int | None = Field(None, ge=0, lt=MAX_UNITS, description="a conv2d's W: the kernel row")
    v: int | None = Field(None, ge=0, lt=MAX_UNITS, description="a conv2d's W: the kernel column")
    value: float = Field(ge=-MAX_WEIGHT, le=MAX_WEIGHT, allow_inf_nan=False)


class RewindRequest(Strict):
    step: int = Field(ge=0, le=MAX_STEP, description="go back to the latest kept update at or before this one")


class TrainRequest(Strict):
    steps: int = Field(1, ge=1, le=MAX_TRAIN_STEPS, description="full iterations: forward, backward, step")
