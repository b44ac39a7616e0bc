"""``chainrule train`` at scale: a streamed table, MPI ranks, checkpoints (docs/scaling.md).

A file (or a folder of ``.parquet``/``.csv`` files) larger than ``--memory-limit`` — or any with
``--stream`` — is read in chunks by a :class:`~chainrule.data.Stream`: a first pass computes the
preprocessing (every feature goes through a :class:`~chainrule.data.Preprocessor`, saved with
the model), the task and the classes; each epoch then reads the shuffled row groups through a
bounded shuffle buffer. A streamed run trains on every row: there is no test split (``--test
FILE`` is scored by a pass over that file) and no validation part, so no early stopping; the
train score printed is the last epoch's, measured during training.

``--distributed`` (under ``mpiexec -n N``) makes every rank train its slice of each batch; only
rank 0 prints and writes files. ``--checkpoint-every N`` writes ``<model>.ckpt`` every N steps;
``--resume`` continues from it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from chainrule import MLP
from chainrule.cli.common import format_scores, note
from chainrule.cli.train_options import names_option
from chainrule.data.preprocess import Preprocessor
from chainrule.data.stream import Stream
from chainrule.errors import TrainingDivergedError, UsageError
from chainrule.training import loop, plots
from chainrule.training.checkpoint import load_checkpoint
from chainrule.training.distributed import Distributed
from chainrule.training.stream_sources import score_sums, score_value, score_width

__all__ = ["run", "scale_settings", "start_distributed", "wants_stream"]

OUTPUTS = {"binary": "sigmoid", "multiclass": "softmax", "regression": "identity"}


def start_distributed(args: argparse.Namespace) -> Distributed | None:
    """``--distributed``: this process's rank; ranks other than 0 print nothing to stdout."""
    if not args.distributed:
        return None
    dist = Distributed(timeout=args.collective_timeout)
    if not dist.is_root:
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (for the life of the process)
    return dist


def scale_settings(args: argparse.Namespace) -> dict[str, Any]:
    """fit's distributed, checkpoint, checkpoint_every and resume from the options (none of them
    for a namespace made without them, as benchmarks/bench_quality.py makes one)."""
    return {
        "distributed": getattr(args, "dist", None),
        "checkpoint": getattr(args, "checkpoint_path", None),
        "checkpoint_every": getattr(args, "checkpoint_every", None),
        "resume": getattr(args, "resume", False),
    }


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size if path.exists() else 0


def wants_stream(args: argparse.Namespace) -> bool:
    """``--stream``/``--no-stream``, else: a folder, or a file larger than ``--memory-limit``."""
    if args.stream is not None:
        return bool(args.stream)
    path = Path(args.data)
    return path.is_dir() or _size(path) > args.memory_limit * 2**20


def _stream(args: argparse.Namespace, path: str, **given: Any) -> Stream:
    unknown = "error" if args.strict else "warn"
    target = args.target
    if target is not None and target.strip().lstrip("-").isdigit():
        target = int(target)
    return Stream(
        path, target=target, features=names_option(args.features),
        ignore=names_option(args.ignore) or (), task=args.task, batch_size=args.batch_size,
        seed=args.seed, memory_limit=int(args.memory_limit * 2**20), impute=args.impute,
        indicators=args.missing_indicators, unknown=unknown,
        na_values=names_option(args.na_values), max_classes=args.max_classes, **given,
    )  # fmt: skip


def _resumed(args: argparse.Namespace) -> dict[str, Any]:
    """The preprocessing and classes of the checkpoint to resume from (no first pass then)."""
    path = args.checkpoint_path
    if not (args.resume and path and Path(path).exists()):
        return {}
    meta, _ = load_checkpoint(path)
    if meta.get("preprocessing") is None:
        return {}
    classes = meta.get("classes")
    return {
        "preprocessor": Preprocessor.from_dict(meta["preprocessing"]),
        "classes": None if classes is None else np.asarray(classes),
    }


def run(args: argparse.Namespace, hidden: list[int], out: Path) -> int:
    """Train on a streamed table; rank 0 prints the scores and writes the model."""
    if args.dropna:
        raise UsageError("--dropna is not available when streaming: the rows are read in chunks")
    stream = _stream(args, args.data, **_resumed(args))
    task = stream.fit().task
    n_out = len(stream.classes) if task == "multiclass" else 1
    net = MLP(
        [stream.n_features, *hidden, n_out], hidden=args.activation, output=OUTPUTS[task],
        seed=args.seed,
    )  # fmt: skip
    net.feature_names, net.target_name = stream.feature_names, stream.target_name
    if not args.quiet:
        rows = "the rows" if not stream.n_rows else f"{stream.n_rows} rows"
        print(
            f"{Path(args.data).name}: streaming {rows} in chunks of {stream.chunk_rows} rows, "
            f"shuffle buffer {stream.buffer_rows} rows, {stream.n_features} inputs, {task}"
        )
        for line in stream.preprocessor.describe():
            print(f"  {line}")
    try:
        history = loop.fit(
            net, stream, epochs=args.epochs, optimizer=args.optimizer, lr=args.lr,
            weight_decay=args.weight_decay, seed=args.seed,
            verbose=0 if args.quiet else 2 if args.verbose else 1, **scale_settings(args),
        )  # fmt: skip
    except TrainingDivergedError as err:
        note(f"chainrule train: error: {err}")
        return 1
    if args.dist is not None and not args.dist.is_root:
        return 0
    metric = "r2" if task == "regression" else "accuracy"
    print(f"train: {format_scores({metric: history.metrics[metric][-1]})} (last epoch)")
    if args.test is not None:
        test = _stream(args, args.test, preprocessor=net.preprocessor, classes=stream.classes)
        print(f"test ({args.test}): {format_scores(_score(net, test, metric))}")
    return _save(net, history, out, args)


def _score(net: MLP, stream: Stream, metric: str) -> dict[str, float]:
    """Accuracy or R² of ``net`` over a stream, chunk by chunk (the sums training keeps)."""
    kind = "regression" if metric == "r2" else "multiclass"
    sums = np.zeros(score_width(kind, net.n_outputs))
    for table in stream.chunks():
        X, y = stream.arrays(table)
        if metric == "accuracy":
            sums += [(net.predict(X) == stream.classes[y]).sum(), len(y)]
        else:
            sums += score_sums(kind, np.asarray(net.predict(X), np.float64).reshape(len(y), -1), y)
    return {metric: score_value(kind, sums)}


def _save(net: MLP, history: Any, out: Path, args: argparse.Namespace) -> int:
    net.save(out)
    written = [str(out)]
    if not args.no_loss_plot:
        try:
            written.append(str(plots.loss_curve(history, f"{out}.loss.png", title=out.stem)))
        except ImportError as err:
            note(f"no plots: {err}")
    print(f"wrote {', '.join(written)}")
    if history.interrupted:
        note("chainrule train: interrupted (Ctrl-C); saved the model as trained so far")
        return 130
    return 0
