"""The engine: reverse-mode automatic differentiation over NumPy, the ground floor of chainrule.

It owns the :class:`Tensor` (``tensor.py``; its dtypes and data checks in ``arrays.py``); the
primitive contract, :class:`Function`, with forward and backward side by side and the one
:func:`unbroadcast` helper (``function.py``); the table of primitives, one module per family
(``ops/``); the one backward sweep that applies the chain rule over a recorded graph
(``backward.py``); the thread-local modes :func:`no_grad`, :func:`enable_grad` and
:func:`detect_anomaly` (``modes.py``); :func:`grad` and :func:`value_and_grad`, which return fresh
gradients (``grad.py``); :func:`gradcheck`, the engine against central finite differences
(``gradcheck.py``); and the replay of a recorded training step on new arrays (``replay.py``). It
may import NumPy and :mod:`chainrule.errors` only, never a floor above it (checked by
``lint-imports``).
"""

# tensor.py first: it imports the primitives (chainrule.engine.ops) at its end, and they import
# Tensor from it, so it must start loading before any other engine module.
from chainrule.engine.tensor import Tensor, as_tensor, tensor

# isort: split
from chainrule.engine import ops
from chainrule.engine.function import Function, unbroadcast
from chainrule.engine.grad import grad, value_and_grad
from chainrule.engine.gradcheck import GradcheckReport, InputCheck, gradcheck
from chainrule.engine.modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad

__all__ = [
    "Function",
    "GradcheckReport",
    "InputCheck",
    "Tensor",
    "as_tensor",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "ops",
    "tensor",
    "unbroadcast",
    "value_and_grad",
]
