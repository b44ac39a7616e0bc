"""What feedforward computed, as the explainer reads it, and the lecture's names for it.

:class:`Forward` holds the trace of ``net.forward(X, trace=True)`` for the explained samples (h
and a per layer, the input, the dense targets) with the network's weights, activations and loss;
:class:`Names` spells a network's quantities as the lecture does (h₁, ŷ, W₁₁⁽²⁾); and
:func:`derivative` is f'(h) from the saved h and a. Everything the explainer computes is
arithmetic on these values; it is proven against the engine, not a replacement for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chainrule.engine.ops.activations import LEAKY_RELU_SLOPE
from chainrule.explain.mathexpr import Sym


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


def derivative(activation: str, h: np.ndarray, a: np.ndarray) -> np.ndarray:
    """f'(h) from the saved h and a = f(h), for an elementwise activation (not softmax)."""
    if activation == "sigmoid":
        return a * (1 - a)
    if activation == "tanh":
        return 1 - a * a
    if activation == "relu":
        return (h > 0).astype(h.dtype)
    if activation == "leaky_relu":
        return np.where(h > 0, 1.0, LEAKY_RELU_SLOPE).astype(h.dtype)
    return np.ones_like(h)  # identity
