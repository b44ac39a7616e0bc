"""SGD: stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.compiled import layout
from chainrule.errors import OptimizerError, OptimizerTypeError
from chainrule.training.optim.base import COMPILED, Optimizer, add_l2, check_real, non_negative

__all__ = ["SGD"]


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
        mu = check_real(o, "momentum", momentum, non_negative, "a finite number ≥ 0")
        if isinstance(nesterov, np.ndarray) and nesterov.ndim == 0:
            nesterov = nesterov.item()
        if not isinstance(nesterov, bool | np.bool_):
            raise OptimizerTypeError(f"{o}: nesterov={nesterov!r} must be True or False.")
        if nesterov and mu == 0:
            raise OptimizerError(
                f"{o}: nesterov=True needs momentum > 0 (got momentum={momentum!r}); "
                "e.g. momentum=0.9."
            )
        wd = check_real(o, "weight_decay", weight_decay, non_negative, "a finite number ≥ 0")
        self.momentum, self.nesterov, self.weight_decay = mu, bool(nesterov), wd

    def _compiled_hyper(self, hyper: np.ndarray) -> None:
        hyper[layout.MOMENTUM], hyper[layout.NESTEROV] = self.momentum, float(self.nesterov)
        hyper[layout.DECAY] = self.weight_decay

    def _update(self) -> None:
        lr, mu, nesterov, wd = self._lr, self.momentum, self.nesterov, self.weight_decay
        steps = self._steps
        for i, (p, folded, s, t, buf) in enumerate(self._slots):
            g = p.grad
            if g is None:
                continue
            d = p.data
            if g.shape != d.shape:
                self._grad(i, p)  # raises, naming the parameter
            steps[i] += 1
            if wd:
                g = add_l2(g, d, s, wd, folded)
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


COMPILED[SGD] = "sgd"
