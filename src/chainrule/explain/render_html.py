"""The HTML rendering: one self-contained page, MathML for the math, an inline SVG network.

No scripts, no external stylesheets, fonts or images: the page opens with no network access, and
its Content-Security-Policy forbids loading anything. Every piece of text that comes from the
user's data or names is HTML-escaped; formulas are MathML built leaf by leaf
(:mod:`chainrule.explain.mathexpr`), which Chromium, Firefox and Safari render natively.

Elements carry ids (``factors``, ``paths``, ``delta``, ``samples``, ``proof``, ``step``,
``layers``, ``network``) and ``data-*`` attributes with the exact values (``repr`` of the float),
so the page can be read back by a program, as ``tests/test_explain_browser.py`` does.
"""

from __future__ import annotations

import html

from chainrule.explain.blocks import (
    Figure,
    Heading,
    Inline,
    MathBlock,
    Para,
    Table,
    V,
)
from chainrule.explain.calculus import Partial
from chainrule.explain.document import build
from chainrule.explain.explanation import ExplanationData
from chainrule.explain.mathexpr import Expr, Sym
from chainrule.explain.svg import network_svg

CSS = """
.cr-explain { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  color: #111827; line-height: 1.45; max-width: 1100px; margin: 0 auto; padding: 8px 16px; }
.cr-explain h1 { font-size: 1.6em; margin: 0.4em 0 0.3em; }
.cr-explain h2 { font-size: 1.2em; margin: 1.3em 0 0.4em; border-bottom: 1px solid #e5e7eb;
  padding-bottom: 0.2em; }
.cr-explain math { font-size: 1.08em; math-style: normal; }
.cr-explain .cr-math { margin: 0.6em 0 0.8em; font-size: 1.1em; }
.cr-explain table { border-collapse: collapse; margin: 0.4em 0 0.6em; font-size: 0.95em; }
.cr-explain th, .cr-explain td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb;
  text-align: left; vertical-align: middle; }
.cr-explain th { background: #f9fafb; font-weight: 600; }
.cr-explain td.r, .cr-explain th.r { text-align: right; font-variant-numeric: tabular-nums; }
.cr-explain tr.part td { color: #4b5563; font-size: 0.93em; background: #fcfcfd; }
.cr-explain tr.part td:first-child { padding-left: 28px; }
.cr-explain tr.total td { font-weight: 600; border-top: 2px solid #9ca3af; }
.cr-explain .cr-num { font-variant-numeric: tabular-nums; }
.cr-explain p.ok { color: #065f46; font-weight: 600; }
.cr-explain p.bad { color: #991b1b; font-weight: 600; }
.cr-explain p.warn { color: #92400e; }
.cr-explain p.note { color: #4b5563; font-size: 0.92em; }
.cr-explain p.unit { margin: 0.15em 0 0.15em 1em; }
.cr-explain figure { margin: 0.5em 0; overflow-x: auto; }
.cr-explain figcaption { color: #4b5563; font-size: 0.9em; }
.cr-explain svg .cr-unit { font-size: 14px; fill: #111827; }
.cr-explain svg .cr-layer { font-size: 13px; fill: #374151; }
.cr-explain svg .cr-more { font-size: 12px; fill: #6b7280; }
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _esc(s: object) -> str:
    return html.escape(str(s), quote=True)


def inline(items: list[Inline]) -> str:
    out = []
    for item in items:
        if isinstance(item, Expr):
            out.append(item.math_element())
        elif isinstance(item, V):
            out.append(f'<span class="cr-num">{_esc(item.text())}</span>')
        else:
            out.append(_esc(item))
    return "".join(out)


def _data(attrs: dict[str, str]) -> str:
    return "".join(f' data-{_esc(k)}="{_esc(v)}"' for k, v in attrs.items())


def _table(block: Table) -> str:
    head = "".join(
        f'<th class="{"r" if a == "r" else "l"}">{inline(c)}</th>'
        for c, a in zip(block.columns, block.align, strict=True)
    )
    body = []
    for row in block.rows:
        cls = "part" if row.level else row.cls
        cells = "".join(
            f'<td class="{"r" if a == "r" else "l"}">{inline(c)}</td>'
            for c, a in zip(row.cells, block.align, strict=False)
        )
        klass = f' class="{_esc(cls)}"' if cls else ""
        body.append(f"<tr{klass}{_data(row.attrs)}>{cells}</tr>")
    return (
        f'<table id="{_esc(block.id)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def fragment(ex: ExplanationData) -> str:
    """The explanation as an HTML fragment with its own scoped style (what Jupyter shows)."""
    parts = [f"<style>{CSS}</style>"]
    p = ex.proof
    root = {
        "weight": ex.weight.name,
        "mode": ex.mode,
        "value": repr(ex.value),
        "agree": str(p.agree).lower(),
    }
    parts.append(f'<div class="cr-explain"{_data(root)}>')
    for block in build(ex):
        if isinstance(block, Heading):
            tag = f"h{block.level}"
            parts.append(f'<{tag} id="{_esc(block.id)}">{inline(block.items)}</{tag}>')
        elif isinstance(block, Para):
            ident = f' id="{_esc(block.id)}"' if block.id else ""
            klass = f' class="{_esc(block.cls)}"' if block.cls else ""
            parts.append(f"<p{ident}{klass}>{inline(block.items)}</p>")
        elif isinstance(block, MathBlock):
            parts.append(
                f'<div class="cr-math" id="{_esc(block.id)}">'
                f"{block.expr.math_element(display=True)}</div>"
            )
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, Figure):
            parts.append(
                f'<figure id="{_esc(block.id)}">{network_svg(ex)}<figcaption>Line width ∝ |w|; '
                "blue: w &gt; 0, red: w &lt; 0. Amber: the explained weight (halo) and the units "
                "its paths to E pass; solid lines carry its gradient, faint ones do not."
                "</figcaption></figure>"
            )
    parts.append("</div>")
    return "".join(parts)


def page(ex: ExplanationData) -> str:
    """A whole HTML document: opens offline, loads nothing, runs no script."""
    title = f"{Partial(Sym('E'), ex.weight.symbol_expr).text()} — chainrule explain"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(title)}</title>\n</head>\n<body>\n{fragment(ex)}\n</body>\n</html>\n"
    )
