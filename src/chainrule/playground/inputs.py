"""The playground's inputs: feature crosses and transforms of 2-D data, and its regression data.

A setup's ``features`` choose the network's inputs from the two columns x1, x2 of a 2-D dataset::

    x1, x2        the columns as they are
    x1^2, x2^2    their squares
    x1*x2         their product (a feature cross)
    sin(x1), sin(x2)

so X (n, 2) becomes Z (n, len(features)), column by column in the order of :data:`INPUTS`. The
maps and the points stay drawn in x1, x2; only the network sees Z.

The regression datasets are generated here from one seed (n points uniform on [-6, 6]², noise
added to the target): ``plane`` (y = (x1 + x2) / 12, a tilted plane in [-1, 1]) and ``gaussian``
(y = a sum of two Gaussian bumps, one positive and one negative, in [-1, 1]).

Example:
    >>> ds = regression_dataset("plane", n=200, noise=0.1, seed=0)
    >>> with_inputs(ds, ("x1", "x2", "x1*x2")).X.shape
    (200, 3)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chainrule.data.datasets import Dataset

#: name → Z's column from X (n, 2); the order in which chosen inputs enter the network
INPUTS = {
    "x1": lambda X: X[:, 0],
    "x2": lambda X: X[:, 1],
    "x1^2": lambda X: X[:, 0] ** 2,
    "x2^2": lambda X: X[:, 1] ** 2,
    "x1*x2": lambda X: X[:, 0] * X[:, 1],
    "sin(x1)": lambda X: np.sin(X[:, 0]),
    "sin(x2)": lambda X: np.sin(X[:, 1]),
}
PLAIN = ("x1", "x2")
REGRESSION = ("plane", "gaussian")
SPAN = 6.0  # the regression data's x1, x2 are uniform on [-SPAN, SPAN]


def ordered(features: Sequence[str]) -> tuple[str, ...]:
    """The chosen inputs in :data:`INPUTS`'s order (each once)."""
    chosen = set(features)
    return tuple(name for name in INPUTS if name in chosen)


def transform(X: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """Z (n, len(features)) from X (n, 2): one column per chosen input, in the given order."""
    return np.column_stack([INPUTS[name](X) for name in features]).astype(X.dtype, copy=False)


def input_names(raw: Sequence[str], features: Sequence[str]) -> list[str]:
    """Each input's name in the data's own words: ``x1^2`` with x1 named ``u`` is ``u^2``."""
    return [
        name.replace("x1", "\0").replace("x2", raw[1]).replace("\0", raw[0]) for name in features
    ]


def with_inputs(ds: Dataset, features: Sequence[str]) -> Dataset:
    """The same rows with Z = :func:`transform` (X) as features (``ds`` itself for x1, x2)."""
    features = tuple(features)
    if features == PLAIN:
        return ds
    Z = transform(ds.X, features)
    names = input_names(ds.feature_names, features)
    return Dataset(Z, ds.y, names, ds.target_name, ds.classes, ds.task)


def regression_dataset(name: str, n: int, noise: float, seed: int) -> Dataset:
    """``plane`` or ``gaussian``: n points uniform on [-6, 6]², y with N(0, noise²) added.

    plane: y = (x1 + x2) / 12. gaussian: y = g(x − (2, 2)) − g(x + (2, 2)), g(d) = exp(−|d|²/8):
    a bump up and a bump down.
    """
    if name not in REGRESSION:
        raise ValueError(f"no regression dataset {name!r}; the choices are {', '.join(REGRESSION)}")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-SPAN, SPAN, size=(n, 2))
    if name == "plane":
        y = (X[:, 0] + X[:, 1]) / (2 * SPAN)
    else:
        up = np.exp(-np.sum((X - 2.0) ** 2, axis=1) / 8.0)
        down = np.exp(-np.sum((X + 2.0) ** 2, axis=1) / 8.0)
        y = up - down
    y = y + noise * rng.normal(size=n)
    return Dataset(X, y, ["x1", "x2"], "y", None, "regression")


def l1_gradient(params: Sequence[object], l1: float) -> None:
    """Add the L1 penalty's gradient to each weight's ``.grad``: ∂(λ Σ|w|)/∂w = λ · sign(w).

    The penalty covers every weight but the biases (the last row of each W, shape
    (n_in + 1, n_out)), as the L2 weight decay of :mod:`chainrule.optim` does.
    """
    for p in params:
        g, W = p.grad, p.data  # type: ignore[attr-defined]
        if g is not None:
            g[:-1] += l1 * np.sign(W[:-1])


class WithL1:
    """An optimizer whose ``step()`` first adds the L1 gradient, λ · sign(w), to each ``.grad``.

    For :meth:`Sequential.train_step`, which sets the gradients and calls ``optimizer.step()``.
    """

    def __init__(self, optimizer: object, l1: float) -> None:
        self.optimizer = optimizer
        self.l1 = l1

    def step(self) -> None:
        if self.l1 > 0:
            l1_gradient(self.optimizer.params, self.l1)  # type: ignore[attr-defined]
        self.optimizer.step()  # type: ignore[attr-defined]
