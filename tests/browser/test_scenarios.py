"""Scenarios in the browser: links, presets, copy link, export and import, the teacher's mode."""
import json
import re

import pytest
from playwright.sync_api import expect

from .helpers import api_state, click_edge, open_link, open_scenario, run, session_id, train

pytestmark = pytest.mark.browser

LESSON = {
    "title": "Lesson 1: one hidden unit",
    "description": "What can a single tanh unit draw?",
    "config": {"dataset": {"name": "gaussians"}, "layers": [2, 1, 1]},
    "teacher": {"hide": ["layers", "activations", "play", "export"],
                "lock": ["dataset", "optimizer", "step", "presets", "gradcheck"]},
}
SINGLE = {"dataset": {"name": "single"}, "layers": [1, 1], "activations": ["sigmoid"], "loss": "mse",
          "optimizer": {"name": "sgd", "lr": 0.01}, "params": [{"W": [[0.2]], "b": [0.1]}]}
SINGLE_DW = -0.0557117730683067      # x · f'(z) · (a − y) by hand: 0.5 · 0.247517 · (−0.450166)


def encode(page, scenario):
    response = page.request.post("/api/scenarios/encode", data=scenario)
    assert response.ok, response.text()
    return response.json()["code"]


def nodes_per_layer(page, layers):
    return [page.locator(f'[data-node^="{L}-"]').count() for L in range(layers)]


def weights(state):
    return [{"W": layer["W"], "b": layer["b"]} for layer in state["layers"]]


def test_a_scenario_link_opens_its_network_with_its_weights_and_title(page, errors):
    params = [{"W": [[0.5, -0.25, 1.0], [-1.5, 0.75, 0.125]], "b": [0.1, 0.0, -0.1]},
              {"W": [[1.0, -1.0], [0.5, 0.25], [-0.5, 2.0]], "b": [0.0, 0.2]},
              {"W": [[1.25], [-0.75]], "b": [0.05]}]
    code = encode(page, {"title": "Circles, deeper", "description": "Two small hidden layers, from given weights.",
                         "config": {"dataset": {"name": "circles", "n": 120}, "layers": [2, 3, 2, 1],
                                    "activations": ["relu", "tanh", "sigmoid"], "seed": 4, "params": params}})
    open_link(page, code)
    expect(page.locator("[data-node]")).to_have_count(2 + 3 + 2 + 1)
    assert nodes_per_layer(page, 4) == [2, 3, 2, 1]
    state = api_state(page)
    assert weights(state) == params
    assert state["config"]["activations"] == ["relu", "tanh", "sigmoid"] and state["points"] == 120
    expect(page.locator("[data-role=lesson-title]")).to_have_text("Circles, deeper")
    expect(page.locator("[data-role=lesson]")).to_contain_text("from given weights")
    expect(page.locator("#dataset")).to_have_value("circles")
    expect(page.locator('select[data-layer="0"]')).to_have_value("relu")
    expect(page.locator("#seed")).to_have_value("4")
    expect(page.locator("[data-role=status]")).to_contain_text("Opened “Circles, deeper”")
    assert errors == []


def test_a_damaged_link_is_explained_and_the_default_network_shown(page):
    open_link(page, "1.this-is-not-a-scenario")
    error = page.locator("[data-role=error]")
    expect(error).to_contain_text("This link does not open a network")
    expect(error).to_contain_text("damaged")
    expect(error).to_contain_text("default network")
    expect(page.locator("[data-node]")).to_have_count(2 + 4 + 1)


