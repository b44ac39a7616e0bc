"""What the chain rule says about training: saturated units on the path, and gradient sizes.

Two checks, each with one plain-language line:

* **Saturated units.** Every path from E to the weight multiplies by f'(h) of each unit it passes
  (and by the input the weight multiplies: 0 from an inactive relu).
  A sigmoid or tanh unit whose derivative is below :data:`SATURATION` (σ' is at most 0.25, tanh'
  at most 1) scales every path through it by almost nothing; a relu unit with h ≤ 0 passes
  exactly nothing. An output unit whose σ' the loss cancels (sigmoid with binary cross-entropy)
  is reported as harmless.
* **Gradient norms per layer.** ‖∂E/∂W^(l)‖ (Frobenius) from the engine, the weights' norm, and the
  size of one gradient-descent step relative to the weights, lr · ‖∂E/∂W‖ / ‖W‖.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule.explain.mathexpr import fmt
from chainrule.explain.trace import Forward, derivative

#: a sigmoid or tanh unit with f'(h) below this is reported as saturated
SATURATION = 0.01
#: a step that changes a layer's weights by less than this fraction of their norm barely moves it
SLOW_STEP = 1e-5
#: ... and by more than this fraction, may overshoot
LARGE_STEP = 0.1


@dataclass(frozen=True)
class UnitCheck:
    """A unit on the path whose derivative stalls the gradient (for some or all samples)."""

    layer: int
    unit: int
    name: str
    activation: str
    derivative: float  # f'(h) for one sample; the mean over the samples for a batch
    fraction: float  # the share of samples in which it is saturated (or inactive)
    status: str  # "saturated", "inactive" (relu, h ≤ 0) or "folded" (cancelled by the loss)
    message: str


@dataclass(frozen=True)
class LayerCheck:
    """The gradient's size for one layer, and what it means for a step of gradient descent."""

    layer: int
    gradient_norm: float
    weight_norm: float
    relative_step: float  # lr · ‖∂E/∂W‖ / ‖W‖ (or lr · ‖∂E/∂W‖ when W is all zeros)
    message: str


@dataclass(frozen=True)
class Diagnostics:
    threshold: float
    units_checked: int
    units: tuple[UnitCheck, ...]
    layers: tuple[LayerCheck, ...]


def _share(fraction: float, m: int) -> str:
    return "" if m == 1 else f" in {round(fraction * m)} of {m} samples"


def check_units(
    fw: Forward, k: int, i: int, j: int, threshold: float
) -> tuple[int, list[UnitCheck]]:
    """The sigmoid, tanh and relu units every path to w_ij^(k) passes: unit j of layer k and
    every unit after it; and the relu unit i whose output the weight multiplies. Returns (how
    many were checked, those that stall)."""
    found, checked = [], 0
    if k >= 2 and i <= fw.names.sizes[k - 1] and fw.activations[k - 2] == "relu":
        checked += 1
        found += _inactive_input(fw, k, i)
    for layer in range(k, fw.L + 1):
        act = fw.activations[layer - 1]
        units = [j] if layer == k else range(1, fw.names.sizes[layer] + 1)
        for u in units:
            checked += 1
            if act in ("sigmoid", "tanh", "relu"):
                found += _stalling_unit(fw, layer, u, threshold)
    return checked, found


def _inactive_input(fw: Forward, k: int, i: int) -> list[UnitCheck]:
    """The relu unit i of layer k − 1, if it is 0 for some sample: the weight multiplies 0."""
    off = fw.a[k - 2][:, i - 1] == 0
    if not off.any():
        return []
    m = len(fw.x)
    fraction = float(off.mean())
    name = fw.names.unit_label(k - 1, i)
    return [
        UnitCheck(
            k - 1, i, name, "relu", float((fw.h[k - 2][:, i - 1] > 0).mean()), fraction,
            "inactive",
            f"the weight's input {name} is 0 (relu, h ≤ 0){_share(fraction, m)}: "
            "∂h/∂w = 0 there, so the weight does not learn from "
            + ("this sample" if m == 1 else "those samples"),
        )
    ]  # fmt: skip


def _stalling_unit(fw: Forward, layer: int, u: int, threshold: float) -> list[UnitCheck]:
    """Unit u of `layer` if its f'(h) is below the threshold (0 for relu) for some sample."""
    act = fw.activations[layer - 1]
    h, a = fw.h[layer - 1][:, u - 1], fw.a[layer - 1][:, u - 1]
    d = derivative(act, h, a)
    bad = d == 0 if act == "relu" else d < threshold
    if not bad.any():
        return []
    m = len(fw.x)
    fraction = float(bad.mean())
    name = fw.names.unit_label(layer, u)
    mean_d = float(d.mean())
    share = _share(fraction, m)
    sym = "σ'" if act == "sigmoid" else f"{act}'"
    # one sample: its derivative; a batch: where it is small, and the mean
    size = (
        f"{sym}(h) = {fmt(mean_d, 3)} < {threshold:g}"
        if m == 1
        else f"{sym}(h) < {threshold:g} there, {fmt(mean_d, 3)} on average"
    )
    if act == "relu":
        status = "inactive"
        message = (
            f"{name} ≤ 0{share}: relu passes no gradient through this unit there, so "
            + ("this sample teaches" if m == 1 else "those samples teach")
            + " the weights behind it nothing"
            + ("; a unit inactive for every sample is dead" if fraction == 1 else "")
        )
    elif layer == fw.L and fw.loss == "binary_cross_entropy":
        status = "folded"
        message = (
            f"the output is saturated{share} ({size}), but binary cross-entropy cancels "
            "σ' (∂E/∂h = ŷ − y): the gradient does not vanish here"
        )
    elif layer == fw.L:
        status = "saturated"
        message = (
            f"the output is saturated{share} ({size}) and squared error keeps {sym} in "
            "the chain: even a wrong prediction gives almost no gradient (cross-entropy "
            "would cancel it)"
        )
    else:
        status = "saturated"
        message = (
            f"{name} is saturated{share} ({size}): every path through it is multiplied "
            "by almost 0, so the weights behind it barely learn"
        )
    return [UnitCheck(layer, u, name, act, mean_d, fraction, status, message)]


def check_layers(grads: list[np.ndarray], weights: list[np.ndarray], lr: float) -> list[LayerCheck]:
    """‖∂E/∂W^(l)‖, ‖W^(l)‖ and the relative size of one step, with a line on what it means."""
    g_norms = [float(np.linalg.norm(g)) for g in grads]
    last = g_norms[-1]
    out = []
    for layer, (g, W) in enumerate(zip(g_norms, weights, strict=True), start=1):
        w = float(np.linalg.norm(W))
        rel = lr * g / w if w > 0 else lr * g
        name = f"W{layer}"
        if g == 0:
            message = f"no gradient: {name} does not change (its paths to E are all cut)"
        elif rel < SLOW_STEP:
            message = (
                f"a step changes {name} by {rel:.1e} of its size: it barely learns "
                "(a vanishing gradient)"
            )
        elif rel > LARGE_STEP:
            message = (
                f"a step changes {name} by {100 * rel:.0f}% of its size: steps this large may "
                "overshoot; try a smaller learning rate"
            )
        else:
            message = f"a step changes {name} by {100 * rel:.2g}% of its size: a workable pace"
        if layer < len(grads) and g > 0 and last > 0 and g / last < 0.01:
            message += (
                f"; its gradient is {last / g:.0f}× smaller than the output layer's, so it "
                "shrinks on its way back"
            )
        out.append(LayerCheck(layer, g, w, rel, message))
    return out
