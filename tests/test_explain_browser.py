"""The explainer's HTML in a real browser: headless Chromium, driven by Playwright.

The page is opened from a file with the network cut off (every request but the file itself is
recorded and refused), then read back the way a person would see it: the factors and their
values from the rendered table, the highlighted weight and path from the drawing, the MathML laid
out with a real size. Screenshots go to test-artifacts/ (git-ignored) for a person to look at.

Chromium is Debian's package at /usr/bin/chromium (``scripts/install-browser.sh``); Playwright is
only the driver, never ``playwright install``. Without either, the test skips.
"""

from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain import explain, lecture_example

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (scripts/install-browser.sh)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def open_page(browser, ex, path):
    """Open the explanation's page offline; return (page, refused requests, console errors)."""
    ex.to_html(path)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    refused, errors = [], []
    url = path.as_uri()

    def route(r):
        if r.request.url == url:
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    return page, refused, errors


def test_the_lecture_page_shows_the_factors_and_the_path(browser, tmp_path):
    net, X, y = lecture_example()
    ex = explain(net, X, y, weight="W1[1,1]")
    page, refused, errors = open_page(browser, ex, tmp_path / "why.html")
    try:
        # the factor rows, as rendered
        rows = page.locator("#factors tr[data-factor]")
        assert rows.count() == 3
        symbols = [rows.nth(n).get_attribute("data-symbol") for n in range(3)]
        assert symbols == ["∂E/∂ŷ · ∂ŷ/∂h", "∂h/∂h₁", "∂h₁/∂W₁₁⁽¹⁾"]
        values = [float(rows.nth(n).get_attribute("data-value")) for n in range(3)]
        assert values == [f.value for f in ex.factors]
        shown = [rows.nth(n).locator("td").nth(3).inner_text() for n in range(3)]
        assert shown == ["−0.39807699", "0.19661193", "1"]
        assert page.locator("#factors tr.part").count() == 2  # the fold's two factors
        assert page.locator("#result").inner_text().endswith("= −0.078266687.")
        # the proof, read from the page
        proof = {
            page.locator("#proof tr[data-proof]").nth(n).get_attribute("data-proof"): float(
                page.locator("#proof tr[data-proof]").nth(n).get_attribute("data-value")
            )
            for n in range(3)
        }
        assert proof["product"] == proof["engine"] == pytest.approx(-0.078266687, abs=1e-9)
        assert proof["numeric"] == pytest.approx(proof["engine"], rel=1e-9)
        assert page.locator("#verdict").inner_text().startswith("✓ Proven")
        # the drawing: the weight highlighted, the path x₁ → h₁ → h → E
        weight = page.locator('line[data-highlight="weight"]')
        assert weight.get_attribute("data-edge") == "W1[1,1]"
        box = weight.bounding_box()
        assert box is not None and box["width"] > 50
        on_path = page.locator('#network-svg g[data-on-path="true"]')
        labels = [on_path.nth(n).get_attribute("data-label") for n in range(on_path.count())]
        assert labels == ["x₁", "h₁", "h", "E"]
        solid = page.locator('line[data-on-path="true"][data-edge^="W"]')
        assert sorted(solid.nth(n).get_attribute("data-edge") for n in range(solid.count())) == [
            "W1[1,1]",
            "W2[1,1]",
        ]
        # MathML is laid out by the browser, not left as raw text
        fraction = page.locator("#chain math").bounding_box()
        assert fraction is not None and fraction["height"] > 30 and fraction["width"] > 200
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explain-lecture.png"), full_page=True)
    finally:
        page.context.close()
    assert refused == [] and errors == []


def test_a_deeper_network_shows_its_paths(browser, tmp_path):
    rng = np.random.default_rng(0)
    net = cr.MLP([3, 4, 3, 2], hidden="tanh", output="softmax", seed=1)
    for W in net.weights:
        W[-1] = rng.normal(size=W.shape[1])
    X, y = rng.normal(size=(5, 3)), rng.integers(0, 2, size=5)
    ex = explain(net, X, y, weight="W1[2,3]", sample=1)
    page, refused, errors = open_page(browser, ex, tmp_path / "deep.html")
    try:
        paths = page.locator("#paths tr[data-path]")
        assert paths.count() == ex.n_paths == 6
        products = [float(paths.nth(n).get_attribute("data-product")) for n in range(6)]
        assert products == [p.product for p in ex.paths]
        total = page.locator('#paths tr[data-total="paths"]').inner_text()
        assert "0.01864211" in total
        assert page.locator("#delta tr[data-layer]").count() == 3
        weight = page.locator('line[data-highlight="weight"]')
        assert weight.get_attribute("data-edge") == "W1[2,3]"
        # every unit after h₃⁽¹⁾ is on some path, and only h₃⁽¹⁾ in its own layer
        hot = page.locator('#network-svg g[data-on-path="true"]')
        units = {hot.nth(n).get_attribute("data-unit") for n in range(hot.count())}
        assert units == {"0:2", "1:3", "2:1", "2:2", "2:3", "3:1", "3:2", "E"}
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explain-paths.png"), full_page=True)
    finally:
        page.context.close()
    assert refused == [] and errors == []
