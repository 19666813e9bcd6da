"""A teacher watching the class: 200 learners joined by code, 60 of them clicking, the teacher's
view polled every second.

A teacher creates a class on a lesson (xor, 2-4-1 with a predict exercise); LEARNERS learners join
it (each a keep-alive connection, as a browser tab), and every learner's page polls the lesson
every 1.5 s, as the page does to offer a new one. CLICKERS of them click Forward, Backward, Step
with 0.5-1.5 s of thought, and predict their weight's dW once after each Backward. The teacher's
page asks for the class's view (GET /api/classes/{code}) every second. Measured on one process in
memory, and on `--workers 2` with Redis (when redis-server is there):

- the clicks' latency (p50 / p99): target p99 < 100 ms, no errors;
- the teacher's view: its latency and its size (under 256 KB for 200 learners);
- how soon a learner's action shows in the teacher's view (target: within 2 s): from the
  learner's reply to the first view that shows their new phase.

    python -m benchmarks.teacher_view [--quick] [--seconds S] [--learners 200] [--clickers 60]
"""
import asyncio
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from benchmarks.load import Connection, Recorder  # noqa: E402
from benchmarks.report import arguments, figure, percentile, write_figures  # noqa: E402
from benchmarks.server import serve  # noqa: E402
from benchmarks.sessions_in_redis import start_redis  # noqa: E402

LESSON = {"title": "XOR by hand", "config": {"dataset": {"name": "xor", "n": 200}, "layers": [2, 4, 1]},
          "teacher": {"predict": {"layer": 1, "i": 0, "j": 0}}}
THINK = (0.5, 1.5)
LESSON_POLL, VIEW_POLL = 1.5, 1.0        # seconds, as the pages poll
RAMP = 3.0
TARGET_P99_MS, TARGET_SEEN_S, TARGET_VIEW_KB = 100.0, 2.0, 256
SEED = 13


class Class:
    """What the learners did last ({name: (phase, replied at)}) and how soon the view showed it."""

    def __init__(self):
        self.last = {}
        self.seen_after = []
        self.view_bytes = []


async def learner(base, recorder, room, code, index, clicks, stop_at):
    rng = random.Random(SEED * 7919 + index)
    conn = Connection(base)
    await asyncio.sleep(rng.uniform(0, RAMP))
    joined = await recorder.call(conn, "join", "POST", f"/api/classes/{code}/join", {"name": f"learner {index}"})
    if joined is None:
        return conn, None
    name, path = joined["name"], f"/api/sessions/{joined['session']}"
    poll = asyncio.create_task(poll_lesson(base, recorder, code, rng, stop_at))
    while clicks and time.monotonic() < stop_at:
        for action in ("forward", "backward", "step"):
            await asyncio.sleep(rng.uniform(*THINK))
            if time.monotonic() >= stop_at:
                break
            state = await recorder.call(conn, "click", "POST", f"{path}/{action}")
            if state is None:
                break
            room.last[name] = (state["phase"], time.monotonic())
            if action == "backward":
                guess = {"layer": 1, "i": 0, "j": 0, "value": rng.uniform(-0.05, 0.05)}
                if await recorder.call(conn, "predict", "POST", f"{path}/predict", guess) is None:
                    break
    await poll
    return conn, path


async def poll_lesson(base, recorder, code, rng, stop_at):
    """The page's poll for a new lesson, on a connection of its own (as a browser's fetch may)."""
    conn = Connection(base)
    await asyncio.sleep(rng.uniform(0, LESSON_POLL))
    while time.monotonic() < stop_at:
        if await recorder.call(conn, "lesson", "GET", f"/api/classes/{code}/lesson") is None:
            break
        await asyncio.sleep(LESSON_POLL)
    conn.close()


async def teacher(base, recorder, room, code, key, stop_at):
    conn = Connection(base)
    shown = {}                       # name -> the replied-at time of the action already seen
    while time.monotonic() < stop_at:
        view = await recorder.call(conn, "view", "GET", f"/api/classes/{code}", headers=key)
        if view is None:
            break
        now = time.monotonic()
        room.view_bytes.append(conn.last_size)
        for entry in view["learners"]:
            last = room.last.get(entry["name"])
            if last and entry["phase"] == last[0] and shown.get(entry["name"]) != last[1]:
                shown[entry["name"]] = last[1]
                room.seen_after.append(now - last[1])
        await asyncio.sleep(max(0.0, VIEW_POLL - (time.monotonic() - now)))
    conn.close()


