"""N simulated learners against one server, at N = 50, 200 and 500.

For each N a fresh server is started (uvicorn on a free port of 127.0.0.1, in its own process);
this process is the client: asyncio, each learner with its own keep-alive HTTP/1.1 connection,
as a browser tab has. The client speaks HTTP itself (Connection, below) because it must stay
light: on this machine httpx.AsyncClient spent 1.6 ms of CPU per request, 4.8 ms with 50 in
flight (Connection: 0.15 ms), so at 500 learners the client would have taken more than one of
the 2 cores the server shares with it.

Each learner arrives at a random moment of the first RAMP seconds, creates a session (a 2-8-8-1
net on 500 xor points), then loops: forward, backward, step, and every TRAIN_EVERY rounds a
train of TRAIN_STEPS steps (learners start at a random point of that cycle, so they do not all
train at once), with THINK seconds of thought (uniform jitter, seeded per learner) after every
action. After `--seconds` the learners stop starting requests; what is still in flight GRACE
seconds later counts as an error, and so does any failed request or status >= 400 (a learner
that meets one stops).

Every request counts, the creates included: latency is from sending to the parsed JSON. Printed
for each N: requests/s, p50/p99/max latency, errors, and to tell a slow server from a busy
machine: the CPU the server and this client used (share of one core), how long the server's
threads sat ready to run without a CPU ("queued"), the client's event loop delay, and the
machine's CPU pressure (share of the time some task was waiting for a CPU; 2 cores here).
Target: 200 learners with p99 < 100 ms and no error.

    python -m benchmarks.load [--quick] [--seconds S] [--levels 50,200,500]
"""
import asyncio
import json
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from benchmarks.proc import cpu_pressure_seconds, cpu_seconds, run_queue_seconds  # noqa: E402
from benchmarks.report import arguments, figure, percentile, write_figures  # noqa: E402
from benchmarks.server import serve  # noqa: E402

CONFIG = {"layers": [2, 8, 8, 1], "dataset": {"name": "xor", "n": 500}}
THINK = (0.5, 1.5)          # seconds of thought after each action: mean 1 s
RAMP = 5.0                  # learners arrive over the first RAMP seconds
TRAIN_EVERY, TRAIN_STEPS = 5, 10
GRACE = 15.0
TIMEOUT = 30.0              # one request, connecting included
TARGET_N, TARGET_P99_MS = 200, 100.0
SEED = 7


class Connection:
    """One keep-alive HTTP/1.1 connection, opened on first use and again after it is closed."""

    def __init__(self, base):
        url = urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.reader = self.writer = None

    async def request(self, method, path, body=None, headers=None):
        """(status, parsed JSON body or None); `headers` more request headers ({name: value})."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        data = b"" if body is None else json.dumps(body).encode()
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.writer.write(f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                          f"{extra}\r\n".encode() + data)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower().split("\r\n")
        status = int(head[0].split()[1])
        headers = dict(line.split(":", 1) for line in head[1:] if ":" in line)
        raw = await self.reader.readexactly(int(headers.get("content-length", 0)))
        if headers.get("connection", "").strip() == "close":
            self.close()
        self.timing = server_timing(headers.get("server-timing", ""))
        self.last_size = len(raw)
        return status, json.loads(raw) if raw else None

    def close(self):
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None


def server_timing(header):
    """{stage: seconds} of a Server-Timing header ("queue;dur=2.31, compute;dur=0.40", in ms)."""
    stages = {}
    for part in header.split(","):
        name, _, rest = part.strip().partition(";dur=")
        if name and rest:
            stages[name] = float(rest) / 1e3
    return stages


class Recorder:
    def __init__(self):
        self.latency = defaultdict(list)      # action -> seconds
        self.stages = defaultdict(lambda: defaultdict(list))   # action -> stage -> seconds (Server-Timing)
        self.errors = defaultdict(int)        # description -> count

    async def call(self, conn, action, method, path, body=None, headers=None):
        """The parsed JSON, or None after recording an error (the connection is then dropped)."""
        t0 = time.perf_counter()
        try:
            status, data = await asyncio.wait_for(conn.request(method, path, body, headers), TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                ValueError, IndexError) as e:
            conn.close()
            self.errors[f"{action}: {type(e).__name__}"] += 1
            return None
        elapsed = time.perf_counter() - t0
        if status >= 400:
            self.errors[f"{action}: HTTP {status}"] += 1
            return None
        self.latency[action].append(elapsed)
        server = sum(conn.timing.values())
        for stage, seconds in [*conn.timing.items(), ("client and network", elapsed - server)]:
            self.stages[action][stage].append(seconds)
        return data if data is not None else {}


async def learner(index, base, recorder, stop_at):
    """Returns the learner's open connection and session path, to be tidied up afterwards."""
    rng = random.Random(SEED * 100_003 + index)
    conn = Connection(base)
    await asyncio.sleep(rng.uniform(0, RAMP))
    state = await recorder.call(conn, "create", "POST", "/api/sessions", CONFIG)
    if state is None:
        return conn, None
    path = f"/api/sessions/{state['id']}"
    rounds = rng.randrange(TRAIN_EVERY)
    while True:
        rounds += 1
        actions = [(p, None) for p in ("forward", "backward", "step")]
        if rounds % TRAIN_EVERY == 0:
            actions.append(("train", {"steps": TRAIN_STEPS}))
        for action, body in actions:
            await asyncio.sleep(rng.uniform(*THINK))
            if time.monotonic() >= stop_at:
                return conn, path
            if await recorder.call(conn, action, "POST", f"{path}/{action}", body) is None:
                return conn, path


