"""The primitives: each a :class:`~chainrule.Function` with its forward and backward side by side.

One module per family: ``arithmetic`` (+ − × ÷, powers, @), ``elementwise`` (exp, log, sqrt, abs,
maximum, minimum, where, clip, astype), ``activations`` (sigmoid, tanh, relu, softplus, softmax,
...), ``reductions`` (sum, mean, max, logsumexp), ``shape`` (reshape, transpose, indexing,
concatenate, stack) and ``affine`` (the dense layer's x W[:-1] + W[-1]). Each module holds the
primitive classes first, then the plain functions that apply them (``cr.sigmoid(x)``);
:class:`~chainrule.Tensor`'s operators and methods (``a @ b``, ``x.sigmoid()``) call those
functions, and are written out in ``chainrule/engine/tensor.py``.

To add a primitive: write its class (``forward(ctx, ...)`` and ``backward(ctx, g)``, the math of
both in its docstring) and its function in the module of its family, export the function here
and, for users, from ``chainrule/__init__.py``; add a Tensor method in ``tensor.py`` if it should
have one. Then test it in ``tests/test_primitives.py`` (``tests/test_primitives_shapes.py`` for
a shape op): one ``check_gradients`` case there compares its value and gradient with central
finite differences, HIPS autograd and PyTorch (``tests/oracles.py``), and
``test_float32_stays_float32_end_to_end`` covers its dtype.
"""

from __future__ import annotations

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
    rpow,
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

__all__ = [
    "Abs", "Add", "AsType", "Clip", "Concatenate", "Div", "Exp", "GetItem", "LeakyReLU", "Log",
    "LogSigmoid", "LogSoftmax", "LogSumExp", "MatMul", "Max", "Maximum", "Mean", "Minimum", "Mul",
    "Neg", "Pow", "ReLU", "Reshape", "Sigmoid", "Softmax", "Softplus", "Sqrt", "Stack", "Sub",
    "Sum", "Tanh", "Transpose", "Where",
    "abs", "add", "astype", "clip", "concatenate", "div", "exp", "getitem", "leaky_relu", "log",
    "log_sigmoid", "log_softmax", "logsumexp", "matmul", "max", "maximum", "mean", "minimum",
    "mul", "neg", "pow", "relu", "reshape", "rpow", "sigmoid", "softmax", "softplus", "sqrt",
    "stack", "sub", "sum", "tanh", "transpose", "where",
]  # fmt: skip
