"""Checks of a user's inputs and targets, with errors that say what is wrong and where.

Every public entry point that takes data (the network's methods, training, the estimators) passes
it through here once, so a bad value is reported by its row and column, never as a traceback from
deep inside NumPy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.arrays import unmasked
from chainrule.engine.tensor import as_float_array
from chainrule.errors import PredictionError, ShapeError


def check_X(X: Any, n_features: int, dtype: np.dtype, what: str = "X") -> np.ndarray:
    """``X`` as a finite (n_samples, n_features) array of ``dtype``, or a clear error.

    It takes what training takes (:func:`chainrule.data.as_arrays`): a DataFrame whose columns
    mix numbers and booleans, or an object array of numbers, comes in as floats (True as 1).
    """
    X = unmasked(X, what)  # a masked array: refused if any value is masked, else its values
    arr = as_float_array(_objects_as_floats(X), dtype, copy=False, what=what)
    if arr.ndim != 2:
        hint = (
            " For one sample use X.reshape(1, -1); for one feature, X.reshape(-1, 1)."
            if arr.ndim == 1
            else ""
        )
        raise ShapeError(
            f"{what} must be 2-D (n_samples, n_features), got shape {arr.shape}.{hint}"
        )
    if arr.shape[1] != n_features:
        raise ShapeError(
            f"{what} has {arr.shape[1]} features (columns) but the network expects {n_features}"
        )
    if arr.shape[0] == 0:
        raise ShapeError(f"{what} has no samples (shape {arr.shape})")
    _check_finite(arr, what)
    return arr


def check_outputs(yhat: np.ndarray) -> np.ndarray:
    """ŷ (m, n_outputs) itself when every value is finite; else an error naming the first row.

    A prediction is never silently NaN: weights or inputs so large that feedforward overflows
    (``inf − inf`` in a pre-activation) are reported instead.
    """
    if all_finite(yhat):
        return yhat
    i = int(np.flatnonzero(~np.isfinite(yhat.reshape(len(yhat), -1)).all(axis=1))[0])
    raise PredictionError(
        f"the network's output for row {i} is {yhat[i].tolist()}, not a finite number: its "
        f"weights or that row's inputs are too large for {yhat.dtype} (feedforward overflowed). "
        "Check the model's weights (chainrule info) and the row's values."
    )


def _objects_as_floats(X: Any) -> Any:
    """An array of Python objects (a mixed DataFrame's values) as float64 when every one is a
    number or a boolean, as training reads it; anything else is left for the caller's error."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        return X
    to_numpy = getattr(X, "to_numpy", None)  # pandas and polars DataFrames
    arr = to_numpy() if callable(to_numpy) else X
    if not (isinstance(arr, np.ndarray) and arr.dtype == object):
        return X
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError):
        return arr


#: from this many elements on, :func:`all_finite` sums before it looks at each value (measured:
#: below it the elementwise check is faster; above, the sum is, by up to 2× at 47 M values)
_SUM_FIRST = 1 << 22


def all_finite(arr: np.ndarray) -> bool:
    """Whether every element of ``arr`` is finite (no NaN, +inf or −inf), exactly.

    ``np.isfinite(arr).all()`` allocates a boolean array as large as ``arr``; on a big training
    set (60,000 × 784 float32: a 47 MB temporary) that costs more time and memory than summing
    it. So large float and complex arrays are summed first: NaN plus anything is NaN and ±inf
    plus a finite number is ±inf (+inf plus −inf is NaN), so if the sum is finite, every term is
    finite. That fast path is exact, never a guess. A sum that is not finite means a NaN or inf
    is present, or finite values whose sum overflowed (such as ten float32 3e38s): then the exact
    elementwise check decides. The reduction's overflow and inf − inf warnings are silenced;
    they are expected here. Below ``_SUM_FIRST`` elements the elementwise check is the faster
    one (no ``errstate``, and the temporary is small), so it alone is used.

    Integer and boolean arrays are finite without a look. Other dtypes (datetimes, objects)
    take ``np.isfinite`` where it applies; an object array is checked as float64, and one whose
    elements are not float64 numbers is not all finite (False).
    """
    kind = arr.dtype.kind
    if kind in "biu" or arr.size == 0:
        return True
    if kind in "fc":
        if arr.size < _SUM_FIRST:
            return bool(np.isfinite(arr).all())
        with np.errstate(over="ignore", invalid="ignore"):
            total = np.add.reduce(arr, axis=None)
        return bool(np.isfinite(total)) or bool(np.isfinite(arr).all())
    try:
        return bool(np.isfinite(arr).all())  # datetime64 / timedelta64: NaT is not finite
    except TypeError:
        pass
    try:
        return bool(np.isfinite(arr.astype(np.float64)).all())
    except (TypeError, ValueError, OverflowError):
        return False


