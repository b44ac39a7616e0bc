"""What the subcommands share: reading CSV files against a model, metrics, and printing.

Every problem with the user's input is raised as a :class:`~chainrule.ChainruleError` that is also
a ``ValueError`` (a :class:`~chainrule.DataError` for data, :class:`UsageError` for options), so
:func:`chainrule.cli.main` reports it in one line, ``chainrule <cmd>: error: <message>``, and
exits with status 2, never with a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chainrule import load
from chainrule.data.labels import _show
from chainrule.data.limits import check_input_file
from chainrule.data.preprocess import drop_missing_target, target_values
from chainrule.data.table import Table
from chainrule.data.table import read_table as read_typed_table
from chainrule.data.tables import feature_matrix, header_line, target_array
from chainrule.errors import DataError, DataWarning, UsageError
from chainrule.nn.protocol import Network


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows an option's default in its help, unless it says nothing (None, an off switch) or
    the help already says it."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        silent = action.default is None or (action.nargs == 0 and action.default is False)
        if silent or "default" in text or action.default is argparse.SUPPRESS:
            return text
        return super()._get_help_string(action)


def check_out(out: str | os.PathLike[str] | None, *inputs: str | os.PathLike[str] | None) -> None:
    """Refuse an output path that is a folder or one of the command's own input files, before
    any work is done (an atomic write would replace the input with the output)."""
    if out is None:
        return
    path = Path(out)
    if path.is_dir():
        raise UsageError(f"{out} is a folder; give the output a file name")
    for given in inputs:
        if given is not None and path.exists() and Path(given).exists() and path.samefile(given):
            raise UsageError(f"{out} is also an input of this command; write elsewhere")


def check_outs(
    outs: Sequence[str | os.PathLike[str] | None], *inputs: str | os.PathLike[str] | None
) -> None:
    """:func:`check_out` for each of a command's outputs (a model and its derived plot files)."""
    for out in outs:
        check_out(out, *inputs)


def load_model(path: str) -> Any:
    """``chainrule.load(path)``, once ``path`` is known to be a regular file: a FIFO or a device
    (``/dev/zero``) is refused before it is opened, since reading one may never end; a missing
    file is left to ``load``, which names it."""
    if os.path.exists(path):
        check_input_file(path, str(path))
    return load(path)


def note(message: str) -> None:
    """A remark for the user that is not the command's output: to stderr."""
    print(message, file=sys.stderr)


def target_option(text: str | None) -> str | int | None:
    """``--target``: a column name, or a 0-based position such as ``0`` or ``-1`` (the last)."""
    if text is None:
        return None
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        return text


# ---------------------------------------------------------------- a model's columns


def select_columns(available: list[str], net: Network, where: str) -> list[int]:
    """Positions in ``available`` of the model's features, in the model's order.

    With ``net.feature_names`` the columns are matched by name (any order; other columns are
    ignored, with a note); without them, ``available`` must hold exactly the model's inputs.
    """
    names = net.feature_names
    if names is None:
        if len(available) != net.n_features:
            raise DataError(
                f"{where}: {len(available)} feature columns ({_show(available)}), but the model "
                f"takes {net.n_features} inputs"
            )
        return list(range(len(available)))
    missing = [name for name in names if name not in available]
    if missing:
        raise DataError(
            f"{where}: missing the feature column(s) {_show(missing)}; the model was trained on "
            f"{_show(names)}"
        )
    extra = [name for name in available if name not in names]
    if extra:
        note(f"{where}: ignoring the column(s) {_show(extra)}, which the model does not use")
    return [available.index(name) for name in names]


_FEATURE_ADVICE = "this model reads numbers only: fill in the cell or drop the row"
_TARGET_ADVICE = "fill in the cell or drop the row"


def _numeric_table(path: str) -> tuple[Table, str]:
    """A CSV file read for a model without a preprocessor, every cell as written (no NA tokens),
    and "<path>, line <the header's line>". Duplicate or unnamed columns, rows with the wrong
    number of cells and unterminated quotes are errors naming the line."""
    table = read_typed_table(path, na_values=(), source=str(path))
    where = f"{path}, line {header_line(path)}"
    if table.n_rows == 0:
        raise DataError(f"{where}: the file has a header but no data rows")
    return table, where


