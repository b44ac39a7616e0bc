"""Timing: the interleaved medians every figure is, and the machine's matmul rate.

Each implementation is timed in blocks of about ``block`` seconds; the blocks of all
implementations of one row are taken round-robin, ``reps`` times, so that a noisy neighbour on a
shared machine slows them alike, and each figure is the median of its blocks.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def matmul_rate(dtype: Any, n: int, reps: int) -> float:
    """GFLOP/s of an n×n GEMM in ``dtype``: the median of ``reps`` runs."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    c = np.empty((n, n), dtype=dtype)
    np.matmul(a, b, out=c)
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t)
    return 2 * n**3 / statistics.median(times) / 1e9


def make_gemm(dtype: Any, n: int) -> Callable[[], Any]:
    """One n×n GEMM in ``dtype``: the reference rate, timed between the steps it is set against."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n)).astype(dtype) for _ in range(2))
    c = np.empty((n, n), dtype=dtype)

    def gemm() -> Any:
        return np.matmul(a, b, out=c)

    # After its last call an OpenBLAS thread spins for a while before it sleeps; on a 2-core
    # machine it would steal a core from whatever is timed next, so the GEMM's block ends with
    # an untimed pause.
    gemm.after = lambda: time.sleep(0.2)  # type: ignore[attr-defined]
    return gemm


def step_flops(sizes: list[int], m: int) -> int:
    pairs = list(itertools.pairwise(sizes))
    fwd = sum(a * b for a, b in pairs)
    return 2 * m * (2 * fwd + sum(a * b for a, b in pairs[1:]))


def calibrate(step: Callable[[], Any], target: float) -> int:
    """How many steps make a timed block of about ``target`` seconds."""
    n, elapsed = 1, 0.0
    before = getattr(step, "before", None)
    if before:
        before()
    while True:
        t = time.perf_counter()
        for _ in range(n):
            step()
        sync = getattr(step, "sync", None)
        if sync:
            sync()
        elapsed = time.perf_counter() - t
        if elapsed >= target / 4 or n >= 1 << 20:
            return max(1, int(n * target / max(elapsed, 1e-9)))
        n *= 4


def time_block(step: Callable[[], Any], n: int) -> float:
    before, sync = getattr(step, "before", None), getattr(step, "sync", None)
    if before:
        before()
    t = time.perf_counter()
    for _ in range(n):
        step()
    if sync:
        sync()
    elapsed = time.perf_counter() - t
    after = getattr(step, "after", None)
    if after:
        after()
    return elapsed / n


def interleaved(steps: dict[str, Callable[[], Any]], reps: int, block: float) -> dict[str, float]:
    """Median seconds per step of each implementation, the repetitions taken round-robin."""
    counts = {name: calibrate(step, block) for name, step in steps.items()}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(reps):
        for name, step in steps.items():
            times[name].append(time_block(step, counts[name]))
    return {name: statistics.median(t) for name, t in times.items()}
