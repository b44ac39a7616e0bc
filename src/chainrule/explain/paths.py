"""Paths from E down to a weight, and the δ recursion that sums them layer by layer.

Every path from E down to w_ij^(k) passes through one unit in each later layer,
``h_j^(k) → h_{j'}^(k+1) → … → h_o^(L)``; its factors (:mod:`chainrule.explain.factors`)
multiply to its share of the gradient, and ∂E/∂w_ij^(k) is the sum of the products over all
paths. Their number is the product of the later layers' widths, so past a bound
(:data:`MAX_PATHS`) the same sum is shown layer by layer instead, the δ recursion (δ = ∂E/∂h, the
bias row left out)::

    δ^(L) = ∂E/∂h^(L),    δ^(l) = (W^(l+1) δ^(l+1)) ⊙ f'(h^(l)),    ∂E/∂w_ij^(k) = a_i^(k−1) δ_j^(k)

Everything here is arithmetic on the values feedforward already computed (``net.forward(X,
trace=True)``): this shows the chain rule, it does not replace the engine, whose gradient the
explanation is proven against (:mod:`chainrule.explain.proof`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from chainrule.explain.calculus import Partial
from chainrule.explain.factors import Factor, end_factors, input_factor, transition, with_running
from chainrule.explain.mathexpr import Bin, Call, Expr, Prod, Sym
from chainrule.explain.trace import Forward, derivative

#: the most paths listed one by one; past it the explanation shows the δ recursion instead
MAX_PATHS = 64


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
