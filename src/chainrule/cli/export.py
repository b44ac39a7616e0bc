"""``chainrule export MODEL model.onnx``: write a saved model as ONNX (scaler included).

See :func:`chainrule.io.onnx_export.to_onnx`; needs ``pip install 'chainrule[onnx]'``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from chainrule import load
from chainrule.cli.common import UsageError, check_out
from chainrule.io.onnx_export import DEFAULT_OPSET, to_onnx


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "export",
        help="write a saved model as an ONNX file",
        description=(
            "Write a saved model as an ONNX graph (input 'X', output 'yhat', the stored "
            "standardisation included) that onnxruntime and other ONNX runtimes can run."
        ),
    )
    p.add_argument("model", help="a model file")
    p.add_argument("out", help="the ONNX file to write, e.g. model.onnx")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Load the model file, write it as ONNX and say what was written.

    A problem reaches :func:`chainrule.cli.main`, which prints it in one line and exits with 1
    when onnx is not installed, 2 for a bad or unreadable model file or an unwritable path.
    """
    check_out(args.out, args.model)
    net = load(args.model)
    if net.preprocessor is not None:
        raise UsageError(
            f"{args.model}: this model encodes and fills in its table columns (a preprocessor: "
            f"{', '.join(net.preprocessor.input_names)}), and ONNX export of preprocessing is not "
            "supported yet; export a model trained on numeric columns with nothing missing"
        )
    written = to_onnx(net, args.out)
    print(summary(net, written))
    if net.classes is not None:
        print(f"classes (in the metadata): {np.asarray(net.classes).tolist()}")
    return 0


def summary(net: Any, written: Path) -> str:
    """One line: the file, the opset, the input and output shapes and dtype, the architecture."""
    scaler = ", standardisation included" if net.scaler is not None else ""
    return (
        f"wrote {written}: ONNX opset {DEFAULT_OPSET}, input X (N, {net.n_features}) {net.dtype} → "
        f"output yhat (N, {net.n_outputs}), {'-'.join(map(str, net.sizes))} "
        f"{'/'.join(net.activations)}{scaler}"
    )
