"""`manualgrad`: a setting it cannot use stops it with one line naming the variable; at start
it says where sessions live."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def manualgrad(*args, timeout=20, **settings):
    """Run `python -m app.cli` with MANUALGRAD_* settings until it exits (or `timeout` s): its
    exit code and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANUALGRAD_")}
    env.update({f"MANUALGRAD_{k.upper()}": v for k, v in settings.items()})
    try:
        done = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)
        return done.returncode, done.stderr
    except subprocess.TimeoutExpired as e:     # it started serving: what it said so far
        return None, (e.stderr or b"").decode()


@pytest.mark.parametrize("settings,says", [
    ({"max_sessions": "abc"}, "MANUALGRAD_MAX_SESSIONS: Input should be a valid integer"),
    ({"idle_seconds": "-3"}, "MANUALGRAD_IDLE_SECONDS: Input should be greater than 0 (got '-3')"),
    ({"protect_seconds": "9000"}, "MANUALGRAD_PROTECT_SECONDS (9000) must be at most MANUALGRAD_IDLE_SECONDS"),
    ({"trusted_proxies": "not-an-address"}, "MANUALGRAD_TRUSTED_PROXIES: 'not-an-address' is not an address"),
    ({"receiving_mb": "0", "tools_per_minute": "-1"}, "MANUALGRAD_RECEIVING_MB: Input should be greater than 0"),
])
def test_a_setting_the_server_cannot_use_stops_it_with_one_line_naming_it(settings, says):
    code, stderr = manualgrad(**settings)
    assert code == 1, stderr
    assert says in stderr and "Traceback" not in stderr and "pydantic" not in stderr, stderr
    assert len(stderr.strip().splitlines()) == len(settings)        # a line per setting at fault


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_at_start_it_says_sessions_live_in_memory():
    _, stderr = manualgrad("--port", str(free_port()), timeout=3)
    assert stderr.splitlines()[0] == "manualgrad: sessions live in this process's memory"


@pytest.mark.slow
def test_at_start_it_says_where_redis_is_and_whether_it_answered_never_its_password(redis):
    url = redis.url.replace("redis://", "redis://:hunter2@")
    redis_port = redis.url.split(":")[-1].split("/")[0]
    _, stderr = manualgrad("--port", str(free_port()), timeout=3, redis_url=redis.url)
    assert stderr.splitlines()[0] == f"manualgrad: sessions live in Redis at 127.0.0.1:{redis_port}/0, which answered"
    redis.stop()
    _, stderr = manualgrad("--port", str(free_port()), timeout=5, redis_url=url)
    assert stderr.splitlines()[0].startswith(f"manualgrad: sessions live in Redis at 127.0.0.1:{redis_port}/0, "
                                             f"which does not answer")
    assert "hunter2" not in stderr
