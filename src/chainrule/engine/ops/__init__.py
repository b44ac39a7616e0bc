"""The primitives, and the Tensor operators and methods that call them.

Each module holds a family of primitives (a :class:`~chainrule.Function` subclass with its forward
and backward rule side by side) and the plain functions that apply them. The table at the end of
this file binds them to :class:`~chainrule.Tensor` as operators (``a @ b``) and methods
(``x.sigmoid()``); it lives here, not in ``tensor.py``, because the ops are built on the Tensor.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from chainrule.engine.ops.activations import (
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
    leaky_relu,
    log_sigmoid,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from chainrule.engine.ops.arithmetic import (
    Add,
    Div,
    MatMul,
    Mul,
    Neg,
    Pow,
    Sub,
    add,
    div,
    matmul,
    mul,
    neg,
    pow,
    sub,
)
from chainrule.engine.ops.elementwise import (
    Abs,
    AsType,
    Clip,
    Exp,
    Log,
    Maximum,
    Minimum,
    Sqrt,
    Where,
    abs,
    astype,
    clip,
    exp,
    log,
    maximum,
    minimum,
    sqrt,
    where,
)
from chainrule.engine.ops.reductions import LogSumExp, Max, Mean, Sum, logsumexp, max, mean, sum
from chainrule.engine.ops.shape import (
    Concatenate,
    GetItem,
    Reshape,
    Stack,
    Transpose,
    concatenate,
    getitem,
    reshape,
    stack,
    transpose,
)
from chainrule.engine.tensor import Tensor

__all__ = [
    "Abs", "Add", "AsType", "Clip", "Concatenate", "Div", "Exp", "GetItem", "LeakyReLU", "Log",
    "LogSigmoid", "LogSoftmax", "LogSumExp", "MatMul", "Max", "Maximum", "Mean", "Minimum", "Mul",
    "Neg", "Pow", "ReLU", "Reshape", "Sigmoid", "Softmax", "Softplus", "Sqrt", "Stack", "Sub",
    "Sum", "Tanh", "Transpose", "Where",
    "abs", "add", "astype", "clip", "concatenate", "div", "exp", "getitem", "leaky_relu", "log",
    "log_sigmoid", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "minimum",
    "mul", "neg", "pow", "relu", "reshape", "sigmoid", "softmax", "softplus", "sqrt", "stack",
    "sub", "sum", "tanh", "transpose", "where",
]  # fmt: skip


def _rpow(x: Tensor, base: Any) -> Tensor:
    """base ** x for a constant base > 0, as e^(x ln base)."""
    if isinstance(base, Tensor) or not isinstance(base, numbers.Real) or base <= 0:
        raise TypeError(f"base ** tensor needs a constant number base > 0, got {base!r}")
    return exp(mul(x, math.log(base)))


# Tensor's operators and methods, each bound to the function that applies its primitive.
_BINDINGS: dict[str, Any] = {
    "__add__": add,
    "__radd__": lambda self, other: add(other, self),
    "__sub__": sub,
    "__rsub__": lambda self, other: sub(other, self),
    "__mul__": mul,
    "__rmul__": lambda self, other: mul(other, self),
    "__truediv__": div,
    "__rtruediv__": lambda self, other: div(other, self),
    "__matmul__": matmul,
    "__rmatmul__": lambda self, other: matmul(other, self),
    "__pow__": pow,
    "__rpow__": _rpow,
    "__neg__": neg,
    "__pos__": lambda self: self,
    "__abs__": abs,
    "__getitem__": getitem,
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "abs": abs,
    "clip": clip,
    "maximum": maximum,
    "minimum": minimum,
    "astype": astype,
    "sigmoid": sigmoid,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "softplus": softplus,
    "log_sigmoid": log_sigmoid,
    "softmax": softmax,
    "log_softmax": log_softmax,
    "sum": sum,
    "mean": mean,
    "max": max,
    "logsumexp": logsumexp,
    "reshape": reshape,
    "transpose": transpose,
    "T": property(transpose, doc="The transpose (axes reversed)."),
}
for _name, _fn in _BINDINGS.items():
    setattr(Tensor, _name, _fn)
