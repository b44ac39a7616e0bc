"""cr.gradcheck: it passes right gradients, it catches wrong ones, and its report says where."""

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(3)
W = RNG.standard_normal((3, 2))
X = RNG.standard_normal((5, 3))


class WrongSigmoid(cr.Function):
    """A planted bug: the backward forgets the (1 − σ) factor."""

    @staticmethod
    def forward(ctx, x):
        y = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved
        return g * y


class WrongAtOneElement(cr.Function):
    """A planted bug in a single element: the gradient of x[1, 0] is off by 0.01."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        gx = g * 2
        gx[1, 0] += 0.01
        return gx


def test_passes_the_lecture_expression_and_reports_every_input():
    report = cr.gradcheck(lambda w, x: (x @ w).sigmoid().mean(), (W, X))
    assert report.passed and bool(report)
    assert [c.position for c in report.inputs] == [0, 1]
    assert [(c.checked, c.total) for c in report.inputs] == [(6, 6), (15, 15)]
    assert report.max_abs_err < 1e-9
    text = str(report)
    assert text.startswith("gradcheck passed") and "input 0 (3, 2): ok; 6/6 elements" in text


def test_catches_a_wrong_rule_and_raises_with_the_report():
    with pytest.raises(cr.GradcheckError) as err:
        cr.gradcheck(lambda x: WrongSigmoid.apply(x).sum(), (W,))
    report = err.value.report
    assert not report.passed and report.inputs[0].failures == 6
    assert "gradcheck FAILED" in str(err.value) and "FAILED at 6 element(s)" in str(err.value)
    assert isinstance(err.value, AssertionError)


def test_names_the_element_that_is_wrong():
    report = cr.gradcheck(lambda x: WrongAtOneElement.apply(x).sum(), (W,), raise_on_failure=False)
    check = report.inputs[0]
    assert check.failures == 1 and check.max_abs_at == (1, 0)
    assert check.max_abs_err == pytest.approx(0.01, rel=1e-4)
    assert check.engine_at_worst == pytest.approx(2.01) and check.numeric_at_worst == pytest.approx(
        2
    )


def test_tolerances_decide():
    f = (lambda x: WrongAtOneElement.apply(x).sum(), (W,))
    assert cr.gradcheck(*f, atol=0.02, raise_on_failure=False).passed
    assert not cr.gradcheck(*f, atol=1e-3, raise_on_failure=False).passed  # 1e-3 + 2e-3 < 0.01
    assert cr.gradcheck(*f, atol=0, rtol=0.01, raise_on_failure=False).passed


def test_non_scalar_outputs_are_checked_through_a_random_projection():
    assert cr.gradcheck(lambda w, x: (x @ w).tanh(), (W, X)).passed
    with pytest.raises(cr.GradcheckError):
        cr.gradcheck(lambda x: WrongSigmoid.apply(x), (W,))


def test_large_inputs_are_checked_on_a_seeded_subset():
    big = RNG.standard_normal((40, 50))
    report = cr.gradcheck(lambda x: (x * x).sum(), (big,), max_elements=100, seed=1)
    assert (report.inputs[0].checked, report.inputs[0].total) == (100, 2000)
    again = cr.gradcheck(lambda x: (x * x).sum(), (big,), max_elements=100, seed=1)
    assert report == again  # the same seed checks the same elements


def test_non_float_inputs_pass_through_unchecked():
    idx = np.array([0, 2, 2])
    report = cr.gradcheck(lambda x, i, scale: (x[i] * scale).sum(), (W, idx, 3))
    assert [c.position for c in report.inputs] == [0]


def test_float32_inputs_are_checked_in_float64_and_left_alone():
    w32 = cr.tensor(W.astype(np.float32), requires_grad=True)
    seen = []

    def f(w):
        seen.append(w.dtype)
        return w.exp().sum()

    assert cr.gradcheck(f, w32).passed  # a single input may be given bare
    assert set(seen) == {np.dtype(np.float64)}
    assert w32.dtype == np.float32 and w32.grad is None


def test_misuse_gets_clear_errors():
    with pytest.raises(TypeError, match="must return a chainrule Tensor"):
        cr.gradcheck(lambda x: float(x.sum()), (W,))
    with pytest.raises(TypeError, match=r"numpy.sum\(\) does not take chainrule Tensors.*cr.sum"):
        cr.gradcheck(lambda x: np.sum(x), (W,))
    with pytest.raises(TypeError, match="none of the inputs"):
        cr.gradcheck(lambda i: i, (3,))
    with pytest.raises(ValueError, match="eps must be positive"):
        cr.gradcheck(lambda x: x.sum(), (W,), eps=0)
