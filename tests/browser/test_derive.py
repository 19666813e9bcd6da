"""Derive it yourself in a weight's panel: the names and their values for the followed sample
before the chain rule; the right formula says correct and then shows the chain, a wrong one its
hint, one outside the language where it is at fault; a lesson's derive weight opens on the field
until the learner's formula is right (issue 37)."""
import pytest
from playwright.sync_api import expect

from .helpers import api_state, click_edge, open_scenario, run, session_id
from .test_accessibility import page_for_axe, serious, violations      # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser
REFUSED = "console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"


def open_derive(page, edge):
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    click_edge(page, edge)
    page.click("[data-action=derive]")
    box = page.locator("[data-role=derive]")
    expect(box).to_be_visible()
    return box


def test_the_right_formula_says_correct_and_only_then_shows_the_chain(app, errors):
    app.emulate_media(reduced_motion="reduce")
    box = open_derive(app, "2-1-0")                          # h₁₂ → ŷ of the starter net (sigmoid, bce)
    chain = app.locator("[data-role=chain]")
    expect(chain).to_have_attribute("data-deriving", "true")
    expect(app.locator("[data-role=sample-terms]")).to_have_count(0)          # the chain waits
    expect(app.locator("[data-role=formula]")).to_be_focused()
    state = api_state(app)
    names = box.locator("[data-role=derive-names] tbody tr")
    expect(names).to_have_count(8)
    assert [names.nth(k).get_attribute("data-name") for k in range(8)] == ["a_prev", "w", "b", "z", "a", "y", "n",
                                                                           "dL_da"]
    a_prev = state["sample"]["layers"][0]["a"][1]               # h₁₂'s a, as the page writes it (6 digits)
    expect(box.locator('tr[data-name="a_prev"] .num')).to_have_text(repr(float(f"{a_prev:.6g}")).replace("-", "−"))
    expect(box.locator('tr[data-name="n"] .num')).to_have_text("200")
    app.fill("[data-role=formula]", "(a − y)/n · a_prev")            # the page's signs are taken
    app.press("[data-role=formula]", "Enter")
    verdict = box.locator("[data-role=derive-verdict]")
    expect(verdict).to_have_attribute("data-correct", "true")
    expect(verdict).to_contain_text("Correct: your formula is the term on all 200 samples")
    term = app.request.get(f"/api/sessions/{session_id(app)}/chain?layer=1&i=1&j=0&sample=0").json()["product"]
    numbers = box.locator("[data-role=derive-numbers]")
    assert float(numbers.get_attribute("data-truth")) == term
    assert float(numbers.get_attribute("data-yours")) == pytest.approx(term, rel=1e-9)
    expect(box.locator("[data-role=derive-hint]")).to_have_count(0)
    expect(app.locator("[data-role=sample-terms]")).to_be_visible()          # and then the chain
    expect(chain).to_have_attribute("data-deriving", "false")
    assert errors == []


def test_a_wrong_formula_shows_its_hint_and_a_formula_outside_the_language_where(app, errors):
    app.emulate_media(reduced_motion="reduce")
    box = open_derive(app, "1-0-2")                          # x₁ → h₁₃: a tanh hidden unit
    expect(box.locator('tr[data-name="x"]')).to_have_count(1)
    expect(box.locator('tr[data-name="y"]')).to_have_count(0)
    app.fill("[data-role=formula]", "dL_da * a_prev * q")
    app.click("[data-action=check-formula]")
    problem = box.locator("[data-role=derive-problem]")
    expect(problem).to_contain_text("q is not a name here")
    expect(problem).to_contain_text("(line 1, column 18)")
    expect(app.locator("[data-role=formula]")).to_have_attribute("aria-invalid", "true")
    expect(app.locator("[data-role=chain]")).to_have_attribute("data-deriving", "true")   # still hidden
    app.fill("[data-role=formula]", "dL_da * a*(1 - a) * x")       # sigmoid's f′ on a tanh unit
    app.click("[data-action=check-formula]")
    expect(box.locator("[data-role=derive-verdict]")).to_have_attribute("data-correct", "false")
    hint = box.locator("[data-role=derive-hint]")
    expect(hint).to_have_attribute("data-slip", "other_activation")
    expect(hint).to_contain_text("a tanh unit's f′ is 1 − a²")
    expect(app.locator("[data-role=formula]")).not_to_have_attribute("aria-invalid", "true")
    expect(app.locator("[data-role=sample-terms]")).to_be_visible()          # the chain, to compare
    app.click("[data-action=derive]")                          # closes the field; the chain stays
    expect(box).to_have_count(0)
    expect(app.locator("[data-role=sample-terms]")).to_be_visible()
    app.click("[data-action=derive]")                          # the formula typed is kept
    expect(app.locator("[data-role=formula]")).to_have_value("dL_da * a*(1 - a) * x")
    assert errors == [REFUSED]


