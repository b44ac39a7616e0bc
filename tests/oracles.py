"""The oracles, in one place: what a chainrule gradient is checked against.

:func:`check_gradients` computes chainrule's vector-Jacobian product of a function at given inputs
(the gradients of Σ v ⊙ f(x) for a fixed random v, with respect to every input) and compares it,
and the forward value, with independent answers:

1. central finite differences, through the library's own :func:`chainrule.engine.gradcheck`;
2. HIPS autograd, an independent reverse-mode autodiff (always installed for the tests);
3. PyTorch in float64, when ``torch`` can be imported (it is optional; without it that oracle is
   skipped, and tests that need nothing but torch skip through :func:`torch_only`).

Autograd and PyTorch are exact up to rounding, so they must agree tightly (rtol 1e-7); finite
differences are only accurate to about 1e-8 here, so they get atol/rtol 1e-6. Every failure is an
``AssertionError`` whose message names the oracle and the input index.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # PyTorch is an optional oracle
    torch = None

HAS_TORCH = torch is not None

#: mark a test that needs PyTorch and nothing else; it is skipped where torch is missing
requires_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")


def torch_only():
    """Inside a test that needs PyTorch: the torch module, or skip the test without it."""
    return pytest.importorskip("torch")


def projection(out_shape: tuple[int, ...], in_shapes: Sequence[tuple[int, ...]]) -> np.ndarray:
    """The fixed random v (standard normal, shaped like the output), seeded from the shapes."""
    seed = zlib.crc32(repr((tuple(out_shape), [tuple(s) for s in in_shapes])).encode())
    return np.random.default_rng(seed).standard_normal(out_shape)


def check_gradients(
    cr_fn: Callable[..., cr.Tensor],
    inputs: Sequence[np.ndarray],
    *,
    autograd_fn: Callable[..., np.ndarray] | None = None,
    torch_fn: Callable[..., object] | None = None,
    rtol: float = 1e-7,
    atol: float = 1e-12,
    fd: bool = True,
    fd_eps: float = 1e-6,
    fd_atol: float = 1e-6,
    fd_rtol: float = 1e-6,
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Check chainrule's forward value and gradients of ``cr_fn`` at ``inputs`` against oracles.

    Args:
        cr_fn: a function of chainrule Tensors returning a Tensor of any shape.
        inputs: float64 arrays, one per argument; all of them are differentiated.
        autograd_fn: the same function written with ``autograd.numpy``; checked when given.
        torch_fn: the same function written with torch ops; checked when given and torch imports.
        rtol, atol: the agreement required of autograd and torch (values and gradients).
        fd: also compare with central finite differences (``cr.gradcheck``).
        fd_eps, fd_atol, fd_rtol: the finite-difference step and tolerances.

    Returns:
        chainrule's forward value and its gradients (one per input).
    """
    inputs = tuple(inputs)
    for i, x in enumerate(inputs):
        assert isinstance(x, np.ndarray) and x.dtype == np.float64, (
            f"check_gradients: input {i} must be a float64 ndarray, got {type(x).__name__} "
            f"{getattr(x, 'dtype', '')}"
        )
    n = len(inputs)

    with cr.no_grad():
        out = cr_fn(*[cr.tensor(x) for x in inputs])
    assert isinstance(out, cr.Tensor), f"chainrule: cr_fn returned {type(out).__name__}"
    value = out.data
    v = projection(value.shape, [x.shape for x in inputs])

    def projected(*ts: cr.Tensor) -> cr.Tensor:
        return (cr_fn(*ts) * v).sum()

    _, grads = cr.value_and_grad(projected, argnums=tuple(range(n)))(*inputs)
    for i, (x, g) in enumerate(zip(inputs, grads, strict=True)):
        assert g.shape == x.shape and g.dtype == x.dtype, (
            f"chainrule: the gradient of input {i} has shape {g.shape} and dtype {g.dtype}; "
            f"the input has shape {x.shape} and dtype {x.dtype}"
        )

    if fd:
        report = cr.gradcheck(
            projected,
            inputs,
            eps=fd_eps,
            atol=fd_atol,
            rtol=fd_rtol,
            max_elements=10**6,
            raise_on_failure=False,
        )
        for check in report.inputs:
            if not check.passed:
                raise AssertionError(
                    f"oracle 'finite differences' disagrees with chainrule at input "
                    f"{check.position}: {check}"
                )

    if autograd_fn is not None:
        expected = np.asarray(autograd_fn(*inputs))
        _agree("autograd", "the forward value", value, expected, rtol, atol)

        def objective(*xs):
            return anp.sum(v * autograd_fn(*xs))

        expected_grads = autograd.grad(objective, argnum=tuple(range(n)))(*inputs)
        for i, (g, e) in enumerate(zip(grads, expected_grads, strict=True)):
            _agree("autograd", f"the gradient of input {i}", g, np.asarray(e), rtol, atol)

    if torch_fn is not None and HAS_TORCH:
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
        result = torch_fn(*ts)
        _agree("torch", "the forward value", value, result.detach().numpy(), rtol, atol)
        (torch.from_numpy(np.array(v)) * result).sum().backward()
        for i, t in enumerate(ts):
            e = np.zeros(inputs[i].shape) if t.grad is None else t.grad.numpy()
            _agree("torch", f"the gradient of input {i}", grads[i], e, rtol, atol)

    return value, grads


def _agree(
    oracle: str, what: str, actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float
) -> None:
    assert np.shape(actual) == np.shape(expected), (
        f"oracle '{oracle}' disagrees with chainrule on {what}: shape {np.shape(actual)} from "
        f"chainrule, {np.shape(expected)} from {oracle}"
    )
    np.testing.assert_allclose(
        actual,
        expected,
        rtol=rtol,
        atol=atol,
        err_msg=f"oracle '{oracle}' disagrees with chainrule on {what}",
    )
