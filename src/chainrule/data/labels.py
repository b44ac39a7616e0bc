"""Labels and tasks: what kind of target y is, and class labels to indices and back.

A classification target's labels (strings or numbers) become class indices 0..k−1 into a sorted
``classes`` array, as scikit-learn's LabelEncoder does; :func:`detect_task` decides whether a
target is a class label at all::

    indices, classes = encode_labels(["dog", "cat", "dog"])    # [1, 0, 1], ['cat', 'dog']
    decode_labels(indices, classes)                            # ['dog', 'cat', 'dog']
    detect_task([0.5, 1.7, 2.2])                               # 'regression'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.data.checks import all_finite
from chainrule.errors import DataError

__all__ = [
    "MAX_CLASSES",
    "TASKS",
    "check_task",
    "decode_labels",
    "detect_task",
    "encode_labels",
    "numbers_are_classes",
]

TASKS = ("binary", "multiclass", "regression")
MAX_CLASSES = 20  # an integer-valued numeric target with more distinct values is regression


def detect_task(y) -> str:
    """Guess the task from a target: "binary", "multiclass" or "regression".

    The rule: labels that are not numbers (strings, booleans) are classes. Numbers are classes
    when every value is a whole number and there are few distinct values, k ≤ 20 and
    (k ≤ 2 or k ≤ n_samples / 2), so that each class has on average at least two samples.
    Anything else (fractions, or many distinct whole numbers such as counts or prices) is
    regression. Classification is "binary" for at most 2 classes, else "multiclass". Pass
    ``task=`` to ``load_csv`` or :meth:`Dataset.from_arrays` to override the guess.
    """
    y = np.asarray(y)
    if y.dtype.kind in "iuf":
        finite = y[np.isfinite(y)] if y.dtype.kind == "f" else y
        k = len(np.unique(finite))
        if not numbers_are_classes(k, bool(np.all(finite == np.round(finite))), len(y)):
            return "regression"
    else:
        k = len(np.unique(y.astype(str)))
    return "binary" if k <= 2 else "multiclass"


def numbers_are_classes(k: int, whole: bool, n: int, limit: int = MAX_CLASSES) -> bool:
    """:func:`detect_task`'s rule for a numeric target of ``n`` values, ``k`` of them distinct:
    classes when all are ``whole`` numbers and few, k ≤ ``limit`` and (k ≤ 2 or k ≤ n / 2)."""
    return whole and k <= limit and (k <= 2 or k <= n / 2)


def encode_labels(y) -> tuple[np.ndarray, np.ndarray]:
    """Labels to class indices: ``(indices, classes)`` with ``classes[indices] == y``.

    ``classes`` is sorted, as scikit-learn's LabelEncoder sorts it: ``["cat", "dog"]``,
    ``[0, 1, 2]``. Strings and numbers both work, but not mixed together.

        >>> encode_labels(["dog", "cat", "dog"])
        (array([1, 0, 1]), array(['cat', 'dog'], dtype='<U3'))
    """
    y = np.asarray(y)
    y = y.reshape(len(y)) if y.ndim == 2 and y.shape[1] == 1 else y
    if y.ndim != 1:
        raise DataError(f"encode_labels: labels must be 1-D (n_samples,); got shape {y.shape}")
    if y.dtype.kind == "f" and not all_finite(y):
        i = int(np.flatnonzero(~np.isfinite(y))[0])
        raise DataError(f"encode_labels: label {i} is {y[i]}; drop or fill in that sample")
    try:
        classes, indices = np.unique(y, return_inverse=True)
    except TypeError:  # an object array mixing str and numbers cannot be sorted
        raise DataError(
            f"encode_labels: labels mix types ({_show(y)}); make them all strings or all numbers"
        ) from None
    return indices.astype(np.int64), classes


def decode_labels(indices, classes) -> np.ndarray:
    """Class indices back to the original labels: ``classes[indices]``, checked."""
    indices, classes = np.asarray(indices), np.asarray(classes)
    if indices.dtype.kind not in "iu":
        raise DataError(f"decode_labels: indices must be integers; got dtype {indices.dtype}")
    bad = (indices < 0) | (indices >= len(classes))
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        raise DataError(
            f"decode_labels: index {indices.ravel()[i]} (position {i}) is outside "
            f"0..{len(classes) - 1} for {len(classes)} classes"
        )
    return classes[indices]


def _show(values, limit: int = 8) -> str:
    """The first few values, quoted: ``'a', 'b', ... (12 in all)``; a long one cut short."""
    values = list(values)
    shown = ", ".join(show_value(v) for v in values[:limit])
    return shown + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def show_value(value: Any, width: int = 40) -> str:
    """One value as an error message quotes it: its repr, or for a long text its first
    characters and its length (a message never echoes a megabyte cell)."""
    value = value.item() if isinstance(value, np.generic) else value
    if isinstance(value, str) and len(value) > width:
        return f"{value[: width - 10] + '...'!r} ({len(value):,} characters)"
    return repr(value)


def _setting(task: str) -> str:
    return f"the task {task!r}"


def check_task(
    y: np.ndarray, task: str | None, name: Callable[[str], str] = _setting
) -> tuple[str, np.ndarray | None]:
    """The task for the target ``y`` and its sorted classes (None for regression), checked.

    ``task`` is "binary", "multiclass", "regression", "classification" (binary or multiclass by
    the number of classes) or None (:func:`detect_task`'s guess). The errors name a task through
    ``name`` (default ``the task 'binary'``), so a caller can say it in its own words: the command
    line passes ``lambda t: f"--task {t}"``.
    """
    if task == "regression" or (task is None and detect_task(y) == "regression"):
        if y.dtype.kind not in "iuf":
            raise DataError(
                f"{name('regression')} needs numbers, but the target holds {_show(y, 3)}; "
                f"use {name('classification')} for labels"
            )
        return "regression", None
    classes = np.unique(y.astype(str) if y.dtype == object else y)
    if len(classes) < 2:
        raise DataError(
            f"the target holds one value, {_show(classes)}, in all {len(y)} samples; "
            f"classification needs at least 2 classes ({name('regression')} is for a quantity)"
        )
    if task == "binary" and len(classes) > 2:
        raise DataError(
            f"{name('binary')} trains one sigmoid output, which tells 2 classes apart, but the "
            f"target has {len(classes)} classes ({_show(classes)}); use {name('multiclass')} "
            "(a softmax output, one unit per class)"
        )
    if task not in ("binary", "multiclass"):
        task = "binary" if len(classes) == 2 else "multiclass"
    return task, classes
