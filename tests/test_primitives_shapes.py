"""The shape primitives' gradients on random shapes: reshape, transpose, indexing, concatenate,
stack; each against finite differences, HIPS autograd and PyTorch float64 (tests/oracles.py).

These ops only move values, so their backward moves the gradient back: reshaped, inversely
permuted, scattered (with repeated indices adding up), or split. The PyTorch twin of an index is a
gather from the flattened input at the flat positions NumPy's own indexing picks (PyTorch has no
negative-step slices), so it checks the scatter-add independently of how the index is written;
autograd indexes the NumPy way directly.
"""

from __future__ import annotations

import autograd.numpy as anp
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from oracles import check_gradients, torch

SETTINGS = settings(max_examples=20, deadline=None)
seeds = st.integers(0, 2**32 - 1)


def normal(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.asarray(np.random.default_rng(seed).standard_normal(shape), dtype=np.float64)


# -- reshape --------------------------------------------------------------------------------------
@st.composite
def reshapes(draw):
    """A shape and a new shape with the same number of elements: the old sides shuffled, some
    merged, maybe a 1 inserted, maybe one side written as −1."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, max_side=4))
    new: list[int] = []
    for side in draw(st.permutations(shape)):
        if new and draw(st.booleans()):
            new[-1] *= side
        else:
            new.append(side)
    if draw(st.booleans()):
        new.insert(draw(st.integers(0, len(new))), 1)
    if new and draw(st.booleans()):
        new[draw(st.integers(0, len(new) - 1))] = -1
    return shape, tuple(new)


@pytest.mark.parametrize("form", ["function", "method", "method with *shape"])
@SETTINGS
@given(shapes=reshapes(), seed=seeds)
def test_reshape(form, shapes, seed):
    shape, new = shapes
    cr_fn = {
        "function": lambda t: cr.reshape(t, new),
        "method": lambda t: t.reshape(new),
        "method with *shape": lambda t: t.reshape(*new),
    }[form]
    value, _ = check_gradients(
        cr_fn,
        [normal(seed, shape)],
        autograd_fn=lambda v: anp.reshape(v, new),
        torch_fn=lambda t: t.reshape(new),
    )
    assert value.shape == np.zeros(shape).reshape(new).shape


# -- transpose ------------------------------------------------------------------------------------
@st.composite
def permutations(draw):
    """A shape and ``axes``: None, or a permutation of its axes, each written as i or i − ndim."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, max_side=4))
    ndim = len(shape)
    if draw(st.booleans()):
        return shape, None
    perm = draw(st.permutations(range(ndim)))
    return shape, tuple(a - ndim if draw(st.booleans()) else a for a in perm)


def _normalized(axes, ndim):
    return tuple(reversed(range(ndim))) if axes is None else tuple(a % ndim for a in axes)


@pytest.mark.parametrize("form", ["function", "method", ".T"])
@SETTINGS
@given(args=permutations(), seed=seeds)
def test_transpose_with_any_axes_negative_included(form, args, seed):
    shape, axes = args
    if form == ".T":
        axes = None
    cr_fn = {
        "function": lambda t: cr.transpose(t, axes),
        "method": lambda t: t.transpose(axes),
        ".T": lambda t: t.T,
    }[form]
    perm = _normalized(axes, len(shape))
    value, _ = check_gradients(
        cr_fn,
        [normal(seed, shape)],
        autograd_fn=lambda v: anp.transpose(v, perm),
        torch_fn=lambda t: t.permute(perm),
    )
    assert value.shape == tuple(shape[a] for a in perm)


@pytest.mark.parametrize("axes", [(-1, 0, 1), (2, -3, -2), (-1, -2, -3)])
def test_transpose_with_negative_axes_named_cases(axes):
    """Regression: the backward inverted ``axes`` with argsort before taking them modulo ndim."""
    x = normal(0, (2, 3, 4))
    perm = _normalized(axes, 3)
    value, (g,) = check_gradients(
        lambda t: t.transpose(axes),
        [x],
        autograd_fn=lambda v: anp.transpose(v, perm),
        torch_fn=lambda t: t.permute(perm),
    )
    assert value.shape == np.transpose(x, axes).shape and g.shape == x.shape


# -- indexing -------------------------------------------------------------------------------------
def _check_index(x: np.ndarray, index) -> tuple[np.ndarray, np.ndarray]:
    """check_gradients of x[index]; returns chainrule's value and gradient."""
    # the flat positions x[index] reads (a C-ordered copy: torch takes no negative strides)
    flat = np.array(np.arange(x.size).reshape(x.shape)[index], order="C")
    value, (g,) = check_gradients(
        lambda t: t[index],
        [x],
        autograd_fn=lambda v: v[index],
        torch_fn=lambda t: t.reshape(-1)[torch.from_numpy(flat.reshape(-1))].reshape(flat.shape),
    )
    # cr.getitem is the same primitive
    check_gradients(lambda t: cr.getitem(t, index), [x], autograd_fn=lambda v: v[index], fd=False)
    assert value.shape == x[index].shape
    return value, g


@st.composite
def basic_indexing(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5))
    return shape, draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))


