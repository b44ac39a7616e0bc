"""A user's own primitive, written with the same contract as the built-in ones (function.py)."""

import numpy as np
import pytest

import chainrule as cr


class Cube(cr.Function):
    """y = x³;  dy/dx = 3x²  (the example in the docs)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * 3 * x**2


class ScaledAdd(cr.Function):
    """y = a + s·b with a broadcast b and a setting s;  ∂y/∂a = 1, ∂y/∂b = s (summed back)."""

    name = "scaled_add"

    @staticmethod
    def forward(ctx, a, b, *, s):
        ctx.s, ctx.b_shape = s, b.shape
        ctx.seen_needs = ctx.needs_input_grad
        return a + s * b

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (
            grad if need_a else None,
            cr.unbroadcast(ctx.s * grad, ctx.b_shape) if need_b else None,
        )


def test_a_user_primitive_records_differentiates_and_passes_gradcheck():
    x = cr.tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn == "cube"  # the default name is the class name, lower-cased
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 3 * x.data**2)
    assert cr.gradcheck(lambda t: Cube.apply(t).sigmoid(), (x,)).passed


def test_settings_needs_input_grad_and_unbroadcast_work_for_users():
    a = cr.tensor(np.ones((4, 3)))
    b = cr.tensor(np.arange(3.0), requires_grad=True)
    y = ScaledAdd.apply(a, b, s=0.5)
    assert y.grad_fn == "scaled_add" and y._node.seen_needs == (False, True)
    y.sum().backward()
    np.testing.assert_array_equal(b.grad, [2.0, 2.0, 2.0])  # 4 rows × s = 0.5
    report = cr.gradcheck(lambda a, b: ScaledAdd.apply(a, b, s=0.5).tanh(), (a, b))
    assert report.passed and len(report.inputs) == 2


def test_a_user_primitive_in_float32_stays_float32():
    x = cr.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.dtype == np.float32


def test_a_function_without_backward_says_so():
    class NoBackward(cr.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

    x = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="must define backward"):
        NoBackward.apply(x).sum().backward()
