"""The codes and vector layouts the compiled step shares with its callers (no numba imported).

The kernels (:mod:`~chainrule.engine.compiled.kernels`) take small integers for the activation,
the loss and the optimizer, and two vectors: ``hyper`` (float64: the optimizer's settings, then one
folded-bias flag per layer) and ``c`` (the arrays' dtype: constants, then scratch). The optimizers
(``chainrule/training/optim``) fill ``hyper`` through :meth:`Optimizer.compiled_update`, so its
layout lives here, where both floors can import it without importing numba.

numba compiles these values into the kernels as constants, and its disk cache is keyed by the
kernel modules' own source, not by what they import: after changing a value here or anything in
``vecmath.py``, touch ``kernels.py``, ``updates.py`` and ``fused.py`` (or clear their
``__pycache__``) so that they are compiled again.
"""

from __future__ import annotations

#: activation codes
SIGMOID, TANH, RELU, LEAKY_RELU, IDENTITY, SOFTMAX = 0, 1, 2, 3, 4, 5
ACTIVATION_CODES = {
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "identity": IDENTITY,
    "softmax": SOFTMAX,
}
#: loss codes
BCE, CE, SE = 0, 1, 2
LOSS_CODES = {"binary_cross_entropy": BCE, "cross_entropy": CE, "squared_error": SE}
#: optimizer codes: plain gradient descent (net.step), SGD, Adam, AdamW, RMSprop
DESCENT, SGD, ADAM, ADAMW, RMSPROP = 0, 1, 2, 3, 4
OPTIMIZER_CODES = {"descent": DESCENT, "sgd": SGD, "adam": ADAM, "adamw": ADAMW, "rmsprop": RMSPROP}
#: ``hyper``'s entries: η, μ, Nesterov (0/1), λ, β1, β2, ε, α, clip_norm (0: none), then from
#: FOLDED on one flag per layer (1: its last row is a bias, never decayed)
LR, MOMENTUM, NESTEROV, DECAY, BETA1, BETA2, EPS, ALPHA, CLIP, FOLDED = range(10)
#: ``c``'s entries: 0, 1, ½, leaky_relu's slope, the −x below which e^(−x) overflows; from
#: SCRATCH on, coefficients computed in float64 and cast to the arrays' dtype
ZERO, ONE, HALF, SLOPE, EXP_BOUND, SCRATCH = range(6)
#: the kernel's statuses: the step was taken; X or the targets are not what the loss takes; E is
#: not finite; the arrays are not ones the kernel takes (unaligned). In all but OK nothing changed.
OK, BAD_X, BAD_Y, NOT_FINITE, NOT_TAKEN = 0, 1, 2, 3, 4
