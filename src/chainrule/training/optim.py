"""Optimizers: SGD (with momentum and Nesterov), Adam, AdamW and RMSprop, updating weights in place.

Each optimizer holds a list of parameters (leaf Tensors). ``step()`` reads every ``p.grad``
(parameters whose grad is ``None`` are skipped, their state untouched) and changes ``p.data`` in
place — the array object is never replaced, so the network and the user keep valid references.
``zero_grad()`` sets every ``p.grad`` to ``None``. The update rules are exactly those of
``torch.optim`` (same defaults, same bias correction, same placement of ``eps``), so the two agree
to rounding in float64; float32 parameters stay float32, and so does their state.

Weight decay never decays a bias. A parameter with ``folded_bias = True`` (a layer weight W of shape
(n_in + 1, n_out) whose last row is the bias, see :class:`chainrule.Parameter`) is decayed on rows
``[:-1]`` only, both for the L2 form (SGD, Adam, RMSprop: ``g ← g + λ·W``) and for AdamW's
decoupled form (``W ← W − η·λ·W``). The attribute is read when the optimizer is made.

Every optimizer takes ``clip_norm``: when set, ``step()`` first rescales all gradients together so
that their global L2 norm is at most ``clip_norm`` (:func:`clip_grad_norm`).

Example:
    >>> opt = cr.optim.Adam(net.parameters(), lr=1e-3)
    >>> for X_batch, y_batch in batches:
    ...     opt.zero_grad()
    ...     loss(net(X_batch), y_batch).backward()
    ...     opt.step()
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from chainrule.engine.tensor import Tensor
from chainrule.errors import OptimizerError, OptimizerTypeError

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "Optimizer",
    "OptimizerError",
    "OptimizerTypeError",
    "RMSprop",
    "clip_grad_norm",
    "get_optimizer",
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


def _positive(v: float) -> bool:
    return v > 0


def _non_negative(v: float) -> bool:
    return v >= 0


def _unit(v: float) -> bool:  # [0, 1)
    return 0 <= v < 1


def _params(params: Any, owner: str, *, allow_single: bool = False) -> list[Tensor]:
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
        "clip_grad_norm", "max_norm", max_norm, _positive, "a positive finite number"
    )
    return _clip(_params(params, "clip_grad_norm", allow_single=True), max_norm, error_if_nonfinite)


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


# -- the optimizers -------------------------------------------------------------------------------
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
        self.params = _params(params, owner)
        if not self.params:
            raise OptimizerError(f"{owner}: the parameter list is empty; nothing to optimize.")
        self.clip_norm = self._check_clip_norm(clip_norm)
        self.steps = [0] * len(self.params)
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
        self._lr = check_real(
            type(self).__name__, "lr", value, _non_negative, "a finite number ≥ 0"
        )

    def _check_lr(self, lr: float) -> float:
        return check_real(type(self).__name__, "lr", lr, _positive, "a positive finite number")

    def _check_clip_norm(self, clip_norm: Any) -> float | None:
        if clip_norm is None:
            return None
        return check_real(
            type(self).__name__, "clip_norm", clip_norm, _positive,
            "a positive finite number, or None for no clipping",
        )  # fmt: skip

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
        d["step"] = np.array(self.steps, dtype=np.int64)
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
        self.steps = [int(k) for k in steps]
        for dst, src in arrays:
            np.copyto(dst, src, casting="same_kind")

    def _configure(self, **hyper: Any) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        h = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {h})"


def _l2(g: np.ndarray, d: np.ndarray, s: np.ndarray, wd: float, folded: bool) -> np.ndarray:
    """``g + λ·W`` into the scratch ``s``, leaving the bias row's gradient as it is when folded."""
    np.multiply(d, wd, out=s)
    if folded:
        s[-1] = 0.0
    s += g
    return s


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, Nesterov momentum and L2 weight decay.

    With g = ∇W E (+ λ·W for weight decay λ, bias row excluded), and buffer b (starts at 0):

        b ← μ·b + g                   (only when momentum μ > 0)
        d = g + μ·b  (Nesterov),  b  (momentum),  g  (plain)
        W ← W − η·d

    Args:
        params: the parameters, a list of Tensors (or a model with ``.parameters()``).
        lr: the learning rate η > 0. Default 1e-3, as in PyTorch.
        momentum: μ ≥ 0. Default 0.
        nesterov: use Nesterov's momentum (needs μ > 0). Default False.
        weight_decay: the L2 coefficient λ ≥ 0 (the bias row is never decayed). Default 0.
        clip_norm: clip the global gradient norm to this before each step. Default None.

    Example:
        >>> opt = cr.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    """

    _buffers = ("momentum_buffer",)
    _hyper = ("momentum", "nesterov", "weight_decay")

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(params, clip_norm)
        self._lr = self._check_lr(lr)
        self._configure(momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)

    def _configure(self, momentum: Any, nesterov: Any, weight_decay: Any) -> None:
        o = type(self).__name__
        mu = check_real(o, "momentum", momentum, _non_negative, "a finite number ≥ 0")
        if isinstance(nesterov, np.ndarray) and nesterov.ndim == 0:
            nesterov = nesterov.item()
        if not isinstance(nesterov, bool | np.bool_):
            raise OptimizerTypeError(f"{o}: nesterov={nesterov!r} must be True or False.")
        if nesterov and mu == 0:
            raise OptimizerError(
                f"{o}: nesterov=True needs momentum > 0 (got momentum={momentum!r}); "
                "e.g. momentum=0.9."
            )
        wd = check_real(o, "weight_decay", weight_decay, _non_negative, "a finite number ≥ 0")
        self.momentum, self.nesterov, self.weight_decay = mu, bool(nesterov), wd

    def _update(self) -> None:
        lr, mu, nesterov, wd = self._lr, self.momentum, self.nesterov, self.weight_decay
        steps = self.steps
        for i, (p, folded, s, t, buf) in enumerate(self._slots):
            g = p.grad
            if g is None:
                continue
            d = p.data
            if g.shape != d.shape:
                self._grad(i, p)  # raises, naming the parameter
            steps[i] += 1
            if wd:
                g = _l2(g, d, s, wd, folded)
            if mu:
                buf *= mu
                buf += g
                if nesterov:
                    np.multiply(buf, mu, out=t)
                    t += g
                    g = t
                else:
                    g = buf
            np.multiply(g, lr, out=t)
            d -= t


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), with L2 weight decay added to the gradient as PyTorch's Adam does.

    With g = ∇W E (+ λ·W, bias row excluded), step count k = 1, 2, ..., m and v starting at 0:

        m ← β1·m + (1 − β1)·g
        v ← β2·v + (1 − β2)·g²
        W ← W − η/(1 − β1^k) · m / (sqrt(v)/sqrt(1 − β2^k) + ε)

    Args:
        params: the parameters, a list of Tensors (or a model with ``.parameters()``).
        lr: the learning rate η > 0. Default 1e-3.
        betas: (β1, β2), each in [0, 1). Default (0.9, 0.999).
        eps: ε ≥ 0, added to the denominator. Default 1e-8.
        weight_decay: the L2 coefficient λ ≥ 0 (the bias row is never decayed). Default 0.
        clip_norm: clip the global gradient norm to this before each step. Default None.

    Example:
        >>> opt = cr.optim.Adam(net.parameters(), lr=1e-3)
    """

    _buffers = ("exp_avg", "exp_avg_sq")
    _hyper = ("beta1", "beta2", "eps", "weight_decay")
    _decoupled = False

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(params, clip_norm)
        self._lr = self._check_lr(lr)
        o = type(self).__name__
        if isinstance(betas, str) or not hasattr(betas, "__len__") or len(betas) != 2:
            raise OptimizerTypeError(f"{o}: betas={betas!r} must be a pair (β1, β2).")
        self._configure(beta1=betas[0], beta2=betas[1], eps=eps, weight_decay=weight_decay)

    @property
    def betas(self) -> tuple[float, float]:
        return (self.beta1, self.beta2)

    def _configure(self, beta1: Any, beta2: Any, eps: Any, weight_decay: Any) -> None:
        o = type(self).__name__
        b1 = check_real(o, "beta1", beta1, _unit, "in [0, 1), e.g. 0.9 (betas[0])")
        b2 = check_real(o, "beta2", beta2, _unit, "in [0, 1), e.g. 0.999 (betas[1])")
        eps = check_real(o, "eps", eps, _non_negative, "a finite number ≥ 0, e.g. 1e-8")
        wd = check_real(o, "weight_decay", weight_decay, _non_negative, "a finite number ≥ 0")
        self.beta1, self.beta2, self.eps, self.weight_decay = b1, b2, eps, wd

    def _update(self) -> None:
        lr, b1, b2, eps, wd = self._lr, self.beta1, self.beta2, self.eps, self.weight_decay
        c1, c2 = 1.0 - b1, 1.0 - b2
        decoupled = self._decoupled
        steps = self.steps
        for i, (p, folded, s, t, m, v) in enumerate(self._slots):
            g = self._grad(i, p)
            if g is None:
                continue
            k = steps[i] = steps[i] + 1
            d = p.data
            if wd:
                if decoupled:  # AdamW: W ← W·(1 − ηλ), the bias row excepted
                    w = d[:-1] if folded else d
                    w *= 1.0 - lr * wd
                else:
                    g = _l2(g, d, s, wd, folded)
            m *= b1
            np.multiply(g, c1, out=t)
            m += t
            v *= b2
            np.multiply(g, g, out=t)
            t *= c2
            v += t
            np.sqrt(v, out=t)
            t /= math.sqrt(1.0 - b2**k)
            t += eps
            np.divide(m, t, out=t)
            t *= lr / (1.0 - b1**k)
            d -= t


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Before the Adam update (see :class:`Adam`, with no λ in the gradient), each step shrinks the
    weights: ``W ← W − η·λ·W``, rows ``[:-1]`` only for a weight with a folded bias.

    Args:
        params, lr, betas, eps, clip_norm: as :class:`Adam`.
        weight_decay: the decoupled coefficient λ ≥ 0. Default 0.01, as in PyTorch.

    Example:
        >>> opt = cr.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=0.01)
    """

    _decoupled = True

    def __init__(
        self,
        params: Any,
        lr: float = 1e-3,
        *,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(
            params, lr, betas=betas, eps=eps, weight_decay=weight_decay, clip_norm=clip_norm
        )


class RMSprop(Optimizer):
    """RMSprop (Hinton), as ``torch.optim.RMSprop``: ε is added outside the square root.

    With g = ∇W E (+ λ·W, bias row excluded), v and b starting at 0:

        v ← α·v + (1 − α)·g²
        b ← μ·b + g / (sqrt(v) + ε);   W ← W − η·b          (momentum μ > 0)
        W ← W − η · g / (sqrt(v) + ε)                       (μ = 0)

    Args:
        params: the parameters, a list of Tensors (or a model with ``.parameters()``).
        lr: the learning rate η > 0. Default 1e-2, as in PyTorch.
        alpha: the smoothing constant α in [0, 1). Default 0.99.
        eps: ε ≥ 0. Default 1e-8.
        momentum: μ ≥ 0. Default 0.
        weight_decay: the L2 coefficient λ ≥ 0 (the bias row is never decayed). Default 0.
        clip_norm: clip the global gradient norm to this before each step. Default None.

    Example:
        >>> opt = cr.optim.RMSprop(net.parameters(), lr=1e-3)
    """

    _buffers = ("square_avg", "momentum_buffer")
    _hyper = ("alpha", "eps", "momentum", "weight_decay")

    def __init__(
        self,
        params: Any,
        lr: float = 1e-2,
        *,
        alpha: float = 0.99,
        eps: float = 1e-8,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
        clip_norm: float | None = None,
    ) -> None:
        super().__init__(params, clip_norm)
        self._lr = self._check_lr(lr)
        self._configure(alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay)

    def _configure(self, alpha: Any, eps: Any, momentum: Any, weight_decay: Any) -> None:
        o = type(self).__name__
        a = check_real(o, "alpha", alpha, _unit, "in [0, 1), e.g. 0.99")
        eps = check_real(o, "eps", eps, _non_negative, "a finite number ≥ 0, e.g. 1e-8")
        mu = check_real(o, "momentum", momentum, _non_negative, "a finite number ≥ 0")
        wd = check_real(o, "weight_decay", weight_decay, _non_negative, "a finite number ≥ 0")
        self.alpha, self.eps, self.momentum, self.weight_decay = a, eps, mu, wd

    def _update(self) -> None:
        lr, alpha, eps, mu, wd = self._lr, self.alpha, self.eps, self.momentum, self.weight_decay
        c = 1.0 - alpha
        steps = self.steps
        for i, (p, folded, s, t, sq, buf) in enumerate(self._slots):
            g = self._grad(i, p)
            if g is None:
                continue
            steps[i] += 1
            d = p.data
            if wd:
                g = _l2(g, d, s, wd, folded)
            sq *= alpha
            np.multiply(g, g, out=t)
            t *= c
            sq += t
            np.sqrt(sq, out=t)
            t += eps
            np.divide(g, t, out=t)
            if mu:
                buf *= mu
                buf += t
                np.multiply(buf, lr, out=t)
            else:
                t *= lr
            d -= t


#: name → optimizer class, for :func:`get_optimizer`
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
}


def get_optimizer(name_or_instance: Any, params: Any, **kwargs: Any) -> Optimizer:
    """An optimizer from its name (``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``; any case).

    ``kwargs`` go to the optimizer (``lr=0.1, momentum=0.9``). An optimizer class is called the
    same way. An :class:`Optimizer` instance is returned as it is, after checking that it updates
    exactly ``params`` (then ``kwargs`` must be empty).

    Example:
        >>> opt = cr.optim.get_optimizer("adam", net.parameters(), lr=1e-3)
    """
    if isinstance(name_or_instance, Optimizer):
        opt = name_or_instance
        if kwargs:
            raise OptimizerError(
                f"get_optimizer: got an already made {type(opt).__name__} and settings "
                f"{sorted(kwargs)}; give the settings when making it, or pass its name instead."
            )
        given = _params(params, "get_optimizer")
        if [id(p) for p in given] != [id(p) for p in opt.params]:
            raise OptimizerError(
                f"get_optimizer: the {type(opt).__name__} given updates other parameters than "
                "those passed; make it over these parameters (or pass its name)."
            )
        return opt
    if isinstance(name_or_instance, type) and issubclass(name_or_instance, Optimizer):
        return name_or_instance(params, **kwargs)
    if not isinstance(name_or_instance, str):
        raise OptimizerTypeError(
            f"get_optimizer: expected an optimizer name or instance, got "
            f"{type(name_or_instance).__name__}; use one of {', '.join(OPTIMIZERS)}."
        )
    cls = OPTIMIZERS.get(name_or_instance.strip().lower())
    if cls is None:
        raise OptimizerError(
            f"get_optimizer: unknown optimizer {name_or_instance!r}; choose one of "
            f"{', '.join(OPTIMIZERS)}."
        )
    return cls(params, **kwargs)
