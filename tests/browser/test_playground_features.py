"""Issue 21's parts built so far, in the page: a typed weight changes the output; regularisation
is chosen in Build and its two parts of dW are shown."""
import pytest
from playwright.sync_api import expect

from .helpers import api_state, click_edge, run, wait_until

pytestmark = pytest.mark.browser


def test_a_typed_weight_changes_the_output(app, errors):
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    before = api_state(app)
    output = app.locator('[data-node="2-0"] .value')
    shown = output.text_content()
    click_edge(app, "2-1-0")
    editor = app.locator("[data-role=weight-editor]")
    editor.locator("[data-role=weight-value]").fill("-3")
    editor.locator("[data-action=set-weight]").click()
    expect(app.locator("body")).to_have_attribute("data-phase", "fresh")
    state = api_state(app)
    assert state["layers"][1]["W"][1][0] == -3 and state["step"] == before["step"]
    expect(app.locator('#network [data-edge="2-1-0"]')).to_have_attribute("data-w", "-3")
    run(app, "forward", "forward")
    assert api_state(app)["sample"]["layers"][1]["a"] != before["sample"]["layers"][1]["a"]
    expect(output).not_to_have_text(shown)
    click_edge(app, "2-2-0")
    app.locator("[data-action=zero-weight]").click()
    expect(app.locator('#network [data-edge="2-2-0"]')).to_have_attribute("data-w", "0")
    assert errors == []


def test_regularisation_is_chosen_in_build_and_dw_shows_both_parts(app, errors):
    app.emulate_media(reduced_motion="reduce")
    app.fill("#reg-rate", "0.2")
    app.select_option("#reg-kind", "l2")
    expect(app.locator("[data-role=status]")).to_contain_text("regularisation")
    state = api_state(app)
    assert state["config"]["regularization"] == {"kind": "l2", "rate": 0.2}
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    click_edge(app, "1-0-1")
    parts = app.locator("[data-role=dw-parts]")
    expect(parts).to_be_visible()
    expect(app.locator("[data-role=chain]")).to_contain_text("pulls every weight toward 0")
    assert errors == []


def test_features_are_drawn_as_named_inputs_with_their_pictures(app, errors):
    app.emulate_media(reduced_motion="reduce")
    app.select_option("#dataset", "circles")
    expect(app.locator("[data-role=status]")).to_contain_text("New network")
    app.locator('#features input[value="x1^2"]').check()
    expect(app.locator("[data-role=status]")).to_contain_text("input features: x1, x2 → x1, x2, x1^2")
    expect(app.locator('#network [data-node^="0-"]')).to_have_count(3)
    expect(app.locator("#network .labels .name").first).to_have_text("x₁")
    names = app.locator("#network .labels .name").all_text_contents()
    assert "x₁²" in names
    state = api_state(app)
    assert state["config"]["features"] == ["x1", "x2", "x1^2"] and state["config"]["layers"][0] == 3
    expect(app.locator('[data-node="0-2"] canvas.picture-canvas')).to_have_attribute("data-painted", "true")
    # the square's picture is not the plane's x: its corners are the largest
    corners = app.evaluate("""() => { const c = document.querySelector('[data-node="0-2"] canvas.picture-canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const px = (x, y) => Array.from(d.slice((y * c.width + x) * 4, (y * c.width + x) * 4 + 3));
        return [px(0, 0), px(c.width - 1, 0), px(Math.floor(c.width / 2), Math.floor(c.height / 2))]; }""")
    assert corners[0] == corners[1] and corners[0] != corners[2]
    for value, check in (("x1", False), ("x2", False), ("x2^2", True)):
        box = app.locator(f'#features input[value="{value}"]')
        box.check() if check else box.uncheck()
        expect(app.locator("[data-role=status]")).to_contain_text("→ ")
        wait_until(app, "document.querySelectorAll('#network [data-node^=\"0-\"]').length === "
                        "document.querySelectorAll('#features input:checked').length")
    expect(app.locator("#input-row")).to_contain_text("Inputs: 2 (the features chosen below)")
    assert errors == []


def test_test_points_their_loss_charted_and_drawn_hollow(app, errors):
    app.emulate_media(reduced_motion="reduce")
    app.select_option("#presets", "overfitting")
    expect(app.locator("[data-role=lesson-title]")).to_contain_text("Overfitting")
    toggle = app.locator("#test-toggle")
    expect(toggle).to_be_visible()
    expect(toggle).to_contain_text("show the 30 test points")
    state = api_state(app)
    assert state["test_points"] == 30 and state["points"] == 30
    app.fill("#train-steps", "60")
    app.click("[data-action=train]")
    expect(app.locator("body")).to_have_attribute("data-step", "60", timeout=20000)
    wait_until(app, "window.manualgrad.chart.test && window.manualgrad.chart.test.steps.length === 60")
    expect(app.locator("[data-role=test-loss]")).to_contain_text("test, right scale: loss")
    run(app, "forward", "forward")
    shown = float(app.locator("[data-role=test-loss]").get_attribute("data-value"))
    assert shown == api_state(app)["test_loss"]
    assert app.evaluate("window.manualgrad.plot.testShown") is False
    app.locator("#show-test").check()
    assert app.evaluate("window.manualgrad.plot.testShown") is True
    assert app.evaluate("window.manualgrad.plot.test.X.length") == 30
    assert errors == []
