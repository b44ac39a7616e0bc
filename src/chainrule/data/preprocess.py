"""The preprocessing a model keeps: a :class:`~chainrule.data.table.Table` to a float matrix X.

Fitted on the training table, a :class:`Preprocessor` turns each feature column into one or more
columns of X:

* number and integer columns: missing cells imputed with the training mean (or median), an
  optional indicator column ``"<name> (missing)"`` (1 where the cell was missing; only for
  columns that had a missing cell in training), then standardised, ``z = (x − μ) / σ``;
* bool and text columns: one-hot, one column ``"<name>=<category>"`` per category, sorted; a
  missing cell is all zeros, and so is a category not seen in training (with a
  :class:`~chainrule.errors.DataWarning`, or a :class:`~chainrule.errors.DataError` with
  ``unknown="error"``).

It is saved inside the model file as plain JSON values (``to_dict``/``from_dict``, exact)::

    prep = Preprocessor(impute="median", indicators=True).fit(train, features)
    X = prep.transform(read_table("new.csv"))      # columns found by name, in any order
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from chainrule.data.labels import _show
from chainrule.data.preprocess_checks import _checked_spec, _choice, _copy, _flag, _once, _strings
from chainrule.data.scaling import _centre_and_scale
from chainrule.data.table import _BOOL, _NUMBER, Column, Table
from chainrule.data.targets import drop_missing_target, id_like_columns, target_values
from chainrule.errors import DataError, DataWarning

__all__ = [
    "MAX_CATEGORIES",
    "Preprocessor",
    "drop_missing_target",
    "id_like_columns",
    "target_values",
]

MAX_CATEGORIES = 100  # a text column with more distinct values is not one-hot encoded
_ID = ("chainrule.preprocess", 1)  # format, version
_SETTINGS = ("impute", "indicators", "scale", "unknown")


class Preprocessor:
    """Impute, standardise and one-hot encode the feature columns of a Table into X.

    Args:
        impute: "mean" or "median": the training value put in a missing numeric cell.
        indicators: add ``"<name> (missing)"`` (0/1) after each numeric column that had a
            missing cell in training.
        scale: standardise numeric columns with the training mean and standard deviation
            (σ = 1 for a constant column). Indicator and one-hot columns are never scaled.
        unknown: "warn" (an all-zero code and a DataWarning) or "error" for a category that was
            not seen in training.
        na_values: the cells read as missing when the training table was read (None: the
            defaults, ``DEFAULT_NA_VALUES``); kept so that new files are read the same way.

    After :meth:`fit`: ``input_names`` (the feature columns, in order) and ``output_names`` (the
    columns of X, e.g. ``"bill_length_mm"``, ``"age (missing)"``, ``"island=Dream"``).
    """

    def __init__(
        self, *, impute: str = "mean", indicators: bool = False, scale: bool = True,
        unknown: str = "warn", na_values: Sequence[str] | None = None,
    ) -> None:  # fmt: skip
        _choice("impute", impute, ("mean", "median"))
        _choice("unknown", unknown, ("warn", "error"))
        _flag("indicators", indicators)
        _flag("scale", scale)
        self.impute, self.indicators, self.scale, self.unknown = impute, indicators, scale, unknown
        self.na_values = None if na_values is None else _strings("na_values", na_values)
        self.columns_: list[dict[str, Any]] = []
        self.input_names: list[str] = []
        self.output_names: list[str] = []

    # ------------------------------------------------------------ fit and transform

    def fit(self, table: Table, features: Sequence[str] | None = None) -> Preprocessor:
        """Learn the fill values, scales and categories from ``table`` (the training rows)."""
        names = list(table.names if features is None else features)
        _once("features", names)
        if table.n_rows == 0:
            raise DataError(f"{table.source or 'the table'}: no rows to fit the preprocessing on")
        specs = []
        for name in names:
            col = table.column(name)
            fit = _fit_numeric if col.kind in ("number", "integer") else _fit_onehot
            specs.append(fit(table, col, self))
        self._set(specs)
        return self

    def transform(self, table: Table) -> np.ndarray:
        """X (m, len(output_names)) as float64 from a table holding the feature columns."""
        if not self.columns_:
            raise DataError("Preprocessor is not fitted yet; call fit(train_table) first")
        absent = [n for n in self.input_names if n not in table.names]
        if absent:
            where = f"{table.source}: " if table.source else ""
            raise DataError(
                f"{where}no column(s) {_show(absent)}; the model needs the columns "
                f"{_show(self.input_names, 20)}, and the table has {_show(table.names, 20)}"
            )
        blocks = [np.empty((table.n_rows, 0))]
        for spec in self.columns_:
            col = table.column(spec["name"])
            encode = _numeric if spec["kind"] == "numeric" else self._onehot
            blocks.append(encode(table, col, spec))
        return np.hstack(blocks)

    def fit_transform(self, table: Table, features: Sequence[str] | None = None) -> np.ndarray:
        return self.fit(table, features).transform(table)

    def _onehot(self, table: Table, col: Column, spec: dict[str, Any]) -> np.ndarray:
        position = {c: j for j, c in enumerate(spec["categories"])}
        out = np.zeros((table.n_rows, len(position)))
        unseen: list[int] = []
        keys = _keys(col, spec["categories"])
        for i, key in enumerate(keys):
            if key is None:
                continue
            j = position.get(key)
            if j is None:
                unseen.append(i)
            else:
                out[i, j] = 1.0
        if unseen and self.unknown == "error":
            i = unseen[0]
            raise DataError(
                f"{table.where(i)}, column {col.name!r}: {keys[i]!r} is not one of the "
                f"categories seen in training ({_show(spec['categories'])}); fix the cell (this "
                "model refuses unknown categories; one fitted to warn encodes them as all zeros)"
            )
        if unseen:
            values = list(dict.fromkeys(keys[i] for i in unseen))
            where = f"{table.source}, " if table.source else ""
            warnings.warn(
                DataWarning(
                    f"{where}column {col.name!r}: {len(unseen)} row(s) hold categories not seen "
                    f"in training ({_show(values, 5)}); they are encoded as all zeros"
                ),
                stacklevel=3,
            )
        return out

    def _set(self, specs: list[dict[str, Any]]) -> None:
        outputs = []
        for s in specs:
            if s["kind"] == "numeric":
                outputs += [s["name"], *([f"{s['name']} (missing)"] if s["indicator"] else [])]
            else:
                outputs += [f"{s['name']}={c}" for c in s["categories"]]
        _once("Preprocessor: the columns", [s["name"] for s in specs])
        _once("Preprocessor: the output columns (they would repeat)", outputs)
        self.columns_ = specs
        self.input_names = [s["name"] for s in specs]
        self.output_names = outputs

    # ------------------------------------------------------------ description and files

    def describe(self) -> list[str]:
        """Human lines for the command line: what happens to which column."""
        numeric = [s for s in self.columns_ if s["kind"] == "numeric"]
        onehot = [s for s in self.columns_ if s["kind"] == "onehot"]
        lines = []
        if numeric:
            how = f"imputed ({self.impute})" + (" and standardised" if self.scale else "")
            shown = [
                s["name"] + (f" ({s['missing']} missing)" if s["missing"] else "") for s in numeric
            ]
            lines.append(f"numeric, {how}: " + ", ".join(shown))
            flagged = [s["name"] for s in numeric if s["indicator"]]
            if flagged:
                lines.append("missing-value indicators: " + ", ".join(flagged))
        if onehot:
            shown = [f"{s['name']} ({len(s['categories'])})" for s in onehot]
            shown[0] = shown[0][:-1] + " categories)"
            unknown = "all zeros and a warning" if self.unknown == "warn" else "an error"
            lines.append("one-hot: " + ", ".join(shown) + f"; an unseen category: {unknown}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values (str, bool, int, float, lists, dicts), exact through ``json``."""
        if not self.columns_:
            raise DataError("Preprocessor is not fitted yet; call fit(train_table) first")
        settings = {k: getattr(self, k) for k in _SETTINGS}
        columns = [{k: _copy(v) for k, v in s.items()} for s in self.columns_]
        names = list(self.output_names)  # for a reader of the file; checked by from_dict
        return {
            "format": _ID[0],
            "version": _ID[1],
            **settings,
            "na_values": None if self.na_values is None else list(self.na_values),
            "columns": columns,
            "output_names": names,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Preprocessor:
        """The inverse of :meth:`to_dict`; every field is checked (DataError if anything is off)."""
        if not isinstance(d, Mapping) or (d.get("format"), d.get("version")) != _ID:
            got = (d.get("format"), d.get("version")) if isinstance(d, Mapping) else type(d)
            raise DataError(f"preprocessing: expected a dict of format {_ID}; got {got!r}")
        absent = [k for k in _SETTINGS if k not in d]
        if absent:
            raise DataError(f"preprocessing: the field(s) {_show(absent)} are missing")
        prep = cls(**{k: d[k] for k in _SETTINGS}, na_values=d.get("na_values"))
        columns = d.get("columns")
        if not isinstance(columns, list) or not columns:
            raise DataError("preprocessing: 'columns' must be a non-empty list")
        prep._set([_checked_spec(s, j, MAX_CATEGORIES) for j, s in enumerate(columns)])
        if d.get("output_names", prep.output_names) != prep.output_names:
            raise DataError(
                f"preprocessing: 'output_names' {_show(_copy(d['output_names']))} does not match "
                f"the columns, which give {_show(prep.output_names)}"
            )
        return prep


# ---------------------------------------------------------------- one column


def _fit_numeric(table: Table, col: Column, prep: Preprocessor) -> dict[str, Any]:
    x = _numbers(table, col)
    missing = np.isnan(x)
    if missing.all():
        raise DataError(
            f"{_at(table)}column {col.name!r}: every value is missing; drop the column "
            f"(--ignore {col.name})"
        )
    present = x[~missing]
    fill = float(np.mean(present) if prep.impute == "mean" else np.median(present))
    mean, scale = 0.0, 1.0
    if prep.scale:
        centre, spread = _centre_and_scale(np.where(missing, fill, x).reshape(-1, 1))
        mean, scale = float(centre[0]), float(spread[0])
    n = int(missing.sum())
    return {
        "name": col.name, "kind": "numeric", "fill": fill, "mean": mean, "scale": scale,
        "indicator": bool(prep.indicators and n > 0), "missing": n,
    }  # fmt: skip


def _fit_onehot(table: Table, col: Column, prep: Preprocessor) -> dict[str, Any]:
    keys = _keys(col)
    categories = sorted({k for k in keys if k is not None})
    if not categories:
        raise DataError(
            f"{_at(table)}column {col.name!r}: every value is missing; drop the column "
            f"(--ignore {col.name})"
        )
    if len(categories) > MAX_CATEGORIES:
        raise DataError(
            f"{_at(table)}column {col.name!r}: {len(categories)} distinct values, too many to "
            f"one-hot encode (at most {MAX_CATEGORIES}); is it a name or an ID? Leave it out "
            f"with --ignore {col.name!r}"
        )
    n = sum(k is None for k in keys)
    return {"name": col.name, "kind": "onehot", "categories": categories, "missing": n}


def _numeric(table: Table, col: Column, spec: dict[str, Any]) -> np.ndarray:
    x = _numbers(table, col)
    missing = np.isnan(x)
    z = (np.where(missing, spec["fill"], x) - spec["mean"]) / spec["scale"]
    if spec["indicator"]:
        return np.column_stack([z, missing.astype(np.float64)])
    return z.reshape(-1, 1)


def _numbers(table: Table, col: Column) -> np.ndarray:
    """The column as float64 with NaN for missing; a cell that is no finite number is named."""
    if col.kind == "number" or (col.kind == "integer" and col.values.dtype != object):
        x = col.values.astype(np.float64)
    else:
        x = np.full(len(col.values), np.nan)
        for i, v in enumerate(col.values):
            if v is None:
                continue
            if (isinstance(v, str) and _NUMBER.fullmatch(v.strip())) or (
                isinstance(v, int) and not isinstance(v, bool)
            ):
                x[i] = float(v)
            else:
                raise DataError(
                    f"{table.where(i)}, column {col.name!r}: cannot read {_text(v)!r} as a "
                    "number; the model reads this column as numbers (fix the cell, or mark it "
                    "missing with one of the NA values)"
                )
    bad = np.flatnonzero(np.isinf(x))
    if bad.size:
        i = int(bad[0])
        raise DataError(
            f"{table.where(i)}, column {col.name!r}: the cell is {x[i]}; an infinite value "
            "cannot be used: fix it or mark it missing"
        )
    return x


def _keys(col: Column, categories: Sequence[str] = ()) -> list[str | None]:
    """Each cell as the string a one-hot category is named by (None: missing).

    Booleans meet the training categories half way: a "yes" cell matches the category "True"
    of a bool column, and True matches the one category "yes" (or "true", any case) of a text
    column, since a file of only yes/no cells reads as bool.
    """
    if col.kind == "number":
        return [None if math.isnan(v) else repr(float(v)) for v in col.values]
    keys = [None if v is None else _text(v) for v in col.values.tolist()]
    known = set(categories)
    if categories and known <= {"False", "True"} and col.kind == "text":
        return [str(_BOOL[k.lower()]) if k and k.lower() in _BOOL else k for k in keys]
    if col.kind == "bool" and not known <= {"False", "True"}:
        for flag in ("False", "True"):
            same = [c for c in categories if str(_BOOL.get(c.lower())) == flag]
            keys = [same[0] if k == flag and len(same) == 1 else k for k in keys]
    return keys


def _text(v: Any) -> str:
    return str(v) if isinstance(v, str | bool | int) else repr(v)


def _at(table: Table) -> str:
    return f"{table.source}, " if table.source else ""
