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

import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from chainrule.engine.arrays import FLOAT_DTYPES, Array, Axis, to_float_array
from chainrule.engine.backward import backprop
from chainrule.errors import ShapeError

if TYPE_CHECKING:
    from chainrule.engine.function import Function

__all__ = ["FLOAT_DTYPES", "Tensor", "as_float_array", "as_tensor", "make", "tensor"]


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
        self.grad: Array | None = None
        self.requires_grad = bool(requires_grad)
        self._node: Function | None = None  # the op that made this tensor; None for a leaf

    # -- what it is --------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
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

    def numpy(self) -> Array:
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
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        return (self[i] for i in range(len(self)))

    def __array__(self, dtype: Any = None, copy: Any = None) -> Array:
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

    # -- operators and methods: each applies its primitive, from chainrule.engine.ops ------------
    def __add__(self, other: Any) -> Tensor:
        """self + other, broadcasting."""
        return _ops.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        """other + self, broadcasting."""
        return _ops.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        """self − other, broadcasting."""
        return _ops.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        """other − self, broadcasting."""
        return _ops.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        """self · other elementwise, broadcasting."""
        return _ops.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        """other · self elementwise, broadcasting."""
        return _ops.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        """self / other, broadcasting."""
        return _ops.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        """other / self, broadcasting."""
        return _ops.div(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        """self @ other, the matrix product (as ``numpy.matmul``)."""
        return _ops.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        """other @ self, the matrix product (as ``numpy.matmul``)."""
        return _ops.matmul(other, self)

    def __pow__(self, p: Any) -> Tensor:
        """selfᵖ for a constant real number p."""
        return _ops.pow(self, p)

    def __rpow__(self, base: Any) -> Tensor:
        """baseˢᵉˡᶠ for a constant number base > 0."""
        return _ops.rpow(self, base)

    def __neg__(self) -> Tensor:
        """−self."""
        return _ops.neg(self)

    def __pos__(self) -> Tensor:
        """+self: the tensor itself."""
        return self

    def __abs__(self) -> Tensor:
        """|self| elementwise; the gradient at 0 is 0."""
        return _ops.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        """self[index]: slices, integers, None/..., integer arrays and boolean masks."""
        return _ops.getitem(self, index)

    def exp(self) -> Tensor:
        """eˣ elementwise."""
        return _ops.exp(self)

    def log(self) -> Tensor:
        """Natural logarithm elementwise."""
        return _ops.log(self)

    def sqrt(self) -> Tensor:
        """√x elementwise."""
        return _ops.sqrt(self)

    def abs(self) -> Tensor:
        """|x| elementwise; the gradient at 0 is 0."""
        return _ops.abs(self)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """x limited to [lo, hi] (either may be None); the gradient is 1 on [lo, hi]."""
        return _ops.clip(self, lo, hi)

    def maximum(self, other: Any) -> Tensor:
        """Elementwise max with broadcasting; at ties each input gets half the gradient."""
        return _ops.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise min with broadcasting; at ties each input gets half the gradient."""
        return _ops.minimum(self, other)

    def astype(self, dtype: Any) -> Tensor:
        """x converted to float32 or float64, differentiably (x itself if it has that dtype)."""
        return _ops.astype(self, dtype)

    def sigmoid(self) -> Tensor:
        """σ(x) = 1/(1 + e^(−x)), stable for any finite x."""
        return _ops.sigmoid(self)

    def tanh(self) -> Tensor:
        """tanh x."""
        return _ops.tanh(self)

    def relu(self) -> Tensor:
        """max(x, 0); the gradient at 0 is 0."""
        return _ops.relu(self)

    def leaky_relu(self, alpha: float | None = None) -> Tensor:
        """x for x > 0, else alpha·x (None: ``LEAKY_RELU_SLOPE``, 0.01)."""
        return _ops.leaky_relu(self) if alpha is None else _ops.leaky_relu(self, alpha)

    def softplus(self) -> Tensor:
        """log(1 + eˣ), stable for any finite x."""
        return _ops.softplus(self)

    def log_sigmoid(self) -> Tensor:
        """log σ(x) = −softplus(−x), stable for any finite x."""
        return _ops.log_sigmoid(self)

    def softmax(self, axis: int = -1) -> Tensor:
        """e^(xᵢ)/Σⱼ e^(xⱼ) along ``axis`` (default: the last)."""
        return _ops.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        """xᵢ − logsumexp(x) along ``axis`` (default: the last)."""
        return _ops.log_softmax(self, axis)

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Σ x over ``axis`` (all axes by default)."""
        return _ops.sum(self, axis, keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The mean over ``axis`` (all axes by default)."""
        return _ops.mean(self, axis, keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The maximum over ``axis`` (all axes by default); ties share the gradient evenly."""
        return _ops.max(self, axis, keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """log Σ eˣ over ``axis`` (all axes by default), without overflow."""
        return _ops.logsumexp(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        """x with a new shape: ``x.reshape(2, 3)`` or ``x.reshape((2, 3))``; one entry may be −1."""
        return _ops.reshape(self, *shape)

    def transpose(self, *axes: Any) -> Tensor:
        """x with its axes permuted (reversed by default), as ``numpy.transpose``."""
        return _ops.transpose(self, *axes)

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return _ops.transpose(self)

    # Elementwise comparisons give plain boolean arrays (they have no gradient), handy for masks:
    # ``cr.where(x > 0, x, 0.1 * x)``. ``==`` stays identity, so tensors can key dicts and sets.
    def __lt__(self, other: ArrayLike | Tensor) -> NDArray[np.bool_]:
        return self.data < _raw(other)

    def __le__(self, other: ArrayLike | Tensor) -> NDArray[np.bool_]:
        return self.data <= _raw(other)

    def __gt__(self, other: ArrayLike | Tensor) -> NDArray[np.bool_]:
        return self.data > _raw(other)

    def __ge__(self, other: ArrayLike | Tensor) -> NDArray[np.bool_]:
        return self.data >= _raw(other)


def _raw(x: ArrayLike | Tensor) -> ArrayLike:
    return x.data if isinstance(x, Tensor) else x


_new = object.__new__


def make(data: Array, node: Function | None) -> Tensor:
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


def as_float_array(data: Any, dtype: Any = None, *, copy: bool, what: str) -> Array:
    """``data`` (a Tensor or array-like) as a float32/float64 ndarray; see ``to_float_array``."""
    if isinstance(data, Tensor):
        data = data.data
    return to_float_array(data, dtype, copy=copy, what=what)


# Tensor's operators call the primitives through this module, imported last because the ops import
# Tensor and make from here: by this line they exist. chainrule.engine's __init__ imports this
# module before any other engine module, so the engine always loads in this order.
from chainrule.engine import ops as _ops  # noqa: E402