def test_a_lessons_derive_weight_opens_on_the_field_until_the_formula_is_right(page, errors):
    open_scenario(page, {"title": "Write it", "config": {"dataset": {"name": "single"}, "layers": [1, 1],
                                                          "activations": ["sigmoid"], "loss": "mse",
                                                          "params": [{"W": [[0.2]], "b": [0.1]}]},
                         "teacher": {"derive": {"layer": 0, "i": 0, "j": 0}}})
    page.emulate_media(reduced_motion="reduce")
    expect(page.locator("[data-role=lesson]")).to_contain_text("Exercise: write the formula of a weight’s gradient")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    chain = page.locator("[data-role=chain]")
    expect(chain).to_have_attribute("data-edge", "1-0-0")     # opened by itself
    expect(chain).to_have_attribute("data-deriving", "true")
    expect(page.locator("[data-action=derive]")).to_have_attribute("aria-pressed", "true")
    page.fill("[data-role=formula]", "(y - a) * a*(1 - a) * x")     # the walk-through's, in its names
    page.click("[data-action=check-formula]")
    expect(page.locator("[data-role=derive-hint]")).to_have_attribute("data-slip", "sign")
    page.click("[data-action=step]")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    expect(chain).to_have_attribute("data-deriving", "true")         # not right yet: the field again
    expect(page.locator("[data-role=formula]")).to_have_value("(y - a) * a*(1 - a) * x")
    page.fill("[data-role=formula]", "(a - y) * a*(1 - a) * x")
    page.press("[data-role=formula]", "Enter")
    expect(page.locator("[data-role=derive-verdict]")).to_have_attribute("data-correct", "true")
    expect(chain).to_have_attribute("data-deriving", "false")
    page.click("[data-action=step]")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    expect(page.locator("[data-role=sample-terms]")).to_be_visible()        # right once: the chain at once
    expect(chain).to_have_attribute("data-deriving", "false")
    assert errors == []


def test_the_single_neuron_leads_to_the_walk_throughs_formula_in_this_pages_names(app, errors):
    app.emulate_media(reduced_motion="reduce")
    app.click("#preset-single")
    expect(app.locator("[data-role=derive-invite]")).to_contain_text("(y − ŷ)·σ(z)(1 − σ(z))·x")
    box = open_derive(app, "1-0-0")
    expect(box.locator('tr[data-name="x"] .num')).to_have_text("0.5")
    expect(box.locator('tr[data-name="y"] .num')).to_have_text("1")
    app.fill("[data-role=formula]", "(y - a) * sigmoid(z)*(1 - sigmoid(z)) * x")       # the names copied as they are
    app.press("[data-role=formula]", "Enter")
    expect(box.locator("[data-role=derive-hint]")).to_have_attribute("data-slip", "sign")
    app.fill("[data-role=formula]", "(a - y) * a*(1 - a) * x")
    app.press("[data-role=formula]", "Enter")
    expect(box.locator("[data-role=derive-numbers]")).to_contain_text("yours −0.0557118, the truth −0.0557118")
    assert errors == []


def test_the_derive_box_has_no_serious_axe_violation(page_for_axe):
    page = page_for_axe
    page.emulate_media(reduced_motion="reduce")
    box = open_derive(page, "2-0-0")
    assert serious(violations(page)) == [], serious(violations(page))
    page.fill("[data-role=formula]", "(a - y) * a_prev")
    page.press("[data-role=formula]", "Enter")
    expect(box.locator("[data-role=derive-hint]")).to_be_visible()
    assert serious(violations(page)) == [], serious(violations(page))
