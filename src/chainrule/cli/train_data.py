"""What ``chainrule train`` trains and scores on: a bundled dataset, or a table file's columns.

A file is read with :func:`~chainrule.data.read_table` (CSV/TSV, Parquet/Arrow; ``--na-values``).
Its columns: the target (``--target``, default the last), the features (``--features``, or every
other column less ``--ignore``). Rows whose target is missing are dropped and counted; with
``--dropna`` so are rows with a missing feature. Features that are all numbers with nothing
missing are standardised by the network's scaler, as always; otherwise a
:class:`~chainrule.data.Preprocessor` fitted on the training part fills in, encodes and
standardises them, and is saved with the model. The test part is a stratified 25 % split (seed 0;
never stratified for regression), nothing (``--test-size 0``) or another file (``--test``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.cli.common import note, transform
from chainrule.cli.train_options import DEFAULT_DATASET, names_option
from chainrule.data.datasets import load_dataset
from chainrule.data.labels import _show, check_task
from chainrule.data.preprocess import (
    Preprocessor,
    drop_missing_target,
    id_like_columns,
    target_values,
)
from chainrule.data.splits import train_test_split
from chainrule.data.table import Table, read_table
from chainrule.errors import DataError, UsageError

NUMERIC = ("number", "integer")


@dataclass
class TrainingData:
    """The training and test parts, and what the model needs to know about them.

    ``y_*`` hold the original labels (classification) or float64 values (regression).
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    classes: np.ndarray | None
    feature_names: list[str]
    target_name: str
    preprocessor: Any = None
    #: what the command prints about the columns (used, encoded, imputed, dropped)
    report: list[str] = field(default_factory=list)

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]


def load_training_data(args: argparse.Namespace) -> TrainingData:
    if args.data is not None:
        return from_file(args)
    name = args.dataset or DEFAULT_DATASET
    ds = load_dataset(name)
    labels = ds.y if ds.classes is None else ds.classes[ds.y]
    index = split(labels, ds.task, args.test_size, name, ds.target_name)
    train, test = index
    return TrainingData(
        name, ds.X[train], labels[train], ds.X[test], labels[test], ds.task,
        None if ds.classes is None else np.sort(ds.classes), list(ds.feature_names),
        ds.target_name,
    )  # fmt: skip


