"""Save the README's picture of the page: `python -m tests.browser.screenshot [docs/screenshot.png]`.

xor after 300 steps, one more Forward and Backward, and the chain rule of one weight open."""
import socket
import sys
import threading
import time

import uvicorn
from playwright.sync_api import expect, sync_playwright

from app.main import create_app
from app.settings import Settings

from .conftest import CHROMIUM, CHROMIUM_ARGS


def serve():
    """The app on a free port, from a daemon thread; returns its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(Settings()), log_level="warning"))
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


def main(path="docs/screenshot.png"):
    url = serve()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.emulate_media(reduced_motion="reduce")
        page.goto(url)
        body = page.locator("body")
        expect(body).not_to_have_attribute("data-session", "")
        page.fill("#train-steps", "300")
        page.click("[data-action=train]")
        expect(body).to_have_attribute("data-step", "300", timeout=20000)
        page.keyboard.press("f")
        expect(body).to_have_attribute("data-phase", "forward")
        page.keyboard.press("b")
        expect(body).to_have_attribute("data-phase", "backward")
        page.click('[data-edge="2-1-0"]')
        expect(page.locator("[data-role=chain]")).to_contain_text("What Step will do")
        page.mouse.move(0, 0)
        page.wait_for_timeout(300)
        page.screenshot(path=path)
        browser.close()
    print(f"saved {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
