"""The dense layer's primitive: an affine map whose bias is folded into the weights as the last row.

The lecture writes a layer as a matrix product with the input augmented by a constant 1, so the
bias is just one more row of the weights (W31, W32 for a layer with two inputs)::

    h = [x, 1] · W  =  x · W[:-1] + W[-1]

``affine`` computes exactly that, without building ``[x, 1]`` or copying ``W``. Its backward rule
is the chain rule for a matrix product, with the 1 of the bias row made explicit::

    ∂E/∂x         = g · W[:-1]ᵀ
    ∂E/∂W[:-1]    = xᵀ · g            (each weight wᵢⱼ meets input xᵢ)
    ∂E/∂W[-1]     = Σ_samples g        (the bias row meets the constant 1)

where g = ∂E/∂h has one row per sample.
"""

# NumPy's stubs give many ufuncs, and the values a rule reads back from ctx.saved, the type Any;
# the signatures below say what flows (arrays in, an array out), so returning one is not reported.
# mypy: disable-error-code="no-any-return"

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.engine.arrays import Array
from chainrule.engine.function import Function
from chainrule.engine.tensor import Tensor
from chainrule.errors import ShapeError


class Affine(Function):
    """h = x W[:-1] + W[-1]   (x: (..., n_in), W: (n_in + 1, n_out), h: (..., n_out)).

    ∂E/∂x = g W[:-1]ᵀ;   ∂E/∂W[:-1] = xᵀ g;   ∂E/∂W[-1] = Σ g over the samples.
    """

    name = "affine"

    @staticmethod
    def forward(ctx: Any, x: Array, W: Array) -> Array:
        if W.ndim != 2 or x.ndim == 0 or x.shape[-1] + 1 != W.shape[0]:
            raise ShapeError(
                f"affine: input of shape {x.shape} does not fit weights of shape {W.shape}; the "
                "weights need one row per input feature plus the bias row, (n_in + 1, n_out)."
            )
        ctx.save_for_backward(x, W)
        h = x.dot(W[:-1])  # = x @ W[:-1] for a 2-D W, with less overhead per call than matmul
        h += W[-1]
        return h

    @staticmethod
    def backward(ctx: Any, g: Array) -> tuple[Array | None, Array | None]:
        x, W = ctx.saved
        need_x, need_W = ctx.needs_input_grad
        gx = g.dot(W[:-1].T) if need_x else None
        gW = None
        if need_W:
            gW = np.empty(W.shape, W.dtype)  # C order, so that its rows gW[:-1] are a valid out=
            if x.ndim != 2:  # a stack of batches: every row is one sample
                x = x.reshape(-1, x.shape[-1])
                g = g.reshape(-1, g.shape[-1])
            np.matmul(x.T, g, out=gW[:-1])
            np.add.reduce(g, axis=0, out=gW[-1])
        return gx, gW


def affine(x: Any, W: Any) -> Tensor:
    """x W[:-1] + W[-1]: a dense layer's pre-activation h, the bias being W's last row.

    Example:
        >>> W = cr.tensor([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])   # 2 inputs, 2 units, bias row
        >>> cr.affine(cr.tensor([[1.0, 2.0]]), W).data            # [1, 2, 1] · W
        array([[1.2, 1.6]])
    """
    return Affine.apply(x, W)
