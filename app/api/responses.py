"""Response bodies, declared so that /docs (and the fuzz tests) know what every route answers.

The routes build their JSON themselves (api/state.py); these models only describe it. A number
that became NaN or infinite is sent as null, hence `Num`.
"""
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Num = float | None
Vector = list[Num]
Matrix = list[list[Num]]


class Detail(BaseModel):
    detail: str


class FieldError(BaseModel):
    loc: list[str | int]
    field: str
    msg: str
    type: str


class ValidationProblem(BaseModel):
    detail: list[FieldError]


class FieldProblem(BaseModel):
    detail: str
    field: str


class TooLarge(BaseModel):
    detail: str
    field: Literal["body"]
    limit: int


ERRORS = {
    404: {"model": Detail, "description": "No such session: deleted, expired or evicted"},
    409: {"model": Detail, "description": "Wrong phase, e.g. backward before forward"},
    413: {"model": TooLarge, "description": "Request body over the size limit"},
    415: {"model": FieldProblem, "description": "The body is not declared as JSON (Content-Type)"},
    401: {"model": Detail, "description": "A teacher's route without the class's teacher key"},
    403: {"model": Detail, "description": "A teacher's route with another key than the class's"},
    422: {"model": ValidationProblem, "description": "A value out of bounds, named in `field`"},
    423: {"model": Detail, "description": "The class's teacher has paused it: the phases wait"},
    429: {"model": Detail, "description": "Too many new sessions from this address: try again after Retry-After seconds"},
    503: {"model": Detail, "description": "No room for this session now: try again after Retry-After seconds"},
}


def errors(*codes):
    """The `responses=` entries for these error status codes."""
    return {code: ERRORS[code] for code in codes}


Kernels = list[list[Matrix]]        # a conv2d's W (C_out, C_in, kh, kw)
Maps = list[Matrix]                 # one sample's values of an image layer (C, H, W)


class LayerState(BaseModel):
    """A dense layer's W, b and their gradients; in a network of layer objects its `type` too,
    a conv2d's kernels (4-D W) and its stride and padding, a pool's size (and no W)."""

    type: str | None = None          # conv2d, maxpool2d, avgpool2d, flatten, dense
    W: Matrix | Kernels | None = None
    b: Vector | None = None
    activation: str | None = None
    dW: Matrix | Kernels | None = None
    db: Vector | None = None
    stride: int | None = None
    padding: int | None = None
    size: int | None = None


class SampleLayer(BaseModel):
    z: Vector | Maps | None                      # (C, H, W) nested lists for an image layer
    a: Vector | Maps | None
    f_prime: Vector | Maps | None                # f'(z) of each unit; null for softmax and a pool
    dz: Vector | Maps | None
    da: Vector | Maps | None


class SampleState(BaseModel):
    index: int
    in_batch: bool
    input: Vector | Maps
    target: Vector
    dx: Vector | Maps | None
    layers: list[SampleLayer]


class OptimizerState(BaseModel):
    model_config = ConfigDict(extra="allow")     # and its settings: beta, or beta1, beta2, eps

    name: Literal["sgd", "momentum", "adam"]
    t: int
    state: dict[str, dict[str, Matrix | Vector]]


class StepPreview(BaseModel):
    predicted: Num         # Σ dW · Δθ over every W and b: the loss change to first order
    actual: Num            # L(after) − L(before) on the same batch, filled by Step; null before


class GradNorm(BaseModel):
    W: Num                 # ‖dW‖ (Frobenius)
    b: Num                 # ‖db‖


class SessionState(BaseModel):
    id: str
    step: int
    phase: Literal["fresh", "forward", "backward", "updated"]
    loss: Num
    data_loss: Num                           # the loss without its regularisation term
    test_points: int                         # held out (config test_ratio); `points` counts the others
    test_loss: Num                           # on the test points, with the weights the last forward used
    test_accuracy: Num                       # on the test points, by the current weights
    layers: list[LayerState]
    sample: SampleState
    optimizer: OptimizerState
    batch_size: int | None
    points: int
    accuracy: Num
    config: dict[str, Any]
    step_preview: StepPreview | None         # after Backward (and the Step after it)
    grad_norms: list[GradNorm] | None        # per layer, after Backward
    dead_units: list[list[int]] | None       # per layer, relu units with a = 0 on the whole batch
    saturated_units: list[list[int]] | None  # per layer, sigmoid/tanh units flat on >= 90 % of it
    diverged: bool


