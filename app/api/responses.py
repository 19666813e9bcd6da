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
    422: {"model": ValidationProblem, "description": "A value out of bounds, named in `field`"},
    429: {"model": Detail, "description": "Too many new sessions from this address: try again after Retry-After seconds"},
    503: {"model": Detail, "description": "No room for this session now: try again after Retry-After seconds"},
}


def errors(*codes):
    """The `responses=` entries for these error status codes."""
    return {code: ERRORS[code] for code in codes}


class LayerState(BaseModel):
    W: Matrix
    b: Vector
    activation: str
    dW: Matrix | None
    db: Vector | None


class SampleLayer(BaseModel):
    z: Vector | None
    a: Vector | None
    f_prime: Vector | None                       # f'(z) of each unit; null for softmax
    dz: Vector | None
    da: Vector | None


class SampleState(BaseModel):
    index: int
    in_batch: bool
    input: Vector
    target: Vector
    dx: Vector | None
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
    last_gradients: list[Gradients] | None    # dW, db of each layer for the last update it made


class ChainRule(BaseModel):
    layer: int
    i: int
    j: int
    sample: int
    a_prev: Num
    z: Num
    a: Num
    dL_da: Num
    f_prime: Num
    dL_dz: Num
    product: Num
    batch_size: int
    batch_sum: Num
    dW: Num
    w: Num
    activation: str
    update: Num
    dW_data: Num                            # the data loss's part of dW (= batch_sum)
    dW_penalty: Num                         # the weight penalty's part: rate · w (l2), rate · sign(w) (l1); 0 without
    regularization: dict[str, Any] | None
    optimizer: dict[str, Any]
    memory: dict[str, Num | int] | None     # momentum: velocity; adam: m, v, t, m_hat, v_hat; sgd: null
    terms: list["SampleTerm"]               # the first 500 rows of the batch
    terms_count: int                        # the batch's rows
    terms_sum: Num                          # the sum over all of them: dW
    paths: list["ChainPath"] | None         # before the output layer: dL/da = Σ w · dL/dz over them
    jacobian_row: list[Num] | None = None   # a softmax output: row j of J = diag(a) − a aᵀ for the sample
    dL_da_vector: list[Num] | None = None   # and dL/da of every output; Σ J[j][i] dL/da[i] = dL_dz
    diverged: bool


class ChainPath(BaseModel):
    unit: int              # the next layer's unit this weight's unit feeds
    w: Num                 # the weight between them, W[layer + 1][j][unit]
    dL_dz: Num             # that unit's dL/dz for the sample


class SampleTerm(BaseModel):
    sample: int            # the dataset index of the row
    a_prev: Num
    dL_dz: Num
    product: Num           # a_prev · dL/dz: this sample's part of dW


class WeightCheck(BaseModel):
    layer: int
    i: int
    j: int
    analytic: Num
    numeric: Num
    relative_error: Num
    samples: int
    diverged: bool


class LayerCheck(BaseModel):
    layer: int
    W: Num
    W_max_abs: Num
    W_checked: int
    b: Num
    b_max_abs: Num
    b_checked: int


class NetworkCheck(BaseModel):
    samples: int
    layers: list[LayerCheck]
    max_relative_error: Num
    diverged: bool


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
