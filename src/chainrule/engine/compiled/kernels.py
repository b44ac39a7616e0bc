"""The compiled step's pieces: affine maps, activations, losses and input checks, in numba.

This module imports numba; :mod:`chainrule.engine.compiled` imports it only when a compiled step is
first needed (``import numba`` takes about half a second), never at ``import chainrule``.

One kernel, :func:`~chainrule.engine.compiled.fused.train_step`, built from these functions and the
update rules of :mod:`~chainrule.engine.compiled.updates`, runs a whole step of a network of L
dense layers with folded biases (W^(k) of shape (n_in + 1, n_out), bias last) on preallocated
buffers, in the arrays' own dtype (float32 stays float32: every constant comes from the array ``c``
of that dtype, every coefficient computed in float64 is stored into ``c`` before it meets an array,
as NumPy casts a Python float to the array's dtype). The formulas are the engine's, in the same
order of operations (``engine/ops/activations.py``, ``engine/ops/affine.py``, ``nn/losses.py``,
``training/optim/``)::

    h^(k) = a^(k−1) W^(k)[:-1] + W^(k)[-1],  a^(k) = f_k(h^(k))       forward, a^(0) = X
    E = Σᵢ wᵢ ℓᵢ(z)                  z = h^(L) (cross-entropies) or ŷ = f_L(h^(L)) (squared error)
    δ^(L) = ∂E/∂z = wᵢ (σ(z) − y), wᵢ (softmax(z) − y) or wᵢ (ŷ − y)
    ∂E/∂W^(k)[:-1] = a^(k−1)ᵀ δ^(k),  ∂E/∂W^(k)[-1] = Σᵢ δ^(k)ᵢ
    δ^(k−1) = (δ^(k) W^(k)[:-1]ᵀ) ⊙ f'_{k−1}   (f' from the saved a: σ(1 − σ), 1 − a², [a > 0], …)

then the optimizer's rule on every W in place. e^x and log(1 + x) are those of
:mod:`~chainrule.engine.compiled.vecmath` (within 0.7 and 2 ulps): with no call into the C library
in them, the loops over a layer's elements are vectorised, and σ and the losses cost about a
nanosecond per element instead of several with ``math.exp``. Matrix products below
:data:`SMALL` multiply-adds are plain loops (a BLAS call costs more than the arithmetic there);
larger ones are ``np.dot`` into preallocated outputs, which numba hands to BLAS's GEMM with the
transposes as flags.

The kernel returns ``(status, E)`` (the codes in :mod:`~chainrule.engine.compiled.layout`):
``OK`` when the step was taken, ``BAD_X`` or ``BAD_Y`` when ``check`` is set and the inputs
or targets are not what the loss takes, ``NOT_FINITE`` when E is NaN or infinite (in these three
nothing was changed). The caller then runs the NumPy path, which raises the clear error or takes
the step as the engine does.
"""

# numba has no type stubs: its decorators leave the functions untyped for mypy.
# mypy: disable-error-code="misc,no-any-return,untyped-decorator"

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np

from chainrule.engine.compiled import vecmath
from chainrule.engine.compiled.layout import (
    BAD_X,
    BAD_Y,
    BCE,
    CE,
    EXP_BOUND,
    HALF,
    LEAKY_RELU,
    OK,
    ONE,
    RELU,
    SE,
    SIGMOID,
    SLOPE,
    SOFTMAX,
    TANH,
    ZERO,
)
from chainrule.engine.compiled.vecmath import cast_like

#: matrix products with fewer multiply-adds than this run as loops, not BLAS calls (measured:
#: numba's call of BLAS costs about 0.1 µs, and its GEMM beats these plain loops from 32 × 2 × 2 on)
SMALL = 64
#: ... and so do the gradients' products of a layer with at most this many weights (n_in · n_out),
#: whatever the batch: 32 × 2 × 2 takes 76 ns as a loop and 225 ns through BLAS (float64)
TINY = 4

#: ``error_model="numpy"``: a float division by zero gives inf or NaN as in NumPy instead of
#: numba's Python-style check, whose branch keeps LLVM from vectorising any loop that divides
jit = numba.njit(cache=True, nogil=True, error_model="numpy")


