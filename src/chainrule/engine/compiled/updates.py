"""The optimizers' update rules, compiled: one weight matrix at a time, in place, in its dtype.

Each rule is the one in ``chainrule/training/optim/`` (which are ``torch.optim``'s), elementwise,
in the same order of operations, with every coefficient that the NumPy code computes as a Python
float (``lr / (1 − β1^k)``, ``1 − α``, …) computed in float64 and cast to the array's dtype
through the scratch entries of ``c`` before it meets an array, as NumPy casts a Python scalar::

    g ← g + λ·W (bias row excepted)                       L2 weight decay (all but AdamW)
    descent:  W ← W − η·g
    SGD:      b ← μ·b + g;  d = g + μ·b (Nesterov) | b | g;  W ← W − η·d
    Adam:     m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
              W ← W − η/(1 − β1^k) · m / (sqrt(v)/sqrt(1 − β2^k) + ε)
    AdamW:    W[:-1] ← W[:-1]·(1 − ηλ) first, then Adam without λ
    RMSprop:  v ← α·v + (1 − α)·g²;  t = g/(sqrt(v) + ε);  b ← μ·b + t, W ← W − η·b  (μ > 0)
              else W ← W − η·t

Clipping (:func:`clip`) first scales every gradient by max_norm/(‖g‖ + 1e-6) when that is below 1.
"""

# numba has no type stubs: its decorators leave the functions untyped for mypy.
# mypy: disable-error-code="misc,no-any-return,untyped-decorator"

from __future__ import annotations

import math
from typing import Any

import numba

from chainrule.engine.compiled.layout import (
    ADAM,
    ADAMW,
    ALPHA,
    BETA1,
    BETA2,
    CLIP,
    DECAY,
    DESCENT,
    EPS,
    FOLDED,
    LR,
    MOMENTUM,
    NESTEROV,
    RMSPROP,
    SCRATCH,
    SGD,
)

jit = numba.njit(cache=True, nogil=True, error_model="numpy")  # see kernels.jit


@jit
def cast(c: Any, k: int, value: float) -> Any:
    """``value`` (float64) in c's dtype, through the scratch slot SCRATCH + k."""
    c[SCRATCH + k] = value
    return c[SCRATCH + k]


@jit
def clip(Gs: Any, max_norm: float, c: Any) -> None:
    """Scale all gradients by max_norm/(‖g‖ + 1e-6) when below 1 (‖g‖ over all of them)."""
    total = 0.0
    for k in range(len(Gs)):
        G = Gs[k]
        for i in range(G.shape[0]):
            for j in range(G.shape[1]):
                total += float(G[i, j]) * float(G[i, j])
    total = math.sqrt(total)
    if not math.isfinite(total):
        return
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        scale = cast(c, 0, coef)
        for k in range(len(Gs)):
            G = Gs[k]
            for i in range(G.shape[0]):
                for j in range(G.shape[1]):
                    G[i, j] *= scale


@jit
def update(
    W: Any, G: Any, S1: Any, S2: Any, opt: int, hyper: Any, k: int, step: int, c: Any
) -> None:
    """One optimizer update of the weight W (layer k) from its gradient G, in place.

    S1, S2: its state (SGD: the momentum buffer; Adam: m, v; RMSprop: v, the momentum buffer);
    ``step``: its update count, this one included (Adam's bias correction).
    """
    rows, cols = W.shape
    lr, wd = hyper[LR], hyper[DECAY]
    last = rows - 1 if hyper[FOLDED + k] else rows  # the bias row is never decayed
    lr_t, wd_t = cast(c, 1, lr), cast(c, 2, wd)
    l2 = wd != 0.0 and opt != ADAMW and opt != DESCENT
    if opt == ADAMW and wd != 0.0:
        shrink = cast(c, 3, 1.0 - lr * wd)
        for i in range(last):
            for j in range(cols):
                W[i, j] *= shrink
    if opt == DESCENT:
        for i in range(rows):
            for j in range(cols):
                W[i, j] -= G[i, j] * lr_t
    elif opt == SGD:
        mu = hyper[MOMENTUM]
        mu_t, nesterov = cast(c, 3, mu), hyper[NESTEROV] != 0.0
        for i in range(rows):
            for j in range(cols):
                g = G[i, j]
                if l2 and i < last:
                    g = W[i, j] * wd_t + g
                if mu != 0.0:
                    b = S1[i, j] * mu_t + g
                    S1[i, j] = b
                    g = b * mu_t + g if nesterov else b
                W[i, j] -= g * lr_t
    elif opt == ADAM or opt == ADAMW:  # noqa: SIM109 (numba: no tuple membership needed)
        b1, b2 = hyper[BETA1], hyper[BETA2]
        b1_t, b2_t = cast(c, 3, b1), cast(c, 4, b2)
        c1, c2 = cast(c, 5, 1.0 - b1), cast(c, 6, 1.0 - b2)
        root = cast(c, 7, math.sqrt(1.0 - b2**step))
        eps, scale = cast(c, 8, hyper[EPS]), cast(c, 9, lr / (1.0 - b1**step))
        for i in range(rows):
            for j in range(cols):
                g = G[i, j]
                if l2 and i < last:
                    g = W[i, j] * wd_t + g
                m = S1[i, j] * b1_t + g * c1
                v = S2[i, j] * b2_t + (g * g) * c2
                S1[i, j], S2[i, j] = m, v
                W[i, j] -= (m / (math.sqrt(v) / root + eps)) * scale
    elif opt == RMSPROP:
        alpha, mu = hyper[ALPHA], hyper[MOMENTUM]
        a_t, c_t = cast(c, 3, alpha), cast(c, 4, 1.0 - alpha)
        eps, mu_t = cast(c, 5, hyper[EPS]), cast(c, 6, mu)
        for i in range(rows):
            for j in range(cols):
                g = G[i, j]
                if l2 and i < last:
                    g = W[i, j] * wd_t + g
                v = S1[i, j] * a_t + (g * g) * c_t
                S1[i, j] = v
                t = g / (math.sqrt(v) + eps)
                if mu != 0.0:
                    b = S2[i, j] * mu_t + t
                    S2[i, j] = b
                    t = b
                W[i, j] -= t * lr_t


@jit
def update_all(
    Ws: Any, Gs: Any, S1: Any, S2: Any, opt: int, hyper: Any, steps: Any, c: Any
) -> None:
    """Clip (when ``hyper[CLIP]`` > 0), then update every layer; ``steps`` counts the updates."""
    if hyper[CLIP] > 0.0:
        clip(Gs, hyper[CLIP], c)
    for k in range(len(Ws)):
        steps[k] += 1
        update(Ws[k], Gs[k], S1[k], S2[k], opt, hyper, k, steps[k], c)