def read_features(path: str, net: Network, target: str | int | None = None) -> np.ndarray:
    """The model's feature columns of a CSV file (header row required), as float64.

    The target column (``target``: a name or 0-based position; else the model's target name)
    is left out if the file has it, as are columns the model does not know. Errors name the
    file, the line and the column.
    """
    if net.preprocessor is not None:
        return transform(net.preprocessor, _model_table(path, net, target))
    table, where = _numeric_table(path)
    header = table.names
    if net.feature_names is not None and not any(name in header for name in net.feature_names):
        raise DataError(
            f"{where}: the first row ({_show(header)}) names none of the model's features "
            f"({_show(net.feature_names)}); the file needs a header row with those names"
        )
    t = target_index(header, target, net, where, required=False)
    return _features(table, net, t, where)


def _features(table: Table, net: Network, t: int | None, where: str) -> np.ndarray:
    available = [name for j, name in enumerate(table.names) if j != t]
    chosen = [available[j] for j in select_columns(available, net, where)]
    return feature_matrix(table, chosen, _FEATURE_ADVICE)


def target_index(
    header: list[str], target: str | int | None, net: Network, where: str, required: bool
) -> int | None:
    """The target column's position: ``target`` (a name, or a 0-based position), else the
    model's target name, else (when ``required``) the last column, as ``load_csv`` does."""
    if isinstance(target, int) and str(target) not in header:
        if -len(header) <= target < len(header):
            return target % len(header)
        raise DataError(
            f"{where}: target column position {target} is out of range for {len(header)} "
            f"columns; use 0..{len(header) - 1}, or -1 for the last"
        )
    name = str(target) if target is not None else net.target_name
    if name is not None and name in header:
        return header.index(name)
    if target is not None:
        raise DataError(f"{where}: no target column {name!r}; the columns are {_show(header)}")
    if not required:
        return None
    if name is None:
        return len(header) - 1
    raise DataError(
        f"{where}: no target column {name!r} (the model's target); the columns are "
        f"{_show(header)}. Name the target column with --target"
    )


