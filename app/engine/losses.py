"""Losses, each a mean over the batch of n samples, with dL/dA and, where fused, dL/dZ."""
import numpy as np

from .errors import ConfigError

TINY = np.finfo(np.float64).tiny


class Loss:
    name = "loss"
    label = "loss"
    requires = None  # the output activation this loss must follow, if any
    refuses = ()     # output activations that make no sense with it
    output = None    # the output activation a network for it gets by default
    default_for = ()  # the tasks (binary, multiclass, regression) it is the default loss of

    def check_output(self, activation_name):
        """Refuse an output activation this loss makes no sense with."""
        if self.requires and activation_name != self.requires:
            raise ConfigError("loss", f"loss {self.name} needs a {self.requires} output layer, "
                                      f"not {activation_name}")
        if activation_name in self.refuses:
            raise ConfigError("loss", f"loss {self.name} cannot follow a {activation_name} output; "
                                      f"use {'cross_entropy' if activation_name == 'softmax' else 'mse'}")

    def check_targets(self, Y):
        """Refuse targets this loss cannot take (any number suits mse)."""

    def value(self, Z, A, Y):
        """The loss as a numpy scalar of the arrays' own precision."""
        raise NotImplementedError

    def grad_a(self, A, Y):
        """dL/dA for every output unit and sample."""
        raise NotImplementedError

    def grad_z(self, Z, A, Y):
        """dL/dZ when this loss is fused with its output activation, else None."""
        return None

    def __repr__(self):
        return self.name


class MSE(Loss):
    """L = ½ Σ (a − y)² / n."""

    name = "mse"
    label = "mse: ½(a − y)²"
    refuses = ()                # a softmax output too: its backward then goes through the Jacobian
    output = "linear"
    default_for = ("regression",)

    def value(self, Z, A, Y):
        D = A - Y
        return 0.5 * np.sum(D * D) / len(Y)

    def grad_a(self, A, Y):
        return (A - Y) / len(Y)  # dL/da = (a − y)/n


class BCE(Loss):
    """L = −Σ [y log a + (1 − y) log(1 − a)] / n, computed from the logits z so it stays finite."""

    name = "bce"
    label = "bce: binary cross-entropy"
    requires = "sigmoid"
    output = "sigmoid"
    default_for = ("binary",)

    def check_targets(self, Y):
        if not ((Y >= 0) & (Y <= 1)).all():
            raise ConfigError("dataset.Y", "bce needs every target between 0 and 1")

    def value(self, Z, A, Y):
        # −[y log σ(z) + (1 − y) log(1 − σ(z))] = softplus(z) − y z, finite for any z
        return (np.logaddexp(0.0, Z) - Y * Z).sum() / len(Y)

    def grad_a(self, A, Y):
        # dL/da = (a − y) / (a (1 − a) n); the floor keeps it finite when the sigmoid saturates
        return (A - Y) / (np.maximum(A * (1.0 - A), TINY) * len(Y))

    def grad_z(self, Z, A, Y):
        return (A - Y) / len(Y)  # dL/dz = dL/da · a(1 − a) = (a − y)/n


class CrossEntropy(Loss):
    """L = −Σ y log softmax(z) / n, with the fused gradient (A − Y)/n."""

    name = "cross_entropy"
    label = "cross-entropy (with softmax)"
    requires = "softmax"
    output = "softmax"
    default_for = ("multiclass",)

    def check_targets(self, Y):
        if not ((Y >= 0).all() and np.allclose(Y.sum(axis=1), 1)):
            raise ConfigError("dataset.Y", "cross_entropy needs each target row to be non-negative "
                                           "and sum to 1 (one-hot for a class)")

    def value(self, Z, A, Y):
        shifted = Z - Z.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return -np.sum(Y * log_softmax) / len(Y)

    def grad_a(self, A, Y):
        return -Y / (np.maximum(A, TINY) * len(Y))  # dL/da = −y / (a n)

    def grad_z(self, Z, A, Y):
        return (A - Y) / len(Y)  # softmax Jacobian times dL/da collapses to (a − y)/n


LOSSES = {cls.name: cls for cls in (MSE, BCE, CrossEntropy)}
DEFAULT_LOSS = {task: cls.name for cls in LOSSES.values() for task in cls.default_for}
OUTPUT_ACTIVATION = {cls.name: cls.output for cls in LOSSES.values()}


def get_loss(name):
    """The loss called `name` (mse, bce, cross_entropy)."""
    if isinstance(name, Loss):
        return name
    try:
        return LOSSES[name]()
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}") from None
