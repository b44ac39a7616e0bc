"""RMSprop (Hinton), as ``torch.optim.RMSprop``: ε is added outside the square root."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.compiled import layout
from chainrule.training.optim.base import (
    COMPILED,
    Optimizer,
    add_l2,
    check_real,
    in_unit,
    non_negative,
)

__all__ = ["RMSprop"]


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
        a = check_real(o, "alpha", alpha, in_unit, "in [0, 1), e.g. 0.99")
        eps = check_real(o, "eps", eps, non_negative, "a finite number ≥ 0, e.g. 1e-8")
        mu = check_real(o, "momentum", momentum, non_negative, "a finite number ≥ 0")
        wd = check_real(o, "weight_decay", weight_decay, non_negative, "a finite number ≥ 0")
        self.alpha, self.eps, self.momentum, self.weight_decay = a, eps, mu, wd

    def _compiled_hyper(self, hyper: np.ndarray) -> None:
        hyper[layout.ALPHA], hyper[layout.EPS] = self.alpha, self.eps
        hyper[layout.MOMENTUM], hyper[layout.DECAY] = self.momentum, self.weight_decay

    def _update(self) -> None:
        lr, alpha, eps, mu, wd = self._lr, self.alpha, self.eps, self.momentum, self.weight_decay
        c = 1.0 - alpha
        steps = self._steps
        for i, (p, folded, s, t, sq, buf) in enumerate(self._slots):
            g = self._grad(i, p)
            if g is None:
                continue
            steps[i] += 1
            d = p.data
            if wd:
                g = add_l2(g, d, s, wd, folded)
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


COMPILED[RMSprop] = "rmsprop"