class Gradients(BaseModel):
    dW: Matrix
    db: Vector


class TrainState(SessionState):
    losses: list[Num]
    steps_run: int
    stopped: str | None
    waited: float                             # s its work waited for the compute thread: Play slowed by a busy server
    last_gradients: list[Gradients] | None    # dW, db of each layer for the last update it made


class BatchLayer(BaseModel):
    Z: Matrix | None
    A: Matrix | None
    dZ: Matrix | None
    dA: Matrix | None


class BatchPage(BaseModel):
    offset: int
    total: int
    next_offset: int | None
    indices: list[int]
    layers: list[BatchLayer]
    diverged: bool


class Picture(BaseModel):
    kind: Literal["grid", "line"]
    bounds: list[list[float]]
    resolution: int
    outputs: Matrix
    unit_resolution: int | None = None           # with units=true
    units: list[Matrix] | None = None
    inputs: Matrix | None = None                 # with features: each input's value over the unit grid
    step: int | None = None                      # with ?step=: the kept past update drawn
    diverged: bool


class NoPicture(BaseModel):
    kind: Literal["none"]                        # more than 2 inputs: nothing to draw
    inputs: int
    step: int | None = None


class Data(BaseModel):
    X: list[list[float]]
    Y: list[list[float]]
    bounds: list[list[float]]                    # the padded box the pictures cover
    test: list[bool]                             # which points are held out as test points
    task: Literal["binary", "multiclass", "regression"]


class LayerNorms(BaseModel):
    W: list[Num]
    b: list[Num]


class NormHistory(BaseModel):
    steps: list[int]                 # 1, 1 + stride, …: thinned as training goes on
    layers: list[LayerNorms]         # per layer, ‖dW‖ and ‖db‖ at each of those steps


class History(BaseModel):
    steps: list[int]
    losses: list[Num]
    past_steps: list[int]            # the updates whose states are kept (0: the start)
    reachable: list[list[int]]       # [first, last] ranges of the updates a replay reaches
    test_losses: dict[str, list[Num] | list[int]]   # {steps, losses}: the test points' loss at the norms' steps
    grad_norms: NormHistory


class PastLayer(BaseModel):
    W: Matrix
    b: Vector


class PastWeights(BaseModel):
    step: int                        # the update asked for
    layers: list[PastLayer]
    diverged: bool


class Health(BaseModel):
    status: Literal["ok"]
    sessions: int
    process: int = Field(description="the id of the server process that answered (one of --workers N)")


class Stalled(BaseModel):
    status: Literal["stalled"]
    sessions: None
    detail: str


class Code(BaseModel):
    code: str


class Preset(BaseModel):
    name: str
    title: str | None
    description: str | None
    code: str


class Presets(BaseModel):
    presets: list[Preset]


class GraphNode(BaseModel):
    id: int
    op: str                         # input, const, +, −, ·, /, ^, neg, or a function's name
    label: str
    name: str | None                # the name of its line (a = …)
    inputs: list[int]
    value: Num                      # null with finite: false when it overflowed
    grad: Num                       # d output / d node (the first output), summed over every use
    local: list[Num]                # d node / d each input
    finite: bool
    tangent: Num = None             # with wrt: d node / d wrt


class GraphReply(BaseModel):
    nodes: list[GraphNode]
    order: list[int]                # topological: every node after its inputs
    inputs: list[str]
    output: int | None = None
    outputs: list[int] | None = None
    jacobian: dict[str, Any] | None = None
    gradients: dict[str, Num]
    finite_differences: dict[str, Num]
    hessian: dict[str, Any] | None = None
    grid: dict[str, Any] | None = None       # with hessian: the output over a square around the point
    nonfinite: dict[str, str] = {}           # JSON pointer of each null above that was "inf", "-inf" or "nan"
