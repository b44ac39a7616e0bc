"""What the estimators accept as X (the same at fit and at predict), and how it is scaled.

A network computes with numbers, so X must be numbers: a float or integer array, an object
array holding only numbers, or a DataFrame whose columns are all numeric. Text, bool, category
and date/time columns are refused by :func:`refuse_non_numeric` with one message, at ``fit``
and at ``predict`` alike, that says what to do: pass ``preprocess="auto"`` or encode the columns
first (a ``ColumnTransformer``). With ``preprocess="auto"``, a table that has such columns, or a
missing value, gets a :class:`~chainrule.data.Preprocessor` (:func:`fit_preprocessor`): numeric
columns imputed and standardised, text and bool columns one-hot encoded. Numeric X is
standardised (``standardize=True``) by :func:`weighted_scaler`, with the sample weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.data.preprocess import Preprocessor
from chainrule.data.scaling import Standardizer
from chainrule.data.table import table_from_frame

__all__ = [
    "fit_preprocessor",
    "needs_preprocessing",
    "non_numeric_columns",
    "refuse_non_numeric",
    "transform",
    "weighted_scaler",
]


def _frame_kind(X: Any) -> str | None:
    """The DataFrame library of X ("pandas" or "polars"), or None."""
    module = type(X).__module__.split(".")[0]
    return module if module in ("pandas", "polars") and hasattr(X, "columns") else None


def non_numeric_columns(X: Any) -> list[str]:
    """The columns of X that are not numbers: names for a DataFrame, ``"x3"`` (1-based) else.

    Numeric: float and integer dtypes (pandas' nullable ``Int64``/``Float64`` too), and object
    columns that hold only real numbers (not bool) or None. Everything else (text, bool,
    category, date/time) is not. Arrays that are not 2-D are left to scikit-learn's checks.
    """
    frame = _frame_kind(X)
    if frame == "polars":
        return [str(c) for c, dt in zip(X.columns, X.dtypes, strict=True) if not dt.is_numeric()]
    if frame == "pandas":
        return [
            str(c)
            for c, dt in X.dtypes.items()
            if getattr(dt, "kind", "O") not in "iuf"
            and not (getattr(dt, "kind", "") == "O" and _numbers_only(X[c].to_numpy()))
        ]
    if isinstance(X, np.ndarray | list | tuple):
        try:
            arr = np.asarray(X)
        except ValueError:  # ragged: scikit-learn's check says so
            return []
        if arr.ndim != 2 or arr.dtype.kind in "iufc":  # complex: scikit-learn's check says
            return []
        if arr.dtype.kind == "O":
            return [f"x{j + 1}" for j in range(arr.shape[1]) if not _numbers_only(arr[:, j])]
        return [f"x{j + 1}" for j in range(arr.shape[1])]  # text, bool, dates: every column
    return []


def _numbers_only(values: np.ndarray) -> bool:
    """Whether an object column holds only real numbers or None (anything else: scikit-learn's
    own check reports it, e.g. a dict)."""
    return not any(
        isinstance(v, str | bytes | bool | np.bool_ | np.datetime64 | np.timedelta64)
        or type(v).__module__.split(".")[0] in ("datetime", "pandas")
        for v in values
    )


def refuse_non_numeric(name: str, X: Any) -> None:
    """Raise a ValueError naming the non-numeric columns of X and what to do about them."""
    bad = non_numeric_columns(X)
    if bad:
        shown = ", ".join(map(repr, bad[:8])) + (f", … ({len(bad)} in all)" if len(bad) > 8 else "")
        raise ValueError(
            f"{name}: X has columns that are not numbers ({shown}: text, bool, category or "
            "dates); pass preprocess='auto' to impute, standardise and one-hot encode a table, "
            "or encode the columns first (e.g. a ColumnTransformer with a OneHotEncoder); "
            "convert dates to numbers"
        )


def needs_preprocessing(X: Any) -> bool:
    """Whether X has a non-numeric column or a missing value (None or NaN)."""
    if non_numeric_columns(X):
        return True
    frame = _frame_kind(X)
    if frame == "pandas":
        return bool(X.isna().to_numpy().any())
    if frame == "polars":
        return any(X[c].null_count() or (X[c].dtype.is_float() and X[c].is_nan().any())
                   for c in X.columns)  # fmt: skip
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        return False  # scikit-learn's check reports it
    return bool(np.isnan(arr).any())


def fit_preprocessor(X: Any, scale: bool) -> tuple[Preprocessor, np.ndarray]:
    """A :class:`~chainrule.data.Preprocessor` fitted on the table X, and X transformed."""
    table = table_from_frame(X)
    prep = Preprocessor(impute="mean", indicators=False, scale=bool(scale), unknown="warn")
    return prep, prep.fit(table).transform(table)


def transform(prep: Preprocessor, X: Any) -> np.ndarray:
    """X transformed by a fitted preprocessor (columns found by name, or by position)."""
    return prep.transform(table_from_frame(X))


def weighted_scaler(X: np.ndarray, sample_weight: np.ndarray | None) -> Standardizer:
    """A :class:`~chainrule.data.Standardizer` of X with μ and σ weighted by ``sample_weight``.

    μ = Σ wᵢ xᵢ / Σ wᵢ and σ² = Σ wᵢ (xᵢ − μ)² / Σ wᵢ per column, so that a sample of weight 2
    counts as the sample twice and one of weight 0 not at all (scikit-learn's check of sample
    weight equivalence). Unweighted (None, or no positive weight): ``Standardizer().fit(X)``.
    Each column is computed divided by its largest magnitude, so large values do not overflow;
    a constant column gets σ = 1, as the Standardizer's.
    """
    w = sample_weight
    if w is None or w.shape != (len(X),) or not w.sum() > 0 or np.all(w == w[0]):
        return Standardizer().fit(X)
    X = np.asarray(X, dtype=np.float64)
    m = np.max(np.abs(X), axis=0)
    m[m == 0] = 1.0
    Xs = X / m
    mean = np.average(Xs, axis=0, weights=w)
    std = np.sqrt(np.average((Xs - mean) ** 2, axis=0, weights=w)) * m
    mean = mean * m
    constant = std <= 10 * np.finfo(np.float64).eps * np.abs(mean)
    return Standardizer.from_dict(
        {"mean": np.where(constant, X[w > 0][0], mean), "scale": np.where(constant, 1.0, std)}
    )
