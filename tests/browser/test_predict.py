"""Predict-the-gradient for every learner: pick a weight, type a prediction before Backward,
see how close it was once Backward has run; a hidden weight asks for the followed sample's term
(issue 33)."""
import pytest
from playwright.sync_api import expect

from .helpers import api_state, click_edge, run, session_id

pytestmark = pytest.mark.browser


def test_any_learner_predicts_a_weights_dW_before_backward(app, errors):
    app.emulate_media(reduced_motion="reduce")
    box = app.locator("[data-role=predict]")
    expect(box).to_be_hidden()
    control = app.locator("[data-action=predict]")
    control.click()
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-state", "picking")
    expect(control).to_have_attribute("aria-pressed", "true")
    click_edge(app, "2-1-0")                                    # an output weight: its dW
    expect(box).to_contain_text("Predict dW of the weight from h₁₂ to ŷ")
    expect(app.locator('#network [data-edge="2-1-0"]')).to_have_class(__import__("re").compile(r"\bexercise\b"))
    app.fill("#predict-guess", "0.01")
    app.click("[data-action=check-prediction]")
    expect(box).to_have_attribute("data-state", "kept")
    expect(box).to_contain_text("run Forward, then Backward")
    run(app, "forward", "forward")
    run(app, "backward", "backward")                            # the page checks it by itself
    verdict = app.locator("[data-role=verdict]")
    expect(verdict).to_be_visible()
    truth = api_state(app)["layers"][1]["dW"][1][0]
    expect(box.locator(".numbers")).to_have_attribute("data-truth", str(truth))
    expect(app.locator("[data-role=chain]")).to_have_attribute("data-edge", "2-1-0")     # its chain rule opens
    assert errors == []


def test_a_hidden_weight_asks_for_the_followed_samples_term(app, errors):
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    click_edge(app, "1-1-2")                                    # a weight open: the control takes it
    app.click("[data-action=predict]")
    box = app.locator("[data-role=predict]")
    expect(box).to_contain_text("Predict the term of sample #1 of the weight from x₂ to h₁₃")
    expect(app.locator("label[for=predict-guess]")).to_have_text("Your term")
    app.fill("#predict-guess", "−0.0007")
    app.press("#predict-guess", "Enter")
    expect(box).to_contain_text("run Backward")
    run(app, "backward", "backward")
    chain = app.request.get(f"/api/sessions/{session_id(app)}/chain?layer=0&i=1&j=2&sample=0").json()
    numbers = box.locator(".numbers")
    expect(numbers).to_contain_text("the real term of sample #1")
    assert float(numbers.get_attribute("data-truth")) == chain["product"]
    assert errors == []


def test_a_weight_picked_after_backward_hides_its_dW_until_the_guess(app, errors):
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    app.click("[data-action=predict]")
    click_edge(app, "2-3-0")
    edge = app.locator('#network [data-edge="2-3-0"]')
    expect(edge).not_to_have_attribute("data-grad", __import__("re").compile(".+"))
    expect(app.locator("[data-role=chain]")).to_contain_text("stays hidden until you make your prediction")
    app.fill("#predict-guess", "-0.002")
    app.click("[data-action=check-prediction]")
    expect(app.locator("[data-role=verdict]")).to_be_visible()
    assert float(edge.get_attribute("data-grad")) == api_state(app)["layers"][1]["dW"][3][0]
    app.click("#predict-stop")
    expect(app.locator("[data-role=predict]")).to_be_hidden()
    expect(app.locator("[data-action=predict]")).to_have_attribute("aria-pressed", "false")
    assert errors == []
