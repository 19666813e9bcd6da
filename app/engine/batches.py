"""Minibatches drawn in a seeded, shuffled order; the full batch by default."""
import numpy as np


class Batches:
    """Index batches over n samples; a new shuffled order every epoch, or all rows if size is None."""

    def __init__(self, n, size=None, seed=0):
        self.n = n
        self.size = None if size is None or size >= n else int(size)
        self.seed = seed
        self.reset()

    def reset(self):
        self.rng = np.random.default_rng(self.seed)
        self.order = np.arange(self.n)
        self.pos = self.n  # start a fresh epoch on the first draw

    def next(self):
        """Row indices of the next batch."""
        if self.size is None:
            return self.order
        if self.pos + self.size > self.n:  # a short tail batch is dropped: every batch has `size` rows
            self.order = self.rng.permutation(self.n)
            self.pos = 0
        batch = self.order[self.pos:self.pos + self.size]
        self.pos += self.size
        return batch
