"""A primitive is one class: its forward and its backward rule side by side.

This is the contract every built-in op follows, and the public way to add your own::

    class Cube(cr.Function):
        '''y = x³;  dy/dx = 3x²'''

        @staticmethod
        def forward(ctx, x):                 # ndarrays in, one ndarray out
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):             # grad = dE/dy, shaped like y
            (x,) = ctx.saved
            return grad * 3 * x**2           # dE/dx: one gradient per input (None where none)

    y = Cube.apply(t)                        # a Tensor, recorded for backward

The rules of the contract:

* ``forward(ctx, *inputs, **params)`` gets the inputs as ndarrays (every positional argument of
  ``apply`` is an input; Tensors are unwrapped, Python scalars and arrays are converted to the
  tensors' dtype) and keyword ``params`` as given (non-differentiable settings such as ``axis``).
  It returns one ndarray. It saves what backward needs with ``ctx.save_for_backward(...)`` (read
  back as ``ctx.saved``) or as attributes of ``ctx``; ``ctx.needs_input_grad`` says which inputs
  want a gradient.
* ``backward(ctx, grad)`` gets ``dE/d(output)`` and returns ``dE/d(input)`` for each input, in
  order, as a tuple (a bare array if there is one input), with ``None`` for inputs that need none.
  Each gradient must have its input's shape: use :func:`chainrule.unbroadcast` where the forward
  broadcast. The engine checks this and names the op if not.
* Neither may modify its inputs or ``grad`` in place: those arrays may be shared.

Errors NumPy raises inside a forward come out as chainrule errors that name the op and the input
shapes.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, ClassVar, TypeAlias

import numpy as np

from chainrule.engine.arrays import FLOAT_DTYPES, Array
from chainrule.engine.modes import STATE, check_forward, describe_shapes, user_frame
from chainrule.engine.tensor import Tensor, as_float_array, make
from chainrule.errors import ChainruleError, DTypeError, ShapeError

_F64 = np.dtype(np.float64)

#: one call of ``apply`` as a tape holds it: (op, ctx, input arrays, settings, output, dtype)
Call: TypeAlias = (
    "tuple[type[Function], Function, list[Array], dict[str, Any], Array, np.dtype[Any]]"
)


class _Recorder(threading.local):
    """Per thread: the list every ``apply`` appends its call to while a step is being recorded
    (see :mod:`chainrule.engine.replay`), else ``None``."""

    tape: list[Call] | None = None


RECORDER = _Recorder()


class Function:
    """Base class of a primitive; an instance is the ``ctx`` of one call and its graph node."""

    #: the op's name, used in error messages and in ``Tensor.grad_fn``
    name: ClassVar[str] = ""

    # Per-call state (instance attributes; these class-level values are the defaults).
    parents: tuple[Tensor | None, ...] = ()  # the inputs that need a gradient, else None
    needs_input_grad: tuple[bool, ...] = ()
    saved: tuple[Any, ...] = ()
    released = False  # set once backward has freed what this node saved
    #: weakref to the output, when Tensor.retain_grad() asked for its grad
    retained: weakref.ref[Tensor] | None = None
    created_at = ""  # "file:line" of the user's code, recorded in anomaly mode
    #: an op whose output dtype differs from its inputs' on purpose (``astype``)
    changes_dtype: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__dict__.get("name"):
            cls.name = cls.__name__.lower()

    # Declared with ``Any`` on purpose: each primitive narrows it to its own inputs and settings
    # (``forward(ctx, x, W)``), which a stricter signature here would make an invalid override.
    @staticmethod
    def forward(ctx: Any, *inputs: Any, **params: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Any, grad: Array) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep ``arrays`` for backward; they are released once backward has used them."""
        self.saved = arrays

    def release(self) -> None:
        """Drop everything saved and the links to the inputs (called by the backward walk)."""
        self.__dict__.clear()
        self.released = True

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Tensor:
        """Run ``forward`` on ``inputs`` and, if any input requires grad, record the call."""
        # One pass over the inputs: their arrays, their common dtype, and which need a gradient.
        # (This is the engine's hot path, so it avoids generators and repeated lookups.)
        arrays: list[Any] = []
        parents: list[Tensor | None] = []
        dtype: np.dtype[Any] | None = None
        record = False
        constants = False
        for x in inputs:
            if isinstance(x, Tensor):
                data = x.data
                if dtype is None:
                    dtype = data.dtype
                elif data.dtype != dtype:
                    raise _mixed_dtypes(cls, inputs)
                arrays.append(data)
                if x.requires_grad:
                    record = True
                    parents.append(x)
                    continue
            else:
                constants = True
                arrays.append(x)
            parents.append(None)
        if constants:
            arrays = _with_constants(cls, inputs, arrays, dtype)
            dtype = arrays[0].dtype if dtype is None else dtype
        elif dtype is None:  # no inputs at all: float64, as for constants with no tensor
            dtype = _F64

        ctx = cls()
        state = STATE
        if record and state.grad_enabled:
            ctx.parents = tuple(parents)
            ctx.needs_input_grad = tuple([p is not None for p in parents])
        else:
            record = False
        try:
            if state.anomaly:
                out = _forward_under_anomaly_mode(cls, ctx, arrays, params)
            else:
                out = cls.forward(ctx, *arrays, **params)
        except ChainruleError:
            raise
        except (ValueError, IndexError, TypeError) as err:
            raise _forward_error(cls, arrays, err) from None
        if type(out) is not np.ndarray or out.dtype != dtype:
            out = _conform_output(cls, out, dtype)
        tape = RECORDER.tape
        if tape is not None:
            tape.append((cls, ctx, arrays, params, out, dtype))
        return make(out, ctx if record else None)


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` down to ``shape``: the backward of NumPy broadcasting.

    Broadcasting copies an input along new leading axes and along axes of length 1, so each copy
    receives a share of the gradient, and the input's gradient is the sum of the shares.

    Example:
        >>> unbroadcast(np.ones((5, 3)), (3,))       # a bias added to 5 rows
        array([5., 5., 5.])
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    summed: Array = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


# -- helpers of apply: off the hot path ---------------------------------------------------------
def _with_constants(
    cls: type[Function], inputs: tuple[Any, ...], arrays: list[Any], dtype: np.dtype[Any] | None
) -> list[Array]:
    """Convert the non-Tensor inputs: numbers and arrays adopt the tensors' dtype (float64 when
    there is no tensor, or the dtype of the first float32/float64 array)."""
    if dtype is None:
        dtype = next(
            (a.dtype for a in inputs if isinstance(a, np.ndarray) and a.dtype in FLOAT_DTYPES),
            _F64,
        )
    out = []
    for x, a in zip(inputs, arrays, strict=True):
        if isinstance(x, Tensor) or (isinstance(a, np.ndarray) and a.dtype == dtype):
            out.append(a)
        elif isinstance(a, float | int):
            out.append(np.asarray(a, dtype=dtype))
        else:
            out.append(as_float_array(a, dtype, copy=False, what=cls.name))
    return out


def _forward_under_anomaly_mode(
    cls: type[Function], ctx: Function, arrays: list[Array], params: dict[str, Any]
) -> Array:
    """The forward, checked: NumPy's warnings give way to an AnomalyError naming the op."""
    ctx.created_at = user_frame()
    with np.errstate(all="ignore"):
        out = np.asarray(cls.forward(ctx, *arrays, **params))
    check_forward(cls.name, arrays, out, ctx.created_at)
    return out


def _conform_output(cls: type[Function], out: Any, dtype: np.dtype[Any]) -> Array:
    """The output as an ndarray of the inputs' dtype (unless the op changes dtype on purpose)."""
    result: Array = np.asarray(out)
    if cls.changes_dtype and result.dtype in FLOAT_DTYPES:
        return result
    return result.astype(dtype)


def _mixed_dtypes(cls: type[Function], inputs: tuple[Any, ...]) -> DTypeError:
    dtypes = " and ".join(str(x.dtype) for x in inputs if isinstance(x, Tensor))
    return DTypeError(
        f"{cls.name}: cannot combine tensors of dtypes {dtypes}; chainrule never converts "
        "silently. Convert one first, e.g. t.astype(np.float64)."
    )


def _forward_error(cls: type[Function], arrays: list[Array], err: Exception) -> Exception:
    message = f"{cls.name}: {err} (input shapes {describe_shapes(arrays)})"
    if isinstance(err, ValueError):  # first: NumPy's AxisError is a ValueError and an IndexError
        return ShapeError(message)
    if isinstance(err, IndexError):
        return IndexError(message)
    return TypeError(message)
