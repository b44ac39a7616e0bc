"""A tiny expression tree for the explainer's formulas, written three ways: text, LaTeX, MathML.

Each factor of the chain rule is built once as a tree, e.g. ``W₁₁⁽²⁾ σ(h₁)(1 − σ(h₁))``, and
every rendering asks the same tree for its own spelling, so the terminal, the Markdown and the
HTML can never disagree. A leaf may carry its number: ``numbers=True`` writes the formula with
the numbers put in (``1 · 0.7310586 · (1 − 0.7310586)``).

Text uses Unicode sub- and superscripts (``W₁₁⁽¹⁾``, ``ŷ``); LaTeX is for Markdown's ``$…$``;
MathML goes inside ``<math>`` and is HTML-escaped leaf by leaf. The calculus notation (∂, the
chain's ``·``, cases, Σ) is in :mod:`chainrule.explain.calculus`.
"""

from __future__ import annotations

import html
import itertools
import math
from dataclasses import dataclass

_SUB = str.maketrans("0123456789,+−-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉,₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUP = str.maketrans("0123456789()+−-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁺⁻⁻")
_SUB_OK = set("0123456789,+−-=()aehijklmnoprstuvx")
_SUP_OK = set("0123456789()+−-")
#: LaTeX and MathML spellings of the Greek and special letters the explainer uses
_LATEX = {"σ": r"\sigma", "δ": r"\delta", "∂": r"\partial", "Σ": r"\sum", "ℓ": r"\ell"}


def fmt(value: float, digits: int = 8) -> str:
    """A number as a person reads it: 8 significant digits, a real minus sign, ∞ for infinity."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    text = f"{value:.{digits}g}"
    if text == "-0":
        text = "0"
    return text.replace("-", "−")


def _split(value: float, digits: int) -> tuple[str, str]:
    """(mantissa, exponent) of a formatted number; the exponent is '' when there is none."""
    text = fmt(value, digits)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return mantissa, str(int(exponent.replace("−", "-"))).replace("-", "−")
    return text, ""


def sub_text(s: str) -> str:
    """``"11"`` → ``"₁₁"``; falls back to ``_{…}`` when a character has no subscript form."""
    if not s:
        return ""
    return s.translate(_SUB) if set(s) <= _SUB_OK else "_{" + s + "}"


def sup_text(s: str) -> str:
    if not s:
        return ""
    return s.translate(_SUP) if set(s) <= _SUP_OK else "^(" + s + ")"


def _latex_text(s: str) -> str:
    return "".join(_LATEX.get(ch, ch) + (" " if ch in _LATEX else "") for ch in s).strip()


class Expr:
    """A formula. Subclasses render themselves; ``value`` (if any) is the number the leaf holds."""

    #: binding strength: 3 atom, 2 product, 1 sum; a weaker child is parenthesised
    precedence = 3

    def text(self, numbers: bool = False) -> str:
        raise NotImplementedError

    def latex(self, numbers: bool = False) -> str:
        raise NotImplementedError

    def mathml(self, numbers: bool = False) -> str:
        raise NotImplementedError

    def math_element(self, numbers: bool = False, display: bool = False) -> str:
        """The formula as a complete ``<math>`` element for HTML."""
        mode = ' display="block"' if display else ""
        return f"<math{mode}><mrow>{self.mathml(numbers)}</mrow></math>"

    def __str__(self) -> str:
        return self.text()


def leaf_number(expr: Expr, numbers: bool) -> Expr | None:
    """The number a leaf holds, as a :class:`Num`, when ``numbers`` is asked for; else None."""
    value = getattr(expr, "value", None)
    return Num(value) if numbers and value is not None else None


@dataclass(frozen=True)
class Num(Expr):
    """A number; negative numbers are parenthesised inside products and after a minus."""

    value: float
    digits: int = 8

    @property
    def precedence(self) -> int:  # type: ignore[override]
        return 1 if self.value < 0 else 3

    def text(self, numbers: bool = False) -> str:
        return fmt(self.value, self.digits)

    def latex(self, numbers: bool = False) -> str:
        mantissa, exponent = _split(self.value, self.digits)
        mantissa = mantissa.replace("−", "-").replace("∞", r"\infty")
        return rf"{mantissa} \times 10^{{{exponent.replace('−', '-')}}}" if exponent else mantissa

    def mathml(self, numbers: bool = False) -> str:
        mantissa, exponent = _split(self.value, self.digits)
        sign = ""
        if mantissa.startswith("−"):
            sign, mantissa = "<mo>−</mo>", mantissa[1:]
        body = f"<mn>{html.escape(mantissa)}</mn>"
        if exponent:
            body += f"<mo>×</mo><msup><mn>10</mn><mn>{html.escape(exponent)}</mn></msup>"
        return f"<mrow>{sign}{body}</mrow>" if sign or exponent else body


@dataclass(frozen=True)
class Sym(Expr):
    """A named quantity: ``Sym("W", "11", "(2)")`` is W₁₁⁽²⁾, ``Sym("y", hat=True)`` is ŷ."""

    base: str
    sub: str = ""
    sup: str = ""
    hat: bool = False
    value: float | None = None

    def _base_text(self) -> str:
        if self.hat:
            return {"y": "ŷ"}.get(self.base, self.base + "\u0302")
        return self.base

    def text(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.text()
        return self._base_text() + sub_text(self.sub) + sup_text(self.sup)

    def latex(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.latex()
        base = _latex_text(self.base)
        out = rf"\hat{{{base}}}" if self.hat else base
        if self.sub:
            out += f"_{{{self.sub}}}"
        if self.sup:
            out += f"^{{{self.sup}}}"
        return out

    def mathml(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.mathml()
        base = f"<mi>{html.escape(self.base)}</mi>"
        if self.hat:
            base = f'<mover accent="true">{base}<mo>^</mo></mover>'
        sub = f"<mn>{html.escape(self.sub)}</mn>" if self.sub else ""
        sup = f"<mn>{html.escape(self.sup)}</mn>" if self.sup else ""
        if sub and sup:
            return f"<msubsup>{base}{sub}{sup}</msubsup>"
        if sub:
            return f"<msub>{base}{sub}</msub>"
        if sup:
            return f"<msup>{base}{sup}</msup>"
        return base


@dataclass(frozen=True)
class Call(Expr):
    """f(arg), e.g. σ(h₁) or tanh²(h); ``power`` 2 writes the square on the function name."""

    fn: str
    arg: Expr
    value: float | None = None
    power: int = 1

    def text(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.text()
        power = sup_text(str(self.power)) if self.power != 1 else ""
        return f"{self.fn}{power}({self.arg.text()})"

    def latex(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.latex()
        fn = {"σ": r"\sigma", "tanh": r"\tanh"}.get(self.fn, rf"\operatorname{{{self.fn}}}")
        power = f"^{{{self.power}}}" if self.power != 1 else ""
        return rf"{fn}{power}\left({self.arg.latex()}\right)"

    def mathml(self, numbers: bool = False) -> str:
        num = leaf_number(self, numbers)
        if num is not None:
            return num.mathml()
        fn = f"<mi>{html.escape(self.fn)}</mi>"
        if self.power != 1:
            fn = f"<msup>{fn}<mn>{self.power}</mn></msup>"
        return f"<mrow>{fn}<mo>(</mo>{self.arg.mathml()}<mo>)</mo></mrow>"


@dataclass(frozen=True)
class Prod(Expr):
    """A product written by juxtaposition (``·`` between numbers once they are put in)."""

    items: tuple[Expr, ...]
    precedence = 2

    def _parts(self, numbers: bool) -> list[tuple[Expr, bool]]:
        return [
            (item, item.precedence < 2 or (numbers and _is_negative(item))) for item in self.items
        ]

    def text(self, numbers: bool = False) -> str:
        out = []
        for item, paren in self._parts(numbers):
            body = item.text(numbers)
            out.append(f"({body})" if paren else body)
        if numbers:
            return " · ".join(out)
        joined = out[0]
        for prev, body in itertools.pairwise(out):
            joined += body if body.startswith("(") or prev.endswith(")") else " " + body
        return joined

    def latex(self, numbers: bool = False) -> str:
        sep = r" \cdot " if numbers else r"\,"
        return sep.join(
            rf"\left({item.latex(numbers)}\right)" if paren else item.latex(numbers)
            for item, paren in self._parts(numbers)
        )

    def mathml(self, numbers: bool = False) -> str:
        sep = "<mo>·</mo>" if numbers else "<mo>&#x2062;</mo>"  # invisible times
        return (
            "<mrow>"
            + sep.join(
                f"<mrow><mo>(</mo>{item.mathml(numbers)}<mo>)</mo></mrow>"
                if paren
                else item.mathml(numbers)
                for item, paren in self._parts(numbers)
            )
            + "</mrow>"
        )


def _is_negative(expr: Expr) -> bool:
    value = getattr(expr, "value", None)
    return value is not None and value < 0


@dataclass(frozen=True)
class Bin(Expr):
    """``left op right`` for + and −; the right side of a minus is parenthesised when needed."""

    left: Expr
    op: str
    right: Expr
    precedence = 1

    def _paren_right(self, numbers: bool) -> bool:
        return self.right.precedence < 2 or (numbers and _is_negative(self.right))

    def text(self, numbers: bool = False) -> str:
        right = self.right.text(numbers)
        right = f"({right})" if self._paren_right(numbers) else right
        return f"{self.left.text(numbers)} {self.op} {right}"

    def latex(self, numbers: bool = False) -> str:
        right = self.right.latex(numbers)
        right = rf"\left({right}\right)" if self._paren_right(numbers) else right
        op = {"−": "-", "⊙": r"\odot", "≠": r"\neq"}.get(self.op, self.op)
        return f"{self.left.latex(numbers)} {op} {right}"

    def mathml(self, numbers: bool = False) -> str:
        right = self.right.mathml(numbers)
        if self._paren_right(numbers):
            right = f"<mrow><mo>(</mo>{right}<mo>)</mo></mrow>"
        op = html.escape(self.op)
        return f"<mrow>{self.left.mathml(numbers)}<mo>{op}</mo>{right}</mrow>"


@dataclass(frozen=True)
class Neg(Expr):
    """−x."""

    arg: Expr
    precedence = 1

    def text(self, numbers: bool = False) -> str:
        body = self.arg.text(numbers)
        return f"−({body})" if self.arg.precedence < 3 or numbers else f"−{body}"

    def latex(self, numbers: bool = False) -> str:
        body = self.arg.latex(numbers)
        return rf"-\left({body}\right)" if self.arg.precedence < 3 or numbers else f"-{body}"

    def mathml(self, numbers: bool = False) -> str:
        body = self.arg.mathml(numbers)
        if self.arg.precedence < 3 or numbers:
            body = f"<mrow><mo>(</mo>{body}<mo>)</mo></mrow>"
        return f"<mrow><mo>−</mo>{body}</mrow>"


@dataclass(frozen=True)
class Frac(Expr):
    """num / den: a fraction bar in LaTeX and MathML, a slash in text."""

    num: Expr
    den: Expr
    precedence = 2

    def text(self, numbers: bool = False) -> str:
        num, den = self.num.text(numbers), self.den.text(numbers)
        num = f"({num})" if self.num.precedence < 2 else num
        den = f"({den})" if self.den.precedence < 3 or numbers else den
        return f"{num}/{den}"

    def latex(self, numbers: bool = False) -> str:
        return rf"\frac{{{self.num.latex(numbers)}}}{{{self.den.latex(numbers)}}}"

    def mathml(self, numbers: bool = False) -> str:
        return f"<mfrac>{self.num.mathml(numbers)}{self.den.mathml(numbers)}</mfrac>"


def one() -> Num:
    return Num(1.0)
