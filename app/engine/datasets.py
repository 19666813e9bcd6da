"""Seeded toy datasets: 2-D classification, 3-class blobs, 1-D regression, and the one-neuron example.

Each maker returns (X, Y) as float64 arrays, rows are samples; binary labels are a (n, 1)
column of 0/1, the 3-class blobs are one-hot (n, 3).
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import images, sequences
from .errors import ConfigError


def xor(n, noise, rng):
    """Points in the square, class 1 where x₁ and x₂ have the same sign (x₁·x₂ > 0), class 0
    where they differ: the XOR pattern, which no straight line separates."""
    X = rng.uniform(-1, 1, size=(n, 2))
    X += np.sign(X) * 0.1                            # keep a margin around the axes
    y = (X[:, 0] * X[:, 1] > 0).astype(float)
    return X + rng.normal(0, noise, X.shape), y[:, None]


def circles(n, noise, rng):
    """An inner disc (class 1) inside a ring (class 0)."""
    inner = np.arange(n) < n // 2
    radius = np.where(inner, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X + rng.normal(0, noise, X.shape), inner.astype(float)[:, None]


def gaussians(n, noise, rng):
    """Two round clusters, class 0 around (−0.5, −0.5) and class 1 around (0.5, 0.5)."""
    y = (np.arange(n) >= n // 2).astype(float)
    centres = np.where(y[:, None] == 1, 0.5, -0.5)
    X = centres + rng.normal(0, 0.25 + noise, size=(n, 2))
    return X, y[:, None]


def spiral(n, noise, rng):
    """Two interleaved spiral arms, one per class."""
    y = (np.arange(n) >= n // 2).astype(float)
    t = np.concatenate([np.linspace(0, 1, n // 2, endpoint=False),
                        np.linspace(0, 1, n - n // 2, endpoint=False)])
    angle = 1.75 * 2 * np.pi * t + np.pi * y
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)])
    return X + rng.normal(0, noise, X.shape), y[:, None]


def moons(n, noise, rng):
    """Two interleaved half circles (as in scikit-learn), scaled into the unit square."""
    y = (np.arange(n) >= n // 2).astype(float)
    angle = rng.uniform(0, np.pi, n)
    X = np.where(y[:, None] == 0,
                 np.column_stack([np.cos(angle), np.sin(angle)]),
                 np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)]))
    X = (X - [0.5, 0.25]) * 0.8
    return X + rng.normal(0, noise, X.shape), y[:, None]


def blobs(n, noise, rng):
    """Three clusters, one-hot labels (for softmax with cross-entropy)."""
    labels = np.arange(n) % 3
    angle = np.pi / 2 + labels * 2 * np.pi / 3
    centres = 0.6 * np.column_stack([np.cos(angle), np.sin(angle)])
    X = centres + rng.normal(0, 0.2 + noise, size=(n, 2))
    return X, np.eye(3)[labels]


def sine(n, noise, rng):
    """y = sin(πx) on [−1, 1]."""
    x = rng.uniform(-1, 1, n)
    return x[:, None], (np.sin(np.pi * x) + rng.normal(0, noise, n))[:, None]


def line(n, noise, rng):
    """y = 0.5x + 0.2 on [−1, 1]."""
    x = rng.uniform(-1, 1, n)
    return x[:, None], (0.5 * x + 0.2 + rng.normal(0, noise, n))[:, None]


def single(n, noise, rng):
    """The classic one-neuron walk-through: one example, x = 0.5, y = 1."""
    return np.array([[0.5]]), np.array([[1.0]])


@dataclass(frozen=True)
class DatasetInfo:
    make: Callable
    inputs: int | tuple  # a point's numbers, or an image's shape (C, H, W)
    outputs: int
    task: str            # "binary", "multiclass" or "regression"
    description: str
    classes: tuple = ()  # what each class is, in the order of Y's columns (images only)


DATASETS = {
    "xor": DatasetInfo(xor, 2, 1, "binary",
                       "class 1 where x₁ and x₂ have the same sign, 0 where they differ (the XOR pattern)"),
    "circles": DatasetInfo(circles, 2, 1, "binary", "a disc inside a ring"),
    "gaussians": DatasetInfo(gaussians, 2, 1, "binary", "two gaussian clusters"),
    "spiral": DatasetInfo(spiral, 2, 1, "binary", "two interleaved spirals"),
    "moons": DatasetInfo(moons, 2, 1, "binary", "two interleaved half moons"),
    "blobs": DatasetInfo(blobs, 2, 3, "multiclass", "three clusters, three classes"),
    "sine": DatasetInfo(sine, 1, 1, "regression", "y = sin(πx)"),
    "line": DatasetInfo(line, 1, 1, "regression", "y = 0.5x + 0.2"),
    "single": DatasetInfo(single, 1, 1, "regression", "one example: x = 0.5, y = 1"),
}


# image datasets: inputs is an image's shape (C, H, W)
IMAGES = {
    "bars": DatasetInfo(images.bars, (1, images.SIZE, images.SIZE), 1, "binary",
                        "8×8 images of a vertical or a horizontal bar",
                        ("vertical bar", "horizontal bar")),
    "shapes": DatasetInfo(images.shapes, (1, images.SIZE, images.SIZE), 3, "multiclass",
                          "8×8 images of a cross, a square or a diagonal",
                          ("cross", "square", "diagonal")),
    "glyphs": DatasetInfo(images.glyphs, (1, images.SIZE, images.SIZE), 4, "multiclass",
                          "8×8 digit-like glyphs: 0, 1, 7 and 4",
                          ("glyph 0", "glyph 1", "glyph 7", "glyph 4")),
}
MAX_IMAGES = 1000          # images in a named image dataset (a page of them is 64 numbers each)

# sequence datasets: inputs is a sequence's shape (T, d_in), outputs the classes at each position
SHAPE = (sequences.LENGTH, sequences.TOKENS + sequences.LENGTH)
SEQUENCES = {
    "reverse": DatasetInfo(sequences.reverse, SHAPE, sequences.TOKENS, "multiclass",
                           "5 tokens of 4 kinds; the target at position t is the token at 4 − t: the attention "
                           "weights should learn an anti-diagonal"),
    "copy_first": DatasetInfo(sequences.copy_first, SHAPE, sequences.TOKENS, "multiclass",
                              "5 tokens of 4 kinds; the target at every position is the first token: every "
                              "query should attend to position 0"),
    "sort": DatasetInfo(sequences.sort, SHAPE, sequences.TOKENS, "multiclass",
                        "5 tokens of 4 kinds; the target at position t is the t-th smallest token: each query "
                        "must find the token of its rank, a pattern that changes with the sequence"),
}


ALL = {**DATASETS, **IMAGES, **SEQUENCES}


def make_dataset(name, n=200, noise=0.1, seed=0):
    """(X, Y) of the dataset called `name`, drawn from a Generator seeded with `seed`."""
    try:
        info = ALL[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(ALL)}") from None
    if n < 1:
        raise ValueError(f"a dataset needs at least one point, got n={n}")
    if noise < 0:
        raise ValueError(f"noise must be ≥ 0, got {noise}")
    X, Y = info.make(int(n), float(noise), np.random.default_rng(seed))
    return X.astype(np.float64), Y.astype(np.float64)


def given_points(X, Y):
    """Points supplied by the caller, checked: same number of rows, finite numbers; X rows of
    numbers and Y rows, or images (C, H, W) of one shape and Y rows, or sequences (T, features)
    and Y (T, classes) of the same T."""
    X, Y = as_matrix(X, "X"), as_matrix(Y, "Y")
    if (X.ndim, Y.ndim) not in ((2, 2), (4, 2), (3, 3)) or len(X) == 0:
        raise ConfigError("dataset", "X must be a non-empty list of rows, of images (C, H, W) or of sequences "
                                     "(T, features), and Y of rows (of sequences (T, classes) for sequences)")
    if len(X) != len(Y):
        raise ConfigError("dataset", f"X has {len(X)} rows but Y has {len(Y)}")
    if X.ndim == 3 and X.shape[1] != Y.shape[1]:
        raise ConfigError("dataset", f"X's sequences have {X.shape[1]} positions but Y's have {Y.shape[1]}")
    if not (np.isfinite(X).all() and np.isfinite(Y).all()):
        raise ConfigError("dataset", "X and Y must hold finite numbers only (no NaN or infinity)")
    return X, Y


def two_classes(Y):
    """True when the targets are one column of 0s and 1s: a binary classification."""
    return Y.shape[1] == 1 and bool(np.isin(Y, (0.0, 1.0)).all())


def as_matrix(rows, name):
    """Rows of numbers (or images) as a float array; ragged ones are refused by name."""
    if isinstance(rows, np.ndarray):
        return rows.astype(np.float64)
    if len({len(row) for row in rows}) > 1:
        raise ConfigError("dataset", f"every row of {name} must have the same length")
    try:
        return np.array(rows, dtype=np.float64)
    except ValueError:                    # images whose channels, rows or columns differ in size
        raise ConfigError("dataset", f"every image of {name} must have the same shape (C, H, W)") from None
