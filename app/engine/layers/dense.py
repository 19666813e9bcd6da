"""The dense layer: Z = A_prev @ W + b, then A = f(Z), keeping every intermediate."""
import numpy as np


class Dense:
    """One fully connected layer with W of shape (fan_in, fan_out) and its activation f."""

    def __init__(self, W, b, activation):
        self.W = np.asarray(W, dtype=np.float64)  # (fan_in, fan_out)
        self.b = np.asarray(b, dtype=np.float64)  # (fan_out,)
        self.activation = activation
        self.clear()

    @property
    def fan_in(self):
        return self.W.shape[0]

    @property
    def fan_out(self):
        return self.W.shape[1]

    def clear(self):
        """Forget the values of the last forward and backward."""
        self.A_prev = self.Z = self.A = None
        self.clear_gradients()

    def clear_gradients(self):
        self.dA = self.dZ = self.dW = self.db = None

    def parameters(self):
        """(name, array) of what the optimiser updates, in order."""
        return [("W", self.W), ("b", self.b)]

    def grads(self):
        """(name, gradient) in the order of parameters()."""
        return [("W", self.dW), ("b", self.db)]

    def parameter_values(self):
        """The arrays of parameters(), in order: what a forward computed with."""
        return tuple(value for _, value in self.parameters())

    def set_parameter_values(self, values):
        for (name, _), value in zip(self.parameters(), values):
            setattr(self, name, value)

    @property
    def activation_in(self):
        """What the activation was applied to (z here; y = γẑ + β with batch norm)."""
        return self.Z

    @property
    def activation_out(self):
        """f of it (A here; before dropout in a layer with dropout)."""
        return self.A

    def kept(self):
        """What a past state keeps of the layer besides W and b (a layer with options: γ, β…)."""
        return None

    def option_arrays(self):
        return []

    def output(self, A_prev, mode="fixed", params=None):
        """A for A_prev, changing nothing (predictions, a loss at other parameters); `params`
        other values of parameters() than the layer's own."""
        W, b = (params or (self.W, self.b))[:2]
        return self.output_from(A_prev @ W + b, mode, params)

    def output_from(self, Z, mode="fixed", params=None):
        """A for the layer's Z, changing nothing."""
        return self.activation.forward(Z)

    def forward(self, A_prev, mode="train"):
        """`mode` matters only to a layer with options (engine/layers/normalization.py)."""
        self.A_prev = A_prev                             # kept for backward
        self.Z = A_prev @ self.W                         # (n, fan_out): Z = A_prev · W + b,
        self.Z += self.b                                 #   the bias added in place: no second array
        self.A = self.activation.forward(self.Z)         # (n, fan_out)
        return self.A

    def backward(self, dA, dZ=None, to_input=True):
        """From dL/dA (or a fused dL/dZ) to dW, db and dL/dA_prev (None if not to_input)."""
        self.dA = dA
        if dZ is None and not self.activation.elementwise:
            dZ = self.activation.jacobian_vector(self.A, dA)    # a softmax: dL/dz = Jᵀ · dL/da
        elif dZ is None:
            dZ = dA * self.activation.derivative(self.Z, self.A)  # dL/dz = dL/da · f'(z)
        self.dZ = dZ
        self.dW = self.A_prev.T @ dZ                     # (fan_in, fan_out): dL/dW = A_prevᵀ · dL/dZ
        self.db = np.ones(len(dZ)) @ dZ                  # (fan_out,): dL/db = Σ over samples, as 1ᵀ · dZ
                                                         #   (one BLAS call: 6x dZ.sum(axis=0) here)
        if not to_input:
            return None
        return np.dot(dZ, self.W.T)                      # (n, fan_in): dL/dA_prev = dL/dZ · Wᵀ
                                                         #   (np.dot: @ takes 2.5x as long for one output unit)
