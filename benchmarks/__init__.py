"""Benchmarks of ManualGrad: run them all with `python -m benchmarks` (see run.py)."""
