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
    # at 3, −1, 5 the paths differ: x1 and x2 through + get x3 = 5, x3 gets x1 + x2 = 2
    for k, grad in {0: "5", 1: "5", 2: "5", 3: "2"}.items():
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
    expect(page.locator("[data-role=graph] [data-gnode]")).to_have_count(7)      # x, 2, x², y, 2, y², −
    page.click("[data-action=graph-run]")                  # the results come once every node is done
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


LABELS = """() => {
  // the drawing's texts that overlap another, or leave the drawing
  const svg = document.querySelector("[data-role=graph]");
  const view = svg.viewBox.baseVal;
  const texts = [...svg.querySelectorAll("text")].filter((t) => t.textContent && t.getClientRects().length);
  const boxes = texts.map((t) => { const b = t.getBoundingClientRect(); return {t: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height}; });
  const outer = svg.getBoundingClientRect();
  const out = boxes.filter((b) => b.x < outer.x - 1 || b.y < outer.y - 1 || b.x + b.w > outer.right + 1 || b.y + b.h > outer.bottom + 1).map((b) => b.t);
  const hits = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
    const dx = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x), dy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
    if (dx > 1 && dy > 2) hits.push(`${a.t} / ${b.t}`);
  }));
  return {out, hits};
}"""


def test_the_stable_softmax_keeps_its_finite_gradients_beside_the_naive_overflow(page, errors):
    open_lab(page)
    page.select_option("#graph-presets", "4")              # naive and stable, z1 = 1000
    expect(page.locator("#graph-output-pick")).to_be_visible()
    nodes = page.locator("[data-role=graph] [data-gnode]")
    expect(nodes).to_have_count(15)
    expect(page.locator("[data-role=graph] .gval").nth(1)).to_have_text("∞")      # exp(z1), as it is
    page.select_option("#graph-output", label="stable (output 2)")
    page.click("[data-action=graph-run]")
    z1, z2 = page.locator('[data-gnode="0"]'), page.locator('[data-gnode="3"]')
    expect(z1).to_have_attribute("data-grad", "0")
    expect(z2).to_have_attribute("data-grad", "0")
    expect(z1.locator(".ggrad")).to_have_text("∂stable = 0")
    summary = page.locator("[data-role=graph-summary]")
    expect(summary).to_contain_text("Gradients of stable (reverse mode, one pass): ∂/∂z1 = 0, ∂/∂z2 = 0.")
    expect(summary).to_contain_text("[NaN, NaN] [0, 0]")                # the naive row as it is, the stable one finite
    page.select_option("#graph-output", label="naive (output 1)")
    page.click("[data-action=graph-run]")
    expect(z1).to_have_attribute("data-grad", "NaN")
    assert page.evaluate(LABELS) == {"out": [], "hits": []}
    assert errors == []


def test_the_summary_fills_in_and_each_gradient_says_its_output(page, errors):
    open_lab(page)
    summary = page.locator("[data-role=graph-summary]")
    expect(summary).to_contain_text("∂/∂x1 = ? (not reached yet)")
    expect(summary).not_to_contain_text("Finite differences")
    for _ in range(4):
        page.click("[data-action=graph-step]")
    expect(summary).to_contain_text("∂/∂x3 = 2")                          # x3 reached, x1 not yet
    expect(summary).to_contain_text("∂/∂x1 = ? (not reached yet)")
    page.click("[data-action=graph-step]")
    expect(summary).to_contain_text("they agree with the gradients")
    page.select_option("#graph-presets", "5")                             # p = x·y; p + x, p − y
    expect(page.locator("[data-role=graph] [data-gnode]")).to_have_count(5)
    minus = page.locator('[data-gnode="4"]')                              # p − y
    page.click("[data-action=graph-run]")
    expect(minus.locator(".ggrad")).to_have_text("∂out 1 = 0")            # not on out 1's path: 0, said whose
    page.select_option("#graph-output", label="out 2 (output 2)")
    page.click("[data-action=graph-run]")
    expect(minus.locator(".ggrad")).to_have_text("∂out 2 = 1")
    expect(page.locator('[data-gnode="0"]')).to_have_attribute("data-grad", "5")     # ∂(p − y)/∂x = y
    assert page.evaluate(LABELS) == {"out": [], "hits": []}
    assert errors == []
