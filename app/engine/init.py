"""Weight initialisation from a seeded numpy Generator."""
import numpy as np

INITS = ("xavier", "he")


def default_init(activation_name):
    """He for the relu family, Xavier/Glorot otherwise."""
    return "he" if activation_name in ("relu", "leaky_relu") else "xavier"


def init_weights(fan_in, fan_out, scheme, rng):
    """W of shape (fan_in, fan_out) and a zero b, drawn by `scheme`."""
    if scheme == "xavier":    # Glorot uniform: U(−√(6/(in+out)), +√(6/(in+out)))
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-limit, limit, size=(fan_in, fan_out))
    elif scheme == "he":      # He normal: N(0, 2/in)
        W = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))
    else:
        raise ValueError(f"unknown init {scheme!r}; choose one of {list(INITS)}")
    return W, np.zeros(fan_out)
