"""Memory per session: a 2-8-8-1 net on 500 xor points, after a forward, backward and step.

In this process, through the API (FastAPI's TestClient, with a session cap above the count so
that nothing is evicted): a few sessions are created and deleted first so that every module is
loaded and the allocator warm; then `--count` sessions are created and each stepped once
(forward, backward, step), all kept alive. Per session = growth / count, of both

- the resident set size (VmRSS, what the machine pays, allocator slack included), and
- tracemalloc's traced bytes (Python objects and NumPy arrays only), over TRACED further
  sessions (tracing makes every allocation slow).

Target: <= 1 MiB per session (by RSS).

    python -m benchmarks.memory [--quick] [--count N]
"""
import gc
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from fastapi.testclient import TestClient  # noqa: E402

from app.main import create_app
from app.settings import Settings
from benchmarks.proc import rss_bytes  # noqa: E402
from benchmarks.report import arguments, figure, write_figures  # noqa: E402

CONFIG = {"layers": [2, 8, 8, 1], "dataset": {"name": "xor", "n": 500}}
TRACED = 100                    # further sessions created under tracemalloc
TARGET_MIB = 1.0
MIB = 1024 * 1024


def new_session(client):
    response = client.post("/api/sessions", json=CONFIG)
    assert response.status_code == 201, response.text
    sid = response.json()["id"]
    for phase in ("forward", "backward", "step"):
        response = client.post(f"/api/sessions/{sid}/{phase}")
        assert response.status_code == 200, response.text
    return sid


def main():
    args = arguments(__doc__.split("\n")[0], count=(int, None, "sessions to hold (default 1000, quick 300)"))
    count = args.count or (300 if args.quick else 1000)
    app = create_app(Settings(max_sessions=count + 100, log_level="warning", creates_per_minute=0))
    store = app.state.store
    with TestClient(app) as client:
        for sid in [new_session(client) for _ in range(20)]:       # warm up, then forget
            client.delete(f"/api/sessions/{sid}")
        gc.collect()
        rss0 = rss_bytes()
        for _ in range(count):
            new_session(client)
        gc.collect()
        rss = rss_bytes() - rss0
        held = len(store)
        tracemalloc.start()             # slows every allocation down: a smaller sample
        traced0 = tracemalloc.get_traced_memory()[0]
        for _ in range(TRACED):
            new_session(client)
        gc.collect()
        traced = tracemalloc.get_traced_memory()[0] - traced0
        tracemalloc.stop()
    if held != count:
        raise SystemExit(f"expected {count} sessions held, the store has {held}")

    per_rss, per_traced = rss / count / MIB, traced / TRACED / MIB
    ok = per_rss <= TARGET_MIB
    print(f"Memory per session: {'-'.join(map(str, CONFIG['layers']))} net, {CONFIG['dataset']['n']} "
          f"xor points, after forward+backward+step; {count} sessions held through the API")
    print(f"RSS growth          {rss / MIB:9.1f} MiB  = {per_rss * 1024:7.1f} KiB per session")
    print(f"tracemalloc traced  {traced / MIB:9.1f} MiB  = {per_traced * 1024:7.1f} KiB per session "
          f"(over {TRACED} more sessions)")
    print(f"target <= {TARGET_MIB:g} MiB per session (RSS): {'met' if ok else 'MISSED'}")
    write_figures(args.json, [
        figure("memory per session, RSS (2-8-8-1, 500 pts)", f"{per_rss * 1024:.0f} KiB",
               f"<= {TARGET_MIB:g} MiB", ok),
        figure("memory per session, tracemalloc", f"{per_traced * 1024:.0f} KiB"),
    ])


if __name__ == "__main__":
    main()
