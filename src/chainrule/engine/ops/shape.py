"""Ops that move values without changing them: reshape, transpose, indexing, concatenate, stack.

Their backward moves the gradient back to where each value came from. Indexing with integer arrays
may pick the same element twice; its gradient then receives both contributions (``np.add.at``).
"""

# NumPy's stubs give many ufuncs, and the values a rule reads back from ctx.saved, the type Any;
# the signatures below say what flows (arrays in, an array out), so returning one is not reported.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.arrays import Array
from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor


class Reshape(Function):
    """y = x with a new shape (same elements, same order);   ∂E/∂x = ∂E/∂y reshaped back."""

    name = "reshape"

    @staticmethod
    def forward(ctx: Any, x: Array, *, shape: tuple[int, ...]) -> Array:
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        return g.reshape(ctx.shape)


class Transpose(Function):
    """y = x with its axes permuted (reversed by default);   ∂E/∂x = ∂E/∂y, inversely permuted.

    Axis i of y is axis ``axes[i]`` of x, so ∂E/∂x is ∂E/∂y transposed by the inverse
    permutation, ``argsort(axes)``, of the axes taken modulo ndim: negative axes are allowed, and
    argsort((−1, 0, 1)) would not invert (2, 0, 1).
    """

    name = "transpose"

    @staticmethod
    def forward(ctx: Any, x: Array, *, axes: tuple[int, ...] | None) -> Array:
        y = np.transpose(x, axes)  # first: it validates the axes
        ctx.axes = None if axes is None else tuple(int(a) % x.ndim for a in axes)
        return y

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        axes = ctx.axes
        return np.transpose(g, None if axes is None else np.argsort(axes))


def _has_integer_array(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    for part in parts:
        if isinstance(part, list | np.ndarray) and np.asarray(part).dtype.kind in "iu":
            return True
    return False


class GetItem(Function):
    """y = x[index] (basic slicing, integer or boolean arrays);   ∂E/∂x scatters ∂E/∂y back."""

    name = "getitem"

    @staticmethod
    def forward(ctx: Any, x: Array, *, index: Any) -> Array:
        ctx.save_for_backward(x.shape, index)
        return x[index]

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        shape, index = ctx.saved
        gx = np.zeros(shape, dtype=g.dtype)
        if _has_integer_array(index):
            np.add.at(gx, index, g)  # repeated indices add up
        else:
            gx[index] = g
        return gx


class Concatenate(Function):
    """y = the inputs joined along ``axis``;   each input gets its slice of ∂E/∂y."""

    name = "concatenate"

    @staticmethod
    def forward(ctx: Any, *xs: Array, axis: Any) -> Array:
        y = np.concatenate(xs, axis=axis)
        ctx.save_for_backward(np.cumsum([x.shape[axis] for x in xs[:-1]]), axis)
        return y

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array, ...]:
        splits, axis = ctx.saved
        return tuple(np.split(g, splits, axis=axis))


class Stack(Function):
    """y = the inputs stacked along a new ``axis``;   input i gets ∂E/∂y taken at i on that axis."""

    name = "stack"

    @staticmethod
    def forward(ctx: Any, *xs: Array, axis: Any) -> Array:
        y = np.stack(xs, axis=axis)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array, ...]:
        moved = np.moveaxis(g, ctx.axis, 0)
        return tuple(moved[i] for i in range(moved.shape[0]))


# -- the functions ------------------------------------------------------------------------------
def reshape(x: Any, *shape: Any) -> Tensor:
    """x with a new shape: ``reshape(x, (2, 3))`` or ``reshape(x, 2, 3)``; one entry may be −1."""
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    return Reshape.apply(x, shape=shape)


def transpose(x: Any, *axes: Any) -> Tensor:
    """x with its axes permuted; by default reversed (the matrix transpose for 2-D).

    The axes may be given as one tuple or as separate integers, as in NumPy:
    ``x.transpose((1, 0))`` and ``x.transpose(1, 0)`` are the same.
    """
    one = len(axes) == 1 and (axes[0] is None or not isinstance(axes[0], int))
    order = axes[0] if one else axes
    return Transpose.apply(x, axes=tuple(order) if order else None)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: slices, integers, ``None``/``...``, integer arrays and boolean masks."""
    parts = index if isinstance(index, tuple) else (index,)
    if any(isinstance(part, Tensor) for part in parts):
        raise TypeError(
            "getitem: index a tensor with integers, slices or NumPy integer/boolean arrays, not "
            "with a Tensor (its values are floats)."
        )
    return GetItem.apply(x, index=index)


def _sequence(name: str, tensors: Any) -> tuple[Any, ...]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, list | tuple):
        raise TypeError(f"{name}: expects a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{name}: needs at least one tensor")
    return tuple(tensors)


def concatenate(tensors: Any, axis: int = 0) -> Tensor:
    """Join tensors of equal shape except along ``axis``, as ``numpy.concatenate``."""
    return Concatenate.apply(*_sequence("concatenate", tensors), axis=axis)


def stack(tensors: Any, axis: int = 0) -> Tensor:
    """Stack tensors of equal shape along a new ``axis``, as ``numpy.stack``."""
    return Stack.apply(*_sequence("stack", tensors), axis=axis)
