"""A class at once: learners on Play beside learners clicking, on one server.

"Now everybody press Play": PLAYERS learners hold Play at speed 5 (as the page does: a train of
100 steps, then GET /predictions for the pictures, again and again, no pause) while CLICKERS
others click Forward, Backward, Step with 0.5-1.5 s of thought between clicks. Every learner has
a 2-8-8-1 net on 500 circles points. Measured in one run, each on a fresh server:

- alone: one learner on Play with nobody else, for its steps/s;
- the class: the clickers' latency (p50 / p99 / max), each player's steps/s (the slowest
  against the fastest: fairness), and the players' total steps/s against the learner alone.

Targets: clicks p99 < 100 ms; the slowest player gets at least half the fastest's steps/s; the
class trains at least 80 % of the steps/s of one learner alone.

    python -m benchmarks.classroom [--quick] [--seconds S] [--players 30] [--clickers 100]
"""
import asyncio
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from benchmarks.load import Connection, Recorder  # noqa: E402
from benchmarks.proc import cpu_seconds  # noqa: E402
from benchmarks.report import arguments, figure, percentile, write_figures  # noqa: E402
from benchmarks.server import serve  # noqa: E402

CONFIG = {"layers": [2, 8, 8, 1], "dataset": {"name": "circles", "n": 500}}
PLAY_STEPS = 100                 # speed 5 on the page: 100 steps per request, no pause
PICTURES = "/predictions?resolution=50&units=true&unit_resolution=16"
THINK = (0.5, 1.5)
RAMP = 3.0
TARGET_P99_MS, TARGET_FAIRNESS, TARGET_SHARE = 100.0, 0.5, 0.8
SEED = 11


async def player(base, recorder, start_at, stop_at, counts, index):
    """Play until stop_at; counts[index] = steps trained inside the measured window."""
    conn = Connection(base)
    state = await recorder.call(conn, "create", "POST", "/api/sessions", CONFIG)
    if state is None:
        return conn, None
    path = f"/api/sessions/{state['id']}"
    await asyncio.sleep(max(0.0, start_at - time.monotonic()))
    counts[index] = 0
    while time.monotonic() < stop_at:
        state = await recorder.call(conn, "train", "POST", f"{path}/train", {"steps": PLAY_STEPS})
        if state is None:
            break
        if time.monotonic() <= stop_at:
            counts[index] += state["steps_run"]
        if await recorder.call(conn, "pictures", "GET", path + PICTURES) is None:
            break
    return conn, path


async def clicker(base, recorder, index, stop_at):
    rng = random.Random(SEED * 7919 + index)
    conn = Connection(base)
    await asyncio.sleep(rng.uniform(0, RAMP))
    state = await recorder.call(conn, "create", "POST", "/api/sessions", CONFIG)
    if state is None:
        return conn, None
    path = f"/api/sessions/{state['id']}"
    while True:
        for action in ("forward", "backward", "step"):
            await asyncio.sleep(rng.uniform(*THINK))
            if time.monotonic() >= stop_at:
                return conn, path
            if await recorder.call(conn, "click", "POST", f"{path}/{action}") is None:
                return conn, path


