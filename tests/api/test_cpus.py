"""MANUALGRAD_CPUS: each server process kept on one CPU (app/server/affinity.py), checked on real
processes by the CPUs the kernel lets each of their threads run on."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.server.affinity import parse
from ..live import live_process
from .test_redis import processes_answering

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = sorted(os.sched_getaffinity(0))
CONFIG = {"layers": [2, 3, 1], "dataset": {"name": "xor", "n": 40}}


def thread_cpus(pid):
    """{thread name: the CPUs it may run on} for every thread of process `pid`."""
    cpus = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
        cpus[f"{name}/{tid}"] = os.sched_getaffinity(int(tid))
    return cpus


def worked(server):
    """The server after a forward: its compute thread has started."""
    sid = server.session(**CONFIG)
    assert server.call("POST", f"/api/sessions/{sid}/forward")[0] == 200
    return server


def test_the_setting_reads_empty_auto_or_cpu_numbers():
    assert parse("") is None and parse(" ") is None
    assert parse("auto") == "auto"
    assert parse("0,2") == [0, 2]
    for bad in ("x", "0,,1", "-1", "1.5"):
        with pytest.raises(ValueError, match="MANUALGRAD_CPUS"):
            parse(bad)


@pytest.mark.parametrize("value, says", [("x", "CPU numbers"), ("4096", "may not use")])
def test_a_setting_the_server_cannot_follow_stops_it_with_the_reason(value, says):
    out = subprocess.run([sys.executable, "-m", "app.cli"], cwd=ROOT, capture_output=True, text=True,
                         timeout=30, env={**os.environ, "MANUALGRAD_CPUS": value})
    assert out.returncode != 0
    assert "MANUALGRAD_CPUS" in out.stderr and says in out.stderr
    assert "Traceback" not in out.stderr


def test_auto_keeps_every_thread_of_the_server_on_its_first_cpu():
    with live_process(cpus="auto") as server:
        threads = thread_cpus(worked(server).process.pid)
    assert len(threads) >= 2            # the event loop and the compute thread at least
    assert all(cpus == {ALLOWED[0]} for cpus in threads.values()), threads


def test_without_the_setting_the_threads_go_wherever_the_os_puts_them():
    with live_process() as server:
        threads = thread_cpus(worked(server).process.pid)
    assert all(cpus == set(ALLOWED) for cpus in threads.values()), threads


def test_a_list_puts_the_server_on_the_cpu_it_names():
    with live_process(cpus=str(ALLOWED[-1])) as server:
        threads = thread_cpus(worked(server).process.pid)
    assert all(cpus == {ALLOWED[-1]} for cpus in threads.values()), threads


def test_auto_puts_each_worker_on_a_cpu_of_its_own(redis):
    with live_process(redis_url=redis.url, cpus="auto", cli_args=["--workers", "2"]) as server:
        pids = set(processes_answering(server, 40))
        assert len(pids) == 2
        placed = sorted(tuple(sorted(set().union(*thread_cpus(pid).values()))) for pid in pids)
    expected = sorted((ALLOWED[k % len(ALLOWED)],) for k in range(2))
    assert placed == expected, placed
