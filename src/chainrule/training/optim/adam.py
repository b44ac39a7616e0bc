"""Adam (Kingma & Ba, 2015) and AdamW (Loshchilov & Hutter, 2019), as ``torch.optim`` has them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.engine.compiled import layout
from chainrule.errors import OptimizerTypeError
from chainrule.training.optim.base import (
    COMPILED,
    Optimizer,
    add_l2,
    check_real,
    in_unit,
    non_negative,
)

__all__ = ["Adam", "AdamW"]


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
        b1 = check_real(o, "beta1", beta1, in_unit, "in [0, 1), e.g. 0.9 (betas[0])")
        b2 = check_real(o, "beta2", beta2, in_unit, "in [0, 1), e.g. 0.999 (betas[1])")
        eps = check_real(o, "eps", eps, non_negative, "a finite number ≥ 0, e.g. 1e-8")
        wd = check_real(o, "weight_decay", weight_decay, non_negative, "a finite number ≥ 0")
        self.beta1, self.beta2, self.eps, self.weight_decay = b1, b2, eps, wd

    def _compiled_hyper(self, hyper: np.ndarray) -> None:
        hyper[layout.BETA1], hyper[layout.BETA2] = self.beta1, self.beta2
        hyper[layout.EPS], hyper[layout.DECAY] = self.eps, self.weight_decay

    def _update(self) -> None:
        lr, b1, b2, eps, wd = self._lr, self.beta1, self.beta2, self.eps, self.weight_decay
        c1, c2 = 1.0 - b1, 1.0 - b2
        decoupled = self._decoupled
        steps = self._steps
        for i, (p, folded, s, t, m, v) in enumerate(self._slots):
            g = self._grad(i, p)
            if g is None:
                continue
            k = int(steps[i]) + 1
            steps[i] = k
            d = p.data
            if wd:
                if decoupled:  # AdamW: W ← W·(1 − ηλ), the bias row excepted
                    w = d[:-1] if folded else d
                    w *= 1.0 - lr * wd
                else:
                    g = add_l2(g, d, s, wd, folded)
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


COMPILED[Adam] = "adam"
COMPILED[AdamW] = "adamw"
