"""A dense network's compiled training step for one batch shape: its buffers and its call.

:class:`CompiledStep` holds, for one network, batch size, dtype and kind of targets, everything
:func:`~chainrule.engine.compiled.fused.train_step` writes (∂E/∂W, each layer's a and δ),
allocated once, and the live weight arrays it updates in place. :meth:`CompiledStep.run` is the
call: a few attribute reads and the kernel. numba compiles the kernel at the first call for a
number of layers and a dtype (seconds) and caches it on disk (``cache=True``: later processes load
it in milliseconds).

Example:
    >>> cs = CompiledStep(net.weights, ["sigmoid", "sigmoid"], "binary_cross_entropy", m=32)
    >>> status, E = cs.descend(X, Y, w, lr=0.1, check=True)
"""

# numba has no type stubs: the kernel it returns is untyped for mypy.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.engine.arrays import Array
from chainrule.engine.compiled import layout as K
from chainrule.engine.compiled.fused import train_step
from chainrule.engine.compiled.layout import ACTIVATION_CODES, LOSS_CODES, OPTIMIZER_CODES
from chainrule.engine.ops.activations import _EXP_SAFE, LEAKY_RELU_SLOPE

#: the hyperparameter vector's length before the per-layer folded-bias flags
N_HYPER = K.FOLDED


def constants(dtype: np.dtype[Any]) -> Array:
    """The kernel's ``c`` in ``dtype``: 0, 1, ½, leaky_relu's slope, the bound of σ's plain form
    (the engine's own), then scratch."""
    c = np.zeros(K.SCRATCH + 16, dtype=dtype)
    c[K.ONE], c[K.HALF], c[K.SLOPE] = 1.0, 0.5, LEAKY_RELU_SLOPE
    c[K.EXP_BOUND] = _EXP_SAFE[np.dtype(dtype)]  # where σ's plain form cannot overflow
    return c


def entry_point(args: tuple[Any, ...]) -> Any:
    """The compiled kernel for exactly these arguments' types, callable without numba's
    dispatch (about 1 µs of a 2-2-1 step), or None when the arguments are not plain arrays.

    Only the caller's X and targets vary from call to call; :mod:`chainrule.nn.compiled` keys
    each CompiledStep by their shapes, strides and dtypes, and :meth:`CompiledStep.descend` takes
    aligned ones only, so later calls pass arrays of the same numba types (a read-only array where
    a writable one was compiled for is harmless: the kernel never writes X or y).
    """
    if not all(a.flags.aligned for a in (*args[:4], args[16])):
        return None
    dispatcher: Any = train_step
    compiled = dispatcher.overloads.get(tuple(dispatcher.typeof_pyval(a) for a in args))
    return None if compiled is None else compiled.entry_point


class CompiledStep:
    """The buffers of one batch shape of one network, and the kernel's call.

    Args:
        weights: the live weight arrays [W1, …] (C-contiguous, one float dtype), updated in place.
        activations: each layer's activation name; loss: the loss name.
        m: the batch size; indices: True when the targets are class indices (cross-entropy).

    Attributes:
        weights: the weight arrays (a tuple; the caller checks they are still the network's).
        grads: ∂E/∂W per layer after a step (reused: copy one to keep it).
        z: what E was computed from (logits, or ŷ for squared error), (m, n_outputs).
    """

    def __init__(
        self, weights: Sequence[Array], activations: Sequence[str], loss: str, m: int, indices: bool
    ) -> None:
        dtype = weights[0].dtype
        self.weights = tuple(weights)
        self.grads = tuple(np.zeros_like(W) for W in weights)
        self.acts_out = tuple(np.zeros((m, W.shape[1]), dtype) for W in weights)
        self.deltas = tuple(np.zeros((m, W.shape[1]), dtype) for W in weights)
        self.z = self.acts_out[-1]
        self.work = np.zeros_like(self.z)
        self.acts = np.array([ACTIVATION_CODES[a] for a in activations], dtype=np.int64)
        self.loss = LOSS_CODES[loss]
        self.c = constants(dtype)
        n_out = weights[-1].shape[1]
        self.no_Y = np.zeros((0, 0), dtype)
        self.no_yi = np.zeros(0, np.intp)
        self.no_out = np.zeros((0, n_out), dtype)
        self.indices = indices
        self.hyper = np.zeros(N_HYPER + len(weights))
        self.steps = np.zeros(len(weights), np.int64)  # descent counts nothing; a dummy
        self.entry: Any = None  # descend's compiled entry point, once the kernel has run
        # optimize's: (hyper, S1, S2, steps, no out?, the arguments after w, entry point)
        self.optimizer_entry: Any = None
        # descend's arguments after X, the targets and w, built once (with and without checks)
        grads = self.grads
        common = (self.weights, grads, self.acts_out, self.deltas, self.acts, self.loss)
        descent = (K.DESCENT, self.hyper, grads, grads, self.steps, self.no_out, self.c, self.work)
        self.descend_tail = {check: (*common, check, *descent) for check in (False, True)}

    def descend(self, X: Array, Y: Array, w: Array, lr: float, check: bool) -> tuple[int, Any]:
        """W ← W − lr·∂E/∂W for every layer, after the checks (``check``) and E is finite.

        ``Y``: the targets, float (m, n_outputs) or class indices (m,). Returns (status, E).
        """
        self.hyper[K.LR] = lr
        if not (X.flags.aligned and Y.flags.aligned):  # rare (a view into bytes): the replay
            return K.NOT_TAKEN, self.c[0]
        Yf, yi = (self.no_Y, Y) if self.indices else (Y, self.no_yi)
        args = (X, Yf, yi, w, *self.descend_tail[check])
        entry = self.entry
        if entry is not None:
            return entry(*args)
        result = train_step(*args)
        self.entry = entry_point(args)
        return result

    def optimize(
        self,
        X: Array,
        Y: Array,
        w: Array,
        update: tuple[str, Array, tuple[Array, ...], tuple[Array, ...], Array],
        out: Array | None,
    ) -> tuple[int, Any]:
        """One step with an optimizer described by ``update`` = (name, hyper, S1, S2, steps)
        (:meth:`chainrule.optim.Optimizer.compiled_update`); z lands in ``out`` when given."""
        name, hyper, S1, S2, steps = update
        aligned = X.flags.aligned and Y.flags.aligned and w.flags.aligned
        if not aligned or (out is not None and not out.flags.aligned):  # rare: the replay
            return K.NOT_TAKEN, self.c[0]
        # The entry point and the arguments after X, the targets and w are valid for one
        # optimizer's arrays (the caller checked them), and for an out or none: keyed by
        # identity, the arrays themselves being the optimizer's own.
        known = self.optimizer_entry
        if not (
            known is not None
            and known[0] is hyper
            and known[1] is S1
            and known[2] is S2
            and known[3] is steps
            and known[4] == (out is None)
        ):
            tail = (
                self.weights, self.grads, self.acts_out, self.deltas, self.acts, self.loss, False,
                OPTIMIZER_CODES[name], hyper, S1, S2, steps,
            )  # fmt: skip
            known = self.optimizer_entry = (hyper, S1, S2, steps, out is None, tail, None)
        Yf, yi = (self.no_Y, Y) if self.indices else (Y, self.no_yi)
        args = (X, Yf, yi, w, *known[5], self.no_out if out is None else out, self.c, self.work)
        entry = known[6]
        if entry is not None:
            return entry(*args)
        result = train_step(*args)
        self.optimizer_entry = (*known[:6], entry_point(args))
        return result


__all__ = ["CompiledStep", "constants", "entry_point"]
