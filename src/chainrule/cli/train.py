"""``chainrule train``: train a multilayer perceptron on a table file or a bundled dataset.

The data are split once, 75/25, stratified by class (never for regression), always with seed 0
(``--test-size`` changes the share, 0 trains on every row; ``--test FILE`` scores on another
file instead), so runs differ only by their settings. Inputs are standardised; a file's text,
yes/no and incomplete columns are encoded and filled in by a
:class:`~chainrule.data.Preprocessor` (see :mod:`chainrule.cli.train_data`). What standardises
and encodes is saved with the model. The output layer and the loss follow from the task:

* binary → one sigmoid output, binary cross-entropy;
* multi-class → one softmax output per class, cross-entropy;
* regression → one identity output, squared error. The target is standardised for training
  and the output layer's weights are then rescaled so the model predicts in the target's
  own units (so the saved training history is in standardised units).

Writes the model (default ``<data name>.chainrule`` in the current folder, e.g.
``breast_cancer.chainrule``; ``<data name>-2.chainrule``, … rather than overwrite one; an existing
``--out`` only with ``--force``), its loss curve ``<model>.loss.png`` and, with ``--plot`` on data
with two features, its decision boundary ``<model>.boundary.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from chainrule import MLP
from chainrule.cli import train_stream
from chainrule.cli.common import (
    HelpFormatter,
    UsageError,
    check_out,
    check_outs,
    class_list,
    format_scores,
    note,
    scores,
)
from chainrule.cli.train_data import TrainingData, load_training_data
from chainrule.cli.train_options import (
    DEFAULT_DATASET,
    add_column_options,
    add_data_options,
    add_network_options,
    add_output_options,
    add_scale_options,
    add_training_options,
    check_options,
    hidden_sizes,
)
from chainrule.cli.train_stream import scale_settings, start_distributed, wants_stream
from chainrule.data.scaling import TargetScaler
from chainrule.errors import TrainingDivergedError, ValidationSplitError
from chainrule.training import loop, plots

OUTPUTS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "identity"}


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "train",
        help="train a network on a table file (CSV, Parquet) or a bundled dataset and save it",
        description=(
            "Train a multilayer perceptron and save it. With no data, trains on the bundled "
            "breast-cancer set. Splits the data 75/25 (stratified by class, always seed 0), "
            "fills in missing values, encodes text columns, standardises the inputs (and says "
            "which columns it used, encoded, filled in and dropped), picks the output layer "
            "and loss from the task (binary: sigmoid + binary cross-entropy; classes: softmax "
            "+ cross-entropy; numbers: identity + squared error), prints the progress and the "
            "final train and test scores, and writes the model and its loss curve "
            "(<model>.loss.png)."
        ),
        formatter_class=HelpFormatter,
    )
    add_data_options(p)
    add_column_options(p.add_argument_group("the columns of a file"))
    add_network_options(p.add_argument_group("the network"))
    add_training_options(p.add_argument_group("training"))
    add_scale_options(p.add_argument_group("scale: streaming, MPI, checkpoints"))
    add_output_options(p.add_argument_group("output"))
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_options(args)
    check_out(args.out, args.data, args.test)  # before reading any data
    hidden = hidden_sizes(args.hidden)
    out = model_path(args)
    loss, boundary = plot_paths(out)  # the derived plots are outputs too
    plotted = [None if args.no_loss_plot else loss, boundary if args.plot else None]
    check_outs(plotted, args.data, args.test)
    args.dist = start_distributed(args)
    args.checkpoint_path = args.checkpoint or (f"{out}.ckpt" if args.checkpoint_every else None)
    if args.data is not None and wants_stream(args):
        return train_stream.run(args, hidden, out)
    data = load_training_data(args)
    net = build_network(data, hidden, args)
    target_scaler = None
    y_fit = data.y_train
    if data.task == "regression":  # trained on (y − μ)/σ, then folded back into the output layer
        target_scaler = TargetScaler().fit(data.y_train)
        y_fit = target_scaler.transform(data.y_train)
    if not args.quiet:
        describe(data, net)
    try:
        history = train(net, data.X_train, y_fit, args)
    except TrainingDivergedError as err:
        note(f"chainrule train: error: {err}")
        return 1
    if target_scaler is not None:
        target_scaler.fold_into(net.weights[-1])
    if args.dist is not None and not args.dist.is_root:
        return 0  # rank 0 scores, prints and writes
    print(f"train: {format_scores(scores(net, data.X_train, data.y_train))}")
    if len(data.X_test):
        label = "test: " if args.test is None else f"test ({args.test}):"
        print(f"{label} {format_scores(scores(net, data.X_test, data.y_test))}")
    else:
        print("test:  none (--test-size 0: every row was used for training)")
    return save_outputs(net, history, out, data, args)


def describe(data: TrainingData, net: MLP) -> None:
    """What is trained on what: the samples, the columns, the task and the network."""
    kind = "regression" if data.classes is None else f"{data.task}: {class_list(data.classes)}"
    print(
        f"{data.name}: {len(data.X_train)} training and {len(data.X_test)} test samples, "
        f"{data.n_features} features, {kind}"
    )
    for line in data.report:
        print(f"  {line}")
    print(net)


def model_path(args: argparse.Namespace) -> Path:
    """``--out``, or ``<data name>.chainrule`` in the current folder (``<data name>-2.chainrule``,
    … if taken, unless ``--force``). Its folder must exist; an existing ``--out`` needs
    ``--force``."""
    if args.out:
        out = Path(args.out)
        if not (out.parent if str(out.parent) else Path(".")).is_dir():
            raise UsageError(f"--out {out}: the folder {out.parent} does not exist")
        if out.exists() and not args.force:
            raise UsageError(
                f"--out {out}: the file exists; pass --force to overwrite it, or another --out"
            )
        return out
    name = Path(args.data).stem if args.data is not None else args.dataset or DEFAULT_DATASET
    out, k = Path(f"{name}.chainrule"), 2
    while out.exists() and not args.force:
        out, k = Path(f"{name}-{k}.chainrule"), k + 1
    check_out(out, args.data, args.test)
    return out


def plot_paths(out: Path) -> tuple[str, str]:
    """The plot files written beside the model: the loss curve and the decision boundary."""
    return f"{out}.loss.png", f"{out}.boundary.png"


def build_network(data: TrainingData, hidden: list[int], args: argparse.Namespace) -> MLP:
    """The untrained MLP for the task, with the data's feature, target and class names (and
    its preprocessor, whose output columns are the network's inputs)."""
    n_out = len(data.classes) if data.task == "multiclass" and data.classes is not None else 1
    net = MLP(
        [data.n_features, *hidden, n_out],
        hidden=args.activation,
        output=OUTPUTS[data.task],
        seed=args.seed,
    )
    net.feature_names, net.target_name = list(data.feature_names), data.target_name
    net.preprocessor = data.preprocessor
    if data.classes is not None:
        net.classes = np.sort(data.classes)  # the network's classes are sorted labels
    return net


