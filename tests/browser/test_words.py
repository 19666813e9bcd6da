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
