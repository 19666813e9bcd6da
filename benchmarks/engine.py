"""Time one training step of the engine against hand-written NumPy loops and PyTorch.

One step = forward + backward + SGD update of a 2-8-8-1 tanh/tanh/sigmoid network with the
bce loss on 500 xor points, full batch, float64. Four implementations of the same math:

- engine:  app.engine used as is, driven by `Trainer.train(1)` once per step, and by one
           `Trainer.train(k)` call for all k timed steps;
- minimal: the same formulas written out by hand in NumPy (Z = A@W + b, np.tanh, sigmoid, the
           fused bce gradient dZ = (A − Y)/n, dW = A_prevᵀ dZ, db = Σ dZ, dA_prev = dZ Wᵀ,
           tanh' = 1 − a², W ← W − lr·dW), starting from the engine net's own parameters;
- tuned:   the floor: the fastest NumPy loop of the same step we could write, keeping nothing —
           the engine's own tanh and sigmoid (one exp per entry), sums over the batch as 1ᵀ·dZ,
           every W and b one flat vector so SGD is a single update;
- server:  the engine as a /train request drives it: the request's work
           (app.api.routes.phases.train_steps) on the server's compute thread, in its slices, with
           the state reply encoded at the end; everything but the HTTP;
- torch:   the same net with PyTorch autograd (float64, one thread; the sigmoid inside
           binary_cross_entropy_with_logits) and the same SGD; skipped if torch is missing.

Before timing, all of them run 10 steps from the same parameters and must give the same losses.
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
from app.engine import Network, Trainer, get_activation, make_dataset, make_optimizer

try:
    import torch  # noqa: E402
except ImportError:
    torch = None

SIZES = [2, 8, 8, 1]
ACTIVATIONS = ["tanh", "tanh", "sigmoid"]
LR = 0.5
CHECK_STEPS = 10


# -- the implementations: (reset, run), run(k) does k steps and returns their losses ---------

def make_engine(X, Y):
    """Two ways to drive it: train(1) once per step, and train(k) for all k steps at once."""
    net = Network(SIZES, ACTIVATIONS, "bce", seed=0)
    trainer = Trainer(net, make_optimizer("sgd", LR), X, Y)

    def run_one_by_one(k):
        return [trainer.train(1)[0] for _ in range(k)]

    return (trainer.reset, run_one_by_one), (trainer.reset, trainer.train), trainer.initial


def make_server_job(X, Y):
    """run(k): one /train request of k steps as the server runs it, without the HTTP."""
    import asyncio

    import orjson

    from app.api.routes.phases import train_steps
    from app.sessions.compute import Scheduler
    from app.sessions.session import Session

    net = Network(SIZES, ACTIVATIONS, "bce", seed=0)
    trainer = Trainer(net, make_optimizer("sgd", LR), X, Y)
    session = Session("benchmark", trainer, {"task": "binary"})
    scheduler, loop = Scheduler(), asyncio.new_event_loop()

    def run(k):
        job = scheduler.run(train_steps, session, k, 1e9, 0, session.turns.issued + 1)
        return orjson.loads(loop.run_until_complete(job))["losses"]

    return trainer.reset, run


def steps_of(step):
    """run(k) -> the k losses, from a function doing one step."""
    return lambda k: [step() for _ in range(k)]


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
        A3 = np.exp(-np.logaddexp(0.0, -Z3))                # sigmoid, stable for any z
        loss = float((np.logaddexp(0.0, Z3) - Y * Z3).sum() / n)  # bce from the logits
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
    return reset, steps_of(step)


def make_tuned(X, Y, initial):
    n = len(X)
    tanh, sigmoid = get_activation("tanh").forward, get_activation("sigmoid").forward
    shapes = [a.shape for W, b in initial for a in (W, b)]
    ends = np.cumsum([np.prod(shape, dtype=int) for shape in shapes]).tolist()
    parts = list(zip([0] + ends[:-1], ends, shapes))
    ones = np.ones(n)
    theta = [None]  # every W and b, one after another, in one flat vector

    def views(vector):  # W1, b1, W2, b2, W3, b3 as views into the vector
        return [vector[start:end].reshape(shape) for start, end, shape in parts]

    def reset():
        theta[0] = np.concatenate([a.ravel() for W, b in initial for a in (W, b)])

    def step():
        W1, b1, W2, b2, W3, b3 = views(theta[0])
        Z1 = X @ W1
        Z1 += b1
        A1 = tanh(Z1)
        Z2 = A1 @ W2
        Z2 += b2
        A2 = tanh(Z2)
        Z3 = A2 @ W3
        Z3 += b3
        A3 = sigmoid(Z3)
        loss = float((np.logaddexp(0.0, Z3) - Y * Z3).sum() / n)
        grad = np.empty_like(theta[0])
        dW1, db1, dW2, db2, dW3, db3 = views(grad)
        dZ3 = (A3 - Y) / n
        np.dot(A2.T, dZ3, out=dW3)
        np.dot(ones, dZ3, out=db3)
        dZ2 = A2 * A2                                       # tanh'(z2) = 1 − a2², times dL/da2
        np.subtract(1.0, dZ2, out=dZ2)
        dZ2 *= np.dot(dZ3, W3.T)
        np.dot(A1.T, dZ2, out=dW2)
        np.dot(ones, dZ2, out=db2)
        dZ1 = A1 * A1
        np.subtract(1.0, dZ1, out=dZ1)
        dZ1 *= np.dot(dZ2, W2.T)
        np.dot(X.T, dZ1, out=dW1)
        np.dot(ones, dZ1, out=db1)
        grad *= -LR
        theta[0] = theta[0] + grad
        return loss

    reset()
    return reset, steps_of(step)


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
    return reset, steps_of(step)


# -- measuring ----------------------------------------------------------------------------------

def check_same_losses(impls):
    """Every implementation gives the engine's losses for the first CHECK_STEPS steps."""
    runs = {}
    for name, (reset, run) in impls.items():
        reset()
        runs[name] = run(CHECK_STEPS)
    ref = np.array(runs["engine"])
    for name, losses in runs.items():
        np.testing.assert_allclose(losses, ref, rtol=1e-10, atol=0,
                                   err_msg=f"{name} and engine differ: not the same math")
    return ref, {name: float(np.max(np.abs(np.array(losses) - ref) / ref))
                 for name, losses in runs.items() if name != "engine"}


