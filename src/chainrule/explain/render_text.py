"""The terminal rendering: rich tables when ``rich`` is installed (the ``cli`` extra), plain
aligned text otherwise. Formulas use Unicode (W₁₁⁽¹⁾, ŷ, σ, ∂).

``text(ex)`` never writes colour codes unless asked (``color=True``), so ``str(ex)`` is safe to
write to a file; ``rich.print(ex)`` or ``Console().print(ex)`` shows it in colour.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any

from chainrule.explain.blocks import (
    Block,
    Figure,
    Heading,
    Inline,
    MathBlock,
    Para,
    Row,
    Table,
    V,
)
from chainrule.explain.document import build
from chainrule.explain.explanation import ExplanationData
from chainrule.explain.mathexpr import Expr


def inline(items: list[Inline]) -> str:
    out = []
    for item in items:
        if isinstance(item, (Expr, V)):
            out.append(item.text())
        else:
            out.append(str(item))
    return "".join(out)


def text(ex: ExplanationData, width: int = 110, color: bool = False) -> str:
    """The explanation for a terminal: rich's layout when installed, else plain text."""
    try:
        from rich.console import Console
    except ImportError:
        return plain(ex, width)
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="truecolor" if color else None,
        highlight=False,
        emoji=False,
    )
    console.print(rich_renderable(ex))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


_STYLES = {"ok": "bold green", "bad": "bold red", "warn": "yellow", "note": "dim"}


def rich_renderable(ex: ExplanationData) -> Any:
    """The explanation as a rich renderable (a Group of texts and tables)."""
    from rich import box
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    parts: list[Any] = []
    for block in build(ex):
        if isinstance(block, Heading):
            title = inline(block.items)
            if block.level == 1:
                parts.append(Text(title, style="bold"))
                parts.append(Text("═" * min(len(title), 100), style="bold"))
            else:
                parts.append(Text(""))
                parts.append(Text(title, style="bold underline"))
        elif isinstance(block, Para):
            parts.append(Text(inline(block.items), style=_STYLES.get(block.cls, "")))
        elif isinstance(block, MathBlock):
            parts.append(Text("    " + block.expr.text(), style="bold cyan"))
        elif isinstance(block, Table):
            table = RichTable(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
            for col, align in zip(block.columns, block.align, strict=True):
                table.add_column(
                    Text(inline(col)), justify="right" if align == "r" else "left", overflow="fold"
                )
            for row in block.rows:
                cells = [inline(c) for c in row.cells]
                if row.level:
                    cells[0] = "  ↳ " + cells[0]
                style = "dim" if row.level else ("bold" if row.cls == "total" else "")
                table.add_row(*(Text(c) for c in cells), style=style)
            parts.append(table)
    return Group(*parts)


# -- plain text, without rich --------------------------------------------------------------------
def plain(ex: ExplanationData, width: int = 110) -> str:
    """The explanation as plain aligned text (what ``str(ex)`` gives without rich)."""
    lines: list[str] = []
    for block in build(ex):
        lines += _plain_block(block, width)
    return "\n".join(lines) + "\n"


def _plain_block(block: Block, width: int) -> list[str]:
    if isinstance(block, Heading):
        title = inline(block.items)
        rule = ("═" if block.level == 1 else "─") * min(len(title), width)
        return [title, rule] if block.level == 1 else ["", title, rule]
    if isinstance(block, Para):
        return textwrap.wrap(inline(block.items), width) or [""]
    if isinstance(block, MathBlock):
        return ["    " + block.expr.text()]
    if isinstance(block, Table):
        return _plain_table(block, width)
    if isinstance(block, Figure):
        return []
    return []


def _plain_table(table: Table, width: int) -> list[str]:
    header = [inline(c) for c in table.columns]
    body = [_row_cells(row) for row in table.rows]
    widths = [max(len(r[n]) for r in [header, *body]) for n in range(len(header))]
    gap = 2
    total = sum(widths) + gap * (len(widths) - 1)
    if total > width:  # wrap the widest column to fit
        widest = max(range(len(widths)), key=lambda n: widths[n])
        widths[widest] = max(12, widths[widest] - (total - width))

    def emit(cells: list[str]) -> list[str]:
        wrapped = [textwrap.wrap(c, widths[n]) or [""] for n, c in enumerate(cells)]
        out = []
        for k in range(max(len(w) for w in wrapped)):
            parts = []
            for n, w in enumerate(wrapped):
                piece = w[k] if k < len(w) else ""
                parts.append(
                    piece.rjust(widths[n]) if table.align[n] == "r" else piece.ljust(widths[n])
                )
            out.append((" " * gap).join(parts).rstrip())
        return out

    lines = emit(header)
    lines.append((" " * gap).join("─" * w for w in widths))
    for cells in body:
        lines += emit(cells)
    return lines


def _row_cells(row: Row) -> list[str]:
    cells = [inline(c) for c in row.cells]
    if row.level:
        cells[0] = "  ↳ " + cells[0]
    return cells
