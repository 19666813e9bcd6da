"""Serve the app for a benchmark: uvicorn in its own process on a free port of 127.0.0.1.

    with serve() as server:        # server.base e.g. "http://127.0.0.1:41873", server.pid
        ...                        # real HTTP over loopback; the server stops on leaving

The server runs as `manualgrad` runs it (`python -m app.cli`: uvicorn with the app's own protocol
and settings), with the caller's environment: OPENBLAS_* and MANUALGRAD_* variables pass through
unchanged. Its log goes to a temporary file, not a pipe, so that a full pipe can never stall it.
"""
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"                    # loopback only, never another address


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_ready(base, process, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.05)
    return False


@contextlib.contextmanager
def serve(log_level=None, extra_args=(), timeout=30.0, creates_per_minute=0, settings=None):
    """Start the server as `manualgrad` runs it on a free loopback port; yield its base URL and pid; stop it.
    Every simulated learner comes from 127.0.0.1, so the rate limit of new sessions per address
    is off unless the caller sets it (MANUALGRAD_CREATES_PER_MINUTE); `settings` are more
    MANUALGRAD_* variables by their lower-case names."""
    env = {**os.environ, "MANUALGRAD_CREATES_PER_MINUTE": str(creates_per_minute)}
    env.update({f"MANUALGRAD_{k.upper()}": str(v) for k, v in (settings or {}).items()})
    level = log_level or os.environ.get("MANUALGRAD_LOG_LEVEL", "info").lower()
    with tempfile.TemporaryFile("w+") as log:
        for _attempt in range(3):     # a port taken between probing and binding: try another
            port = free_port()
            cmd = [sys.executable, "-m", "app.cli", "--host", HOST, "--port", str(port), *extra_args]
            env["MANUALGRAD_LOG_LEVEL"] = level
            process = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, env=env, start_new_session=True)
            base = f"http://{HOST}:{port}"
            if wait_ready(base, process, timeout):
                break
            stop(process)
        else:
            log.seek(0)
            raise RuntimeError(f"uvicorn did not start:\n{log.read()[-2000:]}")
        try:
            yield SimpleNamespace(base=base, pid=process.pid)
        finally:
            stop(process)


def stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)      # its uvicorn workers too (--workers)
            process.wait()

