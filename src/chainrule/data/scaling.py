"""Scaling: features to mean 0 and standard deviation 1, and regression targets the same way.

Two scalers, both fitted on the training part only and stored with the model:

* :class:`Standardizer` scales each feature, ``z = (x − μ) / σ``; a network holds one as
  ``net.scaler`` and applies it to every X before its first layer, so it predicts from raw inputs.
* :class:`TargetScaler` scales each regression target column the same way for training, then
  :meth:`TargetScaler.fold_into` folds ``ŷ = σ·ŷ_z + μ`` into the identity output layer's weights,
  so the trained network predicts in the target's own units with no scaler left to apply. The
  command line scales a regression target with it; the scikit-learn estimators train on y as
  given, as scikit-learn's MLPRegressor does, and so does the playground.

Example:
    >>> scaler = TargetScaler().fit(y_train)          # y_train: (m,) or (m, n_outputs)
    >>> net.fit(X_train, scaler.transform(y_train))   # learns ŷ_z = (y − μ) / σ
    >>> scaler.fold_into(net.weights[-1])             # now net.predict(X) is in y's units
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.data.checks import all_finite
from chainrule.data.tables import _float_matrix
from chainrule.errors import DataError

__all__ = ["Standardizer", "TargetScaler", "mean_std"]


def mean_std(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's mean and standard deviation in float64, for finite data of any magnitude.

    The plain formulas square the deviations, which overflows from about 1e154 on and underflows
    to 0 below about 1e-162 (a column of such tiny values would look constant). A column whose
    largest magnitude m lies outside [1e-100, 1e100] is computed divided by m (every value then
    in [−1, 1]) and the results multiplied back by m.
    """
    m = np.maximum(X.max(axis=0), -X.min(axis=0)).astype(np.float64)  # no |X| temporary
    with np.errstate(over="ignore", invalid="ignore"):  # only in the columns redone below
        mean = X.mean(axis=0, dtype=np.float64)
        std = X.std(axis=0, dtype=np.float64)
    rescale = (m > 1e100) | ((m < 1e-100) & (m > 0))
    if rescale.any():
        cols = X[:, rescale].astype(np.float64) / m[rescale]
        mean[rescale] = cols.mean(axis=0) * m[rescale]
        std[rescale] = cols.std(axis=0) * m[rescale]
    return mean, std


def _centre_and_scale(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """μ and σ per column in float64, for z = (x − μ) / σ; a constant column gets μ = its value,
    σ = 1, so it maps to exactly 0 (never a division by zero)."""
    mean, std = mean_std(X)
    # Rounding leaves a constant column a std of a few ulps of its mean, not exactly 0.
    constant = std <= 10 * np.finfo(np.float64).eps * np.abs(mean)
    first = X[0].astype(np.float64)
    return np.where(constant, first, mean), np.where(constant, 1.0, std)


class Standardizer:
    """Per-feature standardization ``z = (x − μ) / σ``, with μ and σ from the training data.

    ``fit(X_train)`` stores ``mean_`` (μ) and ``scale_`` (σ, the population standard deviation;
    1 for a constant column, so it maps to 0 instead of dividing by zero). ``transform`` and
    ``inverse_transform`` keep the dtype of their input (float32 stays float32; integers become
    float64). ``to_dict``/``from_dict`` save and restore it as plain lists, exactly.

        scaler = Standardizer().fit(X_train)
        Z = scaler.transform(X_test)               # X_test == scaler.inverse_transform(Z)
    """

    def __init__(self):
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, X) -> Standardizer:
        X = _float_matrix(X)
        mean, scale = _centre_and_scale(X)
        self.mean_, self.scale_ = mean.astype(X.dtype), scale.astype(X.dtype)
        return self

    def transform(self, X) -> np.ndarray:
        X = self._checked(X)
        return (X - self.mean_.astype(X.dtype)) / self.scale_.astype(X.dtype)

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def inverse_transform(self, Z) -> np.ndarray:
        Z = self._checked(Z)
        return Z * self.scale_.astype(Z.dtype) + self.mean_.astype(Z.dtype)

    def to_dict(self) -> dict:
        """``{"mean": [...], "scale": [...], "dtype": "float64"}``: JSON-ready, exact."""
        self._check_fitted()
        return {
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "dtype": str(self.mean_.dtype),
        }

    @classmethod
    def from_dict(cls, d: dict) -> Standardizer:
        """The inverse of :meth:`to_dict`; "mean" and "scale" may be lists or arrays.

        Everything is checked before it is used, since the dict may come from a file: "dtype"
        must be float32 or float64, "mean" and "scale" 1-D lists (or arrays) of real numbers of
        the same length, every mean finite and every scale a normal positive float of that dtype
        (so 1/σ is finite and no prediction turns into inf or NaN). DataError otherwise.
        """
        if not isinstance(d, dict):
            raise DataError(f"Standardizer.from_dict: expected a dict; got {type(d).__name__}")
        dtype = _scaler_dtype(d.get("dtype", "float64"))
        scaler = cls()
        scaler.mean_ = _real_vector("mean", d.get("mean"), dtype)
        scaler.scale_ = _real_vector("scale", d.get("scale"), dtype)
        if scaler.mean_.shape != scaler.scale_.shape:
            raise DataError(
                f"Standardizer.from_dict: mean {scaler.mean_.shape} and scale "
                f"{scaler.scale_.shape} must be 1-D of the same length"
            )
        tiny = np.finfo(dtype).tiny
        bad = np.flatnonzero(~(scaler.scale_ >= tiny))  # also catches NaN
        if bad.size:
            j = int(bad[0])
            raise DataError(
                f"Standardizer.from_dict: scale[{j}] is {scaler.scale_[j]!r}; a scale must be a "
                f"normal positive {dtype} (at least {tiny}), else x / scale is infinite"
            )
        return scaler

    def _check_fitted(self) -> None:
        if self.mean_ is None:
            raise DataError("Standardizer is not fitted yet; call fit(X_train) first")

    def _checked(self, X) -> np.ndarray:
        self._check_fitted()
        X = _float_matrix(X)
        if X.shape[1] != len(self.mean_):
            raise DataError(
                f"Standardizer was fitted on {len(self.mean_)} features but X has shape {X.shape}"
            )
        return X


