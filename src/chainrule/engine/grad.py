"""Gradients as functions: ``grad(f)`` and ``value_and_grad(f)``.

``cr.grad(f)(a, b)`` calls ``f`` on fresh leaf tensors made from ``a`` (and whichever arguments
``argnums`` names), runs the reverse pass from its scalar result, and returns the gradients as new
arrays, shaped and typed like the arguments. It never reads or writes any tensor's ``.grad``, so it
can be called anywhere, as often as you like, with the same answer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.engine.backward import backprop
from chainrule.engine.modes import enable_grad
from chainrule.engine.tensor import Tensor, as_float_array, make
from chainrule.errors import ShapeError


def value_and_grad(
    f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False
) -> Callable[..., tuple[Any, Any]]:
    """Return a function computing ``f(*args)`` and its gradient with respect to ``args[argnums]``.

    Args:
        f: a function of tensors that returns a one-element Tensor (a scalar such as a loss), or
            ``(scalar, aux)`` when ``has_aux``.
        argnums: the position of the argument to differentiate, or a tuple of positions.
        has_aux: ``f`` returns a pair ``(scalar, aux)``; ``aux`` is passed through.

    Returns:
        A function returning ``(value, gradient)``: ``value`` is the output's array (``(value,
        aux)`` with ``has_aux``); ``gradient`` is an ndarray shaped like the argument, or a tuple
        of them when ``argnums`` is a tuple. An argument the output does not depend on gets zeros.

    Example:
        >>> E, (dW1, dW2) = cr.value_and_grad(loss, argnums=(0, 1))(W1, W2)
    """
    single = isinstance(argnums, int)
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        args_list = list(args)
        leaves = []
        for pos in positions:
            if not -len(args) <= pos < len(args):
                raise IndexError(
                    f"grad: argnums names argument {pos}, but the function was called with "
                    f"{len(args)} positional arguments"
                )
            leaf = _leaf(args_list[pos], pos)
            args_list[pos] = leaf
            leaves.append(leaf)
        with enable_grad():
            result = f(*args_list, **kwargs)
        out, aux = _split_aux(result, has_aux)
        if not isinstance(out, Tensor):
            raise TypeError(
                f"grad: the function must return a chainrule Tensor, got {type(out).__name__}; "
                "compute it with chainrule ops (a NumPy call inside it cuts the graph)."
            )
        if out.data.size != 1:
            raise ShapeError(
                f"grad: the function must return a single number, got shape {out.shape}; "
                "reduce it first (e.g. .sum() or .mean())."
            )
        found = backprop(out, None, accumulate=False, wrt=leaves) if out.requires_grad else {}
        grads = tuple(
            found[id(leaf)] if id(leaf) in found else np.zeros_like(leaf.data) for leaf in leaves
        )
        value = out.data if not has_aux else (out.data, aux)
        return value, grads[0] if single else grads

    return wrapped


def grad(
    f: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *, has_aux: bool = False
) -> Callable[..., Any]:
    """Return a function computing the gradient of scalar ``f`` with respect to ``args[argnums]``.

    The same as :func:`value_and_grad` without the value (with ``has_aux``: ``(gradient, aux)``).

    Example:
        >>> dW = cr.grad(lambda W: (x @ W).sigmoid().mean())(W)     # ndarray shaped like W
    """
    vg = value_and_grad(f, argnums, has_aux=has_aux)

    @functools.wraps(f)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapped


def _leaf(arg: Any, position: int) -> Tensor:
    """A new leaf requiring grad that shares ``arg``'s data (a Tensor's ``.grad`` is untouched)."""
    data = arg.data if isinstance(arg, Tensor) else arg
    leaf = make(as_float_array(data, copy=False, what=f"grad (argument {position})"), None)
    leaf.requires_grad = True
    return leaf


def _split_aux(result: Any, has_aux: bool) -> tuple[Any, Any]:
    if not has_aux:
        return result, None
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError("grad with has_aux=True: the function must return a pair (scalar, aux)")
    return result
