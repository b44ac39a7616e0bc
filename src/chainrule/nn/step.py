"""A network's training step, recorded once per batch shape by the engine and then replayed.

A training step calls the same primitives in the same order on every batch of one shape: the
engine records it once (:class:`~chainrule.engine.replay.Program`) and later runs only the recorded
primitives' own ``forward`` and ``backward`` rules on the new arrays, giving the same E and ∇E bit
for bit. This module keeps a network's programs, one per batch shape (the last, shorter batch of
an epoch gets its own), and falls back to the general engine where a step cannot be replayed or
anomaly mode is on.

Example:
    >>> E, grads = recorded_step(net.output_and_loss, programs, key, net.parameters(), X, y, w)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np

from chainrule.engine.backward import backprop
from chainrule.engine.modes import STATE
from chainrule.engine.replay import Program
from chainrule.engine.tensor import Tensor
from chainrule.errors import DivergedError

#: how many batch shapes keep their recorded program (batch shapes come and go)
MAX_PROGRAMS = 8

Arrays = tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]
OutputAndLoss = Callable[
    [np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]], tuple[Tensor, Tensor]
]


def engine_gradients(E: Tensor, params: Sequence[Tensor]) -> list[np.ndarray[Any, Any]]:
    """[∂E/∂p for p in params] by the engine's reverse pass (zeros where E does not depend on p)."""
    found = backprop(E, accumulate=False, wrt=list(params))
    return [found[id(p)] if id(p) in found else np.zeros_like(p.data) for p in params]


def recorded_step(
    output_and_loss: OutputAndLoss,
    programs: dict[Hashable, Program | bool],
    key: Hashable,
    params: Sequence[Tensor],
    data: Arrays,
    out: np.ndarray[Any, Any] | None = None,
) -> tuple[float, list[np.ndarray[Any, Any]]]:
    """(E, [∂E/∂W1, …]) for a batch ``data`` = (X, y, w), by ``programs[key]`` when it can.

    Args:
        output_and_loss: (X, y, w) → (z, E), the network's :meth:`output_and_loss`.
        programs: the network's recorded programs by key; a new key is recorded and kept (the
            oldest of :data:`MAX_PROGRAMS` dropped), ``False`` where a step cannot be replayed.
        key: the batch's shapes and dtypes, the loss, the activations and the parameters.
        params: the weights [W1, W2, …] whose gradients are returned.
        out: optional array that receives z (the logits h^(L), or ŷ for squared error).

    The gradients are fresh arrays, the caller's to keep or change.
    """
    program = programs.get(key)
    if isinstance(program, Program) and not STATE.anomaly:
        value, grads = program.run(data, [p.data for p in params], out)
        return float(value), grads
    recorded: list[Tensor] = []

    def loss(X: np.ndarray[Any, Any], y: np.ndarray[Any, Any], w: np.ndarray[Any, Any]) -> Tensor:
        z, E = output_and_loss(X, y, w)
        recorded.append(z)
        return E

    new, E = Program.record(loss, data, params)
    if out is not None:
        out[...] = recorded[0].data
    grads = engine_gradients(E, params)
    if key not in programs:
        if len(programs) >= MAX_PROGRAMS:
            del programs[next(iter(programs))]
        programs[key] = new or False  # False: not replayable, always the engine
    return float(E.data), [g if g.flags.owndata else g.copy() for g in grads]


def descend(
    weights: Sequence[np.ndarray[Any, Any]],
    grads: Sequence[np.ndarray[Any, Any]],
    lr: float,
    E: float,
) -> None:
    """W ← W − lr · ∂E/∂W in place for each weight matrix; ``grads`` are used up (scaled).

    Raises :class:`~chainrule.errors.DivergedError`, with the weights unchanged, when E (the
    error before the step) is NaN or infinite.
    """
    if not math.isfinite(E):
        raise DivergedError(
            f"step: the error E is {E} before this step, so the weights were left unchanged; "
            f"the weights or the inputs are too large (lr was {lr}: try a smaller one, or "
            "standardise the inputs)"
        )
    for W, g in zip(weights, grads, strict=True):
        g *= lr
        W -= g


__all__ = ["MAX_PROGRAMS", "descend", "engine_gradients", "recorded_step"]
