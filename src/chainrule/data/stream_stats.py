"""The first pass of a :class:`~chainrule.data.stream.Stream`: preprocessing statistics in chunks.

A table too large for memory is read once, chunk by chunk, and only running statistics are kept:

* a numeric feature: the count n of present cells, their mean μ and M2 = Σ (x − μ)², combined
  chunk by chunk with Chan's update (for chunks a and b with n = n_a + n_b and δ = μ_b − μ_a:
  μ = μ_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n), the missing count and the first value;
* a text or bool feature: the set of its categories (at most ``MAX_CATEGORIES``);
* the target: its distinct values (up to the class limit), whether they are whole numbers, and
  for regression its mean and M2.

From them :func:`preprocessor_from_stats` builds the same :class:`~chainrule.data.Preprocessor`
that fitting on the whole table in memory would give (up to rounding in the last bits of μ and σ):
missing cells are imputed with μ, which leaves the mean at μ and makes σ = sqrt(M2 / n_rows), the
population standard deviation of the imputed column. Imputing the median needs the whole column
and is refused here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.data.labels import _show, numbers_are_classes
from chainrule.data.preprocess import _ID, MAX_CATEGORIES, Preprocessor, _keys
from chainrule.data.table import Column
from chainrule.errors import DataError

__all__ = ["ColumnStats", "TargetStats", "decide_task", "preprocessor_from_stats"]

_EPS = float(np.finfo(np.float64).eps)


def _merge(n_a: int, mean_a: float, m2_a: float, x: np.ndarray) -> tuple[int, float, float]:
    """Chan's update: the running (n, μ, M2) after the present values ``x`` of one chunk."""
    n_b = len(x)
    if n_b == 0:
        return n_a, mean_a, m2_a
    mean_b = float(x.mean())
    m2_b = float(((x - mean_b) ** 2).sum())
    n = n_a + n_b
    delta = mean_b - mean_a
    return n, mean_a + delta * n_b / n, m2_a + m2_b + delta * delta * n_a * n_b / n


class ColumnStats:
    """Running statistics of one feature column (numeric, or categories), chunk by chunk."""

    def __init__(self, name: str, numeric: bool, where: str) -> None:
        self.name, self.numeric, self.where = name, numeric, where
        self.n = self.missing = 0
        self.mean = self.m2 = 0.0
        self.first: float | None = None  # the column's first cell (NaN if missing)
        self.categories: set[str] = set()

    def update(self, col: Column) -> None:
        if self.numeric:
            x = col.values
            if self.first is None and len(x):
                self.first = float(x[0])
            present = x[~np.isnan(x)]
            self.missing += len(x) - len(present)
            self.n, self.mean, self.m2 = _merge(self.n, self.mean, self.m2, present)
            return
        keys = _keys(col)
        self.missing += sum(k is None for k in keys)
        self.categories.update(k for k in keys if k is not None)
        if len(self.categories) > MAX_CATEGORIES:
            raise DataError(
                f"{self.where}, column {self.name!r}: more than {MAX_CATEGORIES} distinct values, "
                f"too many to one-hot encode; is it a name or an ID? Leave it out with --ignore "
                f"{self.name!r} (or ignore=[...])"
            )

    def spec(self, prep: Preprocessor) -> dict[str, Any]:
        """The column's entry in ``Preprocessor.to_dict()["columns"]``."""
        if (self.n if self.numeric else len(self.categories)) == 0:
            raise DataError(
                f"{self.where}, column {self.name!r}: every value is missing; drop the column "
                f"(--ignore {self.name})"
            )
        if not self.numeric:
            return {"name": self.name, "kind": "onehot", "missing": self.missing,
                    "categories": sorted(self.categories)}  # fmt: skip
        fill, mean, scale = self.mean, 0.0, 1.0
        if prep.scale:  # the imputed column: mean μ, M2 unchanged, n_rows = n + missing
            mean, scale = self.mean, math.sqrt(self.m2 / (self.n + self.missing))
            if scale <= 10 * _EPS * abs(mean):  # constant: as data.scaling._centre_and_scale
                first = fill if self.first is None or math.isnan(self.first) else self.first
                mean, scale = first, 1.0
        return {
            "name": self.name, "kind": "numeric", "fill": fill, "mean": mean, "scale": scale,
            "indicator": bool(prep.indicators and self.missing > 0), "missing": self.missing,
        }  # fmt: skip


def preprocessor_from_stats(stats: list[ColumnStats], settings: dict[str, Any]) -> Preprocessor:
    """The fitted :class:`Preprocessor` the statistics describe (``settings``: its arguments)."""
    prep = Preprocessor(**settings)
    if prep.impute != "mean":
        raise DataError(
            "streaming computes the preprocessing in one pass over the chunks, which can impute "
            "the mean but not the median; use impute='mean' (--impute mean)"
        )
    return Preprocessor.from_dict(
        {
            "format": _ID[0],
            "version": _ID[1],
            **{k: getattr(prep, k) for k in ("impute", "indicators", "scale", "unknown")},
            "na_values": None if prep.na_values is None else list(prep.na_values),
            "columns": [s.spec(prep) for s in stats],
        }
    )


class TargetStats:
    """Running statistics of the target column: distinct values (capped), mean and M2."""

    def __init__(self, name: str, limit: int) -> None:
        self.name, self.limit = name, limit
        self.values: set[Any] = set()
        self.numeric = True
        self.whole = True
        self.n = 0
        self.mean = self.m2 = 0.0

    def update(self, values: np.ndarray) -> None:
        """``values``: the present target cells of a chunk (numbers, or str/bool objects)."""
        if values.dtype.kind in "iuf":
            x = values.astype(np.float64)
            self.whole = self.whole and bool(np.all(x == np.round(x)))
            self.n, self.mean, self.m2 = _merge(self.n, self.mean, self.m2, x)
        else:
            self.numeric = False
            self.n += len(values)
        if len(self.values) <= self.limit:
            self.values.update(np.unique(values).tolist())


def decide_task(t: TargetStats, task: str | None, where: str) -> tuple[str, np.ndarray | None]:
    """(task, sorted classes or None) as :func:`chainrule.data.detect_task` would decide it.

    Numbers are classes by the same rule (:func:`~chainrule.data.labels.numbers_are_classes`,
    with the stream's class limit); labels that are not numbers are always classes.
    """
    k = len(t.values)
    guess = "regression"
    if not t.numeric or numbers_are_classes(k, t.whole, t.n, t.limit):
        guess = "binary" if k <= 2 else "multiclass"
    task = guess if task is None else ("binary" if k <= 2 else "multiclass") if (
        task == "classification") else task  # fmt: skip
    if task == "regression":
        if not t.numeric:
            raise DataError(
                f"{where}, column {t.name!r}: regression needs numbers, but the target holds "
                f"{_show(sorted(map(str, t.values)), 3)}; use classification for labels"
            )
        return task, None
    if k > t.limit:
        raise DataError(
            f"{where}, column {t.name!r}: more than {t.limit} distinct labels; if the target is a "
            "number to predict use task 'regression', else raise the class limit"
        )
    if k < 2 or (task == "binary" and k > 2):
        raise DataError(
            f"{where}, column {t.name!r}: {k} distinct label(s) {_show(sorted(map(str, t.values)))}"
            f"; task {task!r} needs {'exactly 2' if task == 'binary' else 'at least 2'}"
        )
    if t.numeric:  # whole numbers as integers, as the in-memory path reads them
        classes = np.array(sorted(t.values))
        return task, classes.astype(np.int64) if t.whole else classes
    return task, np.array(sorted(map(str, t.values)))  # labels as text, as the CLI reads them
