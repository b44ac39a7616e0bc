"""Numerically safe forms: no overflow, no warning, no NaN at ±1e4, and gradients right there.

NumPy's floating-point errors are turned into exceptions (overflow, divide, invalid) and Python
warnings into errors; underflow to an exact 0 is the correct answer for these functions and stays
allowed.
"""

import warnings

import numpy as np
import pytest

import chainrule as cr

X = [-1e4, -800.0, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 800.0, 1e4]


def strict():
    """Overflow, division by zero and invalid operations raise instead of warning."""
    return np.errstate(over="raise", divide="raise", invalid="raise", under="ignore")


def value_and_grad(fn, x, dtype):
    t = cr.tensor(np.array(x, dtype=dtype), requires_grad=True)
    with strict(), warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(t)
        y.sum().backward()
    assert y.dtype == dtype and t.grad.dtype == dtype
    assert np.isfinite(y.data).all(), y.data
    assert np.isfinite(t.grad).all(), t.grad
    return y.data.astype(np.float64), t.grad.astype(np.float64)


DTYPES = [np.float32, np.float64]


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid(dtype):
    y, g = value_and_grad(cr.sigmoid, X, dtype)
    assert y[0] == 0.0 and y[-1] == 1.0 and y[5] == 0.5
    assert g[0] == 0.0 and g[-1] == 0.0  # σ' underflows to an exact 0, not NaN
    assert g[5] == 0.25
    np.testing.assert_allclose(y[4], 1 / (1 + np.e), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_softplus(dtype):
    y, g = value_and_grad(cr.softplus, X, dtype)
    assert y[-1] == 1e4 and y[0] == 0.0  # log(1 + e^1e4) = 1e4 to every digit
    assert g[-1] == 1.0 and g[0] == 0.0
    np.testing.assert_allclose(y[5], np.log(2), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
def test_log_sigmoid(dtype):
    y, g = value_and_grad(cr.log_sigmoid, X, dtype)
    assert y[0] == -1e4 and y[-1] == 0.0  # log σ(−1e4) = −1e4, not log(0)
    assert g[0] == 1.0 and g[-1] == 0.0
    np.testing.assert_allclose(y[5], -np.log(2), rtol=1e-6)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, -1])
def test_softmax_family_on_extreme_rows(dtype, axis):
    rows = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]])
    x = rows if axis == -1 else rows.T
    weights = np.arange(3.0) if axis == -1 else np.arange(3.0)[:, None]  # along the softmax axis
    s, _ = value_and_grad(lambda t: cr.softmax(t, axis=axis) * weights, x, dtype)
    s = s if axis == -1 else s.T
    np.testing.assert_allclose(s[0], [0, 0, 0], atol=0)  # softmax [1, 0, 0] times [0, 1, 2]
    np.testing.assert_allclose(s[1], [0, 0.5, 0], atol=1e-7)
    ls, _ = value_and_grad(lambda t: cr.log_softmax(t, axis=axis), x, dtype)
    ls = ls if axis == -1 else ls.T
    np.testing.assert_allclose(ls[0], [0, -2e4, -1e4], rtol=1e-6)
    np.testing.assert_allclose(ls[2], np.full(3, -np.log(3)), rtol=1e-6)
    lse, g = value_and_grad(lambda t: cr.logsumexp(t, axis=axis), x, dtype)
    np.testing.assert_allclose(lse, [1e4, 1e4 + np.log(2), -1e4 + np.log(3)], rtol=1e-6)
    g = g if axis == -1 else g.T
    np.testing.assert_allclose(g[1], [0.5, 0.5, 0], atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_relu_and_leaky_relu_at_the_extremes(dtype):
    for fn in (cr.tanh, cr.relu, cr.leaky_relu):
        value_and_grad(fn, X, dtype)


def test_sigmoid_keeps_relative_precision_in_the_far_tail():
    y = cr.sigmoid(cr.tensor([-40.0, -700.0])).data
    np.testing.assert_allclose(y, np.exp([-40.0, -700.0]), rtol=1e-12)  # not rounded to 0
