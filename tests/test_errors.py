"""Errors say what and where: the op, the shapes, the bad value; anomaly mode finds the NaN."""

import numpy as np
import pytest

import chainrule as cr


def test_matmul_names_the_op_and_both_shapes():
    x = cr.tensor(np.ones((5, 3)))
    w = cr.tensor(np.ones((4, 2)), requires_grad=True)
    with pytest.raises(cr.ShapeError) as err:
        x @ w
    message = str(err.value)
    assert message.startswith("matmul: cannot multiply shapes (5, 3) and (4, 2)")
    assert "3 columns" in message and "4 rows" in message
    assert isinstance(err.value, ValueError) and err.value.__cause__ is None


def test_matmul_batch_and_scalar_mismatches():
    with pytest.raises(cr.ShapeError, match=r"batch dimensions \(2,\) and \(3,\)"):
        cr.tensor(np.ones((2, 4, 3))) @ cr.tensor(np.ones((3, 3, 5)))
    with pytest.raises(cr.ShapeError, match="at least 1 dimension"):
        cr.tensor(2.0) @ cr.tensor(np.ones(3))


def test_broadcasting_errors_name_the_op_and_shapes():
    with pytest.raises(cr.ShapeError, match=r"^add: .*\(input shapes \(5, 3\) and \(4,\)\)"):
        cr.tensor(np.ones((5, 3))) + np.ones(4)
    with pytest.raises(cr.ShapeError, match=r"^maximum: .*\(2,\) and \(3,\)"):
        cr.maximum(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 2.0, 3.0]))


def test_index_and_axis_errors_name_the_op():
    t = cr.tensor(np.ones((3, 2)))
    with pytest.raises(IndexError, match=r"^getitem: index 5 is out of bounds.*\(3, 2\)"):
        t[5]
    with pytest.raises(cr.ShapeError, match=r"^sum: axis 2 is out of bounds"):
        t.sum(axis=2)
    with pytest.raises(TypeError, match="not with a Tensor"):
        t[cr.tensor([0.0])]
    with pytest.raises(cr.ShapeError, match=r"^reshape: cannot reshape array of size 6"):
        t.reshape(4, 2)


def test_bad_constants_are_refused_naming_the_op():
    with pytest.raises(cr.DTypeError, match=r"^mul: expected numbers, found 'x'"):
        cr.tensor([1.0]) * "x"
    with pytest.raises(TypeError, match="exponent must be a constant real number"):
        cr.tensor([1.0]) ** cr.tensor([2.0])
    with pytest.raises(ValueError, match="lo=2 is greater than hi=1"):
        cr.clip(cr.tensor([1.0]), 2, 1)


def test_a_rule_that_returns_the_wrong_shape_is_named():
    class ForgotToUnbroadcast(cr.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g, g

    a = cr.tensor(np.ones((4, 3)), requires_grad=True)
    b = cr.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(cr.ShapeError, match=r"forgottounbroadcast.backward.*\(4, 3\) for input 1"):
        ForgotToUnbroadcast.apply(a, b).sum().backward()


def test_a_rule_that_returns_too_few_gradients_is_named():
    class OneGrad(cr.Function):
        name = "one_grad"

        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return (g,)

    a = cr.tensor([1.0], requires_grad=True)
    with pytest.raises(
        cr.GraphError, match=r"one_grad\.backward returned 1 gradients for 2 inputs"
    ):
        OneGrad.apply(a, a).sum().backward()


def test_all_library_errors_share_a_base_class():
    for cls in (cr.ShapeError, cr.DTypeError, cr.GraphError, cr.AnomalyError, cr.GradcheckError):
        assert issubclass(cls, cr.ChainruleError)


# -- anomaly mode ----------------------------------------------------------------------------------
def test_anomaly_mode_names_the_first_op_whose_forward_made_a_nan():
    x = cr.tensor([1.0, -1.0], requires_grad=True)
    with cr.detect_anomaly(), pytest.raises(cr.AnomalyError) as err:  # and no NumPy warning
        h = x * 2
        h.sqrt()  # sqrt(−2) = NaN: this op is named, with this file and line
    message = str(err.value)
    assert message.startswith("sqrt produced NaN in its forward pass from finite inputs")
    assert "test_errors.py:" in message
    assert isinstance(err.value, FloatingPointError)


def test_anomaly_mode_names_the_op_whose_backward_made_an_inf():
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    with cr.detect_anomaly():
        y = x.sqrt().sum()  # forward is finite; d√x/dx = 1/(2√x) is inf at 0
        with pytest.raises(
            cr.AnomalyError, match=r"^sqrt produced inf in its backward pass.*input 0"
        ):
            y.backward()


def test_anomaly_mode_does_not_blame_an_op_for_nan_it_was_given():
    x = cr.tensor([np.nan, 1.0], requires_grad=True)
    with cr.detect_anomaly():
        (x * 2).sum().backward()  # NaN came in; no op made it
    assert np.isnan(x.grad).sum() == 0  # d(2x)/dx = 2 everywhere, even where x is NaN


def test_without_anomaly_mode_nan_flows_silently():
    with np.errstate(invalid="ignore"):
        y = cr.tensor([-1.0]).sqrt()
    assert np.isnan(y.data).all()
