"""The Tensor: a NumPy array that remembers how it was computed, so gradients can flow back.

A :class:`Tensor` wraps a float32 or float64 ndarray (``.data``) and keeps that dtype through every
operation: Python scalars and plain arrays it meets adopt its dtype, and two tensors of different
dtypes are never mixed silently (convert one with ``.astype``).

The gradient rule, in one place:

* ``loss.backward()`` **accumulates** ``d loss / d t`` into ``t.grad`` for every leaf tensor ``t``
  with ``requires_grad=True`` that ``loss`` depends on, as PyTorch does: a second ``backward()``
  adds to what is there. Reset with ``t.grad = None`` (or an optimizer's ``zero_grad()``).
* :func:`chainrule.grad` and :func:`chainrule.value_and_grad` return fresh arrays and never read or
  write any ``.grad``.
* Intermediate (non-leaf) tensors get no ``.grad`` unless ``t.retain_grad()`` was called.

Example:
    >>> W = cr.tensor(np.random.randn(3, 2), requires_grad=True)
    >>> x = cr.tensor(np.random.randn(5, 3))
    >>> (x @ W).sigmoid().mean().backward()
    >>> W.grad.shape
    (3, 2)
"""

from __future__ import annotations

import numbers
import weakref
from typing import Any

import numpy as np

