"""`python -m benchmarks`: every benchmark, then one summary table (see benchmarks/run.py)."""
import sys

from benchmarks.run import main

sys.exit(main())