def _scaler_dtype(value: Any) -> np.dtype:
    """float32 or float64, from a name such as "float64" or "<f8"; DataError for anything else."""
    if isinstance(value, str) and len(value) > 16:
        raise DataError(f"Standardizer.from_dict: dtype must be float32 or float64; got {value!r}")
    try:
        dtype = np.dtype(value)
    except (TypeError, ValueError) as err:
        raise DataError(f"Standardizer.from_dict: dtype {value!r} is not a dtype ({err})") from None
    if dtype not in (np.float32, np.float64):
        raise DataError(f"Standardizer.from_dict: dtype must be float32 or float64; got {dtype}")
    return np.dtype(dtype).newbyteorder("=")


def _real_vector(key: str, value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` (a list of real numbers or a numeric 1-D array) as a finite 1-D array of
    ``dtype``; DataError naming ``key`` and the first bad entry otherwise."""
    where = f"Standardizer.from_dict: {key}"
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "iuf":
            raise DataError(f"{where} must be 1-D real numbers; got {value.dtype} {value.shape}")
    elif not isinstance(value, list | tuple) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value
    ):
        raise DataError(f"{where} must be a list of numbers; got {_brief(value)}")
    with np.errstate(over="ignore"):  # a value beyond float32's range becomes inf: named below
        try:
            array = np.array(value, dtype=dtype)
        except OverflowError:  # an integer beyond float64's range
            array = np.full(len(value), np.inf, dtype=dtype)
    if array.ndim != 1 or array.size == 0:
        raise DataError(f"{where} must be a non-empty 1-D list; got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        j = int(bad[0])
        raise DataError(f"{where}[{j}] is {_brief(value[j])} ({array[j]} as {dtype}), not finite")
    return array


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class TargetScaler:
    """Regression targets scaled per output column, ``y_z = (y − μ) / σ``, and folded back.

    ``fit(y)`` stores ``mean_`` (μ) and ``scale_`` (σ, the population standard deviation; for a
    constant column μ is its value and σ is 1, so it maps to 0), each of shape (n_outputs,), in
    float64. ``transform(y)`` keeps y's shape and float dtype (integers become float64). After
    training on ``transform(y)``, :meth:`fold_into` rewrites the output layer W (n_in + 1,
    n_outputs), whose activation must be the identity, so that its outputs are ``σ·ŷ_z + μ``:
    every row of column j times σ_j, then μ_j added to the bias row.
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, y: Any) -> TargetScaler:
        Y = self._columns(y).astype(np.float64)
        if not all_finite(Y):
            i, j = np.argwhere(~np.isfinite(Y))[0]
            raise DataError(
                f"TargetScaler.fit: y[{i}, {j}] is {Y[i, j]}; remove or fill in the missing "
                "target values first"
            )
        self.mean_, self.scale_ = _centre_and_scale(Y)
        return self

    def transform(self, y: Any) -> np.ndarray:
        mean, scale = self._fitted()
        y = np.asarray(y)
        Y = self._columns(y)
        if Y.shape[1] != len(mean):
            raise DataError(
                f"TargetScaler was fitted on {len(mean)} target column(s) but y has shape "
                f"{y.shape}; transform the same columns it was fitted on"
            )
        dtype = y.dtype if y.dtype.kind == "f" else np.dtype(np.float64)
        return ((Y - mean) / scale).astype(dtype, copy=False).reshape(y.shape)

    def fold_into(self, W: np.ndarray) -> None:
        """Make an identity output layer trained on scaled targets predict raw ones, in place."""
        mean, scale = self._fitted()
        if W.ndim != 2 or W.shape[1] != len(mean):
            raise DataError(
                f"TargetScaler.fold_into: the output layer's weights have shape {W.shape}; "
                f"they need {len(mean)} column(s), one per target column the scaler was fitted on"
            )
        W *= scale.astype(W.dtype)
        W[-1] += mean.astype(W.dtype)

    def _fitted(self) -> tuple[np.ndarray, np.ndarray]:
        if self.mean_ is None or self.scale_ is None:
            raise DataError("TargetScaler is not fitted yet; call fit(y_train) first")
        return self.mean_, self.scale_

    @staticmethod
    def _columns(y: Any) -> np.ndarray:
        Y = np.asarray(y)
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if Y.ndim != 2 or Y.dtype.kind not in "biuf" or 0 in Y.shape:
            raise DataError(
                f"TargetScaler: a regression target must be numbers of shape (m,) or "
                f"(m, n_outputs), m ≥ 1; got shape {Y.shape} of dtype {Y.dtype}"
            )
        return Y
