"""Your own data in, arrays out: CSV files, and arrays, lists and DataFrames.

``load_csv`` returns a :class:`~chainrule.data.Dataset`: ``X`` (n_samples, n_features) as
float64, ``y`` (class indices into ``classes``, or float64 values for regression), the column
names and the task::

    ds = load_csv("iris.csv", target="species")    # header row required, delimiter detected
    X, y, feature_names = as_arrays(df[["a", "b"]], df["label"])   # DataFrames, lists, arrays

Every problem with the data raises :class:`~chainrule.errors.DataError` (a ``ValueError``) whose
message names the file, the line and the column, and says what to do. The Dataset and the
bundled datasets are in :mod:`chainrule.data.datasets`, labels in :mod:`chainrule.data.labels`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from chainrule.data.checks import all_finite
from chainrule.data.datasets import Dataset
from chainrule.data.labels import _show, show_value
from chainrule.data.table import Table, _na_test, read_table
from chainrule.data.targets import target_values
from chainrule.engine.arrays import ragged_detail, unmasked
from chainrule.errors import DataError

__all__ = ["as_arrays", "feature_matrix", "header_line", "load_csv", "target_array"]

_LOAD_CSV_FEATURES = (
    "load_csv reads numbers only: fill in or drop the cell's row, or read the file with "
    "chainrule.data.read_table and encode it with chainrule.data.Preprocessor (chainrule train "
    "does both)"
)
_LOAD_CSV_TARGET = (
    "load_csv returns arrays, not a model: drop those rows, or use chainrule train, which drops "
    "them"
)


# ---------------------------------------------------------------- CSV files


def load_csv(path, target=None, delimiter: str | None = None, task: str | None = None) -> Dataset:
    """Read a CSV file with a header row and numeric features into a :class:`Dataset`.

    The file is read by :func:`chainrule.data.read_table` (RFC 4180 quotes, cells of any size; an
    unterminated quote is an error naming its line), with every cell kept as written.

    Args:
        path (str | os.PathLike): the file. UTF-8, with or without a byte-order mark; blank
            lines (and rows of bare delimiters) are skipped. The first row must name the
            columns: a first row that is mostly numbers is reported as a missing header.
        target (str | int | None): the target column, by name (str) or position (int, negative
            counts from the end). Default: the last column. Every other column is a feature and
            must hold numbers (or true/false, read as 1/0) in every cell; for text or missing
            features, use :class:`chainrule.data.Preprocessor` or ``chainrule train``.
        delimiter: "," ";" "\\t" or "|"; default: detected from the first rows.
        task: "binary", "multiclass", "regression", "classification" or None to detect
            (``chainrule.data.labels.detect_task``). The target may hold numbers or strings;
            integers stay exact. An empty, NA or infinite target cell is an error naming its line.

    Example::

        ds = load_csv("iris.csv", target="species")   # ds.X (150, 4), ds.classes ['setosa', ...]
    """
    name = str(path)
    table = read_table(path, na_values=(), delimiter=delimiter, source=name)
    where = f"{name}, line {header_line(path)}"
    header = table.names
    _check_header(header, where, delimiter or ",")
    t = header[_target_position(header, target, where)]
    if table.n_rows == 0:
        raise DataError(
            f"{where}: the file has a header ({_show(header)}) but no data rows; "
            "add one row per sample below it"
        )
    features = [h for h in header if h != t]
    X = feature_matrix(table, features, _LOAD_CSV_FEATURES)
    y = target_array(table, t, _LOAD_CSV_TARGET)
    if y.dtype == object and all(isinstance(v, str) for v in y.tolist()):
        y = y.astype(str)
    try:
        return Dataset.from_arrays(X, y, features, t, task)
    except DataError as err:
        raise DataError(f"{name}, column {t!r}: {err}") from None


def header_line(path) -> int:
    """The line of a CSV file's header: its first line with more than spaces and delimiters."""
    with Path(path).open(encoding="utf-8-sig", errors="replace", newline="") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip(" \t\r\n,;|"):
                return number
    return 1


