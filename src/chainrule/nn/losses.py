"""The error functions E, computed from the output layer's pre-activation h (the logits).

Each loss is a primitive whose forward and backward sit side by side. Computing E from h rather than
from ŷ = activation(h) avoids log(0): E and ∂E/∂h are finite for every finite h. The fused backward
is the lecture's simplification ∂E/∂ŷ · ∂ŷ/∂h = ŷ − y, exactly.

Conventions (every loss):

* E is a **weighted mean over the samples** of a per-sample loss ℓᵢ, summed over the outputs:
  E = Σᵢ sᵢ ℓᵢ / Σᵢ sᵢ, with sᵢ = 1 when no ``sample_weight`` is given, so E = (1/m) Σᵢ ℓᵢ.
* binary cross-entropy (sigmoid outputs, targets in {0, 1}):
  ℓᵢ = −Σₖ [yᵢₖ log ŷᵢₖ + (1 − yᵢₖ) log(1 − ŷᵢₖ)], ŷ = σ(h); computed as softplus(h) − y·h.
  ∂E/∂hᵢₖ = (sᵢ/Σs) (ŷᵢₖ − yᵢₖ).
* cross-entropy (softmax outputs, integer class indices or one-hot/probability rows):
  ℓᵢ = −Σₖ yᵢₖ log ŷᵢₖ, ŷ = softmax(h); computed as logsumexp(hᵢ) − Σₖ yᵢₖ hᵢₖ.
  ∂E/∂hᵢₖ = (sᵢ/Σs) (ŷᵢₖ − yᵢₖ).
* squared error (any output; applied to ŷ itself, not to the logits): with the ½,
  ℓᵢ = ½ Σₖ (ŷᵢₖ − yᵢₖ)², so ∂E/∂ŷᵢₖ = (sᵢ/Σs) (ŷᵢₖ − yᵢₖ). With k outputs, scikit-learn's
  MLP loss also halves but averages over the outputs as well (E/k); PyTorch's ``MSELoss`` does
  not halve and averages over the outputs (2E/k). For one output scikit-learn's equals E.
* PyTorch's ``BCEWithLogitsLoss`` averages over the outputs too (E/k); its ``CrossEntropyLoss``
  and scikit-learn's log-loss equal E.

Example:
    >>> h = cr.tensor([[2.0], [-1.0]], requires_grad=True)
    >>> E = cr.binary_cross_entropy_with_logits(h, np.array([1.0, 0.0]))
    >>> E.backward(); h.grad                 # (σ(h) − y)/m
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.arrays import Array
from chainrule.engine.function import Function
from chainrule.engine.ops.activations import ZERO, stable_sigmoid
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError

#: the canonical loss names, and what each accepts as a spelling
LOSSES = ("binary_cross_entropy", "cross_entropy", "squared_error")
_ALIASES = {
    "binary_cross_entropy": "binary_cross_entropy",
    "bce": "binary_cross_entropy",
    "binary_crossentropy": "binary_cross_entropy",
    "log_loss": "binary_cross_entropy",
    "cross_entropy": "cross_entropy",
    "categorical_cross_entropy": "cross_entropy",
    "categorical_crossentropy": "cross_entropy",
    "ce": "cross_entropy",
    "squared_error": "squared_error",
    "mse": "squared_error",
    "mean_squared_error": "squared_error",
}
#: the output activation each loss is computed with (squared error takes any)
LOSS_OUTPUT = {"binary_cross_entropy": "sigmoid", "cross_entropy": "softmax"}
#: how each loss is named to a person
LOSS_TITLES = {
    "binary_cross_entropy": "binary cross-entropy",
    "cross_entropy": "cross-entropy",
    "squared_error": "squared error (½, mean over samples)",
}


def loss_name(name: str) -> str:
    """The canonical name of a loss, from any accepted spelling."""
    key = str(name).lower().replace("-", "_").replace(" ", "_")
    if key not in _ALIASES:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}")
    return _ALIASES[key]


def default_loss(output: str) -> str:
    """The loss that goes with an output activation: its natural pairing."""
    return {"sigmoid": "binary_cross_entropy", "softmax": "cross_entropy"}.get(
        output, "squared_error"
    )


def _per_sample_weights(m: int, sample_weight: np.ndarray | None, dtype: np.dtype) -> np.ndarray:
    """sᵢ/Σs, the weight of each sample in the mean (1/m each without sample weights)."""
    if sample_weight is None:
        return np.full(m, 1.0 / m, dtype=dtype)
    weights: np.ndarray = (sample_weight / sample_weight.sum()).astype(dtype, copy=False)
    return weights


# -- the primitives -----------------------------------------------------------------------------
class BinaryCrossEntropyWithLogits(Function):
    """E = Σᵢ wᵢ Σₖ [softplus(hᵢₖ) − yᵢₖ hᵢₖ];   ∂E/∂hᵢₖ = wᵢ (σ(hᵢₖ) − yᵢₖ).

    softplus(h) − y·h equals −[y log σ(h) + (1 − y) log(1 − σ(h))], with no log of anything
    that can be 0; ``w`` = sᵢ/Σs are the per-sample weights of the mean.
    """

    name = "binary_cross_entropy"

    @staticmethod
    def forward(ctx: Any, h: Array, *, y: Array, w: Array) -> Array:
        per_element = np.logaddexp(ZERO.get(h.dtype, 0), h)  # softplus(h) = log(e⁰ + eʰ), stable
        per_element -= y * h
        ctx.save_for_backward(h, y, w)
        return np.asarray(w @ _per_sample(per_element))

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        h, y, w = ctx.saved
        delta = stable_sigmoid(h)
        delta -= y
        gw = g * w
        delta *= gw[:, None] if h.ndim == 2 else gw.reshape((-1,) + (1,) * (h.ndim - 1))
        return delta


class SoftmaxCrossEntropyWithLogits(Function):
    """E = Σᵢ wᵢ [logsumexp(hᵢ) − Σₖ yᵢₖ hᵢₖ];   ∂E/∂hᵢₖ = wᵢ (softmax(hᵢ)ₖ − yᵢₖ).

    ``y`` is one class index per row (int array of shape (m,)) or a row of probabilities per
    sample (shape (m, k), e.g. one-hot). The row maximum is subtracted before exponentiating.
    """

    name = "cross_entropy"

    @staticmethod
    def forward(ctx: Any, h: Array, *, y: Array, w: Array) -> Array:
        z = h - h.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        per_sample = (
            -log_p[np.arange(len(y)), y]  # y: class indices
            if y.ndim == 1
            else -(y * log_p).sum(axis=1)  # y: probability rows
        )
        ctx.save_for_backward(log_p, y, w)
        return np.asarray(w @ per_sample)

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        log_p, y, w = ctx.saved
        delta = np.exp(log_p)
        if y.ndim == 1:
            delta[np.arange(len(y)), y] -= 1
        else:
            delta -= y
        delta *= (g * w)[:, None]
        result: Array = delta
        return result


class SquaredError(Function):
    """E = Σᵢ wᵢ ½ Σₖ (ŷᵢₖ − yᵢₖ)²;   ∂E/∂ŷᵢₖ = wᵢ (ŷᵢₖ − yᵢₖ)."""

    name = "squared_error"

    @staticmethod
    def forward(ctx: Any, yhat: Array, *, y: Array, w: Array) -> Array:
        diff = yhat - y
        ctx.save_for_backward(diff, w)
        return np.asarray(0.5 * (w @ _per_sample(diff * diff)))

    @staticmethod
    def backward(ctx: Any, g: Array) -> Array:
        diff, w = ctx.saved
        delta: Array = diff * (g * w).reshape((-1,) + (1,) * (diff.ndim - 1))
        return delta


def _per_sample(per_element: np.ndarray) -> np.ndarray:
    """Σₖ over each sample's outputs: (m,) from (m,), (m, k) or (m, ...)."""
    if per_element.ndim == 1:
        return per_element
    sums: np.ndarray = np.add.reduce(per_element.reshape(len(per_element), -1), axis=1)
    return sums


