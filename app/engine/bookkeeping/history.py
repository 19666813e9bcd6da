"""The loss before each update, and the gradients' sizes at some of them, bounded."""
import numpy as np


class ArrayCopy:
    """A NumPy copy of lists that only grow at their end (or are replaced): brought up to date
    from the new items alone, so that saving a session does not turn 4,096 floats into an
    array again after every request."""

    def __init__(self):
        self.lists, self.arrays, self.count = None, None, 0

    def of(self, lists, dtypes):
        if (self.lists is None or self.count == 0 or len(lists[0]) < self.count
                or any(a is not b for a, b in zip(lists, self.lists))):
            self.arrays = [np.array(items, dtype=dtype) for items, dtype in zip(lists, dtypes)]
        elif len(lists[0]) > self.count:
            self.arrays = [np.concatenate([array, np.array(items[self.count:], dtype=dtype)])
                           for array, items, dtype in zip(self.arrays, lists, dtypes)]
        self.lists, self.count = list(lists), len(lists[0])
        return self.arrays


class LossHistory:
    """(step, loss) pairs, bounded: when full, every second pair is dropped (the curve keeps its shape)."""

    def __init__(self, cap=4096):
        self.cap = cap
        self.steps, self.losses = [], []
        self._copy = ArrayCopy()

    def append(self, step, loss):
        self.steps.append(step)
        self.losses.append(loss)
        if len(self.steps) > self.cap:
            self.steps, self.losses = self.steps[::2], self.losses[::2]

    def keep_until(self, step):
        """Drop the pairs after update `step` (a rewind)."""
        kept = [k for k, s in enumerate(self.steps) if s <= step]
        self.steps, self.losses = [self.steps[k] for k in kept], [self.losses[k] for k in kept]

    def arrays(self):
        """(steps as int64, losses as float64)."""
        steps, losses = self._copy.of([self.steps, self.losses], [np.int64, np.float64])
        return steps, losses

    def __len__(self):
        return len(self.steps)


class TestLossHistory(LossHistory):
    """The loss on the test points at the steps the norm history keeps (its stride): worked out
    only there, so that a train on a big test set keeps its speed."""

    def __init__(self):
        super().__init__()
        self.stride = 1

    def append(self, step, loss, stride):
        self.steps.append(step)
        self.losses.append(loss)
        if stride != self.stride:          # the norm history thinned: keep what it keeps
            self.stride = stride
            kept = [n for n, s in enumerate(self.steps) if (s - 1) % stride == 0]
            self.steps = [self.steps[n] for n in kept]
            self.losses = [self.losses[n] for n in kept]


class NormHistory:
    """‖dW‖ and ‖db‖ of each layer at steps 1, 1 + stride, 1 + 2·stride, …: when full, the
    stride doubles and every second entry goes. A train asks `wants(step)` first and works the
    norms out only then, so keeping them costs little however long it runs."""

    def __init__(self, cap=128):
        self.cap = cap
        self.stride = 1
        self.steps, self.norms = [], []      # norms[n] = ((‖dW‖, ‖db‖) of each layer)
        self._copy = ArrayCopy()

    def wants(self, step):
        return (step - 1) % self.stride == 0

    def append(self, step, norms):
        self.steps.append(step)
        self.norms.append(norms)
        if len(self.steps) > self.cap:
            self.stride *= 2
            kept = [n for n, s in enumerate(self.steps) if (s - 1) % self.stride == 0]
            self.steps = [self.steps[n] for n in kept]
            self.norms = [self.norms[n] for n in kept]

    def keep_until(self, step):
        """Drop the entries after update `step` (a rewind)."""
        kept = [k for k, s in enumerate(self.steps) if s <= step]
        self.steps, self.norms = [self.steps[k] for k in kept], [self.norms[k] for k in kept]

    def arrays(self, layers):
        """(steps as int64, norms as float64 of shape (steps, layers, 2))."""
        steps, values = self._copy.of([self.steps, self.norms], [np.int64, np.float64])
        return steps, values.reshape(len(steps), layers, 2)

    def __len__(self):
        return len(self.steps)