def test_copy_link_opens_the_same_network_with_its_current_weights(page, errors):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_default_timeout(8000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.select_option("#dataset", "moons")
    expect(page.locator("[data-role=status]")).to_contain_text("data: moons")
    page.click("#add-layer")
    expect(page.locator("[data-node]")).to_have_count(2 + 4 + 4 + 1)
    page.select_option("#optimizer", "momentum")
    expect(page.locator("[data-role=status]")).to_contain_text("optimiser: sgd → momentum")
    train(page, 25)
    mine = api_state(page)
    page.check("#share-weights")
    page.click("[data-action=share]")
    expect(page.locator("[data-role=status]")).to_contain_text("Link copied")
    link = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/#s=1\.[\w.-]+", link), link
    assert page.url == link

    other = page.context.new_page()
    other.set_default_timeout(8000)
    other.goto(link)
    expect(other.locator("[data-node]")).to_have_count(2 + 4 + 4 + 1)
    expect(other.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    theirs = api_state(other)
    assert theirs["id"] != mine["id"] and theirs["step"] == 0
    assert theirs["config"] == mine["config"]
    assert weights(theirs) == weights(mine)          # the weights of step 25, as starting weights
    expect(other.locator("#optimizer")).to_have_value("momentum")
    assert errors == []


def test_copy_link_without_a_clipboard_shows_the_link_to_copy(page):
    page.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: undefined})")
    page.set_default_timeout(8000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.click("[data-action=share]")
    box = page.locator("[data-role=share-link]")
    expect(box).to_be_visible()
    link = page.input_value("#share-url")
    assert "/#s=1." in link and page.url == link
    assert page.evaluate("document.activeElement.id") == "share-url"
    # the link opens the default network it was made from
    code = link.split("#s=")[1]
    scenario = page.request.post("/api/scenarios/decode", data={"code": code}).json()
    assert scenario["config"]["layers"] == [2, 4, 1] and scenario["config"]["params"] is None


def test_the_presets_menu_opens_a_preset_as_a_new_session(app):
    first = session_id(app)
    options = app.locator("#presets option")
    shipped = app.request.get("/api/scenarios").json()["presets"]
    expect(options).to_have_count(1 + len(shipped))       # the prompt and every shipped preset
    app.select_option("#presets", "spiral")
    expect(app.locator("[data-node]")).to_have_count(2 + 16 + 16 + 1)
    expect(app.locator("[data-role=lesson-title]")).to_have_text("Spiral: depth and patience")
    expect(app.locator("[data-role=lesson]")).to_contain_text("Two interleaved spirals")
    assert session_id(app) != first
    assert api_state(app)["config"]["layers"] == [2, 16, 16, 1]
    assert "#s=1." in app.url
    # the single-neuron button is the single-neuron preset
    app.click("#preset-single")
    expect(app.locator("[data-role=lesson-title]")).to_have_text("Single neuron, by hand")
    expect(app.locator("[data-node]")).to_have_count(2)
    assert weights(api_state(app)) == [{"W": [[0.2]], "b": [0.1]}]
    expect(app.locator("#points")).to_have_value("1")          # its one example, not the 200 before
    expect(app.locator("#points")).to_be_disabled()


def test_export_then_import_carries_on_at_the_same_step_and_weights(app, tmp_path):
    app.select_option("#optimizer", "adam")
    expect(app.locator("[data-role=status]")).to_contain_text("optimiser: sgd → adam")
    train(app, 30)
    before = api_state(app)
    with app.expect_download() as download:
        app.click("[data-action=export]")
    file = download.value
    assert file.suggested_filename == "manualgrad-step30.json"
    path = tmp_path / file.suggested_filename
    file.save_as(path)
    assert json.loads(path.read_text())["step"] == 30

    app.click("[data-action=reset]")
    expect(app.locator("body")).to_have_attribute("data-step", "0")
    with app.expect_file_chooser() as chooser:
        app.click("[data-action=import]")
    chooser.value.set_files(path)
    expect(app.locator("body")).to_have_attribute("data-step", "30")
    after = api_state(app)
    assert after["id"] != before["id"]
    assert weights(after) == weights(before) and after["optimizer"] == before["optimizer"]
    expect(app.locator("[data-role=status]")).to_contain_text("carrying on at step 30")
    expect(app.locator("#optimizer")).to_have_value("adam")
    # the loss history came with it, and training goes on from there
    assert app.evaluate("window.manualgrad.chart.steps.length") == 30
    run(app, "forward", "forward")


def test_a_tampered_or_foreign_file_is_refused_with_a_message(app, tmp_path):
    body = app.request.get(f"/api/sessions/{session_id(app)}/export").json()
    body["current_params"][0]["W"][0][0] += 1.0
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(body))
    first = session_id(app)
    app.set_input_files("#import-file", str(tampered))
    error = app.locator("[data-role=error]")
    expect(error).to_contain_text("“tampered.json” cannot be imported")
    expect(error).to_contain_text("changed after it was exported")
    assert session_id(app) == first
    notes = tmp_path / "notes.json"
    notes.write_text("shopping: eggs, milk")
    app.set_input_files("#import-file", str(notes))
    expect(error).to_contain_text("“notes.json” cannot be imported: it is not a JSON file")
    other = tmp_path / "other.json"
    other.write_text('{"hello": "world"}')
    app.set_input_files("#import-file", str(other))
    expect(error).to_contain_text("not a ManualGrad session file")
    huge = tmp_path / "huge.json"                      # over the server's 12 MB session-file limit
    huge.write_text(json.dumps({"padding": "x" * (13 * 1024 * 1024)}))
    app.set_input_files("#import-file", str(huge))
    expect(error).to_contain_text("“huge.json” cannot be imported: it is 13.0 MB, and a session "
                                  "file is at most 12.0 MB.")
    assert session_id(app) == first


