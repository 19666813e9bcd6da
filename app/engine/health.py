"""How healthy the gradients are: their size per layer, units that stopped passing any gradient
(dead ReLUs, saturated sigmoids and tanhs), and the loss change a step predicts to first order."""
import math

import numpy as np

SATURATED_SHARE = 0.9      # a unit is saturated when it is flat on at least this share of the batch


def norm(arr):
    """The Frobenius norm ‖arr‖ = √(Σ arr²); 0 for a layer without the parameter (a pool)."""
    if arr is None:
        return 0.0
    flat = arr.ravel()
    return math.sqrt(float(np.dot(flat, flat)))


def grad_norms(network):
    """[(‖dW‖, ‖db‖)] of every layer, from the current gradients."""
    return [(norm(layer.dW), norm(layer.db)) for layer in network.layers]


def per_unit(A):
    """The axes to reduce for each unit of a layer's output: the samples, and for a convolution's
    maps (n, C, H, W) every position too (a channel is a unit)."""
    return (0, 2, 3) if A.ndim == 4 else 0


def dead_units(network):
    """Per layer, the ReLU units whose a is 0 on every row of the batch: f'(z) = 0 there, so no
    gradient passes through them and their weights in stop moving."""
    return [np.flatnonzero((layer.activation_out == 0).all(axis=per_unit(layer.activation_out))).tolist()
            if layer.activation is not None and layer.activation.name == "relu" else [] for layer in network.layers]


def saturated_units(network):
    """Per layer, the sigmoid units with a < 0.01 or a > 0.99, and the tanh units with |a| > 0.99,
    on at least 90 % of the batch: f'(z) is nearly 0 there (a(1−a) < 0.0099, 1 − a² < 0.02)."""
    out = []
    for layer in network.layers:
        if layer.activation is None:
            out.append([])
            continue
        A, name = layer.activation_out, layer.activation.name      # before any dropout
        if name == "sigmoid":
            flat = (A < 0.01) | (A > 0.99)
        elif name == "tanh":
            flat = np.abs(A) > 0.99
        else:
            out.append([])
            continue
        out.append(np.flatnonzero(flat.mean(axis=per_unit(A)) >= SATURATED_SHARE).tolist())
    return out


def predicted_change(network, optimizer):
    """The first-order change of the batch's loss the next step makes: Σ over every W and b of
    dL/dθ · Δθ, with Δθ the update the optimiser will apply (−lr · dW for SGD); batch norm's
    γ and β included."""
    total = 0.0
    for k, layer in enumerate(network.layers):
        for name, grad in layer.grads():
            delta = optimizer.preview((k, name), grad)
            total += float(np.dot(grad.ravel(), delta.ravel()))
    return total
