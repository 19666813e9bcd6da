"""How smooth Play is, for each kind of view: requestAnimationFrame's rate and the training steps
the page plays per second over 4 s of Play at the default speed (5 steps a tick), in Debian's
Chromium (headless, 1280x800), and the share of those 4 s the page's main thread spent in long
tasks (over 50 ms). Three presets: spiral (the dense network's SVG, 2-16-16-1), conv-bars (the
conv view) and attention-reverse (the attention view: its heatmaps, drawn each tick from the
page's own forward of the followed sequence).

Target: at least 50 frames a second on this 2-core machine, 60 the goal; the attention view at
least 30 steps a second besides (printed, not asserted by the tests).

    python -m benchmarks.page_fps [--quick]
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout, no install
from benchmarks.report import arguments, figure, write_figures  # noqa: E402

MEASURE = """async (ms) => {
  let frames = 0, long = 0;
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long += e.duration; });
  observer.observe({ entryTypes: ["longtask"] });
  const step0 = Number(document.body.dataset.step);
  const start = performance.now();
  await new Promise((done) => {
    const tick = (t) => { frames += 1; if (t - start < ms) requestAnimationFrame(tick); else done(); };
    requestAnimationFrame(tick);
  });
  observer.disconnect();
  const seconds = (performance.now() - start) / 1000;
  const steps = Number(document.body.dataset.step) - step0;
  return { fps: frames / seconds, long: long / 1000 / seconds, steps: steps / seconds };
}"""

# (preset, its lesson's title begins, what it is, the steps a second it must reach or None)
CASES = (("spiral", "Spiral", "spiral (2-16-16-1)", None),
         ("conv-bars", "Convolution", "conv-bars (4 kernels 3×3, max pool, sigmoid)", None),
         ("attention-reverse", "Attention", "attention-reverse (T 5, d_k = d_v = 8, softmax per position)", 30))


def median(values):
    return sorted(values)[len(values) // 2]


def play(page, runs):
    """`runs` measures of 4 s of Play, each from a paused page"""
    results = []
    for _ in range(runs):
        page.click("[data-action=play]")
        time.sleep(0.5)
        results.append(page.evaluate(MEASURE, 4000))
        page.click("[data-action=play]")
        time.sleep(0.5)
    return results


def main():
    args = arguments(__doc__.split("\n")[0])
    from playwright.sync_api import expect, sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
    from tests.live import live_server
    runs = 1 if args.quick else 3
    figures = []
    with live_server() as live, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(live.url + "/")
        expect(page.locator("body")).not_to_have_attribute("data-session", "")
        for preset, title, what, least_steps in CASES:
            page.select_option("#presets", preset)
            expect(page.locator("[data-role=lesson-title]")).to_contain_text(title)
            time.sleep(1)
            results = play(page, runs)
            fps, long, steps = (median([r[k] for r in results]) for k in ("fps", "long", "steps"))
            each = ", ".join(f"{r['fps']:.1f}" for r in results)
            print(f"Play on {what}, default speed, 4 s x {runs}: {fps:.1f} frames/s (median; {each}), "
                  f"{steps:.1f} steps/s, long tasks {long:.0%} of the time")
            figures.append(figure(f"Play on {preset}: frames/s (rAF), steps/s, long tasks",
                                  f"{fps:.0f}, {steps:.0f}, {long:.0%}",
                                  ">= 50 fps" + (f", >= {least_steps} steps/s" if least_steps else ""),
                                  fps >= 50 and (least_steps is None or steps >= least_steps)))
        browser.close()
    write_figures(args.json, figures)


if __name__ == "__main__":
    main()
