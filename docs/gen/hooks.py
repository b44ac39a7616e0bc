"""MkDocs hooks for chainrule's site: pages that are generated from the code, so they cannot drift.

- ``reference/cli.md``: the marker ``<!-- chainrule-cli -->`` becomes the command line's
  reference, rendered from the argparse parser that ``chainrule`` itself runs
  (:func:`chainrule.cli.build_parser`): each subcommand's usage, description and options, group by
  group, with their defaults.
- Every name in ``chainrule.__all__`` must be documented by a ``::: chainrule.<name>`` directive
  on one of the ``reference/`` pages; a name with none is a warning, which ``--strict`` turns
  into a failed build.
- This folder goes on ``sys.path``, so the pages' executed code blocks can import their helpers
  (``docs_exec``: a scratch folder, and ``chainrule`` commands run with their output).

The functions here are plain Python and are tested directly (tests/test_docs.py).
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.chainrule")

CLI_MARKER = "<!-- chainrule-cli -->"
DIRECTIVE = re.compile(r"^::: chainrule\.(\w+)\s*$", re.M)
REFERENCE = "reference/"


# ---------------------------------------------------------------- the command line


def _text(text: str) -> str:
    """Help text as Markdown that shows it as written: ``<model>``, ``*``, ``_`` kept literally."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]|])", r"\\\1", text)


def _cell(text: str) -> str:
    """Text for one Markdown table cell: one line, shown as written."""
    return _text(" ".join(text.split()))


def _option_name(action: argparse.Action) -> str:
    """``--lr LR``, ``-t, --target TARGET`` or a positional's name, as code."""
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    names = ", ".join(action.option_strings)
    if action.nargs == 0:  # a flag
        return f"`{names}`"
    metavar = action.metavar or action.dest.upper()
    if isinstance(metavar, tuple):
        metavar = " ".join(metavar)
    if action.choices is not None and action.metavar is None:
        metavar = "{" + ",".join(map(str, action.choices)) + "}"
    return f"`{names} {metavar}`"


def _group_table(parser: argparse.ArgumentParser, group: Any) -> list[str]:
    """A Markdown table of one argument group's options (help texts with their defaults)."""
    formatter = parser._get_formatter()
    rows = []
    for action in group._group_actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._HelpAction):
            continue
        text = formatter._expand_help(action) if action.help else ""
        rows.append(f"| {_option_name(action)} | {_cell(text)} |")
    if not rows:
        return []
    title = group.title[0].upper() + group.title[1:]
    return [f"**{title}**", "", "| option | meaning |", "|---|---|", *rows, ""]


def _usage(parser: argparse.ArgumentParser) -> str:
    """The parser's usage line(s), wrapped at 80 columns whatever the terminal."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "80"
    try:
        return parser.format_usage().strip()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def _parser_section(parser: argparse.ArgumentParser, heading: str) -> list[str]:
    lines = [heading, "", "```text", _usage(parser), "```", ""]
    if parser.description:
        lines += [_text(parser.description), ""]
    for group in parser._action_groups:
        lines += _group_table(parser, group)
    if parser.epilog:
        lines += ["```text", parser.epilog.strip(), "```", ""]
    return lines


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser's subcommands by name, in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_reference(parser: argparse.ArgumentParser) -> str:
    """The whole command line as Markdown: the global options, then one section per command."""
    commands = subcommands(parser)
    lines = _parser_section(parser, "## `chainrule`")
    lines += ["Commands: " + ", ".join(f"[`{name}`](#chainrule-{name})" for name in commands), ""]
    for name, sub in commands.items():
        lines += _parser_section(sub, f"## `chainrule {name}`")
    return "\n".join(lines)


# ---------------------------------------------------------------- the API reference


def documented_names(docs_dir: Path) -> dict[str, str]:
    """``{name: page}`` for every ``::: chainrule.<name>`` directive on the reference pages."""
    found: dict[str, str] = {}
    for page in sorted((docs_dir / REFERENCE).glob("*.md")):
        for name in DIRECTIVE.findall(page.read_text(encoding="utf-8")):
            found.setdefault(name, f"{REFERENCE}{page.name}")
    return found


def undocumented_names(docs_dir: Path) -> list[str]:
    """The names in ``chainrule.__all__`` that no reference page documents."""
    import chainrule

    documented = documented_names(docs_dir)
    return [name for name in chainrule.__all__ if name not in documented]


# ---------------------------------------------------------------- MkDocs events


def on_config(config: Any) -> None:
    """Let the pages' executed code blocks import their helpers (``docs_exec``) from here."""
    here = str(Path(__file__).resolve().parent)
    if here not in sys.path:
        sys.path.insert(0, here)


def on_pre_build(config: Any) -> None:
    missing = undocumented_names(Path(config["docs_dir"]))
    if missing:
        log.warning(
            "these names in chainrule.__all__ have no '::: chainrule.<name>' on a page under "
            "docs/%s: %s; add each to the page of its floor",
            REFERENCE,
            ", ".join(missing),
        )


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if CLI_MARKER not in markdown:
        return markdown
    from chainrule.cli import build_parser

    return markdown.replace(CLI_MARKER, cli_reference(build_parser()))