@SETTINGS
@given(args=basic_indexing(), seed=seeds)
def test_basic_indexing_integers_slices_negative_steps_none_ellipsis(args, seed):
    shape, index = args
    _check_index(normal(seed, shape), index)


@pytest.mark.parametrize(
    "index",
    [
        np.s_[::-1],
        np.s_[::-2, 1],
        np.s_[-1],
        np.s_[1:-1, ::-1],
        np.s_[..., ::-3],
        np.s_[None, 2:0:-1, :, None],
        np.s_[5:1],  # empty
    ],
    ids=repr,
)
def test_basic_indexing_named_cases(index):
    x = normal(0, (4, 3))
    _, g = _check_index(x, index)
    expected = np.zeros_like(x)
    expected[index] = 1.0  # each picked element once
    np.testing.assert_array_equal(g != 0, expected != 0)


@st.composite
def advanced_indexing(draw):
    """A shape and an index mixing integer arrays (possibly negative and repeated, all of one
    broadcastable shape, as arrays or lists) with slices and integers."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    array_shape = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=4))
    kinds = draw(
        st.lists(
            st.sampled_from(["array", "slice", "int"]), min_size=len(shape), max_size=len(shape)
        )
    )
    if "array" not in kinds:
        kinds[draw(st.integers(0, len(shape) - 1))] = "array"
    index = []
    for side, kind in zip(shape, kinds, strict=True):
        if kind == "array":
            arr = draw(hnp.arrays(np.int64, array_shape, elements=st.integers(-side, side - 1)))
            index.append(arr.tolist() if arr.ndim == 1 and draw(st.booleans()) else arr)
        elif kind == "slice":
            index.append(draw(st.slices(side)))
        else:
            index.append(draw(st.integers(-side, side - 1)))
    if len(index) > 1 and draw(st.booleans()):  # leave trailing axes implicit
        index = index[:-1]
    return shape, tuple(index)


@SETTINGS
@given(args=advanced_indexing(), seed=seeds)
def test_integer_array_indexing_mixed_with_slices(args, seed):
    shape, index = args
    _check_index(normal(seed, shape), index)


@SETTINGS
@given(
    data=st.data(),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    seed=seeds,
)
def test_integer_array_indices_from_hypothesis(data, shape, seed):
    index = data.draw(
        hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2, max_side=5))
    )
    _check_index(normal(seed, shape), index)


def test_repeated_indices_add_up():
    x = normal(0, (3, 2))
    check_gradients(lambda t: t[[0, 0, 2, 0]], [x], autograd_fn=lambda v: v[[0, 0, 2, 0]])
    g = cr.grad(lambda t: t[[0, 0, 2, 0]].sum())(x)
    np.testing.assert_array_equal(g, [[3.0, 3.0], [0.0, 0.0], [1.0, 1.0]])
    index = (np.array([[1, 1], [1, -3]]), -1)  # x[1, 1] three times, x[0, 1] once
    _check_index(x, index)
    g = cr.grad(lambda t: t[index].sum())(x)
    np.testing.assert_array_equal(g, [[0.0, 1.0], [0.0, 3.0], [0.0, 0.0]])


@pytest.mark.parametrize("where", ["whole", "rows", "columns", "none", "from a comparison"])
@SETTINGS
@given(seed=seeds)
def test_boolean_masks(where, seed):
    x = normal(seed, (4, 3))
    rng = np.random.default_rng(seed + 1)
    index = {
        "whole": rng.random((4, 3)) < 0.5,
        "rows": rng.random(4) < 0.5,
        "columns": np.s_[:, rng.random(3) < 0.5],
        "none": np.zeros((4, 3), dtype=bool),
        "from a comparison": cr.tensor(x) > 0.2,  # a Tensor comparison gives a NumPy mask
    }[where]
    _, g = _check_index(x, index)
    expected = np.zeros_like(x, dtype=bool)
    expected[index] = True
    assert np.all(g[~expected] == 0)


# -- concatenate and stack ------------------------------------------------------------------------
@st.composite
def concatenations(draw):
    """Shapes of 1 to 3 inputs that differ only along ``axis`` (possibly negative)."""
    base = list(draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4)))
    axis = draw(st.integers(-len(base), len(base) - 1))
    shapes = []
    for _ in range(draw(st.integers(1, 3))):
        base[axis] = draw(st.integers(1, 3))
        shapes.append(tuple(base))
    return shapes, axis


@SETTINGS
@given(args=concatenations(), seed=seeds)
def test_concatenate_along_any_axis(args, seed):
    shapes, axis = args
    xs = [normal(seed + i, s) for i, s in enumerate(shapes)]
    _, grads = check_gradients(
        lambda *ts: cr.concatenate(list(ts), axis=axis),
        xs,
        autograd_fn=lambda *vs: anp.concatenate(list(vs), axis=axis),
        torch_fn=lambda *ts: torch.cat(ts, dim=axis),
    )
    assert [g.shape for g in grads] == shapes


@st.composite
def stackings(draw):
    """1 to 3 inputs of one shape (0-d included) and a new axis in [−(ndim + 1), ndim]."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=4))
    n = draw(st.integers(1, 3))
    return shape, n, draw(st.integers(-len(shape) - 1, len(shape)))


