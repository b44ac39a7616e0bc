"""Helpers for the pages' executed code blocks (markdown-exec): a scratch folder and the shell.

The how-to pages show ``chainrule`` commands with their real output. :func:`sh` runs one such
command line with the Python that builds the site (``python -m chainrule``: this checkout's
chainrule, whatever is on PATH) in a scratch folder, and returns it as a terminal session for
the page to print. The hooks (``docs/gen/hooks.py``) put this folder on ``sys.path``, so a page
imports it as ``from docs_exec import scratch, sh``.
"""

from __future__ import annotations

import atexit
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository
_SCRATCH: dict[str, Path] = {}


def scratch(page: str, *files: str) -> Path:
    """A fresh scratch folder for ``page`` (removed at exit), ``files`` copied in from the repo."""
    folder = Path(tempfile.mkdtemp(prefix=f"chainrule-docs-{page}-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for name in files:
        shutil.copy(ROOT / name, folder / Path(name).name)
    _SCRATCH[page] = folder
    return folder


def sh(command: str, page: str, hide: str | None = None, check: bool = True) -> str:
    """Run ``command`` (``chainrule ...``) in ``page``'s scratch folder; return it as a session.

    The session is ``$ command`` and then what the command wrote (stdout, then stderr).
    ``hide``: a regular expression; of the output lines matching it only the first is kept,
    and one line says how many more there were (for the per-epoch lines of a run). With
    ``check``, a non-zero exit status raises (so the site's build fails), the output in the
    message.
    """
    words = shlex.split(command)
    if words[0] != "chainrule":
        raise ValueError(f"sh runs chainrule commands only, not {words[0]!r}")
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", *words[1:]],
        cwd=_SCRATCH[page],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    output = (done.stdout + done.stderr).rstrip("\n")
    if check and done.returncode != 0:
        raise RuntimeError(f"{command!r} exited with {done.returncode}:\n{output}")
    lines = output.splitlines()
    if hide is not None:
        kept = [line for line in lines if not re.search(hide, line)]
        if len(kept) < len(lines):
            first = next(i for i, line in enumerate(lines) if re.search(hide, line))
            kept[first:first] = [lines[first], f"[... {len(lines) - len(kept) - 1} more like it]"]
        lines = kept
    return "\n".join([f"$ {command}", *lines])
