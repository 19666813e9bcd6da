"""Run every benchmark and print one table: each figure, its target, and whether it was met.

    python -m benchmarks            # the full run, about 4 minutes on 2 cores
    python -m benchmarks --quick    # shorter runs of the same, about 1.5 minutes

Each benchmark runs in its own process, one after the other, printing its detailed report as
it goes: engine.py (engine step against a NumPy loop and PyTorch), memory.py, http_roundtrip.py,
load.py. The table at the end collects their headline figures. The exit status is 1 when a
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
from benchmarks.report import figure  # noqa: E402

BENCHMARKS = ("memory", "http_roundtrip", "load")      # each writes its figures with --json
QUICK_ENGINE = ["--steps", "300", "--repeats", "3"]


def run(cmd, capture=False):
    """Run cmd from the repository root, its output shown as it comes; (exit code, output)."""
    print(f"\n$ {' '.join(cmd[1:] if cmd[0] == sys.executable else cmd)}", flush=True)
    if not capture:
        return subprocess.run([*cmd], cwd=ROOT).returncode, ""
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
        timing = re.match(r"^(\S.*?)\s{2,}([\d.]+)\s+([\d.]+)\s*$", line)          # label, median, min
        ratio = re.match(r"^(\S.*? / \S.*?)\s{2,}([\d.]+)\s*(<=\s*[\d.]+)?\s*(met|MISSED)?\s*$", line)
        if ratio:
            verdict = ratio.group(4)
            figures.append(figure(f"engine: {ratio.group(1)}", f"{ratio.group(2)}x",
                                  (ratio.group(3) or "").replace("<=", "<= ").replace("  ", " ") +
                                  ("x" if ratio.group(3) else ""),
                                  None if verdict is None else verdict == "met"))
        elif timing and not line.startswith(("implementation", "ratio")):
            figures.append(figure(f"engine: {timing.group(1)}", f"{timing.group(2)} us/step"))
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
    args = parser.parse_args()
    started = time.monotonic()
    load_before = os.getloadavg()
    figures = engine_figures(args.quick)
    for name in BENCHMARKS:
        figures += bench_figures(name, args.quick)

    import numpy
    blas = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    print(f"\n== ManualGrad benchmarks{' (--quick)' if args.quick else ''}: {os.cpu_count()} CPUs, "
          f"{platform.machine()}, python {platform.python_version()}, numpy {numpy.__version__}, "
          f"OpenBLAS overrides: {blas or 'none'}; load average before {load_before[0]:.2f}, "
          f"after {os.getloadavg()[0]:.2f}; {time.monotonic() - started:.0f} s ==")
    print_table(figures)
    return 1 if any(f["ok"] is False for f in figures) else 0


if __name__ == "__main__":
    sys.exit(main())
