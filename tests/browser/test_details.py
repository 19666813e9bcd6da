"""The page's finer points: names for screen readers, narrow windows, softmax, minibatches, reset."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import api_state, click_edge, run, session_id, train

pytestmark = pytest.mark.browser

NAMELESS = """() => {
  const named = (el) => {
    if (el.getAttribute("aria-label")) return true;
    const by = el.getAttribute("aria-labelledby");
    if (by && by.split(/\\s+/).some((id) => document.getElementById(id)?.textContent.trim())) return true;
    if (el.labels && [...el.labels].some((l) => l.textContent.trim())) return true;
    if (["BUTTON", "OPTION"].includes(el.tagName) && el.textContent.trim()) return true;
    return false;
  };
  return [...document.querySelectorAll("button, input, select, textarea, [role=button], canvas")]
    .filter((el) => !el.closest("[hidden]") && !el.closest("[aria-hidden=true]") && !named(el))
    .map((el) => el.outerHTML.slice(0, 120));
}"""


def test_every_control_has_a_name_for_screen_readers(app):
    run(app, "forward", "forward")
    app.click('[data-node="1-1"]')
    assert app.evaluate(NAMELESS) == []
    expect(app.get_by_role("button", name=re.compile("Forward"))).to_have_count(1)
    expect(app.get_by_role("spinbutton", name="Learning rate")).to_have_count(1)
    expect(app.get_by_role("combobox", name="activation of hidden layer 1")).to_have_count(1)


def test_a_narrow_window_stacks_the_page_without_sideways_scrolling(app):
    hint = app.locator("[data-role=scroll-hint]")
    expect(hint).to_be_hidden()                                   # 1280 wide: the network fits
    app.set_viewport_size({"width": 420, "height": 900})
    app.wait_for_timeout(100)
    assert app.evaluate("document.documentElement.scrollWidth") <= 420
    expect(hint).to_be_hidden()                 # the 2-4-1 network is whole on a phone
    run(app, "forward", "forward")
    expect(app.locator("[data-role=data-plot]")).to_be_visible()
    # a weight tapped on a phone opens its panel below the network: the page goes to it
    app.evaluate("window.scrollTo(0, 0)")
    click_edge(app, "1-0-0")
    chain = app.locator("[data-role=chain]")
    expect(chain).to_be_visible()
    assert chain.evaluate("el => el.getBoundingClientRect().top") < 900
    # a network too wide for a phone scrolls sideways on purpose, and says so
    app.select_option("#presets", "batch-norm")
    expect(app.locator("[data-role=lesson-title]")).to_contain_text("Batch norm")
    expect(hint).to_be_visible()
    assert app.evaluate("document.documentElement.scrollWidth") <= 420


def test_the_first_tab_offers_a_way_straight_to_the_drive_bar(app):
    app.set_viewport_size({"width": 420, "height": 900})
    app.evaluate("document.activeElement.blur()")
    app.keyboard.press("Tab")
    skip = app.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    app.keyboard.press("Enter")
    app.keyboard.press("Tab")
    expect(app.locator("[data-action=forward]")).to_be_focused()


def test_softmax_with_cross_entropy_shows_the_fused_gradient(app):
    app.select_option("#dataset", "blobs")
    expect(app.locator("[data-node]")).to_have_count(2 + 4 + 3)
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    click_edge(app, "2-0-1")
    chain = app.locator("[data-role=chain]")
    expect(chain).to_contain_text("softmax and cross-entropy together")
    assert float(chain.get_attribute("data-grad")) == api_state(app)["layers"][1]["dW"][0][1]
    app.click('[data-node="2-1"]')
    expect(app.locator("[data-role=node-panel]")).to_contain_text("collapse into a − y")


def test_a_sample_outside_the_minibatch_is_explained(app):
    app.fill("#batch-size", "10")
    app.press("#batch-size", "Enter")
    expect(app.locator("[data-role=status]")).to_contain_text("batch size: all points → 10")
    expect(app.locator("#data-caption")).to_contain_text("each Forward draws a minibatch of 10 points")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    expect(app.locator("#data-caption")).to_contain_text("faded points are not in the current minibatch")
    batch = app.request.get(f"/api/sessions/{session_id(app)}/batch").json()["indices"]
    assert len(batch) == 10
    if 0 not in batch:     # the page moves on to the batch's first sample by itself: wait for it
        expect(app.locator("#sample-index")).to_have_value(str(batch[0] + 1))     # people count from 1
    outside = next(n for n in range(200) if n not in batch)
    app.fill("#sample-index", str(outside + 1))
    app.press("#sample-index", "Enter")
    expect(app.locator("#data-caption")).to_contain_text(f"sample #{outside + 1} (not in this minibatch)")
    click_edge(app, "2-0-0")
    chain = app.locator("[data-role=chain]")
    expect(chain).to_contain_text("not in the current minibatch")
    assert float(chain.get_attribute("data-grad")) == api_state(app)["layers"][1]["dW"][0][0]
    follow = chain.locator("[data-action=follow-in-batch]")
    expect(follow).to_have_text(f"Follow sample #{min(batch) + 1}, which is in this minibatch")
    follow.click()                               # the chain of a sample the step does use
    expect(app.locator("#data-caption")).to_contain_text(f"ringed: sample #{min(batch) + 1}")
    expect(chain).to_contain_text("Over the batch (n = 10)")


def test_enter_on_the_sample_shown_keeps_it_after_a_forward(app):
    """After a Forward the page moves by itself to the minibatch's first sample when the followed
    one is not in the batch; a learner who presses Enter on the sample shown while the page is
    still fetching the batch has picked it, and the page stays on it."""
    app.fill("#batch-size", "10")
    app.press("#batch-size", "Enter")
    expect(app.locator("#data-caption")).to_contain_text("each Forward draws a minibatch of 10 points")
    config = {k: v for k, v in api_state(app)["config"].items() if k != "task"}
    twin = app.request.post("/api/sessions", data=config).json()["id"]     # the same next batch
    app.request.post(f"/api/sessions/{twin}/forward")
    coming = app.request.get(f"/api/sessions/{twin}/batch").json()["indices"]
    assert 0 not in coming and app.locator("#sample-index").input_value() == "1"
    held = []
    app.route("**/api/sessions/*/batch?*", lambda route: held.append(route))   # the page's batch answer waits
    run(app, "forward", "forward")
    while not held:
        app.wait_for_timeout(20)
    app.press("#sample-index", "Enter")                     # the sample shown, #1: no change event
    expect(app.locator("[data-role=status]")).to_contain_text("Following sample #1")
    for route in held:
        route.continue_()
    app.unroute("**/api/sessions/*/batch?*")
    expect(app.locator("#data-caption")).to_contain_text("faded points are not in the current minibatch")
    app.wait_for_timeout(500)                               # the page's own move would have come by now
    expect(app.locator("#sample-index")).to_have_value("1")
    expect(app.locator("#data-caption")).to_contain_text("sample #1 (not in this minibatch)")


def test_reset_during_play_stops_and_goes_back_to_the_start(app):
    app.click("[data-action=play]")
    expect(app.locator("body")).not_to_have_attribute("data-step", "0")
    app.keyboard.press("r")
    expect(app.locator("[data-action=play]")).to_have_attribute("aria-pressed", "false")
    expect(app.locator("body")).to_have_attribute("data-step", "0")
    expect(app.locator("body")).to_have_attribute("data-phase", "fresh")
    app.wait_for_timeout(400)
    assert api_state(app)["step"] == 0


def test_nodes_and_weights_open_from_the_keyboard(app):
    run(app, "forward", "forward")
    app.focus('[data-node="1-2"]')
    app.keyboard.press("Enter")
    expect(app.locator("[data-role=node-panel]")).to_have_attribute("data-node", "1-2")
    app.get_by_role("button", name=re.compile("^from x₁")).click()
    expect(app.locator("[data-role=chain]")).to_have_attribute("data-edge", "1-0-2")
    app.focus('[data-edge="2-3-0"]')
    app.keyboard.press(" ")
    expect(app.locator("[data-role=chain]")).to_have_attribute("data-edge", "2-3-0")
    expect(app.locator("[data-action=play]")).to_have_attribute("aria-pressed", "false")


FITS = """() => {
  // every node's value shown inside its circle, and the loss inside its box, as drawn
  const inside = (inner, outer) => inner.left >= outer.left - 0.5 && inner.right <= outer.right + 0.5;
  const bad = [];
  for (const g of document.querySelectorAll("#network [data-node]")) {
    const text = g.querySelector(".value"), circle = g.querySelector("circle");
    if (!text.getClientRects().length) continue;          // a dot shows no value (its panel does)
    if (!inside(text.getBoundingClientRect(), circle.getBoundingClientRect())) bad.push(text.textContent);
  }
  const loss = document.querySelector("[data-role=loss-node]");
  if (!inside(loss.querySelector("text").getBoundingClientRect(), loss.querySelector("rect").getBoundingClientRect())) {
    bad.push(loss.querySelector("text").textContent);
  }
  return bad;
}"""


def test_tiny_and_huge_numbers_stay_inside_their_shapes(app):
    app.select_option("#dataset", "blobs")            # softmax outputs near 0: 1e−9 and the like
    expect(app.locator("[data-node]")).to_have_count(2 + 4 + 3)
    app.fill("#lr", "2")
    app.press("#lr", "Enter")
    expect(app.locator("[data-role=status]")).to_contain_text("learning rate: 0.3 → 2")
    train(app, 3000)
    run(app, "forward", "forward")
    values = app.locator("#network [data-node] .value").all_text_contents()
    assert any("e−" in v for v in values), values       # some really are tiny
    assert app.evaluate(FITS) == []