from chainrule.engine.backward import backprop
from chainrule.errors import DTypeError, ShapeError

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Tensor:
    """An n-dimensional float array with an optional gradient.

    Args:
        data: anything ``numpy.asarray`` accepts that holds numbers (integers and booleans become
            float64). It is copied, so later changes to ``data`` do not reach the tensor; use
            :func:`as_tensor` to share memory instead.
        requires_grad: record operations on this tensor so that ``backward()`` fills ``.grad``.
        dtype: ``float32`` or ``float64``; default: the data's float dtype, else float64.

    Attributes:
        data: the values, an ``ndarray`` of dtype float32 or float64.
        grad: ``None``, or an ``ndarray`` shaped like ``data``: the accumulated gradient.
        requires_grad: whether operations on this tensor are recorded for backward.
    """

    __slots__ = ("__weakref__", "_node", "data", "grad", "requires_grad")

    # An ndarray on the left of an operator defers to Tensor's reflected operators
    # (``array * t`` calls ``t.__rmul__``) instead of treating the tensor as an object element.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data = as_float_array(data, dtype, copy=True, what="tensor()")
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._node = None

    # -- what it is --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op recorded for backward."""
        return self._node is None

    @property
    def grad_fn(self) -> str | None:
        """The name of the op that made this tensor (``None`` for a leaf)."""
        return None if self._node is None else self._node.name

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ShapeError(
                f"item(): the tensor has shape {self.data.shape} ({self.data.size} elements); "
                "item() needs exactly one. Reduce it first, e.g. t.sum().item()."
            )
        return float(self.data.reshape(()))

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's data, outside the graph (no gradient flows back)."""
        return make(self.data, None)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` on this leaf in place and return it."""
        if self._node is not None and not requires_grad:
            raise ValueError(
                "requires_grad_(False) on a tensor computed by an op: use .detach() to get a "
                "copy outside the graph."
            )
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> Tensor:
        """Ask ``backward()`` to also store this intermediate tensor's gradient in ``.grad``."""
        if self._node is not None:
            self._node.retained = weakref.ref(self)
        return self

    # -- gradients -----------------------------------------------------------------------------
    def backward(self, grad: Any = None, retain_graph: bool = False) -> None:
        """Accumulate ``d self / d leaf`` into ``leaf.grad`` for every leaf that requires grad.

        Args:
            grad: the upstream gradient ``dL/dself``, shaped like ``self``. May be omitted only
                when ``self`` has one element (a scalar loss), where it is 1.
            retain_graph: keep the graph's saved values so ``backward`` can run through it again.
                By default they are released as the walk goes, to free memory.
        """
        backprop(self, grad, accumulate=True, retain_graph=retain_graph)

    # -- Python protocol -------------------------------------------------------------------------
    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """``np.asarray(t)`` gives the data: a plain array, outside the graph."""
        if dtype is None and not copy:
            return self.data
        return np.array(self.data, dtype=dtype, copy=True)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NumPy functions refuse Tensors rather than silently cut the graph."""
        raise TypeError(
            f"numpy.{func.__name__}() does not take chainrule Tensors: it would compute outside "
            f"the graph and lose the gradient. Use the chainrule op (cr.{func.__name__}(...) or "
            "the Tensor method, where it exists), or pass t.data for a plain array."
        )

    def __float__(self) -> float:
        return self.item()

    def __bool__(self) -> bool:
        return bool(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(", precision=6)
        extra = f"dtype={self.data.dtype}"
        if self._node is not None:
            extra += f", grad_fn={self._node.name}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}, {extra})"

    # Elementwise comparisons give plain boolean arrays (they have no gradient), handy for masks:
    # ``cr.where(x > 0, x, 0.1 * x)``. ``==`` stays identity, so tensors can key dicts and sets.
    def __lt__(self, other: Any) -> np.ndarray:
        return self.data < _raw(other)

    def __le__(self, other: Any) -> np.ndarray:
        return self.data <= _raw(other)

    def __gt__(self, other: Any) -> np.ndarray:
        return self.data > _raw(other)

    def __ge__(self, other: Any) -> np.ndarray:
        return self.data >= _raw(other)


def _raw(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


_new = object.__new__


def make(data: np.ndarray, node: Any) -> Tensor:
    """Wrap an array the engine produced (no checks, no copy); ``node`` is its op or ``None``."""
    t = _new(Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = node is not None
    t._node = node
    return t


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a tensor from array-like ``data`` (copied). See :class:`Tensor`.

    Example:
        >>> W = cr.tensor([[0.1, -0.2], [0.3, 0.4], [0.0, 0.0]], requires_grad=True)
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """Like :func:`tensor` but shares memory with ``data`` when it is already a float ndarray."""
    if isinstance(data, Tensor) and (dtype is None or np.dtype(dtype) == data.dtype):
        return data
    return make(as_float_array(data, dtype, copy=False, what="as_tensor()"), None)


# -- turning user data into float arrays, with errors that say where the bad value is ------------
def as_float_array(data: Any, dtype: Any = None, *, copy: bool, what: str) -> np.ndarray:
    """``data`` as a float32/float64 ndarray, or a clear error naming the first bad element."""
    if isinstance(data, Tensor):
        data = data.data
    target = _target_dtype(dtype, what)
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError):
        raise ShapeError(f"{what}: {_ragged_detail(data)}") from None
    kind = arr.dtype.kind
    if kind == "f":
        if target is None:
            if arr.dtype not in FLOAT_DTYPES:
                raise DTypeError(
                    f"{what}: dtype {arr.dtype} is not supported; chainrule computes in float32 "
                    "or float64. Pass dtype=np.float32 or dtype=np.float64 to convert."
                )
            target = arr.dtype
    elif kind in "biu":
        target = target or np.dtype(np.float64)
    else:
        raise DTypeError(f"{what}: {_non_numeric_detail(arr)}")
    if target.itemsize < arr.dtype.itemsize and arr.size:
        _check_fits(arr, target, what)
    if copy:
        return np.array(arr, dtype=target)
    return np.asarray(arr, dtype=target)


def _check_fits(arr: np.ndarray, target: np.dtype, what: str) -> None:
    """Refuse finite values too large for ``target`` (float32), instead of turning them into inf."""
    limit = np.finfo(target).max
    with np.errstate(invalid="ignore"):
        too_big = (np.abs(arr) > limit) & np.isfinite(arr)
    if too_big.any():
        index = tuple(int(i) for i in np.argwhere(too_big)[0])
        raise DTypeError(
            f"{what}: the value {arr[index].item()!r} at index {index} is too large for "
            f"{target} (largest {limit:.4g}); rescale the data or use float64."
        )


def _target_dtype(dtype: Any, what: str) -> np.dtype | None:
    if dtype is None:
        return None
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"{what}: dtype={dtype!r} is not a NumPy dtype") from None
    if dt not in FLOAT_DTYPES:
        raise DTypeError(f"{what}: dtype={dt} is not supported; use float32 or float64.")
    return dt


def _non_numeric_detail(arr: np.ndarray) -> str:
    if arr.dtype.kind == "c":
        return f"complex numbers (dtype {arr.dtype}) are not supported; pass the real part."
    if arr.dtype.kind in "USO":
        for index in np.ndindex(arr.shape):
            value = arr[index]
            if isinstance(value, np.generic):
                value = value.item()
            if arr.dtype.kind != "O" and _parses_as_float(value):
                continue
            if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
                continue
            where = f" at index {index}" if arr.ndim else ""
            return (
                f"expected numbers, found {value!r} ({type(value).__name__}){where} in an array "
                f"of dtype {arr.dtype}. Convert or drop that value first."
            )
        return (
            f"expected numbers, got an array of dtype {arr.dtype} (numbers stored as text or "
            "objects); convert it first with np.asarray(data, dtype=float)."
        )
    return f"expected numbers, got an array of dtype {arr.dtype}."


def _parses_as_float(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _ragged_detail(data: Any) -> str:
    """Find where a nested sequence stops being rectangular, e.g. 'row (1,) has 2 elements ...'."""
    level: list[tuple[tuple[int, ...], Any]] = [((), data)]
    while level:
        is_seq = [isinstance(s, list | tuple | np.ndarray) for _, s in level]
        if not any(is_seq):
            break
        if not all(is_seq):
            i_seq, i_num = level[is_seq.index(True)][0], level[is_seq.index(False)][0]
            return f"ragged data: element {i_num} is a number where element {i_seq} is a sequence."
        seqs = level
        first_index, first = seqs[0]
        for index, seq in seqs[1:]:
            if len(seq) != len(first):
                return (
                    f"ragged data: element {index} has {len(seq)} entries where element "
                    f"{first_index} has {len(first)}; every row must have the same length."
                )
        level = [((*i, j), item) for i, s in seqs for j, item in enumerate(s)]
    return "cannot make a rectangular array of numbers from this data."
