"""The whole training step as one compiled kernel: checks, forward, loss, backward, update.

The pieces are in :mod:`~chainrule.engine.compiled.kernels` (layers, activations, losses) and
:mod:`~chainrule.engine.compiled.updates` (the optimizers); the buffers and the call are in
:mod:`~chainrule.engine.compiled.step`. numba compiles :func:`train_step` once per number of
layers, dtype and kind of targets (class indices or a float array), and caches it on disk.
"""

# numba has no type stubs: its decorators leave the functions untyped for mypy.
# mypy: disable-error-code="misc,no-any-return,untyped-decorator"

from __future__ import annotations

import math
from typing import Any

import numba

from chainrule.engine.compiled.kernels import (
    activate,
    activation_backward,
    affine,
    check_inputs,
    input_gradient,
    loss_and_delta,
    weight_gradient,
)
from chainrule.engine.compiled.layout import NOT_FINITE, OK, SE
from chainrule.engine.compiled.updates import update_all


@numba.njit(cache=True, nogil=True, error_model="numpy")
def train_step(
    X: Any,
    Y: Any,
    yi: Any,
    w: Any,
    Ws: Any,
    Gs: Any,
    As: Any,
    Ds: Any,
    acts: Any,
    loss: int,
    check: bool,
    opt: int,
    hyper: Any,
    S1: Any,
    S2: Any,
    steps: Any,
    out: Any,
    c: Any,
    work: Any,
) -> tuple[int, Any]:
    """One training step of a dense network; returns (status, E before the update).

    Args:
        X: (m, n_0) inputs; Y: (m, n_L) float targets, or (0, 0) when ``yi`` holds class indices;
            yi: (m,) class indices (cross-entropy), or (0,); w: (m,) weights of the mean (Σ 1).
        Ws: the L weight matrices, each (n_in + 1, n_out), bias last, updated in place.
        Gs: L buffers shaped like Ws that receive ∂E/∂W (clipped, when clipping is on).
        As: L buffers (m, n_k): a^(k), and for the last layer z (the logits, or ŷ).
        Ds: L buffers (m, n_k): δ^(k) = ∂E/∂h^(k).
        acts: (L,) activation codes; loss: a loss code; check: check X and the targets first.
        opt, hyper, S1, S2, steps: the optimizer (see :mod:`~chainrule.engine.compiled.updates`).
        out: (m, n_L) array that receives z, or (0, n_L) for none.
        c: the constants and scratch in the arrays' dtype (see ``kernels``).
        work: (m, n_L) scratch for the loss.

    The first layer is written apart from the loop over the others, which then never picks its
    input as ``X if k == 0 else As[k − 1]``: with that one expression the whole step took 22 µs
    instead of 13 µs (64-32-10, batch 32, same arrays). X may also be of another array type than
    the buffers (read-only, say); each call here is compiled for its own.
    """
    L = len(Ws)
    m = X.shape[0]
    if check:
        status = check_inputs(X, Y, yi, loss, As[L - 1].shape[1])
        if status != OK:
            return status, c[0]
    top = L - 1  # the output layer: its activation is in the loss, save for squared error
    affine(X, Ws[0], As[0])
    if top > 0 or loss == SE:
        activate(As[0], acts[0], c)
    for k in range(1, L):
        affine(As[k - 1], Ws[k], As[k])
        if k < top or loss == SE:
            activate(As[k], acts[k], c)
    E = loss_and_delta(As[top], Y, yi, w, loss, Ds[top], work, c)
    if not math.isfinite(E):
        return NOT_FINITE, E
    if out.shape[0] == m:
        out[:, :] = As[top]
    for k in range(top, 0, -1):
        if k < top or loss == SE:
            activation_backward(Ds[k], As[k], acts[k], c)
        weight_gradient(As[k - 1], Ds[k], Gs[k])
        input_gradient(Ds[k], Ws[k], Ds[k - 1])
    if top > 0 or loss == SE:
        activation_backward(Ds[0], As[0], acts[0], c)
    weight_gradient(X, Ds[0], Gs[0])
    update_all(Ws, Gs, S1, S2, opt, hyper, steps, c)
    return OK, E
