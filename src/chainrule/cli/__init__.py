"""The ``chainrule`` command: train, predict, evaluate, inspect and gradient-check models.

::

    chainrule train                                  # the bundled breast-cancer set
    chainrule train data.csv --target label --hidden 16,8 --activation sigmoid --out m.chainrule
    chainrule train --dataset iris                   # or digits, wine, moons, spiral, ...
    chainrule predict m.chainrule new.csv --proba --out preds.csv
    chainrule evaluate m.chainrule test.csv
    chainrule info m.chainrule
    chainrule gradcheck m.chainrule [data.csv]
    chainrule explain m.chainrule --weight "W1[1,1]" --data data.csv --row 3 --format html
    chainrule explain --lecture                      # the lecture's 2-2-1 network
    chainrule export m.chainrule model.onnx
    chainrule playground                             # the web playground on 127.0.0.1

One module per subcommand (``chainrule.cli.train``, ``.predict``, ``.evaluate``, ``.info``,
``.gradcheck``, ``.explain``, ``.export``, ``.playground``), each with
``add_parser(subparsers)`` and ``run(args) -> int``.

Exit status: 0 done; 1 the command failed (a gradient check failed, a needed package is
missing); 2 bad usage or bad input (a bad option, a bad CSV cell, a damaged model file): one line
``chainrule <cmd>: error: <message>`` on stderr, never a traceback; 130 interrupted (Ctrl-C).

The command line is the package's top floor: it may import anything below it, and nothing in
chainrule imports it. It builds and loads user models through the top-level API (``chainrule.MLP``,
``chainrule.load``), so what it hands back has ``.save()``; all printing and exit statuses live
here, never in the floors below.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from chainrule.cli import evaluate, explain, export, gradcheck, info, playground, predict, train
from chainrule.data import limits
from chainrule.engine.compiled import backend
from chainrule.errors import ChainruleError
from chainrule.version import __version__

__all__ = ["build_parser", "main"]

SUBCOMMANDS = (train, predict, evaluate, info, gradcheck, explain, export, playground)


def _bytes_option(text: str) -> int:
    """A byte count ≥ 1 for a limit option (argparse turns the ValueError into exit 2)."""
    n = int(text)
    if n < 1:
        raise ValueError(text)
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chainrule",
        description=(
            "Neural networks whose every gradient is the chain rule: train a multilayer "
            "perceptron on a CSV file or a bundled dataset, then predict, evaluate, inspect and "
            "gradient-check the saved model."
        ),
        epilog="Run 'chainrule <command> --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    parser.add_argument(
        "--max-table-bytes",
        type=_bytes_option,
        metavar="N",
        help=f"the largest table file any command reads (default: {limits.MAX_TABLE_BYTES})",
    )
    parser.add_argument(
        "--max-cell-bytes",
        type=_bytes_option,
        metavar="N",
        help=f"the largest CSV cell any command reads (default: {limits.MAX_CELL_BYTES})",
    )
    commands = parser.add_subparsers(dest="command", metavar="<command>", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error argparse has printed
        return exit_.code if isinstance(exit_.code, int) else 2
    name = f"chainrule {args.command}"
    saved = limits.MAX_TABLE_BYTES, limits.MAX_CELL_BYTES  # for this command only
    limits.MAX_TABLE_BYTES = args.max_table_bytes or saved[0]
    limits.MAX_CELL_BYTES = args.max_cell_bytes or saved[1]
    try:
        return _run(args, name)
    finally:
        limits.MAX_TABLE_BYTES, limits.MAX_CELL_BYTES = saved


def _run(args: argparse.Namespace, name: str) -> int:
    """The command, its errors turned into one line on stderr and an exit status."""
    try:
        backend()  # a CHAINRULE_BACKEND naming no backend: a usage error, said before any work
        return args.run(args)
    except KeyboardInterrupt:
        print(f"\n{name}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (`chainrule explain ... | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError as err:  # e.g. --hidden 99999999999
        detail = f" ({err})" if str(err) else ""  # NumPy's say how much; a bare one says nothing
        print(f"{name}: error: not enough memory for this{detail}", file=sys.stderr)
        return 1
    except ImportError as err:  # an optional package the command needs
        print(f"{name}: error: {err}", file=sys.stderr)
        return 1
    except (ChainruleError, ValueError, IndexError) as err:  # the user's data, options, model
        print(f"{name}: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # a file that cannot be read or written
        where = f"{err.filename}: " if err.filename else ""
        print(f"{name}: error: {where}{err.strerror or err}", file=sys.stderr)
        return 2
