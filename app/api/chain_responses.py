"""The replies of GET /chain and GET /gradcheck, for the OpenAPI page: one weight's (or one
input's) gradient taken apart, and finite-difference checks."""
from typing import Any

from pydantic import BaseModel

from .responses import Matrix, Num


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


class KernelTerm(BaseModel):
    position: list[int]    # the output position [r, s] where the weight multiplied x
    x: Num                 # X_pad[c, r·stride + u, s·stride + v] of the sample
    dL_dz: Num             # dZ[o, r, s] of the sample
    product: Num


class KernelChain(BaseModel):
    """dL/dW[o,c,u,v] of a conv2d for one sample: a term per output position, their sum; the
    same over the batch equals dW (less a weight penalty's part)."""

    layer: int
    o: int
    c: int
    u: int
    v: int
    sample: int
    w: Num
    terms: list[KernelTerm]
    sample_sum: Num
    batch_sum: Num
    batch_size: int
    dW: Num
    dW_data: Num
    dW_penalty: Num
    update: Num
    regularization: dict[str, Any] | None
    optimizer: dict[str, Any]
    memory: dict[str, Num | int] | None
    diverged: bool


class InputTerm(BaseModel):
    out: int               # the output channel o
    kernel: list[int]      # the kernel position [u, v] that lay on this input
    position: list[int]    # the output position [r, s] it fed
    weight: Num            # W[o, c, u, v]
    dL_dz: Num             # dZ[o, r, s] of the sample
    product: Num


class InputChain(BaseModel):
    """dL/dx of input [c, r, s] of a conv2d for one sample: a term per kernel weight that saw it
    (the flipped kernel), their sum, and the gradient backward found (the sample's dx for the
    first layer, the previous layer's da after)."""

    layer: int
    input: list[int]
    sample: int
    terms: list[InputTerm]
    sample_sum: Num
    gradient: Num
    diverged: bool


class PoolRoute(BaseModel):
    """Where a pool sent the gradient of its input [c, r, s]: the window [R, S] it is in (null for
    a row or column the pool leaves out), its values, the max's place in it, the window's dL/da
    and this input's share of it (1 or 0 for max, 1/k² for average), and the gradient."""

    layer: int
    input: list[int]
    sample: int
    kind: str                        # max or average
    window: list[int] | None
    window_values: Matrix | None
    winner: list[int] | None
    dL_da: Num
    share: Num
    gradient: Num
    diverged: bool


class KernelCheck(BaseModel):
    layer: int
    o: int
    c: int
    u: int
    v: int
    analytic: Num
    numeric: Num
    relative_error: Num
    samples: int
    diverged: bool


class InputCheck(BaseModel):
    layer: int
    input: list[int]
    sample: int
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


class HeadTerm(BaseModel):
    position: int          # the position t
    x: Num                 # X[t][i]: the input feature the weight multiplies
    dL_dq: Num | None = None   # dQ[t][j] for Wq (dL_dk for Wk, dL_dv for Wv)
    dL_dk: Num | None = None
    dL_dv: Num | None = None
    product: Num


class HeadChain(BaseModel):
    """dL/dWq[i][j] (or Wk, Wv) of an attention head for one sample: one term per position, their
    sum; the same over the batch equals dW (less a weight penalty's part)."""

    layer: int
    param: str
    i: int
    j: int
    sample: int
    w: Num
    terms: list[HeadTerm]
    sample_sum: Num
    batch_sum: Num
    batch_size: int
    dW: Num
    dW_data: Num
    dW_penalty: Num
    update: Num
    regularization: dict[str, Any] | None
    optimizer: dict[str, Any]
    memory: dict[str, Num | int] | None
    diverged: bool


class ScoreTerm(BaseModel):
    j: int                 # a key position of the row
    jacobian: Num          # J[t2][j] = ∂weights[t][j]/∂scores[t][t2] = w_j (δ − w_t2)
    dL_dweight: Num        # dweights[t][j]
    product: Num


class ScoreChain(BaseModel):
    """dL/dscores[t][t2] for one sample: the row's softmax Jacobian times dL/dweights, summed."""

    layer: int
    score: list[int]
    sample: int
    value: Num             # the score (null where the causal mask hides it)
    weight: Num            # its softmax weight
    masked: bool
    terms: list[ScoreTerm]
    sample_sum: Num
    dscore: Num            # dscores[t][t2] as backward found it
    diverged: bool


class DerivedTerm(BaseModel):
    sample: int            # the dataset index of the row
    yours: Num             # the learner's formula on it (null where it is not a finite number)
    truth: Num             # its true term: a_prev · dL/dz (a bias's: dL/dz), as /chain lists it


class Derivation(BaseModel):
    """A learner's formula for one sample's term of a dense weight's (or bias's) gradient, held
    against the true term on every sample of the batch."""

    layer: int
    param: str                              # "W", or "b" for a bias
    i: int
    j: int | None                           # null for a bias
    names: list[str]                        # the names the formula may use here
    correct: bool                           # right within 1e-9 on every sample of the batch
    batch_size: int
    wrong: int                              # samples where it differs
    samples: list[DerivedTerm]              # the first 50 rows of the batch
    first_wrong: DerivedTerm | None
    followed: DerivedTerm | None            # the `sample` asked for, if it is in the batch
    slip: str | None                        # the likely slip, as a short code (docs/api.md)
    hint: str | None                        # and as a sentence
