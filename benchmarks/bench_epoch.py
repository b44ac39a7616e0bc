"""One epoch of 60,000 × 784 samples through ``fit``, against the same epoch by hand in each peer.

784-256-128-10 at batch 128, float32, SGD, shuffled: ``net.fit`` quiet (numba backend where
installed), quiet on the numpy backend, and with its progress going to a non-terminal; the epoch
by hand in NumPy, PyTorch, JAX and scikit-learn (``partial_fit`` over the whole set); and fit's
peak memory (tracemalloc, a separate untimed run) against 1.5 × (data + parameters + one batch).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from peers import LR, hand_step, jax_step_fn, sklearn_model, torch_model


def bench_epoch(args: argparse.Namespace, numba: bool) -> dict[str, Any]:
    """Median seconds of one epoch through fit (numba where ``numba``, and numpy) and by hand in
    each peer; fit's peak memory against 1.5 × (data + parameters + one batch of activations)."""
    import chainrule as cr

    n = 2_048 if args.quick else 60_000
    sizes, b, dtype = [784, 256, 128, 10], 128, np.float32
    rng = np.random.default_rng(1)
    X = rng.standard_normal((n, 784), dtype=dtype)
    Y = (rng.random((n, 10)) < 0.5).astype(dtype)
    net = cr.MLP(sizes, seed=0, dtype=dtype)
    weights = [W.copy() for W in net.weights]
    fit_kw = {"epochs": 1, "batch_size": b, "optimizer": "sgd", "lr": LR, "seed": 0}

    backend = "numba" if numba else "numpy"

    def fit_quiet() -> None:
        with cr.use_backend(backend):
            net.fit(X, Y, verbose=0, **fit_kw)

    def fit_numpy() -> None:
        with cr.use_backend("numpy"):
            net.fit(X, Y, verbose=0, **fit_kw)

    def fit_progress() -> None:
        with contextlib.redirect_stdout(io.StringIO()), cr.use_backend(backend):
            net.fit(X, Y, verbose=1, **fit_kw)  # not a terminal: one line per epoch

    Ws, bs = [W[:-1].copy() for W in weights], [W[-1].copy() for W in weights]
    shuffle = np.random.default_rng(0)

    def numpy_epoch() -> None:
        order = shuffle.permutation(n)
        for s in range(0, n, b):
            idx = order[s : s + b]
            hand_step(Ws, bs, X[idx], Y[idx], LR)

    epochs: dict[str, Callable[[], None]] = {
        "chainrule fit": fit_quiet,
        "fit, numpy backend": fit_numpy,
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
    print(f"\nOne epoch, {result['n']:,} × 784, 784-256-128-10, batch 128, float32 (median s):")
    print("(chainrule fit: the numba backend where installed; fit + progress: the same, verbose)\n")
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
