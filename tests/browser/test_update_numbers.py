"""The numbers behind an update on the page: what the optimiser remembers, each sample's part of
dW, the step preview and the gradients' health show the API's own numbers."""
import json
import re

import numpy as np
import pytest
from playwright.sync_api import expect

from .helpers import api_state, click_edge, open_scenario, run, session_id, train

pytestmark = pytest.mark.browser


def chain_of(page, layer, i, j, sample):
    response = page.request.get(f"/api/sessions/{session_id(page)}/chain?layer={layer}&i={i}&j={j}&sample={sample}")
    assert response.ok, response.text()
    return response.json()


def with_optimizer(page, name):
    page.select_option("#optimizer", name)
    expect(page.locator("[data-role=status]")).to_contain_text("New network")


def test_momentum_memory_and_the_terms_of_a_weight(app, errors):
    app.emulate_media(reduced_motion="reduce")
    with_optimizer(app, "momentum")
    train(app, 3)
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    click_edge(app, "2-1-0")
    memory = app.locator("[data-role=optimizer-memory]")
    expect(memory).to_have_attribute("data-optimizer", "momentum")
    chain = chain_of(app, 1, 1, 0, api_state(app)["sample"]["index"])
    assert float(memory.get_attribute("data-velocity")) == chain["memory"]["velocity"] != 0
    expect(memory).to_contain_text(f"{chain['memory']['velocity']:.6f}"[:8].replace("-", "−"))
    terms = app.locator("[data-role=sample-terms]")
    assert float(terms.get_attribute("data-sum")) == chain["terms_sum"]
    assert int(terms.get_attribute("data-count")) == chain["terms_count"] == 200
    bars = terms.locator(".term")
    expect(bars).to_have_count(40)                # the largest 40 drawn, the rest counted
    products = [float(bars.nth(k).get_attribute("data-product")) for k in range(40)]
    assert products == sorted(products, key=abs, reverse=True)
    assert max(map(abs, products)) == max(abs(t["product"]) for t in chain["terms"])
    # a click on a term follows that sample
    target = bars.nth(5).get_attribute("data-sample")
    bars.nth(5).click()
    expect(app.locator("#sample-index")).to_have_value(str(int(target) + 1))     # people count from 1
    assert api_state(app, int(target))["sample"]["index"] == int(target)
    assert errors == []


def test_adam_memory_shows_the_corrected_moments(app, errors):
    app.emulate_media(reduced_motion="reduce")
    with_optimizer(app, "adam")
    train(app, 2)
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    click_edge(app, "1-0-1")
    memory = app.locator("[data-role=optimizer-memory]")
    expect(memory).to_have_attribute("data-t", "2")
    chain = chain_of(app, 0, 0, 1, api_state(app)["sample"]["index"])
    text = memory.inner_text()
    for name in ("m_hat", "v_hat"):
        assert f"{chain['memory'][name]:.4g}"[:5].replace("-", "−") in text.replace(" ", ""), name
    assert errors == []


def test_step_preview_before_and_after_the_step(app, errors):
    app.emulate_media(reduced_motion="reduce")
    preview = app.locator("[data-role=step-preview]")
    run(app, "forward", "forward")
    expect(preview).to_be_hidden()
    run(app, "backward", "backward")
    expect(preview).to_be_visible()
    state = api_state(app)
    assert float(preview.get_attribute("data-predicted")) == state["step_preview"]["predicted"]
    expect(preview).to_contain_text("to first order, the next Step changes this batch’s loss by")
    run(app, "step", "updated")
    state = api_state(app)
    assert float(preview.get_attribute("data-actual")) == state["step_preview"]["actual"]
    expect(preview).to_have_attribute("data-verdict", "close")
    expect(preview).to_contain_text("Step 1 changed this batch’s loss by")
    assert errors == []


DEAD_UNIT = {"config": {
    "layers": [2, 4, 1], "activations": ["relu", "sigmoid"], "dataset": {"name": "xor", "n": 100},
    # hidden unit 2's bias keeps its z below 0 on every point: a dead ReLU
    "params": [{"W": [[1.0, 0.0, 0.5, -1.0], [0.0, 1.0, 0.5, 1.0]], "b": [0.0, 0.0, -100.0, 0.0]},
               {"W": [[0.5], [-0.5], [0.3], [0.2]], "b": [0.0]}]}}


