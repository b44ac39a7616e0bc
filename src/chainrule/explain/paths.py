"""The chain rule's factors for one weight, read off the forward trace: paths and the δ recursion.

For the weight w_ij^(k), from unit i of layer k − 1 into unit j of layer k, every path from E down
to it passes through one unit in each later layer, ``h_j^(k) → h_{j'}^(k+1) → … → h_o^(L)``, and
the chain rule multiplies one factor per link, in the lecture's order (E first)::

    ∂E/∂ŷ_o · ∂ŷ_o/∂h_o · ∂h_o^(L)/∂h^(L−1) · … · ∂h_{j'}^(k+1)/∂h_j^(k) · ∂h_j^(k)/∂w_ij^(k)

with ∂h_{j'}^(l+1)/∂h_j^(l) = w_{jj'}^(l+1) f'(h_j^(l)) and ∂h_j^(k)/∂w_ij^(k) = a_i^(k−1) (the
input x_i for k = 1, 1 for the bias row). ∂E/∂w_ij^(k) is the sum of the products over all paths.
Their number is the product of the later layers' widths, so past a bound (:data:`MAX_PATHS`) the
same sum is shown layer by layer instead, the δ recursion (δ = ∂E/∂h, the bias row left out)::

    δ^(L) = ∂E/∂h^(L),    δ^(l) = (W^(l+1) δ^(l+1)) ⊙ f'(h^(l)),    ∂E/∂w_ij^(k) = a_i^(k−1) δ_j^(k)

Everything here is arithmetic on the values feedforward already computed (``net.forward(X,
trace=True)``): this shows the chain rule, it does not replace the engine, whose gradient the
explanation is proven against (:mod:`chainrule.explain.core`).

Output layer and loss: squared error with an elementwise output keeps ∂E/∂ŷ = ŷ − y and
∂ŷ/∂h = f'(h) as two factors; binary cross-entropy with a sigmoid folds them into ŷ − y (both
shown as parts); a softmax output couples its units, ∂ŷ_k/∂h_o = ŷ_k([k = o] − ŷ_o), so its
factor is the combined ∂E/∂h_o, with the diagonal term and the cross terms shown as parts.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from chainrule.explain.mathexpr import (
    Bin,
    Call,
    Cases,
    Chain,
    Expr,
    Frac,
    Neg,
    Num,
    Partial,
    Prod,
    Sum,
    Sym,
)

#: the most paths listed one by one; past it the explanation shows the δ recursion instead
MAX_PATHS = 64
#: the slope of ``leaky_relu`` for h ≤ 0 in :class:`chainrule.Dense` (``ops.leaky_relu``'s default)
LEAKY_SLOPE = 0.01


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


@dataclass(frozen=True)
class Path:
    """One path from the weight up to E: the units it passes (layer, unit; 1-based), its factors
    in the lecture's order and their product."""

    units: tuple[tuple[int, int], ...]
    factors: tuple[Factor, ...]
    product: float
    labels: tuple[str, ...] = field(default=())  # the units' names, e.g. ("h₁", "h")


@dataclass(frozen=True)
class DeltaStep:
    """One layer of the δ recursion: δ^(l) = ∂E/∂h^(l) for every unit of layer l."""

    layer: int
    symbol_expr: Expr
    formula_expr: Expr
    values: tuple[float, ...]

    @property
    def formula(self) -> str:
        return self.formula_expr.text()


class Names:
    """The lecture's names for a network's quantities.

    A network with one output names it h and ŷ. With two layers and one output (the lecture's
    2-2-1) the hidden pre-activations are h₁, h₂; a single layer's units are h₁, h₂, …;
    otherwise every unit is h_j^(l).
    """

    def __init__(self, sizes: Sequence[int]) -> None:
        self.sizes = list(sizes)
        self.L = len(sizes) - 1
        self.single_output = sizes[-1] == 1
        self.lecture = self.single_output and self.L <= 2

    def h(self, layer: int, unit: int, value: float | None = None) -> Sym:
        if layer == self.L and self.single_output:
            return Sym("h", value=value)
        if self.lecture or self.L == 1:
            return Sym("h", str(unit), value=value)
        return Sym("h", str(unit), f"({layer})", value=value)

    def yhat(self, unit: int, value: float | None = None) -> Sym:
        return Sym("y", "" if self.single_output else str(unit), hat=True, value=value)

    def y(self, unit: int | str, value: float | None = None) -> Sym:
        return Sym("y", "" if self.single_output else str(unit), value=value)

    def weight(self, layer: int, i: int, j: int, value: float | None = None) -> Sym:
        sub = f"{i}{j}" if i < 10 and j < 10 else f"{i},{j}"
        return Sym("W", sub, f"({layer})", value=value)

    def unit_label(self, layer: int, unit: int) -> str:
        return Sym("x", str(unit)).text() if layer == 0 else self.h(layer, unit).text()


