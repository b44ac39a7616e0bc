"""``chainrule evaluate``: a saved model's scores on a labelled CSV file.

Classification: accuracy, log-loss (the model's cross-entropy E) and the confusion matrix (rows:
the true class, columns: the predicted one), as a rich table when rich is installed; with more
than :data:`MATRIX_CLASSES` classes, the :data:`TOP_CONFUSIONS` most frequent confusions instead
(true → predicted, count), counted without a classes × classes matrix. Regression: R² and the
mean squared error.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from chainrule.cli.common import accuracy, load_model, mse, r2, read_labelled

#: the most classes whose confusion matrix is printed; beyond, the top confusions
MATRIX_CLASSES = 20
TOP_CONFUSIONS = 10


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "evaluate",
        help="score a saved model on a labelled CSV file",
        description=(
            "Score a saved model on a CSV file that has the model's feature columns and a target "
            "column (by default the model's target name; else --target). Prints accuracy, "
            "log-loss and the confusion matrix, or R² and MSE for regression."
        ),
    )
    p.add_argument("model", help="a model file written by 'chainrule train'")
    p.add_argument("data", help="a CSV file with the features and the true targets")
    p.add_argument("--target", help="the target column: a name or a 0-based position")
    p.add_argument("--plain", action="store_true", help="plain text, no rich table")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    net = load_model(args.model)
    X, y = read_labelled(args.data, net, args.target)
    print(f"{args.data}: {len(X)} samples")
    if net.task == "regression":
        yhat = net.predict(X)
        print(f"R²   {r2(y, yhat):.4f}")
        print(f"MSE  {mse(y, yhat):.6g}")
        return 0
    predicted = net.predict(X)
    print(f"accuracy  {accuracy(y, predicted):.4f}")
    print(f"log-loss  {net.error(X, y):.4f}")
    classes = net.classes if net.classes is not None else np.unique(np.r_[y, predicted])
    if len(classes) > MATRIX_CLASSES:
        print_top_confusions(top_confusions(y, predicted, classes), len(classes))
    else:
        print_confusion(confusion_matrix(y, predicted, classes), classes, args.plain)
    return 0


def confusion_matrix(y: Any, predicted: Any, classes: Any) -> np.ndarray:
    """C[i, j] = the number of samples of class i predicted as class j."""
    index = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
    k = len(index)
    C = np.zeros((k, k), dtype=np.int64)
    for true, guess in zip(np.asarray(y).tolist(), np.asarray(predicted).tolist(), strict=True):
        C[index[true], index[guess]] += 1
    return C


def top_confusions(
    y: Any, predicted: Any, classes: Any, top: int = TOP_CONFUSIONS
) -> list[tuple[Any, Any, int]]:
    """The ``top`` most frequent (true, predicted, count) with true ≠ predicted, most first
    (ties: in the classes' order), from the distinct pairs: memory grows with the samples, not
    with the number of classes squared."""
    labels = np.asarray(classes).tolist()
    index = {c: i for i, c in enumerate(labels)}
    true = np.fromiter((index[v] for v in np.asarray(y).tolist()), np.int64, len(y))
    guess = np.fromiter((index[v] for v in np.asarray(predicted).tolist()), np.int64, len(y))
    wrong = true != guess
    pairs, counts = np.unique(np.c_[true[wrong], guess[wrong]], axis=0, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:top]
    return [(labels[pairs[k, 0]], labels[pairs[k, 1]], int(counts[k])) for k in order]


def print_top_confusions(confusions: list[tuple[Any, Any, int]], n_classes: int) -> None:
    print(
        f"{n_classes} classes: too many for a confusion matrix; the {TOP_CONFUSIONS} most "
        "frequent confusions (true → predicted: count)"
    )
    if not confusions:
        print("  none: every sample was predicted as its true class")
    for true, guess, count in confusions:
        print(f"  {true} → {guess}: {count}")


def print_confusion(C: np.ndarray, classes: Any, plain: bool = False) -> None:
    labels = [str(c) for c in np.asarray(classes).tolist()]
    title = "confusion matrix (rows: true class, columns: predicted)"
    if not plain:
        try:
            from rich.console import Console
            from rich.markup import escape
            from rich.table import Table
        except ImportError:
            plain = True
    if plain:
        width = max(len(s) for s in [*labels, *map(str, C.ravel()), "true \\ predicted"])
        print(title)
        print("  ".join(s.rjust(width) for s in ["true \\ predicted", *labels]))
        for label, row in zip(labels, C, strict=True):
            print("  ".join(s.rjust(width) for s in [label, *map(str, row)]))
        return
    table = Table(title=title)
    table.add_column("true \\ predicted", style="bold")
    for label in labels:
        table.add_column(escape(label), justify="right")  # a label is text, not rich markup
    for i, (label, row) in enumerate(zip(labels, C, strict=True)):
        cells = [f"[bold]{n}[/bold]" if j == i else str(n) for j, n in enumerate(row)]
        table.add_row(escape(label), *cells)
    Console().print(table)
