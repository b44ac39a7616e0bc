"""The base of every optimizer: :class:`Optimizer`, the argument checks and gradient clipping.

:class:`Optimizer` holds the parameters (leaf Tensors), the learning rate, one dict of state
arrays per parameter and two scratch arrays per parameter; it validates, saves and loads. A
subclass (:mod:`~chainrule.training.optim.sgd`, :mod:`~chainrule.training.optim.adam`,
:mod:`~chainrule.training.optim.rmsprop`) names its state and hyperparameters and writes the
update rule. :func:`clip_grad_norm` rescales gradients to a global L2 norm; :func:`check_real` and
:func:`check_int` are shared with :mod:`chainrule.training.schedules`.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from chainrule.engine.compiled import layout
from chainrule.engine.tensor import Tensor
from chainrule.errors import OptimizerError, OptimizerTypeError

__all__ = [
    "COMPILED",
    "Optimizer",
    "add_l2",
    "check_int",
    "check_real",
    "clip_grad_norm",
    "in_unit",
    "non_negative",
    "parameter_list",
    "positive",
]


# -- argument checks, shared with chainrule.training.schedules -------------------------------------
def check_real(owner: str, name: str, value: Any, ok: Any, need: str) -> float:
    """``value`` as a float if it is a finite real number with ``ok(value)``, else a clear error."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise OptimizerTypeError(
            f"{owner}: {name}={value!r} is a {type(value).__name__}; {name} must be {need}."
        )
    v = float(value)
    if not math.isfinite(v) or not ok(v):
        raise OptimizerError(f"{owner}: {name}={value!r} is out of range; {name} must be {need}.")
    return v