# -- matrix products into preallocated outputs -----------------------------------------------------
@jit
def affine(a: Any, W: Any, h: Any) -> None:
    """h = a W[:-1] + W[-1]   (a: (m, n_in), W: (n_in + 1, n_out), h: (m, n_out))."""
    m, n_in = a.shape
    n_out = h.shape[1]
    Wm, b = W[:-1], W[-1]
    if m * n_in * n_out >= SMALL:
        np.dot(a, Wm, h)
    else:
        for i in range(m):
            for j in range(n_out):
                h[i, j] = 0
            for p in range(n_in):
                x = a[i, p]
                for j in range(n_out):
                    h[i, j] += x * Wm[p, j]
    for i in range(m):
        for j in range(n_out):
            h[i, j] += b[j]


@jit
def weight_gradient(a: Any, delta: Any, G: Any) -> None:
    """G[:-1] = aᵀ δ and G[-1] = Σᵢ δᵢ   (a: (m, n_in), δ: (m, n_out), G: (n_in + 1, n_out))."""
    m, n_in = a.shape
    n_out = delta.shape[1]
    Gm, gb = G[:-1], G[-1]
    if m * n_in * n_out >= SMALL and n_in * n_out > TINY:
        np.dot(a.T, delta, Gm)
    else:  # one running sum per weight, in a register
        for p in range(n_in):
            for j in range(n_out):
                total = a[0, p] * delta[0, j]
                for i in range(1, m):
                    total += a[i, p] * delta[i, j]
                Gm[p, j] = total
    gb[:] = 0
    for i in range(m):
        for j in range(n_out):
            gb[j] += delta[i, j]


@jit
def input_gradient(delta: Any, W: Any, out: Any) -> None:
    """out = δ W[:-1]ᵀ   (δ: (m, n_out), W: (n_in + 1, n_out), out: (m, n_in))."""
    m, n_out = delta.shape
    n_in = out.shape[1]
    Wm = W[:-1]
    if m * n_in * n_out >= SMALL and n_in * n_out > TINY:
        np.dot(delta, Wm.T, out)
    else:
        for i in range(m):
            for p in range(n_in):
                s = delta[i, 0] * Wm[p, 0]
                for j in range(1, n_out):
                    s += delta[i, j] * Wm[p, j]
                out[i, p] = s


# -- activations: forward in place on h, backward in place on g from the saved a -------------------
@jit
def sigmoid(x: Any, c: Any) -> Any:
    """σ(x): 1/(1 + e^(−x)) where e^(−x) cannot overflow, else e^(−|x|)/(1 + e^(−|x|)), with
    the vectorisable e^x (both forms computed from one exponential, the choice a select)."""
    one = c[ONE]
    plain = x >= -c[EXP_BOUND]
    e = cast_like(vecmath.exp(-x if plain else x), one)
    return one / (one + e) if plain else e / (e + one)


@jit
def activate(h: Any, code: int, c: Any) -> None:
    """a = f(h), in place: sigmoid, tanh, relu, leaky_relu (slope c[SLOPE]), identity, softmax."""
    m, n = h.shape
    zero = c[ZERO]
    if code == SIGMOID:
        flat = h.reshape(m * n)
        for i in range(m * n):
            flat[i] = sigmoid(flat[i], c)
    elif code == TANH:
        for i in range(m):
            for j in range(n):
                h[i, j] = math.tanh(h[i, j])
    elif code == RELU:
        for i in range(m):
            for j in range(n):
                h[i, j] = max(h[i, j], zero)
    elif code == LEAKY_RELU:
        slope = c[SLOPE]
        for i in range(m):
            for j in range(n):
                if not h[i, j] > zero:
                    h[i, j] = slope * h[i, j]
    elif code == SOFTMAX:
        for i in range(m):
            top = h[i, 0]
            for j in range(1, n):
                top = max(top, h[i, j])
            total = zero
            for j in range(n):
                h[i, j] = cast_like(vecmath.exp(h[i, j] - top), zero)
                total += h[i, j]
            for j in range(n):
                h[i, j] /= total


