"""A CNN session in the browser: its view, the panels of a kernel weight, a pixel and a map cell
with the API's numbers, training, the Build panel's conv layers, and a narrow window."""
import re

import pytest
from playwright.sync_api import expect

from .helpers import api_state, open_link, run, train
from .test_accessibility import page_for_axe, serious, violations  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

CHAIN = "[data-role=chain]"


def open_preset(page, name):
    """Open preset `name` from its link, as the presets menu does."""
    presets = page.request.get("/api/scenarios").json()["presets"]
    open_link(page, next(p["code"] for p in presets if p["name"] == name))
    expect(page.locator("body")).to_have_attribute("data-kind", "conv")


def followed(page):
    return page.evaluate("window.manualgrad.store.sample")


def forward_backward(page):
    """Forward and Backward; the page then follows an image of the minibatch."""
    run(page, "forward", "forward")
    expect(page.locator("[data-role=conv-sample]")).not_to_contain_text("not in this minibatch")
    run(page, "backward", "backward")


def test_a_conv_preset_opens_its_own_view_with_every_hook(page, errors):
    open_preset(page, "conv-bars")
    expect(page.locator("#conv-view")).to_be_visible()
    expect(page.locator("#network")).to_be_hidden()
    expect(page.locator("#data-plot")).to_be_hidden()
    expect(page.locator("[data-kernel]")).to_have_count(4 * 3 * 3)       # 4 kernels of 3×3 on one channel
    expect(page.locator("[data-pixel]")).to_have_count(8 * 8)
    expect(page.locator('[data-kernel="0,3,0,2,2"]')).to_have_count(1)
    expect(page.locator('[data-pixel="0,0,7,7"]')).to_have_count(1)
    expect(page.locator("#conv-view")).to_contain_text("kernel 0 (3×3)")
    expect(page.locator("#conv-view")).to_contain_text("max pool 2×2")
    expect(page.locator("[data-role=conv-sample]")).to_contain_text(re.compile("vertical bar|horizontal bar"))
    expect(page.locator("#inspector")).to_contain_text("A small convolutional network, by hand")
    # a kernel's numbers are the state's weights, two decimals
    w = api_state(page)["layers"][0]["W"][0][0][0][0]
    expect(page.locator('[data-kernel="0,0,0,0,0"] + text')).to_have_text(f"{w:.2f}".replace("-", "−"))
    assert errors == []


def test_a_kernel_weight_shows_the_apis_dW_as_a_sum_over_positions(page, errors):
    open_preset(page, "conv-bars")
    forward_backward(page)
    page.click('[data-kernel="0,1,0,1,1"]')
    chain = page.locator(CHAIN)
    expect(chain.locator("[data-role=kernel-terms]")).to_be_visible()
    state = api_state(page, followed(page))
    dW = state["layers"][0]["dW"][1][0][1][1]
    assert float(chain.get_attribute("data-grad")) == dW
    expect(chain.locator("[data-role=dw]")).to_have_text(repr(dW))
    expect(chain).to_contain_text("one product per position the kernel slid to")
    # the sum over this image's positions is the chain's sample_sum
    reply = page.request.get(f"/api/sessions/{state['id']}/chain?layer=0&o=1&c=0&u=1&v=1&sample={followed(page)}").json()
    assert reply["dW"] == dW and len(reply["terms"]) == 36
    page.click("[data-action=conv-gradcheck]")
    expect(chain.locator("[data-role=gradcheck]")).to_have_class("agree")
    assert errors == []


def test_an_input_pixel_shows_the_apis_dx_as_the_flipped_kernel(page, errors):
    open_preset(page, "conv-bars")
    forward_backward(page)
    page.click('[data-pixel="0,0,3,4"]')
    chain = page.locator(CHAIN)
    expect(chain.locator("[data-role=pixel-terms]")).to_be_visible()
    dx = api_state(page, followed(page))["sample"]["dx"][0][3][4]
    assert float(chain.get_attribute("data-grad")) == dx
    expect(chain).to_contain_text("kernel 0, flipped")
    # the dL/dz cells that saw the pixel are outlined: 9 per map for an inner pixel, 4 maps
    expect(page.locator("[data-role=conv-dz] .mark")).to_have_count(4 * 9)
    page.click("[data-action=conv-gradcheck]")
    expect(chain.locator("[data-role=gradcheck]")).to_have_class("agree")
    assert errors == []


def test_a_map_cell_shows_patch_times_kernel_plus_b_and_the_pools_routing(page, errors):
    open_preset(page, "conv-bars")
    forward_backward(page)
    page.click('[data-cell="0,2,1,4"]')
    panel = page.locator("[data-role=conv-forward]")
    expect(panel).to_contain_text("the same.")
    z = api_state(page, followed(page))["sample"]["layers"][0]["z"][2][1][4]
    expect(panel.locator("h2")).to_contain_text(re.compile(r"z = −?\d"))
    assert abs(z) < 100
    expect(panel.locator("[data-role=cell-backward]")).to_contain_text("max pool")
    # its window is outlined on the input: 3×3 from (1, 4)
    expect(page.locator('[data-pixel^="0,"]').first).to_be_visible()
    expect(page.locator(".conv-stage").first.locator(".mark.window")).to_have_count(1)
    assert errors == []


