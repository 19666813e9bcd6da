"""Time one training step of the default conv preset in the engine against PyTorch autograd.

One step = forward + backward + SGD update of the network an image dataset opens with: 1×8×8
input, conv2d of 4 kernels 3×3 with relu, a 2×2 max pool, flatten, a dense layer to the 3 classes
of `shapes` with softmax and cross_entropy; minibatches of 32, float64, one thread.

- engine: app.engine driven by Trainer.train(k), one call for all k timed steps;
- torch:  the same net (nn.Conv2d, max_pool2d, nn.Linear, cross_entropy on the logits) with
          PyTorch autograd and torch.optim.SGD, on the same minibatches; skipped without torch.

Before timing both run 10 steps from the same parameters and must give the same losses.
Target: engine / torch <= 1.0 (issue 34).

    python -m benchmarks.conv [--quick]
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy (and torch) load their BLAS / OpenMP runtimes

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from app.engine import Network, Trainer, make_dataset, make_optimizer  # noqa: E402
from app.engine.images import DEFAULT_LAYERS  # noqa: E402
from benchmarks.report import arguments, figure, write_figures  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:
    torch = None

LR, BATCH, CHECK_STEPS = 0.3, 32, 10
SPECS = [{"type": "conv2d", "channels": 4, "kernel": 3, "stride": 1, "padding": 0, "activation": "relu"},
         {"type": "maxpool2d", "size": 2}, {"type": "flatten"},
         {"type": "dense", "units": 3, "activation": "softmax"}]
assert [s["type"] for s in SPECS] == [s["type"] for s in DEFAULT_LAYERS]


def make_engine(X, Y):
    net = Network.of_specs((1, 8, 8), SPECS, "cross_entropy", seed=0)
    trainer = Trainer(net, make_optimizer("sgd", LR), X, Y, batch_size=BATCH, seed=0)
    return trainer


def make_torch(trainer, X, Y):
    """The same net and the same minibatches as the engine's trainer (its Batches, replayed)."""
    torch.set_num_threads(1)
    conv = torch.nn.Conv2d(1, 4, 3, dtype=torch.float64)
    dense = torch.nn.Linear(36, 3, dtype=torch.float64)
    (W0, b0), (W1, b1) = trainer.initial[0][:2], trainer.initial[3][:2]
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(W0))
        conv.bias.copy_(torch.from_numpy(b0))
        dense.weight.copy_(torch.from_numpy(W1.T))       # torch keeps (fan_out, fan_in)
        dense.bias.copy_(torch.from_numpy(b1))
    optimizer = torch.optim.SGD([*conv.parameters(), *dense.parameters()], lr=LR)
    Xt, labels = torch.from_numpy(X), torch.from_numpy(Y.argmax(1))

    def run(batches):
        losses = []
        for rows in batches:
            rows = torch.from_numpy(rows)
            optimizer.zero_grad()
            a = torch.relu(conv(Xt[rows]))
            logits = dense(torch.nn.functional.max_pool2d(a, 2).flatten(1))
            loss = torch.nn.functional.cross_entropy(logits, labels[rows])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses
    return run


def minibatches(X, k):
    """k minibatches of BATCH rows, as a seeded shuffle (both sides take the same)."""
    rng = np.random.default_rng(1)
    return [rng.choice(len(X), BATCH, replace=False) for _ in range(k)]


def main():
    args = arguments(__doc__.split("\n")[0])
    steps, repeats = (200, 3) if args.quick else (1000, 7)
    X, Y = make_dataset("shapes", n=256, seed=0)
    trainer = make_engine(X, Y)
    figures = []

    print(__doc__.split("\n")[0])
    check = minibatches(X, CHECK_STEPS)
    if torch is not None:
        torch_run = make_torch(trainer, X, Y)
        ours = engine_check(trainer, check)
        theirs = torch_run(check)
        assert np.allclose(ours, theirs, rtol=1e-9), (ours, theirs)
        print(f"  same losses over {CHECK_STEPS} steps: engine {ours[-1]:.12f}, torch {theirs[-1]:.12f}")
    engine_times, torch_times = [], []
    for _ in range(repeats):
        trainer.reset()
        start = time.perf_counter()
        trainer.train(steps)
        engine_times.append((time.perf_counter() - start) / steps * 1e6)
        if torch is not None:
            batches = minibatches(X, steps)
            start = time.perf_counter()
            torch_run(batches)
            torch_times.append((time.perf_counter() - start) / steps * 1e6)
    engine_us = statistics.median(engine_times)
    print(f"  engine Trainer.train({steps}): {engine_us:.0f} us/step (median of {repeats})")
    figures.append(figure("conv step (default preset, batch 32): engine", f"{engine_us:.0f} us"))
    if torch is not None:
        torch_us = statistics.median(torch_times)
        ratios = sorted(e / t for e, t in zip(engine_times, torch_times))
        ratio = ratios[len(ratios) // 2]
        print(f"  torch autograd: {torch_us:.0f} us/step; engine / torch {ratio:.2f} (paired median)")
        figures.append(figure("conv step: engine / PyTorch autograd (paired)", f"{ratio:.2f}x", "<= 1.0x",
                              ratio <= 1.0))
    print(f"  steps a second the engine trains: {1e6 / engine_us:.0f}")
    write_figures(args.json, figures)


def engine_check(trainer, batches):
    """The engine's losses on the given minibatches, from its starting parameters, one step as
    Trainer.train takes it (forward, backward for the step, the optimiser's step)."""
    trainer.reset()
    losses = []
    for rows in batches:
        losses.append(float(trainer.network.forward(trainer.X[rows], trainer.Y[rows])))
        trainer.network.backward(for_step=True)
        trainer.optimizer.step(trainer.network)
    trainer.reset()
    return losses


if __name__ == "__main__":
    main()
