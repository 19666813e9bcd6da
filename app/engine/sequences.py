"""Seeded sequence datasets for attention: X of shape (n, T, d_in) (samples, positions,
features), each token one-hot followed by its position one-hot, so that d_in = tokens + T; Y of
shape (n, T, classes), the target token of each position one-hot."""
import numpy as np

LENGTH, TOKENS = 5, 4      # T positions, each one of this many tokens


def encode(tokens, vocabulary):
    """(n, T) token numbers -> (n, T, vocabulary + T): the token one-hot, then the position one-hot."""
    n, T = tokens.shape
    return np.concatenate([np.eye(vocabulary)[tokens], np.broadcast_to(np.eye(T), (n, T, T))], axis=2)


def draw(n, noise, rng):
    tokens = rng.integers(0, TOKENS, (n, LENGTH))
    X = encode(tokens, TOKENS)
    return tokens, X + rng.normal(0, noise, X.shape)


def reverse(n, noise, rng):
    """The target at position t is the token at T−1−t: each query should look at the key at
    its mirror position, and the weights learn an anti-diagonal."""
    tokens, X = draw(n, noise, rng)
    return X, np.eye(TOKENS)[tokens[:, ::-1]]


def copy_first(n, noise, rng):
    """The target at every position is the first token: every query looks at position 0, and
    the weights learn a first column."""
    tokens, X = draw(n, noise, rng)
    return X, np.eye(TOKENS)[np.repeat(tokens[:, :1], LENGTH, axis=1)]


def sort(n, noise, rng):
    """The target at position t is the t-th smallest token: each query must find the token of
    its rank, a pattern that changes with every sequence."""
    tokens, X = draw(n, noise, rng)
    return X, np.eye(TOKENS)[np.sort(tokens, axis=1)]


# the network a sequence dataset opens with: one head, and a dense softmax layer per position
DEFAULT_LAYERS = [{"type": "attention", "d_k": 8, "d_v": 8}, {"type": "dense"}]