async def loop_lag(stop_at, lags):
    """How late a 10 ms sleep wakes up: the client's own event loop delay."""
    while time.monotonic() < stop_at:
        t0 = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append(time.perf_counter() - t0 - 0.01)


async def run_level(base, n, seconds):
    recorder = Recorder()
    start = time.monotonic()
    stop_at = start + seconds
    lags = []
    lag_task = asyncio.create_task(loop_lag(stop_at, lags))
    tasks = [asyncio.create_task(learner(i, base, recorder, stop_at)) for i in range(n)]
    done, pending = await asyncio.wait(tasks, timeout=seconds + GRACE)
    if pending:                                 # stuck in a request GRACE s after the end
        recorder.errors["unfinished after the grace period"] += len(pending)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    elapsed = time.monotonic() - start
    await lag_task
    for task in done:
        if task.exception() is not None:
            recorder.errors[f"learner crashed: {task.exception()!r}"] += 1
            continue
        conn, path = task.result()
        if path is not None:                    # tidy up, outside the measured window
            try:
                await asyncio.wait_for(conn.request("DELETE", path), TIMEOUT)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                pass                            # the session is left to expire
        conn.close()
    return recorder, elapsed, lags


def measure(n, seconds):
    with serve() as server:
        server_cpu0, client_cpu0 = cpu_seconds(server.pid), time.process_time()
        queue0, pressure0 = run_queue_seconds(server.pid), cpu_pressure_seconds()
        recorder, elapsed, lags = asyncio.run(run_level(server.base, n, seconds))
        server_cpu = cpu_seconds(server.pid) - server_cpu0
        client_cpu = time.process_time() - client_cpu0
        queue = run_queue_seconds(server.pid) - queue0
        pressure = None if pressure0 is None else cpu_pressure_seconds() - pressure0
    all_latency = [x for values in recorder.latency.values() for x in values]
    return {
        "n": n, "seconds": elapsed, "requests": len(all_latency),
        "rps": len(all_latency) / elapsed,
        "p50": percentile(all_latency, 50), "p99": percentile(all_latency, 99),
        "max": max(all_latency, default=float("nan")),
        "errors": sum(recorder.errors.values()), "error_kinds": dict(recorder.errors),
        "by_action": {a: (len(v), percentile(v, 50), percentile(v, 99)) for a, v in recorder.latency.items()},
        "server_cpu": server_cpu / elapsed, "client_cpu": client_cpu / elapsed,
        "lag_p99": percentile(lags, 99), "server_queue": queue / elapsed,
        "pressure": float("nan") if pressure is None else pressure / elapsed,
    }


def main():
    args = arguments(__doc__.split("\n")[0],
                     seconds=(float, None, "seconds of load per level (default 30, quick 10)"),
                     levels=(str, "50,200,500", "comma-separated numbers of learners"))
    seconds = args.seconds or (10.0 if args.quick else 30.0)
    levels = [int(x) for x in args.levels.split(",")]
    print(f"Load: learners on a {'-'.join(map(str, CONFIG['layers']))} net, "
          f"{CONFIG['dataset']['n']} xor points; forward, backward, step (train {TRAIN_STEPS} "
          f"every {TRAIN_EVERY} rounds), {THINK[0]:g}-{THINK[1]:g} s of thought after each; "
          f"{seconds:g} s per level, fresh server per level, {os.cpu_count()} CPUs")
    print(f"{'learners':>8}{'requests':>10}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          f"{'errors':>8}{'server CPU':>11}{' (queued)':<10}{'client CPU':>10}{'loop lag p99':>14}"
          f"{'CPU pressure':>14}")
    results = []
    for n in levels:
        r = measure(n, seconds)
        results.append(r)
        print(f"{n:>8}{r['requests']:>10}{r['rps']:>8.1f}{r['p50'] * 1e3:>9.1f}{r['p99'] * 1e3:>9.1f}"
              f"{r['max'] * 1e3:>9.1f}{r['errors']:>8}{r['server_cpu']:>11.0%}"
              f"{' (' + format(r['server_queue'], '.0%') + ')':<10}{r['client_cpu']:>10.0%}"
              f"{r['lag_p99'] * 1e3:>11.1f} ms{r['pressure']:>14.0%}", flush=True)
    print("\np50 / p99 ms by action:")
    for r in results:
        parts = [f"{a} {c}x {p50 * 1e3:.1f}/{p99 * 1e3:.1f}" for a, (c, p50, p99) in r["by_action"].items()]
        print(f"  N={r['n']}: " + ", ".join(parts))
        for kind, count in r["error_kinds"].items():
            if count:
                print(f"    error {kind}: {count}")

    figures = []
    for r in results:
        target = r["n"] == TARGET_N
        ok = (r["p99"] * 1e3 < TARGET_P99_MS and r["errors"] == 0) if target else None
        figures.append(figure(f"load N={r['n']}: req/s, p50 / p99 ms, errors",
                              f"{r['rps']:.0f}, {r['p50'] * 1e3:.1f} / {r['p99'] * 1e3:.1f}, {r['errors']}",
                              f"p99 < {TARGET_P99_MS:g} ms, 0 errors" if target else "", ok))
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
