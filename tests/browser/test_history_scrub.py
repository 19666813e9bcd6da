"""The history scrubber: look back at an earlier update without changing the session, then
carry on from it."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import api_state, run, session_id, train, wait_until

pytestmark = pytest.mark.browser


def set_range(page, value):
    page.eval_on_selector("#scrub", "(el, v) => { el.value = String(v); el.dispatchEvent(new Event('input')); }", value)


def test_scrub_back_then_continue_from_there(app, errors):
    app.emulate_media(reduced_motion="reduce")
    train(app, 60)
    sid = session_id(app)
    history = app.request.get(f"/api/sessions/{sid}/history").json()
    assert history["past_steps"][0] == 0 and history["past_steps"][-1] == 60
    scrubber = app.locator("[data-role=history-scrubber]")
    expect(scrubber).to_have_attribute("data-kept", "61")
    set_range(app, 25)
    expect(scrubber).to_have_attribute("data-viewing", "25")
    expect(app.locator("body")).to_have_attribute("data-step", "60")        # the session stays
    past = app.request.get(f"/api/sessions/{sid}/weights?step=25").json()
    assert past["step"] == 25
    edge = app.locator('#network [data-edge="2-1-0"]')
    assert float(edge.get_attribute("data-w")) == past["layers"][1]["W"][1][0]
    assert api_state(app)["step"] == 60
    expect(app.locator("[data-role=status]")).to_contain_text("Looking back at step 25")
    # back to now: the drawing is the session's again
    app.click("[data-action=back-to-now]")
    expect(scrubber).to_have_attribute("data-viewing", "")
    now = api_state(app)
    assert float(edge.get_attribute("data-w")) == now["layers"][1]["W"][1][0]
    # continue from step 25, then train 10: the same as a session that trained 35 in one go
    set_range(app, 25)
    expect(scrubber).to_have_attribute("data-viewing", "25")
    app.click("[data-action=continue-from-here]")
    expect(app.locator("body")).to_have_attribute("data-step", "25")
    expect(scrubber).to_have_attribute("data-viewing", "")
    wait_until(app, "window.manualgrad.chart.steps.length === 25")
    app.fill("#train-steps", "10")
    app.click("[data-action=train]")
    expect(app.locator("body")).to_have_attribute("data-step", "35", timeout=20000)
    rewound = api_state(app)
    fresh = app.request.post("/api/sessions", data={}, headers={"Content-Type": "application/json"}).json()
    app.request.post(f"/api/sessions/{fresh['id']}/train", data={"steps": 35}, headers={"Content-Type": "application/json"})
    again = app.request.get(f"/api/sessions/{fresh['id']}").json()
    assert [l["W"] for l in rewound["layers"]] == [l["W"] for l in again["layers"]]
    assert errors == []


def test_a_setting_changed_while_looking_back_starts_from_those_weights(app, errors):
    app.emulate_media(reduced_motion="reduce")
    train(app, 40)
    scrubber = app.locator("[data-role=history-scrubber]")
    expect(scrubber).to_have_attribute("data-kept", "41")     # the scrubber knows the 40 steps (it knew 1 in a CI run)
    set_range(app, 10)
    expect(scrubber).to_have_attribute("data-viewing", "10")
    past = app.request.get(f"/api/sessions/{session_id(app)}/weights?step=10").json()
    app.fill("#lr", "0.05")
    app.press("#lr", "Enter")
    expect(app.locator("[data-role=status]")).to_contain_text("starting from the weights of step 10")
    state = api_state(app)
    assert state["step"] == 0 and state["optimizer"]["lr"] == 0.05
    assert [l["W"] for l in state["layers"]] == [l["W"] for l in past["layers"]]
    assert errors == []


def test_looking_back_is_one_state_of_the_whole_page(app, errors):
    app.emulate_media(reduced_motion="reduce")
    app.click("[data-action=play]")                                  # during Play the scrubber says the step
    wait_until(app, "Number(document.body.dataset.step) >= 20")
    step = int(app.evaluate("document.body.dataset.step"))
    label = app.locator("#scrub-step").text_content()
    assert label != "step 0 (now)" and int(re.search(r"\d+", label).group()) >= step - 5, label
    app.click("[data-action=play]")
    expect(app.locator("[data-action=play]")).to_have_attribute("aria-pressed", "false")
    scrubber = app.locator("[data-role=history-scrubber]")
    # the tick in flight when Pause was pressed lands too: then the scrubber knows every step
    wait_until(app, "Number(document.querySelector('[data-role=history-scrubber]').dataset.kept) === Number(document.body.dataset.step) + 1")
    now = int(app.evaluate("document.body.dataset.step"))
    expect(app.locator("#scrub-step")).to_have_text(f"step {now} (now)")
    history = app.request.get(f"/api/sessions/{session_id(app)}/history").json()
    set_range(app, 8)
    expect(scrubber).to_have_attribute("data-viewing", "8")
    loss = history["losses"][history["steps"].index(9)]             # the loss of the weights at step 8
    expect(app.locator("#loss-text")).to_contain_text("at step 8 (looking back)")
    assert float(app.locator("#loss-text").get_attribute("data-value")) == loss
    expect(app.locator("[data-role=guidance]")).to_contain_text("Looking back at step 8")
    expect(app.locator("[data-role=step-preview]")).to_be_hidden()
    expect(app.locator("#animation-caption")).to_contain_text("Step 8: the weights")
    app.click('#network [data-node="1-0"]')
    expect(app.locator("[data-role=looking-back]")).to_contain_text("Looking back at step 8")
    # a phase button goes back to now first, and says so
    app.click("[data-action=forward]")
    expect(scrubber).to_have_attribute("data-viewing", "")
    expect(app.locator("body")).to_have_attribute("data-phase", "forward")
    expect(app.locator("[data-role=status]")).to_contain_text("Back from step 8 to now, then: Forward")
    expect(app.locator("#scrub-step")).to_have_text(f"step {now} (now)")
    expect(app.locator("#loss-text")).to_contain_text(f"at step {now}")
    assert errors == []
