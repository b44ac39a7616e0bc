"""The playground's speed, measured in the browser: updates/s, training steps/s and frames/s.

Run it from the repository root, in the project's virtual environment (it needs Playwright and
Debian's Chromium, scripts/install-browser.sh)::

    .venv/bin/python benchmarks/bench_playground.py              # 8 s per network
    .venv/bin/python benchmarks/bench_playground.py --seconds 3  # shorter
    .venv/bin/python benchmarks/bench_playground.py --json out.json

For each network — the default 2-4-4-1 and a 6-layer × 16-unit net, moons, heatmaps on (every
unit's map and the decision map are drawn each frame), 10 training steps per update — it starts
the playground on a free port, opens the page in headless Chromium, presses play, waits one second,
then counts for ``--seconds``:

* **updates/s**: snapshots the page received (each the result of one request of k training
  steps); the page keeps four step requests in flight, so training does not wait for drawing;
* **training steps/s**: updates/s × k;
* **frames/s**: frames the page drew (a new snapshot drawn in an animation frame);
* **DOM mutations per frame**: MutationObserver records per frame drawn (the edges' widths and
  sign classes, the counters; the maps are painted into canvases, which makes no mutation);
* **server ms/update**: the same k steps and snapshot timed in Python without the browser.

The issue's goals: ≥ 60 updates/s on the default net and ≥ 30 on the 6 × 16 net. The figures
depend on the machine and on what else runs on it; the header prints the CPU and the load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import cpu_model

from chainrule.playground.app import create_app
from chainrule.playground.server import one_blas_thread, running
from chainrule.playground.session import Session
from chainrule.playground.setup import Config

CHROMIUM = os.environ.get("CHAINRULE_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync",
         "--disable-background-networking", "--disable-component-update"]  # fmt: skip
NETS = {"default 2-4-4-1": (4, 4), "6 x 16": (16,) * 6}
GOALS = {"default 2-4-4-1": 60.0, "6 x 16": 30.0}
K = 10

COUNT = """(() => {
  window.__mutations = 0;
  new MutationObserver((r) => { window.__mutations += r.length; })
    .observe(document.body,
             {subtree: true, attributes: true, childList: true, characterData: true});
  return [playground.updates, playground.frames, performance.now()];
})()"""
READ = "[playground.updates, playground.frames, performance.now(), window.__mutations]"


def server_ms(hidden: tuple[int, ...], reps: int = 30) -> float:
    """Milliseconds per update (k steps and the snapshot, as JSON) in Python alone; the median."""
    session = Session(Config(hidden=hidden))
    session.train(K)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        json.dumps(session.train(K))
        times.append(time.perf_counter() - t)
    return 1e3 * sorted(times)[len(times) // 2]


def measure(browser, url: str, hidden: tuple[int, ...], seconds: float) -> dict[str, float]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{url}?hidden={','.join(map(str, hidden))}&k={K}")
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    page.click("#play")
    time.sleep(1.0)  # warm up: the first requests record the training step's program
    u0, f0, t0 = page.evaluate(COUNT)
    time.sleep(seconds)
    u1, f1, t1, mutations = page.evaluate(READ)
    page.click("#play")
    page.close()
    dt = (t1 - t0) / 1e3
    frames = max(f1 - f0, 1)
    return {
        "updates_per_s": (u1 - u0) / dt,
        "steps_per_s": K * (u1 - u0) / dt,
        "frames_per_s": (f1 - f0) / dt,
        "mutations_per_frame": mutations / frames,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="counting time per network")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("bench_playground: Playwright is not installed (pip install -e '.[test]')")
        return 1
    if not Path(CHROMIUM).exists():
        print(f"bench_playground: {CHROMIUM} is missing (scripts/install-browser.sh)")
        return 1
    blas = "one BLAS thread, as `chainrule playground` runs" if one_blas_thread() else "BLAS as is"
    print(f"CPU: {cpu_model()}; {os.cpu_count()} cores; load {os.getloadavg()[0]:.2f}; {blas}")
    print(f"{K} training steps per update, heatmaps on, {args.seconds:g} s per network\n")
    head = f"{'network':<18}{'updates/s':>10}{'steps/s':>9}{'frames/s':>10}{'DOM/frame':>11}"
    print(head + f"{'server ms':>11}{'goal':>7}")
    results = {}
    with running(app=create_app()) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for name, hidden in NETS.items():
            r = measure(browser, url, hidden, args.seconds)
            r["server_ms_per_update"] = server_ms(hidden)
            r["goal_updates_per_s"] = GOALS[name]
            results[name] = r
            ok = "met" if r["updates_per_s"] >= GOALS[name] else "MISSED"
            print(f"{name:<18}{r['updates_per_s']:>10.1f}{r['steps_per_s']:>9.0f}"
                  f"{r['frames_per_s']:>10.1f}{r['mutations_per_frame']:>11.0f}"
                  f"{r['server_ms_per_update']:>11.1f}{ok:>7}")  # fmt: skip
        browser.close()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