def test_the_teachers_mode_hides_and_locks_controls(page, errors):
    open_link(page, encode(page, LESSON))
    expect(page.locator("[data-node]")).to_have_count(2 + 1 + 1)
    # hidden: gone from the page
    for selector in ("#add-layer", 'button[data-op="more"]', 'select[data-layer="0"]', "#output-activation",
                     "[data-action=play]", "#speed", "[data-action=export]"):
        expect(page.locator(selector)).to_be_hidden()
    # locked: visible, disabled, and saying why
    for selector in ("#dataset", "#optimizer", "#lr", "#presets", "#preset-single", "[data-action=step]"):
        expect(page.locator(selector)).to_be_visible()
        expect(page.locator(selector)).to_be_disabled()
    expect(page.locator('.lock-note[data-for="dataset"]')).to_have_text("dataset: locked by your teacher for this lesson")
    expect(page.locator("#why-step")).to_have_text("Step is locked by your teacher for this lesson.")
    expect(page.locator("[data-role=lesson]")).to_contain_text("locked: dataset, optimiser and learning rate, Step, presets")
    expect(page.locator("#seed")).to_be_enabled()
    # the keys obey the lesson too
    page.keyboard.press("f")
    expect(page.locator("body")).to_have_attribute("data-phase", "forward")
    page.keyboard.press("b")
    expect(page.locator("body")).to_have_attribute("data-phase", "backward")
    expect(page.locator("[data-role=guidance]")).to_have_text(            # not "Next: Step"
        "Step is locked by your teacher for this lesson. Explore the numbers on screen: click any node or weight.")
    page.keyboard.press("s")
    expect(page.locator("[data-role=status]")).to_contain_text("Step is locked by your teacher")
    page.keyboard.press(" ")
    expect(page.locator("[data-role=status]")).to_contain_text("Play is turned off by your teacher")
    click_edge(page, "2-0-0")
    chain = page.locator("[data-role=chain]")
    expect(chain.get_by_role("button", name=re.compile("finite differences"))).to_be_disabled()
    expect(chain.locator(".lock-note")).to_have_text("the finite-difference check: locked by your teacher for this lesson")
    assert api_state(page)["step"] == 0
    # a change the lesson allows keeps the lesson's restrictions
    page.fill("#seed", "7")
    page.press("#seed", "Enter")
    expect(page.locator("[data-role=status]")).to_contain_text("seed: 0 → 7")
    expect(page.locator("#dataset")).to_be_disabled()
    expect(page.locator("#add-layer")).to_be_hidden()
    expect(page.locator("[data-role=lesson]")).to_contain_text("You have changed the network")
    assert errors == []


