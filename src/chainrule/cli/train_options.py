"""``chainrule train``'s options: the data and its columns, the network, training, the output.

Each group is added by one function; :func:`check_options` refuses a bad combination before any
data is read, with a message in the command line's own words (flags, never keyword arguments).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from chainrule.cli.common import UsageError
from chainrule.data.datasets import DATASETS
from chainrule.data.limits import MAX_CLASSES

DEFAULT_DATASET = "breast_cancer"
DEFAULT_TEST_SIZE = 0.25
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop")

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


def add_data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "data", nargs="?", help="a table with a header row: CSV, TSV, Parquet or Arrow "
        "(default: --dataset)"
    )  # fmt: skip
    p.add_argument(
        "--dataset",
        choices=DATASETS,
        metavar="NAME",
        help=f"a bundled or generated dataset: {', '.join(DATASETS)} (default {DEFAULT_DATASET} "
        "when no file is given)",
    )
    p.add_argument(
        "--target",
        "-t",
        help="the target column: a name, or a 0-based position (-1: the last); "
        "default: the last column",
    )
    p.add_argument(
        "--task",
        choices=("classification", "regression", "binary", "multiclass"),
        help="override the task detected from the target column (regression never stratifies "
        "the split)",
    )
    p.add_argument(
        "--max-classes",
        type=int,
        default=MAX_CLASSES,
        metavar="N",
        help="refuse a target with more distinct labels than this as classes (a numeric target "
        "with that many values is likely a regression: --task regression)",
    )


def add_column_options(group: Any) -> None:
    group.add_argument(
        "--features", help="the feature columns to use, comma-separated (default: all others)"
    )
    group.add_argument(
        "--ignore", help="columns to leave out, comma-separated (e.g. Name,Ticket)"
    )  # fmt: skip
    group.add_argument(
        "--na-values",
        help="cells that mean 'missing', comma-separated (default: empty, NA, NaN, null, ?, ...)",
    )
    group.add_argument(
        "--dropna",
        action="store_true",
        help="drop rows with a missing feature instead of filling them in",
    )
    group.add_argument(
        "--impute",
        choices=("mean", "median"),
        default="mean",
        help="how a missing number is filled in (a missing category: all zeros)",
    )
    group.add_argument(
        "--missing-indicators",
        action="store_true",
        help="add a 0/1 input '<column> missing' for each column with missing values",
    )
    group.add_argument(
        "--strict",
        action="store_true",
        help="at predict time, a category not seen in training is an error (default: a warning "
        "and all zeros for that column)",
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
        "--test-size",
        type=float,
        help=f"share of the data kept for the final test (default {DEFAULT_TEST_SIZE}); 0 trains "
        "on every row",
    )
    group.add_argument(
        "--test", metavar="FILE", help="score on this file instead of splitting the data"
    )


def add_scale_options(group: Any) -> None:
    """Streaming, MPI data-parallel training and checkpoints (docs/scaling.md)."""
    group.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="read the table in chunks instead of into memory (default: when the file, or the "
        "folder's files, are larger than --memory-limit); a folder of .parquet/.csv files streams",
    )
    group.add_argument(
        "--memory-limit",
        type=float,
        default=256,
        metavar="MB",
        help="megabytes of data a streamed run holds at most (its chunk and shuffle buffer)",
    )
    group.add_argument(
        "--distributed",
        action="store_true",
        help="data-parallel over MPI ranks: run as mpiexec -n N chainrule train ... --distributed",
    )
    group.add_argument(
        "--collective-timeout",
        type=float,
        default=300,
        metavar="S",
        help="with --distributed: seconds to wait for the other ranks before aborting the job",
    )
    group.add_argument(
        "--checkpoint-every",
        type=int,
        metavar="N",
        help="write a checkpoint every N optimizer steps (atomically; see --checkpoint)",
    )
    group.add_argument(
        "--checkpoint", metavar="FILE", help="the checkpoint file (default: <model>.ckpt)"
    )
    group.add_argument(
        "--resume",
        action="store_true",
        help="continue from the checkpoint if it exists (same data, settings and ranks)",
    )


def add_output_options(group: Any) -> None:
    group.add_argument(
        "--out",
        help="the model file (default: <data name>.chainrule in the current folder, or "
        "<data name>-2.chainrule, ... if that exists)",
    )
    group.add_argument(
        "--force", action="store_true", help="overwrite --out (or <data name>.chainrule)"
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


#: options that only mean something for a file
FILE_OPTIONS = ("target", "task", "features", "ignore", "na_values", "test")


def check_options(args: argparse.Namespace) -> None:
    if args.data is not None and args.dataset is not None:
        raise UsageError("give either a CSV file or --dataset, not both")
    given = [name for name in FILE_OPTIONS if getattr(args, name) is not None]
    if args.data is None and given:
        flags = " and ".join(f"--{name.replace('_', '-')}" for name in given)
        verb = "is" if len(given) == 1 else "are"
        raise UsageError(f"{flags} {verb} for a CSV file (or another table file), not --dataset")
    if args.test is not None and args.test_size is not None:
        raise UsageError("give --test FILE or --test-size, not both")
    if args.test_size is None:
        args.test_size = 0.0 if args.test is not None else DEFAULT_TEST_SIZE
    if not 0 <= args.test_size < 1:
        raise UsageError(
            f"--test-size {args.test_size}: give a share in [0, 1), e.g. 0.25 (0: no test part)"
        )
    if not 0 <= args.validation < 1:
        raise UsageError(f"--validation {args.validation}: give a share in [0, 1), e.g. 0.2")
    if args.early_stopping and args.validation == 0:
        raise UsageError(
            "--early-stopping watches the validation loss: use --validation > 0, "
            "or --no-early-stopping"
        )
    for name in ("epochs", "batch_size", "patience", "max_classes"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if not (np.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr {args.lr}: the learning rate must be a number > 0")
    if not (np.isfinite(args.weight_decay) and args.weight_decay >= 0):
        raise UsageError(f"--weight-decay {args.weight_decay}: must be a number ≥ 0")
    check_scale_options(args)


def check_scale_options(args: argparse.Namespace) -> None:
    """--stream, --memory-limit, --checkpoint-every, --collective-timeout, --resume."""
    if not (np.isfinite(args.memory_limit) and args.memory_limit >= 1):
        raise UsageError(f"--memory-limit {args.memory_limit}: give megabytes, at least 1")
    if args.checkpoint_every is not None and args.checkpoint_every < 1:
        raise UsageError("--checkpoint-every must be at least 1 (optimizer steps)")
    if not (np.isfinite(args.collective_timeout) and args.collective_timeout > 0):
        raise UsageError(f"--collective-timeout {args.collective_timeout}: give seconds > 0")
    if args.stream and args.data is None:
        raise UsageError("--stream reads a file or a folder; give one instead of --dataset")
    if args.resume and args.checkpoint_every is None and args.checkpoint is None:
        raise UsageError("--resume continues from a checkpoint: give --checkpoint-every N")


def names_option(text: str | None) -> list[str] | None:
    """``--features a,b,c`` / ``--ignore Name,Ticket``: the names, blanks dropped."""
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]
