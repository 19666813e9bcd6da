"""The worst stall the biggest requests cause the others: how long a click waits beside them.

Parsing a multi-megabyte body and encoding a multi-megabyte reply hold the GIL wherever they
run, so they hold up the event loop (and so every other learner) for as long as they take.
For each of the biggest requests a client can send, this sends it REPEATS times while a prober
sends GET /healthz (the event loop and the compute queue, as a click goes through them) every
few milliseconds on its own connection, and prints the big request's own time, its size, and
the longest a probe waited.

    python -m benchmarks.stalls [--quick]
"""
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from benchmarks.load import Connection  # noqa: E402
from benchmarks.report import arguments, figure, write_figures  # noqa: E402
from benchmarks.server import serve  # noqa: E402

LARGEST = {"layers": [2] + [64] * 7 + [1], "optimizer": {"name": "adam", "lr": 0.001},
           "dataset": {"name": "xor", "n": 5000}}
PROBE_EVERY = 0.005
# the graph lab at its limits: 16 inputs, 19 lines
GRAPH_LINES = [f"a{k} = tanh(x{k} * x{(k + 1) % 16} + exp(x{(k + 2) % 16}) / (1 + x{(k + 3) % 16} ** 2))"
               for k in range(16)]
GRAPH = {"source": "\n".join(GRAPH_LINES + ["s1 = " + " + ".join(f"a{k}" for k in range(8)),
                                            "s2 = " + " + ".join(f"a{k}" for k in range(8, 16)), "s1 * s2"]),
         "values": {f"x{k}": 0.1 * k for k in range(16)}}


def points_of(n, inputs):
    """A configuration with n points of its own, each of `inputs` numbers that hardly compress."""
    return {"layers": [inputs, 8, 1], "dataset": {
        "X": [[round((k * 0.6180339 + j * 0.4142135) % 2 - 1, 6) for j in range(inputs)] for k in range(n)],
        "Y": [[float(k % 2)] for k in range(n)]}}


LINKED = points_of(4000, 2)       # a link that carries its points: about as many as fit in one


async def probe(base, stop, waits):
    conn = Connection(base)
    while not stop.is_set():
        started = time.perf_counter()
        await conn.request("GET", "/healthz")
        waits.append(time.perf_counter() - started)
        await asyncio.sleep(PROBE_EVERY)
    conn.close()


async def raw(conn, method, path, body=None):
    """(status, bytes of the reply body) with the body sent as given (bytes) or as JSON."""
    data = body if isinstance(body, bytes) else (b"" if body is None else json.dumps(body).encode())
    conn.writer.write(f"{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
    head = (await conn.reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower().split("\r\n")
    headers = dict(line.split(":", 1) for line in head[1:] if ":" in line)
    reply = await conn.reader.readexactly(int(headers.get("content-length", 0)))
    return int(head[0].split()[1]), reply


async def measure(base, repeats):
    conn = Connection(base)
    conn.reader, conn.writer = await asyncio.open_connection(conn.host, conn.port)
    status, reply = await raw(conn, "POST", "/api/sessions", LARGEST)
    sid = json.loads(reply)["id"]
    await raw(conn, "POST", f"/api/sessions/{sid}/train", {"steps": 3})
    for phase in ("forward", "backward"):
        await raw(conn, "POST", f"/api/sessions/{sid}/{phase}")
    status, exported = await raw(conn, "GET", f"/api/sessions/{sid}/export")
    points = {"layers": [20, 8, 1], "dataset": {"X": [[0.123456789] * 20] * 5000,
                                                "Y": [[1.0]] * 5000}}
    status, code = await raw(conn, "POST", "/api/scenarios/encode", {"config": LINKED})
    cases = [
        ("graph lab, 16 inputs and 19 lines", "POST", "/api/graph", GRAPH),
        ("one weight's gradient check, largest net", "GET", f"/api/sessions/{sid}/gradcheck?layer=3&i=1&j=2", None),
        ("encode a 1 MB body (its link too long: 422)", "POST", "/api/scenarios/encode", {"config": points_of(5000, 20)}),
        ("decode that link", "POST", "/api/scenarios/decode", code),
        ("create, 5,000 points of 20 inputs", "POST", "/api/sessions", json.dumps(points).encode()),
        ("import, the largest session file", "POST", "/api/sessions/import", exported),
        ("export, the largest session", "GET", f"/api/sessions/{sid}/export", None),
        ("state of the largest net", "GET", f"/api/sessions/{sid}", None),
        ("batch page of 500 rows, largest net", "GET", f"/api/sessions/{sid}/batch?limit=500", None),
        ("pictures at 100 x 100, largest net", "GET", f"/api/sessions/{sid}/predictions?resolution=100"
                                                      "&unit_resolution=32", None),
        ("forward, largest net on 5,000 points", "POST", f"/api/sessions/{sid}/forward", None),
    ]
    rows = []
    for label, method, path, body in cases:
        own, worst, size, statuses = [], 0.0, 0, set()
        for _ in range(repeats):
            stop, waits = asyncio.Event(), []
            prober = asyncio.create_task(probe(base, stop, waits))
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            status, reply = await raw(conn, method, path, body)
            own.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
            stop.set()
            await prober
            statuses.add(status)
            sent = body if isinstance(body, bytes) else json.dumps(body).encode() if body else b""
            size = max(size, len(sent), len(reply))
            worst = max(worst, max(waits))
        rows.append((label, min(own), size, worst, statuses))
    conn.close()
    return rows


def main():
    args = arguments(__doc__.split("\n")[0])
    repeats = 2 if args.quick else 5
    with serve(log_level="warning") as server:
        rows = asyncio.run(measure(server.base, repeats))
    print(f"The biggest requests, {repeats} times each, beside a GET /healthz every "
          f"{PROBE_EVERY * 1e3:g} ms on another connection")
    print(f"{'request':<40}{'status':>8}{'largest body':>14}{'its time':>10}{'longest probe wait':>20}")
    for label, own, size, worst, statuses in rows:
        print(f"{label:<40}{'/'.join(map(str, sorted(statuses))):>8}{size / 1e6:>11.2f} MB"
              f"{own * 1e3:>8.0f} ms{worst * 1e3:>17.0f} ms")
    worst_row = max(rows, key=lambda r: r[3])
    write_figures(args.json, [figure("worst stall beside the biggest request (probe wait)",
                                     f"{worst_row[3] * 1e3:.0f} ms ({worst_row[0]})")])


if __name__ == "__main__":
    main()
