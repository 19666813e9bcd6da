"""Input features worked out from a point (x1, x2): the network may see x1², x2², x1·x2, sin(x1)
and sin(x2) besides the coordinates themselves, so that a linear model can draw a circle."""
import numpy as np

from .errors import ConfigError

FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


def check_features(names, inputs):
    """ConfigError naming `features` unless `names` can be worked out from points of `inputs` inputs."""
    if inputs != 2:
        raise ConfigError("features", f"features are for data with two inputs (x1, x2); these points have {inputs}")
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ConfigError("features", f"unknown feature {unknown[0]!r}; choose from {', '.join(FEATURES)}")
    if len(set(names)) != len(names):
        raise ConfigError("features", "each feature may be chosen once")


def feature_matrix(X, names):
    """One column per feature, one row per point of X (n × 2)."""
    x1, x2 = X[:, 0], X[:, 1]
    return np.column_stack([FEATURES[name](x1, x2) for name in names]).astype(np.float64)
