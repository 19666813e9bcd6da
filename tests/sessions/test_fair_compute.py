"""A class on one server: no learner's work stalls the others, and trains share the compute fairly.

These run a real server in a process of its own (its GIL is not the test's). The bounds are
generous for a loaded 2-core CI machine; before the compute thread, each case failed by far
(a 3.8 s freeze, 20 s waits, a 71 s gradient check, a train that went on after DELETE)."""
import asyncio
import statistics
import threading
import time

import pytest

from benchmarks.load import Connection
from benchmarks.report import percentile

from ..live import live_process

pytestmark = pytest.mark.slow

# 9 weights on 5 points: tiny by multiply-adds (it ran on the event loop before), ~3 s by the clock
TINY_DEEP = {"layers": [2] + [1] * 7 + [1], "optimizer": {"name": "adam", "lr": 0.01},
             "dataset": {"name": "xor", "n": 5}}
BIG = {"layers": [2, 64, 64, 1], "dataset": {"name": "xor", "n": 1000}}


def in_background(fn):
    """Run fn() in a thread; the thread, and a dict that gets its result (or error)."""
    out = {}

    def run():
        started = time.monotonic()
        try:
            out["result"] = fn()
        except Exception as e:     # noqa: BLE001 - reported by the test that reads it
            out["error"] = e
        out["seconds"] = time.monotonic() - started
        out["ended"] = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def timed(server, method, path, body=None):
    started = time.monotonic()
    status, _, reply = server.call(method, path, body)
    return status, reply, time.monotonic() - started


@pytest.fixture(scope="module")
def server():
    with live_process(train_seconds=10) as live:
        yield live


def test_a_long_train_of_a_tiny_deep_net_does_not_stall_anyone(server):
    """9 layers of 1 unit with Adam, 10,000 steps: cheap by multiply-adds, long by the clock."""
    deep, other = server.session(**TINY_DEEP), server.session()
    thread, out = in_background(lambda: server.call("POST", f"/api/sessions/{deep}/train", {"steps": 10000}))
    time.sleep(0.3)
    waits = []
    while thread.is_alive() and len(waits) < 60:
        for method, path in (("GET", "/healthz"), ("POST", f"/api/sessions/{other}/forward"),
                             ("GET", f"/api/sessions/{other}")):
            status, _, seconds = timed(server, method, path)
            assert status == 200
            waits.append(seconds)
    thread.join(60)
    assert out["result"][0] == 200 and out["result"][2]["steps_run"] == 10000
    assert len(waits) >= 30, "the train ended before the others were measured"
    assert max(waits) < 0.5, f"a request waited {max(waits):.2f} s beside the train"


def test_many_long_trains_leave_the_page_and_new_learners_served():
    """45 trains at once, each up to its time limit of 0.25 s of compute: creating a session,
    reading a state, the page and its scripts still answer at once (a thread pool of 40 was
    full before, and they waited up to 20 s)."""
    with live_process(train_seconds=0.25) as server:
        sessions = [server.session(**BIG) for _ in range(45)]
        idle = server.session(**BIG)
        # the 45 take their turns on one compute thread: each train answers after about 12 s here
        threads = [in_background(lambda sid=sid: server.call("POST", f"/api/sessions/{sid}/train",
                                                            {"steps": 10000}, timeout=150)) for sid in sessions]
        time.sleep(0.5)
        waits = {}
        for method, path in (("POST", "/api/sessions"), ("GET", f"/api/sessions/{idle}"),
                             ("GET", "/"), ("GET", "/static/main.js"), ("GET", "/healthz")):
            status, _, waits[path] = timed(server, method, path, {} if method == "POST" else None)
            assert status in (200, 201), path
        still_training = sum(thread.is_alive() for thread, _ in threads)
        for thread, _ in threads:
            thread.join(150)
    assert all(out["result"][0] == 200 for _, out in threads)
    assert still_training > 20, ("the trains were over before the others were measured", waits)
    assert max(waits.values()) < 1.0, waits


def test_trains_on_play_share_the_compute_fairly_and_wait_time_is_not_compute(server):
    """Four trains of the same net at once, each asking for more than its time limit allows:
    each gets about a quarter of the thread, each runs about as many steps as one alone would
    in its limit (the limit counts its own compute, not its wait), so together they take about
    four times the limit."""
    with live_process(train_seconds=0.6) as limited:
        alone_id = limited.session(**BIG)
        alone = limited.call("POST", f"/api/sessions/{alone_id}/train", {"steps": 10000})[2]["steps_run"]
        ids = [limited.session(**BIG) for _ in range(4)]
        started = time.monotonic()
        threads = [in_background(lambda sid=sid: limited.call("POST", f"/api/sessions/{sid}/train",
                                                              {"steps": 10000})) for sid in ids]
        for thread, _ in threads:
            thread.join(60)
        wall = time.monotonic() - started
    runs = [out["result"][2]["steps_run"] for _, out in threads]
    assert all(out["result"][2]["stopped"].startswith("time limit") for _, out in threads)
    assert min(runs) >= 0.5 * max(runs), runs
    assert statistics.mean(runs) >= 0.5 * alone, (runs, alone)
    assert wall > 1.5, f"four trains of 0.6 s of compute each ended in {wall:.2f} s"


