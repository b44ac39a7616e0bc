"""Uploaded CSV files: read as the command line reads a table, split and preprocessed per setup.

An upload is parsed by :func:`chainrule.data.table.parse_table` (the reader of ``read_table``): the
cells ``NA NaN nan null None ? ""`` are missing, true/false/yes/no are booleans, integers are
exact, quotes follow RFC 4180, and an unterminated quote is an error naming its line. The target
is the last column unless named; rows whose target is missing are dropped and counted (a missing
target is never made a class). Features that are all numbers with nothing missing go to the
network as they are (standardised by its scaler, on by default for uploads); otherwise
:func:`split_upload` fits a :class:`~chainrule.data.Preprocessor` (mean imputation,
standardising, one-hot) on the training part, and its output columns are the network's inputs.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data.datasets import Dataset
from chainrule.data.labels import _show, show_value
from chainrule.data.preprocess import Preprocessor
from chainrule.data.splits import train_test_split
from chainrule.data.table import Column, Table, parse_table
from chainrule.data.targets import drop_missing_target, id_like_columns, target_values
from chainrule.errors import ConfigError, DataError
from chainrule.playground.limits import (
    MAX_CELLS,
    MAX_CLASSES,
    MAX_FEATURES,
    MAX_LABEL_CHARS,
    MAX_ROWS,
    check_session,
)
from chainrule.playground.limits import MAX_UPLOAD_BYTES as MAX_UPLOAD_BYTES  # its old place

NUMERIC = ("number", "integer")


@dataclass
class Upload:
    """An uploaded table: its feature columns (rows with a target), and as a Dataset.

    ``dataset.X`` is the features as numbers when they need no preprocessing; otherwise it is a
    :class:`Preprocessor` fitted on every row (for the summary only: a session fits its own on
    its training part, :func:`split_upload`).
    """

    id: str
    filename: str
    size: int
    dataset: Dataset
    table: Table | None = None  # the feature columns; None for an upload made from arrays
    preprocess: bool = False  # text/bool columns or missing cells: a Preprocessor is needed
    dropped: int = 0  # rows dropped for a missing target
    notes: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # every column of the file (target choices)

    def summary(self) -> dict[str, Any]:
        ds = self.dataset
        columns = ds.feature_names if self.table is None else self.table.names
        return {
            "id": self.id,
            "filename": self.filename,
            "bytes": self.size,
            "n_samples": len(ds.X),
            "n_features": len(columns),
            "feature_names": list(columns),
            "target_name": ds.target_name,
            "task": ds.task,
            "classes": None if ds.classes is None else [str(c) for c in ds.classes],
            "columns": list(self.columns) or [*columns, ds.target_name],
            "dropped_rows": self.dropped,
            "notes": list(self.notes),
        }


def safe_name(filename: str) -> str:
    """The file's own name, reduced to harmless characters (never a path)."""
    name = re.sub(r"[^A-Za-z0-9._ -]", "_", Path(filename or "upload.csv").name)[:80]
    return "upload.csv" if not name or name.strip(". ") == "" else name


def parse_csv(content: bytes, filename: str, target: str | None = None) -> Upload:
    """An uploaded CSV read by :func:`~chainrule.data.table.parse_table`; errors name the line.

    The id is a hash of the bytes (and the target), so the same file always gets the same id (and
    a link that names it works again once the file is uploaded again).
    """
    name = safe_name(filename)
    uid = hashlib.sha256(content + b"\0" + (target or "").encode()).hexdigest()[:16]
    try:
        return _read(content, name, target, uid)
    except DataError as err:  # a ValueError; ConfigError passes through
        raise ConfigError(in_page_words(str(err)), "file") from None


def in_page_words(message: str) -> str:
    """A data error's advice without the command line's flags, which the page does not have."""
    message = re.sub(r" ?\(--ignore [^)]*\)", " from the file", message)
    return re.sub(r"Leave it out with --ignore \S+", "Leave it out of the file", message)


def _read(content: bytes, name: str, target: str | None, uid: str) -> Upload:
    table = parse_table(content, source=name)
    _check_header(table)
    goal = _target_column(table, target)
    features = [n for n in table.names if n != goal]
    _check_numbers(table, features)
    table, dropped = drop_missing_target(table, goal)
    n, d = table.n_rows, len(features)
    _check_size(name, n, d)
    if n < 4:
        gone = f" ({dropped} dropped: their target is missing)" if dropped else ""
        raise ConfigError(f"{name}: {n} samples{gone}; the playground needs at least 4", "file")
    notes = [f"dropped {dropped} row(s) whose target {goal!r} is missing"] if dropped else []
    X_table = table.select(features)
    preprocess = any(c.kind not in NUMERIC or c.missing().any() for c in X_table.columns)
    if preprocess:
        pre = Preprocessor().fit(X_table)
        X, names = pre.transform(X_table), pre.output_names
        notes += pre.describe()
        if len(names) > MAX_FEATURES:
            raise ConfigError(
                f"{name}: the columns make {len(names)} inputs once text is one-hot encoded; the "
                f"playground takes at most {MAX_FEATURES} (leave out a column with many values)",
                "file",
            )
    else:
        X = np.column_stack([np.asarray(c.values, dtype=np.float64) for c in X_table.columns])
        names = features
    ids = id_like_columns(X_table)
    if ids:
        notes.append(f"the column(s) {_show(ids)} look like IDs (a different value in every row)")
    y = target_values(table.column(goal))
    if y.dtype == object:  # text (or huge integers): checked before it becomes fixed-width text
        y = _labels(y, name, goal)
    ds = Dataset.from_arrays(X, y, list(names), goal)
    if ds.classes is not None and len(ds.classes) > MAX_CLASSES:
        raise _too_many_classes(name, goal, len(ds.classes))
    check_session(n, X.shape[1], 1, field="file")
    columns = list(table.names)
    return Upload(uid, name, len(content), ds, X_table, preprocess, dropped, notes, columns)


