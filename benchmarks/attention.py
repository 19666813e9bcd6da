"""Time one training step of the default attention preset in the engine against PyTorch autograd.

One step = forward + backward + SGD update of the network a sequence dataset opens with: one head
on `reverse` (T = 5 positions of 4 tokens, token and position one-hot: d_in = 9), d_k = d_v = 8,
then a dense softmax layer of 4 units at every position, cross_entropy averaged over samples and
positions; minibatches of 32, float64, one thread.

- engine: app.engine driven by Trainer.train(k), one call for all k timed steps;
- torch:  the same computation written with torch tensors (X Wq, X Wk, X Wv, Q Kᵀ/√d_k, softmax,
          weights V, a Linear per position, cross_entropy) and autograd, torch.optim.SGD.

Before timing both run 10 steps from the same parameters and must give the same losses.
Target: engine / torch <= 1.0 (issue 35).

    python -m benchmarks.attention [--quick]
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
from benchmarks.report import arguments, figure, write_figures  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:
    torch = None

LR, BATCH, CHECK_STEPS, D = 0.3, 32, 10, 8
SPECS = [{"type": "attention", "d_k": D, "d_v": D, "causal": False},
         {"type": "dense", "units": 4, "activation": "softmax"}]


def make_torch(trainer, X, Y):
    """The same computation and parameters as the engine's trainer."""
    torch.set_num_threads(1)
    W0 = trainer.initial[0][0]
    W1, b1 = trainer.initial[1][:2]
    Wq, Wk, Wv = (torch.tensor(part, requires_grad=True) for part in np.split(W0, [D, 2 * D], axis=1))
    dense = torch.nn.Linear(D, 4, dtype=torch.float64)
    with torch.no_grad():
        dense.weight.copy_(torch.from_numpy(W1.T))
        dense.bias.copy_(torch.from_numpy(b1))
    optimizer = torch.optim.SGD([Wq, Wk, Wv, *dense.parameters()], lr=LR)
    Xt, labels = torch.from_numpy(X), torch.from_numpy(Y.argmax(-1))

    def run(batches):
        losses = []
        for rows in batches:
            rows = torch.from_numpy(rows)
            optimizer.zero_grad()
            x = Xt[rows]
            Q, K, V = x @ Wq, x @ Wk, x @ Wv
            weights = torch.softmax(Q @ K.transpose(1, 2) / D ** 0.5, dim=-1)
            logits = dense(weights @ V)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, 4), labels[rows].reshape(-1))
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses
    return run


def minibatches(n, k):
    rng = np.random.default_rng(1)
    return [rng.choice(n, BATCH, replace=False) for _ in range(k)]


def engine_check(trainer, batches):
    """The engine's losses on the given minibatches from its starting parameters, each step as
    Trainer.train takes it."""
    trainer.reset()
    losses = []
    for rows in batches:
        losses.append(float(trainer.network.forward(trainer.X[rows], trainer.Y[rows])))
        trainer.network.backward(for_step=True)
        trainer.optimizer.step(trainer.network)
    trainer.reset()
    return losses


def main():
    args = arguments(__doc__.split("\n")[0])
    steps, repeats = (200, 3) if args.quick else (1000, 7)
    X, Y = make_dataset("reverse", n=200, seed=0)
    net = Network.of_specs(X.shape[1:], SPECS, "cross_entropy", seed=0)
    trainer = Trainer(net, make_optimizer("sgd", LR), X, Y, batch_size=BATCH, seed=0)
    print(__doc__.split("\n")[0])
    figures = []
    if torch is not None:
        torch_run = make_torch(trainer, X, Y)
        check = minibatches(len(X), CHECK_STEPS)
        ours, theirs = engine_check(trainer, check), torch_run(check)
        assert np.allclose(ours, theirs, rtol=1e-9), (ours, theirs)
        print(f"  same losses over {CHECK_STEPS} steps: engine {ours[-1]:.12f}, torch {theirs[-1]:.12f}")
    engine_times, torch_times = [], []
    for _ in range(repeats):
        trainer.reset()
        start = time.perf_counter()
        trainer.train(steps)
        engine_times.append((time.perf_counter() - start) / steps * 1e6)
        if torch is not None:
            batches = minibatches(len(X), steps)
            start = time.perf_counter()
            torch_run(batches)
            torch_times.append((time.perf_counter() - start) / steps * 1e6)
    engine_us = statistics.median(engine_times)
    print(f"  engine Trainer.train({steps}): {engine_us:.0f} us/step (median of {repeats})")
    figures.append(figure("attention step (reverse, batch 32): engine", f"{engine_us:.0f} us"))
    if torch is not None:
        ratio = sorted(e / t for e, t in zip(engine_times, torch_times))[repeats // 2]
        print(f"  torch autograd: {statistics.median(torch_times):.0f} us/step; engine / torch {ratio:.2f} (paired median)")
        figures.append(figure("attention step: engine / PyTorch autograd (paired)", f"{ratio:.2f}x", "<= 1.0x",
                              ratio <= 1.0))
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