def test_delete_and_reset_stop_a_running_train(server):
    sid = server.session(**BIG)
    thread, out = in_background(lambda: server.call("POST", f"/api/sessions/{sid}/train", {"steps": 10000}))
    time.sleep(0.4)
    status, reset, reset_seconds = timed(server, "POST", f"/api/sessions/{sid}/reset")
    thread.join(30)
    assert status == 200 and reset["step"] == 0
    train = out["result"][2]
    assert out["result"][0] == 200 and train["stopped"] == "cancelled"
    assert 0 < train["steps_run"] < 10000 and train["step"] == train["steps_run"]
    assert reset_seconds < 1.0, f"the reset waited {reset_seconds:.2f} s for the train to stop"

    thread, out = in_background(lambda: server.call("POST", f"/api/sessions/{sid}/train", {"steps": 10000}))
    time.sleep(0.4)
    deleted_at = time.monotonic()
    assert server.call("DELETE", f"/api/sessions/{sid}")[0] == 204
    thread.join(30)
    assert out["result"][0] == 404
    assert out["ended"] - deleted_at < 1.0, "the train went on after the delete"


def test_the_gradient_check_of_a_diverged_network_is_409_at_once(server):
    sid = server.session(optimizer={"name": "sgd", "lr": 1e6}, dataset={"name": "sine"})
    assert server.call("POST", f"/api/sessions/{sid}/train", {"steps": 50})[2]["diverged"]
    for phase in ("forward", "backward"):
        assert server.call("POST", f"/api/sessions/{sid}/{phase}")[0] == 200
    for query in ("", "?layer=0&i=0&j=0"):
        status, reply, seconds = timed(server, "GET", f"/api/sessions/{sid}/gradcheck{query}")
        assert status == 409 and "diverged" in reply["detail"] and "reset" in reply["detail"]
        assert seconds < 1.0


def test_a_whole_network_gradient_check_keeps_to_its_time_budget():
    """The largest net's whole-network check (about 1.2 s of extended-precision forwards here)
    stops at the limit of 0.3 s and says how much it checked."""
    with live_process(train_seconds=0.3) as limited:
        sid = limited.session(layers=[2] + [64] * 7 + [1], dataset={"name": "xor", "n": 300})
        for phase in ("forward", "backward"):
            assert limited.call("POST", f"/api/sessions/{sid}/{phase}")[0] == 200
        status, report, seconds = timed(limited, "GET", f"/api/sessions/{sid}/gradcheck")
    # 0.37 s here; the bound, ten times that and more (issue 30), only catches a stall: the partial
    # count below is what shows that the check kept to its budget
    assert status == 200 and seconds < 5
    checked = [layer[name] for layer in report["layers"] for name in ("W_checked", "b_checked")]
    assert 0 < sum(checked) < len(checked), checked     # one entry per array fits in no budget
    assert report["layers"][0]["W_checked"] == 1 and report["max_relative_error"] < 1e-5
    assert report["layers"][-1]["W"] is None           # not reached: no error to report


def test_healthz_turns_503_when_the_compute_thread_is_stalled(make_client):
    """/healthz goes through the same queue as the work: a thread that takes no work for 2 s
    makes it 503, so the image's HEALTHCHECK sees a stalled server."""
    client = make_client()
    scheduler = client.app.state.scheduler
    assert client.get("/healthz").status_code == 200
    # the stall lasts until the 503 is in (2.05 s after the ask, here), not a set time that a slow
    # machine could outrun: 30 s at most, ten times that and more (issue 30)
    stalled, release = threading.Event(), threading.Event()

    def stall_the_thread(job):
        stalled.set()
        release.wait(30)

    stall = threading.Thread(target=lambda: asyncio.run(scheduler.run(stall_the_thread)), daemon=True)
    stall.start()
    assert stalled.wait(30)
    response = client.get("/healthz")
    release.set()
    assert response.status_code == 503 and response.json()["status"] == "stalled"
    stall.join()
    assert client.get("/healthz").status_code == 200