def _check_finite(arr: np.ndarray, what: str) -> None:
    if all_finite(arr):
        return
    row, col = (
        np.argwhere(~np.isfinite(arr))[0][:2]
        if arr.ndim == 2
        else (
            np.flatnonzero(~np.isfinite(arr))[0],
            None,
        )
    )
    where = f"row {row}" + ("" if col is None else f", column {col}")
    raise ValueError(
        f"{what} holds {arr[row] if col is None else arr[row, col]} at {where} (0-based); "
        "remove or impute missing and infinite values first"
    )


def check_targets(
    y: Any, loss: str, n_outputs: int, n_samples: int, dtype: np.dtype, what: str = "y"
) -> np.ndarray:
    """The targets ``y`` in the form the loss computes with, or a clear error.

    * binary cross-entropy: 0/1 values, shape (m, n_outputs) ((m,) is accepted for one output);
    * cross-entropy: integer class indices in [0, n_outputs), shape (m,), returned as intp; or
      rows of n_outputs probabilities (one-hot), shape (m, n_outputs);
    * squared error: finite numbers, shape (m, n_outputs) ((m,) is accepted for one output).
    """
    y = unmasked(y, what)
    arr = np.asarray(y.data if hasattr(y, "data") and not isinstance(y, np.ndarray) else y)
    if arr.dtype.kind not in "biuf":
        raise TypeError(
            f"{what} must hold numbers, got dtype {arr.dtype}; map string labels to class "
            "indices first (chainrule.fit and the estimators do this for you)"
        )
    if arr.ndim == 0 or len(arr) != n_samples:
        raise ShapeError(f"{what} has {arr.shape and len(arr)} targets for {n_samples} samples")
    arr = arr.astype(np.float64 if arr.dtype.kind != "f" else arr.dtype, copy=False)
    _check_finite(arr.reshape(n_samples, -1), what)

    if loss == "cross_entropy" and arr.ndim == 1:
        # checked as floats first: casting a huge value to an integer would warn, not explain
        bad = np.flatnonzero((arr < 0) | (arr >= n_outputs) | (arr != np.floor(arr)))
        if bad.size:
            raise ValueError(
                f"{what}[{bad[0]}] = {arr[bad[0]].item()!r} is not a class index in "
                f"0..{n_outputs - 1} (the network has {n_outputs} outputs)"
            )
        return arr.astype(np.intp)

    shape = (n_samples, n_outputs)
    if arr.ndim == 1 and n_outputs == 1:
        arr = arr.reshape(shape)
    if arr.shape != shape:
        raise ShapeError(
            f"{what} has shape {arr.shape}; the network has {n_outputs} outputs, so it needs "
            f"shape {shape}" + (" or (m,) class indices" if loss == "cross_entropy" else "")
        )
    # 0/1 targets: every nonzero is a 1 exactly when there are as many 1s as nonzeros (two
    # counts: about half the time of the elementwise test on a small batch); the cell is found
    # only when they differ
    if loss == "binary_cross_entropy" and np.count_nonzero(arr) != np.count_nonzero(arr == 1):
        r, c = np.argwhere((arr != 0) & (arr != 1))[0]
        raise ValueError(
            f"{what} holds {arr[r, c].item()!r} at row {r}, column {c}; binary "
            "cross-entropy needs targets 0 or 1 (for several classes use output='softmax')"
        )
    if loss == "cross_entropy":
        bad = np.flatnonzero((arr < 0).any(axis=1) | ~np.isclose(arr.sum(axis=1), 1.0))
        if bad.size:
            raise ValueError(
                f"{what} row {bad[0]} = {arr[bad[0]].tolist()} is not a probability row "
                "(one-hot): entries ≥ 0 summing to 1"
            )
    return np.ascontiguousarray(arr, dtype=dtype)


def encode_targets(y: Any, classes: np.ndarray, what: str = "y") -> np.ndarray:
    """Class labels → their positions in ``classes`` (in any order), or an error naming the row."""
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ShapeError(f"{what} must be one class label per sample, got shape {arr.shape}")
    classes = np.asarray(classes)
    order = np.argsort(classes, kind="stable")
    try:
        index = order[np.minimum(np.searchsorted(classes, arr, sorter=order), len(classes) - 1)]
        unknown = np.flatnonzero(classes[index] != arr)
    except TypeError:  # labels of another kind than the classes (numbers vs strings)
        index, unknown = None, np.arange(len(arr))
    if unknown.size:
        r = unknown[0]
        raise ValueError(
            f"{what}[{r}] = {np.asarray(arr[r]).item()!r} is not one of the network's classes "
            f"{classes.tolist()}"
        )
    return index
