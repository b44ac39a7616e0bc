"""The Markdown rendering: GitHub-flavoured tables, formulas as LaTeX between ``$…$`` and
``$$…$$`` (rendered by GitHub, Jupyter, VS Code, MkDocs with MathJax/KaTeX)."""

from __future__ import annotations

from chainrule.explain.blocks import Figure, Heading, Inline, MathBlock, Para, Table, V
from chainrule.explain.document import build
from chainrule.explain.explanation import ExplanationData
from chainrule.explain.mathexpr import Expr

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$"})


def _escape(s: str) -> str:
    return s.translate(_MD_SPECIAL)


def inline(items: list[Inline]) -> str:
    out = []
    for item in items:
        if isinstance(item, Expr):
            out.append(f"${item.latex()}$")
        elif isinstance(item, V):
            out.append(item.text())
        else:
            out.append(_escape(str(item)))
    return "".join(out)


def markdown(ex: ExplanationData) -> str:
    """The explanation as Markdown with LaTeX math."""
    lines: list[str] = []
    for block in build(ex):
        if isinstance(block, Heading):
            lines += ["#" * block.level + " " + inline(block.items), ""]
        elif isinstance(block, Para):
            prefix = "> " if block.cls == "note" else ""
            text = inline(block.items)
            lines += [prefix + (f"**{text}**" if block.cls in ("ok", "bad") else text), ""]
        elif isinstance(block, MathBlock):
            lines += ["$$", block.expr.latex(), "$$", ""]
        elif isinstance(block, Table):
            lines += [*_table(block), ""]
        elif isinstance(block, Figure):
            continue
    return "\n".join(lines).rstrip() + "\n"


def _table(table: Table) -> list[str]:
    header = "| " + " | ".join(inline(c) for c in table.columns) + " |"
    rule = "|" + "|".join(" ---: " if a == "r" else " --- " for a in table.align) + "|"
    rows = []
    for row in table.rows:
        cells = [inline(c) for c in row.cells]
        if row.level:
            cells[0] = "&nbsp;&nbsp;↳ " + cells[0]
        if row.cls == "total":
            cells = [f"**{c}**" if c else c for c in cells]
        rows.append("| " + " | ".join(cells) + " |")
    return [header, rule, *rows]
