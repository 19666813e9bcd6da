"""Time one training step of the engine against a hand-written NumPy loop and PyTorch.

One step = forward + backward + SGD update of a 2-8-8-1 tanh/tanh/sigmoid network with the
bce loss on 500 xor points, full batch, float64. Three implementations of the same math:

- engine:  `Trainer.train(1)` from app.engine, used as is;
- minimal: the same formulas written out by hand in NumPy (Z = A@W + b, tanh, sigmoid, the
           fused bce gradient dZ = (A − Y)/n, dW = A_prevᵀ dZ, db = Σ dZ, dA_prev = dZ Wᵀ,
           tanh' = 1 − a², W ← W − lr·dW), starting from the engine net's own parameters;
- torch:   the same net with PyTorch autograd (float64, one thread), skipped if torch is missing.

Before timing, all three run 10 steps from the same parameters and must give the same losses.
Everything runs on one thread: the *_NUM_THREADS variables are set to 1 below, before numpy
is imported, and torch.set_num_threads(1). Run it as

    python benchmarks/engine.py

(on a machine that sets OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, prefix
`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE` to let OpenBLAS pick its own kernel).
"""
import os

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
for _var in THREAD_VARS:
    os.environ[_var] = "1"  # before numpy (and torch) load their BLAS / OpenMP runtimes

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from app.engine import Network, Trainer, make_dataset, make_optimizer  # noqa: E402

try:
    import torch  # noqa: E402
except ImportError:
    torch = None

SIZES = [2, 8, 8, 1]
ACTIVATIONS = ["tanh", "tanh", "sigmoid"]
LR = 0.5
CHECK_STEPS = 10


# -- the three implementations; each `make_*` returns (reset, step), step() -> loss -----------

def make_engine(X, Y):
    net = Network(SIZES, ACTIVATIONS, "bce", seed=0)
    trainer = Trainer(net, make_optimizer("sgd", LR), X, Y)

    def step():
        return trainer.train(1)[0]

    return trainer.reset, step, trainer.initial


def make_minimal(X, Y, initial):
    n = len(X)
    params = []

    def reset():
        params[:] = [(W.copy(), b.copy()) for W, b in initial]

    def step():
        (W1, b1), (W2, b2), (W3, b3) = params
        # forward
        Z1 = X @ W1 + b1
        A1 = np.tanh(Z1)
        Z2 = A1 @ W2 + b2
        A2 = np.tanh(Z2)
        Z3 = A2 @ W3 + b3
        A3 = np.exp(-np.logaddexp(0.0, -Z3))                # sigmoid, as the engine writes it
        loss = float(np.sum(np.logaddexp(0.0, Z3) - Y * Z3) / n)  # bce from the logits
        # backward
        dZ3 = (A3 - Y) / n                                  # dL/dz3, bce fused with the sigmoid
        dW3 = A2.T @ dZ3                                    # dL/dW3
        db3 = dZ3.sum(axis=0)                               # dL/db3
        dZ2 = (dZ3 @ W3.T) * (1.0 - A2 * A2)                # dL/da2 · tanh'(z2)
        dW2 = A1.T @ dZ2
        db2 = dZ2.sum(axis=0)
        dZ1 = (dZ2 @ W2.T) * (1.0 - A1 * A1)                # dL/da1 · tanh'(z1)
        dW1 = X.T @ dZ1
        db1 = dZ1.sum(axis=0)
        # SGD
        W1 -= LR * dW1
        b1 -= LR * db1
        W2 -= LR * dW2
        b2 -= LR * db2
        W3 -= LR * dW3
        b3 -= LR * db3
        return loss

    reset()
    return reset, step


def make_torch(X, Y, initial):
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    params = []
    bce = torch.nn.functional.binary_cross_entropy_with_logits  # mean over the n samples

    def reset():
        params[:] = [torch.tensor(a, dtype=torch.float64, requires_grad=True)
                     for W, b in initial for a in (W, b)]

    def step():
        W1, b1, W2, b2, W3, b3 = params
        A1 = torch.tanh(Xt @ W1 + b1)
        A2 = torch.tanh(A1 @ W2 + b2)
        loss = bce(A2 @ W3 + b3, Yt)
        loss.backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=LR)
                p.grad = None
        return loss.item()

    reset()
    return reset, step


