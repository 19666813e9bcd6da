"""The 2-D convolution layer on images (n, C_in, H, W), as PyTorch's conv2d lays them out:
Z = X ⋆ W + b (a cross-correlation), then A = f(Z), keeping every intermediate."""
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def out_size(size, kernel, stride, padding):
    """The output's height (or width) for an input of `size`: floor((size + 2p − k) / stride) + 1."""
    return (size + 2 * padding - kernel) // stride + 1


class Conv2D:
    """C_out kernels W of shape (C_out, C_in, kh, kw), a bias b (C_out,), a stride and a zero
    padding, then the activation f."""

    def __init__(self, W, b, activation, stride=1, padding=0):
        self.W = np.asarray(W, dtype=np.float64)          # (C_out, C_in, kh, kw)
        self.b = np.asarray(b, dtype=np.float64)          # (C_out,)
        self.activation = activation
        self.stride, self.padding = int(stride), int(padding)
        self.clear()

    def clear(self):
        """Forget the values of the last forward and backward."""
        self.A_prev = self.X_pad = self.Z = self.A = None
        self.clear_gradients()

    def clear_gradients(self):
        self.dA = self.dZ = self.dW = self.db = None

    def parameters(self):
        return [("W", self.W), ("b", self.b)]

    def grads(self):
        return [("W", self.dW), ("b", self.db)]

    def parameter_values(self):
        return (self.W, self.b)

    def set_parameter_values(self, values):
        self.W, self.b = values[:2]

    @property
    def activation_in(self):
        return self.Z

    @property
    def activation_out(self):
        return self.A

    def kept(self):
        return None

    def option_arrays(self):
        return []

    def out_shape(self, shape):
        """(C_out, H_out, W_out) for an input of shape (C_in, H, W)."""
        _, H, W = shape
        kh, kw = self.W.shape[2:]
        return (self.W.shape[0], out_size(H, kh, self.stride, self.padding), out_size(W, kw, self.stride, self.padding))

    def windows(self, X_pad):
        """(n, C_in, H_out, W_out, kh, kw): the patch of X_pad each output position sees (views,
        no copies): windows[n, c, r, s, u, v] = X_pad[n, c, r·stride + u, s·stride + v]."""
        kh, kw = self.W.shape[2:]
        return sliding_window_view(X_pad, (kh, kw), axis=(2, 3))[:, :, ::self.stride, ::self.stride]

    def padded(self, X):
        p = self.padding
        return np.pad(X, ((0, 0), (0, 0), (p, p), (p, p))) if p else X

    def z(self, X, W, b):
        """Z for X with the kernels W and bias b, changing nothing."""
        windows = self.windows(self.padded(X))
        # Z[n,o,r,s] = Σ_{c,u,v} X_pad[n, c, r·stride + u, s·stride + v] · W[o,c,u,v] + b[o]
        # (as one product: every patch a row, every kernel a column: im2col)
        Z = np.tensordot(windows, W, axes=([1, 4, 5], [1, 2, 3]))        # (n, H_out, W_out, C_out)
        return Z.transpose(0, 3, 1, 2) + b[:, None, None]                 # (n, C_out, H_out, W_out)

    def output(self, A_prev, mode="fixed", params=None):
        W, b = (params or (self.W, self.b))[:2]
        return self.activation.forward(self.z(A_prev, W, b))

    def output_from(self, Z, mode="fixed", params=None):
        return self.activation.forward(Z)

    def forward(self, A_prev, mode="train"):
        self.A_prev = A_prev                             # (n, C_in, H, W), kept for backward
        self.Z = self.z(A_prev, self.W, self.b)          # (n, C_out, H_out, W_out)
        self.A = self.activation.forward(self.Z)
        return self.A

    def backward(self, dA, dZ=None, to_input=True):
        """From dL/dA (or a fused dL/dZ) to dW, db and dL/dA_prev (None if not to_input)."""
        self.dA = dA
        if dZ is None:
            dZ = dA * self.activation.derivative(self.Z, self.A)     # dL/dz = dL/da · f'(z)
        self.dZ = dZ
        windows = self.windows(self.padded(self.A_prev))
        # dW[o,c,u,v] = Σ_{n,r,s} X_pad[n, c, r·stride + u, s·stride + v] · dZ[n,o,r,s]: the input
        # correlated with dL/dZ
        self.dW = np.tensordot(dZ, windows, axes=([0, 2, 3], [0, 2, 3]))   # (C_out, C_in, kh, kw)
        self.db = dZ.sum(axis=(0, 2, 3))                                   # db[o] = Σ_{n,r,s} dZ[n,o,r,s]
        if not to_input:
            return None
        # dX_pad[n, c, r·stride + u, s·stride + v] += Σ_o dZ[n,o,r,s] · W[o,c,u,v]: each output
        # position hands its dL/dz back to the inputs its kernel saw (the full convolution of dZ
        # with the flipped kernel), one kernel position (u, v) at a time
        n, _, H_out, W_out = dZ.shape
        kh, kw = self.W.shape[2:]
        s = self.stride
        dX_pad = np.zeros(self.padded(self.A_prev).shape)
        for u in range(kh):
            for v in range(kw):
                dX_pad[:, :, u:u + s * H_out:s, v:v + s * W_out:s] += np.tensordot(
                    dZ, self.W[:, :, u, v], axes=([1], [0])).transpose(0, 3, 1, 2)
        p = self.padding
        return dX_pad[:, :, p:dX_pad.shape[2] - p, p:dX_pad.shape[3] - p] if p else dX_pad
