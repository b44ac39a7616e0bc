"""Elementwise functions: exp, log, sqrt, abs, maximum, minimum, where, clip, and dtype casts.

Where a function has a kink, the gradient there is a convention; these are chainrule's, the same
as PyTorch's, and each is written in the op's docstring:

* ``abs`` at 0: 0.
* ``maximum``/``minimum`` where a == b: the gradient is split evenly, ½ to each input.
* ``clip`` at the edges: x == lo or x == hi passes the gradient (1); strictly outside gives 0.
"""

# NumPy's stubs give many ufuncs, and the values a rule reads back from ctx.saved, the type Any;
# the signatures below say what flows (arrays in, an array out), so returning one is not reported.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.arrays import Array
from chainrule.engine.function import Function, unbroadcast
from chainrule.engine.tensor import FLOAT_DTYPES, Tensor


class Exp(Function):
    """y = eˣ;   ∂y/∂x = eˣ = y."""

    name = "exp"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        (y,) = ctx.saved
        return g * y


class Log(Function):
    """y = ln x;   ∂y/∂x = 1/x."""

    name = "log"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        (x,) = ctx.saved
        return g / x


class Sqrt(Function):
    """y = √x;   ∂y/∂x = 1/(2√x) = 1/(2y) (infinite at 0, as in math)."""

    name = "sqrt"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        (y,) = ctx.saved
        return g / (2 * y)


class Abs(Function):
    """y = |x|;   ∂y/∂x = sign(x), and 0 at x = 0."""

    name = "abs"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        (x,) = ctx.saved
        return g * np.sign(x)


def _split_weights(wins: np.ndarray, ties: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """1 where the first input is chosen, ½ at a tie, 0 where the second is chosen."""
    w = wins.astype(dtype)
    w += 0.5 * ties
    return w


class Maximum(Function):
    """y = max(a, b) elementwise, broadcasting;  ∂y/∂a = [a > b] + ½[a = b],  ∂y/∂b = 1 − ∂y/∂a."""

    name = "maximum"

    @staticmethod
    def forward(ctx: Any, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a.shape, b.shape, _split_weights(a > b, a == b, a.dtype))
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
        return _backward_by_weights(ctx, g)


class Minimum(Function):
    """y = min(a, b) elementwise, broadcasting;  ∂y/∂a = [a < b] + ½[a = b],  ∂y/∂b = 1 − ∂y/∂a."""

    name = "minimum"

    @staticmethod
    def forward(ctx: Any, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a.shape, b.shape, _split_weights(a < b, a == b, a.dtype))
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
        return _backward_by_weights(ctx, g)


def _backward_by_weights(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
    a_shape, b_shape, w = ctx.saved
    need_a, need_b = ctx.needs_input_grad
    return (
        unbroadcast(g * w, a_shape) if need_a else None,
        unbroadcast(g * (1 - w), b_shape) if need_b else None,
    )


class Where(Function):
    """y = a where cond else b (broadcasting);  ∂y/∂a = [cond],  ∂y/∂b = [not cond]."""

    name = "where"

    @staticmethod
    def forward(ctx: Any, a: Array, b: Array, *, cond: Array) -> Array:
        ctx.save_for_backward(a.shape, b.shape, cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
        a_shape, b_shape, cond = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        zero = g.dtype.type(0)
        return (
            unbroadcast(np.where(cond, g, zero), a_shape) if need_a else None,
            unbroadcast(np.where(cond, zero, g), b_shape) if need_b else None,
        )


class Clip(Function):
    """y = min(max(x, lo), hi);   ∂y/∂x = 1 where lo ≤ x ≤ hi (edges included), else 0."""

    name = "clip"

    @staticmethod
    def forward(ctx: Any, x: Array, *, lo: float | None, hi: float | None) -> Array:
        inside = np.ones(x.shape, dtype=bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        ctx.save_for_backward(inside)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        (inside,) = ctx.saved
        return g * inside


class AsType(Function):
    """y = x converted to another float dtype;   ∂E/∂x = ∂E/∂y converted back to x's dtype."""

    name = "astype"
    changes_dtype = True

    @staticmethod
    def forward(ctx: Any, x: Array, *, dtype: np.dtype[Any]) -> Array:
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        return g.astype(ctx.dtype)


# -- the functions ------------------------------------------------------------------------------
def exp(x: Any) -> Tensor:
    """eˣ elementwise."""
    return Exp.apply(x)


def log(x: Any) -> Tensor:
    """Natural logarithm elementwise (−inf at 0, NaN below, as NumPy)."""
    return Log.apply(x)


def sqrt(x: Any) -> Tensor:
    """√x elementwise."""
    return Sqrt.apply(x)


def abs(x: Any) -> Tensor:
    """|x| elementwise; the gradient at 0 is 0."""
    return Abs.apply(x)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max with broadcasting; at ties each input gets half the gradient."""
    return Maximum.apply(a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min with broadcasting; at ties each input gets half the gradient."""
    return Minimum.apply(a, b)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` is true, else ``b`` (as ``numpy.where``); ``cond`` gets no gradient.

    Example:
        >>> cr.where(x > 0, x, 0.01 * x)     # a leaky ReLU by hand
    """
    cond = np.asarray(cond.data if isinstance(cond, Tensor) else cond)
    if cond.dtype != bool:
        cond = cond != 0
    return Where.apply(a, b, cond=cond)


def clip(x: Any, lo: float | None = None, hi: float | None = None) -> Tensor:
    """Limit x to [lo, hi] (either may be None). The gradient is 1 on [lo, hi], edges included."""
    if lo is None and hi is None:
        raise ValueError("clip: give lo, hi or both")
    if lo is not None and hi is not None and lo > hi:
        raise ValueError(f"clip: lo={lo} is greater than hi={hi}")
    return Clip.apply(x, lo=lo, hi=hi)


def astype(x: Tensor, dtype: Any) -> Tensor:
    """x converted to float32 or float64, differentiably; x itself if it has that dtype already."""
    dt = np.dtype(dtype)
    if dt not in FLOAT_DTYPES:
        raise TypeError(f"astype: dtype {dt} is not supported; use float32 or float64.")
    if isinstance(x, Tensor) and x.dtype == dt:
        return x
    return AsType.apply(x, dtype=dt)
