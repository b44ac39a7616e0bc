"""The implementations the benchmarks time: chainrule (both backends) and its peers.

Each ``make_*`` returns a ``step()`` for a network, its weights and one batch; a step may carry
a ``before`` hook (run before each timed block: chainrule's backend) and a ``sync`` (JAX's
asynchronous dispatch). ``hand_step`` is the hand-written NumPy backprop every figure is set
against. A peer that is not installed is reported by :func:`available` and skipped.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

LR = 0.01


def on_backend(step: Callable[[], Any], backend: str) -> Callable[[], Any]:
    """``step`` given a ``before`` hook that sets chainrule's backend before each timed block
    (the backend is chosen per process, so each block sets its own)."""
    import chainrule as cr

    step.before = lambda: cr.set_backend(backend)  # type: ignore[attr-defined]
    return step


def make_chainrule(net: Any, X: np.ndarray, Y: np.ndarray, backend: str) -> Callable[[], Any]:
    """``net.train_step`` (the step fit takes) with SGD, on data checked once."""
    import chainrule as cr

    data = net.check_data(X, Y)
    opt = cr.optim.SGD(net.parameters(), lr=LR)
    train_step = net.train_step
    with cr.use_backend(backend):
        train_step(*data, opt)  # records the program, or compiles/loads the kernel
    return on_backend(lambda: train_step(*data, opt), backend)


def make_net_step(net: Any, X: np.ndarray, Y: np.ndarray, backend: str) -> Callable[[], Any]:
    """``net.step``: the data checked on every call, plain gradient descent."""
    import chainrule as cr

    step = net.step
    with cr.use_backend(backend):
        step(X, Y, lr=LR)
    return on_backend(lambda: step(X, Y, lr=LR), backend)


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
