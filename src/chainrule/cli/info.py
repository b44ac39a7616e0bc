"""``chainrule info``: what a model file holds, without running it; and which backend trains.

The architecture (``print(net)``), the task, the classes, the features, the input scaler, a
summary of the training history, and the file's format and library versions. Without a model,
the library itself: its version, NumPy's, the backend that runs training steps (the compiled
numba step or the NumPy replay, and why) and the BLAS that NumPy calls.
"""

from __future__ import annotations

import argparse
import importlib.metadata
from typing import Any

import numpy as np

import chainrule as cr
from chainrule.cli.common import class_list, load_model


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "info",
        help="describe a saved model (or, without one, chainrule's backend)",
        description=(
            "Describe a saved model: architecture, task, classes, features, input scaler, "
            "training history and file format version. Without a model: the versions, the "
            "backend that runs training steps (numba or numpy, and why) and the BLAS."
        ),
    )
    p.add_argument("model", nargs="?", help="a model file written by 'chainrule train' or net.save")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.model is None:
        for line in describe_library():
            print(line)
        return 0
    net = load_model(args.model)
    meta = net.metadata or {}
    print(
        f"{args.model}: chainrule model file, format version {meta.get('format_version')}, "
        f"written by chainrule {meta.get('library_version')} at {meta.get('created')}"
    )
    print(net)
    print(f"task:     {net.task} (loss: {net.loss}, output: {net.activations[-1]})")
    if net.classes is not None:
        print(f"classes:  {len(net.classes)}: {class_list(net.classes)}")
    print(f"target:   {net.target_name if net.target_name is not None else '(not named)'}")
    names = net.feature_names
    shown = "(not named)" if names is None else ", ".join(names[:12])
    more = f", … ({len(names)} in all)" if names is not None and len(names) > 12 else ""
    print(f"features: {net.n_features}: {shown}{more}")
    if net.preprocessor is not None:
        columns = net.preprocessor.input_names
        print(f"columns:  {len(columns)} read from a table: {', '.join(columns)}")
        for line in net.preprocessor.describe():
            print(f"  {line}")
    else:
        print(f"scaler:   {describe_scaler(net.scaler)}")
    for line in describe_history(net.history):
        print(line)
    chosen = cr.backend()
    print(f"backend:  {chosen}: {chosen.reason}")
    return 0


def describe_library() -> list[str]:
    """chainrule's and NumPy's versions, the backend (and why), numba's version, the BLAS."""
    chosen = cr.backend()
    lines = [
        f"chainrule {cr.__version__}, NumPy {np.__version__}",
        f"backend:  {chosen}: {chosen.reason}",
    ]
    try:
        numba_version = importlib.metadata.version("numba")
    except importlib.metadata.PackageNotFoundError:
        numba_version = "not installed (pip install 'chainrule[fast]')"
    lines.append(f"numba:    {numba_version}")
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return lines
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            lines.append(
                f"BLAS:     {lib.get('internal_api')} {lib.get('version')}, kernel "
                f"{lib.get('architecture')}, {lib.get('num_threads')} threads"
            )
    return lines


def describe_scaler(scaler: Any) -> str:
    if scaler is None:
        return "none: the network takes the inputs as they are"
    mean, scale = np.asarray(scaler.mean_), np.asarray(scaler.scale_)
    return (
        f"standardises each input, z = (x − μ) / σ; μ in [{mean.min():.4g}, "
        f"{mean.max():.4g}], σ in [{scale.min():.4g}, {scale.max():.4g}]"
    )


def describe_history(history: Any) -> list[str]:
    if history is None:
        return ["history:  none stored"]
    h = history if isinstance(history, dict) else history.to_dict()
    loss = [v for v in h.get("loss") or [] if v is not None]
    val = h.get("val_loss") or []
    lines = [
        f"history:  {h.get('epochs_run', len(h.get('loss') or []))} epochs, ended: "
        f"{h.get('stop_reason', 'unknown')}" + (f" in {h['time']:.1f}s" if h.get("time") else "")
    ]
    if loss:
        lines.append(
            f"  loss      first {loss[0]:.4f}, last {loss[-1]:.4f}, lowest {min(loss):.4f}"
        )
    finite_val = [v for v in val if v is not None]
    if finite_val:
        lines.append(
            f"  val_loss  first {finite_val[0]:.4f}, last {finite_val[-1]:.4f}, lowest "
            f"{min(finite_val):.4f}"
        )
    if h.get("best_epoch"):
        kept = "kept" if h.get("restored_best") else "not restored"
        lines.append(f"  best epoch {h['best_epoch']} (its weights {kept})")
    for key, values in (h.get("metrics") or {}).items():
        values = [v for v in values or [] if v is not None]
        if values:
            lines.append(f"  {key:<14} last {values[-1]:.4f}, best {max(values):.4f}")
    return lines
