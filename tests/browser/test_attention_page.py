"""An attention session in the browser: its view with every hook, the panels of a score and of a
weight of Wq, Wk, Wv with the API's numbers, one query row worked through on Forward and Backward,
Play turning the weights into the anti-diagonal, the causal mask, the Build panel's head, and a
narrow window."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import api_state, open_link, run, wait_until
from .test_accessibility import page_for_axe, serious, violations  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

CHAIN = "[data-role=chain]"
T, D_IN, D_K = 5, 9, 8                     # the presets: 5 positions, 4 tokens + 5 positions, d_k = d_v = 8


def open_preset(page, name):
    """Open preset `name` from its link, as the presets menu does."""
    presets = page.request.get("/api/scenarios").json()["presets"]
    open_link(page, next(p["code"] for p in presets if p["name"] == name))
    expect(page.locator("body")).to_have_attribute("data-kind", "attention")


def followed(page):
    return page.evaluate("window.manualgrad.store.sample")


def forward_backward(page):
    """Forward and Backward; the page then follows a sequence of the minibatch."""
    run(page, "forward", "forward")
    expect(page.locator("[data-role=attn-sample]")).not_to_contain_text("not in this minibatch")
    run(page, "backward", "backward")


SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def number(text):
    """A number as the page writes it: −0.25, .09, 8.186×10⁻⁵."""
    text = text.strip().replace("−", "-")
    if "×10" in text:
        mantissa, exponent = text.split("×10")
        return float(mantissa) * 10 ** int(exponent.translate(SUPERSCRIPTS))
    return float(text)


def shown_weights(page):
    """The weights heatmap as the page writes it (two decimals)."""
    return [[number(page.locator(f'[data-role=weights] [data-score="0,{t},{t2}"] + text').text_content())
             for t2 in range(T)] for t in range(T)]


def flat(rows):
    return [x for row in rows for x in row]


def expect_grad(page, value):
    """Wait until the chain panel's data-grad is `value` (as JavaScript writes it)."""
    wait_until(page, f"(() => {{ const c = document.querySelector('{CHAIN}'); "
                     f"return c && Number(c.dataset.grad) === {value!r}; }})()")


def chain_reply(page, query):
    state = api_state(page, followed(page))
    reply = page.request.get(f"/api/sessions/{state['id']}/chain?{query}&sample={followed(page)}")
    assert reply.ok, reply.text()
    return state, reply.json()


def test_an_attention_preset_opens_its_own_view_with_every_hook(page, errors):
    open_preset(page, "attention-reverse")
    expect(page.locator("#attention-view")).to_be_visible()
    expect(page.locator("#network")).to_be_hidden()
    expect(page.locator("#data-plot")).to_be_hidden()
    expect(page.locator("#sequence-list")).to_be_visible()
    # every scores and weights cell, and every entry of Wq, Wk and Wv
    expect(page.locator("[data-role=scores] [data-score]")).to_have_count(T * T)
    expect(page.locator("[data-role=weights] [data-score]")).to_have_count(T * T)
    expect(page.locator("[data-score]")).to_have_count(2 * T * T)
    for param in ("Wq", "Wk", "Wv"):
        expect(page.locator(f'[data-param^="0,{param},"]')).to_have_count(D_IN * D_K)
    expect(page.locator('[data-param="0,Wv,8,7"]')).to_have_count(1)
    expect(page.locator('[data-score="0,4,4"]')).to_have_count(2)
    # the tokens with their positions, and what to do first
    expect(page.locator("[data-role=tokens] li")).to_have_count(T)
    expect(page.locator("[data-role=tokens] li").first).to_contain_text(re.compile(r"t0\s*token \d"))
    expect(page.locator("#inspector")).to_contain_text("One attention head, by hand")
    expect(page.locator("[data-role=attn-sample]")).to_contain_text("Run Forward")
    # a weight's number is the state's, Q waits for Forward
    w = api_state(page)["layers"][0]["Wq"][0][0]
    expect(page.locator('[data-param="0,Wq,0,0"] + text')).to_have_text(
        re.compile(re.escape(f"{abs(w):.2f}".lstrip("0") if abs(w) < 1 else f"{abs(w):.1f}")))
    expect(page.locator("[data-role=Q] text.num").first).to_have_text("")
    assert errors == []


