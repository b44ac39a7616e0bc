"""The calculus on top of :mod:`chainrule.explain.mathexpr`: ∂, chains, cases and sums.

``Partial`` writes ∂E/∂ŷ, ``Chain`` joins factors with a visible ``·`` (the chain rule as the
lecture writes it), ``Cases`` is a piecewise derivative such as ReLU's, and ``Sum`` is Σ over the
paths or units a gradient collects. Each spells itself as text, LaTeX and MathML, like every
:class:`~chainrule.explain.mathexpr.Expr`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from chainrule.explain.mathexpr import Expr, leaf_number, sub_text


@dataclass(frozen=True)
class Partial(Expr):
    """∂top/∂bottom, e.g. ∂E/∂ŷ."""

    top: Expr
    bottom: Expr

    def text(self, numbers: bool = False) -> str:
        return f"∂{self.top.text()}/∂{self.bottom.text()}"

    def latex(self, numbers: bool = False) -> str:
        return rf"\frac{{\partial {self.top.latex()}}}{{\partial {self.bottom.latex()}}}"

    def mathml(self, numbers: bool = False) -> str:
        return (
            f"<mfrac><mrow><mo>∂</mo>{self.top.mathml()}</mrow>"
            f"<mrow><mo>∂</mo>{self.bottom.mathml()}</mrow></mfrac>"
        )


@dataclass(frozen=True)
class Chain(Expr):
    """Factors joined by a visible operator: ``∂E/∂ŷ · ∂ŷ/∂h`` or ``a × b``."""

    items: tuple[Expr, ...]
    op: str = "·"
    precedence = 2

    def text(self, numbers: bool = False) -> str:
        return f" {self.op} ".join(
            f"({i.text(numbers)})" if i.precedence < 2 else i.text(numbers) for i in self.items
        )

    def latex(self, numbers: bool = False) -> str:
        op = {"·": r"\cdot", "×": r"\times", "+": "+"}.get(self.op, self.op)
        return f" {op} ".join(
            rf"\left({i.latex(numbers)}\right)" if i.precedence < 2 else i.latex(numbers)
            for i in self.items
        )

    def mathml(self, numbers: bool = False) -> str:
        op = f"<mo>{html.escape(self.op)}</mo>"
        return (
            "<mrow>"
            + op.join(
                f"<mrow><mo>(</mo>{i.mathml(numbers)}<mo>)</mo></mrow>"
                if i.precedence < 2
                else i.mathml(numbers)
                for i in self.items
            )
            + "</mrow>"
        )


@dataclass(frozen=True)
class Cases(Expr):
    """A piecewise value, ``(1 if h > 0, else 0)``; with numbers, just the branch taken."""

    if_true: Expr
    condition: Expr  # e.g. Bin(h, ">", Num(0))
    if_false: Expr
    value: float | None = None

    def text(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.text()
        return f"({self.if_true.text()} if {self.condition.text()}, else {self.if_false.text()})"

    def latex(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.latex()
        return (
            rf"\left({self.if_true.latex()} \text{{ if }} {self.condition.latex()}"
            rf"\text{{, else }} {self.if_false.latex()}\right)"
        )

    def mathml(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.mathml()
        return (
            f"<mrow><mo>(</mo>{self.if_true.mathml()}<mtext>&#xA0;if&#xA0;</mtext>"
            f"{self.condition.mathml()}<mtext>, else&#xA0;</mtext>{self.if_false.mathml()}"
            "<mo>)</mo></mrow>"
        )


@dataclass(frozen=True)
class Sum(Expr):
    """Σ over an index range, ``Σ_{c≠1} body``; the range is written as given."""

    index: str
    body: Expr
    value: float | None = None
    precedence = 2

    def text(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.text()
        body = self.body.text()
        return f"Σ{sub_text(self.index)} {body}"

    def latex(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.latex()
        index = self.index.replace("≠", r"\neq ")
        return rf"\sum_{{{index}}} {self.body.latex()}"

    def mathml(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.mathml()
        return (
            f"<mrow><munder><mo>∑</mo><mtext>{html.escape(self.index)}</mtext></munder>"
            f"{self.body.mathml()}</mrow>"
        )
