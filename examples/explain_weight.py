"""Explain one weight: ∂E/∂W11^(1) of the lecture's network, factor by factor, as an HTML page.

The lecture's 2-2-1 sigmoid network is trained for a few epochs on XOR, then ``cr.explain``
takes one weight and one sample and shows the chain rule with its numbers:

    ∂E/∂W11^(1) = ∂E/∂ŷ · ∂ŷ/∂h · ∂h/∂h1 · ∂h1/∂W11^(1)

each factor's formula and value, their running product, and the proof: the product against the
engine's backpropagation and a central finite difference. ``ex.to_html`` writes it all as one
self-contained page (no scripts, no network). With Playwright and a Chromium at
/usr/bin/chromium (or $CHAINRULE_CHROMIUM), a screenshot of the page's top is saved as well.

Run it from the repository root:

    python examples/explain_weight.py [OUT_DIR]      # default OUT_DIR: docs/gallery

It writes OUT_DIR/explain_W1_1_1.html (and OUT_DIR/explain_W1_1_1.png) and prints the factors,
their product, the engine's gradient and the finite difference.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

import chainrule as cr

CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM", "/usr/bin/chromium")


def screenshot(html: Path, png: Path) -> bool:
    """The top of the page as a PNG, by headless Chromium; False if it is not installed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return False
    if not shutil.which(CHROMIUM):
        return False
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1000, "height": 1100})
        page.goto(html.resolve().as_uri())
        page.screenshot(path=str(png))
        browser.close()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/gallery"))
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)

    X, y = cr.make_xor(200, noise=0.15, seed=0)
    net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=2)
    net.fit(X, y, epochs=20, optimizer="adam", lr=0.05, verbose=0, seed=2)  # part-way trained

    ex = cr.explain(net, X, y, weight="W1[1,1]", sample=0)
    print(f"∂E/∂W11^(1) for sample 0, x = {X[0].round(4)}, y = {y[0]}:")
    for factor in ex.factors:
        print(f"  {factor.symbol:16s} = {factor.formula:28s} = {factor.value: .10f}")
    print(f"product of the factors:     {ex.proof.product: .12e}")
    print(f"engine (backpropagation):   {ex.proof.engine: .12e}")
    print(f"central finite difference:  {ex.proof.numeric: .12e}")
    print("proven: the three agree" if ex.proof.agree else "NOT proven: they disagree")

    html = out / "explain_W1_1_1.html"
    ex.to_html(html)
    print(f"wrote {html}")
    png = out / "explain_W1_1_1.png"
    if screenshot(html, png):
        print(f"wrote {png}")
    else:
        print(f"no screenshot: Playwright or {CHROMIUM} is missing")


if __name__ == "__main__":
    main()