def test_forward_fills_q_k_v_and_works_one_query_row_through_its_softmax(page, errors):
    open_preset(page, "attention-reverse")
    run(page, "forward", "forward")
    expect(page.locator("[data-role=attn-sample]")).not_to_contain_text("not in this minibatch")
    s = api_state(page, followed(page))["sample"]["layers"][0]
    # the heatmaps are the server's numbers
    assert flat(shown_weights(page)) == pytest.approx(flat(s["weights"]), abs=0.0051)
    score = page.locator('[data-role=scores] [data-score="0,2,1"] + text').text_content()
    assert number(score) == pytest.approx(s["scores"][2][1], abs=0.0051)
    expect(page.locator("[data-role=Q] text.num").first).not_to_have_text("")
    # query 0 meets every key: q·k, ÷√8, softmax; its weights are row 0's
    walk = page.locator("[data-role=row-walk]")
    expect(walk.locator("h4")).to_have_text("Query 0 meets every key")
    rows = walk.locator("[data-role=walk-forward] tr")
    expect(rows).to_have_count(1 + T + 1)
    expect(rows.nth(T)).not_to_have_class(re.compile("pending"), timeout=5000)    # the keys appeared one by one
    dot = sum(a * b for a, b in zip(s["q"][0], s["k"][3]))
    assert number(rows.nth(4).locator("td").nth(0).text_content()) == pytest.approx(dot, rel=2e-3, abs=1e-3)
    assert number(rows.nth(4).locator("td").nth(3).text_content()) == pytest.approx(s["weights"][0][3], rel=2e-3, abs=1e-3)
    # another row, by its button or by a click on a score
    walk.locator("button[data-walk='2']").click()
    expect(walk.locator("h4")).to_have_text("Query 2 meets every key")
    page.click('[data-role=scores] [data-score="0,3,1"]')
    expect(walk.locator("h4")).to_have_text("Query 3 meets every key")
    expect(walk.locator("[data-role=walk-backward]")).to_be_hidden()
    # the query row's panel does the same arithmetic against the server's
    page.click('[data-row="0,3"]')
    panel = page.locator("[data-role=attn-row]")
    expect(panel).to_contain_text("the same as the server’s")
    expect(panel).not_to_contain_text("they differ")
    assert errors == []


def test_backward_takes_a_row_through_its_softmax_jacobian(page, errors):
    open_preset(page, "attention-reverse")
    forward_backward(page)
    s = api_state(page, followed(page))["sample"]["layers"][0]
    walk = page.locator("[data-role=row-walk]")
    back = walk.locator("[data-role=walk-backward]")
    expect(back).to_be_visible()
    expect(back.locator("[data-role=jacobian] text.num")).to_have_count(T * T)
    w = s["weights"][0]
    diagonal = number(back.locator("[data-role=jacobian] text.num").first.text_content())
    assert diagonal == pytest.approx(w[0] * (1 - w[0]), abs=0.0051)
    # its dscores are the server's
    cells = back.locator("[data-role=walk-backward-terms] tr")
    for j in range(T):
        assert number(cells.nth(1 + j).locator("td").nth(1).text_content()) == pytest.approx(s["dscores"][0][j], rel=2e-3)
    expect(page.locator("[data-role=dQ] figcaption")).to_contain_text("dQ")
    assert errors == []


def test_a_weights_cell_shows_the_apis_dscores_through_the_row_softmax(page, errors):
    open_preset(page, "attention-reverse")
    forward_backward(page)
    page.click('[data-role=weights] [data-score="0,1,3"]')
    chain = page.locator(CHAIN)
    expect(chain.locator("[data-role=score-terms]")).to_be_visible()
    state, reply = chain_reply(page, "layer=0&score=1,3")
    dscore = state["sample"]["layers"][0]["dscores"][1][3]
    assert reply["dscore"] == dscore and reply["sample_sum"] == pytest.approx(dscore, abs=1e-15)
    assert len(reply["terms"]) == T
    assert float(chain.get_attribute("data-grad")) == dscore
    assert float(chain.locator("[data-role=dscore]").text_content()) == dscore
    # each term of the table is the API's: J[t2][j], dL/dweight, their product
    rows = chain.locator("[data-role=score-terms] tr")
    expect(rows).to_have_count(1 + T)
    for j, term in enumerate(reply["terms"]):
        cells = rows.nth(1 + j).locator("td")
        assert number(cells.nth(1).text_content()) == pytest.approx(term["jacobian"], rel=1e-3)
        assert number(cells.nth(3).text_content()) == pytest.approx(term["product"], rel=1e-3)
    expect(chain).to_contain_text("the same.")
    page.click("[data-action=conv-gradcheck]")
    expect(chain.locator("[data-role=gradcheck]")).to_have_class("agree")
    # a scores cell opens the same chain
    page.click('[data-role=scores] [data-score="0,2,0"]')
    expect_grad(page, state["sample"]["layers"][0]["dscores"][2][0])
    assert errors == []