async def run_class(base, players, clickers, seconds):
    recorder = Recorder()
    start_at = time.monotonic() + RAMP       # players start together, once the clickers are in
    stop_at = start_at + seconds
    counts = [0] * players
    tasks = [asyncio.create_task(player(base, recorder, start_at, stop_at, counts, i)) for i in range(players)]
    tasks += [asyncio.create_task(clicker(base, recorder, i, stop_at)) for i in range(clickers)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            recorder.errors[f"learner crashed: {result!r}"] += 1
            continue
        conn, path = result
        if path is not None:
            try:
                await asyncio.wait_for(conn.request("DELETE", path), 30)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                pass
        conn.close()
    return recorder, [c / seconds for c in counts]


def measure(players, clickers, seconds, **serving):
    """(recorder, each player's steps/s, server CPU) for a fresh server (serve()'s options)."""
    with serve(log_level="warning", **serving) as server:
        cpu0 = cpu_seconds(server.pid)
        recorder, rates = asyncio.run(run_class(server.base, players, clickers, seconds))
        cpu = (cpu_seconds(server.pid) - cpu0) / (seconds + RAMP)
    return recorder, rates, cpu


def main():
    args = arguments(__doc__.split("\n")[0],
                     seconds=(float, None, "seconds of Play measured (default 20, quick 8)"),
                     players=(int, 30, "learners on Play"),
                     clickers=(int, 100, "learners clicking Forward, Backward, Step"))
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    print(f"Classroom: {args.players} on Play (train {PLAY_STEPS} + pictures, back to back) and "
          f"{args.clickers} clicking ({THINK[0]:g}-{THINK[1]:g} s of thought), "
          f"{'-'.join(map(str, CONFIG['layers']))} on {CONFIG['dataset']['n']} circles points; "
          f"{seconds:g} s each, fresh server each, {os.cpu_count()} CPUs")
    alone_rec, alone_rates, alone_cpu = measure(1, 0, seconds)
    alone = alone_rates[0]
    print(f"  one learner alone on Play: {alone:.0f} steps/s (server CPU {alone_cpu:.0%})")
    recorder, rates, cpu = measure(args.players, args.clickers, seconds)
    clicks = recorder.latency["click"]
    total, slowest, fastest = sum(rates), min(rates), max(rates)
    errors = sum(recorder.errors.values()) + sum(alone_rec.errors.values())
    p50, p99, worst = percentile(clicks, 50), percentile(clicks, 99), max(clicks, default=float("nan"))
    print(f"  the class: clicks {len(clicks)}, p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, "
          f"max {worst * 1e3:.1f} ms; errors {errors}; server CPU {cpu:.0%}")
    print(f"  players: total {total:.0f} steps/s ({total / alone:.0%} of one alone), each "
          f"{slowest:.0f}-{fastest:.0f} steps/s (slowest/fastest {slowest / fastest:.2f})")
    stages = recorder.stages["click"]
    print("  where a click's time went (Server-Timing, and the rest): " + "; ".join(
        f"{stage} p50 {percentile(times, 50) * 1e3:.2f} / p99 {percentile(times, 99) * 1e3:.2f} ms"
        for stage, times in stages.items()))
    slow = sorted(range(len(clicks)), key=lambda k: clicks[k])[-max(1, len(clicks) // 100):]   # the slowest 1 %
    print("  the slowest 1 % of clicks, on average: " + "; ".join(
        f"{stage} {sum(times[k] for k in slow) / len(slow) * 1e3:.2f} ms" for stage, times in stages.items()
        if len(times) == len(clicks)))
    for action in ("train", "pictures", "create"):
        values = recorder.latency[action]
        if values:
            print(f"  {action}: {len(values)}x, p50 {percentile(values, 50) * 1e3:.1f} ms, "
                  f"p99 {percentile(values, 99) * 1e3:.1f} ms")
    for kind, count in {**alone_rec.errors, **recorder.errors}.items():
        print(f"    error {kind}: {count}")
    write_figures(args.json, [
        figure(f"class ({args.clickers} clicking, {args.players} on Play): clicks p50 / p99 ms",
               f"{p50 * 1e3:.1f} / {p99 * 1e3:.1f}", f"p99 < {TARGET_P99_MS:g} ms, 0 errors",
               p99 * 1e3 < TARGET_P99_MS and errors == 0),
        figure("class: slowest / fastest player's steps/s", f"{slowest / fastest:.2f}",
               f">= {TARGET_FAIRNESS:g}", slowest / fastest >= TARGET_FAIRNESS),
        figure("class: players' total steps/s / one learner alone", f"{total / alone:.2f}x "
               f"({total:.0f} / {alone:.0f})", f">= {TARGET_SHARE:g}x", total / alone >= TARGET_SHARE),
    ])


if __name__ == "__main__":
    main()