def check_int(owner: str, name: str, value: Any, low: int, need: str) -> int:
    """``value`` as an int if it is a whole number ≥ ``low``, else a clear error."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise OptimizerTypeError(
            f"{owner}: {name}={value!r} is a {type(value).__name__}; {name} must be {need}."
        )
    if value < low:
        raise OptimizerError(f"{owner}: {name}={value!r} is out of range; {name} must be {need}.")
    return int(value)


def positive(v: float) -> bool:
    """v > 0 (an ``ok`` for :func:`check_real`)."""
    return v > 0


def non_negative(v: float) -> bool:
    """v ≥ 0."""
    return v >= 0


def in_unit(v: float) -> bool:
    """v in [0, 1), as a β or an α must be."""
    return 0 <= v < 1


def parameter_list(params: Any, owner: str, *, allow_single: bool = False) -> list[Tensor]:
    """The parameters as a list of distinct Tensors (a model with ``.parameters()`` also works)."""
    if isinstance(params, Tensor):
        if allow_single:
            return [params]
        raise OptimizerTypeError(
            f"{owner}: got a single Tensor; pass a list of parameters, e.g. [W]."
        )
    if callable(getattr(params, "parameters", None)):
        params = params.parameters()
    if isinstance(params, np.ndarray | str | bytes | dict) or not hasattr(params, "__iter__"):
        raise OptimizerTypeError(
            f"{owner}: params must be a list of chainrule Tensors (e.g. net.parameters()), "
            f"got a {type(params).__name__}."
        )
    params = list(params)
    seen: dict[int, int] = {}
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise OptimizerTypeError(
                f"{owner}: parameter {i} is a {type(p).__name__}, not a chainrule Tensor; make it "
                "with cr.tensor(array, requires_grad=True)."
            )
        if id(p) in seen:
            raise OptimizerError(
                f"{owner}: parameter {i} is the same Tensor as parameter {seen[id(p)]}; list each "
                "parameter once, or it would be updated twice per step."
            )
        seen[id(p)] = i
    return params


# -- gradient clipping ----------------------------------------------------------------------------
def clip_grad_norm(params: Any, max_norm: float, error_if_nonfinite: bool = False) -> float:
    """Rescale the gradients in place so that their global L2 norm is at most ``max_norm``.

    With ``‖g‖ = sqrt(Σ_p Σ_i g_pi²)`` over every parameter's ``.grad`` (``None`` ones skipped),
    each gradient becomes ``g · max_norm / (‖g‖ + 1e-6)`` when that factor is below 1, as
    ``torch.nn.utils.clip_grad_norm_`` does; otherwise the gradients are left alone.

    Args:
        params: a Tensor or a list of Tensors (or a model with ``.parameters()``).
        max_norm: the largest allowed global norm, a positive finite number.
        error_if_nonfinite: raise when the norm is inf or NaN. By default such gradients are left
            unscaled (scaling cannot repair them) and the non-finite norm is returned.

    Returns:
        The global norm before clipping, a Python float (0.0 when no parameter has a gradient).

    Example:
        >>> loss.backward()
        >>> norm = cr.optim.clip_grad_norm(net.parameters(), max_norm=1.0)
    """
    max_norm = check_real(
        "clip_grad_norm", "max_norm", max_norm, positive, "a positive finite number"
    )
    params = parameter_list(params, "clip_grad_norm", allow_single=True)
    return _clip(params, max_norm, error_if_nonfinite)


def _clip(params: list[Tensor], max_norm: float, error_if_nonfinite: bool) -> float:
    grads = [p.grad for p in params if p.grad is not None]
    total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    if not math.isfinite(total):
        if error_if_nonfinite:
            bad = next(i for i, p in enumerate(params) if not np.isfinite(p.grad).all())
            raise OptimizerError(
                f"clip_grad_norm: the gradient norm is {total} because parameter {bad}'s gradient "
                "holds inf or NaN; lower the learning rate or look for an overflow in the loss."
            )
        return total
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads:
            g *= coef
    return total


# -- the base class --------------------------------------------------------------------------------
#: the exact optimizer classes the compiled training step runs, by their rule's name there (each
#: module adds its own); a subclass is not listed, as it may change the rule
COMPILED: dict[type, str] = {}


class Optimizer:
    """The base of every optimizer: the parameters, ``lr``, the state, and saving/loading.

    A subclass names its per-parameter state arrays in ``_buffers`` and its hyperparameters in
    ``_hyper``, validates them in ``_configure`` and writes the update in ``_update``.

    Attributes:
        params: the parameters (Tensors), in the order given.
        state: one dict per parameter of its state arrays (e.g. ``exp_avg``), shaped like it.
        steps: how many updates each parameter has had (its grad was not None).
        clip_norm: the global gradient norm ``step()`` clips to, or None.
    """

    _buffers: tuple[str, ...] = ()
    _hyper: tuple[str, ...] = ()

    def __init__(self, params: Any, clip_norm: float | None) -> None:
        owner = type(self).__name__
        self.params = parameter_list(params, owner)
        if not self.params:
            raise OptimizerError(f"{owner}: the parameter list is empty; nothing to optimize.")
        self.clip_norm = self._check_clip_norm(clip_norm)
        self._steps = np.zeros(len(self.params), dtype=np.int64)
        # Two scratch arrays per parameter, views into one buffer per dtype shared by all of them
        # (the update of one parameter is finished before the next starts).
        sizes: dict[np.dtype, int] = {}
        for p in self.params:
            sizes[p.data.dtype] = max(sizes.get(p.data.dtype, 0), p.data.size)
        scratch = {dt: np.empty(2 * n, dtype=dt) for dt, n in sizes.items()}
        self.state: list[dict[str, np.ndarray]] = []
        self._slots: list[tuple[Any, ...]] = []
        for i, p in enumerate(self.params):
            d = p.data
            folded = bool(getattr(p, "folded_bias", False))
            if folded and d.ndim == 0:
                raise OptimizerError(
                    f"{owner}: parameter {i} has folded_bias=True but is a scalar; a folded bias "
                    "is the last row of a weight of shape (n_in + 1, n_out)."
                )
            buf, n = scratch[d.dtype], sizes[d.dtype]
            s = buf[: d.size].reshape(d.shape)
            t = buf[n : n + d.size].reshape(d.shape)
            st = {name: np.zeros_like(d) for name in self._buffers}
            self.state.append(st)
            self._slots.append((p, folded, s, t, *st.values()))

    # -- the learning rate -----------------------------------------------------------------------
    @property
    def lr(self) -> float:
        """The learning rate η. Settable (schedules set it); 0 is allowed once training runs."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_real(type(self).__name__, "lr", value, non_negative, "a finite number ≥ 0")

    def _check_lr(self, lr: float) -> float:
        return check_real(type(self).__name__, "lr", lr, positive, "a positive finite number")

    def _check_clip_norm(self, clip_norm: Any) -> float | None:
        if clip_norm is None:
            return None
        return check_real(
            type(self).__name__, "clip_norm", clip_norm, positive,
            "a positive finite number, or None for no clipping",
        )  # fmt: skip

    @property
    def steps(self) -> list[int]:
        """How many updates each parameter has had, in order (a fresh list)."""
        return [int(k) for k in self._steps]

    # -- the compiled training step ----------------------------------------------------------------
    def compiled_update(
        self,
    ) -> tuple[str, np.ndarray, tuple[Any, ...], tuple[Any, ...], Any] | None:
        """This optimizer's update as the compiled training step runs it, or None.

        ``(name, hyper, S1, S2, steps)``: the rule's name (``"sgd"``, ``"adam"``, ``"adamw"``,
        ``"rmsprop"``), its settings in the layout of :mod:`chainrule.engine.compiled.layout`
        (read afresh at each call, so a schedule's ``lr`` and any changed setting count), its
        state arrays per parameter (updated in place by the kernel) and the update counts (an
        int64 array the kernel increments). Only the exact classes in :data:`COMPILED` describe
        themselves: a subclass may change the rule, so it (like any other optimizer, e.g. a
        wrapper) gets None and ``net.train_step`` runs its ``step()`` on the NumPy path.
        """
        name = COMPILED.get(type(self))
        if name is None:
            return None
        described = self.__dict__.get("_described")
        if described is None:
            hyper = np.zeros(layout.FOLDED + len(self.params))
            hyper[layout.FOLDED :] = [slot[1] for slot in self._slots]
            states = [tuple(st.values()) for st in self.state]
            S1 = tuple(st[0] for st in states)
            S2 = tuple(st[-1] for st in states)
            described = self._described = (name, hyper, S1, S2, self._steps)
        hyper = described[1]
        hyper[layout.LR] = self._lr
        hyper[layout.CLIP] = self.clip_norm or 0.0
        self._compiled_hyper(hyper)
        return described

    def _compiled_hyper(self, hyper: np.ndarray) -> None:
        """Write the rule's own settings into ``hyper`` (η and clip_norm are written already)."""

    # -- the training loop -----------------------------------------------------------------------
    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``p.grad = None``) before the next ``backward()``."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient, in place on ``p.data``."""
        if self.clip_norm is not None:
            _clip(self.params, self.clip_norm, False)
        self._update()

    def _update(self) -> None:
        raise NotImplementedError

    def _grad(self, i: int, p: Tensor) -> np.ndarray | None:
        g = p.grad
        if g is not None and g.shape != p.data.shape:
            raise OptimizerError(
                f"{type(self).__name__}.step: parameter {i} has shape {p.data.shape} but its "
                f"gradient has shape {g.shape}; a gradient must have its parameter's shape."
            )
        return g

    # -- saving and loading ----------------------------------------------------------------------
    def hyperparameters(self) -> dict[str, Any]:
        """The settings, e.g. ``{"lr": 0.001, "beta1": 0.9, ...}`` (``clip_norm`` when set)."""
        h = {"lr": self._lr, **{k: getattr(self, k) for k in self._hyper}}
        if self.clip_norm is not None:
            h["clip_norm"] = self.clip_norm
        return h

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue training: a flat dict of numbers and ndarrays (copies).

        Keys: ``"optimizer"`` (the class name), the hyperparameters (``"lr"``, ...), ``"step"``
        (int64 array, one count per parameter) and ``"<buffer>.<i>"`` for parameter i's state,
        e.g. ``"exp_avg.0"``. It can be saved with ``np.savez`` and read back without pickle.
        """
        d: dict[str, Any] = {"optimizer": type(self).__name__, **self.hyperparameters()}
        d["step"] = self._steps.copy()
        for i, st in enumerate(self.state):
            for name, arr in st.items():
                d[f"{name}.{i}"] = arr.copy()
        return d

    def load_state_dict(self, state: Any) -> None:
        """Restore what :meth:`state_dict` saved (hyperparameters included); all or nothing."""
        owner = f"{type(self).__name__}.load_state_dict"
        saved = state.get("optimizer")
        if saved is not None and str(saved) != type(self).__name__:
            raise OptimizerError(
                f"{owner}: the state was saved by {saved}, not {type(self).__name__}; load it into "
                f"{saved}(params) instead."
            )
        keys = ["lr", *self._hyper, "step"]
        keys += [f"{name}.{i}" for i in range(len(self.params)) for name in self._buffers]
        missing = [k for k in keys if k not in state]
        if missing:
            raise OptimizerError(f"{owner}: the state lacks {', '.join(missing)}.")
        steps = np.asarray(state["step"])
        if steps.shape != (len(self.params),) or steps.dtype.kind not in "iu" or (steps < 0).any():
            raise OptimizerError(
                f"{owner}: 'step' must hold one count ≥ 0 per parameter ({len(self.params)}), "
                f"got {steps!r}; was it saved from an optimizer over other parameters?"
            )
        arrays = []
        for i, (p, st) in enumerate(zip(self.params, self.state, strict=True)):
            for name in st:
                a = np.asarray(state[f"{name}.{i}"])
                if a.shape != p.data.shape:
                    raise OptimizerError(
                        f"{owner}: '{name}.{i}' has shape {a.shape} but parameter {i} has shape "
                        f"{p.data.shape}; was it saved from an optimizer over other parameters?"
                    )
                arrays.append((st[name], a))
        hyper = {k: state[k] for k in self._hyper}
        lr = self._check_lr(state["lr"])
        clip_norm = self._check_clip_norm(state.get("clip_norm"))
        self._configure(**hyper)  # validates them all before setting any
        self._lr, self.clip_norm = lr, clip_norm
        self._steps[:] = steps
        for dst, src in arrays:
            np.copyto(dst, src, casting="same_kind")

    def _configure(self, **hyper: Any) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        h = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {h})"


# -- the L2 weight decay the subclasses share -----------------------------------------------------
def add_l2(g: np.ndarray, d: np.ndarray, s: np.ndarray, wd: float, folded: bool) -> np.ndarray:
    """``g + λ·W`` into the scratch ``s``, leaving the bias row's gradient as it is when folded."""
    np.multiply(d, wd, out=s)
    if folded:
        s[-1] = 0.0
    s += g
    return s
