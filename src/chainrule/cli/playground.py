"""``chainrule playground``: train in the browser and click any weight to see its chain rule.

Starts the local web app (:mod:`chainrule.playground`) on 127.0.0.1 and opens it; needs
``pip install 'chainrule[playground]'``.
"""

from __future__ import annotations

import argparse
from typing import Any

from chainrule.playground.limits import MAX_CELLS, MAX_ROWS, MAX_UPLOAD_BYTES


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "playground",
        help="train in the browser; click a weight to see its chain rule",
        description=(
            "Start the playground on 127.0.0.1 (only this machine can reach it) and open it in "
            "the browser. Stop it with Ctrl-C."
        ),
    )
    p.add_argument("--port", type=int, default=None, help="the port (default: a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument(
        "--max-upload-bytes",
        type=_positive,
        default=MAX_UPLOAD_BYTES,
        metavar="N",
        help=f"the largest CSV the page may upload (default: %(default)s); rows and cells stay "
        f"bounded ({MAX_ROWS:,} rows, {MAX_CELLS:,} cells), so the memory the playground keeps "
        "does too",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from chainrule.playground.server import playground_command

    return playground_command(
        args.port, not args.no_browser, max_upload_bytes=args.max_upload_bytes
    )


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise ValueError(text)
    return n