@jit
def activation_backward(g: Any, a: Any, code: int, c: Any) -> None:
    """g ← g · f'(h) in place, f' from the saved a = f(h) (softmax: g·a − a Σ g·a, per row)."""
    m, n = g.shape
    one, zero = c[ONE], c[ZERO]
    if code == SIGMOID:
        for i in range(m):
            for j in range(n):
                y = a[i, j]
                g[i, j] = (g[i, j] * y) * (one - y)
    elif code == TANH:
        for i in range(m):
            for j in range(n):
                y = a[i, j]
                g[i, j] = (one - y * y) * g[i, j]
    elif code == RELU:
        for i in range(m):
            for j in range(n):
                g[i, j] = g[i, j] * (one if a[i, j] > zero else zero)
    elif code == LEAKY_RELU:
        slope = c[SLOPE]
        for i in range(m):
            for j in range(n):
                if not a[i, j] > zero:
                    g[i, j] = slope * g[i, j]
    elif code == SOFTMAX:
        for i in range(m):
            total = zero
            for j in range(n):
                g[i, j] = g[i, j] * a[i, j]
                total += g[i, j]
            for j in range(n):
                g[i, j] = g[i, j] - a[i, j] * total


# -- the losses: E, and δ = ∂E/∂z into delta -------------------------------------------------------
@jit
def loss_and_delta(
    z: Any, Y: Any, yi: Any, w: Any, loss: int, delta: Any, work: Any, c: Any
) -> Any:
    """E = Σᵢ wᵢ ℓᵢ(z) and δ = ∂E/∂z (see the module docstring), in z's dtype.

    ``work`` (shaped like z) receives binary cross-entropy's per-element terms: they are computed
    in one vectorised pass over the whole (m, n) block, then summed row by row.
    """
    m, n = z.shape
    zero, one = c[ZERO], c[ONE]
    E = zero
    if loss == BCE:  # softplus(h) − y·h;  δ = σ(h) − y, then · wᵢ;  one e = e^(−|h|) for both
        size = m * n
        zf, yf, df, tf = z.reshape(size), Y.reshape(size), delta.reshape(size), work.reshape(size)
        for k in range(size):
            h, y = zf[k], yf[k]
            e = cast_like(vecmath.exp(-abs(h)), one)
            tf[k] = (max(h, zero) + cast_like(vecmath.log1p(e), one)) - y * h
            df[k] = (one / (one + e) if h >= zero else e / (one + e)) - y
        for i in range(m):
            row = zero
            for j in range(n):
                row += work[i, j]
                delta[i, j] = delta[i, j] * w[i]
            E += w[i] * row
        return E
    for i in range(m):
        row = zero
        if loss == CE:  # logsumexp(h) − Σ y·h, from log p = (h − max) − log Σ e^(h − max)
            top = z[i, 0]
            for j in range(1, n):
                top = max(top, z[i, j])
            total = zero
            for j in range(n):
                total += cast_like(vecmath.exp(z[i, j] - top), zero)
            log_total = math.log(total)
            for j in range(n):
                log_p = (z[i, j] - top) - log_total
                p = cast_like(vecmath.exp(log_p), zero)
                if yi.shape[0]:
                    if j == yi[i]:
                        row -= log_p
                        p -= one
                else:
                    row += Y[i, j] * log_p
                    p -= Y[i, j]
                delta[i, j] = p * w[i]
            if not yi.shape[0]:
                row = -row
        else:  # ½ Σ (ŷ − y)²;  δ = w (ŷ − y)
            for j in range(n):
                d = z[i, j] - Y[i, j]
                row += d * d
                delta[i, j] = d * w[i]
        E += w[i] * row
    if loss == SE:
        E = c[HALF] * E
    return E


@jit
def check_inputs(X: Any, Y: Any, yi: Any, loss: int, n_out: int) -> int:
    """:data:`OK`, or :data:`BAD_X`/:data:`BAD_Y` when X is not finite or y is not what the loss
    takes (0/1 for binary cross-entropy, class indices in range or probability rows ≥ 0 summing
    to 1 within 1e-5 for cross-entropy, finite numbers for squared error)."""
    bad = False
    for i in range(X.shape[0]):
        for j in range(X.shape[1]):
            x = X[i, j]
            bad |= x - x != 0  # inf − inf and NaN − NaN are NaN; one vectorised pass, no exit
    if bad:
        return BAD_X
    if yi.shape[0]:
        for i in range(yi.shape[0]):
            if yi[i] < 0 or yi[i] >= n_out:
                return BAD_Y
        return OK
    for i in range(Y.shape[0]):
        total = 0.0
        for j in range(Y.shape[1]):
            y = Y[i, j]
            if not math.isfinite(y):
                return BAD_Y
            if loss == BCE and y != 0 and y != 1:
                return BAD_Y
            if loss == CE and y < 0:
                return BAD_Y
            total += y
        if loss == CE and abs(total - 1.0) > 1e-5 + 1e-8:
            return BAD_Y
    return OK
