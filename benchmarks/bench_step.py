"""One training step of a sigmoid MLP: chainrule (both backends) against its peers; fit; compiling.

Run it from the repository root, in the project's virtual environment, on the BLAS kernel that
OpenBLAS picks for the machine (this environment pins it to Haswell's; see the Makefile's
``bench``)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_step.py
    .venv/bin/python benchmarks/bench_step.py --quick    # a smoke run (CI): seconds, no verdicts

What it times, in one process on one machine, each figure the median of ``--reps`` (≥ 5)
repetitions, the implementations interleaved round-robin so that a noisy neighbour slows all of
them alike (``timing.py``):

* **one training step** — forward, loss, backward, SGD update — of a network with sigmoid hidden
  and output units and binary cross-entropy (mean over the samples, summed over the outputs),
  for 2-2-1 at batch 1 and 32, 64-32-10 at 32, 784-256-128-10 at 128 and 784-1024-1024-10 at
  256, in float32 and float64, with every BLAS on one thread and then on all cores
  (``--threads``). All implementations start from the same weights, with the same learning
  rate, on the same batch (``peers.py``):

  - ``chainrule``: ``net.train_step(X, y, w, optimizer)`` on data checked once by
    ``net.check_data`` — the step ``fit`` takes for each batch — on the numba backend (one
    compiled kernel); ``cr numpy``: the same on the numpy backend (the engine's replay);
  - ``net.step`` / ``net.step numpy``: ``net.step(X, y, lr)``, which also checks X and y on
    every call (the numba kernel checks them itself);
  - ``numpy``: a hand-written NumPy backprop (the textbook δ recursion, separate bias vectors);
  - ``torch``: PyTorch eager, ``nn.Linear``/``nn.Sigmoid``, ``BCEWithLogitsLoss``, ``optim.SGD``;
  - ``jax``: the same step under ``jax.jit`` (its thread pool is fixed when it starts: all cores,
    or one with ``--threads 1`` alone);
  - ``sklearn``: ``MLPClassifier.partial_fit`` on the batch (solver ``sgd``, no momentum, no L2).

  It prints steps/s, the ratios chainrule/peer (above 1: chainrule is faster) and chainrule's
  achieved GFLOP/s against the machine's matmul rate (a square 2048² GEMM of the same dtype,
  timed in the same interleaved repetitions). The FLOPs counted are the matrix products the step
  needs: 2·m·Σ n_in·n_out forward, as much again for the weight gradients, and once more without
  the first layer for the input gradients.
* **one epoch** of 60,000 × 784 samples through ``fit`` against the same epoch by hand in each
  peer, with fit's peak memory (``bench_epoch.py``);
* **compiling** (``bench_compile.py``): the first compiled step with numba's cache empty and
  full, against the steady state; and ``chainrule train`` end to end on each backend.

A peer that is not installed is skipped (JAX is not a dependency of chainrule: ``pip install jax
jaxlib`` to include it), and so are the numba columns without ``chainrule[fast]``. Options:
``--threads`` (e.g. ``1`` or ``1,2``; default one and all cores), ``--reps``, ``--dtypes``,
``--no-epoch``, ``--no-compile``, ``--peers``. The header prints the BLAS libraries threadpoolctl
sees, with their kernels: NumPy's OpenBLAS, and SciPy's, which the numba kernel calls.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_compile import bench_cli, bench_first_step, print_cli, print_first_step
from bench_epoch import bench_epoch, print_epoch
from machine import blas_info, cpu_model
from peers import (
    available,
    make_chainrule,
    make_jax,
    make_net_step,
    make_numpy,
    make_sklearn,
    make_torch,
)
from timing import interleaved, make_gemm, matmul_rate, step_flops

CONFIGS = [
    ([2, 2, 1], 1),
    ([2, 2, 1], 32),
    ([64, 32, 10], 32),
    ([784, 256, 128, 10], 128),
    ([784, 1024, 1024, 10], 256),
]
PEERS = ("numpy", "torch", "jax", "sklearn")
OURS = ("chainrule", "net.step", "cr numpy", "net.step numpy")
LARGE = {"784-256-128-10", "784-1024-1024-10"}


def has_numba() -> bool:
    import chainrule as cr

    try:
        with cr.use_backend("numba"):
            return True
    except cr.BackendError:
        return False


def set_threads(n: int, peers: list[str]) -> None:
    """Every BLAS (NumPy's, SciPy's for numba) and PyTorch on ``n`` threads."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(n)
    if "torch" in peers:
        import torch

        torch.set_num_threads(n)


