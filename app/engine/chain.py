"""The chain rule for one weight, factor by factor, for one sample and summed over the batch."""
import numpy as np

from .network import Phase, PhaseError


def chain_rule(network, k, i, j, s):
    """dL/dW[k][i, j] for batch row s as a_prev · f'(z) · dL/da, and summed over the batch.

    For a softmax output (fused with cross-entropy) f'(z) is a Jacobian, so dL/dz is given
    directly as (a − y)/n and dL/da, f'(z) are None.
    """
    if network.phase != Phase.BACKWARD:
        raise PhaseError("run forward and backward first: the chain rule needs the "
                         "gradients for the current parameters")
    check_index("layer", k, len(network.layers))
    layer = network.layers[k]
    check_index("i", i, layer.fan_in)
    check_index("j", j, layer.fan_out)
    check_index("sample", s, len(layer.Z))
    a_prev = float(layer.A_prev[s, i])
    dz = float(layer.dZ[s, j])
    if layer.activation.elementwise:
        da = float(layer.dA[s, j])
        f_prime = float(layer.activation.derivative(layer.Z[s:s + 1, j:j + 1], layer.A[s:s + 1, j:j + 1])[0, 0])
        product = a_prev * f_prime * da
    else:
        da = f_prime = None
        product = a_prev * dz
    terms = layer.A_prev[:, i] * layer.dZ[:, j]   # one sample's share of dW[i, j] per row
    return {
        "layer": k, "i": i, "j": j, "sample": s,
        "a_prev": a_prev, "z": float(layer.Z[s, j]), "a": float(layer.A[s, j]),
        "dL_da": da, "f_prime": f_prime, "dL_dz": dz,
        "product": product,
        "batch_size": len(terms),
        "batch_sum": float(np.sum(terms)),
        "dW": float(layer.dW[i, j]),
        "w": float(layer.W[i, j]),
        "activation": layer.activation.name,
    }


def check_index(name, value, size):
    if not 0 <= value < size:
        raise IndexError(f"{name} must be between 0 and {size - 1}, got {value}")
