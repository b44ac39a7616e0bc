"""Are small training steps slowed by a second BLAS thread? One thread against all, interleaved.

Run it from the repository root, in the project's virtual environment::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_threads.py
    .venv/bin/python benchmarks/bench_threads.py --quick       # a smoke run (CI): seconds

``bench_step.py`` times its one-thread table and then its all-thread table, each row after a large
GEMM; with two threads, OpenBLAS's worker threads keep spinning after such a GEMM and take a core
from whatever runs next, so a small step can look slower in that table for a reason that is not
its own. This benchmark isolates the question: for each small network it times ``net.step`` under
``threadpool_limits(1)`` and under ``threadpool_limits(all)`` in alternating rounds, with no large
GEMM anywhere, and prints the medians (steps/s) and their ratio. A ratio near 1 means the threads
do not slow the step. The compiled kernel multiplies matrices of fewer than 64 multiply-adds with
its own loops, so the 2-2-1 step makes no BLAS call at all.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
from machine import blas_info, cpu_model
from threadpoolctl import threadpool_limits

import chainrule as cr

NETS = (([2, 2, 1], 1), ([2, 2, 1], 32), ([64, 32, 10], 32))


def rates(net: cr.MLP, X: np.ndarray, y: np.ndarray, threads: tuple[int, ...], rounds: int,
          steps: int) -> dict[int, float]:  # fmt: skip
    """Median steps/s of ``net.step(X, y)`` under each BLAS thread count, rounds alternating."""
    times: dict[int, list[float]] = {n: [] for n in threads}
    net.step(X, y, lr=0.1)  # compile or load the kernel, and make the buffers, first
    for _ in range(rounds):
        for n in threads:
            with threadpool_limits(n):
                start = time.perf_counter()
                for _ in range(steps):
                    net.step(X, y, lr=0.1)
                times[n].append(steps / (time.perf_counter() - start))
    return {n: statistics.median(v) for n, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: seconds, no verdicts")
    args = parser.parse_args()
    rounds, steps = (2, 200) if args.quick else (7, 3000)
    cores = os.cpu_count() or 1
    threads = (1, cores)
    backend = str(cr.backend())  # numba where installed (by name: compiled from the first step)
    cr.set_backend(backend)
    print(f"CPU: {cpu_model()}, {cores} cores; backend: {backend}")
    print(f"net.step steps/s, median of {rounds} alternating rounds of {steps} steps\n")
    print(f"| net | batch | dtype | 1 thread | {cores} threads | {cores} / 1 |")
    print("|---|---|---|---|---|---|")
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        for sizes, m in NETS:
            X = rng.normal(size=(m, sizes[0])).astype(dtype)
            y = (rng.random((m, sizes[-1])) > 0.5).astype(dtype)
            net = cr.MLP(sizes, hidden="sigmoid", output="sigmoid", seed=0, dtype=dtype)
            r = rates(net, X, y, threads, rounds, steps)
            name = "-".join(map(str, sizes))
            print(f"| {name} | {m} | {np.dtype(dtype).name} | {r[1]:,.0f} | {r[cores]:,.0f} "
                  f"| {r[cores] / r[1]:.2f} |")  # fmt: skip
    print(f"\nBLAS (as the steps ran): {blas_info()}")


if __name__ == "__main__":
    main()