def feature_matrix(table: Table, names: list[str], advice: str) -> np.ndarray:
    """The columns ``names`` of a table read with ``na_values=()`` as float64 (n_rows, len(names)).

    Numbers and integers are kept, true/false become 1/0; the first cell that is not a finite
    number (text, empty, NA, inf) is a :class:`DataError` naming the line, the column and the
    cell, followed by ``advice``.
    """
    X = np.empty((table.n_rows, len(names)))
    for j, name in enumerate(names):
        column = table.column(name)
        cells = column.values.tolist()
        if column.kind == "text":
            bad = [next(i for i, cell in enumerate(cells) if not _is_finite(cell))]
        else:  # number, integer (exact, here as floats) or bool (1/0)
            X[:, j] = np.asarray(cells, dtype=bool if column.kind == "bool" else np.float64)
            bad = np.flatnonzero(~np.isfinite(X[:, j])).tolist()
        if bad:
            at = f"{table.where(bad[0])}, column {name!r}"
            _number(str(cells[bad[0]]), at, "feature", advice)
    return X


def target_array(table: Table, name: str, advice: str) -> np.ndarray:
    """The target column ``name`` of a table read with ``na_values=()`` (see ``target_values``:
    exact integers, floats, bools or strings); an empty, NA or infinite cell is a
    :class:`DataError` naming its line, followed by ``advice``."""
    column, is_na = table.column(name), _na_test(None)
    for i, cell in enumerate(column.values.tolist()):
        text = str(cell)
        if (column.kind == "text" and is_na(text)) or (_is_number(text) and not _is_finite(text)):
            at = f"{table.where(i)}, column {name!r}"
            what = "empty" if not text else f"{text!r}, a missing or infinite value"
            raise DataError(f"{at}: the target cell is {what}; {advice}")
    return target_values(column)


def _check_header(header: list[str], where: str, delimiter: str) -> None:
    numeric = sum(_is_number(cell) for cell in header)
    if numeric > len(header) / 2:
        example = delimiter.join([*(f"x{j + 1}" for j in range(len(header) - 1)), "target"])
        raise DataError(
            f"{where}: the first row looks like data, not a header ({_show(header)}); "
            f"load_csv needs a header row naming the columns: add a first line such as {example!r}"
        )
    if len(header) < 2:
        raise DataError(
            f"{where}: found only one column ({_show(header)}); a dataset needs at least one "
            "feature column and a target column. Is the delimiter one of , ; tab | ?"
        )


def _target_position(header: list[str], target, where: str) -> int:
    n = len(header)
    if target is None:
        return n - 1
    if isinstance(target, str):
        if target in header:
            return header.index(target)
        raise DataError(
            f"{where}: no target column {target!r}; the columns are {_show(header)}. Pass "
            f"target= one of these names or a position (0..{n - 1}, or -1 for the last)"
        )
    if isinstance(target, int | np.integer) and not isinstance(target, bool):
        if -n <= target < n:
            return int(target) % n
        raise DataError(
            f"{where}: target column position {target} is out of range for {n} columns "
            f"({_show(header)}); use 0..{n - 1} or -{n}..-1"
        )
    raise DataError(f"{where}: target must be a column name or position; got {target!r}")


def _number(cell: str, where: str, role: str, advice: str) -> None:
    """Raise for a cell that is not a finite number, saying what it is (a long cell cut short)."""
    shown = show_value(cell)
    if not cell:
        raise DataError(f"{where}: the {role} cell is empty; {advice}")
    if _is_number(cell) or _na_test(None)(cell):
        raise DataError(
            f"{where}: the {role} cell is {shown}; missing or infinite values are not allowed: "
            f"{advice}"
        )
    hint = "; use '.' as the decimal point" if re.fullmatch(r"[+-]?\d+,\d+", cell) else ""
    raise DataError(f"{where}: cannot read {shown} as a number{hint}; {advice}")


def _is_finite(cell) -> bool:
    return _is_number(cell) and bool(np.isfinite(float(cell)))


