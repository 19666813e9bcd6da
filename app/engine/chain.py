"""The chain rule for one weight, factor by factor, for one sample and summed over the batch."""
from dataclasses import dataclass

import numpy as np

from .errors import ConfigError
from .network import Phase, PhaseError


@dataclass(frozen=True)
class ChainRule:
    """dL/dW[k][i, j] for batch row `sample` as a_prev · f'(z) · dL/da (= product), and the
    batch's sum of such products (= dW). dL_da and f_prime are None for a fused softmax."""

    layer: int
    i: int
    j: int
    sample: int
    a_prev: float
    z: float
    a: float
    dL_da: float | None
    f_prime: float | None
    dL_dz: float
    product: float
    batch_size: int
    batch_sum: float
    dW: float
    w: float
    activation: str


def chain_rule(network, k, i, j, s):
    """dL/dW[k][i, j] for batch row s as a_prev · f'(z) · dL/da, and summed over the batch.

    For a softmax output (fused with cross-entropy) f'(z) is a Jacobian, so dL/dz is given
    directly as (a − y)/n and dL/da, f'(z) are None.
    """
    if network.phase != Phase.BACKWARD:
        raise PhaseError("run forward and backward first: the chain rule needs the "
                         "gradients for the current parameters")
    network.check_weight(k, i, j)
    layer = network.layers[k]
    network.replay()                     # cached values a memory budget let go come back
    check_index("sample", s, len(layer.Z), " (the rows of the batch)")
    a_prev = float(layer.A_prev[s, i])
    dz = float(layer.dZ[s, j])
    if layer.kept() is not None:    # batch norm or dropout between z and a: dL/dz is theirs (options_chain)
        da = float(layer.dA[s, j]) if layer.dA is not None else None
        y, f = layer.activation_in[s:s + 1, j:j + 1], layer.activation_out[s:s + 1, j:j + 1]
        f_prime = float(layer.activation.derivative(y, f)[0, 0]) if layer.activation.elementwise else None
        product = a_prev * dz
    elif layer.activation.elementwise:
        da = float(layer.dA[s, j])
        f_prime = float(layer.activation.derivative(layer.Z[s:s + 1, j:j + 1], layer.A[s:s + 1, j:j + 1])[0, 0])
        product = a_prev * f_prime * da
    else:
        da = f_prime = None
        product = a_prev * dz
    terms = layer.A_prev[:, i] * layer.dZ[:, j]   # one sample's share of dW[i, j] per row
    return ChainRule(layer=k, i=i, j=j, sample=s, a_prev=a_prev, z=float(layer.Z[s, j]), a=float(layer.A[s, j]),
                     dL_da=da, f_prime=f_prime, dL_dz=dz, product=product, batch_size=len(terms),
                     batch_sum=float(np.sum(terms)), dW=float(layer.dW[i, j]), w=float(layer.W[i, j]),
                     activation=layer.activation.name)


@dataclass(frozen=True)
class SampleTerms:
    """Each batch row's share of dW[k][i, j] (a_prev · dL/dz, the 1/n of the mean loss already
    inside dL/dz), for the first `len(rows)` rows; `count` rows in all, `total` their sum (= dW)."""

    rows: np.ndarray
    a_prev: np.ndarray
    dL_dz: np.ndarray
    product: np.ndarray
    count: int
    total: float


def sample_terms(network, k, i, j, limit):
    """The per-row terms that sum to dW[k][i, j], the first `limit` of them."""
    if network.phase != Phase.BACKWARD:
        raise PhaseError("run forward and backward first: the terms are the gradients' parts")
    network.check_weight(k, i, j)
    layer = network.layers[k]
    network.replay()
    a_prev, dz = layer.A_prev[:, i], layer.dZ[:, j]
    product = a_prev * dz                          # row s's part of dW[i, j] = Σ_s a_prev[s, i] dZ[s, j]
    shown = slice(0, min(limit, len(product)))
    return SampleTerms(rows=np.arange(len(product))[shown], a_prev=a_prev[shown], dL_dz=dz[shown],
                       product=product[shown], count=len(product), total=float(np.sum(product)))


@dataclass(frozen=True)
class Path:
    """One way unit j of layer k's output reaches the loss: through weight w = W[k+1][j, unit]
    into `unit` of the next layer, whose dL/dz is dL_dz; dL/da of unit j sums w · dL/dz of all."""

    unit: int
    w: float
    dL_dz: float


def paths(network, k, j, s):
    """The paths from unit j of dense layer k (its a) to the next layer, for batch row s; None
    for the output layer (its dL/da comes from the loss itself)."""
    if k + 1 >= len(network.layers):
        return None
    network.replay()
    following = network.layers[k + 1]
    # dL/da_j = Σ_m W[k+1][j, m] · dZ[k+1][s, m]: row j of dZ @ Wᵀ, one term per unit m
    return [Path(unit=m, w=float(following.W[j, m]), dL_dz=float(following.dZ[s, m]))
            for m in range(following.fan_out)]


def check_index(name, value, size, what=""):
    """ConfigError naming the query parameter `name` unless 0 <= value < size."""
    if not 0 <= value < size:
        raise ConfigError(name, f"{name} must be below {size}{what}, got {value}", location="query")


def options_chain(network, k, j, s):
    """For unit j of layer k with options, batch row s: dropout's {"mask", "scale"} and batch
    norm's {"dy", "dz_hat", "dvar", "dmean", "dz"} (dL/dy, dL/dẑ = γ dL/dy, the unit's dL/dvar and
    dL/dmean over the whole batch, and dL/dz = dL/dẑ/√(var+ε) + dL/dvar·2(z−mean)/n + dL/dmean/n);
    None for a plain layer."""
    layer = network.layers[k]
    if layer.kept() is None:
        return None
    network.replay()
    out = {}
    if layer.rate > 0:
        out["dropout"] = {"mask": float(layer.mask[s, j]), "scale": 1 / (1 - layer.rate)}
    if layer.batch_norm:
        out["batch_norm"] = {"dy": float(layer.dY[s, j]), "dz_hat": float(layer.dZ_hat[s, j]),
                             "dvar": float(layer.dvar[j]), "dmean": float(layer.dmean[j]),
                             "dz": float(layer.dZ[s, j]), "mean": float(layer.mean[j]),
                             "var": float(layer.var[j]), "gamma": float(layer.gamma[j]),
                             "z_hat": float(layer.Z_hat[s, j]), "batch_size": len(layer.Z)}
    return out