def makers(net_of: Callable[[], Any], X: np.ndarray, Y: np.ndarray, numba: bool) -> dict[str, Any]:
    """Each implementation's maker for one configuration (chainrule's on fresh networks)."""
    weights = [W.copy() for W in net_of().weights]
    ours = {
        "chainrule": lambda: make_chainrule(net_of(), X, Y, "numba"),
        "net.step": lambda: make_net_step(net_of(), X, Y, "numba"),
        "cr numpy": lambda: make_chainrule(net_of(), X, Y, "numpy"),
        "net.step numpy": lambda: make_net_step(net_of(), X, Y, "numpy"),
    }
    if not numba:
        del ours["chainrule"], ours["net.step"]
    return {
        **ours,
        "numpy": lambda: make_numpy(weights, X, Y),
        "torch": lambda: make_torch(weights, X, Y),
        "jax": lambda: make_jax(weights, X, Y),
        "sklearn": lambda: make_sklearn(weights, X, Y),
    }


def bench_steps(args: argparse.Namespace, gemm_n: int, numba: bool) -> list[dict[str, Any]]:
    """The step table, for each thread count. With each configuration's steps, interleaved with
    them, an n×n GEMM is timed; "of matmul" is chainrule's rate against that one."""
    import chainrule as cr

    rows = []
    configs = CONFIGS[:4] if args.quick else CONFIGS
    for threads in args.threads:
        set_threads(threads, args.peers)
        print(f"\nOne training step, steps/s, every library on {threads} thread(s):")
        print_header(args.peers)
        for dtype in args.dtypes:
            for sizes, m in configs:
                rng = np.random.default_rng(0)
                X = rng.standard_normal((m, sizes[0])).astype(dtype)
                Y = (rng.random((m, sizes[-1])) < 0.5).astype(dtype)

                def net_of(sizes: list[int] = sizes, dtype: Any = dtype) -> Any:
                    return cr.MLP(sizes, hidden="sigmoid", output="sigmoid", seed=0, dtype=dtype)

                wanted = [*OURS, *args.peers]
                steps = {
                    k: make() for k, make in makers(net_of, X, Y, numba).items() if k in wanted
                }
                steps["matmul"] = make_gemm(dtype, gemm_n)
                t = interleaved(steps, args.reps, args.block)
                matmul = 2 * gemm_n**3 / t.pop("matmul") / 1e9
                best = "chainrule" if numba else "cr numpy"
                gflops = step_flops(sizes, m) / t[best] / 1e9
                row = {"net": "-".join(map(str, sizes)), "batch": m, "threads": threads,
                       "dtype": np.dtype(dtype).name, "steps": {k: 1 / s for k, s in t.items()},
                       "gflops": gflops, "matmul": matmul, "of_peak": gflops / matmul}  # fmt: skip
                rows.append(row)
                print_row(row, args.peers)
    cr.set_backend(None)
    return rows


def print_header(peers: list[str]) -> None:
    names = [*OURS, *peers]
    ratios = [f"cr/{p}" for p in peers] + ["net.step/numpy", "cr numpy/numpy"]
    print("\n| net | batch | dtype | " + " | ".join(names) + " | " + " | ".join(ratios)
          + " | GFLOP/s | matmul GFLOP/s | of matmul |")  # fmt: skip
    print("|---" * (3 + len(names) + len(ratios) + 3) + "|")


def ratio(s: dict[str, float], a: str, b: str) -> str:
    return f"{s[a] / s[b]:.2f}" if a in s and b in s else "—"


def print_row(row: dict[str, Any], peers: list[str]) -> None:
    s = row["steps"]
    cells = [row["net"], str(row["batch"]), row["dtype"]]
    cells += [f"{s[n]:,.0f}" if n in s else "—" for n in [*OURS, *peers]]
    cells += [ratio(s, "chainrule", p) for p in peers]
    cells += [ratio(s, "net.step", "numpy"), ratio(s, "cr numpy", "numpy")]
    cells += [f"{row['gflops']:.1f}", f"{row['matmul']:.0f}", f"{row['of_peak']:.0%}"]
    print("| " + " | ".join(cells) + " |", flush=True)


# -- the goals of issue 17 -------------------------------------------------------------------------
def step_goals(row: dict[str, Any]) -> list[tuple[str, str, float]]:
    """(ours, peer, the least ratio) the issue asks of this row."""
    net, big = row["net"], row["net"] in LARGE
    if net == "2-2-1":
        goals = [("net.step", "numpy", 4.0), ("net.step", "jax", 2.0)]
    elif net == "64-32-10":
        goals = [("chainrule", "numpy", 2.0), ("chainrule", "torch", 5.0)]
    else:
        goals = [
            ("chainrule", "numpy", 0.95),
            ("chainrule", "torch", 1.0),
            ("chainrule", "jax", 1.0),
        ]
    goals.append(("cr numpy", "numpy", 0.95 if big else 0.8))  # the NumPy fallback
    return goals


