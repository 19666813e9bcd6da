"""What the engine tests compare: every cached array of a trainer, and whether two are the same."""
import numpy as np

CACHED = ("A_prev", "Z", "A", "dA", "dZ", "dW", "db")


def snapshot(t):
    net = t.network
    arrays = {(k, name): getattr(layer, name) for k, layer in enumerate(net.layers) for name in CACHED}
    arrays["dX"] = net.dX
    return arrays, net.phase, net.loss_value


def same(a, b):
    (arrays_a, phase_a, loss_a), (arrays_b, phase_b, loss_b) = a, b
    assert phase_a == phase_b and loss_a == loss_b
    for key in arrays_a:
        if arrays_a[key] is None:
            assert arrays_b[key] is None, key
        else:
            assert arrays_b[key] is not None and np.array_equal(arrays_a[key], arrays_b[key]), key
