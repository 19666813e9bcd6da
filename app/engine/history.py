"""The loss before each update, and the gradients' sizes at some of them, bounded."""


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


class NormHistory:
    """‖dW‖ and ‖db‖ of each layer at steps 1, 1 + stride, 1 + 2·stride, …: when full, the
    stride doubles and every second entry goes. A train asks `wants(step)` first and works the
    norms out only then, so keeping them costs little however long it runs."""

    def __init__(self, cap=512):
        self.cap = cap
        self.stride = 1
        self.steps, self.norms = [], []      # norms[n] = [(‖dW‖, ‖db‖) of each layer]

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

    def __len__(self):
        return len(self.steps)
