"""Activation functions: each is a value and its derivative, f'(z) written from the cached output."""
import numpy as np


class Activation:
    """f applied elementwise; `derivative` returns f'(z) given z and the cached a = f(z)."""

    name = "activation"
    label = "activation"          # what the page calls it
    formula_text = "f(z)"         # a as the page writes it, from z
    derivative_text = "f′(z)"     # f′ as the page writes it, from a (or z)
    elementwise = True
    output_only = False           # softmax: the output layer only

    def forward(self, Z):
        raise NotImplementedError

    def derivative(self, Z, A):
        raise NotImplementedError

    def __repr__(self):
        return self.name


class Sigmoid(Activation):
    name = "sigmoid"
    label = "sigmoid σ"
    formula_text = "σ(z)"
    derivative_text = "a(1 − a)"

    def forward(self, Z):
        # σ(z) = 1 / (1 + e^(−z)), written so that e^(−z) never overflows: for z < 0 as e^z / (1 + e^z).
        # Both from one E = e^(−|z|): the numerator is 1 where z ≥ 0 and E where z < 0, over 1 + E
        Z = np.asarray(Z)
        E = np.exp(-np.abs(Z))
        A = np.where(Z >= 0, 1.0, E)
        E += 1.0
        A /= E                                           # in place: one division, no third array
        return A

    def derivative(self, Z, A):
        return A * (1.0 - A)  # sigmoid'(z) = a(1 - a)


class Tanh(Activation):
    name = "tanh"
    label = "tanh"
    formula_text = "tanh(z)"
    derivative_text = "1 − a²"

    def forward(self, Z):
        return np.tanh(Z)

    def derivative(self, Z, A):
        return 1.0 - A * A  # tanh'(z) = 1 - a²


class ReLU(Activation):
    name = "relu"
    label = "ReLU"
    formula_text = "max(0, z)"
    derivative_text = "1 if z > 0, else 0"

    def forward(self, Z):
        return np.maximum(Z, 0.0)

    def derivative(self, Z, A):
        return (Z > 0).astype(Z.dtype)  # relu'(z) = 1 if z > 0 else 0 (0 at the kink)


class LeakyReLU(Activation):
    name = "leaky_relu"
    label = "leaky ReLU"
    formula_text = "max(αz, z)"
    derivative_text = "1 if z > 0, else α"

    def __init__(self, alpha=0.01):
        self.alpha = float(alpha)

    def forward(self, Z):
        return np.where(Z > 0, Z, self.alpha * Z)

    def derivative(self, Z, A):
        return np.where(Z > 0, 1.0, self.alpha)  # 1 if z > 0 else alpha


class Linear(Activation):
    name = "linear"
    label = "linear"
    formula_text = "z"
    derivative_text = "1"

    def forward(self, Z):
        return Z

    def derivative(self, Z, A):
        return np.ones_like(Z)


class Softmax(Activation):
    """Row-wise softmax; output layer only. With cross-entropy its backward is fused
    (dL/dz = (a − y)/n); with another loss it goes through its Jacobian J = diag(s) − s sᵀ."""

    name = "softmax"
    label = "softmax"
    formula_text = "softmax(z)"
    derivative_text = None        # a Jacobian, fused with cross-entropy
    elementwise = False
    output_only = True

    def forward(self, Z):
        E = np.exp(Z - Z.max(axis=1, keepdims=True))  # shift by the row max: no overflow
        return E / E.sum(axis=1, keepdims=True)

    def derivative(self, Z, A):
        raise TypeError("softmax has a Jacobian, not an elementwise derivative: use jacobian_vector")

    @staticmethod
    def jacobian(a):
        """J[j, i] = ∂a_j/∂z_i = a_j (δ_ji − a_i) for one sample's a: diag(a) − a aᵀ."""
        return np.diag(a) - np.outer(a, a)

    @staticmethod
    def jacobian_vector(A, dA):
        """dL/dz = Jᵀ dL/da for every row at once: a ⊙ (dL/da − (dL/da · a)), J being symmetric."""
        return A * (dA - np.sum(dA * A, axis=1, keepdims=True))


ACTIVATIONS = {cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Linear, Softmax)}


def get_activation(name, **settings):
    """The activation called `name` (sigmoid, tanh, relu, leaky_relu, linear, softmax)."""
    if isinstance(name, Activation):
        return name
    try:
        cls = ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None
    return cls(**settings)