# -- measuring ----------------------------------------------------------------------------------

def check_same_losses(impls):
    """Every implementation gives the same losses for the first CHECK_STEPS steps."""
    runs = {}
    for name, (reset, step) in impls.items():
        reset()
        runs[name] = [step() for _ in range(CHECK_STEPS)]
    ref = runs["engine"]
    for name, losses in runs.items():
        np.testing.assert_allclose(losses, ref, rtol=1e-10, atol=0,
                                   err_msg=f"{name} and engine differ: not the same math")
    return ref


def time_steps(reset, step, steps):
    """Seconds per step over `steps` steps from the starting parameters."""
    reset()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


def measure(impls, steps, repeats):
    """Median and min seconds per step of each implementation; repeats taken in turn."""
    for reset, step in impls.values():  # warm up caches, allocators and torch's dispatcher
        time_steps(reset, step, max(steps // 10, 10))
    times = {name: [] for name in impls}
    for _ in range(repeats):
        for name, (reset, step) in impls.items():
            times[name].append(time_steps(reset, step, steps))
    return {name: (statistics.median(t), min(t)) for name, t in times.items()}


def blas_note():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed: thread counts not verified"
    pools = [f"{p['internal_api']} {p.get('version') or ''} {p.get('architecture') or ''}"
             f" threads={p['num_threads']}".replace("  ", " ") for p in threadpool_info()]
    return "; ".join(pools)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=9, help="timed repeats (median taken)")
    parser.add_argument("--n", type=int, default=500, help="points in the xor dataset")
    args = parser.parse_args()

    X, Y = make_dataset("xor", n=args.n, seed=0)
    reset, step, initial = make_engine(X, Y)
    impls = {"engine": (reset, step), "minimal": make_minimal(X, Y, initial)}
    torch_note = "torch not installed: row skipped (pip install -e '.[bench]')"
    if torch is not None:
        torch.set_num_threads(1)
        impls["torch"] = make_torch(X, Y, initial)
        torch_note = f"torch {torch.__version__}, torch.set_num_threads(1)"

    losses = check_same_losses(impls)
    results = measure(impls, args.steps, args.repeats)

    print(f"One SGD step, {'-'.join(map(str, SIZES))} {'/'.join(ACTIVATIONS)} net, bce, "
          f"{args.n} xor points, full batch, float64")
    print(f"python {platform.python_version()}, numpy {np.__version__}; {torch_note}")
    print(f"threads: {', '.join(v + '=1' for v in THREAD_VARS)} set before importing numpy; "
          f"{blas_note()}")
    coretype = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    print(f"OpenBLAS overrides: {coretype or 'none set'}")
    print(f"same losses for {CHECK_STEPS} steps (rtol 1e-10): {losses[0]:.6f} -> {losses[-1]:.6f}")
    print(f"timing: median (and min) of {args.repeats} repeats x {args.steps} steps, "
          f"time.perf_counter\n")

    print(f"{'implementation':<26}{'us/step':>10}{'min':>10}")
    labels = {"engine": "engine Trainer.train(1)", "minimal": "minimal NumPy loop",
              "torch": "PyTorch autograd"}
    for name, (median, best) in results.items():
        print(f"{labels[name]:<26}{median * 1e6:>10.1f}{best * 1e6:>10.1f}")
    if "torch" not in results:
        print(f"{'PyTorch autograd':<26}{'skipped':>10}  ({torch_note})")

    print()
    engine, minimal = results["engine"][0], results["minimal"][0]
    ratios = [("engine / minimal", engine / minimal, "<= 1.10")]
    if "torch" in results:
        ratios += [("engine / torch", engine / results["torch"][0], "<= 0.50"),
                   ("minimal / torch", minimal / results["torch"][0], "")]
    print(f"{'ratio (medians)':<26}{'value':>10}  target")
    for label, value, target in ratios:
        verdict = ("met" if value <= float(target[3:]) else "MISSED") if target else ""
        print(f"{label:<26}{value:>10.2f}  {target} {verdict}".rstrip())


if __name__ == "__main__":
    main()
