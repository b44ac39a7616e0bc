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

import csv
import io
import re
import sys
from pathlib import Path

import numpy as np

from chainrule.data.checks import all_finite
from chainrule.data.datasets import Dataset
from chainrule.data.labels import _show
from chainrule.errors import DataError

__all__ = ["as_arrays", "load_csv", "read_lines"]

_DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


# ---------------------------------------------------------------- CSV files


def read_lines(path) -> list[str]:
    """The lines of a UTF-8 text file (a BOM dropped), split as the csv module expects.

    A file that is not UTF-8 is a :class:`DataError` naming the line of the first bad byte.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        line = Path(path).read_bytes()[: err.start].count(b"\n") + 1
        raise DataError(
            f"{path}, line {line}: not UTF-8 text ({err.reason}); re-save the file as UTF-8"
        ) from None
    return list(io.StringIO(text, newline=""))  # split at \n, \r\n, \r only, as csv expects


def load_csv(path, target=None, delimiter: str | None = None, task: str | None = None) -> Dataset:
    """Read a CSV file with a header row into a :class:`Dataset`.

    Args:
        path: the file. UTF-8, with or without a byte-order mark; blank lines (and rows of bare
            delimiters) are skipped. The first row must name the columns: a first row that is
            mostly numbers is reported as a missing header.
        target: the target column, by name (str) or position (int, negative counts from the end).
            Default: the last column. Every other column is a feature and must hold numbers.
        delimiter: "," ";" "\\t" or "|"; default: detected (``csv.Sniffer``, checked against the
            first rows, with a fallback that counts columns).
        task: "binary", "multiclass", "regression", "classification" or None to detect
            (``chainrule.data.labels.detect_task``). The target may hold numbers or strings.

    Example::

        ds = load_csv("iris.csv", target="species")   # ds.X (150, 4), ds.classes ['setosa', ...]
    """
    name = str(path)
    lines = read_lines(path)
    if delimiter is None:
        delimiter = _detect_delimiter(lines)
    elif delimiter not in _DELIMITERS:
        raise DataError(f"{name}: delimiter must be one of , ; tab |; got {delimiter!r}")
    rows, line_numbers = _records(lines, delimiter, name)
    header, header_line = rows[0], line_numbers[0]
    where = f"{name}, line {header_line}"
    _check_header(header, where, delimiter)
    t = _target_position(header, target, where)
    if len(rows) == 1:
        raise DataError(
            f"{where}: the file has a header ({_show(header)}) but no data rows; "
            "add one row per sample below it"
        )
    for row, line in zip(rows[1:], line_numbers[1:], strict=True):
        if len(row) != len(header):
            _ragged(name, line, row, header, delimiter)
    features = [j for j in range(len(header)) if j != t]
    X = _feature_matrix(name, rows, line_numbers, features)
    cells = [row[t] for row in rows[1:]]
    y = _parse_target(cells, [f"{name}, line {n}, column {header[t]!r}" for n in line_numbers[1:]])
    try:
        return Dataset.from_arrays(X, y, [header[j] for j in features], header[t], task)
    except DataError as err:
        raise DataError(f"{name}, column {header[t]!r}: {err}") from None


def _records(lines: list[str], delimiter: str, name: str) -> tuple[list[list[str]], list[int]]:
    """The non-blank rows, cells stripped, and the line each starts on; the file must have one."""
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    rows, line_numbers, previous = [], [], 0
    for row in reader:
        if any(cell.strip() for cell in row):  # skip blank lines and rows of bare delimiters
            rows.append([cell.strip() for cell in row])
            line_numbers.append(previous + 1)  # the line where this record starts
        previous = reader.line_num
    if not rows:
        raise DataError(
            f"{name}, line 1: the file is empty; expected a header row naming the columns, "
            "then one row per sample"
        )
    return rows, line_numbers


def _feature_matrix(
    name: str, rows: list[list[str]], line_numbers: list[int], features: list[int]
) -> np.ndarray:
    """The feature columns of the data rows (rows[1:]) as float64; a bad cell is named."""
    header = rows[0]
    X = np.empty((len(rows) - 1, len(features)))
    for i, row in enumerate(rows[1:]):
        try:
            X[i] = [float(row[j]) for j in features]
        except ValueError:
            _check_cells(name, line_numbers[i + 1], row, header, features)
    if not all_finite(X):
        i = np.flatnonzero(~np.isfinite(X).all(axis=1))[0]
        _check_cells(name, line_numbers[i + 1], rows[i + 1], header, features)
    return X


def _detect_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the first rows into the same number (> 1) of columns."""
    sample = [line for line in lines if line.strip()][:20]
    if not sample:
        return ","  # an empty file, reported as such by the caller
    try:
        sniffed = [csv.Sniffer().sniff("".join(sample), delimiters=_DELIMITERS).delimiter]
    except csv.Error:
        sniffed = []
    for d in [*sniffed, *_DELIMITERS]:
        widths = {len(row) for row in csv.reader(sample, delimiter=d, skipinitialspace=True)}
        if len(widths) == 1 and min(widths) > 1:
            return d
    # No delimiter gives consistent rows: take the one that splits the header most (ties: comma)
    # and let the ragged-row check report the line that does not fit.
    header = sample[0]
    return max(_DELIMITERS, key=lambda d: len(next(csv.reader([header], delimiter=d))))


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
    for j, cell in enumerate(header):
        if not cell:
            raise DataError(
                f"{where}, column {j + 1}: the column has no name in the header; name it (a "
                "DataFrame index saved by pandas? save with index=False)"
            )
        if cell in header[:j]:
            raise DataError(
                f"{where}, column {cell!r}: the name appears twice (columns "
                f"{header.index(cell) + 1} and {j + 1}); give each column its own name"
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


def _ragged(name: str, line: int, row: list[str], header: list[str], delimiter: str):
    sep = _DELIMITER_NAMES[delimiter]
    if len(row) < len(header):
        column, missing = header[len(row)], header[len(row) :]
        detail = f"missing: {_show(missing)}"
    else:
        column = header[-1]
        detail = f"{len(row) - len(header)} extra cell(s) after column {column!r}"
    raise DataError(
        f"{name}, line {line}, column {column!r}: the row has {len(row)} cells but the header "
        f"has {len(header)} ({sep}-separated); {detail}. Fix the row so every row has one cell "
        "per column (quote cells that contain the delimiter)"
    )


def _check_cells(name: str, line: int, row: list[str], header: list[str], columns: list[int]):
    """Raise for the first cell of ``row`` in ``columns`` that is not a finite number."""
    for j in columns:
        _number(row[j], f"{name}, line {line}, column {header[j]!r}", "feature")
    raise AssertionError("unreachable: the row was reported bad but every cell is a number")


def _parse_target(cells: list[str], where: list[str]) -> np.ndarray:
    """Integers if every cell is one, else floats if every cell is a number, else strings."""
    for cell, at in zip(cells, where, strict=True):
        if not cell or (_is_number(cell) and not np.isfinite(float(cell))):
            _number(cell, at, "target")  # raises, naming the cell
    if all(re.fullmatch(r"[+-]?\d{1,18}", cell) for cell in cells):
        return np.array([int(cell) for cell in cells], dtype=np.int64)
    if all(_is_number(cell) for cell in cells):
        return np.array([float(cell) for cell in cells], dtype=np.float64)
    return np.array(cells, dtype=str)


def _number(cell: str, where: str, role: str) -> float:
    if not cell:
        raise DataError(f"{where}: the {role} cell is empty; fill it in or drop the row")
    try:
        value = float(cell)
    except ValueError:
        hint = "; use '.' as the decimal point" if re.fullmatch(r"[+-]?\d+,\d+", cell) else ""
        raise DataError(
            f"{where}: cannot read {cell!r} as a number{hint}; feature columns must hold numbers "
            "(fix the cell, drop the column, or make it the target with target=...)"
        ) from None
    if not np.isfinite(value):
        raise DataError(
            f"{where}: the {role} cell is {cell!r}; missing or infinite values are not allowed: "
            "fill them in or drop the row"
        )
    return value


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
    y = np.asarray(y)
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

    try:
        X = np.asarray(X)
    except ValueError:  # ragged nested lists
        lengths = [len(row) for row in X]
        i = next(i for i, n in enumerate(lengths) if n != lengths[0])
        raise DataError(
            f"X row {i} has {lengths[i]} values but row 0 has {lengths[0]}; every row needs one "
            "value per feature"
        ) from None
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
