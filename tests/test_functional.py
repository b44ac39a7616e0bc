"""cr.grad and cr.value_and_grad: fresh arrays, any arguments, and never a touched .grad."""

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(7)
A = RNG.standard_normal((4, 3))
B = RNG.standard_normal((3, 2))


def loss(a, b):
    return (a @ b).tanh().sum()


def expected_grads(a, b):
    t = np.tanh(a @ b)
    g = 1 - t**2
    return g @ b.T, a.T @ g


def test_grad_matches_the_hand_derivation_for_every_argnums_form():
    ga, gb = expected_grads(A, B)
    np.testing.assert_allclose(cr.grad(loss)(A, B), ga, rtol=1e-13)
    np.testing.assert_allclose(cr.grad(loss, argnums=1)(A, B), gb, rtol=1e-13)
    np.testing.assert_allclose(cr.grad(loss, argnums=-1)(A, B), gb, rtol=1e-13)
    both = cr.grad(loss, argnums=(0, 1))(A, B)
    assert isinstance(both, tuple) and len(both) == 2
    np.testing.assert_allclose(both[0], ga, rtol=1e-13)
    np.testing.assert_allclose(both[1], gb, rtol=1e-13)


def test_value_and_grad_returns_the_value_too():
    value, (_, gb) = cr.value_and_grad(loss, argnums=(0, 1))(A, B)
    assert value.shape == () and float(value) == pytest.approx(np.tanh(A @ B).sum())
    np.testing.assert_allclose(gb, expected_grads(A, B)[1], rtol=1e-13)


def test_grad_never_reads_or_writes_dot_grad():
    a = cr.tensor(A, requires_grad=True)
    b = cr.tensor(B, requires_grad=True)
    a.grad = np.full_like(A, 123.0)
    first = cr.grad(loss, argnums=(0, 1))(a, b)
    second = cr.grad(loss, argnums=(0, 1))(a, b)
    np.testing.assert_array_equal(a.grad, np.full_like(A, 123.0))
    assert b.grad is None
    np.testing.assert_array_equal(first[0], second[0])  # same answer every call
    assert first[0] is not second[0]  # fresh arrays


def test_tensors_closed_over_keep_their_grad_too():
    w = cr.tensor(B, requires_grad=True)
    g = cr.grad(lambda a: (a @ w).sum())(A)
    assert w.grad is None
    np.testing.assert_allclose(g, np.ones((4, 2)) @ B.T)


def test_an_argument_the_output_ignores_gets_zeros():
    g = cr.grad(lambda a, b: (a * 2).sum(), argnums=(0, 1))(A, B)
    np.testing.assert_array_equal(g[1], np.zeros_like(B))
    g = cr.grad(lambda a: cr.tensor(1.0))(A)  # an output that depends on nothing
    np.testing.assert_array_equal(g, np.zeros_like(A))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_keep_the_argument_dtype(dtype):
    g = cr.grad(lambda x: (x * x).sum())(np.ones(3, dtype))
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, [2, 2, 2])


def test_python_floats_and_lists_are_accepted():
    assert float(cr.grad(lambda x: x * x * x)(2.0)) == pytest.approx(12.0)
    np.testing.assert_array_equal(cr.grad(lambda x: (x * x).sum())([1, 2]), [2.0, 4.0])


def test_has_aux_passes_extra_results_through():
    def f(x):
        y = x.sigmoid()
        return y.sum(), y.data

    (_, aux), g = cr.value_and_grad(f, has_aux=True)(A)
    np.testing.assert_allclose(aux, 1 / (1 + np.exp(-A)))
    g2, aux2 = cr.grad(f, has_aux=True)(A)
    np.testing.assert_array_equal(g, g2)
    np.testing.assert_array_equal(aux, aux2)


def test_grad_works_inside_no_grad():
    with cr.no_grad():
        np.testing.assert_allclose(cr.grad(lambda x: (x * x).sum())(A), 2 * A)


@pytest.mark.parametrize(
    ("f", "error", "message"),
    [
        (lambda x: x * 2, cr.ShapeError, r"single number, got shape \(4, 3\).*\.sum\(\)"),
        (lambda x: float(x.sum()), TypeError, "must return a chainrule Tensor, got float"),
    ],
)
def test_bad_functions_get_clear_errors(f, error, message):
    with pytest.raises(error, match=message):
        cr.grad(f)(A)


def test_bad_argnums_and_aux_get_clear_errors():
    with pytest.raises(IndexError, match=r"argnums names argument 2.*2 positional"):
        cr.grad(loss, argnums=2)(A, B)
    with pytest.raises(TypeError, match=r"pair \(scalar, aux\)"):
        cr.grad(lambda x: x.sum(), has_aux=True)(A)
