"""The playground in a picture: start ``chainrule playground``, train a while, take a screenshot.

The playground is chainrule's local web page for watching backpropagation: pick a dataset and a
network, press play, and see the decision boundary, the loss and every weight change; click a
weight to see its chain rule. This script drives it the way a person would, with Playwright and
a headless Chromium (Debian's /usr/bin/chromium, or $CHAINRULE_CHROMIUM): it starts the server
(``chainrule playground --no-browser``, through ``python -m chainrule``), opens the page, presses
play for a few seconds, pauses, clicks the weight W1[1,1] to open its explanation, and saves a
screenshot. Then it stops the server with Ctrl-C (SIGINT), as you would.

Run it from the repository root (it needs ``pip install "chainrule[playground]" playwright
pillow``):

    python examples/playground_screenshot.py [OUT_DIR]   # default OUT_DIR: docs/gallery

It writes OUT_DIR/playground.png and prints the training step reached and the training loss at
the start and when paused.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image  # Pillow, which matplotlib installs too
from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM", "/usr/bin/chromium")


def start_playground() -> tuple[subprocess.Popen, str]:
    """``chainrule playground --no-browser`` on a free port; returns the process and its URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "playground", "--no-browser"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline()  # "chainrule playground: http://127.0.0.1:PORT/  (Ctrl-C …)"
    found = re.search(r"http://\S+", line)
    if not found:  # it stopped: its error is on stderr, above
        server.stdout.close()
        sys.exit(f"the playground did not start (exit status {server.wait()})")
    return server, found.group(0)


# Where the middle of a weight's line in the network diagram (an SVG path) is on the screen.
MIDPOINT = """(name) => {
  const edge = document.querySelector(`#diagram .edge[data-weight="${name}"]`);
  edge.scrollIntoView({block: "center"});
  const p = edge.getPointAtLength(edge.getTotalLength() / 2), m = edge.getScreenCTM();
  return [m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f];
}"""


def until(page, expression: str, timeout: float = 60.0) -> None:
    """Wait until a JavaScript expression is true in the page (polled: the page's
    Content-Security-Policy forbids the string evaluation of Playwright's wait_for_function)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the page never reached {expression}")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=Path("docs/gallery"))
    out = parser.parse_args().out
    if not shutil.which(CHROMIUM):
        sys.exit(f"no Chromium at {CHROMIUM}: install it (Debian: apt-get install chromium)")
    out.mkdir(parents=True, exist_ok=True)

    server, url = start_playground()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 940})
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            first_loss = page.evaluate("playground.snapshot.metrics.train_loss")
            page.click("#play")  # train...
            until(page, "playground.snapshot.step >= 300")
            page.click("#play")  # ...and pause
            until(page, "!playground.playing && !playground.looping")
            x, y = page.evaluate(MIDPOINT, "W1[1,1]")
            page.mouse.click(x, y)  # click the line of weight W1[1,1] in the diagram
            until(page, "playground.explanation?.explanation.weight.name === 'W1[1,1]'")
            page.wait_for_selector("#verdict")  # its chain rule is shown, and proven
            step = page.evaluate("playground.snapshot.step")
            loss = page.evaluate("playground.snapshot.metrics.train_loss")
            png = out / "playground.png"
            page.screenshot(path=str(png))
            # 256 colours instead of millions: a third of the bytes, and it looks the same
            with Image.open(png) as image:
                image.convert("RGB").quantize(256).save(png, optimize=True)
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl-C: the server stops cleanly
        server.wait(timeout=30)
        server.stdout.close()
    print(f"trained to step {step}: training loss {first_loss:.4f} at the start, {loss:.4f} now")
    print(f"wrote {out / 'playground.png'}")


if __name__ == "__main__":
    main()
