"""``chainrule train``: train a multilayer perceptron on a CSV file or a bundled dataset.

The data are split once, 75/25, stratified by class, always with seed 0 (``--test-size``
changes the share), so runs differ only by their settings. Inputs are standardised (the scaler
is saved with the model). The output layer and the loss follow from the task:

* binary → one sigmoid output, binary cross-entropy;
* multi-class → one softmax output per class, cross-entropy;
* regression → one identity output, squared error. The target is standardised for training
  and the output layer's weights are then rescaled so the model predicts in the target's
  own units (so the saved training history is in standardised units).

Writes the model (default ``<data name>.chainrule`` in the current folder, e.g.
``breast_cancer.chainrule``), its loss curve ``<model>.loss.png`` and, with ``--plot`` on data
with two features, its decision boundary ``<model>.boundary.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from chainrule import MLP
from chainrule.cli.common import (
    HelpFormatter,
    UsageError,
    check_out,
    class_list,
    format_scores,
    load_labelled_csv,
    note,
    scores,
    target_option,
)
from chainrule.data.datasets import DATASETS, Dataset, load_dataset
from chainrule.data.scaling import TargetScaler
from chainrule.data.splits import train_test_split
from chainrule.errors import TrainingDivergedError
from chainrule.training import loop, plots

DEFAULT_DATASET = "breast_cancer"
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")
OUTPUTS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "identity"}

#: the defaults, chosen so that the bundled datasets reach docs/quality.md's accuracies
DEFAULTS = {
    "hidden": "64",
    "activation": "tanh",
    "epochs": 100,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": 3e-3,
    "weight_decay": 1e-4,
    "validation": 0.2,
    "patience": 20,
}


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "train",
        help="train a network on a CSV file or a bundled dataset and save it",
        description=(
            "Train a multilayer perceptron and save it. With no data, trains on the bundled "
            "breast-cancer set. Splits the data 75/25 (stratified, always seed 0), "
            "standardises the inputs, picks the output layer and loss from the task (binary: "
            "sigmoid + binary cross-entropy; classes: softmax + cross-entropy; numbers: "
            "identity + squared error), prints the progress and the final train and test "
            "scores, and writes the model and its loss curve (<model>.loss.png)."
        ),
        formatter_class=HelpFormatter,
    )
    add_data_options(p)
    add_network_options(p.add_argument_group("the network"))
    add_training_options(p.add_argument_group("training"))
    add_output_options(p.add_argument_group("output"))
    p.set_defaults(run=run)


def add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", nargs="?", help="a CSV file with a header row (default: --dataset)")
    p.add_argument(
        "--dataset",
        choices=DATASETS,
        metavar="NAME",
        help=f"a bundled or generated dataset: {', '.join(DATASETS)} (default {DEFAULT_DATASET} "
        "when no CSV file is given)",
    )
    p.add_argument(
        "--target",
        "-t",
        help="the CSV's target column: a name, or a 0-based position (-1: the last); "
        "default: the last column",
    )
    p.add_argument(
        "--task",
        choices=("classification", "regression", "binary", "multiclass"),
        help="override the task detected from the target column",
    )


def add_network_options(group: Any) -> None:
    group.add_argument(
        "--hidden",
        default=DEFAULTS["hidden"],
        help="hidden layer sizes, comma-separated "
        "(e.g. 16,8); 0 or '' for none (logistic/softmax regression)",
    )
    group.add_argument(
        "--activation",
        default=DEFAULTS["activation"],
        choices=ACTIVATIONS,
        help="the hidden layers' activation (sigmoid is the lecture's)",
    )


def add_training_options(group: Any) -> None:
    group.add_argument("--epochs", type=int, default=DEFAULTS["epochs"], help="at most")
    group.add_argument(
        "--batch-size", type=int, default=DEFAULTS["batch_size"], help="samples per step"
    )
    group.add_argument(
        "--optimizer", choices=OPTIMIZERS, default=DEFAULTS["optimizer"], help="the update rule"
    )
    group.add_argument("--lr", type=float, default=DEFAULTS["lr"], help="learning rate")
    group.add_argument(
        "--weight-decay",
        type=float,
        default=DEFAULTS["weight_decay"],
        help="L2 penalty on the weights (never the biases)",
    )
    group.add_argument(
        "--validation",
        type=float,
        default=DEFAULTS["validation"],
        help="share of the training part held out to watch for overfitting (0: none)",
    )
    group.add_argument(
        "--early-stopping",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="stop when the validation loss stops improving and keep the best epoch's weights",
    )
    group.add_argument(
        "--patience",
        type=int,
        default=DEFAULTS["patience"],
        help="epochs without improvement before stopping",
    )
    group.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seeds the weights, the validation split and the shuffling",
    )
    group.add_argument(
        "--test-size", type=float, default=0.25, help="share of the data kept for the final test"
    )


def add_output_options(group: Any) -> None:
    group.add_argument(
        "--out", help="the model file (default: <data name>.chainrule in the current folder)"
    )
    group.add_argument(
        "--plot",
        action="store_true",
        help="on data with 2 features, also write the decision boundary (<model>.boundary.png)",
    )
    group.add_argument("--no-loss-plot", action="store_true", help="skip <model>.loss.png")
    talk = group.add_mutually_exclusive_group()
    talk.add_argument("--quiet", "-q", action="store_true", help="print only the final scores")
    talk.add_argument("--verbose", "-v", action="store_true", help="one line per epoch")


def hidden_sizes(text: str) -> list[int]:
    parts = [part.strip() for part in text.replace(" ", ",").split(",") if part.strip()]
    try:
        sizes = [int(part) for part in parts]
    except ValueError:
        raise UsageError(
            f"--hidden {text!r}: give the hidden layer sizes as whole numbers separated by "
            "commas, e.g. --hidden 16,8"
        ) from None
    if sizes == [0]:
        return []
    if any(size < 1 for size in sizes):
        raise UsageError(f"--hidden {text!r}: every layer needs at least 1 unit")
    return sizes


def check_options(args: argparse.Namespace) -> None:
    if args.data is not None and args.dataset is not None:
        raise UsageError("give either a CSV file or --dataset, not both")
    if args.data is None and (args.target is not None or args.task is not None):
        raise UsageError("--target and --task are for a CSV file")
    if not 0 < args.test_size < 1:
        raise UsageError(f"--test-size {args.test_size}: give a share in (0, 1), e.g. 0.25")
    if not 0 <= args.validation < 1:
        raise UsageError(f"--validation {args.validation}: give a share in [0, 1), e.g. 0.2")
    if args.early_stopping and args.validation == 0:
        raise UsageError(
            "--early-stopping watches the validation loss: use --validation > 0, "
            "or --no-early-stopping"
        )
    for name in ("epochs", "batch_size", "patience"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if not (np.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr {args.lr}: the learning rate must be a number > 0")
    if not (np.isfinite(args.weight_decay) and args.weight_decay >= 0):
        raise UsageError(f"--weight-decay {args.weight_decay}: must be a number ≥ 0")


def load_data(args: argparse.Namespace) -> tuple[Dataset, str]:
    """The dataset and its short name (for the default model file name)."""
    if args.data is not None:
        ds = load_labelled_csv(args.data, target_option(args.target), args.task)
        return ds, Path(args.data).stem
    name = args.dataset or DEFAULT_DATASET
    return load_dataset(name), name


def run(args: argparse.Namespace) -> int:
    check_options(args)
    check_out(args.out, args.data)  # before reading any data
    hidden = hidden_sizes(args.hidden)
    ds, name = load_data(args)
    out = model_path(args, name)
    X_train, X_test, y_train, y_test = train_test_split(
        ds.X, ds.y, test_size=args.test_size, seed=0
    )
    net = build_network(ds, hidden, args)
    target_scaler = None
    if ds.task == "regression":  # trained on (y − μ)/σ, then folded back into the output layer
        target_scaler = TargetScaler().fit(y_train)
        y_fit = target_scaler.transform(y_train)
    else:
        y_train, y_test = ds.classes[y_train], ds.classes[y_test]
        y_fit = y_train
    if not args.quiet:
        kind = (
            "regression" if target_scaler is not None else f"{ds.task}: {class_list(net.classes)}"
        )
        print(
            f"{name}: {len(X_train)} training and {len(X_test)} test samples, "
            f"{ds.X.shape[1]} features, {kind}"
        )
        print(net)
    try:
        history = train(net, X_train, y_fit, args)
    except TrainingDivergedError as err:
        note(f"chainrule train: error: {err}")
        return 1
    if target_scaler is not None:
        target_scaler.fold_into(net.weights[-1])
    print(f"train: {format_scores(scores(net, X_train, y_train))}")
    print(f"test:  {format_scores(scores(net, X_test, y_test))}")
    return save_outputs(net, history, out, ds, args)


def model_path(args: argparse.Namespace, name: str) -> Path:
    """``--out``, or ``<data name>.chainrule`` in the current folder; its folder must exist."""
    out = Path(args.out) if args.out else Path(f"{name}.chainrule")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise UsageError(f"--out {out}: the folder {out.parent} does not exist")
    if not args.out:  # the default name, known only now (a given --out was checked above)
        check_out(out, args.data)
    return out


def build_network(ds: Dataset, hidden: list[int], args: argparse.Namespace) -> MLP:
    """The untrained MLP for the task, with the data's feature, target and class names."""
    n_out = 1 if ds.task != "multiclass" else ds.n_classes
    net = MLP(
        [ds.X.shape[1], *hidden, n_out],
        hidden=args.activation,
        output=OUTPUTS[ds.task],
        seed=args.seed,
    )
    net.feature_names, net.target_name = list(ds.feature_names), ds.target_name
    if ds.task != "regression":
        net.classes = np.sort(ds.classes)  # the network's classes are sorted labels
    return net


