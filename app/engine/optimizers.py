"""Optimisers with their state in plain view; `step` applies one update to every W and b."""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Setting:
    """A hyper-parameter: its default and its bounds (low < value <= high, or low <= value < high)."""

    default: float
    low: float
    high: float
    low_open: bool = False
    high_open: bool = False
    text: str = ""


# every optimiser's settings: the request schema, the page and the API's docs read them here
SETTINGS = {
    "lr": Setting(0.3, 0.0, 1e6, low_open=True, text="learning rate"),
    "beta": Setting(0.9, 0.0, 1.0, high_open=True, text="momentum only"),
    "beta1": Setting(0.9, 0.0, 1.0, high_open=True, text="adam only"),
    "beta2": Setting(0.999, 0.0, 1.0, high_open=True, text="adam only"),
    "eps": Setting(1e-8, 0.0, 1.0, low_open=True, text="adam only"),
}

from .network import Phase, PhaseError


class Optimizer:
    """Base: `update` gives the change for one array without applying it, `step` applies all."""

    name = "optimizer"
    label = "optimizer"
    takes = ()        # its settings besides lr

    def __init__(self, lr):
        self.lr = float(lr)
        self.t = 0          # updates applied so far
        self.state = {}     # (layer index, "W" | "b") -> this optimiser's arrays for that parameter

    def settings(self):
        return {"lr": self.lr}

    def update(self, key, grad, t):
        """(Δparam, new state for key) of update number t for one parameter array; changes nothing."""
        raise NotImplementedError

    def step(self, network):
        """Apply one update to every W and b of `network` from its current gradients."""
        if network.phase != Phase.BACKWARD:
            raise PhaseError("run backward first: there are no gradients for the current "
                             "parameters to step with")
        self.t += 1
        for k, layer in enumerate(network.layers):
            for (name, value), (_, grad) in zip(layer.parameters(), layer.grads()):   # W, b (γ, β)
                setattr(layer, name, self.updated((k, name), value, grad))
        network.parameters_changed()

    def updated(self, key, value, grad):
        """The parameter after this update: a new array (a past state keeps the old one as it was)."""
        delta, self.state[key] = self.update(key, grad, self.t)
        return value + delta

    def preview(self, key, grad):
        """The change the next step will make to parameter `key` given its gradient."""
        return self.update(key, grad, self.t + 1)[0]

    def memory(self, key, grad):
        """What this optimiser remembers for parameter `key` (arrays of its shape, and numbers),
        and what its next step works out from that and `grad`; None when it remembers nothing."""
        return None

    def reset(self):
        self.t = 0
        self.state = {}

    def fresh(self):
        """An optimiser of the same kind and settings, with no memory yet."""
        return type(self)(**self.settings())


class SGD(Optimizer):
    """W ← W − lr · dW."""

    name = "sgd"
    label = "SGD: w ← w − lr·dW"

    def update(self, key, grad, t):
        return -self.lr * grad, None

    def updated(self, key, value, grad):
        return value - self.lr * grad      # the same, with nothing to remember (a training step's cost)


class Momentum(Optimizer):
    """v ← β v + dW;  W ← W − lr · v."""

    name = "momentum"
    label = "momentum (β = 0.9)"
    takes = ("beta",)

    def __init__(self, lr, beta=0.9):
        super().__init__(lr)
        self.beta = float(beta)

    def settings(self):
        return {"lr": self.lr, "beta": self.beta}

    def update(self, key, grad, t):
        v = self.state.get(key)
        v = grad.copy() if v is None else self.beta * v + grad
        return -self.lr * v, v

    def memory(self, key, grad):
        """The velocity as stored (0 before the first step): the next step makes β v + dW of it."""
        v = self.state.get(key)
        return {"velocity": np.zeros_like(grad) if v is None else v}


class Adam(Optimizer):
    """m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  W ← W − lr · m̂ / (√v̂ + ε), bias-corrected."""

    name = "adam"
    label = "Adam"
    takes = ("beta1", "beta2", "eps")

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def settings(self):
        return {"lr": self.lr, "beta1": self.beta1, "beta2": self.beta2, "eps": self.eps}

    def update(self, key, grad, t):
        m, v = self.state.get(key) or (np.zeros_like(grad), np.zeros_like(grad))
        m = self.beta1 * m + (1 - self.beta1) * grad
        v = self.beta2 * v + (1 - self.beta2) * grad * grad
        m_hat = m / (1 - self.beta1 ** t)
        v_hat = v / (1 - self.beta2 ** t)
        return -self.lr * m_hat / (np.sqrt(v_hat) + self.eps), (m, v)

    def memory(self, key, grad):
        """m, v as stored and t, the updates so far; m_hat, v_hat: the bias-corrected moments the
        next step (number t + 1) computes from them and `grad`."""
        m, v = self.state.get(key) or (np.zeros_like(grad), np.zeros_like(grad))
        t = self.t + 1
        m_next = self.beta1 * m + (1 - self.beta1) * grad
        v_next = self.beta2 * v + (1 - self.beta2) * grad * grad
        return {"m": m, "v": v, "t": self.t,
                "m_hat": m_next / (1 - self.beta1 ** t), "v_hat": v_next / (1 - self.beta2 ** t)}


OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, Adam)}


def make_optimizer(name, lr, **settings):
    """The optimiser called `name` (sgd, momentum, adam) with its settings."""
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(OPTIMIZERS)}") from None
    return cls(lr, **settings)
