"""The blocks a rendered explanation is made of: headings, paragraphs, formulas, tables, a figure.

:func:`chainrule.explain.document.build` lays an explanation out as these; the terminal, Markdown
and HTML renderers only decide how each is spelled. Cells hold plain strings, numbers (:class:`V`)
and formulas (:class:`~chainrule.explain.mathexpr.Expr`). Rows carry ``attrs`` that the HTML
writes as ``data-*`` attributes (for the browser test and for anyone scripting the page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from chainrule.explain.mathexpr import Expr, fmt

#: entries of a vector shown before "…"
MAX_VECTOR = 8


@dataclass(frozen=True)
class V:
    """A number in running text or a table cell."""

    value: float
    digits: int = 8

    def text(self) -> str:
        return fmt(self.value, self.digits)


Inline = Union[str, Expr, V]  # noqa: UP007 (a runtime alias)


@dataclass
class Heading:
    level: int
    items: list[Inline]
    id: str = ""


@dataclass
class Para:
    items: list[Inline]
    id: str = ""
    cls: str = ""  # "note", "ok", "bad", "warn"


@dataclass
class MathBlock:
    expr: Expr
    id: str = ""


@dataclass
class Row:
    cells: list[list[Inline]]
    attrs: dict[str, str] = field(default_factory=dict)
    level: int = 0  # 1 for the parts of a folded factor
    cls: str = ""


@dataclass
class Table:
    id: str
    columns: list[list[Inline]]
    rows: list[Row]
    align: str  # one of "l", "r" per column


@dataclass
class Figure:
    """The network drawing (HTML only)."""

    id: str = "network"


Block = Union[Heading, Para, MathBlock, Table, Figure]  # noqa: UP007


def vec(values: object, digits: int = 6) -> str:
    """A vector as ``(1, 1.5)``, at most :data:`MAX_VECTOR` entries then ``…``."""
    vals = [float(v) for v in values]  # type: ignore[attr-defined]
    if len(vals) == 1:
        return fmt(vals[0], digits)
    shown = ", ".join(fmt(v, digits) for v in vals[:MAX_VECTOR])
    more = f", … ({len(vals)} in all)" if len(vals) > MAX_VECTOR else ""
    return f"({shown}{more})"


@dataclass(frozen=True)
class Numbers(Expr):
    """A formula written with its numbers put in."""

    inner: Expr

    def text(self, numbers: bool = False) -> str:
        return self.inner.text(True)

    def latex(self, numbers: bool = False) -> str:
        return self.inner.latex(True)

    def mathml(self, numbers: bool = False) -> str:
        return self.inner.mathml(True)


@dataclass(frozen=True)
class Equation(Expr):
    """``left = right``, e.g. ∂E/∂W₁₁⁽¹⁾ = ∂E/∂ŷ · ∂ŷ/∂h · …"""

    left: Expr
    right: Expr

    def text(self, numbers: bool = False) -> str:
        return f"{self.left.text()} = {self.right.text()}"

    def latex(self, numbers: bool = False) -> str:
        return f"{self.left.latex()} = {self.right.latex()}"

    def mathml(self, numbers: bool = False) -> str:
        return f"<mrow>{self.left.mathml()}<mo>=</mo>{self.right.mathml()}</mrow>"
