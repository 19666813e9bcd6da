"""Soak: sessions created and abandoned far past the cap, and requests racing deletes and evictions."""
import gc
import json
import threading
import time
import tracemalloc
import weakref
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

pytestmark = pytest.mark.slow

# every way one session is used; a chain or gradcheck before backward is a 409
ROUTES = [("get", ""), ("post", "/forward"), ("post", "/backward"), ("post", "/step"),
          ("post", "/reset"), ("get", "/chain?layer=0&i=0&j=0"), ("get", "/gradcheck"),
          ("get", "/predictions?resolution=10&unit_resolution=4"), ("get", "/batch?limit=5"),
          ("get", "/data"), ("get", "/history"), ("post", "/train"), ("get", "/export")]


def arrays_of(store, sid):
    """Weak references to a session's data and weights, to see them freed once it is gone."""
    trainer = store.get(sid).trainer
    return [weakref.ref(a) for a in (trainer.X, trainer.Y, *(l.W for l in trainer.network.layers))]


def test_sessions_far_past_the_cap_hold_memory_flat():
    """2000 learners on a server that keeps 50: each is let in, the oldest make room, and what
    they held is freed: only 50 sessions' arrays are alive at the end, and the memory in use
    after 1500 and after 2000 sessions is the same."""
    with TestClient(create_app(Settings(max_sessions=50, protect_seconds=0, creates_per_minute=0))) as client:
        store = client.app.state.store
        data, in_use = [], {}
        try:
            for k in range(2000):
                response = client.post("/api/sessions", json={})
                assert response.status_code == 201, (k, response.text)
                data.append(weakref.ref(store.get(response.json()["id"]).trainer.X))
                if k == 1400:        # long past warm-up: trace allocations from here
                    tracemalloc.start()
                if k in (1500, 1999):
                    gc.collect()
                    in_use[k] = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert len(store) == 50 and store.evicted == 1950
        assert client.get("/healthz").json()["sessions"] == 50
        gc.collect()
        alive = [k for k, ref in enumerate(data) if ref() is not None]
        assert alive == list(range(1950, 2000)), "evicted sessions' arrays are still referenced"
    # 500 leaked sessions would be several MB; flat is the noise of the allocator
    growth = in_use[1999] - in_use[1500]
    assert growth < 512 * 1024, f"memory grew by {growth / 1e6:.2f} MB over 500 sessions"


def test_abandoned_sessions_expire_and_free_their_arrays(make_client):
    client = make_client(idle_seconds=60)
    store = client.app.state.store
    now = [0.0]
    store.clock = lambda: now[0]         # a clock the test moves, rather than sleeping
    ids = [client.post("/api/sessions", json={}).json()["id"] for _ in range(20)]
    refs = [ref for sid in ids for ref in arrays_of(store, sid)]
    now[0] += 61
    assert client.post("/api/sessions", json={}).status_code == 201
    assert len(store) == 1
    assert all(client.get(f"/api/sessions/{sid}").status_code == 404 for sid in ids)
    gc.collect()
    assert all(ref() is None for ref in refs)


def hammer(client, sid, statuses, lock, stop):
    """Threads using every route of one session until each sees it gone (404) or `stop`."""
    def run(method, path):
        while not stop.is_set():
            if path == "/train":
                response = client.post(f"/api/sessions/{sid}/train", json={"steps": 3})
            else:
                response = getattr(client, method)(f"/api/sessions/{sid}{path}")
            with lock:
                statuses[response.status_code] += 1
            assert response.status_code in (200, 404, 409), (path, response.status_code, response.text)
            if response.status_code == 404:
                assert "no such session" in response.json()["detail"]
                return
    threads = [threading.Thread(target=run, args=route, daemon=True) for route in ROUTES]
    for thread in threads:
        thread.start()
    return threads


