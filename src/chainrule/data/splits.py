"""The train/test split: shuffled, and stratified by class for classification targets::

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)

The same seed gives the same split; each class keeps its share of samples in both parts.
"""

from __future__ import annotations

import numpy as np

from chainrule.data.labels import _show, detect_task
from chainrule.errors import DataError

__all__ = ["train_test_split"]


def train_test_split(X, y, test_size: float = 0.25, stratify: bool = True, seed=0):
    """Shuffle and split into ``X_train, X_test, y_train, y_test``.

    Args:
        test_size: the fraction of samples in the test set (0 < test_size < 1), rounded up, or a
            number of samples (int).
        stratify: for classification targets (:func:`detect_task`), keep each class's share in
            both sets: class c gets test_size × n_c test samples, rounded so the total is right
            (largest remainders round up), and always keeps at least one in training.
            Regression targets are split plainly.
        seed: an int or a ``numpy.random.Generator``; the same seed gives the same split.
    """
    X, y = np.asarray(X), np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise DataError(f"train_test_split: X has {n} rows but y has {len(y)}")
    if isinstance(test_size, int | np.integer) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, float) and 0 < test_size < 1:
        n_test = int(np.ceil(test_size * n))
    else:
        raise DataError(
            f"train_test_split: test_size must be a fraction in (0, 1) or a count; "
            f"got {test_size!r}"
        )
    if not 1 <= n_test < n:
        raise DataError(
            f"train_test_split: a test set of {n_test} from {n} samples leaves a set empty; "
            "use more samples or another test_size"
        )
    rng = np.random.default_rng(seed)
    if stratify and y.ndim == 1 and detect_task(y) != "regression":
        test = _stratified_test_indices(y, n_test, rng)
    else:
        test = rng.permutation(n)[:n_test]
    in_test = np.zeros(n, dtype=bool)
    in_test[test] = True
    train = rng.permutation(np.flatnonzero(~in_test))
    test = rng.permutation(np.flatnonzero(in_test))
    return X[train], X[test], y[train], y[test]


def _stratified_test_indices(y: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    classes, inverse = np.unique(y.astype(str) if y.dtype.kind == "O" else y, return_inverse=True)
    counts = np.bincount(inverse)
    if (counts < 2).any():
        c = int(np.argmin(counts))
        raise DataError(
            f"train_test_split: class {_show(classes[c : c + 1])} has only 1 sample; a stratified "
            "split needs at least 2 per class. Pass stratify=False or collect more samples"
        )
    exact = counts * n_test / len(y)
    take = np.floor(exact).astype(np.int64)
    largest_remainders = np.argsort(-(exact - take), kind="stable")
    take[largest_remainders[: n_test - take.sum()]] += 1
    take = np.minimum(take, counts - 1)
    return np.concatenate(
        [rng.permutation(np.flatnonzero(inverse == c))[: take[c]] for c in range(len(classes))]
    )