# -- the functions ------------------------------------------------------------------------------
def binary_cross_entropy_with_logits(h: Any, y: Any, sample_weight: Any = None) -> Tensor:
    """Binary cross-entropy of sigmoid outputs, from the logits ``h`` (m, k) or (m,).

    ``y`` holds 0/1 targets shaped like ``h`` ((m,) is accepted for (m, 1)). Returns the scalar E.
    """
    h_arr = h.data if isinstance(h, Tensor) else np.asarray(h, dtype=float)
    y_arr = _targets_like(np.asarray(y, dtype=h_arr.dtype), h_arr.shape, "binary_cross_entropy")
    w = _per_sample_weights(len(h_arr), _weights(sample_weight, len(h_arr)), h_arr.dtype)
    return BinaryCrossEntropyWithLogits.apply(h, y=y_arr, w=w)


def cross_entropy_with_logits(h: Any, y: Any, sample_weight: Any = None) -> Tensor:
    """Cross-entropy of softmax outputs, from the logits ``h`` (m, k).

    ``y`` is an integer class index per row, shape (m,), or a probability row per sample (m, k).
    """
    h_arr = h.data if isinstance(h, Tensor) else np.asarray(h, dtype=float)
    y_arr = np.asarray(y)
    if y_arr.ndim == 1:
        y_arr = y_arr.astype(np.intp, copy=False)
        if len(y_arr) != len(h_arr):
            raise ShapeError(f"cross_entropy: {len(y_arr)} targets for {len(h_arr)} rows of logits")
    else:
        y_arr = _targets_like(y_arr.astype(h_arr.dtype, copy=False), h_arr.shape, "cross_entropy")
    w = _per_sample_weights(len(h_arr), _weights(sample_weight, len(h_arr)), h_arr.dtype)
    return SoftmaxCrossEntropyWithLogits.apply(h, y=y_arr, w=w)


