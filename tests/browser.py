"""What the playground's browser tests share: the server, one headless Chromium per module, pages.

Playwright drives Debian's Chromium (/usr/bin/chromium, or $CHAINRULE_CHROMIUM; installed by
scripts/install-browser.sh, never by ``playwright install``). A module that imports this skips when
Playwright or the browser is missing. Use its fixtures by importing them into the test module::

    from browser import page_fixture, url_fixture  # noqa: F401  (the fixtures page, url)

(each fixture is registered under its short name: ``store``, ``url``, ``browser``, ``new_page``,
``page``).

Waits are on conditions (:func:`until`), never fixed sleeps.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("starlette")
sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM", "/usr/bin/chromium")
if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
    pytest.skip(f"{CHROMIUM} is missing (scripts/install-browser.sh)", allow_module_level=True)

from chainrule.playground.app import create_app  # noqa: E402
from chainrule.playground.server import running  # noqa: E402
from chainrule.playground.session import Store  # noqa: E402

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
DESKTOP = {"width": 1400, "height": 1000}


@pytest.fixture(scope="module", name="store")
def store_fixture():
    return Store()


@pytest.fixture(scope="module", name="url")
def url_fixture(store):
    with running(app=create_app(store)) as address:
        yield address


@pytest.fixture(scope="module", name="browser")
def browser_fixture():
    with sync_api.sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        except Exception as err:  # a broken browser install: say so, do not fail the suite
            pytest.skip(f"cannot start {CHROMIUM}: {err}")
        yield b
        b.close()


@pytest.fixture(name="new_page")
def new_page_fixture(browser):
    """``new_page(**context_options)``: a page in a fresh context (viewport, has_touch, …) that
    records the page's errors and console errors in ``page.errors``; closed after the test."""
    contexts = []

    def make(**options):
        context = browser.new_context(**{"viewport": DESKTOP, **options})
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda err: page.errors.append(str(err)))
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(name="page")
def page_fixture(new_page):
    return new_page()


def shot(page, name, folder=ARTIFACTS):
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"playground-{name}.png"), full_page=True)


def ready(page, address):
    page.goto(address)
    page.wait_for_selector("body[data-ready='1']", timeout=20_000)


def js(page, expression):
    return page.evaluate(expression)


def until(page, expression, timeout=20.0):
    """Wait until ``expression`` is truthy in the page. (Playwright's wait_for_function evaluates
    a string, which the page's Content-Security-Policy rightly forbids; evaluate() is allowed.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        time.sleep(0.02)


def midpoint(page, weight):
    """Where the edge of ``weight`` has its midpoint on the screen, {"x": …, "y": …}."""
    page.locator(f"#diagram .edge[data-weight='{weight}']").scroll_into_view_if_needed()
    return js(page, f"playground.edgeMidpoint('{weight}')")


def explained(page, weight):
    """Wait for the explanation of ``weight`` to be shown; its title's name."""
    until(
        page,
        f"playground.explanation && playground.explanation.explanation.weight.name === '{weight}'",
    )
    page.wait_for_selector("#verdict")
    return page.inner_text("#explain-title")