def test_gradient_health_charts_the_norms_and_names_dead_units(page, errors):
    open_scenario(page, DEAD_UNIT)
    page.emulate_media(reduced_motion="reduce")
    health = page.locator("[data-role=gradient-health]")
    health.locator("summary").click()
    train(page, 30)
    expect(page.locator("[data-role=norms-chart]")).to_have_attribute("data-drawn", "30")
    run(page, "forward", "forward")
    units = page.locator("[data-role=health-units]")
    expect(units).to_contain_text("h₁₃ is dead")
    expect(page.locator('[data-node="1-2"]')).to_have_class(re.compile(r"\bdead\b"))
    expect(page.locator('[data-node="1-1"]')).not_to_have_class(re.compile(r"\bdead\b"))
    expect(health.locator("summary")).to_contain_text("1 unit not learning")
    run(page, "backward", "backward")
    state = api_state(page)
    assert json.loads(units.get_attribute("data-dead")) == state["dead_units"] == [[2], []]
    shown = json.loads(page.locator("[data-role=health-now]").get_attribute("data-norms"))
    assert shown == [g["W"] for g in state["grad_norms"]]
    expect(page.locator("[data-role=health-trends]")).to_contain_text(re.compile("vanishing|exploding|No layer"))
    assert errors == []


def test_the_predict_exercise_hides_what_would_give_its_dw_away(page, errors):
    open_scenario(page, {"teacher": {"predict": {"layer": 0, "i": 0, "j": 0}}})
    page.emulate_media(reduced_motion="reduce")
    page.locator("[data-role=gradient-health] summary").click()
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    preview = page.locator("[data-role=step-preview]")
    expect(preview).to_contain_text("shown once you have checked your prediction")
    assert preview.get_attribute("data-verdict") == ""
    now = page.locator("[data-role=health-now]")
    expect(now).to_contain_text("hidden until you predict")
    state = api_state(page)
    assert json.loads(now.get_attribute("data-norms")) == [None, state["grad_norms"][1]["W"]]
    page.fill("#predict-guess", "0.01")
    page.click("[data-action=check-prediction]")
    expect(preview).to_contain_text("the next Step changes this batch’s loss by")
    expect(now).not_to_contain_text("until you predict")
    assert errors == []


def matrix(view, name):
    """The numbers of the matrix table called `name`, as rows of floats (None for "?")."""
    return view.locator(f'table[data-matrix="{name}"]').first.evaluate(
        "(t) => [...t.querySelectorAll('tr')].slice(1).map((tr) => [...tr.querySelectorAll('td')]"
        ".filter((td) => td.dataset.r !== undefined).map((td) => td.dataset.value === undefined ? null : Number(td.dataset.value)))")


def open_matrix_view(page, config):
    """A batch of 6 after Forward and Backward, the matrix view of weight 1-1-2 open."""
    open_scenario(page, {"config": {"batch_size": 6, **config}})
    page.emulate_media(reduced_motion="reduce")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    click_edge(page, "1-1-2")
    view = page.locator("[data-role=matrix-view]")
    view.locator("summary").click()
    return view


