"""What a learner stumbled on, walking through the page (issue 16): each checked as they saw it."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import api_state, click_edge, open_scenario, run, session_id, train, wait_until

pytestmark = pytest.mark.browser

SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def number(text):
    """A number as the page writes it: "−0.28", "4.776×10⁻¹¹" -> float."""
    text = text.strip().replace("−", "-").replace("(", "").replace(")", "")
    if "×10" in text:
        mantissa, exponent = text.split("×10")
        return float(mantissa) * 10 ** int(exponent.translate(SUPERSCRIPT))
    return float(text)


def in_view(page, selector, height):
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["y"] >= 0 and box["y"] + box["height"] <= height, (selector, box)


def test_a_minibatch_forward_follows_a_sample_of_the_batch_and_says_which(app):
    app.fill("#batch-size", "16")
    app.press("#batch-size", "Enter")
    expect(app.locator("[data-role=status]")).to_contain_text("batch")
    run(app, "forward", "forward")
    status = app.locator("[data-role=status]")
    expect(status).to_contain_text(re.compile(r"Now following sample #\d+, the first of this minibatch"))
    state = api_state(app, app.evaluate("Number(document.querySelector('#sample-index').value) - 1"))
    assert state["sample"]["in_batch"]
    values = app.locator('[data-node^="1-"] .value').all_text_contents()
    assert values and "·" not in values                       # the network shows numbers


def test_on_a_phone_a_tapped_weight_shows_the_top_of_its_chain_rule(app):
    app.set_viewport_size({"width": 420, "height": 800})
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    app.evaluate("window.scrollTo(0, 0)")
    click_edge(app, "1-1-0")
    chain = app.locator("[data-role=chain]")
    expect(chain).to_contain_text("What Step will do")         # filled in
    app.wait_for_timeout(300)
    top = app.locator("#inspector").evaluate("el => el.getBoundingClientRect().top")
    assert -2 <= top < 120, top                                # at the top of the screen


def test_at_1280_by_800_the_loop_fits_one_screen(page):
    """The Drive bar, the output node, the loss and its chart, on screen together: xor, circles,
    spiral (spiral's 16 units scroll inside the network's box, around its middle)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_default_timeout(10000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    for preset in ("xor", "circles", "spiral"):
        if preset != "xor":
            page.select_option("#presets", preset)
            expect(page.locator("[data-role=lesson-title]")).not_to_be_empty()
            wait_until(page, "document.body.dataset.phase === 'fresh'")
        page.click("[data-action=forward]")
        expect(page.locator("body")).to_have_attribute("data-phase", "forward")
        last = page.evaluate("document.querySelectorAll('[data-node]').length") and page.evaluate(
            "Math.max(...[...document.querySelectorAll('[data-node]')].map(n => Number(n.dataset.node.split('-')[0])))")
        for selector in ("[data-action=forward]", "[data-action=step]", f'[data-node="{last}-0"] .body',
                         "[data-role=loss-node] rect", "#loss-chart"):
            assert in_view(page, selector, 800), (preset, selector)
        # and not hidden by the network's own scrolling box
        box = page.locator("#network-scroll").bounding_box()
        node = page.locator(f'[data-node="{last}-0"] .body').bounding_box()
        assert box["y"] <= node["y"] and node["y"] + node["height"] <= box["y"] + box["height"], preset


def test_the_texts_under_the_buttons_do_not_move_the_network(app):
    tops = []
    for action, phase in (("forward", "forward"), ("backward", "backward"), ("step", "updated"), ("forward", "forward")):
        run(app, action, phase)
        app.click("#skip-animation") if app.locator("#skip-animation").is_visible() else None
        tops.append(app.locator("#network").evaluate("el => el.getBoundingClientRect().top"))
    assert max(tops) - min(tops) <= 1, tops


def test_after_copy_link_a_change_clears_the_old_link_and_a_reload_keeps_the_change(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_default_timeout(8000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.click("[data-action=share]")
    expect(page.locator("[data-role=status]")).to_contain_text("Link copied")
    assert "#s=" in page.url
    page.fill("#lr", "0.07")
    page.press("#lr", "Enter")
    expect(page.locator("[data-role=status]")).to_contain_text("New network")
    assert "#s=" not in page.url
    sid = session_id(page)
    page.reload()
    expect(page.locator("body")).to_have_attribute("data-session", sid)
    expect(page.locator("#lr")).to_have_value("0.07")


def test_the_arithmetic_on_screen_follows_from_the_numbers_shown(page):
    """A saturated tanh unit: f'(z) = 1 − a² with a a hair below 1. The a shown must give the
    f' shown (it showed 1 − (−1)² = 4.776×10⁻¹¹)."""
    page.set_default_timeout(8000)
    config = {"dataset": {"name": "single"}, "layers": [1, 1, 1], "activations": ["tanh", "linear"],
              "loss": "mse", "params": [{"W": [[30.0]], "b": [0.0]}, {"W": [[0.5]], "b": [0.0]}]}
    open_scenario(page, {"config": config})
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    page.click('[data-node="1-0"]')
    panel = page.locator("[data-role=node-panel]")
    formula = panel.locator("div.formula:has(math[alttext^=\"f'(z)\"])")     # (its two lines)
    numbers = formula.locator("mn").all_text_contents()     # 1 − a² = 1 − (a)² = result
    a, result = number(numbers[-3]), number(numbers[-1])
    assert result < 1e-10 and a < 1
    assert abs((1 - a * a) - result) <= 0.001 * result + 1e-16, (numbers, 1 - a * a)
    # and the chain rule's product of a weight follows from its three factors as shown
    click_edge(page, "2-0-0")
    chain = page.locator("[data-role=chain]")
    expect(chain).to_contain_text("What Step will do")
    factors = chain.locator("math").nth(1).locator("munder mn").all_text_contents()
    product = number(chain.locator("math").nth(1).locator("mn.result").text_content())
    shown = number(factors[0]) * number(factors[1]) * number(factors[2])
    assert abs(shown - product) <= 0.0005 * abs(product) + 1e-300, (factors, product)


def test_after_divergence_the_panels_and_the_next_step_say_so(page):
    page.set_default_timeout(8000)
    config = {"dataset": {"name": "sine"}, "layers": [1, 4, 1], "optimizer": {"lr": 1000000}}
    open_scenario(page, {"config": config})
    app = page
    app.fill("#train-steps", "50")
    app.click("[data-action=train]")
    expect(app.locator("[data-role=error]")).to_contain_text("diverged")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    expect(app.locator("[data-action=reset]")).to_have_class(re.compile(r"\bnext\b"))
    expect(app.locator("[data-action=step]")).not_to_have_class(re.compile(r"\bnext\b"))
    expect(app.locator("[data-role=guidance]")).to_contain_text("Reset")
    click_edge(app, "1-0-0")                                     # into a tanh unit
    chain = app.locator("[data-role=chain]")
    expect(chain).to_be_visible()
    app.wait_for_timeout(500)
    assert "softmax" not in chain.text_content()


def test_play_shows_the_gradients_of_the_last_update(app):
    app.click("[data-action=play]")
    wait_until(app, "Number(document.body.dataset.step) >= 10")
    app.click("[data-action=play]")
    wait_until(app, "document.querySelector('[data-action=play]').getAttribute('aria-pressed') === 'false'")
    wait_until(app, "document.querySelectorAll('[data-edge][data-grad]').length > 0")
    expect(app.locator("#animation-caption")).to_contain_text("last update")
    assert all(layer["dW"] is None for layer in api_state(app)["layers"])      # the state says none
    halo = app.locator('[data-edge="1-0-0"] .g')
    assert float(halo.get_attribute("stroke-width")) > 0
    assert halo.get_attribute("stroke") in ("#762a83", "#1b7837")


def test_the_halos_use_one_scale_so_shrinking_gradients_thin_out(app):
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    early = sorted(float(w) for w in app.locator("[data-edge] .g").evaluate_all("els => els.map(e => e.getAttribute('stroke-width'))"))
    train(app, 3000)
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    late = sorted(float(w) for w in app.locator("[data-edge] .g").evaluate_all("els => els.map(e => e.getAttribute('stroke-width'))"))
    assert max(late) < max(early)                             # not normalised to the largest each time
    expect(app.locator("[data-role=gradient-legend]")).to_contain_text("log scale")


def test_every_weight_of_a_big_net_is_reachable_by_keyboard(page):
    page.set_default_timeout(10000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.select_option("#presets", "spiral")
    expect(page.locator("[data-role=lesson-title]")).to_contain_text("Spiral")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    assert page.locator('#network [tabindex="0"]').count() == 1    # 304 weights, one Tab stop
    page.locator('[data-node="2-5"]').focus()
    page.keyboard.press("Enter")
    panel = page.locator("[data-role=node-panel]")
    expect(panel).to_be_visible()
    weights = panel.locator(".weights button")
    expect(weights).to_have_count(16)                          # every weight into the unit
    weights.nth(9).focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-role=chain]")).to_have_attribute("data-edge", "2-9-5")