def test_requests_racing_a_delete_get_a_clear_404(client):
    statuses, lock, stop = Counter(), threading.Lock(), threading.Event()
    for _ in range(5):
        sid = client.post("/api/sessions", json={}).json()["id"]
        threads = hammer(client, sid, statuses, lock, stop)
        time.sleep(0.15)
        assert client.delete(f"/api/sessions/{sid}").status_code == 204
        for thread in threads:
            thread.join(timeout=10)
        assert not any(thread.is_alive() for thread in threads)
    assert set(statuses) <= {200, 404, 409}, statuses
    assert statuses[404] == 5 * len(ROUTES) and statuses[200] > 0


def test_requests_racing_an_eviction_get_a_clear_404(make_client):
    """A server that keeps one session: a new learner evicts the hammered one mid-use."""
    client = make_client(max_sessions=1, protect_seconds=0)
    statuses, lock, stop = Counter(), threading.Lock(), threading.Event()
    created = []
    for _ in range(3):
        sid = client.post("/api/sessions", json={}).json()["id"]
        threads = hammer(client, sid, statuses, lock, stop)
        time.sleep(0.15)
        created.append(client.post("/api/sessions", json={}).status_code)
        for thread in threads:
            thread.join(timeout=10)
        assert not any(thread.is_alive() for thread in threads)
    assert created == [201] * 3, "a new learner was refused"
    assert set(statuses) <= {200, 404, 409}, statuses
    assert statuses[404] == 3 * len(ROUTES) and statuses[200] > 0


def test_malformed_bodies_do_not_hold_up_learners_who_train():
    """An attacker sending the worst bodies found (1.3 MB of NaN, 320,000 strings, 150,000
    unknown keys, a 4 MB import of strings, deep nesting) back to back, beside five learners
    training and one clicking: every bad body gets a small 4xx, and the clicks stay quick
    (each of those bodies costs 30-100 ms to parse and refuse: after ten of them in a minute,
    the address's large bodies are refused unread)."""
    from ..live import live_process
    nan = b'{"dataset": {"X": [' + b",".join([b"[NaN, NaN]"] * 160_000) + b'], "Y": [[1]]}}'
    strings = json.dumps({"layers": [64, 4, 1], "dataset": {"X": [["x"] * 64] * 5000, "Y": [[1]] * 5000}}).encode()
    keys = json.dumps({f"k{i}": 0 for i in range(150_000)}).encode()
    bad_import = json.dumps({"format": "manualgrad-session", "version": 1, "sha256": "0" * 64,
                             "config": {}, "step": 0,
                             "current_params": [{"W": [["w"] * 64] * 64, "b": ["b"] * 64}] * 8,
                             "history": {"steps": ["s"] * 4000, "losses": ["l"] * 4000},
                             "padding": ["p" * 100] * 25_000}).encode()
    deep = b"[" * 100_000 + b"]" * 100_000
    bodies = [("/api/sessions", nan), ("/api/sessions", strings), ("/api/sessions", keys),
              ("/api/sessions/import", bad_import), ("/api/sessions", deep)]
    with live_process() as server:
        trainers = [server.session(layers=[2, 16, 16, 1], dataset={"name": "spiral", "n": 500}) for _ in range(5)]
        clicker = server.session()
        stop, problems, waits, refusals = threading.Event(), [], [], Counter()

        def train(sid):
            while not stop.is_set():
                status, _, _ = server.call("POST", f"/api/sessions/{sid}/train", {"steps": 50})
                if status != 200:
                    problems.append(("train", status))

        def attack():
            conn = server.connection()
            while not stop.is_set():
                for path, body in bodies:
                    conn.request("POST", path, body=body, headers={"content-type": "application/json"})
                    response = conn.getresponse()
                    data = response.read()
                    refusals[response.status] += 1
                    if response.status >= 500 or len(data) > 16 * 1024:
                        problems.append(("attack", response.status, len(data)))
                    if response.getheader("connection") == "close":
                        conn.close()
                        conn = server.connection()

        threads = [threading.Thread(target=train, args=(sid,), daemon=True) for sid in trainers]
        threads.append(threading.Thread(target=attack, daemon=True))
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for phase in ("forward", "backward", "step"):
                started = time.monotonic()
                status, _, _ = server.call("POST", f"/api/sessions/{clicker}/{phase}")
                waits.append(time.monotonic() - started)
                assert status == 200
                time.sleep(0.05)
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not problems, problems[:5]
    # past ten refusals of large bodies in a minute, the attacker's large bodies are 429 unread
    assert refusals[422] >= 10 and refusals[429] >= 10 and set(refusals) <= {413, 422, 429}, refusals
    waits.sort()
    print(f"clicks beside the attack: p99 {waits[int(len(waits) * 0.99)] * 1e3:.0f} ms, max {waits[-1] * 1e3:.0f} ms, refusals {dict(refusals)}")
    # p99 19-51 ms on a quiet machine: ten times that and more (issue 30) still catches a stall
    assert waits[int(len(waits) * 0.99)] < 1.0, f"p99 {waits[int(len(waits) * 0.99)]:.3f} s, max {waits[-1]:.3f} s"


