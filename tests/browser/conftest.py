"""The app on a free local port, and pytest-playwright pointed at Debian's Chromium."""
import os
import re

import pytest
from playwright.sync_api import expect

from ..live import live_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")   # another Chromium: CHROMIUM=/path
# without the background-networking flags Chromium keeps trying to reach hosts this network refuses
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's /usr/bin/chromium (or $CHROMIUM); without it skip, or fail when CI=true."""
    if not os.access(CHROMIUM, os.X_OK):
        message = (f"{CHROMIUM} is missing: apt-get update && apt-get install -y chromium, "
                   f"or point CHROMIUM at another Chromium")
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def app_url():
    """The app on a free local port for the whole run."""
    # every test's page comes from 127.0.0.1: no limit on new sessions per address here
    with live_server(creates_per_minute=0) as live:
        yield live.url


@pytest.fixture(scope="session")
def base_url(app_url):
    """page.goto("/") goes to the app."""
    return app_url


@pytest.fixture
def errors(page):
    """Uncaught page errors and console errors, collected while the test runs."""
    seen = []
    page.on("pageerror", lambda e: seen.append(f"page error: {e}"))
    page.on("console", lambda m: seen.append(f"console: {m.text}") if m.type == "error" else None)
    return seen


@pytest.fixture
def app(page, errors):
    """The page, loaded, with its first session created."""
    page.set_default_timeout(8000)
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-session", re.compile(".+"))
    return page
