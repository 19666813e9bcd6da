"""A dense layer with options: batch normalisation and dropout, in this order:

    z = a_prev W + b
    ẑ = (z − mean) / √(var + ε),   y = γ ẑ + β          (batch norm)
    a = f(y)                                            (the activation)
    a = a · mask / (1 − p)                              (dropout, rate p)

Rows are samples; mean and var are over the batch's rows (the biased variance, 1/n).

How the layer runs depends on the forward's `mode`:
- "train", a training step's forward: the batch's mean and var, the running statistics moved
  to 0.9 r + 0.1 batch, and a new dropout mask drawn;
- "fixed", any other forward on the training batch (values recomputed on demand, the loss after
  a step, a gradient check): the batch's mean and var, the last mask, nothing stored;
- "infer", predictions and pictures: the running statistics and no dropout;
- "last", the loss a Step's preview measures after the update: the last forward's statistics
  and mask, nothing stored.
"""
import numpy as np

from .dense import Dense

EPS = 1e-5          # ε under the square root
MOMENTUM = 0.9      # running = 0.9 · running + 0.1 · batch


class OptionDense(Dense):
    """Dense with batch norm (γ, β and running statistics) and/or dropout (rate p)."""

    def __init__(self, W, b, activation, batch_norm=False, dropout=0.0, rng=None):
        super().__init__(W, b, activation)
        self.batch_norm = bool(batch_norm)
        self.rate = float(dropout)
        self.rng = rng                       # the network's dropout generator
        self.reset_options()

    @property
    def activation_in(self):
        return self.Y

    @property
    def activation_out(self):
        return self.F

    def reset_options(self):
        """γ = 1, β = 0, running statistics 0 and 1, no mask: as the layer starts."""
        n = self.fan_out
        self.gamma = np.ones(n) if self.batch_norm else None
        self.beta = np.zeros(n) if self.batch_norm else None
        self.running_mean = np.zeros(n) if self.batch_norm else None
        self.running_var = np.ones(n) if self.batch_norm else None
        self.mean = self.var = None          # the batch's, of the last forward on it
        self.mask = None                     # 0/1 per sample and unit, of the last training forward

    # what a past state keeps of the layer besides W and b, to carry on exactly from there
    KEPT = ("gamma", "beta", "running_mean", "running_var")

    def kept(self):
        return tuple(getattr(self, name) for name in self.KEPT)

    def restore(self, kept):
        for name, value in zip(self.KEPT, kept):
            setattr(self, name, value)
        self.mean = self.var = self.mask = None

    def option_arrays(self):
        """Every array the options add (for counting memory)."""
        return [self.gamma, self.beta, self.running_mean, self.running_var, self.mean, self.var, self.mask,
                self.Z_hat, self.Y, self.F, self.dY, self.dZ_hat, self.dgamma, self.dbeta]

    def clear(self):
        super().clear()
        self.Z_hat = self.Y = self.F = None

    def clear_gradients(self):
        super().clear_gradients()
        self.dY = self.dZ_hat = self.dvar = self.dmean = self.dgamma = self.dbeta = None

    def parameters(self):
        """(name, array) of what the optimiser updates, in order."""
        extra = [("gamma", self.gamma), ("beta", self.beta)] if self.batch_norm else []
        return [("W", self.W), ("b", self.b)] + extra

    def statistics(self, Z, mode):
        """The mean and var that normalise Z: the batch's own, or the running ones ("infer")."""
        if mode == "infer":
            return self.running_mean, self.running_var
        if mode == "last" and self.mean is not None:
            return self.mean, self.var                # those of the last forward on the batch
        return Z.mean(axis=0), Z.var(axis=0)          # the biased variance: 1/n

    def values(self, A_prev, mode, mask=None, params=None):
        """((Z, ẑ, y, f(y), a), (mean, var) batch norm used or None) for A_prev, storing nothing;
        `mask` for dropout (None: none); `params` an other (W, b) than the layer's own."""
        W, b = (params or (self.W, self.b))[:2]
        return self.values_from(A_prev @ W + b, mode, mask, params)

    def values_from(self, Z, mode, mask=None, params=None):
        """values() from the layer's Z = A_prev W + b on; `params` other values of parameters()
        (γ and β among them) than the layer's own."""
        Z_hat, Y, stats = None, Z, None
        if self.batch_norm:
            gamma, beta = params[2:4] if params else (self.gamma, self.beta)
            mean, var = stats = self.statistics(Z, mode)
            Z_hat = (Z - mean) / np.sqrt(var + EPS)
            Y = gamma * Z_hat + beta
        F = self.activation.forward(Y)
        A = F * mask / (1 - self.rate) if mask is not None else F
        return (Z, Z_hat, Y, F, A), stats

    def output(self, A_prev, mode="fixed", params=None):
        """a for A_prev, changing nothing (predictions, a loss at other parameters)."""
        W, b = (params or (self.W, self.b))[:2]
        return self.output_from(A_prev @ W + b, mode, params)

    def output_from(self, Z, mode="fixed", params=None):
        """a for the layer's Z, changing nothing; dropout with the last forward's mask."""
        mask = self.mask if self.rate > 0 and mode != "infer" else None
        if mask is not None and mask.shape != Z.shape:
            mask = None                               # other rows than the last forward's
        (*_, A), _ = self.values_from(Z, mode, mask, params)
        return A

    def forward(self, A_prev, mode="train"):
        mask = None
        if self.rate > 0 and mode != "infer":
            shape = (len(A_prev), self.fan_out)
            if mode == "train" or self.mask is None or self.mask.shape != shape:
                self.mask = (self.rng.random(shape) >= self.rate).astype(np.float64)
            mask = self.mask
        self.A_prev = A_prev
        (self.Z, self.Z_hat, self.Y, self.F, self.A), stats = self.values(A_prev, mode, mask)
        if self.batch_norm and mode != "infer":
            self.mean, self.var = stats
        if self.batch_norm and mode == "train":
            self.running_mean = MOMENTUM * self.running_mean + (1 - MOMENTUM) * self.mean
            self.running_var = MOMENTUM * self.running_var + (1 - MOMENTUM) * self.var
        return self.A

    def backward(self, dA, dZ=None, to_input=True):
        self.dA = dA
        if dZ is None:
            dF = dA * self.mask / (1 - self.rate) if self.rate > 0 else dA   # dL/df: dropped units get 0
            if self.activation.elementwise:
                dY = dF * self.activation.derivative(self.Y, self.F)         # dL/dy = dL/df · f'(y)
            else:
                dY = self.activation.jacobian_vector(self.F, dF)
        else:
            dY = dZ                                   # a fused loss gave dL/dy (no dropout on an output)
        self.dY = dY
        if self.batch_norm:
            dY = self.batch_norm_backward(dY)
        self.dZ = dY
        self.dW = self.A_prev.T @ self.dZ              # dL/dW = A_prevᵀ · dL/dZ
        self.db = self.dZ.sum(axis=0)                  # 0 up to rounding: batch norm takes the mean out
        if not to_input:
            return None
        return self.dZ @ self.W.T                      # dL/dA_prev = dL/dZ · Wᵀ

    def batch_norm_backward(self, dY):
        """dL/dz from dL/dy, through ẑ = (z − mean)/√(var + ε), y = γẑ + β. Each sample's z moves
        the batch's mean and var, and so every other sample's ẑ: three terms."""
        Z, mean, var = self.Z, self.mean, self.var     # the batch's statistics this forward used
        n = len(Z)
        inv_std = 1.0 / np.sqrt(var + EPS)
        self.dgamma = (dY * self.Z_hat).sum(axis=0)    # dL/dγ = Σ dL/dy · ẑ
        self.dbeta = dY.sum(axis=0)                    # dL/dβ = Σ dL/dy
        dZ_hat = self.dZ_hat = dY * self.gamma         # dL/dẑ = dL/dy · γ
        # dL/dvar = Σ dL/dẑ · (z − mean) · (−½)(var + ε)^(−3/2)
        self.dvar = (dZ_hat * (Z - mean)).sum(axis=0) * -0.5 * inv_std ** 3
        # dL/dmean = Σ −dL/dẑ / √(var + ε) + dL/dvar · mean(−2(z − mean)); the second term is 0
        self.dmean = -(dZ_hat * inv_std).sum(axis=0) + self.dvar * (-2 * (Z - mean)).mean(axis=0)
        # dL/dz = dL/dẑ / √(var + ε) + dL/dvar · 2(z − mean)/n + dL/dmean / n
        return dZ_hat * inv_std + self.dvar * 2 * (Z - mean) / n + self.dmean / n

    def grads(self):
        """(name, gradient) in the order of parameters()."""
        extra = [("gamma", self.dgamma), ("beta", self.dbeta)] if self.batch_norm else []
        return [("W", self.dW), ("b", self.db)] + extra
