"""One training step of a sigmoid MLP: chainrule against its peers, and one epoch through fit.

Run it from the repository root, in the project's virtual environment::

    .venv/bin/python benchmarks/bench_step.py            # the full run: a few minutes on 2 cores
    .venv/bin/python benchmarks/bench_step.py --quick    # a smoke run (CI): seconds, no verdicts

What it times, in one process on one machine, each figure the median of ``--reps`` (≥ 5)
repetitions, the implementations interleaved round-robin so that a noisy neighbour slows all of
them alike:

* **one training step** — forward, loss, backward, SGD update — of a network with sigmoid hidden
  and output units and binary cross-entropy (mean over the samples, summed over the outputs),
  for 2-2-1 at batch 1 and 32, 64-32-10 at 32, 784-256-128-10 at 128 and 784-1024-1024-10 at
  256, in float32 and float64. All implementations start from the same weights, with the same
  learning rate, on the same batch:

  - ``chainrule``: ``net.train_step(X, y, w, optimizer)`` on data checked once by
    ``net.check_data`` — the step ``fit`` takes for each batch;
  - ``net.step``: ``net.step(X, y, lr)``, which also checks X and y on every call;
  - ``numpy``: a hand-written NumPy backprop (the textbook δ recursion, separate bias vectors);
  - ``torch``: PyTorch eager, ``nn.Linear``/``nn.Sigmoid``, ``BCEWithLogitsLoss``, ``optim.SGD``;
  - ``jax``: the same step under ``jax.jit`` (``value_and_grad`` and the update in one function);
  - ``sklearn``: ``MLPClassifier.partial_fit`` on the batch (solver ``sgd``, no momentum, no L2).

  It prints steps/s, the ratio chainrule/peer (above 1: chainrule is faster) and chainrule's
  achieved GFLOP/s against the machine's matmul rate (a square 2048² GEMM of the same dtype,
  timed in the same interleaved repetitions as the steps it is compared with). The
  FLOPs counted are the matrix products the step needs: 2·m·Σ n_in·n_out forward, as much
  again for the weight gradients, and once more without the first layer for the input gradients.
* **one epoch** of 60,000 × 784 synthetic samples (10 multi-label 0/1 targets) through
  784-256-128-10 at batch 128, float32: ``net.fit`` with ``verbose=0`` and with its progress going
  to a non-terminal, against the same epoch by hand in NumPy, PyTorch, JAX and scikit-learn
  (``partial_fit`` over the whole set: one epoch), each shuffling every epoch; and the peak
  memory of fit (tracemalloc, in a separate untimed run) against 1.5 × (data + parameters + one
  batch of activations).

A peer that is not installed is skipped. Options: ``--threads N`` limits every library to N
threads (default: all cores); ``--reps``; ``--dtypes``; ``--no-epoch``; ``--peers``.

On machines where ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` are set (to dodge bugs of old
OpenBLAS builds), a current NumPy runs slower kernels; to benchmark against it, unset both in that
command alone: ``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/...``.
The header prints the kernel OpenBLAS chose.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import itertools
import os
import platform
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from machine import blas_info, cpu_model

CONFIGS = [
    ([2, 2, 1], 1),
    ([2, 2, 1], 32),
    ([64, 32, 10], 32),
    ([784, 256, 128, 10], 128),
    ([784, 1024, 1024, 10], 256),
]
PEERS = ("numpy", "torch", "jax", "sklearn")
LR = 0.01


# -- the machine -----------------------------------------------------------------------------------
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
    return lambda: np.matmul(a, b, out=c)


def step_flops(sizes: list[int], m: int) -> int:
    pairs = list(itertools.pairwise(sizes))
    fwd = sum(a * b for a, b in pairs)
    return 2 * m * (2 * fwd + sum(a * b for a, b in pairs[1:]))


# -- the implementations: each makes a step() for a network, weights and one batch -----------------
def make_chainrule(net: Any, X: np.ndarray, Y: np.ndarray) -> Callable[[], Any]:
    import chainrule as cr

    data = net.check_data(X, Y)
    opt = cr.optim.SGD(net.parameters(), lr=LR)
    train_step = net.train_step
    return lambda: train_step(*data, opt)


def make_net_step(net: Any, X: np.ndarray, Y: np.ndarray) -> Callable[[], Any]:
    return lambda: net.step(X, Y, lr=LR)


def hand_step(Ws: list[np.ndarray], bs: list[np.ndarray], X: np.ndarray, y: np.ndarray, lr: float):
    """Forward, binary cross-entropy from the logits, the δ recursion, and SGD, by hand."""
    m = len(X)
    acts = [X]
    a = X
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        a = 1.0 / (1.0 + np.exp(-(a @ W + b)))
        acts.append(a)
    h = a @ Ws[-1] + bs[-1]
    E = (np.logaddexp(0, h) - y * h).sum() / m
    delta = (1.0 / (1.0 + np.exp(-h)) - y) / m  # ∂E/∂h of the output layer
    for k in range(len(Ws) - 1, -1, -1):
        a = acts[k]
        gW = a.T @ delta
        gb = delta.sum(axis=0)
        if k:
            delta = (delta @ Ws[k].T) * a * (1.0 - a)
        Ws[k] -= lr * gW
        bs[k] -= lr * gb
    return E


def make_numpy(weights: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> Callable[[], Any]:
    Ws = [W[:-1].copy() for W in weights]
    bs = [W[-1].copy() for W in weights]
    return lambda: hand_step(Ws, bs, X, Y, LR)


def torch_model(weights: list[np.ndarray]) -> Any:
    import torch

    layers: list[Any] = []
    for W in weights:
        lin = torch.nn.Linear(W.shape[0] - 1, W.shape[1], dtype=torch.from_numpy(W).dtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W[:-1].T)))
            lin.bias.copy_(torch.from_numpy(W[-1].copy()))
        layers += [lin, torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers[:-1])


def make_torch(weights: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> Callable[[], Any]:
    import torch

    model = torch_model(weights)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
    Xt, Yt, m = torch.from_numpy(X), torch.from_numpy(Y), len(X)

    def step() -> Any:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(Xt), Yt) / m
        loss.backward()
        opt.step()
        return loss

    return step


def jax_step_fn() -> Any:
    import jax
    import jax.numpy as jnp

    def loss(params: Any, X: Any, Y: Any) -> Any:
        a = X
        for W, b in params[:-1]:
            a = jax.nn.sigmoid(a @ W + b)
        W, b = params[-1]
        h = a @ W + b
        return jnp.sum(jnp.logaddexp(0, h) - Y * h) / X.shape[0]

    @jax.jit
    def step(params: Any, X: Any, Y: Any) -> Any:
        E, grads = jax.value_and_grad(loss)(params, X, Y)
        return [
            (W - LR * gW, b - LR * gb) for (W, b), (gW, gb) in zip(params, grads, strict=True)
        ], E

    return step


def make_jax(weights: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> Callable[[], Any]:
    import jax

    step = jax_step_fn()
    state = [[(jax.device_put(W[:-1]), jax.device_put(W[-1])) for W in weights]]
    Xj, Yj = jax.device_put(X), jax.device_put(Y)

    def run() -> Any:
        state[0], E = step(state[0], Xj, Yj)
        return E

    run.sync = lambda: jax.block_until_ready(state[0])  # type: ignore[attr-defined]
    return run


def sklearn_model(sizes: list[int], m: int) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=tuple(sizes[1:-1]),
        activation="logistic",
        solver="sgd",
        learning_rate_init=LR,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        batch_size=m,
        shuffle=True,
    )


def make_sklearn(weights: list[np.ndarray], X: np.ndarray, Y: np.ndarray) -> Callable[[], Any]:
    sizes = [weights[0].shape[0] - 1] + [W.shape[1] for W in weights]
    clf = sklearn_model(sizes, len(X))
    y = Y[:, 0].astype(np.int64) if Y.shape[1] == 1 else Y.astype(np.int64)
    classes = [0, 1] if Y.shape[1] == 1 else np.arange(Y.shape[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(X, y, classes=classes)
    clf.coefs_ = [W[:-1].copy() for W in weights]
    clf.intercepts_ = [W[-1].copy() for W in weights]
    return lambda: clf.partial_fit(X, y)


def available(peer: str) -> bool:
    module = {"numpy": "numpy", "torch": "torch", "jax": "jax", "sklearn": "sklearn"}[peer]
    try:
        __import__(module)
    except ImportError:
        return False
    return True


# -- timing ----------------------------------------------------------------------------------------
def calibrate(step: Callable[[], Any], target: float) -> int:
    """How many steps make a timed block of about ``target`` seconds."""
    n, elapsed = 1, 0.0
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
    sync = getattr(step, "sync", None)
    t = time.perf_counter()
    for _ in range(n):
        step()
    if sync:
        sync()
    return (time.perf_counter() - t) / n


def interleaved(steps: dict[str, Callable[[], Any]], reps: int, block: float) -> dict[str, float]:
    """Median seconds per step of each implementation, the repetitions taken round-robin."""
    counts = {name: calibrate(step, block) for name, step in steps.items()}
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(reps):
        for name, step in steps.items():
            times[name].append(time_block(step, counts[name]))
    return {name: statistics.median(t) for name, t in times.items()}


# -- the step table --------------------------------------------------------------------------------
def bench_steps(args: argparse.Namespace, gemm_n: int) -> list[dict[str, Any]]:
    """The step table. With each configuration's steps, interleaved with them, an n×n GEMM is
    timed, and "of matmul" is chainrule's rate against that one: a rate taken once at the start
    of a run on a shared machine can be off by 2× by the time the large networks run."""
    import chainrule as cr

    rows = []
    configs = CONFIGS[:3] + CONFIGS[3:4] if args.quick else CONFIGS
    for dtype in args.dtypes:
        for sizes, m in configs:
            rng = np.random.default_rng(0)
            net = cr.MLP(sizes, hidden="sigmoid", output="sigmoid", seed=0, dtype=dtype)
            X = rng.standard_normal((m, sizes[0])).astype(dtype)
            Y = (rng.random((m, sizes[-1])) < 0.5).astype(dtype)
            weights = [W.copy() for W in net.weights]
            makers: dict[str, Callable[[], Callable[[], Any]]] = {
                "chainrule": lambda net=net, X=X, Y=Y: make_chainrule(net, X, Y),
                "net.step": lambda sizes=sizes, X=X, Y=Y, dtype=dtype: make_net_step(
                    cr.MLP(sizes, seed=0, dtype=dtype), X, Y
                ),
                "numpy": lambda w=weights, X=X, Y=Y: make_numpy(w, X, Y),
                "torch": lambda w=weights, X=X, Y=Y: make_torch(w, X, Y),
                "jax": lambda w=weights, X=X, Y=Y: make_jax(w, X, Y),
                "sklearn": lambda w=weights, X=X, Y=Y: make_sklearn(w, X, Y),
            }
            steps = {
                name: make()
                for name, make in makers.items()
                if name in ("chainrule", "net.step") or name in args.peers
            }
            steps["matmul"] = make_gemm(dtype, gemm_n)
            t = interleaved(steps, args.reps, args.block)
            matmul = 2 * gemm_n**3 / t.pop("matmul") / 1e9
            flops = step_flops(sizes, m)
            gflops = flops / t["chainrule"] / 1e9
            rows.append(
                {
                    "net": "-".join(map(str, sizes)),
                    "batch": m,
                    "dtype": np.dtype(dtype).name,
                    "steps": {name: 1 / s for name, s in t.items()},
                    "gflops": gflops,
                    "matmul": matmul,
                    "of_peak": gflops / matmul,
                }
            )
            print_row(rows[-1], args.peers)
    return rows


def print_header(peers: list[str]) -> None:
    names = ["chainrule", "net.step", *peers]
    print(
        "\n| net | batch | dtype | "
        + " | ".join(names)
        + " | "
        + " | ".join(f"cr/{p}" for p in peers)
        + " | GFLOP/s | matmul GFLOP/s | of matmul |"
    )
    print("|---" * (3 + len(names) + len(peers) + 3) + "|")


def print_row(row: dict[str, Any], peers: list[str]) -> None:
    s = row["steps"]
    cells = [row["net"], str(row["batch"]), row["dtype"]]
    cells += [f"{s[n]:,.0f}" if n in s else "—" for n in ["chainrule", "net.step", *peers]]
    cells += [f"{s['chainrule'] / s[p]:.2f}" if p in s else "—" for p in peers]
    cells += [f"{row['gflops']:.1f}", f"{row['matmul']:.0f}", f"{row['of_peak']:.0%}"]
    print("| " + " | ".join(cells) + " |", flush=True)


# -- the epoch -------------------------------------------------------------------------------------
def bench_epoch(args: argparse.Namespace) -> dict[str, Any]:
    import chainrule as cr

    n = 2_048 if args.quick else 60_000
    sizes, b, dtype = [784, 256, 128, 10], 128, np.float32
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, 784), dtype=dtype)
    Y = (rng.random((n, 10)) < 0.5).astype(dtype)
    net = cr.MLP(sizes, seed=0, dtype=dtype)
    weights = [W.copy() for W in net.weights]
    fit_kw = {"epochs": 1, "batch_size": b, "optimizer": "sgd", "lr": LR, "seed": 0}

    def fit_quiet() -> None:
        net.fit(X, Y, verbose=0, **fit_kw)

    def fit_progress() -> None:
        with contextlib.redirect_stdout(io.StringIO()):  # not a terminal: one line per epoch
            net.fit(X, Y, verbose=1, **fit_kw)

    Ws, bs = [W[:-1].copy() for W in weights], [W[-1].copy() for W in weights]
    shuffle = np.random.default_rng(0)

    def numpy_epoch() -> None:
        order = shuffle.permutation(n)
        for s in range(0, n, b):
            idx = order[s : s + b]
            hand_step(Ws, bs, X[idx], Y[idx], LR)

    epochs: dict[str, Callable[[], None]] = {
        "chainrule fit": fit_quiet,
        "fit + progress": fit_progress,
        "numpy": numpy_epoch,
    }
    if "torch" in args.peers:
        import torch

        model = torch_model(weights)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        loss_fn = torch.nn.BCEWithLogitsLoss(reduction="sum")
        Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

        def torch_epoch() -> None:
            for idx in torch.randperm(n).split(b):
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(Xt[idx]), Yt[idx]) / len(idx)
                loss.backward()
                opt.step()

        epochs["torch"] = torch_epoch
    if "jax" in args.peers:
        import jax

        jstep = jax_step_fn()
        jstate = [[(jax.device_put(W[:-1]), jax.device_put(W[-1])) for W in weights]]

        def jax_epoch() -> None:
            order = shuffle.permutation(n)
            for s in range(0, n, b):
                idx = order[s : s + b]
                jstate[0], _ = jstep(jstate[0], X[idx], Y[idx])
            jax.block_until_ready(jstate[0])

        epochs["jax"] = jax_epoch
    if "sklearn" in args.peers:
        clf = sklearn_model(sizes, b)
        Yi = Y.astype(np.int64)

        def sklearn_epoch() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf.partial_fit(X, Yi, classes=np.arange(10))

        epochs["sklearn"] = sklearn_epoch
    for f in epochs.values():  # warm up: compile, record, allocate
        f()
    reps = 1 if args.quick else args.reps
    times: dict[str, list[float]] = {name: [] for name in epochs}
    for _ in range(reps):
        for name, f in epochs.items():
            gc.collect()
            t = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t)
    seconds = {name: statistics.median(t) for name, t in times.items()}

    # Peak memory, untimed: what fit allocates on top of the data it is given.
    def peak(f: Callable[[], None]) -> int:
        gc.collect()
        tracemalloc.start()
        f()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    data = X.nbytes + Y.nbytes
    params = sum(W.nbytes for W in net.weights)
    batch = b * sum(sizes) * np.dtype(dtype).itemsize * 2  # h and a of every layer
    memory = {
        "data": data,
        "bound": 1.5 * (data + params + batch),
        "chainrule fit": data + peak(fit_quiet),
        "numpy": data + peak(numpy_epoch),
    }
    return {"n": n, "seconds": seconds, "memory": memory}


def print_epoch(result: dict[str, Any]) -> None:
    s, mem = result["seconds"], result["memory"]
    base = s["numpy"]
    print(f"\nOne epoch, {result['n']:,} × 784, 784-256-128-10, batch 128, float32 (median s):\n")
    print("| implementation | seconds | × hand NumPy |")
    print("|---|---|---|")
    for name, t in s.items():
        print(f"| {name} | {t:.3f} | {t / base:.2f} |")
    mb = 1 / 2**20
    print(
        f"\nPeak memory: fit {mem['chainrule fit'] * mb:,.0f} MiB, hand NumPy "
        f"{mem['numpy'] * mb:,.0f} MiB; data {mem['data'] * mb:,.0f} MiB; bound 1.5 × (data + "
        f"parameters + one batch of activations) = {mem['bound'] * mb:,.0f} MiB"
    )


# -- the goals of issue 7 --------------------------------------------------------------------------
def print_goals(rows: list[dict[str, Any]], epoch: dict[str, Any] | None) -> None:
    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    print("\nGoals (chainrule = the step fit takes, net.train_step):")
    large = {"784-256-128-10", "784-1024-1024-10"}
    for row in rows:
        s, big = row["steps"], row["net"] in large
        name = f"{row['net']} @{row['batch']} {row['dtype']}"
        goals = [("numpy", 0.95 if big else 0.8), ("torch", 1.0 if big else 2.0)]
        if big:
            goals.append(("jax", 1.0))
        for peer, need in goals:
            if peer in s:
                r = s["chainrule"] / s[peer]
                print(f"  {name}: ≥ {need}× {peer}: {r:.2f}× — {verdict(r >= need)}")
        if row["net"] == "784-1024-1024-10" and row["dtype"] == "float32":
            share = row["of_peak"]
            print(f"  {name}: ≥ 85% of matmul: {share:.0%} — {verdict(share >= 0.85)}")
    if epoch:
        s, mem = epoch["seconds"], epoch["memory"]
        for name in ("chainrule fit", "fit + progress"):
            r = s[name] / s["numpy"]
            print(f"  epoch {name}: ≤ 1.1× hand NumPy: {r:.2f}× — {verdict(r <= 1.1)}")
        ok = mem["chainrule fit"] <= mem["bound"]
        share = mem["chainrule fit"] / mem["bound"]
        print(f"  epoch peak memory ≤ bound: {share:.2f}× of it — {verdict(ok)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: seconds, no verdicts")
    parser.add_argument("--reps", type=int, default=7, help="repetitions per figure (≥ 5)")
    parser.add_argument("--block", type=float, default=0.25, help="seconds per timed block")
    parser.add_argument("--dtypes", default="float32,float64")
    parser.add_argument("--peers", default=",".join(PEERS), help="comma-separated")
    parser.add_argument("--threads", type=int, default=None, help="threads for every library")
    parser.add_argument("--no-epoch", action="store_true")
    args = parser.parse_args(argv)
    if args.quick:
        args.reps, args.block, args.dtypes = 3, 0.01, "float32"
    args.dtypes = [np.dtype(d).type for d in args.dtypes.split(",")]
    wanted = [p.strip() for p in args.peers.split(",") if p.strip()]
    if args.threads:
        os.environ["XLA_FLAGS"] = (
            "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
            if args.threads == 1
            else os.environ.get("XLA_FLAGS", "")
        )
    args.peers = [p for p in wanted if available(p)]  # imported: their BLAS is loaded now
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    if "jax" in args.peers and np.float64 in args.dtypes:
        import jax

        jax.config.update("jax_enable_x64", True)  # float64 arrays stay float64
    if "torch" in args.peers and args.threads:
        import torch

        torch.set_num_threads(args.threads)

    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"NumPy {np.__version__}; BLAS: {blas_info()}")
    if hasattr(os, "getloadavg"):
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"load average before the run: {load} (other processes share these cores)")
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
    if env:
        print(f"note: {env} is set; see the docstring to benchmark without it")
    versions = []
    for peer in args.peers:
        mod = sys.modules.get(peer) or __import__(peer)
        versions.append(f"{peer} {mod.__version__}")
    skipped = [p for p in wanted if p not in args.peers]
    missing = f"; not installed: {', '.join(skipped)}" if skipped else ""
    print("peers: " + ", ".join(versions) + missing)
    n = 256 if args.quick else 2048
    rates = {np.dtype(d).name: matmul_rate(d, n, 5) for d in (np.float32, np.float64)}
    print(
        f"matmul rate ({n}×{n} GEMM) at the start: "
        + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in rates.items())
        + " (each row below times it again, between its steps)"
    )
    if args.quick:
        print("quick mode: a smoke run; the figures are too short to judge the goals by")

    print_header(args.peers)
    rows = bench_steps(args, n)
    epoch = None if args.no_epoch else bench_epoch(args)
    if epoch:
        print_epoch(epoch)
    if not args.quick:
        print_goals(rows, epoch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
