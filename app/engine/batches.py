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

    def move_to(self, position):
        """Carry on from a saved position ({"order", "pos", "rng": the PCG64 state's state, inc,
        has_uint32 and uinteger}, as Trainer.state_dict keeps it); ValueError if it cannot be one
        of ours."""
        order = np.asarray(position["order"])
        if order.shape != (self.n,) or not np.array_equal(np.sort(order), np.arange(self.n)):
            raise ValueError(f"the batch order must hold each of the {self.n} rows once")
        pos = position["pos"]
        if isinstance(pos, float) and pos.is_integer():   # 64.0, as some JSON writers put it
            pos = int(pos)
        if not isinstance(pos, int) or not 0 <= pos <= self.n:
            raise ValueError(f"the batch position must be a whole number from 0 to {self.n}")
        rng = np.random.default_rng()
        saved = position["rng"]
        rng.bit_generator.state = {"bit_generator": "PCG64",
                                   "state": {"state": int(saved["state"]), "inc": int(saved["inc"])},
                                   "has_uint32": int(saved["has_uint32"]), "uinteger": int(saved["uinteger"])}
        self.rng, self.order, self.pos = rng, order.astype(np.int64), pos

