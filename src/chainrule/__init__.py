"""chainrule: neural networks whose every gradient is the chain rule, shown and proven.

The engine, in one screen::

    import numpy as np
    import chainrule as cr

    W = cr.tensor(np.random.randn(3, 2), requires_grad=True)
    x = cr.tensor(np.random.randn(5, 3))
    E = (x @ W).sigmoid().mean()
    E.backward()                        # W.grad: dE/dW, an ndarray shaped like W

    cr.grad(f)(a, b)                    # fresh gradients of a scalar f, .grad untouched
    cr.gradcheck(f, (a, b))             # the engine against central finite differences

Modules: ``tensor`` (the Tensor), ``function`` (the primitive contract: forward and backward side
by side), ``ops`` (the primitives), ``backprop`` (the reverse pass), ``functional`` (grad,
value_and_grad), ``gradcheck``, ``modes`` (no_grad, detect_anomaly), ``errors``.
"""

from chainrule.data.datasets import (
    DATASETS,
    DataError,
    Dataset,
    decode_labels,
    encode_labels,
    load_dataset,
    make_blobs,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
    train_test_split,
)
from chainrule.data.scaling import Standardizer
from chainrule.data.tables import as_arrays, load_csv
from chainrule.engine import ops
from chainrule.engine.function import Function, unbroadcast
from chainrule.engine.grad import grad, value_and_grad
from chainrule.engine.gradcheck import GradcheckReport, InputCheck, gradcheck
from chainrule.engine.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from chainrule.engine.ops import (
    abs,
    add,
    astype,
    clip,
    concatenate,
    div,
    exp,
    getitem,
    leaky_relu,
    log,
    log_sigmoid,
    log_softmax,
    logsumexp,
    matmul,
    max,
    maximum,
    mean,
    minimum,
    mul,
    neg,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    softplus,
    sqrt,
    stack,
    sub,
    sum,
    tanh,
    transpose,
    where,
)
from chainrule.engine.ops.affine import Affine, affine
from chainrule.engine.tensor import Tensor, as_tensor, tensor
from chainrule.errors import (
    AnomalyError,
    ChainruleError,
    DivergedError,
    DTypeError,
    GradcheckError,
    GraphError,
    ShapeError,
    TrainingError,
)
from chainrule.explain import Explanation, explain
from chainrule.io.interop import from_sklearn, from_torch, to_sklearn, to_torch
from chainrule.io.modelfile import ModelFileError, load
from chainrule.nn.layers import Dense, Parameter
from chainrule.nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy_with_logits,
    squared_error,
)
from chainrule.nn.network import MLP, Sequential, Trace, from_config, parse_weight
from chainrule.training import callbacks, optim, schedules
from chainrule.training.callbacks import Callback, EarlyStopping, History
from chainrule.training.loop import Trainer, TrainingDivergedError, fit
from chainrule.version import __version__

__all__ = [
    "DATASETS",
    "MLP",
    "Affine",
    "AnomalyError",
    "Callback",
    "ChainruleError",
    "DTypeError",
    "DataError",
    "Dataset",
    "Dense",
    "DivergedError",
    "EarlyStopping",
    "Explanation",
    "Function",
    "GradcheckError",
    "GradcheckReport",
    "GraphError",
    "History",
    "InputCheck",
    "ModelFileError",
    "Parameter",
    "Sequential",
    "ShapeError",
    "Standardizer",
    "Tensor",
    "Trace",
    "Trainer",
    "TrainingDivergedError",
    "TrainingError",
    "__version__",
    "abs",
    "add",
    "affine",
    "as_arrays",
    "as_tensor",
    "astype",
    "binary_cross_entropy_with_logits",
    "callbacks",
    "clip",
    "concatenate",
    "cross_entropy_with_logits",
    "decode_labels",
    "detect_anomaly",
    "div",
    "enable_grad",
    "encode_labels",
    "exp",
    "explain",
    "fit",
    "from_config",
    "from_sklearn",
    "from_torch",
    "getitem",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "leaky_relu",
    "load",
    "load_csv",
    "load_dataset",
    "log",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "make_blobs",
    "make_circles",
    "make_moons",
    "make_spiral",
    "make_xor",
    "matmul",
    "max",
    "maximum",
    "mean",
    "minimum",
    "mul",
    "neg",
    "no_grad",
    "ops",
    "optim",
    "parse_weight",
    "pow",
    "relu",
    "reshape",
    "schedules",
    "sigmoid",
    "softmax",
    "softplus",
    "sqrt",
    "squared_error",
    "stack",
    "sub",
    "sum",
    "tanh",
    "tensor",
    "to_sklearn",
    "to_torch",
    "train_test_split",
    "transpose",
    "unbroadcast",
    "value_and_grad",
    "where",
]
