"""What the benchmarks share: percentiles, and the figures each one hands to the summary table.

Each benchmark prints its own detailed report; with `--json PATH` it also writes its headline
figures as a list of {"figure", "value", "target", "ok"} for `python -m benchmarks` to tabulate.
"""
import argparse
import json
import math


def percentile(values, q):
    """The q-th percentile (0-100) of values, by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def figure(name, value, target="", ok=None):
    """One row of the summary table; ok is True/False against the target, None for information."""
    return {"figure": name, "value": value, "target": target, "ok": ok}


def arguments(description, **extra):
    """The options every benchmark takes: --quick and --json PATH (plus `extra` name=(type, help))."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a shorter run, for a smoke check")
    parser.add_argument("--json", metavar="PATH", help="also write the headline figures to PATH")
    for name, (kind, default, text) in extra.items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, default=default, help=text)
    return parser.parse_args()


def write_figures(path, figures):
    if path:
        with open(path, "w") as f:
            json.dump(figures, f, indent=1)