def train(net: MLP, X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> Any:
    """``chainrule.fit`` with the command line's options; returns the history."""
    try:
        return fit(net, X, y, args)
    except ValidationSplitError as err:  # in the command line's words
        raise UsageError(
            f"--validation {err.validation} {err.detail}; use a larger training part, or "
            "--validation 0 --no-early-stopping"
        ) from None


def fit(net: MLP, X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> Any:
    return loop.fit(  # looked up per call, so a test may stand in for it
        net,
        X,
        y,
        epochs=args.epochs,
        batch_size=args.batch_size,
        optimizer=args.optimizer,
        lr=args.lr,
        weight_decay=args.weight_decay,
        validation=args.validation or None,
        early_stopping=args.early_stopping,
        patience=args.patience,
        standardize=net.preprocessor is None,  # a preprocessor standardises
        seed=args.seed,
        verbose=0 if args.quiet else 2 if args.verbose else 1,
        **scale_settings(args),
    )


def save_outputs(
    net: MLP, history: Any, out: Path, data: TrainingData, args: argparse.Namespace
) -> int:
    """Save the model and its plots, say what was written; the exit status (130 if interrupted)."""
    net.save(out)
    written = [str(out)]
    if not args.no_loss_plot or args.plot:
        written += write_plots(net, history, out, data, args)
    print(f"wrote {', '.join(written)}")
    if history.interrupted:
        note("chainrule train: interrupted (Ctrl-C); saved the model as trained so far")
        return 130
    return 0


def write_plots(
    net: MLP, history: Any, out: Path, data: TrainingData, args: argparse.Namespace
) -> list[str]:
    """The loss curve and, with ``--plot``, the decision boundary; a note if they cannot be."""
    written = []
    try:
        if not args.no_loss_plot:
            loss = plot_paths(out)[0]
            written.append(str(plots.loss_curve(history, loss, title=out.stem)))
        if args.plot:
            if data.n_features != 2:
                note(
                    f"--plot: the decision boundary needs data with 2 features; {out.stem} has "
                    f"{data.n_features}"
                )
            elif data.task == "regression":
                note("--plot: a decision boundary is for classification")
            else:
                X, labels = np.r_[data.X_train, data.X_test], np.r_[data.y_train, data.y_test]
                boundary = plot_paths(out)[1]
                path = plots.decision_boundary(net, X, labels, boundary, out.stem)
                written.append(str(path))
    except ImportError as err:  # the model is saved; the pictures are a bonus
        note(f"no plots: {err}")
    return written
