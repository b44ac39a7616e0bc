"""``chainrule explain``: the chain rule for one weight of a saved model, on one row of data.

::

    chainrule explain m.chainrule --weight "W1[1,1]" --data data.csv --row 3 --format md
    chainrule explain --lecture            # the lecture's own 2-2-1 network and numbers

Prints (or writes with ``--out``) the factors ∂E/∂ŷ · ∂ŷ/∂h · … with their numbers, their
product next to the engine's gradient and a finite difference, a one-step audit and diagnostics
(see :func:`chainrule.explain`). ``--row`` is the 0-based data row (the first row after the
header is row 0), as in the explanation's "Sample" line; ``--row all`` explains the whole file.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from chainrule.cli.common import HelpFormatter, UsageError, check_out, load_model, read_labelled
from chainrule.explain import explain, lecture_example, render
from chainrule.io.atomic import atomic_write_text

FORMATS = ("text", "md", "json", "html")


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "explain",
        help="show the chain rule for one weight, with its numbers, proven",
        description=(
            "Show ∂E/∂w for one weight as the lecture derives it: the chain of partial "
            "derivatives with their numbers for one data row, their product next to the "
            "engine's gradient and a central finite difference, one step of gradient descent, "
            "and diagnostics. Use --lecture for the lecture's own 2-2-1 network."
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("model", nargs="?", help="a model file (not needed with --lecture)")
    p.add_argument("--lecture", action="store_true", help="the lecture's 2-2-1 network")
    p.add_argument(
        "--weight",
        default="W1[1,1]",
        help="the weight, 1-based as in the lecture: W<layer>[<row>,<column>]; the last row "
        "of each layer is its bias",
    )
    p.add_argument("--data", help="a labelled CSV file (needed with a model)")
    p.add_argument("--target", help="the CSV's target column: a name or a 0-based position")
    p.add_argument(
        "--row", default="0", help="the 0-based data row to explain, or 'all' for every row"
    )
    p.add_argument("--lr", type=float, default=0.1, help="learning rate of the one-step audit")
    p.add_argument("--format", choices=FORMATS, default="text", help="how to render it")
    p.add_argument("--out", help="write to this file instead of printing")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    check_out(args.out, args.model, args.data)
    sample = _row(args.row)
    if args.lecture:
        if args.model is not None or args.data is not None:
            raise UsageError("--lecture explains the lecture's network: give no model or --data")
        net, X, y = lecture_example()
    else:
        if args.model is None:
            raise UsageError("give a model file (and --data), or --lecture")
        if args.data is None:
            raise UsageError("give the labelled data to explain the weight on: --data FILE.csv")
        net = load_model(args.model)
        X, y = read_labelled(args.data, net, args.target)
    if sample is not None and not -len(X) <= sample < len(X):
        raise UsageError(
            f"--row {sample} is out of range: the data has {len(X)} row(s) (0..{len(X) - 1}; "
            "--row all explains every row)"
        )
    if not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr {args.lr}: the learning rate must be a number > 0")
    try:
        ex = explain(net, X, y, weight=args.weight, sample=sample, lr=args.lr)
    except (ValueError, TypeError) as err:  # a bad --weight, in the explainer's words
        text = str(err).removeprefix("explain: ")
        raise UsageError(f"--{text}" if text.startswith("weight ") else text) from None
    text = render(ex, args.format)
    if args.out is None:
        print(text)
        return 0
    atomic_write_text(args.out, text, "the explanation")
    print(f"wrote {args.out}")
    return 0


def _row(text: str) -> int | None:
    if text.lower() == "all":
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(
            f"--row must be a row number (0 is the first data row) or 'all', got {text!r}"
        ) from None