def test_predict_the_gradient_hides_dW_until_the_guess_then_says_how_close(page, errors):
    code = encode(page, {"title": "Predict it", "config": SINGLE,
                         "teacher": {"predict": {"layer": 0, "i": 0, "j": 0}}})
    open_link(page, code)
    page.emulate_media(reduced_motion="reduce")
    box = page.locator("[data-role=predict]")
    expect(box).to_be_visible()
    edge = page.locator('#network [data-edge="1-0-0"]')
    expect(edge).to_have_class(re.compile(r"\bexercise\b"))
    page.press("#predict-guess", "Enter")      # the button waits (aria-disabled), Enter explains why
    expect(box).to_contain_text("Run Forward and Backward first")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    expect(box).to_have_attribute("data-state", "asking")
    expect(box).to_contain_text("dW = a_prev · f′(z) · ∂L/∂a")     # one sample: dW is one product
    expect(box).to_contain_text("one try per Backward")
    # dW shows nowhere: not on the weight, not in its panel, not in the guide's hand calculation
    assert edge.get_attribute("data-grad") is None
    assert "0.0557" not in page.inner_text("body") and "0.05571" not in page.content()
    click_edge(page, "1-0-0")
    chain = page.locator("[data-role=chain]")
    expect(chain).to_contain_text("stays hidden until you make your prediction")
    assert chain.get_attribute("data-grad") is None
    page.click('[data-node="1-0"]')
    expect(page.locator("[data-role=node-panel]")).to_contain_text("dW = ? (predict it)")
    assert "0.0557" not in page.inner_text("body")

    page.fill("#predict-guess", "a lot")
    page.click("[data-action=check-prediction]")
    expect(box).to_contain_text("Type a number")
    page.fill("#predict-guess", "−0.0556")
    page.press("#predict-guess", "Enter")
    verdict = page.locator("[data-role=verdict]")
    expect(verdict).to_have_text("Within 1 %.")
    assert abs(float(verdict.get_attribute("data-relative-error")) - abs(-0.0556 - SINGLE_DW) / -SINGLE_DW) < 1e-12
    expect(box).to_contain_text("the real dW −0.0557118")
    # revealed: the chain rule of that weight opens, with its dW
    expect(chain).to_have_attribute("data-grad", str(SINGLE_DW))
    expect(chain).to_contain_text("Over the batch")
    assert float(edge.get_attribute("data-grad")) == SINGLE_DW

    # the next Backward hides the new dW again; a guess of the wrong sign is told so
    run(page, "step", "updated")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    assert edge.get_attribute("data-grad") is None
    page.fill("#predict-guess", "0.05")
    page.click("[data-action=check-prediction]")
    expect(verdict).to_have_text("Wrong sign.")
    cases = page.evaluate("""() => import("/static/controls/predict.js").then((m) => [
        m.closeness(-0.15, -0.05).verdict, m.closeness(-0.0101, -0.01).verdict,
        m.closeness(-0.011, -0.01).verdict, m.closeness(-0.01, -0.05).verdict, m.parseGuess("−5e-2")])""")
    assert cases == ["right sign, off by 3× (too large)", "within 1 %", "within 10 %",
                     "right sign, off by 5× (too small)", -0.05]
    assert errors == []


def test_predict_on_a_batch_says_dW_sums_over_it(page, errors):
    open_link(page, encode(page, {"teacher": {"predict": {"layer": 0, "i": 0, "j": 0}}}))
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    box = page.locator("[data-role=predict]")
    expect(box).to_contain_text("over the 200 samples of the batch")
    expect(box).to_contain_text("estimate its sign and size")
    assert errors == []



def test_copy_link_with_weights_too_big_for_a_link_says_so_and_gives_one_without(page, errors):
    """The weights of 2-64x6-1 (21,000 numbers) would make a link of ~300,000 characters, which
    the server would refuse when opened: Copy says so, and copies the link without weights."""
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_default_timeout(15000)
    config = {"layers": [2] + [64] * 6 + [1]}
    open_scenario(page, {"config": config})
    expect(page.locator("[data-node]")).to_have_count(2 + 64 * 6 + 1)
    page.check("#share-weights")
    page.click("[data-action=share]")
    status = page.locator("[data-role=status]")
    expect(status).to_contain_text("do not fit in a link")
    expect(status).to_contain_text("Link copied")
    expect(status).to_contain_text("use Export")
    link = page.evaluate("navigator.clipboard.readText()")
    assert len(link) < 2000 and not page.is_checked("#share-weights")
    scenario = page.request.post("/api/scenarios/decode", data={"code": link.split("#s=")[1]}).json()
    assert scenario["config"]["params"] is None and scenario["config"]["layers"] == config["layers"]
    # the browser notes the server's refusal of the first code; nothing else went wrong
    assert all("status of 422" in e for e in errors), errors
