"""Batch norm and dropout on the page: the Build panel offers them, the drawing tags batch-norm
units and crosses out the units dropped for the followed sample, and a unit's panel shows the
stages and the backward's terms with the API's numbers."""
import math
import re

import pytest
from playwright.sync_api import expect

from .helpers import api_state, open_scenario, run

pytestmark = pytest.mark.browser

CONFIG = {"layers": [2, 5, 4, 1], "dataset": {"name": "circles", "n": 60}, "seed": 3,
          "layer_options": [{"batch_norm": True, "dropout": 0.4}, {"batch_norm": True}]}


def open_options(page):
    open_scenario(page, {"config": CONFIG})
    run(page, "forward", "forward")
    run(page, "backward", "backward")


def follow(page, sample):
    page.fill("#sample-index", str(sample + 1))             # people count from 1
    page.press("#sample-index", "Enter")
    expect(page.locator("#sample-index")).to_have_value(str(sample + 1))


def a_sample_with_a_dropped_unit(page):
    for sample in range(60):
        mask = api_state(page, sample)["sample"]["layers"][0]["mask"]
        if 0.0 in mask and 1.0 in mask:
            return sample, mask
    raise AssertionError("no sample had a unit dropped")


def test_the_drawing_tags_batch_norm_and_crosses_out_the_dropped_units(page, errors):
    open_options(page)
    expect(page.locator(".bn-tag")).to_have_count(5 + 4)
    sample, mask = a_sample_with_a_dropped_unit(page)
    follow(page, sample)
    for i, kept in enumerate(mask):
        expect(page.locator(f'[data-node="1-{i}"]')).to_have_attribute("data-dropped", "false" if kept else "true")
    dropped = mask.index(0.0)
    expect(page.locator(f'[data-node="1-{dropped}"] .cross')).to_be_visible()
    expect(page.locator(f'[data-node="1-{dropped}"]')).to_have_attribute(
        "aria-label", re.compile("batch norm: z = .* → ẑ = .* → γẑ \\+ β = .*; dropped by dropout for this sample"))
    # its weights out carry nothing from this sample: drawn faint
    expect(page.locator(f'[data-edge="2-{dropped}-0"]')).to_have_class("edge dropped-edge")
    assert errors == []


def test_a_batch_norm_units_panel_shows_the_stages_and_terms_with_the_apis_numbers(page, errors):
    open_options(page)
    sample, mask = a_sample_with_a_dropped_unit(page)
    follow(page, sample)
    state = api_state(page, sample)
    unit = mask.index(1.0)
    page.click(f'[data-node="1-{unit}"]')
    panel = page.locator("[data-role=node-panel]")
    norm, entry = state["layers"][0]["batch_norm"], state["sample"]["layers"][0]
    z_hat = page.locator('[data-stage="z_hat"]')
    expect(z_hat).to_contain_text("over the 60 samples of this batch")
    mean = float(z_hat.locator("math").first.get_attribute("alttext").split("= ")[1])
    assert math.isclose(mean, entry["z_hat"][unit], rel_tol=1e-12)
    y = float(page.locator('[data-stage="y"] math').first.get_attribute("alttext").split("= ")[1])
    assert math.isclose(y, entry["y"][unit], rel_tol=1e-12)
    expect(panel.locator("[data-role=dropout-mask]")).to_contain_text("Kept")
    dz = panel.locator("[data-role=batch-norm-dz]")
    terms = [float(t) for t in dz.get_attribute("data-terms").split(",")]
    assert math.isclose(sum(terms), entry["dz"][unit], rel_tol=1e-9, abs_tol=1e-15)
    # the three terms as the page shows them, from the API's dL/dy, γ, statistics and sums
    gamma, var, mu = norm["gamma"][unit], norm["var"][unit], norm["mean"][unit]
    assert math.isclose(terms[0], gamma * entry["dy"][unit] / math.sqrt(var + 1e-5), rel_tol=1e-12)
    assert math.isclose(terms[1], norm["dvar"][unit] * 2 * (entry["z"][unit] - mu) / 60, rel_tol=1e-12)
    assert math.isclose(terms[2], norm["dmean"][unit] / 60, rel_tol=1e-12, abs_tol=1e-18)
    expect(panel).to_contain_text("depends on the whole batch")
    expect(panel).to_contain_text("0 up to rounding")
    # a dropped unit's panel says so
    page.click(f'[data-node="1-{mask.index(0.0)}"]')
    expect(page.locator("[data-role=dropout-mask]")).to_contain_text(f"Dropped for sample #{sample + 1}")
    expect(page.locator("[data-role=dropout-mask]")).to_have_attribute("data-mask", "0")
    assert errors == []


def test_the_build_panel_turns_the_options_on(page, errors):
    page.goto("/")
    expect(page.locator("body")).not_to_have_attribute("data-session", "")
    first = page.locator("body").get_attribute("data-session")
    page.check('input[data-option="batch_norm"][data-layer="0"]')
    expect(page.locator("body")).not_to_have_attribute("data-session", first)
    expect(page.locator(".bn-tag")).to_have_count(4)
    second = page.locator("body").get_attribute("data-session")
    page.fill('input[data-option="dropout"][data-layer="0"]', "0.5")
    page.press('input[data-option="dropout"][data-layer="0"]', "Enter")
    expect(page.locator("body")).not_to_have_attribute("data-session", second)
    expect(page.locator("[data-role=data-caption], #data-caption")).to_contain_text("inference mode")
    assert api_state(page)["config"]["layer_options"] == [{"batch_norm": True, "dropout": 0.5}]
    assert errors == []


def test_a_softmax_outputs_panel_shows_its_jacobian_row_and_the_sum_the_backward_gives(page, errors):
    for loss in ("cross_entropy", "mse"):
        config = {"dataset": {"name": "blobs", "n": 60}, "layers": [2, 4, 3], "activations": ["tanh", "softmax"],
                  "loss": loss, "seed": 2}
        open_scenario(page, {"config": config})
        run(page, "forward", "forward")
        run(page, "backward", "backward")
        state = api_state(page)
        for unit in (0, 2):
            page.click(f'[data-node="2-{unit}"]')
            jac = page.locator("[data-role=softmax-jacobian]")
            expect(jac).to_be_visible()
            row = [float(v) for v in jac.get_attribute("data-row").split(",")]
            chain = page.request.get(f"/api/sessions/{state['id']}/chain?layer=1&i=0&j={unit}&sample=0").json()
            assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) for a, b in zip(row, chain["jacobian_row"]))
            total = float(jac.get_attribute("data-sum"))
            assert math.isclose(total, state["sample"]["layers"][1]["dz"][unit], rel_tol=1e-9, abs_tol=1e-15), loss
    assert errors == []