def _check_size(name: str, n: int, d: int) -> None:
    """Refuse a table past the playground's bounds (:mod:`chainrule.playground.limits`)."""
    if d > MAX_FEATURES:
        raise ConfigError(f"{name}: {d} feature columns; the playground takes at most "
                          f"{MAX_FEATURES}", "file")  # fmt: skip
    if n > MAX_ROWS or n * d > MAX_CELLS:
        raise ConfigError(
            f"{name}: {n:,} rows × {d} feature columns; the playground takes at most "
            f"{MAX_ROWS:,} rows and {MAX_CELLS:,} cells (use a sample of the rows)",
            "file",
        )


def _too_many_classes(name: str, goal: str, k: int) -> ConfigError:
    return ConfigError(
        f"{name}: the target {goal!r} has {k:,} classes; the playground takes at most "
        f"{MAX_CLASSES} (choose another target column, or group the labels)",
        "target",
    )


def _labels(y: np.ndarray, name: str, goal: str) -> np.ndarray:
    """Text labels as a str array, once their count and length are known to be in bounds."""
    distinct = {str(v) for v in y.tolist()}
    if len(distinct) > MAX_CLASSES:
        raise _too_many_classes(name, goal, len(distinct))
    longest = max(distinct, key=len)
    if len(longest) > MAX_LABEL_CHARS:
        raise ConfigError(
            f"{name}: the target {goal!r} has a label of {len(longest):,} characters "
            f"({longest[:20]!r}…); the playground takes labels of at most {MAX_LABEL_CHARS}",
            "target",
        )
    return y.astype(str)


def _check_header(table: Table) -> None:
    where = f"{table.source}, line 1"
    if sum(_is_number(h) for h in table.names) > len(table.names) / 2:
        raise ConfigError(
            f"{where}: the first row looks like data, not a header ({_show(table.names)}); "
            "add a first line naming the columns, such as 'x1,x2,target'",
            "file",
        )
    if len(table.names) < 2:
        raise ConfigError(
            f"{where}: found only one column ({_show(table.names)}); a dataset needs at least one "
            "feature column and a target column. Is the delimiter one of , ; tab | ?",
            "file",
        )
    if table.n_rows == 0:
        raise ConfigError(f"{where}: the file has a header but no data rows", "file")


def _target_column(table: Table, target: str | None) -> str:
    """The target: a column name, or a 0-based position (-1: the last); default the last."""
    names = table.names
    if target is None or target == "" or target in names:
        return target or names[-1]
    try:
        position = int(target.strip())
    except ValueError:
        raise ConfigError(
            f"{table.source}: no target column {target!r}; the columns are {_show(names, 20)}",
            "target",
        ) from None
    if not -len(names) <= position < len(names):
        raise ConfigError(
            f"{table.source}: target column {position} is out of range for {len(names)} "
            f"columns; use 0..{len(names) - 1}, or -1 for the last",
            "target",
        )
    return names[position]


def _check_numbers(table: Table, features: list[str]) -> None:
    """A text column whose cells are mostly numbers holds a typo: name its first other cell."""
    for name in features:
        col: Column = table.column(name)
        if col.kind != "text":
            continue
        present = np.flatnonzero(~col.missing())
        numbers = [_is_number(col.values[i]) for i in present]
        if sum(numbers) > len(numbers) / 2:
            i = int(present[numbers.index(False)])
            raise ConfigError(
                f"{table.where(i)}, column {name!r}: cannot read {show_value(col.values[i])} as a "
                "number, "
                "and the column's other cells are numbers; fix the cell, or mark it missing (NA)",
                "file",
            )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- a setup's split ---------------------------------------------------------------------------
@dataclass
class Split:
    """The rows of a setup's split, and the data the network takes (preprocessed if need be)."""

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    dataset: Dataset
    preprocessor: Preprocessor | None = None
    rows_train: np.ndarray | None = None  # row numbers into the upload's table
    rows_test: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


def split_upload(upload: Upload, test_ratio: float, seed: int, scale: bool) -> Split:
    """Split the upload's rows as any dataset is split; when the columns need it, fit a
    :class:`Preprocessor` (``scale``: standardise numbers) on the training rows and transform."""
    ds = upload.dataset
    rows = np.arange(len(ds.y))
    r_train, r_test, y_train, y_test = train_test_split(
        rows, ds.y, test_size=test_ratio, seed=seed, stratify=ds.task != "regression"
    )
    notes = [f"dropped {upload.dropped} row(s) whose target {ds.target_name!r} is missing"]
    notes = notes if upload.dropped else []
    if not upload.preprocess or upload.table is None:
        return Split(ds.X[r_train], ds.X[r_test], y_train, y_test, ds, None, r_train, r_test, notes)
    train, test = upload.table.take(r_train), upload.table.take(r_test)
    try:
        pre = Preprocessor(scale=scale).fit(train)
    except DataError as err:  # a column with every training cell missing
        raise ConfigError(in_page_words(str(err)), "upload") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        X_train, X_test = pre.transform(train), pre.transform(test)
    notes += [*pre.describe(), *(str(w.message) for w in caught)]
    X = np.empty((len(rows), X_train.shape[1]))
    X[r_train], X[r_test] = X_train, X_test
    prepared = Dataset(X, ds.y, list(pre.output_names), ds.target_name, ds.classes, ds.task)
    return Split(X_train, X_test, y_train, y_test, prepared, pre, r_train, r_test, notes)
