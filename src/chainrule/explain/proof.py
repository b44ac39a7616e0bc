"""The proof and the one-step audit: the engine's gradient beside a float64 finite difference.

The explainer never computes a gradient of its own for the proof: the engine's comes from
``net.value_and_gradients`` (backprop, the one gradient path), and the numeric one from the
network's own ``error_function`` evaluated at perturbed copies of the weights, in float64 (on a
float64 copy of a float32 network). The step is evaluated the same way, on copies: the user's
network is never modified.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.engine.modes import no_grad
from chainrule.engine.tensor import tensor
from chainrule.nn.layers import Parameter
from chainrule.nn.protocol import Network

#: the finite-difference step (and its half, for Richardson extrapolation)
FD_EPS = 1e-4


@dataclass(frozen=True)
class Proof:
    """The product of the factors, the engine's gradient and a central finite difference."""

    product: float
    engine: float
    numeric: float
    method: str
    eps: float
    rtol: float
    atol: float

    @staticmethod
    def rel(a: float, b: float) -> float:
        """|a − b| / max(|a|, |b|), 0 when both are 0."""
        scale = max(abs(a), abs(b))
        return abs(a - b) / scale if scale > 0 else 0.0

    @property
    def abs_product_engine(self) -> float:
        return abs(self.product - self.engine)

    @property
    def rel_product_engine(self) -> float:
        return self.rel(self.product, self.engine)

    @property
    def abs_numeric_engine(self) -> float:
        return abs(self.numeric - self.engine)

    @property
    def rel_numeric_engine(self) -> float:
        return self.rel(self.numeric, self.engine)

    @property
    def agree(self) -> bool:
        """All three within ``atol + rtol·|engine|`` of the engine."""
        limit = self.atol + self.rtol * abs(self.engine)
        return self.abs_product_engine <= limit and self.abs_numeric_engine <= limit


@dataclass(frozen=True)
class StepAudit:
    """One step of gradient descent, W ← W − lr · ∂E/∂W, evaluated on copies of the weights."""

    lr: float
    weight: float
    gradient: float  # the engine's ∂E/∂w
    new_weight: float
    error_before: float
    error_after: float  # every weight stepped, as training does
    error_after_weight_only: float  # only this weight stepped

    @property
    def predicted_change(self) -> float:
        """First-order change of E when only this weight steps: −lr · (∂E/∂w)²."""
        return -self.lr * self.gradient**2


def float64_error_function(net: Network, X: np.ndarray, y: Any, sw: Any) -> Any:
    """E as a function of float64 weights: the network's own error function, on a float64 copy
    when the network is float32 (the user's network is never touched)."""
    if np.dtype(net.dtype) == np.float64:
        return net.error_function(X, y, sw)
    net64 = copy.deepcopy(net)
    for layer in net64.layers:
        layer.W = Parameter(
            layer.W.data.astype(np.float64), name=layer.W.name, folded_bias=layer.W.folded_bias
        )
    return net64.error_function(np.asarray(X, dtype=np.float64), y, sw)


def _evaluate(f: Any, Ws: list[np.ndarray]) -> float:
    with no_grad():
        return float(f(*[tensor(W) for W in Ws]).data)


def central_difference(f: Any, Ws: list[np.ndarray], k: int, r: int, c: int, eps: float) -> float:
    """(4 D(ε/2) − D(ε))/3 with D(ε) = (E(w + ε) − E(w − ε))/2ε: error O(ε⁴), in float64."""
    Ws = [W.copy() for W in Ws]
    w0 = Ws[k][r, c]

    def E_at(delta: float) -> float:
        Ws[k][r, c] = w0 + delta
        return _evaluate(f, Ws)

    d1 = (E_at(eps) - E_at(-eps)) / (2 * eps)
    d2 = (E_at(eps / 2) - E_at(-eps / 2)) / eps
    return (4 * d2 - d1) / 3


def one_step(
    f: Any,
    Ws: list[np.ndarray],
    grads: list[np.ndarray],
    k: int,
    r: int,
    c: int,
    lr: float,
    E: float,
) -> StepAudit:
    stepped = [W - lr * np.asarray(g, dtype=np.float64) for W, g in zip(Ws, grads, strict=True)]
    only = [W.copy() for W in Ws]
    g = float(grads[k][r, c])
    only[k][r, c] = Ws[k][r, c] - lr * g
    return StepAudit(
        lr=lr,
        weight=float(Ws[k][r, c]),
        gradient=g,
        new_weight=float(stepped[k][r, c]),
        error_before=E,
        error_after=_evaluate(f, stepped),
        error_after_weight_only=_evaluate(f, only),
    )
