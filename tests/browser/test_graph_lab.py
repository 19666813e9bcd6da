"""The computational graph lab: both modes stepped node by node, += on reuse, links both ways."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import wait_until

pytestmark = pytest.mark.browser


def open_lab(page):
    page.set_default_timeout(8000)
    page.goto("/graph")
    expect(page.locator("[data-role=graph] [data-gnode]")).to_have_count(5)     # (x1 + x2) * x3


def test_reverse_mode_node_by_node(page, errors):
    open_lab(page)
    nodes = page.locator("[data-role=graph] [data-gnode]")
    assert [nodes.nth(k).get_attribute("data-grad") for k in range(5)] == [None] * 5
    page.click("[data-action=graph-step]")                 # the output: gradient 1
    expect(page.locator('[data-gnode="4"]')).to_have_attribute("data-grad", "1")
    expect(page.locator("#graph-caption")).to_contain_text("local derivative × upstream gradient")
    page.click("[data-action=graph-run]")
    for k, grad in {0: "3", 1: "3", 2: "3", 3: "3"}.items():
        expect(page.locator(f'[data-gnode="{k}"]')).to_have_attribute("data-grad", grad)
    page.click("[data-action=graph-back]")
    assert page.locator('[data-gnode="0"]').get_attribute("data-grad") is None   # back one: x1 not done
    expect(page.locator("#graph-progress")).to_have_text("4 of 5 nodes")
    assert errors == []


def test_a_value_used_twice_grows_by_plus_equals(page, errors):
    open_lab(page)
    page.select_option("#graph-presets", "2")              # b = a + a
    expect(page.locator("[data-role=graph] [data-gnode]")).to_have_count(2)
    page.click("[data-action=graph-step]")
    expect(page.locator('[data-gnode="0"] .ggrad')).to_have_text("grad 1 + 1 = 2 so far")
    expect(page.locator("#graph-caption")).to_contain_text("grows by += twice")
    page.click("[data-action=graph-step]")
    expect(page.locator('[data-gnode="0"]')).to_have_attribute("data-grad", "2")
    assert errors == []


def test_forward_mode_carries_one_inputs_tangent(page, errors):
    open_lab(page)
    page.select_option("#graph-presets", "1")              # micrograd's neuron
    expect(page.locator("[data-role=graph] [data-gnode]")).to_have_count(10)
    page.check("input[name=graph-mode][value=forward]")
    page.select_option("#graph-wrt", "w1")
    expect(page.locator("#graph-caption")).to_contain_text("d/dw1")
    page.click("[data-action=graph-run]")
    out = page.locator('[data-gnode="9"]')
    # the run's last pass may land a moment after the click: wait for it, then check it exactly
    wait_until(page, "Math.abs(Number(document.querySelector('[data-gnode=\"9\"]').dataset.tangent) - 1) < 1e-12")
    assert abs(float(out.get_attribute("data-tangent")) - 1.0) < 1e-12      # d tanh(n)/d w1 = 1
    assert abs(float(out.get_attribute("data-value")) - 0.7071067811865476) < 1e-15
    expect(page.locator("[data-role=graph-summary]")).to_contain_text("one pass per input")
    page.select_option("#graph-presets", "6")              # a saddle: its contour and gradient
    expect(page.locator("[data-role=contour]")).to_have_attribute("data-drawn", "true")
    expect(page.locator("[data-role=graph-summary]")).to_contain_text("a saddle")
    assert errors == []


def test_a_bad_expression_is_named_and_the_pages_link_both_ways(page, errors):
    open_lab(page)
    page.fill("#graph-source", "x1.__class__")
    page.click("[data-action=graph-build]")
    expect(page.locator("#error-text")).to_contain_text("attribute access")
    page.click("[data-role=to-network]")
    expect(page).to_have_url(re.compile(r"/$"))
    page.click("[data-role=to-graph]")
    expect(page).to_have_url(re.compile(r"/graph$"))
    assert [e for e in errors if "422" not in e] == []      # the refused build is the browser's 422 line


def test_a_unit_opened_as_a_graph_has_the_chain_panels_factors(app, errors):
    from urllib.parse import parse_qs, urlsplit

    from .helpers import api_state, run
    app.emulate_media(reduced_motion="reduce")
    run(app, "forward", "forward")
    run(app, "backward", "backward")
    app.click('[data-node="2-0"]')
    link = app.locator("[data-action=open-graph]")
    expect(link).to_contain_text("as a computational graph")
    given = parse_qs(urlsplit(link.get_attribute("href")).fragment)
    source, values = given["source"][0], given["values"][0]
    values = {k.strip(): float(v) for k, v in (p.split("=") for p in values.split(","))}
    reply = app.request.post("/api/graph", data={"source": source, "values": values}).json()
    sid = api_state(app)["id"]
    for k in range(4):                         # the weights into the output, from h₁₁ … h₁₄
        chain = app.request.get(f"/api/sessions/{sid}/chain?layer=1&i={k}&j=0&sample=0").json()
        assert abs(reply["gradients"][f"w{k + 1}"] - chain["product"]) <= 1e-12 * max(1, abs(chain["product"]))
        assert abs(reply["gradients"][f"a{k + 1}"] - chain["dL_dz"] * chain["w"]) <= 1e-12
    link.click()
    expect(app).to_have_url(re.compile(r"/graph#source="))
    expect(app.locator("[data-role=graph] [data-gnode]").first).to_be_visible()
    expect(app.locator("#graph-source")).to_have_value(source)
    assert errors == []