def squared_error(yhat: Any, y: Any, sample_weight: Any = None) -> Tensor:
    """½ Σₖ (ŷ − y)², averaged over the samples; ``yhat`` (m, k) or (m,), ``y`` shaped alike."""
    arr = yhat.data if isinstance(yhat, Tensor) else np.asarray(yhat, dtype=float)
    y_arr = _targets_like(np.asarray(y, dtype=arr.dtype), arr.shape, "squared_error")
    w = _per_sample_weights(len(arr), _weights(sample_weight, len(arr)), arr.dtype)
    return SquaredError.apply(yhat, y=y_arr, w=w)


def _targets_like(y: np.ndarray, shape: tuple[int, ...], what: str) -> np.ndarray:
    if y.shape == shape:
        return y
    if y.ndim == 1 and len(shape) == 2 and shape[1] == 1 and len(y) == shape[0]:
        return y.reshape(shape)
    raise ShapeError(f"{what}: targets of shape {y.shape} do not match outputs of shape {shape}")


def _weights(sample_weight: Any, m: int) -> np.ndarray | None:
    """Validate ``sample_weight``: m finite numbers ≥ 0, not all 0."""
    if sample_weight is None:
        return None
    s = np.asarray(sample_weight, dtype=np.float64)
    if s.shape != (m,):
        raise ShapeError(
            f"sample_weight has shape {s.shape}; it needs one number per sample, ({m},)"
        )
    bad = np.flatnonzero(~np.isfinite(s) | (s < 0))
    if bad.size:
        raise ValueError(
            f"sample_weight[{bad[0]}] = {s[bad[0]].item()!r}; sample weights must be finite and ≥ 0"
        )
    if not s.any():
        raise ValueError("sample_weight is all zeros: at least one sample must count")
    return s
