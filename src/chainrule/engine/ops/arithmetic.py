"""Arithmetic: + − × ÷, negation, powers and the matrix product.

Every binary op follows NumPy broadcasting; its backward sums each gradient back to its input's
shape with :func:`~chainrule.unbroadcast`. Each rule computes only the gradients that are needed
(``ctx.needs_input_grad``): the data ``X`` of a network gets none.
"""

# NumPy's stubs give many ufuncs, and the values a rule reads back from ctx.saved, the type Any;
# the signatures below say what flows (arrays in, an array out), so returning one is not reported.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from chainrule.engine.arrays import Array
from chainrule.engine.function import Function, unbroadcast
from chainrule.engine.ops.elementwise import exp
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError


class Add(Function):
    """y = a + b;   ∂y/∂a = 1,  ∂y/∂b = 1."""

    name = "add"

    @staticmethod
    def forward(ctx: Any, a: Array, b: Array) -> Array:
        ctx.shapes = a.shape, b.shape
        return a + b

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array, Array]:
        sa, sb = ctx.shapes
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(Function):
    """y = a − b;   ∂y/∂a = 1,  ∂y/∂b = −1."""

    name = "sub"

    @staticmethod
    def forward(ctx: Any, a: Array, b: Array) -> Array:
        ctx.shapes = a.shape, b.shape
        return a - b

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
        sa, sb = ctx.shapes
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(g, sa) if need_a else None,
            unbroadcast(-g, sb) if need_b else None,
        )


class Mul(Function):
    """y = a · b (elementwise);   ∂y/∂a = b,  ∂y/∂b = a."""

    name = "mul"

    @staticmethod
    def forward(ctx: Any, a: Array, b: Array) -> Array:
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (
            unbroadcast(g * b, a.shape) if need_a else None,
            unbroadcast(g * a, b.shape) if need_b else None,
        )


class Div(Function):
    """y = a / b;   ∂y/∂a = 1/b,  ∂y/∂b = −a/b² = −y/b."""

    name = "div"

    @staticmethod
    def forward(ctx: Any, a: Array, b: Array) -> Array:
        y = a / b
        ctx.save_for_backward(a.shape, b, y)
        return y

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
        a_shape, b, y = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        ga = g / b
        return (
            unbroadcast(ga, a_shape) if need_a else None,
            unbroadcast(-ga * y, b.shape) if need_b else None,
        )


class Neg(Function):
    """y = −x;   ∂y/∂x = −1."""

    name = "neg"

    @staticmethod
    def forward(ctx: Any, x: Array) -> Array:
        return -x

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        return -g


class Pow(Function):
    """y = xᵖ for a constant scalar p;   ∂y/∂x = p·xᵖ⁻¹ (infinite at x = 0 when p < 1)."""

    name = "pow"

    @staticmethod
    def forward(ctx: Any, x: Array, *, p: float) -> Array:
        ctx.save_for_backward(x, p)
        return x**p

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        x, p = ctx.saved
        if p == 2:
            return g * (2 * x)
        if p == 1:
            return g
        if p == 0:
            return np.zeros_like(x)
        return g * (p * x ** (p - 1))


class MatMul(Function):
    """y = a @ b (1-D, 2-D or batched, as ``numpy.matmul``).

    For 2-D a (n, k) and b (k, m): y (n, m), ∂E/∂a = g bᵀ (n, k) and ∂E/∂b = aᵀ g (k, m).
    A 1-D a is a row (1, k) and a 1-D b a column (k, 1), with the added axis removed again;
    batch axes broadcast, and their gradients are summed back with ``unbroadcast``.
    """

    name = "matmul"

    @staticmethod
    def forward(ctx: Any, a: Array, b: Array) -> Array:
        try:
            y = a @ b
        except ValueError:
            raise _matmul_error(a.shape, b.shape) from None
        ctx.save_for_backward(a, b)
        return y

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the common case: no reshaping, no unbroadcast
            return (g @ b.T if need_a else None, a.T @ g if need_b else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        if b.ndim == 1:  # restore the column axis first: for 1-D @ 1-D, g is 0-d
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if need_a:
            ga = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if need_b:
            gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return ga, gb


def _matmul_error(sa: tuple[int, ...], sb: tuple[int, ...]) -> ShapeError:
    if not sa or not sb:
        return ShapeError(
            f"matmul: shapes {sa} and {sb}: matmul needs arrays of at least 1 dimension; "
            "use * to multiply by a scalar."
        )
    k_left = sa[-1]
    k_right = sb[-2] if len(sb) >= 2 else sb[0]
    if k_left != k_right:
        return ShapeError(
            f"matmul: cannot multiply shapes {sa} and {sb}: the left operand has {k_left} "
            f"columns but the right one has {k_right} rows; they must be equal."
        )
    return ShapeError(
        f"matmul: cannot multiply shapes {sa} and {sb}: their batch dimensions "
        f"{sa[:-2]} and {sb[:-2]} do not broadcast."
    )


# -- the functions ------------------------------------------------------------------------------
def add(a: Any, b: Any) -> Tensor:
    """a + b, elementwise with broadcasting."""
    return Add.apply(a, b)


def sub(a: Any, b: Any) -> Tensor:
    """a − b, elementwise with broadcasting."""
    return Sub.apply(a, b)


def mul(a: Any, b: Any) -> Tensor:
    """a · b, elementwise with broadcasting."""
    return Mul.apply(a, b)


def div(a: Any, b: Any) -> Tensor:
    """a / b, elementwise with broadcasting."""
    return Div.apply(a, b)


def neg(x: Any) -> Tensor:
    """−x."""
    return Neg.apply(x)


def pow(x: Any, p: Any) -> Tensor:
    """xᵖ for a constant real scalar p (a Python or NumPy number)."""
    if isinstance(p, Tensor) or not isinstance(p, numbers.Real):
        raise TypeError(
            f"pow: the exponent must be a constant real number, got {type(p).__name__}; for a "
            "tensor exponent write cr.exp(p * cr.log(x))."
        )
    exponent = float(p)
    return Pow.apply(x, p=int(exponent) if exponent.is_integer() else exponent)


def rpow(x: Any, base: Any) -> Tensor:
    """baseˣ for a constant number base > 0, as e^(x ln base) (``2 ** x`` for a tensor x)."""
    if isinstance(base, Tensor) or not isinstance(base, numbers.Real) or base <= 0:
        raise TypeError(f"base ** tensor needs a constant number base > 0, got {base!r}")
    return exp(mul(x, math.log(base)))


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b: the matrix product, as ``numpy.matmul`` (1-D, 2-D and batched)."""
    return MatMul.apply(a, b)
