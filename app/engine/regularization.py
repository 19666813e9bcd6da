"""Weight penalties added to the data loss: L2 (weight decay) and L1. Weights only, not biases."""
import numpy as np

from .errors import ConfigError

MAX_RATE = 10.0


class Regularization:
    """L = data loss + rate · ½ Σ W² (l2), or + rate · Σ |W| (l1), over every layer's W."""

    def __init__(self, kind, rate):
        if kind not in ("l1", "l2"):
            raise ConfigError("regularization.kind", f"regularization kind must be l1 or l2, got {kind!r}")
        if not 0 <= rate <= MAX_RATE:
            raise ConfigError("regularization.rate", f"regularization rate must be from 0 to {MAX_RATE:g}, got {rate}")
        self.kind, self.rate = kind, float(rate)

    def penalty(self, weights):
        """rate · ½ Σ W² (l2) or rate · Σ |W| (l1), summed over the arrays in `weights`."""
        if self.kind == "l2":
            return self.rate * 0.5 * sum(float(np.sum(W * W)) for W in weights)
        return self.rate * sum(float(np.sum(np.abs(W))) for W in weights)

    def grad(self, W):
        """∂penalty/∂W: rate · W (l2), rate · sign(W) (l1; 0 at W = 0, as |w|'s subgradient)."""
        return self.rate * W if self.kind == "l2" else self.rate * np.sign(W)

    def __repr__(self):
        return f"Regularization({self.kind!r}, {self.rate})"
