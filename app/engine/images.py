"""Seeded image datasets for convolutions: X of shape (n, 1, 8, 8) (samples, channels, height,
width, as PyTorch lays images out), pixels from 0 (dark) to 1 plus noise; Y as the point
datasets have it (a 0/1 column for two classes, one-hot rows for more)."""
import numpy as np

SIZE = 8


def bars(n, noise, rng):
    """One vertical bar (class 0) or one horizontal bar (class 1), anywhere: kernels that
    detect vertical and horizontal edges win."""
    y = np.arange(n) % 2
    X = np.zeros((n, 1, SIZE, SIZE))
    where = rng.integers(1, SIZE - 1, n)
    for i in range(n):
        if y[i]:
            X[i, 0, where[i], :] = 1.0
        else:
            X[i, 0, :, where[i]] = 1.0
    return X + rng.normal(0, noise, X.shape), y[:, None].astype(float)


def shapes(n, noise, rng):
    """A cross (class 0), a square's outline (class 1) or a diagonal line (class 2), of a random
    size at a random place: three patterns that different kernels pick out."""
    y = np.arange(n) % 3
    X = np.zeros((n, 1, SIZE, SIZE))
    for i in range(n):
        size = int(rng.integers(3, 6))
        top, left = (int(v) for v in rng.integers(0, SIZE - size + 1, 2))
        patch = X[i, 0, top:top + size, left:left + size]
        if y[i] == 0:
            patch[size // 2, :] = patch[:, size // 2] = 1.0
        elif y[i] == 1:
            patch[0, :] = patch[-1, :] = patch[:, 0] = patch[:, -1] = 1.0
        else:
            np.fill_diagonal(patch if rng.random() < 0.5 else patch[:, ::-1], 1.0)
    return X + rng.normal(0, noise, X.shape), np.eye(3)[y]


# digit-like glyphs as strokes on an 8×8 grid: (row, column) cells of each
GLYPHS = {
    "0": [(r, c) for r in range(1, 7) for c in (2, 5)] + [(r, c) for r in (1, 6) for c in (3, 4)],
    "1": [(r, 4) for r in range(1, 7)] + [(2, 3)],
    "7": [(1, c) for c in range(2, 6)] + [(2, 5), (3, 5), (4, 4), (5, 4), (6, 3)],
    "4": [(r, 2) for r in range(1, 5)] + [(4, c) for c in range(2, 6)] + [(r, 5) for r in range(1, 7)],
}


def glyphs(n, noise, rng):
    """8×8 digit-like glyphs (0, 1, 7, 4) drawn from strokes, shifted by up to a pixel, with
    noise: four classes."""
    y = np.arange(n) % len(GLYPHS)
    strokes = list(GLYPHS.values())
    X = np.zeros((n, 1, SIZE, SIZE))
    for i in range(n):
        dr, dc = (int(v) for v in rng.integers(-1, 2, 2))
        for r, c in strokes[y[i]]:
            if 0 <= r + dr < SIZE and 0 <= c + dc < SIZE:
                X[i, 0, r + dr, c + dc] = 1.0
    return X + rng.normal(0, noise, X.shape), np.eye(len(GLYPHS))[y]



# the network an image dataset opens with: a convolution, a pool, and a dense layer to the classes
DEFAULT_LAYERS = [{"type": "conv2d", "channels": 4, "kernel": 3}, {"type": "maxpool2d", "size": 2},
                  {"type": "flatten"}, {"type": "dense"}]
