"""Reductions over axes: sum, mean, max and logsumexp, each with ``axis`` and ``keepdims``.

``axis`` is None (all axes), an int or a tuple of ints, negative allowed, as in NumPy. The backward
of a reduction spreads the output's gradient back over the reduced axes:

* sum: every element gets g;  mean: every element gets g / n (n = number of elements reduced);
* max: the maximum gets g; where several elements tie for the maximum, they share g evenly;
* logsumexp: element i gets g · softmax(x)ᵢ.
"""

# NumPy's stubs give many ufuncs, and the values a rule reads back from ctx.saved, the type Any;
# the signatures below say what flows (arrays in, an array out), so returning one is not reported.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.arrays import Array, Axis
from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError


def _reduced_axes(ndim: int, axis: Axis) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    return tuple(int(a) % ndim if ndim else int(a) for a in axes)


def _check_not_empty(name: str, shape: tuple[int, ...], axis: Axis) -> None:
    """A ShapeError when ``name`` would reduce over no element (an axis of length 0).

    NumPy's mean of an empty slice is NaN with a RuntimeWarning, and its max raises a ValueError
    about identities; neither says which axis was empty. Axes out of range are left to NumPy.
    """
    ndim = len(shape)
    axes = range(ndim) if axis is None else (axis,) if isinstance(axis, int | np.integer) else axis
    empty = [int(a) % ndim for a in axes if -ndim <= int(a) < ndim and shape[int(a)] == 0]
    if empty:
        over = "all axes" if axis is None else f"axis={axis!r}"
        raise ShapeError(
            f"{name} over {over} of an array of shape {shape}: axis {empty[0]} has length 0, "
            f"so there are no elements to take the {name} of. Check that the data is not empty."
        )


def _keepdims_grad(g: np.ndarray, ndim: int, axis: Axis, keepdims: bool) -> np.ndarray:
    """The output gradient with the reduced axes put back as length 1, ready to broadcast."""
    if keepdims or ndim == 0:
        return g
    return np.expand_dims(g, _reduced_axes(ndim, axis))


class Sum(Function):
    """y = Σ x over ``axis``;   ∂y/∂xᵢ = 1."""

    name = "sum"

    @staticmethod
    def forward(ctx: Any, x: Array, *, axis: Axis, keepdims: bool) -> Array:
        ctx.save_for_backward(x.shape, axis, keepdims)
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        shape, axis, keepdims = ctx.saved
        return np.broadcast_to(_keepdims_grad(g, len(shape), axis, keepdims), shape)


class Mean(Function):
    """y = (1/n) Σ x over ``axis`` (n elements reduced);   ∂y/∂xᵢ = 1/n."""

    name = "mean"

    @staticmethod
    def forward(ctx: Any, x: Array, *, axis: Axis, keepdims: bool) -> Array:
        _check_not_empty("mean", x.shape, axis)
        ctx.save_for_backward(x.shape, axis, keepdims)
        return np.mean(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        shape, axis, keepdims = ctx.saved
        n = 1
        for a in _reduced_axes(len(shape), axis):
            n *= shape[a]
        g = _keepdims_grad(g, len(shape), axis, keepdims) / n if n else g
        return np.broadcast_to(g, shape)


class Max(Function):
    """y = max x over ``axis``;   ∂y/∂xᵢ = 1/k for the k elements equal to the maximum, else 0."""

    name = "max"

    @staticmethod
    def forward(ctx: Any, x: Array, *, axis: Axis, keepdims: bool) -> Array:
        _check_not_empty("max", x.shape, axis)
        y = np.max(x, axis=axis, keepdims=True)
        ctx.save_for_backward(x, y, axis, keepdims)
        return y if keepdims else np.squeeze(y, axis=_reduced_axes(x.ndim, axis))

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        x, y, axis, keepdims = ctx.saved
        share = x == y
        count = share.sum(axis=axis, keepdims=True)
        return share * (_keepdims_grad(g, x.ndim, axis, keepdims) / count)


class LogSumExp(Function):
    """y = log Σ eˣ over ``axis``, as m + log Σ e^(x − m) with m = max x;   ∂y/∂xᵢ = softmax(x)ᵢ.

    The gradient is e^(xᵢ − m) / Σ e^(x − m), from the shifted exponentials of the forward: x − m
    is exact, whereas x − y would subtract two large rounded numbers (in float32 at |x| ~ 1e4 that
    alone costs three digits).
    """

    name = "logsumexp"

    @staticmethod
    def forward(ctx: Any, x: Array, *, axis: Axis, keepdims: bool) -> Array:
        _check_not_empty("logsumexp", x.shape, axis)
        m = np.max(x, axis=axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # a row of all −inf gives −inf, not NaN
        e = np.exp(x - m)
        total = np.sum(e, axis=axis, keepdims=True)
        y = np.log(total) + m
        ctx.save_for_backward(e, total, axis, keepdims)
        return y if keepdims else np.squeeze(y, axis=_reduced_axes(x.ndim, axis))

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        e, total, axis, keepdims = ctx.saved
        return _keepdims_grad(g, e.ndim, axis, keepdims) * (e / total)


# -- the functions ------------------------------------------------------------------------------
def sum(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Σ x over ``axis`` (all axes by default)."""
    return Sum.apply(x, axis=axis, keepdims=keepdims)


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The mean over ``axis`` (all axes by default)."""
    return Mean.apply(x, axis=axis, keepdims=keepdims)


def max(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """The maximum over ``axis``; tied maxima share the gradient evenly."""
    return Max.apply(x, axis=axis, keepdims=keepdims)


def logsumexp(x: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log Σ eˣ over ``axis``, without overflow (the maximum is taken out first)."""
    return LogSumExp.apply(x, axis=axis, keepdims=keepdims)
