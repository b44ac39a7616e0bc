"""What compiling costs: the first compiled step against the steady state, and ``chainrule train``.

Each figure comes from a fresh Python process, so that nothing is loaded yet:

* **first step**: ``import chainrule``, then one ``net.step`` under the numba backend, with
  numba's disk cache empty (``NUMBA_CACHE_DIR`` set to a new folder: the kernel is compiled for
  the network's depth and dtype) and then full (the same folder again: the kernel is loaded), and
  the steady state of the same step (the median of a few thousand);
* **chainrule train**: the command line's main job (``chainrule train``, the bundled
  breast-cancer set, 100 epochs, its model file and plot written to a temporary folder), end to
  end, under ``CHAINRULE_BACKEND=numpy``, ``auto`` (the default) and ``numba`` with a cold and a
  warm cache; the median of ``runs`` runs each.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FIRST_STEP = """
import time
t0 = time.perf_counter()
import numpy as np
import chainrule as cr
cr.set_backend("numba")
net = cr.MLP({sizes}, seed=0, dtype="{dtype}")
X = np.ones((32, {n_in}), dtype="{dtype}")
y = np.ones((32, {n_out}), dtype="{dtype}")
t1 = time.perf_counter()
net.step(X, y, lr=0.01)
t2 = time.perf_counter()
times = []
for _ in range(2000):
    t = time.perf_counter()
    net.step(X, y, lr=0.01)
    times.append(time.perf_counter() - t)
times.sort()
print(t1 - t0, t2 - t1, times[len(times) // 2])
"""


def first_step(sizes: list[int], dtype: str, cache: str) -> tuple[float, float, float]:
    """(import s, first step s, steady step s), a fresh process with numba's cache in ``cache``."""
    code = FIRST_STEP.format(sizes=sizes, dtype=dtype, n_in=sizes[0], n_out=sizes[-1])
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    a, b, c = map(float, out)
    return a, b, c


def bench_first_step(quick: bool) -> list[dict[str, Any]]:
    nets = [([2, 2, 1], "float64")] if quick else [
        ([2, 2, 1], "float32"),
        ([2, 2, 1], "float64"),
        ([784, 256, 128, 10], "float32"),
    ]  # fmt: skip
    rows = []
    for sizes, dtype in nets:
        with tempfile.TemporaryDirectory() as cache:
            _, cold, _ = first_step(sizes, dtype, cache)
            imported, warm, steady = first_step(sizes, dtype, cache)
        rows.append({"net": "-".join(map(str, sizes)), "dtype": dtype, "import": imported,
                     "cold": cold, "warm": warm, "steady": steady})  # fmt: skip
    return rows


def print_first_step(rows: list[dict[str, Any]]) -> None:
    print(
        "\nThe first compiled step (net.step, batch 32) in a fresh process, and the steady state:\n"
    )
    print("| net | dtype | import chainrule | first step, cache empty | first step, cached | "
          "steady step |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['net']} | {r['dtype']} | {r['import']:.2f} s | {r['cold']:.2f} s | "
              f"{r['warm']:.2f} s | {r['steady'] * 1e6:.1f} µs |")  # fmt: skip


def train_seconds(backend: str, cache: str, workdir: str) -> float:
    """Seconds of ``chainrule train`` end to end, in a fresh process."""
    exe = Path(sys.executable).with_name("chainrule")
    env = {**os.environ, "CHAINRULE_BACKEND": backend, "NUMBA_CACHE_DIR": cache}
    t = time.perf_counter()
    subprocess.run([str(exe), "train"], env=env, cwd=workdir, capture_output=True, check=True)
    return time.perf_counter() - t


def bench_cli(runs: int) -> dict[str, float]:
    """Median seconds of ``chainrule train`` per backend setting; ``numba, cold`` compiles."""
    out: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as work, tempfile.TemporaryDirectory() as warm:
        train_seconds("numba", warm, work)  # fills the warm cache
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as cold:
                timed = {
                    "numpy": train_seconds("numpy", warm, work),
                    "auto (the default)": train_seconds("auto", warm, work),
                    "numba, cache empty": train_seconds("numba", cold, work),
                    "numba, cached": train_seconds("numba", warm, work),
                }
            for name, seconds in timed.items():
                out.setdefault(name, []).append(seconds)
    return {name: statistics.median(t) for name, t in out.items()}


def print_cli(seconds: dict[str, float], runs: int) -> None:
    base = seconds["numpy"]
    print(f"\n`chainrule train` (bundled breast-cancer set, 100 epochs), end to end, median of "
          f"{runs}:\n")  # fmt: skip
    print("| CHAINRULE_BACKEND | seconds | − numpy |")
    print("|---|---|---|")
    for name, s in seconds.items():
        print(f"| {name} | {s:.2f} | {s - base:+.2f} s |")
