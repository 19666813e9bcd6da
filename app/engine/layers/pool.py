"""Pooling (size k, stride k) and flattening, on images (n, C, H, W): layers without parameters.
A pool whose size does not divide its input floors its output, as PyTorch does: the rows and
columns it leaves out get no gradient."""
import numpy as np


class NoParameters:
    """What a layer without parameters has: nothing to update, no activation of its own."""

    W = b = dW = db = activation = None

    def clear(self):
        self.A_prev = self.A = self.dA = self.dZ = None
        self.Z = None                       # no z: its output is A

    def clear_gradients(self):
        self.dA = self.dZ = None

    def parameters(self):
        return []

    def grads(self):
        return []

    def parameter_values(self):
        return ()

    def set_parameter_values(self, values):
        pass

    activation_in = activation_out = property(lambda self: None)

    def kept(self):
        return None

    def option_arrays(self):
        return []


class Pool2D(NoParameters):
    """A k × k pool, stride k: output cell (r, s) of channel c sees the window
    X[c, r·k : r·k + k, s·k : s·k + k]."""

    def __init__(self, size):
        self.size = int(size)
        self.clear()

    def out_shape(self, shape):
        C, H, W = shape
        return C, H // self.size, W // self.size

    def offsets(self, X):
        """(u, v, X[:, :, u::k, v::k] cut to the output's size) for every place (u, v) of a window,
        in row-major order: slice (u, v) holds entry (u, v) of every window at once."""
        k = self.size
        H_out, W_out = X.shape[2] // k, X.shape[3] // k
        return [(u, v, X[:, :, u:H_out * k:k, v:W_out * k:k]) for u in range(k) for v in range(k)]

    def output(self, A_prev, mode="fixed", params=None):
        return self.pool(A_prev)

    def forward(self, A_prev, mode="train"):
        self.A_prev = A_prev                        # (n, C, H, W), kept for backward
        self.A = self.pool(A_prev)                  # (n, C, H // k, W // k)
        return self.A

    def backward(self, dA, dZ=None, to_input=True):
        self.dA = dA
        if not to_input:
            return None
        dX = np.zeros(self.A_prev.shape)            # the rows and columns the pool leaves out: 0
        self.route(dA, dX)
        return dX


class MaxPool2D(Pool2D):
    """a[n,c,r,s] = max over the window X[n, c, r·k : r·k + k, s·k : s·k + k]; its gradient goes to
    the max's position (ties: the first in row-major order)."""

    name = "maxpool2d"

    def pool(self, X):
        places = self.offsets(X)
        A = places[0][2].copy()
        for _, _, x in places[1:]:
            np.maximum(A, x, out=A)
        return A

    def route(self, dA, dX):
        # dL/dx = dL/da at the window's first max (row-major), 0 at its other places
        taken = np.zeros(dA.shape, dtype=bool)
        k = self.size
        for u, v, x in self.offsets(self.A_prev):
            first = (x == self.A) & ~taken
            dX[:, :, u:first.shape[2] * k:k, v:first.shape[3] * k:k] = first * dA
            taken |= first


class AvgPool2D(Pool2D):
    """a[n,c,r,s] = the mean of the window X[n, c, r·k : r·k + k, s·k : s·k + k]; its gradient is
    spread evenly over the window (1/k² each)."""

    name = "avgpool2d"

    def pool(self, X):
        return sum(x for _, _, x in self.offsets(X)) / self.size ** 2

    def route(self, dA, dX):
        k = self.size
        for u, v, _ in self.offsets(dX):
            dX[:, :, u:dA.shape[2] * k:k, v:dA.shape[3] * k:k] = dA / k ** 2     # dL/dx = dL/da / k²


class Flatten(NoParameters):
    """(n, C, H, W) to (n, C·H·W), in row-major (C, H, W) order; backward reshapes back."""

    name = "flatten"

    def __init__(self):
        self.clear()

    def out_shape(self, shape):
        return (int(np.prod(shape)),)

    def output(self, A_prev, mode="fixed", params=None):
        return A_prev.reshape(len(A_prev), -1)

    def forward(self, A_prev, mode="train"):
        self.A_prev = A_prev
        self.A = A_prev.reshape(len(A_prev), -1)          # (n, C·H·W)
        return self.A

    def backward(self, dA, dZ=None, to_input=True):
        self.dA = dA
        return dA.reshape(self.A_prev.shape) if to_input else None
