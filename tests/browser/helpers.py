"""What the browser tests do again and again: drive the page as a learner would, and read it."""
import re
import time

from playwright.sync_api import expect

NETWORK = "#network"


def session_id(page):
    return page.evaluate("document.body.dataset.session")


def api_state(page, sample=0):
    """The session's state straight from the API."""
    response = page.request.get(f"/api/sessions/{session_id(page)}?sample={sample}")
    assert response.ok, response.text()
    return response.json()


def run(page, action, phase):
    """Click a Drive button and wait for the phase it leads to."""
    page.click(f"[data-action={action}]")
    expect(page.locator("body")).to_have_attribute("data-phase", phase)


def train(page, steps):
    """Train `steps` steps from step 0 with the Train button and wait until they are done."""
    page.fill("#train-steps", str(steps))
    page.click("[data-action=train]")
    expect(page.locator("body")).to_have_attribute("data-step", str(steps), timeout=30000)


EDGE_POINT = """(id) => {
  // a point of the weight's line that a click opens it at (no unit or other line over it there)
  const g = document.querySelector(`[data-edge="${id}"]`);
  const path = g.querySelector(".w");
  const matrix = path.getScreenCTM();
  const length = path.getTotalLength();
  const [L, i, j] = id.split("-").map(Number);
  for (const t of [0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9, 0.42, 0.58, 0.27, 0.73, 0.15, 0.85]) {
    const p = path.getPointAtLength(t * length);
    const x = matrix.a * p.x + matrix.c * p.y + matrix.e;
    const y = matrix.b * p.x + matrix.d * p.y + matrix.f;
    // a click's coordinates are whole pixels: the point must open the weight wherever it rounds to
    const opens = ([px, py]) => {
      const sel = window.manualgrad.network.itemAtPoint(px, py);
      return sel && sel.kind === "edge" && sel.L === L && sel.i === i && sel.j === j;
    };
    const whole = [Math.round(x), Math.round(y)];
    if ([whole, [Math.floor(x), Math.floor(y)], [x, y]].every(opens)) return whole;
  }
  return null;
}"""


def click_edge(page, edge):
    """Click weight `edge` ("L-i-j") where the learner could: on its own stretch of line."""
    page.locator(f'[data-edge="{edge}"]').scroll_into_view_if_needed()
    point = page.evaluate(EDGE_POINT, edge)
    assert point, f"weight {edge} is hidden under others everywhere"
    page.mouse.click(*point)


def drawing(page):
    return page.inner_html(NETWORK)


def open_link(page, code):
    page.set_default_timeout(8000)
    page.goto(f"/#s={code}")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))


def open_scenario(page, scenario):
    """Open the page on the link of `scenario` ({"config", "teacher", …}), as a teacher's link would."""
    response = page.request.post("/api/scenarios/encode", data=scenario)
    assert response.ok, response.text()
    open_link(page, response.json()["code"])


def wait_until(page, script, timeout=10.0):
    """Poll `script` (evaluated in the page) until it is truthy; the page's CSP forbids
    the eval that page.wait_for_function would need."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {script}")
        time.sleep(0.05)


SMALL_TEXT = """(least) => {
  // every visible text on the page smaller than `least` px, as it is drawn (an SVG text scaled)
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode;
    const el = t.parentElement;
    if (!t.textContent.trim() || !el || el.closest("[hidden], .visually-hidden, script, style, title, option")) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === "hidden" || !box.width || !box.height || Number(style.opacity) === 0) continue;
    let size = parseFloat(style.fontSize);
    if (el instanceof SVGElement && el.ownerSVGElement) {
      const m = el.getScreenCTM();
      size *= Math.hypot(m.a, m.b);
    }
    if (size < least - 0.05) out.push(`${t.textContent.trim().slice(0, 30)} (${size.toFixed(1)} px, ${el.tagName})`);
  }
  return out;
}"""


def small_text(page, least=11):
    """The visible texts under `least` px."""
    return page.evaluate(SMALL_TEXT, least)
