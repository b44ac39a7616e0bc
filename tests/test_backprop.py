"""The reverse pass: accumulation, shared nodes, long chains, freed memory, clear errors."""

import gc
import weakref

import numpy as np
import pytest

import chainrule as cr


def test_backward_accumulates_into_grad_until_reset():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w * 3).sum().backward()
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])
    (w * 3).sum().backward()  # accumulates, as PyTorch does
    np.testing.assert_array_equal(w.grad, [6.0, 6.0])
    w.grad = None
    (w * w).sum().backward()  # d(w²)/dw = 2w
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])


def test_grad_of_a_leaf_is_its_own_array():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    (w + 0).sum().backward()  # add's rule passes the upstream gradient through unchanged
    first = w.grad
    (w + 0).sum().backward()
    assert first is w.grad  # accumulated in place into the leaf's own array ...
    np.testing.assert_array_equal(first, [2.0, 2.0])
    seed = np.ones(2)
    v = cr.tensor([0.0, 0.0], requires_grad=True)
    v.backward(seed)
    seed[0] = 99.0  # ... which never aliases an array the user or another leaf holds
    np.testing.assert_array_equal(v.grad, [1.0, 1.0])


def test_a_node_used_many_times_gets_the_sum_of_all_paths():
    x = cr.tensor([0.5, -1.5], requires_grad=True)
    s = x.sigmoid()
    y = s * s + s * 3 + (s @ s)  # s reaches y along four paths
    y.sum().backward()
    sv = 1 / (1 + np.exp(-x.data))
    expected = (2 * sv + 3 + 2 * sv * 2) * sv * (1 - sv)  # d/ds (s² + 3s + 2·Σs²) · σ'
    np.testing.assert_allclose(x.grad, expected, rtol=1e-14)


def test_diamond_graph_and_shared_leaf():
    a = cr.tensor(2.0, requires_grad=True)
    b = a * a  # 4
    c = b * a + b  # a³ + a²
    c.backward()
    assert a.grad == pytest.approx(3 * 4 + 2 * 2)


def test_a_chain_of_100000_ops_needs_no_recursion():
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000, rel=1e-9)
    del y  # and freeing the long chain does not overflow the stack either
    gc.collect()


def test_backward_drops_intermediate_arrays_as_it_goes():
    w = cr.tensor(np.random.default_rng(0).standard_normal((50, 50)), requires_grad=True)
    h = (w @ w).sigmoid()
    saved = weakref.ref(h._node.saved[0])  # sigmoid saved its output for the backward
    E = h.sum()
    E.backward()
    gc.collect()
    assert h._node.released and h._node.__dict__ == {"released": True}
    del h
    gc.collect()
    assert saved() is None  # the graph no longer keeps the intermediate array alive


def test_backward_through_a_released_graph_says_how_to_keep_it():
    w = cr.tensor([1.0], requires_grad=True)
    E = (w * 2).sigmoid().sum()
    E.backward()
    with pytest.raises(cr.GraphError, match=r"second time.*'sum'.*retain_graph=True"):
        E.backward()


def test_retain_graph_allows_a_second_walk():
    w = cr.tensor([1.0], requires_grad=True)
    E = (w * 2).sum()
    E.backward(retain_graph=True)
    E.backward()
    np.testing.assert_array_equal(w.grad, [4.0])


def test_backward_on_a_non_scalar_needs_the_upstream_gradient():
    w = cr.tensor(np.ones((5, 2)), requires_grad=True)
    y = w * 2
    with pytest.raises(cr.ShapeError, match=r"shape \(5, 2\).*out.backward\(g\).*sum\(\)"):
        y.backward()
    with pytest.raises(cr.ShapeError, match=r"upstream gradient has shape \(2,\).*\(5, 2\)"):
        y.backward(np.ones(2))
    y.backward(np.full((5, 2), 0.5))
    np.testing.assert_array_equal(w.grad, np.ones((5, 2)))


def test_backward_on_something_that_needs_no_grad_says_why():
    with pytest.raises(cr.GraphError, match="requires_grad=True"):
        cr.tensor([1.0]).sum().backward()


def test_backward_of_a_leaf_sets_its_own_gradient():
    w = cr.tensor(3.0, requires_grad=True)
    w.backward()
    assert w.grad == 1.0


def test_only_leaves_get_grad_unless_retained():
    w = cr.tensor([1.0, -1.0], requires_grad=True)
    h = w * 2
    kept = (w * 3).retain_grad()
    (h.sigmoid() + kept).sum().backward()
    assert h.grad is None
    np.testing.assert_array_equal(kept.grad, [1.0, 1.0])


def test_constants_and_no_grad_inputs_get_no_gradient():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    x = cr.tensor([3.0, 4.0])
    (w * x).sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, [3.0, 4.0])


def test_no_grad_records_nothing_and_enable_grad_restores():
    w = cr.tensor([1.0], requires_grad=True)
    with cr.no_grad():
        y = w * 2
        assert not cr.is_grad_enabled()
        with cr.enable_grad():
            z = w * 2
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and z.grad_fn == "mul"


def test_detach_cuts_the_graph():
    w = cr.tensor([2.0], requires_grad=True)
    (w * w.detach()).sum().backward()  # only the first factor carries a gradient
    np.testing.assert_array_equal(w.grad, [2.0])


def test_a_failing_backward_leaves_existing_grads_untouched():
    class Broken(cr.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise RuntimeError("planted")

    w = cr.tensor([1.0], requires_grad=True)
    v = cr.tensor([1.0], requires_grad=True)
    w.grad = np.array([7.0])
    with pytest.raises(RuntimeError, match="planted"):
        (Broken.apply(v) + w).sum().backward()
    np.testing.assert_array_equal(w.grad, [7.0])  # leaf gradients are committed at the end


def test_an_op_whose_output_gets_no_gradient_is_skipped():
    class Stop(cr.Function):
        """y = x, but no gradient flows back (a rule may return None for an input)."""

        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, g):
            return None

    w = cr.tensor([1.0, 2.0], requires_grad=True)
    v = cr.tensor([3.0], requires_grad=True)
    (Stop.apply(w.sigmoid()).sum() + (v * 2).sum()).backward()
    assert w.grad is None  # the sigmoid got no gradient, so its rule never ran
    np.testing.assert_array_equal(v.grad, [2.0])
