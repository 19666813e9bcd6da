"""Sessions in Redis against sessions in memory, in one run.

- The HTTP phase: Forward, Backward, Step of a 2-8-8-1 net on 500 points, one after the other
  on one keep-alive connection, on a server with sessions in memory and on one with them in
  Redis, both running, taking turns every 10 rounds (goal: <= 1.6x the in-memory time; on
  Redis each phase is two round trips: take the lease, save and release it).
- The class (benchmarks/classroom.py: 100 clicking, 30 on Play, 10 of them on a CNN) on
  `manualgrad --workers 2` with Redis against one in-memory process on the same 2 cores (goal:
  the players' steps/s >= 1.5x, clicks p99 < 50 ms).
- Bytes per session in Redis, for the starter net and the largest (8 layers of 64, 5,000 points,
  Adam), as Redis counts them (MEMORY USAGE of its hash).

A redis-server is started for the run (appendonly, fsync every second, noeviction: as docs/deployment.md
says to run it), in a temporary folder, on a free port.

    python -m benchmarks.sessions_in_redis [--quick] [--seconds S]
"""
import asyncio
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from benchmarks.classroom import measure as measure_class  # noqa: E402
from benchmarks.load import Connection  # noqa: E402
from benchmarks.report import arguments, figure, percentile, write_figures  # noqa: E402
from benchmarks.server import serve  # noqa: E402

NET = {"layers": [2, 8, 8, 1], "dataset": {"name": "xor", "n": 500}}
LARGEST = {"layers": [2] + [64] * 7 + [1], "optimizer": {"name": "adam"}, "dataset": {"name": "xor", "n": 5000}}


def start_redis(folder):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([shutil.which("redis-server") or "redis-server", "--port", str(port),
                                "--bind", "127.0.0.1", "--dir", folder, "--appendonly", "yes",
                                "--appendfsync", "everysec", "--save", "", "--maxmemory-policy", "noeviction"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, f"redis://127.0.0.1:{port}/0"
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


async def phases(base, rounds):
    """Seconds of each Forward, Backward, Step request, in turn, on one connection."""
    return (await paired_phases([base], rounds))[0]


async def paired_phases(bases, rounds, block=10):
    """For each server: seconds of each Forward, Backward, Step request, in turn, on one
    connection; the servers take turns every `block` rounds, so that a slower stretch of the
    shared machine weighs on each alike (the host's speed drifts by tens of percent)."""
    conns = [Connection(base) for base in bases]
    paths = []
    for conn in conns:
        _, state = await conn.request("POST", "/api/sessions", NET)
        paths.append(f"/api/sessions/{state['id']}")
    times = [[] for _ in bases]
    for start in range(0, rounds + 20, block):
        for conn, path, spent in zip(conns, paths, times):
            for r in range(start, min(start + block, rounds + 20)):
                for phase in ("forward", "backward", "step"):
                    started = time.perf_counter()
                    status, _ = await conn.request("POST", f"{path}/{phase}")
                    if r >= 20:
                        spent.append(time.perf_counter() - started)
                    assert status == 200
    for conn in conns:
        conn.close()
    return times


def redis_bytes(url, base):
    """MEMORY USAGE of the hash of the starter and of the largest session."""
    import redis
    client = redis.Redis.from_url(url)

    async def make(config):
        conn = Connection(base)
        _, state = await conn.request("POST", "/api/sessions", config)
        for phase in ("forward", "backward", "step"):
            await conn.request("POST", f"/api/sessions/{state['id']}/{phase}")
        conn.close()
        return state["id"]

    return {name: client.memory_usage(f"mg:s:{asyncio.run(make(config))}", samples=0)
            for name, config in (("starter", {}), ("largest", LARGEST))}


def main():
    args = arguments(__doc__.split("\n")[0], seconds=(float, None, "seconds of the class (default 20, quick 8)"))
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    rounds = 100 if args.quick else 400
    with tempfile.TemporaryDirectory() as folder:
        redis_process, url = start_redis(folder)
        try:
            with serve(log_level="warning") as memory, serve(log_level="warning", settings={"redis_url": url}) as shared:
                in_memory, in_redis = asyncio.run(paired_phases([memory.base, shared.base], rounds))
                sizes = redis_bytes(url, shared.base)
            one_rec, one_rates, _ = measure_class(30, 100, seconds, conv_players=10)
            two_rec, two_rates, _ = measure_class(30, 100, seconds, conv_players=10, extra_args=["--workers", "2"],
                                                  settings={"redis_url": url})
        finally:
            redis_process.terminate()
            redis_process.wait()
    mem50, red50 = percentile(in_memory, 50), percentile(in_redis, 50)
    ratio = red50 / mem50
    one, two = sum(one_rates), sum(two_rates)
    clicks = two_rec.latency["click"]
    p99 = percentile(clicks, 99)
    errors = sum(two_rec.errors.values()) + sum(one_rec.errors.values())
    print("Sessions in Redis against sessions in memory (2-8-8-1 on 500 points; a redis-server on loopback)")
    print(f"  one phase over HTTP: memory p50 {mem50 * 1e3:.2f} ms, Redis p50 {red50 * 1e3:.2f} ms "
          f"({ratio:.2f}x); p99 {percentile(in_memory, 99) * 1e3:.2f} / {percentile(in_redis, 99) * 1e3:.2f} ms")
    print(f"  the class, 30 on Play + 100 clicking, {seconds:g} s: one in-memory process {one:.0f} steps/s, "
          f"--workers 2 on Redis {two:.0f} steps/s ({two / one:.2f}x); clicks on Redis p50 "
          f"{percentile(clicks, 50) * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms; errors {errors}")
    for kind, count in {**one_rec.errors, **two_rec.errors}.items():
        print(f"    error {kind}: {count}")
    print(f"  bytes per session in Redis: starter {sizes['starter']:,}, largest {sizes['largest']:,}")
    write_figures(args.json, [
        figure("HTTP phase, Redis / memory (p50)", f"{ratio:.2f}x ({red50 * 1e3:.2f} / {mem50 * 1e3:.2f} ms)",
               "<= 1.6x", ratio <= 1.6),
        figure("class on --workers 2 + Redis / one in-memory process: steps/s", f"{two / one:.2f}x ({two:.0f} / {one:.0f})",
               ">= 1.5x", two / one >= 1.5),
        figure("class on --workers 2 + Redis: clicks p99", f"{p99 * 1e3:.1f} ms", "< 50 ms, 0 errors",
               p99 < 0.05 and errors == 0),
        figure("bytes per session in Redis: starter, largest", f"{sizes['starter']:,}, {sizes['largest']:,}"),
    ])


if __name__ == "__main__":
    main()
