"""The inspector's formulas and matrices fit their panel: whole at 1280x800 and wider, broken at
their operators; on a phone a formula too wide even so scrolls in its own box (issue 33)."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import click_edge, run, wait_until

pytestmark = pytest.mark.browser

OVERFLOWING = """() => {
  // every formula and matrix box of the inspector that is wider than the panel shows, and
  // whether the keyboard can reach it to scroll
  const panel = document.getElementById("inspector").getBoundingClientRect();
  const out = [];
  for (const box of document.querySelectorAll("#inspector .fit-math, #inspector .matrix-scroll")) {
    const r = box.getBoundingClientRect();
    const wide = box.scrollWidth > box.clientWidth + 1 || r.right > panel.right + 1;
    if (wide) out.push({text: box.textContent.slice(0, 60), reachable: box.tabIndex === 0,
                        inside: r.right <= panel.right + 1});
  }
  return out;
}"""


def open_on(page, width, preset):
    page.set_viewport_size({"width": width, "height": 800 if width > 1100 else 900})
    page.set_default_timeout(10000)
    page.emulate_media(reduced_motion="reduce")
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.select_option("#presets", preset)
    wait_until(page, f"document.querySelector('[data-role=lesson-title]').textContent !== ''")
    wait_until(page, "document.body.dataset.phase === 'fresh'")
    run(page, "forward", "forward")
    run(page, "backward", "backward")


def fitted(page):
    page.wait_for_timeout(150)             # a frame for the fitting
    return page.evaluate(OVERFLOWING)


@pytest.mark.parametrize("width", [1280, 1920])
def test_every_formula_shows_whole_from_1280_wide(page, errors, width):
    open_on(page, width, "circles")                            # Adam: m̂, v̂ and Δw
    click_edge(page, "1-0-2")
    expect(page.locator("[data-role=optimizer-memory]")).to_be_visible()
    assert fitted(page) == []
    page.click("[data-role=matrix-view] summary")
    expect(page.locator("[data-matrix=dW]")).to_be_visible()
    assert fitted(page) == []
    open_on(page, width, "softmax-3-class")                    # the softmax Jacobian's sum
    click_edge(page, "2-0-1")
    expect(page.locator("[data-role=softmax-jacobian]")).to_be_visible()
    assert fitted(page) == []
    page.click('#network [data-node="2-1"]')
    expect(page.locator("[data-role=node-panel] [data-role=softmax-jacobian]")).to_be_visible()
    assert fitted(page) == []
    open_on(page, width, "batch-norm")                         # batch norm's three terms
    page.click('#network [data-node="1-0"]')
    expect(page.locator("[data-role=batch-norm-dz]")).to_be_visible()
    assert fitted(page) == []
    assert errors == []


def test_on_a_phone_a_formula_too_wide_scrolls_in_its_own_box(page, errors):
    open_on(page, 420, "circles")
    click_edge(page, "1-0-2")
    expect(page.locator("[data-role=optimizer-memory]")).to_be_visible()
    page.click("[data-role=matrix-view] summary")
    expect(page.locator("[data-matrix=dW]")).to_be_visible()
    for box in fitted(page):
        assert box["inside"] and box["reachable"], box                # scrolls, never cut by the panel
    # a formula broken into lines keeps its parts: the chain's result is still one number
    assert page.locator("[data-role=chain] math .result").count() >= 2
    assert errors == []
