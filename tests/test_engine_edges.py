"""Edges of the engine and the data checks (issue 16): masked arrays are refused when a value is
masked and taken as their values when none is; reductions over an empty axis are a ShapeError
naming the op, the shape and the axis, never NaN with a RuntimeWarning (warnings are errors here).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import ChainruleError, DataError, ShapeError

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
Y = np.array([1.0, 1.0, 0.0, 0.0])
ONE_MASKED = np.ma.masked_array(X, mask=[[0, 0], [0, 1], [0, 0], [0, 0]])


# -- masked arrays -------------------------------------------------------------------------------
def test_tensor_refuses_a_masked_value_and_says_how_to_fill_or_drop_it():
    with pytest.raises(DataError, match=r"1 masked value.*index \(1, 1\).*filled") as info:
        cr.tensor(ONE_MASKED)
    assert isinstance(info.value, ValueError) and isinstance(info.value, ChainruleError)


def test_the_masked_constant_is_refused():
    with pytest.raises(DataError, match="masked"):
        cr.tensor(np.ma.masked)


@pytest.mark.parametrize("mask", [np.ma.nomask, np.zeros(X.shape, bool)])
def test_a_masked_array_with_nothing_masked_is_its_data(mask):
    t = cr.tensor(np.ma.masked_array(X, mask=mask))
    assert type(t.data) is np.ndarray and np.array_equal(t.data, X)


def test_network_methods_refuse_masked_X_and_y():
    net = cr.MLP([2, 3, 1], seed=0)
    with pytest.raises(DataError, match=r"^X: a masked array"):
        net.predict(ONE_MASKED)
    with pytest.raises(DataError, match=r"^X: a masked array"):
        net.error(ONE_MASKED, Y)
    with pytest.raises(DataError, match=r"^y: a masked array"):
        net.error(X, np.ma.masked_array(Y, mask=[0, 0, 1, 0]))


def test_network_methods_take_unmasked_masked_arrays_as_their_data():
    net = cr.MLP([2, 3, 1], seed=0)
    plain = net.error(X, Y)
    assert net.error(np.ma.masked_array(X), np.ma.masked_array(Y)) == plain
    assert np.array_equal(net.predict(np.ma.masked_array(X)), net.predict(X))


def test_fit_refuses_masked_X():
    with pytest.raises(DataError, match="masked"):
        cr.MLP([2, 3, 1], seed=0).fit(ONE_MASKED, Y, epochs=1, verbose=0)


# -- reductions over nothing ---------------------------------------------------------------------
@pytest.mark.parametrize("op", ["mean", "max", "logsumexp"])
@pytest.mark.parametrize(
    ("shape", "axis", "empty"), [((0, 3), None, 0), ((0, 3), 0, 0), ((3, 0), -1, 1), ((0,), 0, 0)]
)
def test_reducing_an_empty_axis_is_a_shape_error_naming_op_shape_and_axis(op, shape, axis, empty):
    t = cr.tensor(np.zeros(shape), requires_grad=True)
    with pytest.raises(
        ShapeError, match=rf"^{op} over .*shape {re.escape(str(shape))}: axis {empty} has length 0"
    ):
        getattr(cr, op)(t, axis=axis)


@pytest.mark.parametrize("op", ["mean", "max", "logsumexp"])
def test_reducing_a_nonempty_axis_of_an_empty_array_gives_an_empty_result(op):
    t = cr.tensor(np.zeros((0, 3)), requires_grad=True)
    out = getattr(cr, op)(t, axis=1)
    assert out.shape == (0,)
    out.sum().backward()
    assert t.grad is not None and t.grad.shape == (0, 3)


def test_sum_of_an_empty_tensor_is_zero_with_a_zero_size_gradient():
    t = cr.tensor(np.zeros((0, 3)), requires_grad=True)
    out = cr.sum(t)
    assert out.item() == 0.0
    out.backward()
    assert t.grad is not None and t.grad.shape == (0, 3)


def test_an_axis_out_of_range_is_still_numpys_error_as_a_shape_error():
    with pytest.raises(ShapeError, match=r"mean: .*axis 2 is out of bounds"):
        cr.mean(cr.tensor(np.zeros((2, 2))), axis=2)


def test_mean_of_a_zero_d_tensor_and_its_gradient():
    t = cr.tensor(3.0, requires_grad=True)
    cr.mean(t).backward()
    assert t.grad is not None and t.grad.item() == 1.0