def split(
    y: np.ndarray, task: str, test_size: float, where: str, target: str
) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, test rows): stratified by class unless the task is regression."""
    rows = np.arange(len(y))
    if test_size == 0:
        return rows, rows[:0]
    try:
        train, test, _, _ = train_test_split(
            rows, y, test_size=test_size, stratify=task != "regression", seed=0, where=where
        )
    except DataError as err:
        text = str(err).replace("test_size", "--test-size")
        raise DataError(
            f"{text} (target column {target!r}); or train on every row with --test-size 0, or "
            "score on a separate file with --test FILE"
        ) from None
    return train, test


# ---------------------------------------------------------------- a file


def from_file(args: argparse.Namespace) -> TrainingData:
    na_values = names_option(args.na_values)
    table = read_table(args.data, na_values=na_values)
    if table.n_rows == 0:
        raise DataError(
            f"{table.source}: the file has a header ({_show(table.names, 20)}) but no data rows; "
            "add one row per sample below it"
        )
    target = target_column(table, args.target)
    features = feature_columns(table, target, args)
    left_out = [n for n in table.names if n != target and n not in features]
    table, report = drop_rows(table.select([*features, target]), target, features, args.dropna)
    y = target_values(table.column(target))
    task, classes, y = decide_task(y, args.task, table.source, target)
    check_classes(classes, args.max_classes, table.source, target)
    if args.test is not None:
        train, test = np.arange(table.n_rows), None
    else:
        train, test = split(y, task, args.test_size, table.source, target)
    training = table.take(train)
    numeric = not args.missing_indicators and all(
        table.column(f).kind in NUMERIC and not table.column(f).missing().any() for f in features
    )
    pre = None
    if not numeric:
        unknown = "error" if args.strict else "warn"
        pre = Preprocessor(
            impute=args.impute,
            indicators=args.missing_indicators,
            unknown=unknown,
            na_values=na_values,
        )
        pre.fit(training, features)
        report += pre.describe()
    else:
        report.append(f"numeric, standardised: {', '.join(features)}")
    if left_out:
        report.append(f"left out: {', '.join(left_out)}")
    X_train = inputs(training, features, pre)
    if test is None:
        X_test, y_test = read_test_file(args, na_values, features, target, pre, task, classes)
    else:
        X_test, y_test = inputs(table.take(test), features, pre), y[test]
    names = list(features) if pre is None else list(pre.output_names)
    return TrainingData(
        Path(args.data).stem, X_train, y[train], X_test, y_test, task, classes, names, target,
        pre, report,
    )  # fmt: skip


def target_column(table: Table, text: str | None) -> str:
    """``--target``: a column name, or a 0-based position (-1: the last); default the last."""
    names, where = table.names, table.source
    if text is None:
        return names[-1]
    if text in names:
        return text
    try:
        position = int(text.strip())
    except ValueError:
        raise DataError(
            f"{where}: no target column {text!r}; the columns are {_show(names, 20)}. Pass "
            f"--target with one of these names or a position (0..{len(names) - 1}, or -1 for "
            "the last)"
        ) from None
    if not -len(names) <= position < len(names):
        raise DataError(
            f"{where}: --target {position} is out of range for {len(names)} columns; use "
            f"0..{len(names) - 1}, or -1 for the last"
        )
    return names[position]


def feature_columns(table: Table, target: str, args: argparse.Namespace) -> list[str]:
    """``--features``, or every column but the target and ``--ignore``; warns of ID-like ones."""
    chosen, ignored = names_option(args.features), names_option(args.ignore) or []
    where = table.source
    for flag, names in (("--features", chosen or []), ("--ignore", ignored)):
        unknown = [n for n in names if n not in table.names]
        if unknown:
            raise UsageError(
                f"{flag}: {where} has no column(s) {_show(unknown)}; its columns are "
                f"{_show(table.names, 20)}"
            )
    if chosen is not None and target in chosen:
        raise UsageError(f"--features: {target!r} is the target column; leave it out")
    if chosen is None:
        chosen = [n for n in table.names if n != target and n not in ignored]
    else:
        chosen = [n for n in chosen if n not in ignored]
    if not chosen:
        raise UsageError(f"{where}: no feature columns are left; check --features and --ignore")
    suspects = [n for n in id_like_columns(table.select(chosen)) if n in chosen]
    if suspects:
        note(
            f"{where}: the column(s) {_show(suspects)} look like IDs (a different value in "
            f"almost every row) and are used as features; pass --ignore {','.join(suspects)} "
            "to leave them out"
        )
    return chosen


def drop_rows(
    table: Table, target: str, features: list[str], dropna: bool
) -> tuple[Table, list[str]]:
    """Rows with a missing target dropped (and with ``dropna``, a missing feature), counted."""
    where = table.source
    table, n_dropped = drop_missing_target(table, target)
    report = []
    if n_dropped:
        line = f"{where}: dropped {n_dropped} row(s) whose target {target!r} is missing"
        note(line)
        report.append(line)
    if dropna:
        missing = np.zeros(table.n_rows, dtype=bool)
        for name in features:
            missing |= table.column(name).missing()
        if missing.any():
            line = f"{where}: dropped {int(missing.sum())} row(s) with a missing feature (--dropna)"
            note(line)
            report.append(line)
            table = table.take(~missing)
    if table.n_rows == 0:
        raise DataError(f"{where}: no rows are left to train on")
    return table, report


def decide_task(
    y: np.ndarray, task: str | None, where: str, target: str
) -> tuple[str, np.ndarray | None, np.ndarray]:
    """(task, sorted classes or None, y): ``--task`` or the guess, checked in the CLI's words."""
    try:
        task, classes = check_task(y, task, name=lambda t: f"--task {t}")
    except DataError as err:
        raise DataError(f"{where}, column {target!r}: {err}") from None
    if classes is None:
        return "regression", None, y.astype(np.float64)
    return task, classes, (y.astype(str) if y.dtype == object else y)