def test_the_costliest_requests_of_each_kind_do_not_stall_a_class():
    """Beside learners clicking and training, one client sends the requests whose cost grows
    with what it sends, back to back: the graph lab at its limits (38 ms each), a one-weight
    gradient check of the largest net (1 s, the whole batch in extended precision), a link of
    1 MB of points encoded (230 ms) and a link decoded. Each runs in slices on the compute
    thread, so /healthz, probed every 20 ms, never waits 250 ms (it waited 1.8-4.7 s)."""
    from benchmarks.stalls import GRAPH, LARGEST, LINKED, points_of

    from ..live import live_process
    with live_process(tools_per_minute=0) as server:
        big = server.session(**LARGEST)
        for phase in ("forward", "backward"):
            assert server.call("POST", f"/api/sessions/{big}/{phase}")[0] == 200
        code = server.call("POST", "/api/scenarios/encode", {"config": LINKED})[2]
        learners = [server.session(layers=[2, 8, 8, 1], dataset={"name": "circles", "n": 500}) for _ in range(5)]
        stop, problems, waits, done = threading.Event(), [], [], Counter()
        costly = [("POST", "/api/graph", GRAPH), ("GET", f"/api/sessions/{big}/gradcheck?layer=3&i=1&j=2", None),
                  ("POST", "/api/scenarios/encode", {"config": points_of(5000, 20)}),
                  ("POST", "/api/scenarios/decode", code)]

        def send_costly():
            while not stop.is_set():
                for method, path, body in costly:
                    status, _, _ = server.call(method, path, body)
                    done[status] += 1

        def click(sid):
            while not stop.is_set():
                for phase in ("forward", "backward", "step"):
                    if server.call("POST", f"/api/sessions/{sid}/{phase}")[0] != 200:
                        problems.append(phase)
                time.sleep(0.2)

        def probe():
            while not stop.is_set():
                started = time.monotonic()
                server.call("GET", "/healthz")
                waits.append(time.monotonic() - started)
                time.sleep(0.02)

        threads = [threading.Thread(target=send_costly, daemon=True), threading.Thread(target=probe, daemon=True)]
        threads += [threading.Thread(target=click, args=(sid,), daemon=True) for sid in learners]
        for thread in threads:
            thread.start()
        time.sleep(8)
        stop.set()
        for thread in threads:
            thread.join(30)
        assert not problems and done[200] >= 8 and set(done) <= {200, 422}, (problems, done)
        assert max(waits) < 0.25, f"/healthz waited {max(waits) * 1e3:.0f} ms"
        print(f"/healthz: {len(waits)} probes, longest {max(waits) * 1e3:.0f} ms; costly requests {dict(done)}")
