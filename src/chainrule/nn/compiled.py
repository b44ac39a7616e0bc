"""Which training steps of a network run compiled, and the cached fast path that calls them.

With the numba backend (:func:`chainrule.backend`), ``net.step`` and ``net.train_step`` (so
``fit`` and the estimators) hand a step to one compiled kernel
(:class:`~chainrule.engine.compiled.step.CompiledStep`) when it covers it:

* a network of dense layers with chainrule's activations and losses, float32 or float64;
* inputs X, targets y and sample weights w that are C-contiguous arrays of the network's dtype (y:
  class indices as ``intp`` for cross-entropy), no input scaler and no class labels to encode
  (``net.step``; ``train_step``'s data was checked by ``check_data`` already);
* for ``train_step``, an optimizer that describes its update (:meth:`compiled_update`: the exact
  classes SGD, Adam, AdamW and RMSprop) over exactly the network's parameters;
* anomaly mode off.

Anything else, and any step whose kernel reports a problem (X not finite, targets the loss does not
take, E not finite), runs the NumPy replay (:mod:`chainrule.nn.step`) instead — so errors are
the replay's own clear ones, and a NaN in E leaves the weights as they were.

Each network keeps its compiled steps by the batch's shapes, strides and dtypes (``_compiled``), so
that a repeated call costs one dictionary lookup and a few identity checks before the kernel.

Example:
    >>> E = try_descend(net, X, y, 0.1)      # None: not covered, run the replay
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine import compiled
from chainrule.engine.modes import STATE
from chainrule.nn.layers import ACTIVATIONS

#: how many batch shapes keep their compiled step
MAX_STEPS = 8
_ndarray = np.ndarray
#: the activation functions the kernel has, by identity (a layer applies ``layer._f``)
_NAMES = {id(f): name for name, f in ACTIVATIONS.items()}


class StepCache(dict[Any, Any]):
    """A network's compiled steps by batch key (``False``: not covered); empty when pickled or
    copied (the buffers belong to the weights they were made for, and are cheap to remake)."""

    def __reduce__(self) -> tuple[type[StepCache], tuple[()]]:
        return (StepCache, ())


def _cache(net: Any) -> StepCache:
    cache: StepCache | None = net.__dict__.get("_compiled")
    if cache is None:
        cache = net.__dict__["_compiled"] = StepCache()
    return cache


def _build(net: Any, X: np.ndarray, y: np.ndarray) -> Any:
    """A CompiledStep for batches shaped like (X, y), or False where the kernel does not apply."""
    module = compiled.step_module()  # imports numba the first time
    dtype = net.dtype
    if module is None or X.dtype != dtype or not X.flags.c_contiguous or X.ndim != 2:
        return False
    m = len(X)
    n_out = net.n_outputs
    if X.shape[1] != net.n_features or m == 0 or not y.flags.c_contiguous:
        return False
    indices = net.loss == "cross_entropy" and y.ndim == 1
    if indices:
        if y.dtype != np.intp or y.shape != (m,):
            return False
    elif y.dtype != dtype or y.shape not in ((m, n_out), (m,) if n_out == 1 else (m, n_out)):
        return False
    weights = net.weights
    if any(not W.flags.c_contiguous or not W.flags.aligned or W.dtype != dtype for W in weights):
        return False
    functions = tuple(layer._f for layer in net.layers)  # what each layer applies, really
    names = [_NAMES.get(id(f)) for f in functions]
    if None in names:  # a function of the user's own: only the engine knows its rules
        return False
    step = module.CompiledStep(weights, names, net.loss, m, indices)
    step.made_for = (net.loss, functions)
    step.mean_weights = np.full(m, 1.0 / m, dtype=dtype)  # w for net.step: 1/m each
    step.flat_targets = y.ndim == 1 and not indices  # (m,) targets for one output
    step.optimizer = None
    return step


def _lookup(net: Any, X: Any, y: Any) -> Any:
    """The network's CompiledStep for this batch, if the kernel covers it and the weights are
    still the arrays it was made for; else None."""
    if type(X) is not _ndarray or type(y) is not _ndarray or STATE.anomaly:
        return None
    chosen = compiled.backend()
    if chosen != "numba" or (chosen.auto and not _auto_ready(net, len(X))):
        return None
    cache = _cache(net)
    key = (X.shape, X.strides, X.dtype, y.shape, y.strides, y.dtype)
    step = cache.get(key)
    if step is None:
        if len(cache) >= MAX_STEPS:
            del cache[next(iter(cache))]
        step = cache[key] = _build(net, X, y)
    if step is False:
        return None
    layers, (loss, activations) = net.layers, step.made_for
    if len(layers) != len(step.weights) or net.loss is not loss:
        return _remake(net, cache, key, X, y)
    for layer, W, f in zip(layers, step.weights, activations, strict=True):
        if layer.W.data is not W or layer._f is not f:
            return _remake(net, cache, key, X, y)  # a weight array or an activation was replaced
        if not W.flags.writeable:  # frozen weights: the replay raises NumPy's own error
            return None
    return step


def _auto_ready(net: Any, m: int) -> bool:
    """Whether ``auto`` lets this network's step run compiled yet; each call that says no adds
    this step's estimated NumPy time to the network's own count (``_auto_done``), so the switch
    comes at the same step in every run (see :func:`chainrule.engine.compiled.ready`)."""
    done = net.__dict__.get("_auto_done", 0.0)
    if compiled.ready(done):
        return True
    net.__dict__["_auto_done"] = done + compiled.step_seconds(net.sizes, m)
    return False


def _remake(net: Any, cache: StepCache, key: Any, X: np.ndarray, y: np.ndarray) -> Any:
    """Forget the CompiledStep made for an earlier state of the network, and make it again."""
    del cache[key]
    return _lookup(net, X, y)


def _fits(net: Any, optimizer: Any, update: Any, weights: tuple[np.ndarray, ...]) -> bool:
    """Whether ``optimizer`` updates exactly the network's parameters, in order, with state
    arrays shaped like the weights (the kernel does not check its indices)."""
    params = list(getattr(optimizer, "params", ()))
    if [id(p) for p in params] != [id(layer.W) for layer in net.layers]:
        return False
    _, _, S1, S2, steps = update
    states = (*S1, *S2)
    return len(S1) == len(S2) == len(steps) == len(weights) and all(
        type(S) is _ndarray and S.shape == W.shape and S.dtype == W.dtype and S.flags.c_contiguous
        for S, W in zip(states, weights * 2, strict=True)
    )


def try_descend(net: Any, X: Any, y: Any, lr: Any) -> float | None:
    """``net.step(X, y, lr)`` by the kernel (checks included): E before the step, or None when
    the kernel does not cover it or found a problem (then nothing was changed)."""
    if (lr.__class__ is not float and lr.__class__ is not int) or not 0 < lr < math.inf:
        return None
    if net.scaler is not None or net.classes is not None:
        return None
    step = _lookup(net, X, y)
    if step is None:
        return None
    Y = y.reshape(len(y), 1) if step.flat_targets else y
    status, E = step.descend(X, Y, step.mean_weights, float(lr), True)
    return float(E) if status == 0 else None


def try_train_step(net: Any, X: Any, y: Any, w: Any, optimizer: Any, out: Any) -> float | None:
    """``net.train_step`` by the kernel: E before the update, or None where the kernel does not
    cover it or E is not finite (then nothing was changed: the replay takes the step)."""
    describe = getattr(optimizer, "compiled_update", None)
    if describe is None:
        return None
    step = _lookup(net, X, y)
    if step is None or step.flat_targets or type(w) is not _ndarray or w.dtype != X.dtype:
        return None
    update = describe()
    if update is None or not w.flags.c_contiguous or w.shape != (len(X),):
        return None
    if step.optimizer is not optimizer:  # checked once per optimizer and batch shape
        if not _fits(net, optimizer, update, step.weights):
            return None
        step.optimizer = optimizer
    if out is not None and (
        type(out) is not _ndarray
        or out.dtype != X.dtype
        or out.shape != step.z.shape
        or not (out.flags.c_contiguous and out.flags.writeable)
    ):
        return None  # an out the kernel cannot write: the replay copies (or refuses) it
    status, E = step.optimize(X, y, w, update, out)
    if status != 0:
        return None
    for layer, g in zip(net.layers, step.grads, strict=True):
        layer.W.grad = g
    return float(E)


__all__ = ["MAX_STEPS", "StepCache", "try_descend", "try_train_step"]