@pytest.mark.parametrize("param,i,j", [("Wq", 1, 2), ("Wk", 5, 0), ("Wv", 7, 7)])
def test_a_weight_of_the_head_shows_the_apis_dW_as_a_sum_over_positions(page, errors, param, i, j):
    open_preset(page, "attention-reverse")
    forward_backward(page)
    page.click(f'[data-param="0,{param},{i},{j}"]')
    chain = page.locator(CHAIN)
    expect(chain.locator("[data-role=weight-terms]")).to_be_visible()
    state, reply = chain_reply(page, f"layer=0&param={param}&i={i}&j={j}")
    dW = state["layers"][0][f"d{param}"][i][j]
    assert reply["dW"] == dW and reply["batch_sum"] == pytest.approx(dW, rel=1e-12)
    assert len(reply["terms"]) == T
    assert float(chain.get_attribute("data-grad")) == dW
    assert float(chain.locator("[data-role=dw]").text_content()) == dW
    rows = chain.locator("[data-role=weight-terms] tr")
    low = param[1].lower()
    for t, term in enumerate(reply["terms"]):
        cells = rows.nth(1 + t).locator("td")
        assert number(cells.nth(1).text_content()) == pytest.approx(term["x"], rel=1e-3, abs=1e-9)
        assert number(cells.nth(2).text_content()) == pytest.approx(term[f"dL_d{low}"], rel=1e-3, abs=1e-12)
    page.click("[data-action=conv-gradcheck]")
    expect(chain.locator("[data-role=gradcheck]")).to_have_class("agree")
    # its gradient's square opens it too
    page.click(f'[data-param-grad="0,{param},0,0"]')
    expect_grad(page, state["layers"][0][f"d{param}"][0][0])
    assert errors == []


def test_play_on_reverse_turns_the_weights_into_the_anti_diagonal(page, errors):
    open_preset(page, "attention-reverse")
    run(page, "forward", "forward")
    expect(page.locator("#attention-view")).to_have_attribute("data-source", "server")
    before = shown_weights(page)
    assert sum(before[t][T - 1 - t] for t in range(T)) / T < 0.5
    page.click("[data-action=play]")
    wait_until(page, "Number(document.body.dataset.step) >= 60", timeout=30)
    page.click("[data-action=play]")
    expect(page.locator("[data-action=play]")).to_contain_text("Play")
    # the followed sequence through the weights of now (the page's own forward, or the server's
    # of the last step when the sequence was in its batch): the anti-diagonal
    assert page.locator("#attention-view").get_attribute("data-source") in ("page", "server")
    after = shown_weights(page)
    assert [row.index(max(row)) for row in after] == [T - 1 - t for t in range(T)], after
    assert sum(after[t][T - 1 - t] for t in range(T)) / T > 0.6, after
    expect(page.locator("[data-role=strongest]")).to_contain_text("q0 → k4, q1 → k3, q2 → k2, q3 → k1, q4 → k0")
    # and they are the server's once Forward runs again
    run(page, "forward", "forward")
    expect(page.locator("#attention-view")).to_have_attribute("data-source", "server")
    expect(page.locator("[data-role=attn-sample]")).not_to_contain_text("not in this minibatch")
    s = api_state(page, followed(page))["sample"]["layers"][0]
    assert flat(shown_weights(page)) == pytest.approx(flat(s["weights"]), abs=0.0051)
    expect(page.locator("[data-role=predictions] tr[data-right=true]")).to_have_count(T)
    assert errors == []


def test_a_causal_head_masks_the_scores_after_the_query_and_passes_them_nothing(page, errors):
    open_preset(page, "attention-copy-first")
    forward_backward(page)
    expect(page.locator('[data-role=scores] [data-score="0,0,3"] + text')).to_have_text("masked")
    expect(page.locator('[data-role=weights] [data-score="0,1,0"] + text')).not_to_have_text("masked")
    page.click('[data-role=weights] [data-score="0,0,3"]')
    chain = page.locator(CHAIN)
    expect(chain).to_contain_text("nothing crosses the mask")
    assert float(chain.get_attribute("data-grad")) == 0
    walk = page.locator("[data-role=row-walk]")
    expect(walk.locator("[data-role=walk-forward] tr.masked")).to_have_count(T - 1)    # query 0 sees key 0 only
    assert errors == []


