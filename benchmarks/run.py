"""Run every benchmark and print one table: each figure, its target, and whether it was met.

    python -m benchmarks            # the full run, about 4 minutes on 2 cores
    python -m benchmarks --quick    # shorter runs of the same, about 1 minute
    python -m benchmarks --wait-quiet 300   # on a shared machine: before each benchmark, wait
                                            # (up to 300 s) for the other work on it to calm down

Each benchmark runs in its own process, one after the other, printing its detailed report as
it goes: engine.py (engine step against a NumPy loop and PyTorch), conv.py and attention.py (the conv
and attention presets' steps against PyTorch), memory.py, http_roundtrip.py, load.py, classroom.py,
teacher_view.py, stalls.py, sessions_in_redis.py, page_fps.py. The table at the end collects their headline figures, and the machine's CPU pressure
over the run (Linux PSI: the share of the time some task waited for a CPU): latencies measured
while other work competes for the 2 cores are pessimistic. The exit status is 1 when a
benchmark failed to run or a target was missed.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # run from a checkout, no install
from benchmarks.proc import cpu_pressure_seconds  # noqa: E402
from benchmarks.report import figure  # noqa: E402

BENCHMARKS = ("conv", "attention", "memory", "http_roundtrip", "load", "classroom", "teacher_view", "stalls",
              "sessions_in_redis", "page_fps")   # each writes its figures with --json
QUICK_ENGINE = ["--steps", "300", "--repeats", "3"]
QUIET = 10.0                # % of CPU pressure (avg10) under which the machine counts as quiet


def wait_quiet(limit):
    """Wait up to `limit` s for the machine's 10-s CPU pressure to fall below QUIET %."""
    deadline = time.monotonic() + limit
    while True:
        try:
            some = Path("/proc/pressure/cpu").read_text().split()
            avg10 = float(some[1].split("=")[1])
        except (OSError, IndexError, ValueError):
            return
        if avg10 < QUIET or time.monotonic() > deadline:
            print(f"\n(CPU pressure avg10 {avg10:.0f}%{'' if avg10 < QUIET else ', still busy: going on'})")
            return
        time.sleep(2)


def run(cmd, capture=False):
    """Run cmd from the repository root, its output shown as it comes; (exit code, output)."""
    shown = ["python" if part == sys.executable else part for part in cmd]
    print(f"\n$ {' '.join(shown)}", flush=True)
    if not capture:
        return subprocess.run(cmd, cwd=ROOT).returncode, ""
    lines = []
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    return process.returncode, "".join(lines)


def engine_figures(quick):
    """engine.py prints its own table; its rows are picked out of the text."""
    script = HERE / "engine.py"
    if not script.exists():
        return [figure("engine step (benchmarks/engine.py)", "not present")]
    helptext = subprocess.run([sys.executable, str(script), "--help"], cwd=ROOT,
                              capture_output=True, text=True).stdout
    extra = QUICK_ENGINE if quick and "--steps" in helptext and "--repeats" in helptext else []
    code, out = run([sys.executable, "benchmarks/engine.py", *extra], capture=True)
    if code != 0:
        return [figure("engine step (benchmarks/engine.py)", f"exit code {code}", "runs", False)]
    figures = []
    for line in out.splitlines():
        # a row of one of its tables: a label, numbers (the median first), maybe "<= x met|MISSED"
        row = re.match(r"^(\S.*?)\s{2,}([\d.]+)((?:\s+[\d.]+)*)(?:\s+(<=\s*[\d.]+))?\s*(met|MISSED)?\s*$", line)
        if not row:
            continue
        label, median, more, target, verdict = row.groups()
        if " / " in label:          # a ratio: its last column, the paired median the verdict is on
            paired = more.split()[-1] if more.split() else median
            figures.append(figure(f"engine step, {label} (paired)", f"{paired}x",
                                  f"<= {target[2:].strip()}x" if target else "",
                                  None if verdict is None else verdict == "met"))
        else:                                               # microseconds per step
            figures.append(figure(f"engine step, {label}", f"{median} us"))
    return figures or [figure("engine step (benchmarks/engine.py)", "see its output above")]


def bench_figures(name, quick):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{name}.json"
        code, _ = run([sys.executable, "-m", f"benchmarks.{name}", "--json", str(path),
                       *(["--quick"] if quick else [])])
        if code != 0 or not path.exists():
            return [figure(f"{name}", f"exit code {code}", "runs", False)]
        return json.loads(path.read_text())


def print_table(figures):
    verdicts = {True: "PASS", False: "FAIL", None: "-"}
    widths = [max(len(str(f[key])) for f in figures + [{"figure": "figure", "value": "value",
                                                          "target": "target"}])
              for key in ("figure", "value", "target")]
    header = f"{'figure':<{widths[0]}}  {'value':>{widths[1]}}  {'target':<{widths[2]}}  result"
    print(header)
    print("-" * len(header))
    for f in figures:
        print(f"{f['figure']:<{widths[0]}}  {f['value']:>{widths[1]}}  {f['target']:<{widths[2]}}  "
              f"{verdicts[f['ok']]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs of every benchmark")
    parser.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                        help="before each benchmark, wait up to SECONDS for CPU pressure < 10%%")
    args = parser.parse_args()
    started = time.monotonic()
    pressure0 = cpu_pressure_seconds()
    figures = []
    for name in ("engine", *BENCHMARKS):
        if args.wait_quiet:
            wait_quiet(args.wait_quiet)
        figures += engine_figures(args.quick) if name == "engine" else bench_figures(name, args.quick)
    elapsed = time.monotonic() - started

    import numpy
    blas = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    print(f"\n== ManualGrad benchmarks{' (--quick)' if args.quick else ''}: {os.cpu_count()} CPUs, "
          f"{platform.machine()}, python {platform.python_version()}, numpy {numpy.__version__}, "
          f"OpenBLAS overrides: {blas or 'none'}; {elapsed:.0f} s ==")
    print_table(figures)
    if pressure0 is not None:
        busy = (cpu_pressure_seconds() - pressure0) / elapsed
        print(f"machine CPU pressure over the run: {busy:.0%} of the time some task waited for a CPU"
              f"{' (busy: latencies are pessimistic)' if busy > 0.2 else ''}")
    return 1 if any(f["ok"] is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
