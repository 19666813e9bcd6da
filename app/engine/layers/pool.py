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
    """The windows of a k × k pool, stride k."""

    def __init__(self, size):
        self.size = int(size)
        self.clear()

    def out_shape(self, shape):
        C, H, W = shape
        return C, H // self.size, W // self.size

    def windows(self, X):
        """(n, C, H_out, W_out, k·k): each output cell's window, in row-major order."""
        n, C, H, W = X.shape
        k = self.size
        H_out, W_out = H // k, W // k
        blocks = X[:, :, :H_out * k, :W_out * k].reshape(n, C, H_out, k, W_out, k)
        return blocks.transpose(0, 1, 2, 4, 3, 5).reshape(n, C, H_out, W_out, k * k)

    def spread(self, weights, shape):
        """weights (n, C, H_out, W_out, k·k) back onto an input of `shape`: the inverse of windows."""
        n, C, H, W = shape
        k = self.size
        H_out, W_out = H // k, W // k
        dX = np.zeros(shape)
        dX[:, :, :H_out * k, :W_out * k] = weights.reshape(n, C, H_out, W_out, k, k).transpose(
            0, 1, 2, 4, 3, 5).reshape(n, C, H_out * k, W_out * k)
        return dX

    def output(self, A_prev, mode="fixed", params=None):
        return self.pool(self.windows(A_prev))

    def forward(self, A_prev, mode="train"):
        self.A_prev = A_prev                        # (n, C, H, W), kept for backward
        self.A = self.pool(self.windows(A_prev))    # (n, C, H // k, W // k)
        return self.A

    def backward(self, dA, dZ=None, to_input=True):
        self.dA = dA
        return self.route(dA) if to_input else None


class MaxPool2D(Pool2D):
    """a[n,c,r,s] = max over the window X[n, c, r·k : r·k + k, s·k : s·k + k]; its gradient goes to
    the max's position (ties: the first in row-major order)."""

    name = "maxpool2d"

    def pool(self, windows):
        return windows.max(axis=-1)

    def route(self, dA):
        windows = self.windows(self.A_prev)
        first_max = windows.argmax(axis=-1)[..., None]                   # the first in row-major order
        to_max = np.arange(windows.shape[-1]) == first_max               # 1 at the max's position
        return self.spread(to_max * dA[..., None], self.A_prev.shape)   # dL/dx = dL/da there, 0 elsewhere


class AvgPool2D(Pool2D):
    """a[n,c,r,s] = the mean of the window X[n, c, r·k : r·k + k, s·k : s·k + k]; its gradient is
    spread evenly over the window (1/k² each)."""

    name = "avgpool2d"

    def pool(self, windows):
        return windows.mean(axis=-1)

    def route(self, dA):
        k2 = self.size ** 2
        share = np.broadcast_to(dA[..., None] / k2, dA.shape + (k2,))    # dL/dx = dL/da / k²
        return self.spread(share, self.A_prev.shape)


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
