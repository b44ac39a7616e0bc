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

The package is a house of floors, each a folder that imports only from the floors below it
(docs/architecture.md; ``lint-imports`` checks it):

- ``engine``: the Tensor, the primitives (forward and backward side by side), the one backward
  sweep, replay of a recorded step, no_grad / detect_anomaly, grad / value_and_grad, gradcheck;
- ``data``: tables, bundled datasets, checks of X and y, labels, splits, scaling;
- ``nn``: layers, activations, losses, initialisers, the lecture's MLP (the math only) and the
  Network protocol;
- ``io``: model files, scikit-learn / PyTorch interop, safetensors, ONNX export;
- ``training``: fit and its loop, optimizers, schedules, callbacks, progress, plots;
- ``models``: the classes you hold, ``cr.MLP`` and ``cr.Sequential`` with ``fit``, ``save`` and
  ``to_onnx``, and ``load``, ``from_config``, ``from_sklearn``, ``from_torch`` returning them;
- ``explain`` and ``sklearn``: the chain-rule explanation of a weight; MLPClassifier/Regressor;
- ``playground`` and ``cli``: the local web app and the ``chainrule`` command.

Beside them: ``errors`` (every exception chainrule raises on purpose) and ``version``.
"""

from chainrule import moved
from chainrule.data import (
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
from chainrule.engine.compiled import backend, set_backend, use_backend
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
    BackendError,
    ChainruleError,
    DivergedError,
    DTypeError,
    GradcheckError,
    GraphError,
    ModelFileError,
    ShapeError,
    TrainingError,
)
from chainrule.explain import Explanation, explain
from chainrule.io.interop import to_sklearn, to_torch
from chainrule.models import MLP, Sequential, from_config, from_sklearn, from_torch, load
from chainrule.nn.layers import Dense, Parameter
from chainrule.nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy_with_logits,
    squared_error,
)
from chainrule.nn.network import Trace
from chainrule.nn.weight_names import parse_weight
from chainrule.training import callbacks, distributed, optim, schedules
from chainrule.training.callbacks import Callback, EarlyStopping, History
from chainrule.training.loop import Trainer, TrainingDivergedError, fit
from chainrule.version import __version__

moved.install()  # the module paths from before the floors, still importable

__all__ = [
    "DATASETS",
    "MLP",
    "Affine",
    "AnomalyError",
    "BackendError",
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
    "backend",
    "binary_cross_entropy_with_logits",
    "callbacks",
    "clip",
    "concatenate",
    "cross_entropy_with_logits",
    "decode_labels",
    "detect_anomaly",
    "distributed",
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
    "set_backend",
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
    "use_backend",
    "value_and_grad",
    "where",
]
