"""The page's pure JavaScript functions, tested with node's own test runner (tests/js)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_javascript_unit_tests_pass():
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is missing: apt-get install nodejs")
        pytest.skip("node is missing")
    tests = sorted(str(p) for p in (ROOT / "tests" / "js").glob("*.test.js"))
    out = subprocess.run([node, "--test", *tests], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "# fail 0" in out.stdout
