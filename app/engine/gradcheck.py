"""Central finite differences of every parameter, against the backward pass."""
from dataclasses import dataclass

import numpy as np

from .steps import run_steps


GRADIENT_FLOOR = 1e-8     # gradients smaller than this are zero as far as the check can tell


@dataclass(frozen=True)
class LayerCheck:
    """One layer's check: the relative error of dW and of db against central differences (None
    if no entry was checked), the largest absolute difference, and how many entries were."""

    layer: int
    W: float | None = None               # none for a layer without parameters (a pool)
    W_max_abs: float | None = None
    W_checked: int = 0
    b: float | None = None
    b_max_abs: float | None = None
    b_checked: int = 0
    gamma: float | None = None           # batch norm's γ and β, where the layer has them
    gamma_max_abs: float | None = None
    gamma_checked: int = 0
    beta: float | None = None
    beta_max_abs: float | None = None
    beta_checked: int = 0


def relative_error(analytic, numeric):
    """‖a − n‖ / (‖a‖ + ‖n‖) over a whole array (0 when both are 0).

    Taken over the array rather than entry by entry: an entry whose gradient is near zero
    carries the finite difference's own rounding error as a large ratio. For the same reason
    the scale is at least GRADIENT_FLOOR: at an optimum, where the gradient is 0 or nearly,
    the difference is rounding (~1e-13), not a wrong backward (it read as an error of 1).
    """
    scale = max(np.linalg.norm(analytic) + np.linalg.norm(numeric), GRADIENT_FLOOR)
    return float(np.linalg.norm(analytic - numeric) / scale)


def central_difference(network, X, Y, param, idx, eps):
    """dL/dparam[idx] ≈ (L(p + ε) − L(p − ε)) / 2ε; param is changed in place and restored."""
    old = param[idx]
    param[idx] = old + eps
    up = network.loss_at(X, Y)
    param[idx] = old - eps
    down = network.loss_at(X, Y)
    param[idx] = old
    return float((up - down) / (2 * eps))


def extended_copy(network):
    """A copy of the network in extended precision (numpy longdouble) for finite differences.

    The loss is evaluated to ~1e-19 rather than ~1e-16, so the rounding error of a central
    difference (≈ machine epsilon · L / ε) no longer swamps small gradients.
    """
    net = network.copy()
    for layer in net.layers:
        for name, value in layer.parameters():           # W, b (and batch norm's γ, β)
            setattr(layer, name, value.astype(np.longdouble))
    return net


def gradient_check(network, X, Y, eps=1e-6, max_entries=None, seed=0):
    """For each layer, the relative error of dW and db against central differences, and the
    largest absolute difference of any entry.

    `max_entries` bounds the entries checked per array (a seeded random choice), for big nets.
    The network itself is left as it was: the check works on copies.
    """
    return run_steps(gradient_check_steps(network, X, Y, eps, max_entries, seed))


def gradient_check_steps(network, X, Y, eps=1e-6, max_entries=None, seed=0, stop=lambda: False):
    """gradient_check, one entry at a time: a generator that yields after each finite
    difference and returns the report. Once `stop()` is true it checks no more entries, and
    the report says how many each array had (`W_checked`; its errors None if none)."""
    net = network.copy()
    fd_net = extended_copy(network)
    Xl, Yl = X.astype(np.longdouble), Y.astype(np.longdouble)
    rng = np.random.default_rng(seed)
    report = []
    with np.errstate(all="ignore"):
        net.forward(X, Y, mode="fixed")     # dropout's last mask held fixed, no statistics moved
        net.backward()
    for k, (layer, fd_layer) in enumerate(zip(net.layers, fd_net.layers)):
        errors = {"layer": k}
        for name, grad in layer.grads():        # the same for W, b and batch norm's γ, β
            entries = list(np.ndindex(grad.shape))
            if max_entries is not None and len(entries) > max_entries:
                entries = [entries[e] for e in rng.choice(len(entries), max_entries, replace=False)]
            param = getattr(fd_layer, name)
            numeric, analytic = [], []
            for idx in entries:
                if stop():
                    break
                with np.errstate(all="ignore"):
                    numeric.append(central_difference(fd_net, Xl, Yl, param, idx, eps))
                analytic.append(grad[idx])
                yield
            numeric, analytic = np.array(numeric), np.array(analytic)
            checked = len(numeric) > 0
            errors[name] = relative_error(analytic, numeric) if checked else None
            errors[name + "_max_abs"] = float(np.max(np.abs(analytic - numeric))) if checked else None
            errors[name + "_checked"] = len(numeric)
        report.append(LayerCheck(**errors))
    return report


PRODUCT_CHUNK = 2**16      # multiply-adds of A·W (in extended precision) between two pauses


def numeric_weight_gradient(network, X, Y, k, index, eps=1e-6):
    """dL/dW[k][index] (index (i, j) of a dense W, (o, c, u, v) of a kernel) by central differences
    in extended precision, on a copy of the network; a generator that pauses (yields) every
    PRODUCT_CHUNK multiply-adds (the largest network on 5,000 rows took 1 s in one piece) and
    returns the difference."""
    net = extended_copy(network)
    X, Y = X.astype(np.longdouble), Y.astype(np.longdouble)
    return (yield from central_difference_steps(net, net.layers[k].W, tuple(index), X, Y, eps))


def numeric_input_gradient(network, X, Y, k, row, index, eps=1e-6):
    """dL/d(input of layer k)[row][index] by central differences (the batch's mean loss, as
    backward's dX for k = 0, the previous layer's dA after): the forward from layer k on, with
    that input moved, as numeric_weight_gradient does it for a weight."""
    net = extended_copy(network)
    inputs = (X if k == 0 else network.layers[k - 1].A).astype(np.longdouble)     # a copy to move
    return (yield from central_difference_steps(net, inputs, (row, *index), inputs, Y.astype(np.longdouble),
                                                eps, first=k))


def central_difference_steps(net, array, index, X, Y, eps, first=0):
    """(L(array[index] + eps) − L(array[index] − eps)) / 2·eps, a slice at a time; X goes into
    layer `first`."""
    rows = max(1, PRODUCT_CHUNK // net.multiply_adds())
    old = array[index]
    with np.errstate(all="ignore"):
        array[index] = old + eps
        up = yield from net.loss_steps(X, Y, rows, first)
        array[index] = old - eps
        down = yield from net.loss_steps(X, Y, rows, first)
    array[index] = old
    return float((up - down) / (2 * eps))