@SETTINGS
@given(args=stackings(), seed=seeds)
def test_stack_along_any_new_axis(args, seed):
    shape, n, axis = args
    xs = [normal(seed + i, shape) for i in range(n)]
    check_gradients(
        lambda *ts: cr.stack(ts, axis=axis),
        xs,
        autograd_fn=lambda *vs: anp.stack(list(vs), axis=axis),
        torch_fn=lambda *ts: torch.stack(ts, dim=axis),
    )


def test_concatenate_and_stack_default_to_axis_0():
    a, b = normal(0, (2, 3)), normal(1, (1, 3))
    value, _ = check_gradients(
        lambda s, t: cr.concatenate([s, t]),
        [a, b],
        autograd_fn=lambda s, t: anp.concatenate([s, t]),
    )
    assert value.shape == (3, 3)
    value, _ = check_gradients(
        lambda s, t: cr.stack([s, t]), [a, a + 1], autograd_fn=lambda s, t: anp.stack([s, t])
    )
    assert value.shape == (2, 2, 3)


def test_a_composite_of_shape_ops_routes_every_gradient_home():
    """reshape → transpose → index → concatenate → stack, then a reduction: each element of x
    receives exactly the gradient of the places it ends up in."""
    x = normal(3, (2, 3, 4))

    def f(t):
        y = t.reshape(6, 4).transpose((1, 0))[::-1, [0, 5, 5]]
        return cr.stack([cr.concatenate([y[1:], y[:1]], axis=0), y[::-1] * 2.0], axis=-1)

    def f_ag(v):
        y = anp.transpose(anp.reshape(v, (6, 4)), (1, 0))[::-1, [0, 5, 5]]
        return anp.stack([anp.concatenate([y[1:], y[:1]], axis=0), y[::-1] * 2.0], axis=-1)

    check_gradients(f, [x], autograd_fn=f_ag)
