"""The chain rule's factors, one per link from E down to a weight, each with its formula and value.

For the weight w_ij^(k), from unit i of layer k − 1 into unit j of layer k, the chain rule
multiplies one factor per link, in the lecture's order (E first)::

    ∂E/∂ŷ_o · ∂ŷ_o/∂h_o · ∂h_o^(L)/∂h^(L−1) · … · ∂h_{j'}^(k+1)/∂h_j^(k) · ∂h_j^(k)/∂w_ij^(k)

with ∂h_{j'}^(l+1)/∂h_j^(l) = w_{jj'}^(l+1) f'(h_j^(l)) (:func:`transition`) and
∂h_j^(k)/∂w_ij^(k) = a_i^(k−1) (:func:`input_factor`: the input x_i for k = 1, 1 for the bias
row). :mod:`chainrule.explain.paths` strings them into paths and the δ recursion.

Output layer and loss (:func:`end_factors`): squared error with an elementwise output keeps
∂E/∂ŷ = ŷ − y and ∂ŷ/∂h = f'(h) as two factors; binary cross-entropy with a sigmoid folds them
into ŷ − y (both shown as parts); a softmax output couples its units, ∂ŷ_k/∂h_o = ŷ_k([k = o] −
ŷ_o), so its factor is the combined ∂E/∂h_o, with the diagonal term and the cross terms shown as
parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from chainrule.engine.ops.activations import LEAKY_RELU_SLOPE
from chainrule.explain.calculus import Cases, Chain, Partial, Sum
from chainrule.explain.mathexpr import Bin, Call, Expr, Frac, Neg, Num, Prod, Sym
from chainrule.explain.trace import Forward, derivative


@dataclass(frozen=True)
class Factor:
    """One factor of the chain rule: its symbol, its symbolic form, and its value for the data.

    Attributes:
        symbol: e.g. ``"∂h/∂h₁"`` (text; ``symbol_expr`` renders it as LaTeX or MathML too).
        formula: e.g. ``"W₁₁⁽²⁾ σ(h₁)(1 − σ(h₁))"``; ``numbers`` is the same with values put in.
        value: the factor's value.
        running: the product of this factor and every one before it (E first).
        role: ``loss``, ``output``, ``loss·output`` (folded or coupled), ``layer``, ``input``
            or ``delta`` (the sum over several paths).
        parts: for a folded or coupled factor, the factors it combines (shown, not multiplied).
    """

    symbol_expr: Expr
    formula_expr: Expr
    value: float
    role: str
    running: float | None = None
    parts: tuple[Factor, ...] = ()
    note: str = ""

    @property
    def symbol(self) -> str:
        return self.symbol_expr.text()

    @property
    def formula(self) -> str:
        return self.formula_expr.text()

    @property
    def numbers(self) -> str:
        return self.formula_expr.text(numbers=True)

    def __repr__(self) -> str:
        return f"Factor({self.symbol} = {self.formula} = {self.value!r})"


# -- the local derivatives ------------------------------------------------------------------------
def activation_expr(fw: Forward, layer: int, unit: int, n: int) -> Expr:
    """a_unit^(layer) as the lecture writes it: x₁, σ(h₁), tanh(h₁), … or 1 for a bias row."""
    if unit > fw.names.sizes[layer]:
        return Num(1.0)
    if layer == 0:
        return Sym("x", str(unit), value=float(fw.x[n, unit - 1]))
    value = float(fw.a[layer - 1][n, unit - 1])
    h = fw.names.h(layer, unit, float(fw.h[layer - 1][n, unit - 1]))
    act = fw.activations[layer - 1]
    if act == "identity":
        return h
    if act == "softmax":
        return Sym("a", str(unit), f"({layer})", value=value)
    return Call({"sigmoid": "σ"}.get(act, act), h, value=value)


def derivative_expr(fw: Forward, layer: int, unit: int, n: int) -> tuple[Expr, float]:
    """(f'(h) as a formula, its value) for an elementwise layer's unit, e.g. σ(h₁)(1 − σ(h₁))."""
    act = fw.activations[layer - 1]
    hv = float(fw.h[layer - 1][n, unit - 1])
    av = float(fw.a[layer - 1][n, unit - 1])
    h = fw.names.h(layer, unit, hv)
    value = float(derivative(act, np.array(hv), np.array(av)))
    if act == "sigmoid":
        s = Call("σ", h, value=av)
        return Prod((s, Bin(Num(1.0), "−", s))), value
    if act == "tanh":
        return Bin(Num(1.0), "−", Call("tanh", h, value=av * av, power=2)), value
    if act in ("relu", "leaky_relu"):
        low = Num(0.0) if act == "relu" else Num(LEAKY_RELU_SLOPE)
        return Cases(Num(1.0), Bin(h, ">", Num(0.0)), low, value=value), value
    return Num(1.0), value


# -- the factors ---------------------------------------------------------------------------------
def transition(fw: Forward, n: int, layer: int, j: int, j_next: int) -> Factor:
    """∂h_{j_next}^(layer+1)/∂h_j^(layer) = w_{j j_next}^(layer+1) f'(h_j^(layer))."""
    names = fw.names
    W = fw.weights[layer]  # W^(layer+1)
    w = float(W[j - 1, j_next - 1])
    symbol = Partial(names.h(layer + 1, j_next), names.h(layer, j))
    if fw.activations[layer - 1] == "softmax":
        a = fw.a[layer - 1][n]
        column = W[:-1, j_next - 1]
        value = float(column @ (a * ((np.arange(len(a)) == j - 1) - a[j - 1])))
        body = Prod(
            (
                Sym("W", f"k{j_next}", f"({layer + 1})"),
                Sym("a", "k", f"({layer})"),
                Bin(Sym(f"[k = {j}]"), "−", Sym("a", str(j), f"({layer})")),
            )
        )
        return Factor(symbol, Sum("k", body, value=value), value, "layer")
    fprime, d = derivative_expr(fw, layer, j, n)
    weight = names.weight(layer + 1, j, j_next, w)
    formula = weight if fw.activations[layer - 1] == "identity" else Prod((weight, fprime))
    return Factor(symbol, formula, w * d, "layer")


def input_factor(fw: Forward, n: int, k: int, i: int, j: int) -> Factor:
    """∂h_j^(k)/∂w_ij^(k) = a_i^(k−1): the input the weight multiplies (1 for the bias)."""
    formula = activation_expr(fw, k - 1, i, n)
    value = 1.0 if i > fw.names.sizes[k - 1] else float(getattr(formula, "value", 1.0))
    return Factor(Partial(fw.names.h(k, j), fw.names.weight(k, i, j)), formula, value, "input")


def end_factors(fw: Forward, n: int, o: int) -> list[Factor]:
    """The factors from E to h_o^(L): two for squared error, one folded or coupled otherwise."""
    if fw.activations[-1] == "softmax":
        return [_softmax_end(fw, n, o)]
    return _elementwise_end(fw, n, o)


def _elementwise_end(fw: Forward, n: int, o: int) -> list[Factor]:
    """∂E/∂ŷ_o and ∂ŷ_o/∂h_o for an elementwise output; binary cross-entropy folds them."""
    names = fw.names
    yh, yv = float(fw.a[-1][n, o - 1]), float(fw.Y[n, o - 1])
    Yhat, Y = names.yhat(o, yh), names.y(o, yv)
    dE_dyhat = Partial(Sym("E"), names.yhat(o))
    dyhat_dh = Partial(names.yhat(o), names.h(fw.L, o))
    fprime, d = derivative_expr(fw, fw.L, o, n)
    if fw.loss == "squared_error":
        return [
            Factor(dE_dyhat, Bin(Yhat, "−", Y), yh - yv, "loss"),
            Factor(dyhat_dh, fprime, d, "output"),
        ]
    # binary cross-entropy with a sigmoid output: the lecture's fold
    with np.errstate(divide="ignore", invalid="ignore"):
        dl = float(np.divide(yh - yv, yh * (1 - yh)))
    parts = (
        Factor(
            dE_dyhat, Frac(Bin(Yhat, "−", Y), Prod((Yhat, Bin(Num(1.0), "−", Yhat)))), dl, "loss"
        ),
        Factor(dyhat_dh, fprime, d, "output"),
    )
    note = "binary cross-entropy cancels σ'(h), so ∂E/∂ŷ · ∂ŷ/∂h folds into ŷ − y"
    combined = Chain((dE_dyhat, dyhat_dh))
    return [Factor(combined, Bin(Yhat, "−", Y), yh - yv, "loss·output", parts=parts, note=note)]


def _softmax_end(fw: Forward, n: int, o: int) -> Factor:
    """∂E/∂h_o for a softmax output: ∂ŷ_k/∂h_o = ŷ_k([k = o] − ŷ_o) couples every output to h_o,
    so the factor is the sum, with its diagonal and cross terms as parts."""
    names = fw.names
    yhat_row, y_row = fw.a[-1][n], fw.Y[n]
    yh, yv = float(yhat_row[o - 1]), float(y_row[o - 1])
    Yhat, Y, H = names.yhat(o, yh), names.y(o, yv), names.h(fw.L, o)
    E = Sym("E")
    dE_dyhat = Partial(E, names.yhat(o))
    dyhat_dh = Partial(names.yhat(o), H)
    others = np.arange(len(yhat_row)) != o - 1
    k_hat, k_y = Sym("y", "k", hat=True), Sym("y", "k")
    cross_symbol = Sum(f"k≠{o}", Chain((Partial(E, k_hat), Partial(k_hat, H))))
    diag_d = yh * (1 - yh)
    diag_formula = Prod((Yhat, Bin(Num(1.0), "−", Yhat)))
    if fw.loss == "cross_entropy":
        with np.errstate(divide="ignore", invalid="ignore"):
            dl = float(np.divide(-yv, yh)) if yv != 0 else 0.0
        cross = yh * float(y_row[others].sum())
        value = yh - yv
        parts = (
            Factor(dE_dyhat, Neg(Frac(Y, Yhat)), dl, "loss"),
            Factor(dyhat_dh, diag_formula, diag_d, "output"),
            Factor(cross_symbol, Prod((Yhat, Sum(f"k≠{o}", k_y, value=float(y_row[others].sum())))),
                   cross, "output"),
        )  # fmt: skip
        formula: Expr = Bin(Yhat, "−", Y)
        note = "softmax couples the outputs; with cross-entropy the sum folds to ŷ − y"
    else:  # squared error on a softmax output
        g = yhat_row - y_row
        cross = -yh * float((g * yhat_row)[others].sum())
        value = yh * float(g[o - 1] - (g * yhat_row).sum())
        inner = Prod((Bin(k_hat, "−", k_y), k_hat))
        parts = (
            Factor(dE_dyhat, Bin(Yhat, "−", Y), yh - yv, "loss"),
            Factor(dyhat_dh, diag_formula, diag_d, "output"),
            Factor(cross_symbol, Neg(Prod((Yhat, Sum(f"k≠{o}", inner)))), cross, "output"),
        )
        formula = Prod((Yhat, Bin(Bin(Yhat, "−", Y), "−", Sum("k", inner))))
        note = "softmax couples the outputs: ∂E/∂h_o = Σ_k ∂E/∂ŷ_k · ŷ_k([k = o] − ŷ_o)"
    return Factor(Partial(E, H), formula, value, "loss·output", parts=parts, note=note)


def with_running(factors: Sequence[Factor]) -> tuple[Factor, ...]:
    """The factors with their running products filled in, E first."""
    out, running = [], 1.0
    for f in factors:
        running *= f.value
        out.append(replace(f, running=running))
    return tuple(out)
