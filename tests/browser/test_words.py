"""Numbers and words a learner reads: the hand table filling in, one way of counting, captions
that say what was computed (issue 33)."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import click_edge, open_scenario, run, wait_until

pytestmark = pytest.mark.browser


def test_the_single_neurons_table_fills_in_as_each_phase_runs(app, errors):
    app.emulate_media(reduced_motion="reduce")
    app.click("#preset-single")
    guide = app.locator("[data-role=guide]")
    expect(guide).to_contain_text("One neuron, by hand")
    expect(guide).to_contain_text("calls the neuron’s output y and the target ŷ")     # the reference's names
    expect(app.locator("[data-role=lesson]")).to_contain_text("calls the output y and the target ŷ")
    rows = guide.locator("tbody tr")
    expect(rows).to_have_count(10)
    worked = lambda: [rows.nth(k).get_attribute("data-worked") == "true" for k in range(10)]    # noqa: E731
    assert worked() == [False] * 10
    assert "0.200557" not in guide.text_content() and "−0.055712" not in guide.text_content()
    for action, phase, count in (("forward", "forward", 3), ("backward", "backward", 8), ("step", "updated", 10)):
        run(app, action, phase)
        expect(rows.nth(count - 1)).to_have_attribute("data-worked", "true")
        assert worked() == [True] * count + [False] * (10 - count)
    expect(guide).to_contain_text("0.200557")
    assert errors == []


def test_people_count_from_one_and_the_api_is_named_once(app, errors):
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    click_edge(app, "1-1-2")
    chain = app.locator("[data-role=chain]")
    expect(chain.locator("h2")).to_contain_text("Weight from x₂ to h₁₃")
    expect(chain).to_contain_text("sample #1")
    expect(chain).to_contain_text("In the API, which counts from 0: layers[0].W[1][2], sample 0")
    chain.locator("[data-role=matrix-view] summary").click()
    expect(chain).to_contain_text("gives dW[2][3]")                                  # row x₂, column h₁₃
    expect(app.locator("#sample-index")).to_have_value("1")
    expect(app.locator("#data-caption")).to_contain_text("● y = 0 (blue), ■ y = 1 (orange)")
    open_scenario(app, {"config": {"layers": [2, 12, 1]}})
    expect(app.locator("#network .name").nth(2 + 9)).to_have_text("h₁,₁₀")           # not h₁₁₀
    assert errors == []


CAPTIONS = """() => {
  // every caption the movement shows, and how long it plays (ms)
  const caption = document.getElementById("animation-caption"), svg = document.getElementById("network");
  const seen = [];
  let t0 = null;
  return new Promise((resolve) => {
    const look = () => {
      if (t0 === null && svg.dataset.animating === "true") t0 = performance.now();    // it started
      if (t0 !== null && seen[seen.length - 1] !== caption.textContent) seen.push(caption.textContent);
      if (t0 !== null && svg.dataset.animating === "false") resolve({seen, ms: performance.now() - t0});
      else setTimeout(look, 15);
    };
    look();
  });
}"""


def test_batch_norm_captions_say_batch_norm_and_its_movements_are_short(page, errors):
    page.set_default_timeout(10000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.select_option("#presets", "batch-norm")
    expect(page.locator("[data-role=lesson-title]")).to_contain_text("Batch norm")
    wait_until(page, "document.body.dataset.phase === 'fresh'")
    for key, phase in (("f", "forward"), ("b", "backward")):
        page.keyboard.press(key)
        watched = page.evaluate(CAPTIONS)
        expect(page.locator("body")).to_have_attribute("data-phase", phase)
        hidden = " ".join(c for c in watched["seen"] if c.startswith("Hidden layer"))     # the batch-norm layers
        assert watched["ms"] < 2600, watched                        # it took 7.6 s and 11.6 s
        assert "a = σ(z)" not in hidden and "∂L/∂z = f′(z)" not in hidden, hidden
        assert "batch norm" in hidden, hidden
    expect(page.locator("[data-role=step-preview]")).to_contain_text("and batch norm’s γ and β")
    assert errors == []


def test_softmax_dropout_and_prose_say_what_they_show(app, errors):
    app.emulate_media(reduced_motion="reduce")
    open_scenario(app, {"config": {"dataset": {"name": "blobs"}, "layers": [2, 4, 3], "activations": ["tanh", "softmax"],
                                   "loss": "cross_entropy"}})
    expect(app.locator("[data-role=status]")).to_contain_text("cross-entropy loss")          # not cross_entropy
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    click_edge(app, "2-0-1")
    expect(app.locator("[data-role=chain]")).to_contain_text("two factors")
    expect(app.locator("[data-role=chain]")).not_to_contain_text("three factors")
    app.click("[data-role=chain] button.check")
    expect(app.locator("[data-role=gradcheck]")).to_be_visible()
    assert "backward:\u00a0" in app.locator("[data-role=chain] .check-result").text_content()    # not "backward:dW"
    open_scenario(app, {"config": {"layers": [2, 8, 1], "activations": ["tanh", "sigmoid"],
                                   "layer_options": [{"dropout": 0.5}]}})
    expect(app.locator("#data-caption")).to_contain_text("no dropout")
    expect(app.locator("#data-caption")).not_to_contain_text("batch norm")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    state = app.evaluate("window.manualgrad.state")
    dropped = next(i for i, m in enumerate(state["sample"]["layers"][0]["mask"]) if m == 0)
    click_edge(app, f"2-{dropped}-0")                          # a dropped unit's weight out: terms of 0
    terms = app.locator("[data-role=sample-terms] .note").first
    expect(terms).to_contain_text("exactly 0")
    assert errors == []


def test_the_test_loss_has_its_own_scale(page, errors):
    page.set_default_timeout(10000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.select_option("#presets", "overfitting")
    expect(page.locator("[data-role=lesson-title]")).to_contain_text("Overfitting")
    wait_until(page, "document.body.dataset.phase === 'fresh'")
    page.fill("#train-steps", "300")
    page.click("[data-action=train]")
    expect(page.locator("body")).to_have_attribute("data-step", "300", timeout=30000)
    wait_until(page, "document.getElementById('loss-chart').dataset.test !== ''")
    chart = page.locator("#loss-chart")
    train_lo, train_hi, train_log = chart.get_attribute("data-train").split(",")
    test_lo, test_hi, test_log = chart.get_attribute("data-test").split(",")
    history = page.request.get(f"/api/sessions/{page.evaluate('document.body.dataset.session')}/history").json()
    losses = [v for v in history["test_losses"]["losses"] if v is not None]
    assert float(test_hi) == max(losses) and test_log == "false"      # its own range, not the training's
    assert float(train_lo) < min(losses) / 2 and (train_lo, train_hi) != (test_lo, test_hi)
    expect(page.locator("[data-role=test-loss]")).to_contain_text("right scale")
    assert errors == []
