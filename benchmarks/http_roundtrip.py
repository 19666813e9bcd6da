"""An HTTP phase request against a bare endpoint's round trip, both over loopback in one run.

Starts the app with uvicorn on a free port of 127.0.0.1 (benchmarks/server.py) and, over one
keep-alive connection (http.client), times each request from sending it to having its JSON
parsed:

- bare:  GET /healthz (a small JSON object);
- phase: POST /api/sessions/{id}/forward, /backward, /step, on the default `{}` session
         (xor, 200 points, 2-4-1) and on a 2-8-8-1 net with 500 xor points.

The requests are interleaved round by round (bare, then each phase of each net), so a slow
moment of the machine falls on all of them alike. Target: step <= 3x bare (medians).

    python -m benchmarks.http_roundtrip [--quick] [--rounds N]

(The file is not called http.py: a script run from benchmarks/ puts the folder first on
sys.path, and an http.py there would hide the standard library's http package from it.)
"""
import http.client
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from benchmarks.proc import cpu_pressure_seconds  # noqa: E402
from benchmarks.report import arguments, figure, percentile, write_figures  # noqa: E402
from benchmarks.server import serve  # noqa: E402

NETS = {
    "default {}": {},
    "2-8-8-1, 500 pts": {"layers": [2, 8, 8, 1], "dataset": {"name": "xor", "n": 500}},
}
PHASES = ("forward", "backward", "step")
TARGET_RATIO = 3.0


class Client:
    """One keep-alive connection; `call` returns (seconds to parsed JSON, the JSON, body bytes)."""

    def __init__(self, base):
        url = urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        headers = {"content-type": "application/json"} if data is not None else {}
        t0 = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        parsed = json.loads(raw)
        elapsed = time.perf_counter() - t0
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: {response.status} {raw[:200]!r}")
        return elapsed, parsed, len(raw)

    def close(self):
        self.conn.close()


def measure(base, rounds, warmup):
    client = Client(base)
    sessions = {net: client.call("POST", "/api/sessions", cfg)[1]["id"] for net, cfg in NETS.items()}
    times = {"bare": []} | {(net, phase): [] for net in NETS for phase in PHASES}
    sizes = {}
    for r in range(warmup + rounds):
        for key in times:
            if key == "bare":
                elapsed, _, size = client.call("GET", "/healthz")
            else:
                net, phase = key
                elapsed, _, size = client.call("POST", f"/api/sessions/{sessions[net]}/{phase}")
            if r >= warmup:
                times[key].append(elapsed)
                sizes[key] = size
    client.close()
    return times, sizes


def main():
    args = arguments(__doc__.split("\n")[0], rounds=(int, None, "timed rounds (default 1000, quick 200)"))
    rounds = args.rounds or (200 if args.quick else 1000)
    with serve() as server:
        base = server.base
        pressure0, t0 = cpu_pressure_seconds(), time.monotonic()
        times, sizes = measure(base, rounds, warmup=max(rounds // 10, 20))
        busy = None if pressure0 is None else (cpu_pressure_seconds() - pressure0) / (time.monotonic() - t0)

    print(f"HTTP round trips over loopback ({base}), uvicorn, one keep-alive connection, "
          f"{rounds} rounds; time = send .. JSON parsed; machine CPU pressure "
          f"{'n/a' if busy is None else format(busy, '.0%')} (share of the time some task waited for a CPU)")
    print(f"{'request':<38}{'bytes':>8}{'median ms':>11}{'p99 ms':>9}{'x bare':>8}")
    bare = percentile(times["bare"], 50)
    for key, values in times.items():
        label = "GET /healthz (bare)" if key == "bare" else f"POST {key[1]:<9} {key[0]}"
        med = percentile(values, 50)
        print(f"{label:<38}{sizes[key]:>8}{med * 1e3:>11.3f}{percentile(values, 99) * 1e3:>9.3f}"
              f"{med / bare:>8.2f}")

    figures = [figure("HTTP bare GET /healthz, median / p99",
                      f"{bare * 1e3:.3f} / {percentile(times['bare'], 99) * 1e3:.3f} ms")]
    print()
    for net in NETS:
        ratio = percentile(times[(net, "step")], 50) / bare
        ok = ratio <= TARGET_RATIO
        print(f"step / bare, {net}: {ratio:.2f}  (target <= {TARGET_RATIO:g}) {'met' if ok else 'MISSED'}")
        figures.append(figure(f"HTTP step / bare, {net}", f"{ratio:.2f}x", f"<= {TARGET_RATIO:g}x", ok))
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
