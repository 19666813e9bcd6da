"""The keyboard and screen readers: the network one Tab stop with arrow keys inside, a focus
like nothing else in the drawing, a panel that says it opened and offers its actions first, and
a click that opens the line under the pointer (issue 33)."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import run

pytestmark = pytest.mark.browser

FOCUSED = """() => {
  const el = document.activeElement;
  const hit = el && el.querySelector && el.querySelector(".hit");
  return {node: el.dataset.node ?? null, edge: el.dataset.edge ?? null,
          fill: hit ? getComputedStyle(hit).fill : null, stroke: hit ? getComputedStyle(hit).stroke : null};
}"""


def test_the_network_is_one_tab_stop_with_a_focus_of_its_own(app, errors):
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    run(app, "backward", "backward")                 # halos on: purple dW > 0 must not look like focus
    assert app.locator('#network [tabindex="0"]').count() == 1
    app.locator("[data-action=reset]").focus()
    app.keyboard.press("Tab")
    app.keyboard.press("Shift+Tab")
    # from the control before the network, one Tab in, one Tab out
    stops = app.evaluate("""() => [...document.querySelectorAll('#network [tabindex]')].filter((e) => e.tabIndex === 0).length""")
    assert stops == 1
    app.locator('#network [tabindex="0"]').focus()
    app.keyboard.press("ArrowRight")                  # to the first weight out of x₁
    focused = app.evaluate(FOCUSED)
    assert focused["edge"] == "1-0-0"
    assert focused["fill"] == "rgb(255, 212, 59)" and focused["stroke"] == "rgb(0, 0, 0)"     # yellow and black
    app.keyboard.press("ArrowDown")
    assert app.evaluate(FOCUSED)["edge"] == "1-0-1"
    app.keyboard.press("ArrowRight")                  # to that weight's unit
    assert app.evaluate(FOCUSED)["node"] == "1-1"
    app.keyboard.press("Tab")
    assert app.evaluate("document.getElementById('network').contains(document.activeElement)") is False
    assert errors == []


def test_a_panel_opened_from_the_keyboard_is_announced_and_its_actions_come_first(app, errors):
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    app.locator('#network [tabindex="0"]').focus()
    app.keyboard.press("ArrowRight")
    app.keyboard.press("Enter")
    heading = app.locator("[data-role=chain] h2")
    expect(heading).to_be_focused()                   # a screen reader reads it
    expect(heading).to_contain_text("Weight from x₁ to h₁₁")
    app.keyboard.press("Tab")
    expect(app.get_by_role("button", name="Check it with finite differences")).to_be_focused()
    app.keyboard.press("Enter")
    expect(app.locator("[data-role=gradcheck]")).to_contain_text("agree")
    app.keyboard.press("Escape")                      # closed: back to where the learner was
    expect(app.locator("[data-role=guide]")).to_be_visible()
    assert app.evaluate("document.activeElement.dataset.edge") == "1-0-0"
    assert errors == []


def test_a_click_on_a_line_opens_that_line(page, errors):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_default_timeout(10000)
    page.emulate_media(reduced_motion="reduce")
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.select_option("#presets", "softmax-3-class")
    expect(page.locator("[data-role=lesson-title]")).to_contain_text("softmax")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    middle = page.evaluate("""() => {
      // a point on h₁₁ → ŷ₂ near its middle where another weight's band is on top (the old
      // click opened that one), that other line 3 px or more away (not a crossing)
      const p = document.querySelector('[data-edge="2-0-1"] .w'), m = p.getScreenCTM();
      const screen = (q) => [m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f];
      for (let t = 0.3; t <= 0.7; t += 0.01) {
        const [x, y] = screen(p.getPointAtLength(t * p.getTotalLength())).map(Math.round);
        const top = document.elementFromPoint(x, y).closest("[data-edge]");
        if (!top || top.dataset.edge === "2-0-1") continue;
        const other = top.querySelector(".w"), n = other.getTotalLength();
        let near = Infinity;
        for (let k = 0; k <= 400; k++) {
          const [ox, oy] = screen(other.getPointAtLength((k / 400) * n));
          near = Math.min(near, Math.hypot(ox - x, oy - y));
        }
        if (near >= 3) return [x, y, top.dataset.edge];
      }
      return null;
    }""")
    assert middle, "no point of h₁₁ → ŷ₂ under another weight's band"
    page.mouse.click(middle[0], middle[1])            # on h₁₁ → ŷ₂, under the band of another
    expect(page.locator("[data-role=chain]")).to_have_attribute("data-edge", "2-0-1")
    expect(page.locator("[data-role=chain] h2")).to_contain_text("Weight from h₁₁ to ŷ₂")
    assert errors == []