def _is_number(cell) -> bool:
    try:
        float(cell)
    except (TypeError, ValueError):
        return False
    return True


# ---------------------------------------------------------------- arrays and DataFrames


def as_arrays(X, y=None) -> tuple[np.ndarray, np.ndarray | None, list[str] | None]:
    """``(X, y, feature_names)`` from NumPy arrays, nested lists, or pandas DataFrame/Series.

    X becomes a 2-D float array (float32 and float64 are kept, integers and booleans become
    float64); y an array of the same length (numbers or labels). ``feature_names`` are a
    DataFrame's column names, else None. NaN, inf, non-numbers in X, ragged rows and mismatched
    lengths raise :class:`DataError` naming the row and column. pandas is never imported here;
    its objects are recognised when the caller has it.
    """
    names = None
    if _is_pandas(X, "DataFrame"):
        names = [str(c) for c in X.columns]
        X = X.to_numpy()
    elif _is_pandas(X, "Series"):
        X = X.to_numpy()
    X = _float_matrix(X, names)
    if y is None:
        return X, None, names
    if _is_pandas(y, "Series") or _is_pandas(y, "DataFrame"):
        y = y.to_numpy()
    y = np.asarray(unmasked(y, "y"))
    if y.ndim not in (1, 2) or len(y) != len(X):
        raise DataError(
            f"y has shape {y.shape} but X has {len(X)} rows; y needs one value (or row) per "
            "sample of X"
        )
    _check_finite_labels(y)
    return X, y, names


def _is_pandas(obj, kind: str) -> bool:
    pandas = sys.modules.get("pandas")  # a pandas object means pandas is already imported
    return pandas is not None and isinstance(obj, getattr(pandas, kind))


def _float_matrix(X, names: list[str] | None = None) -> np.ndarray:
    def column(j: int) -> str:
        return f"column {j}" + (f" {names[j]!r}" if names else "")

    X = unmasked(X, "X")
    try:
        X = np.asarray(X)
    except ValueError:  # ragged nested lists, at any depth
        raise DataError(f"X: {ragged_detail(X)}") from None
    if X.ndim != 2:
        hint = "; for one feature use X.reshape(-1, 1)" if X.ndim == 1 else ""
        raise DataError(f"X must be 2-D (n_samples, n_features); got shape {X.shape}{hint}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise DataError(f"X has shape {X.shape}; it needs at least one sample and one feature")
    if X.dtype.kind == "c":
        raise DataError(f"X holds complex numbers (dtype {X.dtype}); features must be real")
    if X.dtype not in (np.float32, np.float64):
        try:
            X = X.astype(np.float64)  # integers, booleans, and numbers held as objects or text
        except (TypeError, ValueError):
            i, j = next((i, j) for i, j in np.ndindex(X.shape) if not _is_number(X[i, j]))
            raise DataError(
                f"X[{i}, {j}] (row {i}, {column(j)}) is {X[i, j]!r}, not a number; fill in "
                "missing values, and encode or drop a column of text"
            ) from None
    if not all_finite(X):
        i, j = np.argwhere(~np.isfinite(X))[0]
        raise DataError(
            f"X[{i}, {j}] (row {i}, {column(j)}) is {X[i, j]}; remove or fill in the missing "
            "or infinite values first"
        )
    return X


def _check_finite_labels(y: np.ndarray) -> None:
    flat = y.reshape(len(y), -1)
    if y.dtype.kind in "fc":
        if all_finite(flat):
            return
        bad = ~np.isfinite(flat)
    elif y.dtype.kind == "O":
        missing = np.frompyfunc(lambda v: v is None or (isinstance(v, float) and v != v), 1, 1)
        bad = missing(flat).astype(bool)
    else:
        return
    if bad.any():
        i, j = np.argwhere(bad)[0]
        at = f"y[{i}]" if y.ndim == 1 else f"y[{i}, {j}]"
        raise DataError(f"{at} is {flat[i, j]}; remove or fill in the missing target values")