def train(net: MLP, X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> Any:
    """``chainrule.fit`` with the command line's options; returns the history."""
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
        standardize=True,
        seed=args.seed,
        verbose=0 if args.quiet else 2 if args.verbose else 1,
    )


def save_outputs(net: MLP, history: Any, out: Path, ds: Dataset, args: argparse.Namespace) -> int:
    """Save the model and its plots, say what was written; the exit status (130 if interrupted)."""
    net.save(out)
    written = [str(out)]
    if not args.no_loss_plot or args.plot:
        written += write_plots(net, history, out, ds, args)
    print(f"wrote {', '.join(written)}")
    if history.interrupted:
        note("chainrule train: interrupted (Ctrl-C); saved the model as trained so far")
        return 130
    return 0


def write_plots(
    net: MLP, history: Any, out: Path, ds: Dataset, args: argparse.Namespace
) -> list[str]:
    """The loss curve and, with ``--plot``, the decision boundary; a note if they cannot be."""
    written = []
    try:
        if not args.no_loss_plot:
            written.append(str(plots.loss_curve(history, f"{out}.loss.png", title=out.stem)))
        if args.plot:
            if ds.X.shape[1] != 2:
                note(
                    f"--plot: the decision boundary needs data with 2 features; {out.stem} has "
                    f"{ds.X.shape[1]}"
                )
            elif ds.task == "regression":
                note("--plot: a decision boundary is for classification")
            else:
                labels = ds.classes[ds.y]
                path = plots.decision_boundary(net, ds.X, labels, f"{out}.boundary.png", out.stem)
                written.append(str(path))
    except ImportError as err:  # the model is saved; the pictures are a bonus
        note(f"no plots: {err}")
    return written