def check_classes(classes: np.ndarray | None, limit: int, where: str, target: str) -> None:
    """Refuse more than ``--max-classes`` distinct labels, before any training or printing."""
    if classes is not None and len(classes) > limit:
        raise UsageError(
            f"{where}, column {target!r}: {len(classes)} distinct labels, more than "
            f"--max-classes {limit}; if the target is a number to predict, pass --task "
            f"regression; if it really has that many classes, pass --max-classes {len(classes)}"
        )


# ---------------------------------------------------------------- inputs


def inputs(table: Table, features: list[str], pre: Any) -> np.ndarray:
    """X of ``table``: the preprocessor's output, or the numeric columns as float64."""
    if pre is not None:
        return transform(pre, table)
    return numeric_matrix(table, features)


def numeric_matrix(table: Table, features: list[str]) -> np.ndarray:
    """The columns ``features`` as float64; a missing or non-number cell is named."""
    X = np.empty((table.n_rows, len(features)))
    for j, name in enumerate(features):
        column = table.column(name)
        missing = column.missing()
        if column.kind not in NUMERIC or missing.any():
            i = int(np.flatnonzero(missing)[0]) if missing.any() else 0
            what = "is missing" if missing.any() else f"holds {column.values[i]!r}"
            raise DataError(
                f"{table.where(i)}, column {name!r}: the feature {what}; the model was trained "
                "on numbers with none missing. Fill it in, or train again on data like this "
                "(missing values and text columns are then filled in and encoded)"
            )
        X[:, j] = np.asarray(column.values, dtype=np.float64)
        if not np.isfinite(X[:, j]).all():
            i = int(np.flatnonzero(~np.isfinite(X[:, j]))[0])
            raise DataError(
                f"{table.where(i)}, column {name!r}: the feature cell is {X[i, j]}; an infinite "
                "value cannot be used: fix it, or mark it missing (e.g. NA)"
            )
    return X


def read_test_file(
    args: argparse.Namespace,
    na_values: list[str] | None,
    features: list[str],
    target: str,
    pre: Any,
    task: str,
    classes: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """``--test FILE``: its X (the training columns, by name) and y (checked against classes)."""
    table = read_table(args.test, na_values=na_values)
    missing = [n for n in [*features, target] if n not in table.names]
    if missing:
        raise DataError(
            f"{table.source} (--test): no column(s) {_show(missing)}; it needs the training "
            f"file's features and target, {_show([*features, target], 20)}"
        )
    table, n_dropped = drop_missing_target(table.select([*features, target]), target)
    if n_dropped:
        note(f"{table.source}: dropped {n_dropped} row(s) whose target {target!r} is missing")
    if table.n_rows == 0:
        raise DataError(f"{table.source} (--test): no rows with a target to score on")
    y = target_values(table.column(target))
    if task == "regression":
        if y.dtype.kind not in "iuf":
            raise DataError(f"{table.source}, column {target!r}: the target must hold numbers")
        return inputs(table, features, pre), y.astype(np.float64)
    y = y.astype(str) if y.dtype == object else y
    assert classes is not None
    unknown = sorted(set(np.asarray(y).tolist()) - set(classes.tolist()), key=str)
    if unknown:
        raise DataError(
            f"{table.source}, column {target!r}: the label(s) {_show(unknown)} did not occur in "
            f"training ({_show(classes)})"
        )
    return inputs(table, features, pre), y.astype(classes.dtype)