@dataclass
class Forward:
    """What feedforward computed for the selected samples, and how to name it.

    ``h[l-1]``, ``a[l-1]`` are layer l's pre-activations and activations, (m, n_l); ``x`` the
    input (m, n_0); ``Y`` the targets as a dense (m, n_L) array (one-hot for class indices).
    """

    weights: list[np.ndarray]
    activations: list[str]
    loss: str
    x: np.ndarray
    h: list[np.ndarray]
    a: list[np.ndarray]
    Y: np.ndarray
    names: Names

    @property
    def L(self) -> int:
        return len(self.weights)


# -- elementwise activations and their derivatives -----------------------------------------------
def derivative(activation: str, h: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(h) from the saved h and a = f(h), for an elementwise activation (not softmax)."""
    if activation == "sigmoid":
        return a * (1 - a)
    if activation == "tanh":
        return 1 - a * a
    if activation == "relu":
        return (h > 0).astype(h.dtype)
    if activation == "leaky_relu":
        return np.where(h > 0, 1.0, LEAKY_SLOPE).astype(h.dtype)
    return np.ones_like(h)  # identity


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
        low = Num(0.0) if act == "relu" else Num(LEAKY_SLOPE)
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
    names, L = fw.names, fw.L
    act = fw.activations[-1]
    yhat_row, y_row = fw.a[-1][n], fw.Y[n]
    yh, yv = float(yhat_row[o - 1]), float(y_row[o - 1])
    Yhat, Y, H = names.yhat(o, yh), names.y(o, yv), names.h(L, o)
    E = Sym("E")
    dE_dyhat = Partial(E, names.yhat(o))
    dyhat_dh = Partial(names.yhat(o), H)
    one = Num(1.0)
    if act != "softmax":
        fprime, d = derivative_expr(fw, L, o, n)
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
                dE_dyhat, Frac(Bin(Yhat, "−", Y), Prod((Yhat, Bin(one, "−", Yhat)))), dl, "loss"
            ),
            Factor(dyhat_dh, fprime, d, "output"),
        )
        note = "binary cross-entropy cancels σ'(h), so ∂E/∂ŷ · ∂ŷ/∂h folds into ŷ − y"
        combined = Chain((dE_dyhat, dyhat_dh))
        return [Factor(combined, Bin(Yhat, "−", Y), yh - yv, "loss·output", parts=parts, note=note)]
    # softmax output: ∂ŷ_k/∂h_o = ŷ_k([k = o] − ŷ_o) couples every output to h_o
    others = np.arange(len(yhat_row)) != o - 1
    k_hat, k_y = Sym("y", "k", hat=True), Sym("y", "k")
    cross_symbol = Sum(f"k≠{o}", Chain((Partial(E, k_hat), Partial(k_hat, H))))
    diag_d = yh * (1 - yh)
    diag_formula = Prod((Yhat, Bin(one, "−", Yhat)))
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
    return [Factor(Partial(E, H), formula, value, "loss·output", parts=parts, note=note)]


def with_running(factors: Sequence[Factor]) -> tuple[Factor, ...]:
    """The factors with their running products filled in, E first."""
    out, running = [], 1.0
    for f in factors:
        running *= f.value
        out.append(replace(f, running=running))
    return tuple(out)


# -- paths and the δ recursion -------------------------------------------------------------------
def count_paths(sizes: Sequence[int], k: int) -> int:
    """How many paths join a weight of layer k to E: the product of the later layers' widths."""
    return math.prod(sizes[k + 1 :])


def enumerate_paths(fw: Forward, n: int, k: int, i: int, j: int) -> tuple[Path, ...]:
    """Every path from E down to w_ij^(k) for sample n, each with its factors and product."""
    names, L = fw.names, fw.L
    first = input_factor(fw, n, k, i, j)
    cache: dict[tuple[int, int, int], Factor] = {}
    ends: dict[int, list[Factor]] = {}
    paths = []
    for chosen in itertools.product(*(range(1, s + 1) for s in names.sizes[k + 1 :])):
        units = ((k, j), *((k + 1 + d, u) for d, u in enumerate(chosen)))
        o = units[-1][1]
        if o not in ends:
            ends[o] = end_factors(fw, n, o)
        factors = list(ends[o])
        for layer in range(L - 1, k - 1, -1):  # from the output layer down to layer k
            key = (layer, units[layer - k][1], units[layer - k + 1][1])
            if key not in cache:
                cache[key] = transition(fw, n, *key)
            factors.append(cache[key])
        factors.append(first)
        factors = with_running(factors)
        labels = tuple(names.unit_label(layer, u) for layer, u in units)
        paths.append(Path(units, factors, factors[-1].running or 0.0, labels))
    return tuple(paths)


def deltas(fw: Forward) -> list[np.ndarray]:
    """δ^(l) = ∂ℓ/∂h^(l) for l = 1 … L, each (m, n_l), one row per sample (not yet weighted)."""
    act = fw.activations[-1]
    yhat, Y = fw.a[-1], fw.Y
    if act == "softmax" and fw.loss == "squared_error":
        g = yhat - Y
        top = yhat * (g - (g * yhat).sum(axis=1, keepdims=True))
    elif fw.loss == "squared_error":
        top = (yhat - Y) * derivative(act, fw.h[-1], yhat)
    else:  # the folded losses: ŷ − y
        top = yhat - Y
    out = [top]
    for layer in range(fw.L - 1, 0, -1):
        u = out[0] @ fw.weights[layer][:-1].T  # W^(layer+1) δ^(layer+1), the bias row left out
        h, a = fw.h[layer - 1], fw.a[layer - 1]
        if fw.activations[layer - 1] == "softmax":
            out.insert(0, a * (u - (a * u).sum(axis=1, keepdims=True)))
        else:
            out.insert(0, u * derivative(fw.activations[layer - 1], h, a))
    return out


def delta_steps(fw: Forward, all_deltas: list[np.ndarray], n: int, k: int) -> tuple[DeltaStep, ...]:
    """The δ recursion for sample n from the output layer down to layer k, with its formulas."""
    L = fw.L
    steps = []
    for layer in range(L, k - 1, -1):
        delta = Sym("δ", sup=f"({layer})")
        act = fw.activations[layer - 1]
        if layer == L:
            yhat, y = Sym("y", hat=True), Sym("y")
            if act == "softmax" and fw.loss == "squared_error":
                formula: Expr = Prod((Call("J", Sym("h", sup=f"({L})")), Sym("ᵀ(ŷ − y)")))
            elif fw.loss == "squared_error":
                formula = Bin(Bin(yhat, "−", y), "⊙", Call(_prime(act), Sym("h", sup=f"({L})")))
            else:
                formula = Bin(yhat, "−", y)
        else:
            Wd = Prod((Sym("W", sup=f"({layer + 1})"), Sym("δ", sup=f"({layer + 1})")))
            if act == "softmax":
                formula = Prod((Call("J", Sym("h", sup=f"({layer})")), Sym("ᵀ"), Wd))
            elif act == "identity":
                formula = Wd
            else:
                formula = Bin(Wd, "⊙", Call(_prime(act), Sym("h", sup=f"({layer})")))
        values = tuple(float(v) for v in all_deltas[layer - 1][n])
        steps.append(DeltaStep(layer, delta, formula, values))
    return tuple(steps)


def _prime(activation: str) -> str:
    return {"sigmoid": "σ′", "tanh": "tanh′", "relu": "relu′", "leaky_relu": "leaky_relu′"}.get(
        activation, activation + "′"
    )


def sample_factors(
    fw: Forward, n: int, k: int, i: int, j: int, paths: tuple[Path, ...], delta: float
) -> tuple[Factor, ...]:
    """The factors whose product is ∂ℓ_n/∂w_ij^(k): the whole chain when one path joins the
    weight to E; otherwise ∂E/∂h_j^(k) = δ_j^(k) (the sum over the paths) times the input."""
    if len(paths) == 1:
        return paths[0].factors
    if count_paths(fw.names.sizes, k) == 1:
        return enumerate_paths(fw, n, k, i, j)[0].factors
    h = fw.names.h(k, j)
    how = f"the sum over {len(paths)} paths" if paths else "the δ recursion"
    first = Factor(
        Partial(Sym("E"), h), Sym("δ", str(j), f"({k})", value=delta), delta, "delta", note=how
    )
    return with_running([first, input_factor(fw, n, k, i, j)])