def test_the_build_panel_opens_a_sequence_dataset_and_changes_the_head(page, errors):
    page.set_default_timeout(8000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.select_option("#dataset", "sort")
    expect(page.locator("body")).to_have_attribute("data-kind", "attention")
    config = api_state(page)["config"]
    assert config["layers"][0] == {"type": "attention", "d_k": 8, "d_v": 8, "causal": False}
    assert config["layers"][-1] == {"type": "dense", "units": 4, "activation": "softmax"}
    expect(page.locator("#input-row")).to_contain_text("sequences of 5 positions × 9 features")
    sid = page.evaluate("document.body.dataset.session")
    page.fill("[data-head=d_k]", "4")
    page.press("[data-head=d_k]", "Enter")
    expect(page.locator("body")).not_to_have_attribute("data-session", sid)
    expect(page.locator('[data-param^="0,Wq,"]')).to_have_count(D_IN * 4)
    expect(page.locator('[data-param^="0,Wv,"]')).to_have_count(D_IN * 8)
    sid = page.evaluate("document.body.dataset.session")
    page.check("[data-head=causal]")
    expect(page.locator("body")).not_to_have_attribute("data-session", sid)
    assert api_state(page)["config"]["layers"][0]["causal"] is True
    run(page, "forward", "forward")
    expect(page.locator('[data-role=scores] [data-score="0,0,1"] + text')).to_have_text("masked")
    # back to points: the dense network again
    page.select_option("#dataset", "xor")
    expect(page.locator("body")).to_have_attribute("data-kind", "dense")
    expect(page.locator("[data-node]")).to_have_count(2 + 4 + 1)
    expect(page.locator("#attention-view")).to_be_hidden()
    assert errors == []


def test_an_attention_session_fits_a_phone_without_sideways_scrolling(page, errors):
    page.set_viewport_size({"width": 420, "height": 900})
    open_preset(page, "attention-reverse")
    forward_backward(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    page.click('[data-role=weights] [data-score="0,0,4"]')
    expect(page.locator(CHAIN).locator("[data-role=score-terms]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    page.click('[data-param="0,Wk,0,0"]')
    expect(page.locator(CHAIN).locator("[data-role=weight-terms]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    assert errors == []


SMALLEST_TEXT = """() => {
  // the smallest text of the attention view as drawn: each SVG text's size times its SVG's scale
  let smallest = Infinity, where = "";
  for (const el of document.querySelectorAll(".attention-view svg text")) {
    if (!el.textContent.trim() || !el.getBoundingClientRect().height) continue;
    const size = parseFloat(getComputedStyle(el).fontSize) * el.getScreenCTM().a;
    if (size < smallest) [smallest, where] = [size, `${el.textContent} in ${el.closest("svg").getAttribute("aria-label")}`];
  }
  return [smallest, where];
}"""


@pytest.mark.parametrize("width, height", [(1280, 800), (420, 900)])
def test_every_number_of_the_attention_view_is_11_px_or_more(page, errors, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_preset(page, "attention-reverse")
    forward_backward(page)
    page.click('[data-role=weights] [data-score="0,1,3"]')          # the row's Jacobian, too
    page.click('[data-row="0,2"]')
    expect(page.locator("[data-role=attn-row]")).to_be_visible()
    smallest, where = page.evaluate(SMALLEST_TEXT)
    assert smallest >= 10.95, f"{smallest:.1f} px: {where}"
    assert errors == []


def test_the_attention_page_has_no_serious_accessibility_violation(page_for_axe):
    page = page_for_axe
    page.select_option("#presets", "attention-reverse")      # the presets menu, as a learner opens one
    expect(page.locator("body")).to_have_attribute("data-kind", "attention")
    forward_backward(page)
    assert serious(violations(page)) == [], serious(violations(page))
    page.click('[data-role=weights] [data-score="0,1,3"]')
    expect(page.locator(CHAIN).locator("[data-role=score-terms]")).to_be_visible()
    page.click('[data-row="0,2"]')
    expect(page.locator("[data-role=attn-row]")).to_be_visible()
    assert serious(violations(page)) == [], serious(violations(page))