def test_training_a_conv_preset_lowers_the_loss_and_redraws_the_kernels(page, errors):
    open_preset(page, "conv-bars")
    run(page, "forward", "forward")
    first = float(page.locator("[data-role=loss]").get_attribute("data-value"))
    kernel = page.locator('[data-kernel="0,0,0,0,0"] + text').text_content()
    run(page, "reset", "fresh")
    train(page, 60)
    run(page, "forward", "forward")
    assert float(page.locator("[data-role=loss]").get_attribute("data-value")) < 0.5 * first
    expect(page.locator('[data-kernel="0,0,0,0,0"] + text')).not_to_have_text(kernel)
    expect(page.locator("#accuracy-text")).to_contain_text(re.compile(r"\d+ % right \(\d+ of \d+ training images\)"))
    assert errors == []


def test_the_build_panel_opens_an_image_dataset_and_adds_a_conv_layer(page, errors):
    page.set_default_timeout(8000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    page.select_option("#dataset", "shapes")
    expect(page.locator("body")).to_have_attribute("data-kind", "conv")
    expect(page.locator(".conv-row")).to_have_count(2)
    assert api_state(page)["config"]["layers"][-1] == {"type": "dense", "units": 3, "activation": "softmax"}
    sid = page.evaluate("document.body.dataset.session")
    page.click("button[data-add=conv2d]")
    expect(page.locator("body")).not_to_have_attribute("data-session", sid)
    expect(page.locator(".conv-row")).to_have_count(3)
    # the new convolution's input is the pooled maps: their cells are its pixels (4 maps of 3×3)
    expect(page.locator('[data-pixel^="2,"]')).to_have_count(4 * 3 * 3)
    expect(page.locator('[data-kernel^="2,"]')).to_have_count(4 * 4 * 3 * 3)
    forward_backward(page)
    page.click('[data-pixel="2,1,1,1"]')
    da = api_state(page, followed(page))["sample"]["layers"][1]["da"][1][1][1]
    expect(page.locator(CHAIN).locator("[data-role=pixel-terms]")).to_be_visible()
    assert float(page.locator(CHAIN).get_attribute("data-grad")) == da
    # back to points: the dense network again
    page.select_option("#dataset", "xor")
    expect(page.locator("body")).to_have_attribute("data-kind", "dense")
    expect(page.locator("[data-node]")).to_have_count(2 + 4 + 1)
    expect(page.locator("#conv-view")).to_be_hidden()
    assert errors == []


def test_a_conv_session_fits_a_phone_without_sideways_scrolling(page, errors):
    page.set_viewport_size({"width": 420, "height": 900})
    open_preset(page, "conv-shapes")
    forward_backward(page)
    page.click('[data-kernel="0,0,0,0,0"]')
    expect(page.locator(CHAIN).locator("[data-role=kernel-terms]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    page.click('[data-pixel="0,0,4,4"]')
    expect(page.locator(CHAIN).locator("[data-role=pixel-terms]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 420
    assert errors == []


def test_a_drawn_image_joins_the_data_and_is_followed(page, errors):
    open_preset(page, "conv-bars")
    before = len(page.evaluate("window.manualgrad.store.data.X"))
    page.click("text=Draw an image and add it to the data")
    for s in range(1, 7):                              # a horizontal bar on row 2
        page.click(f'[data-draw="2,{s}"]')
    page.select_option("[data-role=draw-class]", "1")
    sid = page.evaluate("document.body.dataset.session")
    page.click("[data-action=add-image]")
    expect(page.locator("body")).not_to_have_attribute("data-session", sid)
    data = page.request.get(f"/api/sessions/{page.evaluate('document.body.dataset.session')}/data").json()
    assert len(data["X"]) == before + 1
    assert data["X"][-1][0][2] == [0, 1, 1, 1, 1, 1, 1, 0] and data["Y"][-1] == [1]
    if not data["test"][-1]:                           # a training image: the page follows it
        index = sum(not held for held in data["test"]) - 1
        expect(page.locator("[data-role=conv-sample]")).to_have_text(f"Following image #{index}: horizontal bar.")
        assert api_state(page, index)["sample"]["input"][0][2][3] == 1
    assert errors == []


def test_the_conv_page_has_no_serious_accessibility_violation(page_for_axe):
    page = page_for_axe
    page.select_option("#presets", "conv-bars")           # the presets menu, as a learner opens one
    expect(page.locator("body")).to_have_attribute("data-kind", "conv")
    forward_backward(page)
    assert serious(violations(page)) == [], serious(violations(page))
    page.click('[data-kernel="0,0,0,1,1"]')
    expect(page.locator(CHAIN).locator("[data-role=kernel-terms]")).to_be_visible()
    page.click('[data-cell="0,0,1,1"]')
    expect(page.locator("[data-role=conv-forward]")).to_be_visible()
    assert serious(violations(page)) == [], serious(violations(page))
