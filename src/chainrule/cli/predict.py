"""``chainrule predict``: a saved model's predictions for the rows of a CSV file.

The file needs a header row naming the model's features (any order; the target column and
other columns are ignored). Writes CSV: one column of predictions (the original labels, or the
predicted values for regression) named after the model's target, and with ``--proba`` one column
``P(<label>)`` per class. To stdout, or to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

import numpy as np

from chainrule.cli.common import UsageError, check_out, load_model, read_features, target_option
from chainrule.io.atomic import atomic_write_text


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "predict",
        help="predict the rows of a CSV file with a saved model",
        description=(
            "Predict with a saved model. The CSV file needs a header row naming the model's "
            "features; its target column, if present, is ignored. Prints CSV (or writes --out): "
            "the predicted label or value of each row, in order, and with --proba each class's "
            "probability."
        ),
    )
    p.add_argument("model", help="a model file written by 'chainrule train'")
    p.add_argument("data", help="a CSV file with the model's feature columns")
    p.add_argument("--proba", action="store_true", help="add one probability column per class")
    p.add_argument("--out", "-o", help="write the CSV here instead of printing it")
    p.add_argument(
        "--target",
        help="the name or 0-based position of a column to leave out (default: the "
        "model's target column, when the file has it)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_out(args.out, args.model, args.data)
    net = load_model(args.model)
    if args.proba and net.task == "regression":
        raise UsageError("--proba: this model does regression; it has no class probabilities")
    X = read_features(args.data, net, target_option(args.target))
    rows = table(net, X, args.proba)
    if args.out:
        text = io.StringIO(newline="")
        csv.writer(text).writerows(rows)
        atomic_write_text(args.out, text.getvalue(), "the predictions")
        print(f"wrote {len(rows) - 1} predictions to {args.out}", file=sys.stderr)
    else:
        csv.writer(sys.stdout, lineterminator="\n").writerows(rows)
    return 0


def table(net: Any, X: np.ndarray, proba: bool) -> list[list[Any]]:
    """The header and one row per sample: the prediction, then P(class) for each class."""
    name = net.target_name or "prediction"
    predicted = np.asarray(net.predict(X))
    header: list[Any] = [name]
    columns = [[_cell(v) for v in predicted.reshape(len(X), -1)[:, 0].tolist()]]
    if net.task == "regression" and predicted.ndim == 2:  # several outputs
        header = [f"{name}_{k + 1}" for k in range(predicted.shape[1])]
        columns = [[_cell(v) for v in col] for col in predicted.T.tolist()]
    if proba:
        P = np.asarray(net.predict_proba(X))
        if net.task == "binary":
            P = np.c_[1 - P[:, 0], P[:, 0]]
        classes = net.classes if net.classes is not None else np.arange(P.shape[1])
        header += [f"P({c})" for c in np.asarray(classes).tolist()]
        columns += [[f"{p:.6g}" for p in col] for col in P.T.tolist()]
    return [header, *map(list, zip(*columns, strict=True))]


def _cell(value: Any) -> Any:
    return f"{value:.10g}" if isinstance(value, float) else value
