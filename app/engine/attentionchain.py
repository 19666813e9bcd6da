"""The chain rule inside an attention head, for one sample: a weight of Wq, Wk or Wv as one term
per position (the input feature it multiplied times dL/dq, dL/dk or dL/dv there), and a score's
gradient through its row's softmax (the row's Jacobian times dL/dweights); the finite-difference
check of a score."""
from dataclasses import dataclass

import numpy as np

from .chain import check_index
from .convchain import gradients_ready, layer_of
from .errors import ConfigError
from .gradcheck import PRODUCT_CHUNK, extended_copy
from .layers.attention import Attention

PARTS = ("Wq", "Wk", "Wv")


@dataclass(frozen=True)
class HeadTerm:
    """At position t the weight multiplied input feature x = X[t][i]; dL/d(its q, k or v)[t][j]
    times x is that position's share."""

    position: int
    x: float
    grad: float
    product: float


@dataclass(frozen=True)
class HeadChain:
    layer: int
    param: str
    i: int
    j: int
    w: float
    terms: list
    sample_sum: float
    batch_sum: float
    batch_size: int
    dW: float


@dataclass(frozen=True)
class ScoreTerm:
    """weights[t][j] moves by J[t2][j] per unit of scores[t][t2]; times dL/dweights[t][j]."""

    j: int
    jacobian: float
    dL_dweight: float
    product: float


@dataclass(frozen=True)
class ScoreChain:
    layer: int
    score: tuple
    value: float | None          # the score itself (None where the causal mask hides it)
    weight: float
    masked: bool
    terms: list
    sample_sum: float
    dscore: float


def head_index(network, k, param, i, j):
    """(layer, i, column of the packed W) of Wq, Wk or Wv [i][j]; ConfigError naming the part that
    does not fit."""
    head = layer_of(network, k, Attention, "param, i and j pick a weight of an attention head's Wq, Wk or Wv")
    if param not in PARTS:
        raise ConfigError("param", f"param must be one of {', '.join(PARTS)}, got {param!r}", location="query")
    part = PARTS.index(param)
    width = head.d_v if param == "Wv" else head.d_k
    check_index("i", i, head.W.shape[0], " (the head's d_in)")
    check_index("j", j, width, f" ({param} is {head.W.shape[0]}×{width})")
    return head, part * head.d_k + j


def head_chain(network, k, param, i, j, row):
    """dL/d{param}[i][j] for batch row `row`, one position at a time: Σ_t X[t][i] · dL/d(q|k|v)[t][j]."""
    head, column = head_index(network, k, param, i, j)
    gradients_ready(network)
    check_index("sample", row, len(head.A_prev), " (the rows of the batch)")
    x = head.A_prev[:, :, i]                    # (n, T): the input feature the weight multiplies
    grad = head.dQKV[:, :, column]              # (n, T): dL/dq, dL/dk or dL/dv of that column
    products = x * grad
    terms = [HeadTerm(t, float(x[row, t]), float(grad[row, t]), float(products[row, t])) for t in range(x.shape[1])]
    return HeadChain(layer=k, param=param, i=i, j=j, w=float(head.W[i, column]), terms=terms,
                     sample_sum=float(products[row].sum()), batch_sum=float(products.sum()),
                     batch_size=len(products), dW=float(head.dW[i, column]))


def check_score(network, k, position):
    head = layer_of(network, k, Attention, "score= picks a score of an attention head")
    T = network.input_shape[0]
    for name, value in zip(("t", "t2"), position):
        if not 0 <= value < T:
            raise ConfigError("score", f"score {name} must be below {T}, the positions, got {value}", location="query")
    return head


def score_chain(network, k, position, row):
    """dL/dscores[t][t2] for batch row `row`: Σ_j J[t2][j] · dL/dweights[t][j], J = diag(w) − w wᵀ
    the Jacobian of row t's softmax."""
    head = check_score(network, k, position)
    gradients_ready(network)
    check_index("sample", row, len(head.A_prev), " (the rows of the batch)")
    t, t2 = position
    w, dweights = head.weights[row, t], head.dweights[row, t]
    jacobian = np.diag(w) - np.outer(w, w)      # J[a][b] = ∂w_a/∂s_b = w_a (δ_ab − w_b), symmetric
    terms = [ScoreTerm(j, float(jacobian[t2, j]), float(dweights[j]), float(jacobian[t2, j] * dweights[j]))
             for j in range(len(w))]
    value = head.Z[row, t, t2]
    return ScoreChain(layer=k, score=(t, t2), value=None if np.isneginf(value) else float(value),
                      weight=float(w[t2]), masked=bool(np.isneginf(value)), terms=terms,
                      sample_sum=float(sum(term.product for term in terms)), dscore=float(head.dZ[row, t, t2]))


def numeric_score_gradient(network, X, Y, k, row, position, eps=1e-6):
    """dL/dscores[row][t][t2] by central differences in extended precision: the head's scores
    with that one moved, and the rest of the forward from there (a generator, as the others)."""
    net = extended_copy(network)
    head = net.layers[k]
    X, Y = X.astype(np.longdouble), Y.astype(np.longdouble)
    rows = max(1, PRODUCT_CHUNK // net.multiply_adds())

    def loss(h):
        out = head.attend(X, head.W, nudge=((row, *position), h))[3]
        return (yield from net.loss_steps(out.reshape(-1, out.shape[-1]), Y, rows, first=k + 1))

    with np.errstate(all="ignore"):
        up = yield from loss(eps)
        down = yield from loss(-eps)
    return float((up - down) / (2 * eps))