def print_goals(rows: list[dict[str, Any]], epoch: dict[str, Any] | None) -> None:
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print("\nGoals (chainrule = net.train_step on numba; cr numpy = the same on numpy):")
    for row in rows:
        s = row["steps"]
        name = f"{row['net']} @{row['batch']} {row['dtype']}, {row['threads']} thread(s)"
        for ours, peer, need in step_goals(row):
            if ours in s and peer in s:
                r = s[ours] / s[peer]
                print(f"  {name}: {ours} ≥ {need}× {peer}: {r:.2f}× — {verdict(r >= need)}")
        if row["net"] == "784-1024-1024-10":
            share = row["of_peak"]
            print(f"  {name}: ≥ 85% of matmul: {share:.0%} — {verdict(share >= 0.85)}")
    if epoch:
        s, mem = epoch["seconds"], epoch["memory"]
        for name in ("chainrule fit", "fit, numpy backend", "fit + progress"):
            r = s[name] / s["numpy"]
            print(f"  epoch {name}: ≤ 1.05× hand NumPy: {r:.2f}× — {verdict(r <= 1.05)}")
        ok = mem["chainrule fit"] <= mem["bound"]
        share = mem["chainrule fit"] / mem["bound"]
        print(f"  epoch peak memory ≤ bound: {share:.2f}× of it — {verdict(ok)}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: seconds, no verdicts")
    parser.add_argument("--reps", type=int, default=7, help="repetitions per figure (≥ 5)")
    parser.add_argument("--block", type=float, default=0.25, help="seconds per timed block")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated")
    parser.add_argument("--threads", default=None, help="thread counts, e.g. 1,2 (default: 1,all)")
    parser.add_argument("--runs", type=int, default=3, help="runs of `chainrule train` per figure")
    parser.add_argument("--no-epoch", action="store_true")
    parser.add_argument("--no-compile", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.block, args.dtypes, args.runs = 3, 0.01, "float32", 1
    args.dtypes = [np.dtype(d).type for d in args.dtypes.split(",")]
    cores = os.cpu_count() or 1
    default = "1" if args.quick else f"1,{cores}"
    args.threads = sorted({int(t) for t in (args.threads or default).split(",")})
    if args.threads == [1]:  # XLA's threads are fixed at start: one, when only one is asked for
        os.environ["XLA_FLAGS"] = (
            "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )
    return args


def print_machine(args: argparse.Namespace, wanted: list[str], numba: bool) -> None:
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average before the run: {load} (other processes share these cores)")
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if env:
        print(f"note: {env} is set; see the docstring to benchmark without it")
    versions = [f"{p} {(sys.modules.get(p) or __import__(p)).__version__}" for p in args.peers]
    skipped = [p for p in wanted if p not in args.peers]
    missing = f"; not installed: {', '.join(skipped)}" if skipped else ""
    print("peers: " + ", ".join(versions) + missing)
    if numba:
        import numba as nb

        print(f"chainrule backends: numba {nb.__version__} and numpy")
    else:
        print(
            "chainrule backends: numpy only (numba is not installed: pip install chainrule[fast])"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    wanted = [p.strip() for p in args.peers.split(",") if p.strip()]
    args.peers = [p for p in wanted if available(p)]  # imported: their BLAS is loaded now
    if "jax" in args.peers and np.float64 in args.dtypes:
        import jax

        jax.config.update("jax_enable_x64", True)  # float64 arrays stay float64
    numba = has_numba()
    if numba:  # load the kernel (and SciPy's BLAS) now, so that the header names its BLAS
        import chainrule as cr

        with cr.use_backend("numba"):
            cr.MLP([2, 1], seed=0).step(np.ones((1, 2)), np.ones((1, 1)))
    print_machine(args, wanted, numba)
    print(f"NumPy {np.__version__}; BLAS: {blas_info()}")
    n = 256 if args.quick else 2048
    rates = {np.dtype(d).name: matmul_rate(d, n, 5) for d in (np.float32, np.float64)}
    print(f"matmul rate ({n}×{n} GEMM) at the start: "
          + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in rates.items())
          + " (each row below times it again, between its steps)")  # fmt: skip
    if args.quick:
        print("quick mode: a smoke run; the figures are too short to judge the goals by")
    rows = bench_steps(args, n, numba)
    set_threads(args.threads[0], args.peers)  # the epoch and the rest: the first thread count
    epoch = None if args.no_epoch else bench_epoch(args, numba)
    if epoch:
        print_epoch(epoch)
    if numba and not args.no_compile:
        print_first_step(bench_first_step(args.quick))
        if not args.quick:  # a dozen runs of the command line: not for a smoke run
            print_cli(bench_cli(args.runs), args.runs)
    if not args.quick:
        print_goals(rows, epoch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