def test_the_matrix_view_multiplies_to_the_states_dw(page, errors):
    view = open_matrix_view(page, {})
    expect(view.locator("table")).to_have_count(11)
    A_t, dZ, dW = (np.array(matrix(view, name)) for name in ("A_prevᵀ", "dZ", "dW"))
    assert A_t.shape == (2, 6) and dZ.shape == (6, 4)
    state = api_state(page)
    np.testing.assert_allclose(A_t @ dZ, np.array(state["layers"][0]["dW"]), rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(dW, np.array(state["layers"][0]["dW"]))
    expect(view.locator('table[data-matrix="dW"] td.hl')).to_have_attribute("data-r", "1")   # the first: dW = A_prevᵀ · dZ
    expect(view.locator('table[data-matrix="dW"] td.hl')).to_have_attribute("data-c", "2")
    expect(view).to_contain_text("(2 × 6) · (6 × 4) = (2 × 4)")
    # the layer after: dA = δ next · W nextᵀ, then ⊙ f′(Z) gives δ = dZ
    dA, fp = np.array(matrix(view, "dA")), np.array(matrix(view, "f′(Z)"))
    np.testing.assert_allclose(np.array(matrix(view, "δ next = dZ next")) @ np.array(matrix(view, "W nextᵀ")), dA, rtol=1e-9)
    np.testing.assert_allclose(dA * fp, np.array(matrix(view, "δ = dZ")), rtol=1e-9, atol=1e-18)
    assert errors == []


def test_paths_sum_to_dL_da_and_open_their_weight(app, errors):
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    click_edge(app, "1-0-3")
    paths = app.locator("[data-role=paths]")
    expect(paths.locator("button.path")).to_have_count(1)
    button = paths.locator("button.path")
    total = float(button.get_attribute("data-w")) * float(button.get_attribute("data-dl-dz"))
    assert total == pytest.approx(float(paths.get_attribute("data-dl-da")), rel=1e-12)
    state = api_state(app)
    assert float(paths.get_attribute("data-dl-da")) == pytest.approx(state["sample"]["layers"][0]["da"][3], rel=1e-12)
    button.click()
    expect(app.locator("[data-role=chain]")).to_have_attribute("data-edge", "2-3-0")
    assert errors == []


RECORD_CAPTIONS = """() => {
  // every caption the movement shows, however briefly: a loaded machine may show one for less
  // time than a poll takes
  window.captions = [];
  const caption = document.getElementById("animation-caption");
  new MutationObserver(() => window.captions.push(caption.textContent))
    .observe(caption, { childList: true, characterData: true, subtree: true });
}"""


def test_forward_is_animated_layer_by_layer_and_skippable(app, errors):
    network = app.locator("#network")
    app.evaluate(RECORD_CAPTIONS)
    app.click("[data-action=forward]")
    expect(network).to_have_attribute("data-animating", "true")
    expect(network).to_have_attribute("data-animating", "false", timeout=30000)
    shown = app.evaluate("window.captions")
    # the inputs, then each layer's z before its a, then the loss, in that order
    assert shown[0].startswith("Forward: the batch")
    layer_steps = [c.split(":")[0] + (" z" if "z = Σ a_prev" in c else " a") for c in shown
                   if c.startswith(("Hidden layer", "Output layer"))]
    assert layer_steps == ["Hidden layer 1 z", "Hidden layer 1 a", "Output layer z", "Output layer a"], shown
    assert shown[-1].startswith("The loss compares")
    # skipped at once: every value is shown, nothing waits
    run(app, "reset", "fresh")
    app.click("[data-action=forward]")
    expect(network).to_have_attribute("data-animating", "true")
    expect(app.locator('[data-node="2-0"]')).to_have_class(re.compile(r"\bpending\b"))
    app.click("#skip-animation")
    expect(network).to_have_attribute("data-animating", "false")
    assert app.locator("#network .pending").count() == 0
    expect(app.locator("#animation-caption")).to_contain_text("Forward done")
    app.emulate_media(reduced_motion="reduce")
    run(app, "reset", "fresh")
    app.click("[data-action=forward]")
    expect(app.locator("#animation-caption")).to_contain_text("Forward done")
    assert network.get_attribute("data-animating") != "true"
    assert errors == []


def test_bias_markers_show_b_and_db(app, errors):
    app.emulate_media(reduced_motion="reduce")
    expect(app.locator("#network [data-bias]")).to_have_count(4 + 1)
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    state = api_state(app)
    for L, layer in enumerate(state["layers"], start=1):
        for i, (b, db) in enumerate(zip(layer["b"], layer["db"])):
            marker = app.locator(f'#network [data-bias="{L}-{i}"]')
            assert float(marker.get_attribute("data-b")) == b and float(marker.get_attribute("data-db")) == db
    app.locator('#network [data-bias="1-2"]').click()
    expect(app.locator("[data-role=node-panel]")).to_contain_text("∂L/∂b")
    assert errors == []


def test_the_predict_exercise_hides_its_weight_in_the_matrices_and_paths(page, errors):
    open_scenario(page, {"config": {"batch_size": 6}, "teacher": {"predict": {"layer": 1, "i": 3, "j": 0}}})
    page.emulate_media(reduced_motion="reduce")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    click_edge(page, "1-0-3")            # its path runs through the weight to predict (2-3-0)
    expect(page.locator("[data-role=paths] button.path")).to_contain_text("hidden")
    assert page.locator("[data-role=paths] button.path").get_attribute("data-dl-dz") is None
    click_edge(page, "2-1-0")            # the same layer as the weight to predict
    view = page.locator("[data-role=matrix-view]")
    view.locator("summary").click()
    expect(view.locator("table")).to_have_count(6)       # the output layer: dW and dA_prev, no recursion
    dW = matrix(view, "dW")
    assert dW[3][0] is None and dW[1][0] is not None
    assert errors == []


def test_with_regularisation_the_matrix_product_is_dw_data(page, errors):
    view = open_matrix_view(page, {"regularization": {"kind": "l2", "rate": 0.1}})
    expect(view.locator('table[data-matrix="dW_data"]')).to_have_count(1)
    A_t, dZ, data = (np.array(matrix(view, name)) for name in ("A_prevᵀ", "dZ", "dW_data"))
    state = api_state(page)
    W, dW = np.array(state["layers"][0]["W"]), np.array(state["layers"][0]["dW"])
    np.testing.assert_allclose(A_t @ dZ, data, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(data + 0.1 * W, dW, rtol=1e-12, atol=1e-15)
    expect(view).to_contain_text("With l2 regularisation the product is dW_data")
    assert errors == []


def test_a_softmax_outputs_panel_shows_its_jacobian_row(page, errors):
    open_scenario(page, {"config": {"layers": [2, 4, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy",
                                    "dataset": {"name": "blobs", "n": 30}}})
    page.emulate_media(reduced_motion="reduce")
    run(page, "forward", "forward")
    run(page, "backward", "backward")
    click_edge(page, "2-1-2")
    section = page.locator("[data-role=softmax-jacobian]")
    expect(section).to_have_attribute("data-agree", "true")
    expect(section).to_contain_text("J = diag(a) − a aᵀ")
    expect(section).to_contain_text("fused with cross-entropy")
    assert errors == []
