"""The loss before each update, bounded."""


class LossHistory:
    """(step, loss) pairs, bounded: when full, every second pair is dropped (the curve keeps its shape)."""

    def __init__(self, cap=4096):
        self.cap = cap
        self.steps, self.losses = [], []

    def append(self, step, loss):
        self.steps.append(step)
        self.losses.append(loss)
        if len(self.steps) > self.cap:
            self.steps, self.losses = self.steps[::2], self.losses[::2]

    def __len__(self):
        return len(self.steps)
