"""The train/test split: shuffled, stratified by class, and the same as scikit-learn's::

    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)

For an int seed the split is exactly scikit-learn's ``train_test_split(X, y, test_size=...,
random_state=seed, stratify=y)`` (``stratify=None`` with ``stratify=False``): the same rows in
the same order, so a result can be reproduced outside chainrule. The arithmetic is scikit-learn's
``StratifiedShuffleSplit`` and ``ShuffleSplit`` redone in NumPy, drawing from
``numpy.random.RandomState(seed)`` as scikit-learn's ``check_random_state`` does.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.data.labels import _show, detect_task
from chainrule.errors import DataError

__all__ = ["train_test_split"]


def train_test_split(X, y, test_size: float = 0.25, stratify: bool = True, seed=0, where=""):
    """Shuffle and split into ``X_train, X_test, y_train, y_test``.

    Args:
        X (array-like): the samples, one per row (n_samples, ...): an array, nested lists or a
            DataFrame.
        y (array-like): their targets, (n_samples,) or (n_samples, n_outputs).
        test_size: the fraction of samples in the test set, in [0, 1) (n_test = ⌈test_size · n⌉),
            or a number of samples (int, 0 ≤ test_size < n). 0: every sample is for training,
            in its order, and the test arrays are empty.
        stratify: True: for class labels (1-D y that :func:`detect_task` does not call
            regression), each class keeps its share in both parts, as scikit-learn's
            ``stratify=y``: class c gets about n_train · n_c / n training samples (the
            approximate mode of the multivariate hypergeometric; ties broken by the seed), and
            about n_test · (what is left) test samples. False: a plain shuffled split. Pass False
            for a regression target: whole-number targets (counts, ratings) look like classes.
        seed (int | numpy.random.Generator | numpy.random.RandomState | None): an int
            (``numpy.random.RandomState(seed)``, scikit-learn's ``random_state``), a
            ``numpy.random.Generator`` or ``RandomState`` (drawn from), or None (fresh).
        where (str): where the data came from (a file name), put at the start of error messages.

    Raises:
        DataError: X and y differ in length; test_size leaves a part empty; or a stratified
            split cannot be made (a class has 1 sample, or a part is smaller than the number of
            classes). The message names the class label and its count.

    Example:
        >>> X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=42)
        >>> # the same rows as sklearn.model_selection.train_test_split(X, y, test_size=0.2,
        >>> #                                           random_state=42, stratify=y)
    """
    X, y = np.asarray(X), np.asarray(y)
    where = f"{where}: " if where else "train_test_split: "
    n = len(X)
    if len(y) != n:
        raise DataError(f"{where}X has {n} rows but y has {len(y)}")
    n_test = _n_test(test_size, n, where)
    if n_test == 0:
        train, test = np.arange(n), np.arange(0)
    else:
        rng = _random_state(seed)
        if stratify and y.ndim == 1 and detect_task(y) != "regression":
            train, test = _stratified(y, n - n_test, n_test, rng, where)
        else:  # scikit-learn's ShuffleSplit
            permutation = rng.permutation(n)
            train, test = permutation[n_test:], permutation[:n_test]
    return X[train], X[test], y[train], y[test]


def _n_test(test_size: Any, n: int, where: str) -> int:
    """The number of test samples, as scikit-learn's ``_validate_shuffle_split`` counts it."""
    whole = isinstance(test_size, int | np.integer) and not isinstance(test_size, bool | np.bool_)
    fraction = isinstance(test_size, float | np.floating)
    if whole and 0 <= test_size < n:
        n_test = int(test_size)
    elif fraction and 0 <= test_size < 1:
        n_test = math.ceil(float(test_size) * n)
    else:
        raise DataError(
            f"{where}the test part must be a fraction in [0, 1) or a number of samples below the "
            f"{n} there are; got {test_size!r}"
        )
    if n_test >= n:
        raise DataError(
            f"{where}a test part of {test_size!r} of {n} samples leaves none for training; use "
            "a smaller test part"
        )
    return n_test


def _random_state(seed: Any) -> Any:
    """What to draw from: scikit-learn's ``check_random_state``, without the global state."""
    if isinstance(seed, np.random.Generator | np.random.RandomState):
        return seed
    if seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool)):
        return np.random.RandomState(seed)
    raise DataError(
        f"train_test_split: seed must be an int, a numpy Generator or RandomState, or None; got "
        f"{seed!r}"
    )


def _classes(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(classes, class index per sample, count per class), sorted as ``np.unique`` sorts."""
    try:
        return np.unique(y, return_inverse=True, return_counts=True)
    except TypeError:  # mixed objects (e.g. str and int): compare their text
        return np.unique(y.astype(str), return_inverse=True, return_counts=True)


def _stratified(y: np.ndarray, n_train: int, n_test: int, rng: Any, where: str):
    """(train, test) indices as scikit-learn's ``StratifiedShuffleSplit._iter_indices``."""
    classes, inverse, counts = _classes(y)
    _check_stratifiable(classes, counts, n_train, n_test, where)
    class_indices = np.split(np.argsort(inverse, kind="stable"), np.cumsum(counts)[:-1])
    n_i = _approximate_mode(counts, n_train, rng)
    t_i = _approximate_mode(counts - n_i, n_test, rng)
    train: list[int] = []
    test: list[int] = []
    for i in range(len(classes)):
        permuted = class_indices[i].take(rng.permutation(counts[i]), mode="clip")
        train.extend(permuted[: n_i[i]])
        test.extend(permuted[n_i[i] : n_i[i] + t_i[i]])
    return rng.permutation(np.asarray(train, np.intp)), rng.permutation(np.asarray(test, np.intp))


def _check_stratifiable(classes, counts, n_train: int, n_test: int, where: str) -> None:
    single = classes[counts < 2]
    if len(single):
        which = (
            f"class {_show(single)} has only 1 sample"
            if len(single) == 1
            else f"classes {_show(single)} have only 1 sample each"
        )
        raise DataError(
            f"{where}{which}: a stratified split needs at least 2 samples per class; remove "
            f"{'that class' if len(single) == 1 else 'those classes'}, or get more samples of "
            f"{'it' if len(single) == 1 else 'them'}"
        )
    for part, size, advice in (
        ("test", n_test, "a larger test size"),
        ("training", n_train, "a smaller test size"),
    ):
        if size < len(classes):
            raise DataError(
                f"{where}a stratified {part} part of {size} samples cannot hold one sample of "
                f"each of the {len(classes)} classes ({_show(classes)}); use {advice}, or more "
                "samples"
            )


def _approximate_mode(class_counts: np.ndarray, n_draws: int, rng: Any) -> np.ndarray:
    """How many of ``n_draws`` to take from each class: scikit-learn's ``_approximate_mode``.

    Each class gets ⌊n_c / n · n_draws⌋; the samples still missing go to the largest remainders,
    ties broken by ``rng.choice`` (without replacement), one remainder value at a time.
    """
    continuous = class_counts / class_counts.sum() * n_draws
    floored = np.floor(continuous)
    need_to_add = int(n_draws - floored.sum())
    if need_to_add > 0:
        remainder = continuous - floored
        for value in np.sort(np.unique(remainder))[::-1]:
            (inds,) = np.where(remainder == value)
            add_now = min(len(inds), need_to_add)
            floored[rng.choice(inds, size=add_now, replace=False)] += 1
            need_to_add -= add_now
            if need_to_add == 0:
                break
    return floored.astype(int)
