"""``chainrule export MODEL model.onnx``: write a saved model as ONNX (scaler included).

See :func:`chainrule.io.onnx_export.to_onnx`; needs ``pip install 'chainrule[onnx]'``.
"""

from __future__ import annotations

import argparse
from typing import Any

from chainrule.cli.common import check_out
from chainrule.io.onnx_export import export_command


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
    check_out(args.out, args.model)
    return export_command(args.model, args.out)