def read_labelled(
    path: str, net: Network, target_text: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """(X in the model's column order, y) from a CSV with a target column (evaluate, gradcheck).

    ``y`` holds the model's class labels (checked: a label the model does not know is an error
    naming its line) or, for regression, the target values.
    """
    if net.preprocessor is not None:
        return _read_labelled_table(path, net, target_option(target_text))
    table, where = _numeric_table(path)
    t = target_index(table.names, target_option(target_text), net, where, required=True)
    X = _features(table, net, t, where)
    name = table.names[t]
    raw = target_array(table, name, _TARGET_ADVICE)
    at = [f"{table.where(i)}, column {name!r}" for i in range(table.n_rows)]
    if net.task == "regression":
        values = raw.tolist()
        bad = [i for i, v in enumerate(values) if type(v) not in (int, float)]
        if bad:
            raise DataError(
                f"{at[bad[0]]}: cannot read {values[bad[0]]!r} as a number; the target must hold "
                "numbers for this regression model"
            )
        return X, np.asarray(values, dtype=np.float64)
    if net.task == "multilabel":
        raise DataError(
            f"{path}: the model has {net.n_outputs} 0/1 outputs per sample (multilabel); this "
            "command reads one target column"
        )
    # a model saved without class labels predicts class indices: 0/1, or 0..n_outputs − 1
    classes = net.classes if net.classes is not None else np.arange(max(2, net.n_outputs))
    return X, match_labels(raw, classes, at)


def transform(preprocessor: Any, table: Table) -> np.ndarray:
    """``preprocessor.transform(table)``; what it warns of (an unseen category) is a note."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        X = np.asarray(preprocessor.transform(table), dtype=np.float64)
    for warning in caught:
        if issubclass(warning.category, DataWarning):
            note(f"warning: {warning.message}")
        else:
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
    return X


def _model_table(path: str, net: Network, target: str | int | None) -> Table:
    """A table file read for a model with a preprocessor: its input columns are found by name
    (any order), its cells read as missing as in training; the target and other columns are left
    out, with a note for the others."""
    table = read_typed_table(path, na_values=net.preprocessor.na_values)
    t = target_index(table.names, target, net, table.source, required=False)
    used = set(net.preprocessor.input_names)
    extra = [n for j, n in enumerate(table.names) if j != t and n not in used]
    if extra:
        note(f"{table.source}: ignoring the column(s) {_show(extra)}, which the model does not use")
    return table


def _read_labelled_table(
    path: str, net: Network, target: str | int | None
) -> tuple[np.ndarray, np.ndarray]:
    """(X, y) for a model with a preprocessor: rows with a missing target are left out."""
    table = read_typed_table(path, na_values=net.preprocessor.na_values)
    name = table.names[target_index(table.names, target, net, table.source, required=True)]
    table, n_dropped = drop_missing_target(table, name)
    if n_dropped:
        note(f"{table.source}: left out {n_dropped} row(s) whose target {name!r} is missing")
    if table.n_rows == 0:
        raise DataError(f"{table.source}: no row has a target {name!r} to score against")
    X = transform(net.preprocessor, table)
    raw = target_values(table.column(name))
    at = [f"{table.where(i)}, column {name!r}" for i in range(table.n_rows)]
    if net.task == "regression":
        if raw.dtype.kind not in "iuf":
            raise DataError(f"{at[0]}: the target must hold numbers for this regression model")
        return X, raw.astype(np.float64)
    classes = net.classes if net.classes is not None else np.arange(max(2, net.n_outputs))
    return X, match_labels(raw, classes, at)


_BOOL_WORDS = {"true": True, "yes": True, "false": False, "no": False}


def match_labels(raw: np.ndarray, classes: np.ndarray, where: list[str]) -> np.ndarray:
    """``raw`` labels as the model's own class labels (the same values, the model's dtype).

    Integers are compared exactly; a true/false (yes/no) cell read as a bool matches a bool class
    or a class named true/false (yes/no), never the number 1/0."""
    kinds = raw.dtype.kind + classes.dtype.kind
    if "b" in kinds:
        key: Any = _bool_key
    elif set(kinds) <= set("iuf"):
        key = int if set(kinds) <= set("iu") else float
    else:
        key = str
    keys = {key(c): c for c in classes.tolist()}
    found = [keys.get(key(v)) for v in raw.tolist()]
    for i, value in enumerate(found):
        if value is None:
            label = raw.tolist()[i]
            read = " (a yes/no or true/false cell)" if isinstance(label, bool) else ""
            raise DataError(
                f"{where[i]}: the label {label!r}{read} is not one of the model's classes "
                f"({_show(classes)})"
            )
    return np.asarray(found, dtype=classes.dtype)


def _bool_key(value: Any) -> tuple[str, Any]:
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, str) and value.lower() in _BOOL_WORDS:
        return "bool", _BOOL_WORDS[value.lower()]
    return "other", value


# ---------------------------------------------------------------- metrics


def accuracy(labels: np.ndarray, predicted: np.ndarray) -> float:
    return float(np.mean(np.asarray(labels) == np.asarray(predicted)))


def _scaled(y: np.ndarray, yhat: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """y and ŷ divided by s = their largest magnitude (1 if 0), and s: squares of the scaled
    values cannot overflow, whatever the targets' units."""
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    s = float(max(np.abs(y).max(initial=0), np.abs(yhat).max(initial=0))) or 1.0
    return y / s, yhat / s, s


def mse(y: np.ndarray, yhat: np.ndarray) -> float:
    y, yhat, s = _scaled(y, yhat)
    with np.errstate(over="ignore"):  # past float64's range the honest value is inf
        return float(np.mean((y - yhat) ** 2) * s * s)


def r2(y: np.ndarray, yhat: np.ndarray) -> float:
    """1 − SS_res / SS_tot (scikit-learn's ``r2_score``; 0 for a constant target predicted)."""
    y, yhat, _ = _scaled(y, yhat)  # the ratio does not depend on the units
    total = float(np.sum((y - y.mean()) ** 2))
    residual = float(np.sum((y - yhat) ** 2))
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return 1 - residual / total


def scores(net: Network, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """accuracy and loss (the model's E: log-loss) or, for regression, R² and MSE."""
    if net.task == "regression":
        yhat = net.predict(X)
        return {"r2": r2(y, yhat), "mse": mse(y, yhat)}
    return {"accuracy": accuracy(y, net.predict(X)), "loss": net.error(X, y)}


def format_scores(values: dict[str, float]) -> str:
    shown = {"accuracy": "accuracy {:.4f}", "loss": "loss {:.4f}", "r2": "R² {:.4f}"}
    return ", ".join(shown.get(k, "MSE {:.6g}").format(v) for k, v in values.items())


def class_list(classes: Any) -> str:
    return ", ".join(str(c) for c in np.asarray(classes).tolist())