def seconds_per_step(reset, run, steps):
    """Wall time per step of `steps` steps from the starting parameters, and the CPU time."""
    reset()
    wall, cpu = time.perf_counter(), time.process_time()
    run(steps)
    return (time.perf_counter() - wall) / steps, (time.process_time() - cpu) / steps


def measure(impls, steps, repeats):
    """Per implementation: the median and min wall time per step and the median CPU time per
    step, over repeats taken in turn (in a rotating order); and the share of the wall time this
    process was on a CPU (well below 100%: other work on the machine took the CPU away)."""
    for reset, run in impls.values():  # warm up caches, allocators and torch's dispatcher
        seconds_per_step(reset, run, max(steps // 10, 10))
    names = list(impls)
    walls, cpus = {name: [] for name in names}, {name: [] for name in names}
    for r in range(repeats):
        for name in names[r % len(names):] + names[:r % len(names)]:
            wall, cpu = seconds_per_step(*impls[name], steps)
            walls[name].append(wall)
            cpus[name].append(cpu)
    results = {name: (statistics.median(walls[name]), min(walls[name]), statistics.median(cpus[name]))
               for name in names}
    return results, walls, sum(map(sum, cpus.values())) / sum(map(sum, walls.values()))


def paired_ratio(walls, a, b):
    """The median over the repeats of a's time / b's time in the same repeat: the two ran within
    a second of each other, so a slower stretch of a shared machine weighs on both alike."""
    return statistics.median(x / y for x, y in zip(walls[a], walls[b]))


def thread_note():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed: the pools' thread counts are not verified"
    return "; ".join(" ".join(str(p[key]) for key in ("internal_api", "version", "architecture")
                              if p.get(key)) + f" threads={p['num_threads']}"
                     for p in threadpool_info())


LABELS = {"engine": "engine Trainer.train(1)", "engine_k": "engine Trainer.train(k)",
          "minimal": "minimal NumPy loop", "tuned": "tuned NumPy loop (floor)",
          "server": "server /train job", "torch": "PyTorch autograd"}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1000, help="steps per timed repeat (k)")
    parser.add_argument("--repeats", type=int, default=15, help="timed repeats (median taken)")
    parser.add_argument("--n", type=int, default=500, help="points in the xor dataset")
    args = parser.parse_args()

    X, Y = make_dataset("xor", n=args.n, seed=0)
    one_by_one, all_at_once, initial = make_engine(X, Y)
    impls = {"engine": one_by_one, "engine_k": all_at_once, "minimal": make_minimal(X, Y, initial),
             "tuned": make_tuned(X, Y, initial), "server": make_server_job(X, Y)}
    if torch is not None:
        torch.set_num_threads(1)
        impls["torch"] = make_torch(X, Y, initial)
        torch_note = f"torch {torch.__version__} with torch.set_num_threads(1)"
    else:
        torch_note = "torch not installed: its row is skipped (pip install -e '.[bench]')"

    losses, differences = check_same_losses(impls)
    results, walls, cpu_share = measure(impls, args.steps, args.repeats)

    overrides = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    print(f"One training step (forward + backward + SGD) of a {'-'.join(map(str, SIZES))} "
          f"{'/'.join(ACTIVATIONS)} net, bce, {args.n} xor points, full batch, float64")
    print(f"python {platform.python_version()}, numpy {np.__version__}; {torch_note}")
    print(f"threads: {', '.join(v + '=1' for v in THREAD_VARS)} set before numpy is imported; "
          f"{thread_note()}")
    print(f"OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: {overrides or 'not set'}")
    print(f"same math: the same losses for the first {CHECK_STEPS} steps ({losses[0]:.6f} -> "
          f"{losses[-1]:.6f}), largest relative difference from the engine's: "
          + ", ".join(f"{name} {diff:.1e}" for name, diff in differences.items()))
    print(f"time per step over {args.repeats} repeats of k = {args.steps} steps from the same start: "
          f"median and min of the wall time (time.perf_counter), median of the CPU time "
          f"(time.process_time); this process was on a CPU {cpu_share:.0%} of the wall time")
    if cpu_share < 0.95:
        print("warning: other work took the CPU away during the timing, so the wall times and "
              "their verdicts are unreliable; the cpu column is steadier; rerun on a quiet machine")
    print()

    print(f"{'us per step':<28}{'median':>9}{'min':>9}{'cpu':>9}")
    for name, times in results.items():
        print(f"{LABELS[name]:<28}" + "".join(f"{t * 1e6:>9.1f}" for t in times))
    if torch is None:
        print(f"{LABELS['torch']:<28}{'skipped':>9}")

    def ratio(a, b):
        return [x / y for x, y in zip(results[a], results[b])]

    rows = [("engine train(1) / minimal", "engine", "minimal", 1.1),
            ("engine train(k) / minimal", "engine_k", "minimal", 1.1),
            ("server /train / minimal", "server", "minimal", 1.1)]
    if torch is not None:
        rows += [("engine train(1) / torch", "engine", "torch", 0.5),
                 ("engine train(k) / torch", "engine_k", "torch", 0.5),
                 ("minimal / torch", "minimal", "torch", None),
                 ("tuned loop / torch", "tuned", "torch", None)]
    print(f"\n{'ratio':<28}{'median':>9}{'min':>9}{'cpu':>9}{'paired':>9}  target (on the paired medians)")
    for label, a, b, target in rows:
        values = ratio(a, b)
        paired = paired_ratio(walls, a, b)
        verdict = "" if target is None else f"<= {target:.2f} {'met' if paired <= target else 'MISSED'}"
        print(f"{label:<28}" + "".join(f"{v:>9.2f}" for v in values) + f"{paired:>9.2f}  {verdict}".rstrip())

if __name__ == "__main__":
    main()
