"""axe-core (vendored, tests/browser/vendor/axe-core) on the page in its states: no serious or
critical violation. The page's CSP forbids the injected script, so the test's own browser context
bypasses it; the page itself is unchanged."""
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .helpers import click_edge, run

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"


@pytest.fixture
def page_for_axe(browser, base_url):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(base_url + "/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    yield page
    context.close()


def violations(page):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ["violations"],
                                         rules: {"label-content-name-mismatch": {enabled: true}}});
      return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                     target: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
                                     summary: v.nodes[0] && v.nodes[0].failureSummary}));
    }""")
    return found


def serious(found):
    return [v for v in found if v["impact"] in ("serious", "critical")]


def test_no_serious_violation_on_first_load_after_backward_and_in_the_panels(page_for_axe):
    page = page_for_axe
    assert serious(violations(page)) == [], violations(page)
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    page.click("#skip-animation") if page.locator("#skip-animation").is_visible() else None
    assert serious(violations(page)) == [], serious(violations(page))
    page.click('[data-node="1-1"]')
    expect(page.locator("[data-role=node-panel]")).to_be_visible()
    assert serious(violations(page)) == []
    click_edge(page, "1-0-0")
    expect(page.locator("[data-role=chain]")).to_contain_text("What Step will do")
    assert serious(violations(page)) == []


def test_unit_and_weight_names_say_what_they_show_and_their_gradients(page_for_axe):
    page = page_for_axe
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    node = page.locator('[data-node="1-0"]')
    expect(node).to_have_attribute("aria-label", re.compile(r"∂L/∂z = "))
    visible = node.locator(".value").text_content()
    assert visible in node.get_attribute("aria-label")
    edge = page.locator('[data-edge="1-0-0"]')
    expect(edge).to_have_attribute("aria-label", re.compile(r"w = .*dW = "))
    assert [v for v in violations(page) if v["id"] == "label-content-name-mismatch"] == []


@pytest.mark.parametrize("width,height", [(1280, 800), (420, 900)])
def test_no_serious_violation_on_any_view_at_both_widths(browser, base_url, width, height):
    """Every view issue 33 names, on a wide screen and a phone: a big network, the predict box,
    a weight with its matrices and its check, looking back, the graph lab with an overflow."""
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.emulate_media(reduced_motion="reduce")
    page.goto(base_url + "/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    found = {}

    def look(view):
        found[view] = serious(violations(page))

    look("first load")
    page.click("[data-action=predict]")
    click_edge(page, "2-1-0")
    look("predict box")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    click_edge(page, "1-1-2")
    expect(page.locator("[data-role=chain]")).to_contain_text("What Step will do")
    page.click("[data-role=matrix-view] summary")
    expect(page.locator("[data-matrix=dW]")).to_be_visible()
    page.click("[data-role=chain] button.check")
    expect(page.locator("[data-role=gradcheck]")).to_be_visible()
    look("weight panel")
    page.fill("#train-steps", "30")
    page.click("[data-action=train]")
    expect(page.locator("body")).to_have_attribute("data-step", "30", timeout=20000)
    # the slider knows the kept steps once /history, asked after the train, has answered
    expect(page.locator("[data-role=history-scrubber]")).to_have_attribute("data-kept", "31")
    page.eval_on_selector("#scrub", "(el) => { el.value = '10'; el.dispatchEvent(new Event('input')); }")
    expect(page.locator("[data-role=history-scrubber]")).to_have_attribute("data-viewing", "10")
    look("looking back")
    page.select_option("#presets", "overfitting")
    expect(page.locator("[data-role=lesson-title]")).to_contain_text("Overfitting")
    run(page, "forward", "forward")
    page.click('#network [data-node="1-3"]')
    look("big network")
    page.goto(base_url + "/graph")
    expect(page.locator("[data-role=graph] [data-gnode]").first).to_be_visible()
    page.select_option("#graph-presets", "4")
    page.click("[data-action=graph-run]")
    look("graph lab")
    context.close()
    assert found == {view: [] for view in found}, found