def test_the_server_runs_one_blas_thread():
    import subprocess
    import sys
    script = ("import app.main, threadpoolctl, os; "
              "print(os.environ['OPENBLAS_NUM_THREADS'], [p['num_threads'] for p in threadpoolctl.threadpool_info()])")
    env = {k: v for k, v in __import__("os").environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split(None, 1) == ["1", "[1]\n"] or out.stdout.strip() == "1 [1]", out.stdout


async def play(base, seconds, counts, index, errors):
    conn = Connection(base)
    _, state = await conn.request("POST", "/api/sessions", {"layers": [2, 8, 8, 1],
                                                           "dataset": {"name": "circles", "n": 500}})
    path = f"/api/sessions/{state['id']}"
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        status, state = await conn.request("POST", f"{path}/train", {"steps": 100})
        status2, _ = await conn.request("GET", f"{path}/predictions?resolution=50&unit_resolution=16")
        if status != 200 or status2 != 200:
            errors.append((status, status2))
            break
        counts[index] += state["steps_run"]
    conn.close()


async def click(base, seconds, latencies, errors, index):
    conn = Connection(base)
    await asyncio.sleep(index * 0.02)
    _, state = await conn.request("POST", "/api/sessions", {"layers": [2, 8, 8, 1],
                                                           "dataset": {"name": "circles", "n": 500}})
    path = f"/api/sessions/{state['id']}"
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        for action in ("forward", "backward", "step"):
            await asyncio.sleep(0.3 + (index % 7) * 0.05)
            started = time.monotonic()
            status, _ = await conn.request("POST", f"{path}/{action}")
            latencies.append(time.monotonic() - started)
            if status != 200:
                errors.append(status)
    conn.close()


def test_a_class_with_learners_on_play_and_learners_clicking(server):
    """20 on Play at speed 5 beside 60 clicking, for 6 s: the clicks stay quick (p99 10-50 ms
    on a quiet 2-core machine, under 200 ms with other work on it; 280 ms and more before the
    compute thread) and the players share the compute fairly."""
    base = f"http://127.0.0.1:{server.port}"
    counts, latencies, errors = [0] * 20, [], []

    async def everyone():
        await asyncio.gather(*[play(base, 6, counts, i, errors) for i in range(20)],
                             *[click(base, 6, latencies, errors, i) for i in range(60)])
    asyncio.run(everyone())
    assert not errors
    assert len(latencies) > 400
    # 9-10 ms on a quiet machine; 2 s only catches a stall (a loaded CI machine once took the p99
    # to 1.35 s); the goal, p99 < 100 ms, lives in benchmarks/classroom.py
    assert percentile(latencies, 99) < 2.0, f"clicks p99 {percentile(latencies, 99) * 1e3:.0f} ms"
    assert min(counts) >= 0.5 * max(counts), counts
    print(f"clicks p99 {percentile(latencies, 99) * 1e3:.0f} ms, players {min(counts)}-{max(counts)} steps")


def test_the_work_of_a_session_on_play_waits_behind_clicks():
    """A session that trained lately is on Play: its other work (the pictures the page fetches
    between trains) starts in the bulk queue, so a class's clicks do not queue behind thirty
    players' pictures (they were interactive work, and a click's p99 went to the queue)."""
    import asyncio

    from app.sessions.compute import Scheduler

    async def scenario():
        scheduler, order = Scheduler(), []

        def slow(job, name):
            time.sleep(0.01)
            order.append(name)

        pictures = [asyncio.create_task(scheduler.run(slow, f"pictures {k}", bulk=True)) for k in range(5)]
        await asyncio.sleep(0)
        click = asyncio.create_task(scheduler.run(slow, "click"))
        await asyncio.gather(click, *pictures)
        return order

    order = asyncio.run(scenario())
    assert order.index("click") <= 1, order        # at most the one picture already at work before it


def test_a_players_train_behind_a_busy_compute_thread_says_it_waited():
    """Two learners on Play with a big network: each one's train shares the compute thread with
    the other's, and its reply's `waited` (the page's "Play is slowed by a busy server") says so."""
    with live_process() as server:
        ids = [server.session(**BIG) for _ in range(2)]
        for sid in ids:                               # a first train marks each session as playing
            assert server.call("POST", f"/api/sessions/{sid}/train", {"steps": 1})[0] == 200
        threads = [in_background(lambda sid=sid: server.call("POST", f"/api/sessions/{sid}/train", {"steps": 300}))
                   for sid in ids]
        for thread, _ in threads:
            thread.join(120)
        replies = [out["result"][2] for _, out in threads]
        assert all(reply["steps_run"] == 300 for reply in replies)
        assert max(reply["waited"] for reply in replies) > 0.05, [reply["waited"] for reply in replies]
