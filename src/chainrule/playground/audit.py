"""The one-step audit: what the session's own optimizer does to a weight on one training row.

:func:`chainrule.explain` audits a plain gradient-descent step, w − lr · ∂E/∂w. The playground
trains with the setup's optimizer (SGD, Adam, AdamW or RMSprop, its rate, L2 decay and L1 penalty,
and the optimizer's state so far), so the page shows that step instead: on the row's batch
(X[sample:sample+1]) the session's step is taken for real, exactly as training takes it
(``net.train_step(..., WithL1(opt, l1))``), every weight and the optimizer's state are read, and
both are put back as they were. Nothing the session trains is changed by an audit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.nn.weight_names import parse_weight
from chainrule.playground.inputs import WithL1


def _number(v: float) -> float | None:
    return float(v) if math.isfinite(v) else None


def step_audit(
    net: Any, opt: Any, config: Any, X: np.ndarray, t: np.ndarray, weight: str, sample: int
) -> dict[str, Any]:
    """One step of ``opt`` (the session's optimizer over ``net``) on training row ``sample``.

    Returns the optimizer's name and hyperparameters, the weight before and after, the update
    Δw = w_after − w_before, the gradient ∂E/∂w of the row's error E, the plain-SGD update
    −lr · ∂E/∂w for comparison, and E on the row before and after the step (every weight moved).
    Shapes: X (n, d) the network's inputs, t (n, …) its targets; the row is X[sample:sample+1].
    """
    k, r, c = parse_weight(weight)  # checked by explain, which the session calls first
    row = slice(sample, sample + 1)
    data = net.check_data(X[row], t[row])
    saved_weights = [W.copy() for W in net.weights]
    saved_state = opt.state_dict()
    try:
        E_before, grads = net.value_and_gradients(X[row], t[row])
        before = float(net.weights[k - 1][r - 1, c - 1])
        net.train_step(*data, WithL1(opt, config.l1))
        after = float(net.weights[k - 1][r - 1, c - 1])
        E_after = net.error(X[row], t[row])
    finally:
        for W, old in zip(net.weights, saved_weights, strict=True):
            np.copyto(W, old)
        opt.load_state_dict(saved_state)
    g = float(grads[k - 1][r - 1, c - 1])
    return {
        "optimizer": config.optimizer,
        "lr": config.lr,
        "l2": config.l2,
        "l1": config.l1,
        "optimizer_steps": int(max(opt.steps, default=0)),
        "weight": before,
        "gradient": _number(g),
        "new_weight": _number(after),
        "update": _number(after - before),
        "sgd_update": _number(-config.lr * g),
        "error_before": _number(float(E_before)),
        "error_after": _number(float(E_after)),
    }
