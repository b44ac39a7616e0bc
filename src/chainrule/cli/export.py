"""``chainrule export MODEL model.onnx``: write a saved model as ONNX, its scaler or table
preprocessing included.

A model trained on numeric arrays takes one input ``X`` (N, n_features); a model trained on a
table (one with a preprocessor) takes one input per feature column, named by the column, shape
(N, 1): float with NaN for missing, or string (bool and text columns; ``""`` for missing, an
unseen category is all zeros). The printed summary lists them. See
:func:`chainrule.io.onnx_export.to_onnx`; needs ``pip install 'chainrule[onnx]'``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.cli.common import check_out, load_model
from chainrule.io.onnx_export import DEFAULT_OPSET, to_onnx
from chainrule.io.onnx_preprocess import input_layout


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "export",
        help="write a saved model as an ONNX file",
        description=(
            "Write a saved model as an ONNX graph (input 'X', output 'yhat', the stored "
            "standardisation included) that onnxruntime and other ONNX runtimes can run. A model "
            "trained on a table takes its raw columns instead, one input per column, shape "
            "(N, 1): float (NaN = missing) or string ('' = missing), the preprocessing included."
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
    net = load_model(args.model)
    written = to_onnx(net, args.out)
    print(summary(net, written))
    if net.classes is not None:
        print(f"classes (in the metadata): {np.asarray(net.classes).tolist()}")
    return 0


def summary(net: Any, written: Path) -> str:
    """The file, the opset, the input and output shapes and dtype, the architecture; for a model
    with a preprocessor, then one line per input column (its type and what missing is)."""
    shapes = f"output yhat (N, {net.n_outputs}), {'-'.join(map(str, net.sizes))} "
    shapes += "/".join(net.activations)
    if net.preprocessor is None:
        scaler = ", standardisation included" if net.scaler is not None else ""
        return (
            f"wrote {written}: ONNX opset {DEFAULT_OPSET}, input X (N, {net.n_features}) "
            f"{net.dtype} → {shapes}{scaler}"
        )
    layout = input_layout(net.preprocessor, np.dtype(net.dtype))
    lines = [
        f"wrote {written}: ONNX opset {DEFAULT_OPSET}, {len(layout)} inputs, one per column, "
        f"each (N, 1) → {shapes}, the preprocessing included:"
    ]
    for column in layout:
        if column["type"] == "string":
            shown = ", ".join(map(repr, column["categories"][:6]))
            more = ", …" if len(column["categories"]) > 6 else ""
            what = f"string, one of {shown}{more}; '' (missing) or another value: all zeros"
        else:
            what = f"{column['type']}, NaN for missing"
        lines.append(f"  {column['name']}: {what}")
    return "\n".join(lines)
