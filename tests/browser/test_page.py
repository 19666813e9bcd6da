"""The page in a real browser: build, drive, look closer, and see the server's errors."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import NETWORK, api_state, click_edge, drawing, run, session_id, train, wait_until

pytestmark = pytest.mark.browser


def test_page_loads_with_a_network_and_says_what_to_do_first(app, errors):
    expect(app.locator("[data-node]")).to_have_count(2 + 4 + 1)
    expect(app.locator("[data-edge]")).to_have_count(2 * 4 + 4 * 1)
    assert app.locator('[data-edge="2-3-0"]').count() == 1
    for action in ("forward", "backward", "step", "play", "train", "reset"):
        expect(app.locator(f"[data-action={action}]")).to_have_count(1)
    expect(app.locator("[data-action=forward]")).to_have_class(re.compile(r"\bnext\b"))
    expect(app.locator("[data-action=backward]")).to_have_attribute("aria-disabled", "true")
    expect(app.locator("#why-backward")).to_contain_text("waits for Forward")      # short, under it
    expect(app.locator("[data-action=backward]")).to_have_attribute("title", re.compile("waits for a Forward pass"))
    expect(app.locator("#why-step")).to_contain_text("waits for Forward, then Backward")
    expect(app.locator("[data-action=step]")).to_have_attribute("title", re.compile("waits for gradients"))
    expect(app.locator("[data-role=guidance]")).to_contain_text("Next: Forward")
    # each hidden unit of a 2-D net has its own picture of its output
    expect(app.locator('[data-node="1-0"] canvas.picture-canvas')).to_have_attribute("data-painted", "true")
    assert errors == []


def test_page_is_served_with_the_strict_csp_and_no_inline_code(page, base_url):
    response = page.goto("/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    html = response.text()
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert not re.search(r"\sstyle=", html), "inline style"


def test_building_a_network_makes_a_new_session_and_says_what_changed(app):
    first = session_id(app)
    app.click("#add-layer")
    expect(app.locator("[data-node]")).to_have_count(2 + 4 + 4 + 1)
    assert session_id(app) != first
    expect(app.locator("[data-role=status]")).to_contain_text("added hidden layer 2")
    app.click('button[data-op=more][data-layer="0"]')
    expect(app.locator("[data-node]")).to_have_count(2 + 5 + 4 + 1)
    expect(app.locator("[data-role=status]")).to_contain_text("hidden layer 1: 4 → 5 units")
    app.select_option('select[data-layer="1"]', "relu")
    expect(app.locator("[data-role=status]")).to_contain_text("tanh → relu")
    state = api_state(app)
    assert state["config"]["layers"] == [2, 5, 4, 1]
    assert state["config"]["activations"] == ["tanh", "relu", "sigmoid"]
    app.select_option("#dataset", "blobs")
    expect(app.locator("[data-node]")).to_have_count(2 + 5 + 4 + 3)
    expect(app.locator("#loss")).to_have_value("cross_entropy")
    app.select_option("#optimizer", "adam")
    app.fill("#lr", "0.05")
    app.press("#lr", "Enter")
    expect(app.locator("[data-role=status]")).to_contain_text("learning rate: 0.3 → 0.05")
    assert api_state(app)["optimizer"]["name"] == "adam"
    assert api_state(app)["optimizer"]["lr"] == 0.05


def test_forward_backward_and_step_each_change_the_drawing(app, errors):
    fresh = drawing(app)
    run(app, "forward", "forward")
    after_forward = drawing(app)
    assert after_forward != fresh
    expect(app.locator('[data-node="2-0"] .value')).not_to_have_text("·")
    expect(app.locator("[data-action=step]")).to_have_attribute("aria-disabled", "true")

    run(app, "backward", "backward")
    app.click("#skip-animation")
    expect(app.locator(".edge.lit")).to_have_count(12)
    after_backward = drawing(app)
    assert after_backward != after_forward
    state = api_state(app)
    assert float(app.get_attribute('[data-edge="1-0-2"]', "data-grad")) == state["layers"][0]["dW"][0][2]

    w_before = float(app.get_attribute('[data-edge="1-0-2"]', "data-w"))
    run(app, "step", "updated")
    assert drawing(app) != after_backward
    state = api_state(app)
    w_after = float(app.get_attribute('[data-edge="1-0-2"]', "data-w"))
    assert w_after == state["layers"][0]["W"][0][2] != w_before
    expect(app.locator(".edge.lit")).to_have_count(0)
    expect(app.locator("[data-role=guidance]")).to_contain_text("Next: Forward")
    assert errors == []


def test_a_clicked_weight_shows_the_dW_of_the_api_and_its_finite_difference_check(app):
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    click_edge(app, "2-1-0")
    chain = app.locator("[data-role=chain]")
    expect(chain).to_have_attribute("data-grad", re.compile(r"\d"))
    expect(chain.locator("code[data-role=dw]")).to_be_visible()
    state = api_state(app)
    assert float(chain.get_attribute("data-grad")) == state["layers"][1]["dW"][1][0]
    assert chain.locator("math").count() >= 3
    expect(chain).to_contain_text("Over the batch (n = 200)")
    chain.get_by_role("button", name=re.compile("finite differences")).click()
    expect(chain.locator("[data-role=gradcheck]")).to_contain_text("agree")


def test_the_single_neuron_preset_reproduces_the_hand_calculation(app, errors):
    app.click("#preset-single")
    expect(app.locator("[data-node]")).to_have_count(2)
    expect(app.locator("[data-role=guide]")).to_contain_text("One neuron, by hand")
    app.keyboard.press("f")
    expect(app.locator("body")).to_have_attribute("data-phase", "forward")
    expect(app.locator('[data-node="1-0"] .value')).to_have_text("0.55")
    app.keyboard.press("b")
    expect(app.locator("body")).to_have_attribute("data-phase", "backward")
    click_edge(app, "1-0-0")
    chain = app.locator("[data-role=chain]")
    expect(chain).to_have_attribute("data-grad", "-0.0557117730683067")
    expect(chain).to_contain_text("0.2475")      # f'(z) = a(1 − a)
    expect(chain).to_contain_text("−0.4502")     # dL/da = a − y
    expect(chain).to_contain_text("0.2 → 0.200557")
    app.click('[data-node="1-0"]')
    node = app.locator("[data-role=node-panel]")
    expect(node).to_contain_text("0.5498")
    expect(node).to_contain_text("−0.1114")
    app.keyboard.press("s")
    expect(app.locator("body")).to_have_attribute("data-phase", "updated")
    assert api_state(app)["layers"][0]["W"][0][0] == 0.2 + 0.01 * 0.0557117730683067
    assert errors == []


def test_play_lowers_the_loss_and_pause_stops_it(app):
    run(app, "forward", "forward")
    first = float(app.get_attribute("#loss-text", "data-value"))
    app.fill("#speed", "5")       # 100 steps per tick
    app.click("[data-action=play]")
    expect(app.locator("[data-action=play]")).to_have_attribute("aria-pressed", "true")
    expect(app.locator("[data-action=forward]")).to_have_attribute("aria-disabled", "true")
    wait_until(app, "Number(document.body.dataset.step) >= 300")
    app.click("[data-action=play]")
    expect(app.locator("[data-action=play]")).to_have_attribute("aria-pressed", "false")
    app.wait_for_timeout(1000)      # for a tick in flight to land: 34 ms at most here (issue 30)
    step = api_state(app)["step"]
    app.wait_for_timeout(300)
    assert api_state(app)["step"] == step, "still training after Pause"
    latest = float(app.get_attribute("#loss-text", "data-value"))
    assert latest < 0.7 * first
    status = app.locator("[data-role=status]")
    expect(status).to_contain_text(f"Paused at step {step}")
    expect(status).not_to_contain_text("grown")


def test_a_loss_that_explodes_is_called_out_before_any_number_overflows(app):
    app.fill("#lr", "1000")
    app.press("#lr", "Enter")
    status = app.locator("[data-role=status]")
    expect(status).to_contain_text("learning rate: 0.3 → 1000")
    for _ in range(3):
        run(app, "forward", "forward")
        run(app, "backward", "backward")
        run(app, "step", "updated")
    expect(status).to_contain_text("The loss has grown from 0.688 to")
    expect(status).to_contain_text("the learning rate 1000 is probably too large")


def test_train_runs_n_steps_with_progress(app):
    train(app, 60)
    expect(app.locator("#train-progress")).to_be_hidden()
    expect(app.locator("[data-role=status]")).to_contain_text("Trained 60 steps")
    app.fill("#train-steps", "20000")
    app.click("[data-action=train]")
    expect(app.locator("[data-role=error]")).to_contain_text("between 1 and 10000 steps")


def test_an_expired_session_is_shown_and_can_be_replaced(app):
    gone = session_id(app)
    assert app.request.delete(f"/api/sessions/{gone}").status == 204
    app.click("[data-action=forward]")
    error = app.locator("[data-role=error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("no longer exists")
    recover = app.get_by_role("button", name="Start a new session")
    recover.click()
    expect(error).to_be_hidden()
    wait_until(app, f"document.body.dataset.session !== {gone!r}")
    run(app, "forward", "forward")


def test_a_limit_refused_by_the_server_is_shown_next_to_the_control(app):
    first = session_id(app)
    app.fill("#lr", "5000000")
    app.press("#lr", "Enter")
    error = app.locator("[data-role=error]")
    expect(error).to_contain_text("learning rate")
    expect(error).to_contain_text("less than or equal to 1000000")
    expect(error).to_contain_text("back to the value in use")
    expect(app.locator("#lr")).to_have_attribute("aria-invalid", "true")
    expect(app.locator("#lr")).to_have_value("0.3")
    assert session_id(app) == first       # the old network stays
    app.locator("#lr").press_sequentially("5")            # typing anew takes the mark away
    expect(app.locator("#lr")).not_to_have_attribute("aria-invalid", "true")


def test_backward_travels_layer_by_layer_and_can_be_skipped(app):
    app.click("#add-layer")
    expect(app.locator("[data-node]")).to_have_count(11)
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    network = app.locator(NETWORK)
    expect(network).to_have_attribute("data-animating", "true")
    # lit 0.83 s into the animation here: a bound of ten times that and more (issue 30)
    expect(app.locator('[data-node="3-0"]')).to_have_class(re.compile("lit-da"), timeout=10000)
    # the output layer is lit before the inputs are
    assert "lit-da" not in app.get_attribute('[data-node="0-0"]', "class")
    expect(app.locator("#animation-caption")).not_to_be_empty()
    expect(app.locator('[data-node="3-0"]')).to_have_class(re.compile("lit-dz"))
    assert "lit-da" not in app.get_attribute('[data-node="1-0"]', "class")
    app.click("#skip-animation")
    expect(network).to_have_attribute("data-animating", "false")
    expect(app.locator('[data-node="0-0"]')).to_have_class(re.compile("lit-da"))
    expect(app.locator(".edge.lit")).to_have_count(2 * 4 + 4 * 4 + 4)
    expect(app.locator("#skip-animation")).to_be_hidden()


def test_backward_is_still_when_reduced_motion_is_asked_for(app):
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    expect(app.locator(".edge.lit")).to_have_count(12)
    assert app.get_attribute(NETWORK, "data-animating") == "false"
    assert app.locator("#skip-animation").is_hidden()


def test_keys_drive_the_network(app):
    app.keyboard.press("f")
    expect(app.locator("body")).to_have_attribute("data-phase", "forward")
    app.keyboard.press("b")
    expect(app.locator("body")).to_have_attribute("data-phase", "backward")
    app.keyboard.press("s")
    expect(app.locator("body")).to_have_attribute("data-phase", "updated")
    app.keyboard.press("r")
    expect(app.locator("body")).to_have_attribute("data-phase", "fresh")
    expect(app.locator("body")).to_have_attribute("data-step", "0")
    app.keyboard.press(" ")
    expect(app.locator("[data-action=play]")).to_have_attribute("aria-pressed", "true")
    app.keyboard.press(" ")
    expect(app.locator("[data-action=play]")).to_have_attribute("aria-pressed", "false")
    # a waiting button explains itself instead of failing
    app.keyboard.press("r")
    expect(app.locator("body")).to_have_attribute("data-phase", "fresh")
    app.keyboard.press("s")
    expect(app.locator("[data-role=status]")).to_contain_text("Step waits")
    # in a menu the keys still drive: "b" does not pick the dataset "blobs"
    app.focus("#dataset")
    app.keyboard.press("f")
    expect(app.locator("body")).to_have_attribute("data-phase", "forward")
    app.keyboard.press("b")
    expect(app.locator("body")).to_have_attribute("data-phase", "backward")
    expect(app.locator("#dataset")).to_have_value("xor")
    expect(app.locator("[data-node]")).to_have_count(2 + 4 + 1)


def point_on_plot(page, n):
    """Page coordinates of data point n on the canvas."""
    return page.evaluate("""(n) => {
        const plot = window.manualgrad.plot;
        const [x, y] = plot.where(plot.frame(), n);
        const r = plot.canvas.getBoundingClientRect();
        return [Math.round(r.left + x), Math.round(r.top + y)];
    }""", n)


def test_clicking_a_point_selects_the_sample_every_number_follows(app):
    run(app, "forward", "forward")
    before = app.get_attribute('[data-node="0-0"]', "aria-label")
    x, y = point_on_plot(app, 17)
    found = app.evaluate("([x, y]) => { const p = window.manualgrad.plot; const r = p.canvas.getBoundingClientRect();"
                         " return p.nearest(p.frame(), x - r.left, y - r.top); }", [x, y])
    assert found >= 0
    app.mouse.click(x, y)
    expect(app.locator("#sample-index")).to_have_value(str(found + 1))       # people count from 1
    expect(app.locator('[data-node="0-0"]')).not_to_have_attribute("aria-label", before)
    picked = api_state(app, found)
    shown = app.evaluate("window.manualgrad.state.sample")
    assert shown == picked["sample"]
    app.click('[data-node="1-0"]')
    expect(app.locator("[data-role=node-panel]")).to_contain_text(f"sample #{found + 1}")


def test_clicking_the_plot_adds_and_removes_points(app):
    train(app, 50)
    trained = api_state(app)["layers"]
    app.check("input[name=click-mode][value=add-1]")
    box = app.locator("#data-plot").bounding_box()
    app.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.4)
    expect(app.locator("[data-role=status]")).to_contain_text("added a point with y = 1")
    expect(app.locator("[data-role=status]")).to_contain_text("the weights on screen carry on")
    expect(app.locator("#dataset")).to_have_value("custom")
    state = api_state(app)
    assert state["points"] == 201
    assert [(l["W"], l["b"]) for l in state["layers"]] == [(l["W"], l["b"]) for l in trained]
    data = app.request.get(f"/api/sessions/{session_id(app)}/data").json()
    assert data["Y"][-1] == [1.0]
    app.check("input[name=click-mode][value=remove]")
    x, y = point_on_plot(app, 200)
    app.mouse.click(x, y)
    expect(app.locator("[data-role=status]")).to_contain_text("removed point")
    assert api_state(app)["points"] == 200


def test_a_minibatch_fades_the_points_outside_it(app):
    app.fill("#batch-size", "10")
    app.press("#batch-size", "Enter")
    expect(app.locator("[data-role=status]")).to_contain_text("batch size: all points → 10")
    run(app, "forward", "forward")
    assert api_state(app)["batch_size"] == 10
    expect(app.locator("#data-caption")).to_contain_text("not in the current minibatch")


def test_a_diverged_network_is_explained_at_each_phase(app):
    app.select_option("#dataset", "sine")
    expect(app.locator("[data-role=status]")).to_contain_text("sine")
    app.fill("#lr", "1000000")
    app.press("#lr", "Enter")
    expect(app.locator("[data-role=status]")).to_contain_text("learning rate 1000000")
    app.fill("#train-steps", "300")
    app.click("[data-action=train]")
    error = app.locator("[data-role=error]")
    expect(error).to_contain_text("the loss is no longer a finite number (it diverged)")
    app.click("text=Dismiss")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    status = app.locator("[data-role=status]")
    expect(status).to_contain_text("the network diverged), so neither are the gradients")
    click_edge(app, "1-0-0")
    chain = app.locator("[data-role=chain]")
    expect(chain).not_to_contain_text("null")
    expect(chain).to_contain_text("no longer a finite number")


def test_a_reload_reopens_this_tabs_session_and_a_rebuild_replaces_it(app):
    """The id lives in sessionStorage: a reload shows the same network at the same step, not a
    new one (the old one would be orphaned); a rebuild names it as the session it replaces."""
    for action, phase in (("forward", "forward"), ("backward", "backward"), ("step", "updated")):
        run(app, action, phase)
    first = session_id(app)
    weights = api_state(app)["layers"]
    app.reload()
    body = app.locator("body")
    expect(body).to_have_attribute("data-session", first)
    expect(body).to_have_attribute("data-step", "1")
    expect(app.locator("#status")).to_contain_text("Reopened")
    assert api_state(app)["layers"] == weights
    app.fill("#lr", "0.05")
    app.press("#lr", "Enter")
    expect(body).not_to_have_attribute("data-session", first)
    assert app.request.get(f"/api/sessions/{first}").status == 404   # replaced, not left behind
    assert app.request.get("/healthz").json()["sessions"] >= 1