async def run_class(base, learners, clickers, seconds):
    recorder, room = Recorder(), Class()
    conn = Connection(base)
    made = await recorder.call(conn, "create", "POST", "/api/classes", {"title": "Benchmark", "lesson": LESSON})
    conn.close()
    code, key = made["code"], {"Authorization": f"Bearer {made['teacher_key']}"}
    stop_at = time.monotonic() + RAMP + seconds
    tasks = [asyncio.create_task(learner(base, recorder, room, code, i, i < clickers, stop_at)) for i in range(learners)]
    watch = asyncio.create_task(teacher(base, recorder, room, code, key, stop_at))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    await watch
    for result in results:
        if isinstance(result, BaseException):
            recorder.errors[f"learner crashed: {result!r}"] += 1
        else:
            result[0].close()
    conn = Connection(base)
    await conn.request("DELETE", f"/api/classes/{code}", headers=key)
    conn.close()
    return recorder, room


def measure(learners, clickers, seconds, **serving):
    with serve(log_level="warning", **serving) as server:
        return asyncio.run(run_class(server.base, learners, clickers, seconds))


def report(label, recorder, room):
    clicks, views = recorder.latency["click"], recorder.latency["view"]
    errors = sum(recorder.errors.values())
    p99, seen = percentile(clicks, 99), percentile(room.seen_after, 99)
    size = max(room.view_bytes, default=0) / 1024
    print(f"  {label}: clicks {len(clicks)}, p50 {percentile(clicks, 50) * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms; "
          f"teacher's view {len(views)}x, p50 {percentile(views, 50) * 1e3:.1f} ms, p99 {percentile(views, 99) * 1e3:.1f} ms, "
          f"{size:.0f} KB; an action seen after p50 {percentile(room.seen_after, 50):.2f} s, p99 {seen:.2f} s; errors {errors}")
    for action in ("join", "predict", "lesson"):
        values = recorder.latency[action]
        if values:
            print(f"    {action}: {len(values)}x, p50 {percentile(values, 50) * 1e3:.1f} ms, p99 {percentile(values, 99) * 1e3:.1f} ms")
    for kind, count in recorder.errors.items():
        print(f"    error {kind}: {count}")
    return [
        figure(f"teacher's class, {label}: clicks p50 / p99 ms",
               f"{percentile(clicks, 50) * 1e3:.1f} / {p99 * 1e3:.1f}", f"p99 < {TARGET_P99_MS:g} ms, 0 errors",
               p99 * 1e3 < TARGET_P99_MS and errors == 0),
        figure(f"teacher's class, {label}: an action in the view after (p99)", f"{seen:.2f} s",
               f"< {TARGET_SEEN_S:g} s", seen < TARGET_SEEN_S),
        figure(f"teacher's class, {label}: the view's size, p99 latency",
               f"{size:.0f} KB, {percentile(views, 99) * 1e3:.1f} ms", f"< {TARGET_VIEW_KB} KB", size < TARGET_VIEW_KB),
    ]


def main():
    args = arguments(__doc__.split("\n")[0],
                     seconds=(float, None, "seconds measured (default 20, quick 8)"),
                     learners=(int, 200, "learners joined"),
                     clickers=(int, 60, "of them, learners clicking Forward, Backward, Step"))
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    print(f"A teacher's class: {args.learners} joined, {args.clickers} clicking ({THINK[0]:g}-{THINK[1]:g} s of "
          f"thought), every page polling the lesson each {LESSON_POLL:g} s, the teacher's view each "
          f"{VIEW_POLL:g} s; {seconds:g} s, {os.cpu_count()} CPUs")
    figures = report("one process", *measure(args.learners, args.clickers, seconds))
    if shutil.which("redis-server"):
        with tempfile.TemporaryDirectory() as folder:
            redis_process, url = start_redis(folder)
            try:
                figures += report("--workers 2 + Redis", *measure(args.learners, args.clickers, seconds,
                                                                 extra_args=["--workers", "2"], settings={"redis_url": url}))
            finally:
                redis_process.terminate()
                redis_process.wait()
    else:
        print("  (no redis-server: the --workers 2 + Redis run is left out)")
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
