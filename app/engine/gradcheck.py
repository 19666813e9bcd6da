"""Central finite differences of every parameter, against the backward pass."""
import copy

import numpy as np


GRADIENT_FLOOR = 1e-8     # gradients smaller than this are zero as far as the check can tell


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
    net = copy.deepcopy(network)
    for layer in net.layers:
        layer.W = layer.W.astype(np.longdouble)
        layer.b = layer.b.astype(np.longdouble)
    return net


def gradient_check(network, X, Y, eps=1e-6, max_entries=None, seed=0):
    """For each layer, the relative error of dW and db against central differences, and the
    largest absolute difference of any entry.

    `max_entries` bounds the entries checked per array (a seeded random choice), for big nets.
    The network's own phase and cached values are left as they were.
    """
    net = copy.deepcopy(network)
    fd_net = extended_copy(network)
    Xl, Yl = X.astype(np.longdouble), Y.astype(np.longdouble)
    rng = np.random.default_rng(seed)
    report = []
    with np.errstate(all="ignore"):
        net.forward(X, Y)
        net.backward()
        for k, (layer, fd_layer) in enumerate(zip(net.layers, fd_net.layers)):
            errors = {"layer": k}
            for name, grad in (("W", layer.dW), ("b", layer.db)):
                entries = list(np.ndindex(grad.shape))
                if max_entries is not None and len(entries) > max_entries:
                    entries = [entries[e] for e in rng.choice(len(entries), max_entries, replace=False)]
                param = getattr(fd_layer, name)
                numeric = np.array([central_difference(fd_net, Xl, Yl, param, idx, eps) for idx in entries])
                analytic = np.array([grad[idx] for idx in entries])
                errors[name] = relative_error(analytic, numeric)
                errors[name + "_max_abs"] = float(np.max(np.abs(analytic - numeric)))
                errors[name + "_checked"] = len(entries)
            report.append(errors)
    return report


def numeric_weight_gradient(network, X, Y, k, i, j, eps=1e-6):
    """dL/dW[k][i, j] by central differences in extended precision, on a copy of the network."""
    net = extended_copy(network)
    with np.errstate(all="ignore"):
        return central_difference(net, X.astype(np.longdouble), Y.astype(np.longdouble),
                                  net.layers[k].W, (i, j), eps)
