"""A class at once: learners on Play beside learners clicking, on one server.

"Now everybody press Play": PLAYERS learners hold Play at speed 5 (as the page does: a train of
100 steps, then GET /predictions for the pictures, again and again, no pause) while CLICKERS
others click Forward, Backward, Step with 0.5-1.5 s of thought between clicks. The clickers and
two thirds of the players have a 2-8-8-1 net on 500 circles points; a third of the players
(--conv-players) the conv-bars preset's CNN (a CNN's page fetches no pictures: its train's state
is what it draws). Measured in one run, each on a fresh server:

- alone: one learner on Play with nobody else, for its steps/s, of each kind;
- the class: the clickers' latency (p50 / p99 / max); each player's share, their steps/s against
  one learner of their kind alone (the smallest share against the largest: fairness), and the
  players' shares summed (the class's work against one learner alone).

Targets: clicks p99 < 50 ms; the smallest player's share at least half the largest's; the
players' shares sum to at least 0.6.

    python -m benchmarks.classroom [--quick] [--seconds S] [--players 30] [--clickers 100]
"""
import asyncio
import json
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
CONV = json.loads((Path(__file__).resolve().parent.parent / "app/scenarios/presets/10-conv-bars.json").read_text())["config"]
PLAY_STEPS = 100                 # speed 5 on the page: 100 steps per request, no pause
PICTURES = "/predictions?resolution=50&units=true&unit_resolution=16"
THINK = (0.5, 1.5)
RAMP = 3.0
TARGET_P99_MS, TARGET_FAIRNESS, TARGET_SHARE = 50.0, 0.5, 0.6     # issue 32's goal
SEED = 11


async def player(base, recorder, start_at, stop_at, counts, index, conv=False):
    """Play until stop_at; counts[index] = steps trained inside the measured window."""
    conn = Connection(base)
    state = await recorder.call(conn, "create", "POST", "/api/sessions", CONV if conv else CONFIG)
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
        if not conv and await recorder.call(conn, "pictures", "GET", path + PICTURES) is None:
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


async def run_class(base, players, clickers, seconds, conv_players=0):
    """(recorder, each player's steps/s); the last `conv_players` players are on the CNN."""
    recorder = Recorder()
    start_at = time.monotonic() + RAMP       # players start together, once the clickers are in
    stop_at = start_at + seconds
    counts = [0] * players
    tasks = [asyncio.create_task(player(base, recorder, start_at, stop_at, counts, i, i >= players - conv_players))
             for i in range(players)]
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


def measure(players, clickers, seconds, conv_players=0, **serving):
    """(recorder, each player's steps/s, server CPU) for a fresh server (serve()'s options)."""
    with serve(log_level="warning", **serving) as server:
        cpu0 = cpu_seconds(server.pid)
        recorder, rates = asyncio.run(run_class(server.base, players, clickers, seconds, conv_players))
        cpu = (cpu_seconds(server.pid) - cpu0) / (seconds + RAMP)
    return recorder, rates, cpu


def main():
    args = arguments(__doc__.split("\n")[0],
                     seconds=(float, None, "seconds of Play measured (default 20, quick 8)"),
                     players=(int, 30, "learners on Play"),
                     conv_players=(int, None, "of them, learners on the conv-bars CNN (default a third)"),
                     clickers=(int, 100, "learners clicking Forward, Backward, Step"))
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    convs = args.players // 3 if args.conv_players is None else args.conv_players
    print(f"Classroom: {args.players} on Play (train {PLAY_STEPS} + pictures, back to back; {convs} of them "
          f"on the conv-bars CNN) and {args.clickers} clicking ({THINK[0]:g}-{THINK[1]:g} s of thought), "
          f"{'-'.join(map(str, CONFIG['layers']))} on {CONFIG['dataset']['n']} circles points; "
          f"{seconds:g} s each, fresh server each, {os.cpu_count()} CPUs")
    alone_rec, alone_rates, alone_cpu = measure(1, 0, seconds)
    alone = {False: alone_rates[0]}
    print(f"  one learner alone on Play: {alone[False]:.0f} steps/s (server CPU {alone_cpu:.0%})")
    if convs:
        conv_rec, conv_rates, _ = measure(1, 0, seconds, conv_players=1)
        alone[True] = conv_rates[0]
        alone_rec.errors.update(conv_rec.errors)
        print(f"  one learner alone on Play on the CNN: {alone[True]:.0f} steps/s")
    recorder, rates, cpu = measure(args.players, args.clickers, seconds, conv_players=convs)
    # each player's share of a learner of their kind alone: the CNN's steps cost more
    shares = [rate / alone[k >= args.players - convs] for k, rate in enumerate(rates)]
    clicks = recorder.latency["click"]
    total, smallest, largest = sum(shares), min(shares), max(shares)
    errors = sum(recorder.errors.values()) + sum(alone_rec.errors.values())
    p50, p99, worst = percentile(clicks, 50), percentile(clicks, 99), max(clicks, default=float("nan"))
    print(f"  the class: clicks {len(clicks)}, p50 {p50 * 1e3:.1f} ms, p99 {p99 * 1e3:.1f} ms, "
          f"max {worst * 1e3:.1f} ms; errors {errors}; server CPU {cpu:.0%}")
    print(f"  players: {sum(rates[:args.players - convs]):.0f} steps/s on the dense net, {sum(rates[args.players - convs:]):.0f} "
          f"on the CNN; their shares of one learner alone sum to {total:.2f}; each {smallest:.3f}-{largest:.3f} "
          f"(smallest/largest {smallest / largest:.2f})")
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
        figure(f"class ({args.clickers} clicking, {args.players} on Play, {convs} on a CNN): clicks p50 / p99 ms",
               f"{p50 * 1e3:.1f} / {p99 * 1e3:.1f}", f"p99 < {TARGET_P99_MS:g} ms, 0 errors",
               p99 * 1e3 < TARGET_P99_MS and errors == 0),
        figure("class: smallest / largest player's share", f"{smallest / largest:.2f}",
               f">= {TARGET_FAIRNESS:g}", smallest / largest >= TARGET_FAIRNESS),
        figure("class: players' shares of one learner alone, summed", f"{total:.2f}x",
               f">= {TARGET_SHARE:g}x", total >= TARGET_SHARE),
    ])


if __name__ == "__main__":
    main()
