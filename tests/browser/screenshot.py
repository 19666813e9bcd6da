"""Save the picture of the page in the README: `python -m tests.browser.screenshot [docs/screenshot.png]`.

xor after 300 steps, one more Forward and Backward, and the chain rule of a hidden weight open."""
import sys

from playwright.sync_api import expect, sync_playwright

from ..live import live_server
from .conftest import CHROMIUM, CHROMIUM_ARGS
from .helpers import click_edge


def main(path="docs/screenshot.png"):
    with live_server() as live, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.emulate_media(reduced_motion="reduce")
        page.goto(live.url)
        body = page.locator("body")
        expect(body).not_to_have_attribute("data-session", "")
        page.fill("#train-steps", "300")
        page.click("[data-action=train]")
        expect(body).to_have_attribute("data-step", "300", timeout=20000)
        page.keyboard.press("f")
        expect(body).to_have_attribute("data-phase", "forward")
        page.keyboard.press("b")
        expect(body).to_have_attribute("data-phase", "backward")
        click_edge(page, "1-1-2")
        expect(page.locator("[data-role=chain]")).to_contain_text("What Step will do")
        page.mouse.move(0, 0)
        page.wait_for_timeout(300)
        page.screenshot(path=path)
        browser.close()
    print(f"saved {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
