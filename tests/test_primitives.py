"""Every primitive's gradient, on random shapes, against three oracles (tests/oracles.py).

Each test draws shapes with hypothesis (broadcast-compatible pairs and triples for the binary ops,
the matmul signature for ``@``, axes for the reductions) and values from a seeded generator, and
hands chainrule's function, its HIPS autograd twin and its PyTorch twin to
:func:`oracles.check_gradients`, which compares the forward value and the vector-Jacobian product
with central finite differences, autograd, and PyTorch float64 (rtol 1e-7).

Inputs stay away from the kinks and ties where finite differences are meaningless (abs, relu,
maximum, minimum, clip, max): the gradient *at* a kink or tie is a convention, and
``test_*_at_ties`` and friends below assert exactly the convention the op's docstring states
(the same as PyTorch's; where torch is installed, they check that too). ``log``, ``sqrt`` and
non-integer powers get positive inputs.

The shape ops (reshape, transpose, indexing, concatenate, stack) are in test_primitives_shapes.py.
"""

from __future__ import annotations

import operator

import autograd.numpy as anp
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from autograd.scipy.special import logsumexp as anp_logsumexp
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from oracles import HAS_TORCH, check_gradients, requires_torch, torch

#: modest example counts: the whole file runs in seconds, every test still sees many shapes
SETTINGS = settings(max_examples=20, deadline=None)
seeds = st.integers(0, 2**32 - 1)
shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
triples = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, max_side=4)


# -- inputs ---------------------------------------------------------------------------------------
def normal(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    return np.asarray(scale * rng.standard_normal(shape), dtype=np.float64)


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...], margin=0.1) -> np.ndarray:
    """Values of either sign with |x| ≥ margin: no input near a kink at 0."""
    sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    return np.asarray(sign * (margin + np.abs(rng.standard_normal(shape))), dtype=np.float64)


def positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values in about [0.2, 5]: safe for log, sqrt and any real power."""
    return np.asarray(np.exp(0.5 * rng.standard_normal(shape)), dtype=np.float64)


def separated_pair(rng, shape_a, shape_b) -> tuple[np.ndarray, np.ndarray]:
    """a in k + [0, 0.3], b in k + [0.5, 0.8] (k integer): |a − b| ≥ 0.2 everywhere after
    broadcasting, so maximum/minimum never tie, while either input can win."""
    a = rng.integers(-3, 3, shape_a) + rng.uniform(0.0, 0.3, shape_a)
    b = rng.integers(-3, 3, shape_b) + rng.uniform(0.5, 0.8, shape_b)
    return np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)


def distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Values at least 0.4 apart (a shuffled grid plus jitter): max over any axes has no ties."""
    n = int(np.prod(shape, dtype=np.int64))
    x = 0.5 * rng.permutation(n).reshape(shape) - 0.25 * n + rng.uniform(0, 0.1, shape)
    return np.asarray(x, dtype=np.float64)


def away_from(rng, shape, edges, margin=0.05) -> np.ndarray:
    """Normal values times 1.5, nudged by 0.1 when within ``margin`` of an edge (edges ≥ 0.2
    apart), so finite differences never straddle one."""
    x = normal(rng, shape, 1.5)
    for e in edges:
        x = np.where(np.abs(x - e) < margin, x + 2 * margin, x)
    return x


# -- arithmetic -----------------------------------------------------------------------------------
BINARY = {
    "+": (operator.add, cr.add),
    "-": (operator.sub, cr.sub),
    "*": (operator.mul, cr.mul),
    "/": (operator.truediv, cr.div),
}


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("form", ["operator", "function"])
@SETTINGS
@given(shapes=pairs, seed=seeds)
def test_binary_arithmetic_broadcasts_and_sums_back(name, form, shapes, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    a = normal(rng, sa)
    b = away_from_zero(rng, sb, 0.5) if name == "/" else normal(rng, sb)
    op, fn = BINARY[name]
    _, (ga, gb) = check_gradients(
        op if form == "operator" else fn, [a, b], autograd_fn=op, torch_fn=op
    )
    assert ga.shape == sa and gb.shape == sb  # summed back over the broadcast axes


SCALAR_FORMS = {
    "x + 2.5": lambda x: x + 2.5,
    "2.5 + x": lambda x: 2.5 + x,
    "x - 2.5": lambda x: x - 2.5,
    "2.5 - x": lambda x: 2.5 - x,
    "x * -1.5": lambda x: x * -1.5,
    "-1.5 * x": lambda x: -1.5 * x,
    "x / 4.0": lambda x: x / 4.0,
    "4.0 / x": lambda x: 4.0 / x,
    "-x": lambda x: -x,
    "2.0 ** x": lambda x: 2.0**x,
}


@pytest.mark.parametrize("expr", list(SCALAR_FORMS))
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_arithmetic_with_python_numbers_and_negation(expr, shape, seed):
    x = away_from_zero(np.random.default_rng(seed), shape, 0.5)
    f = SCALAR_FORMS[expr]
    check_gradients(f, [x], autograd_fn=f, torch_fn=f)


def test_neg_function_form():
    x = np.random.default_rng(0).standard_normal((3, 2))
    check_gradients(cr.neg, [x], autograd_fn=anp.negative, torch_fn=lambda t: -t)


POWERS = [2, 3, -1, -2, 0, 1, 0.5, 1.5, -0.5, 2.7]


@pytest.mark.parametrize("p", POWERS)
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_pow_with_a_scalar_exponent(p, shape, seed):
    rng = np.random.default_rng(seed)
    # integer powers are defined for negative x too; keep away from 0 where p − 1 < 0
    x = away_from_zero(rng, shape, 0.3) if float(p).is_integer() else positive(rng, shape)

    def f(t):
        return t**p

    check_gradients(f, [x], autograd_fn=f, torch_fn=f)
    check_gradients(lambda t: cr.pow(t, p), [x], autograd_fn=f)


# -- matmul ---------------------------------------------------------------------------------------
MATMUL_CASES = {
    "1-D @ 1-D": ((4,), (4,)),
    "1-D @ 2-D": ((4,), (4, 3)),
    "2-D @ 1-D": ((2, 4), (4,)),
    "2-D @ 2-D": ((2, 4), (4, 3)),
    "3-D @ 3-D": ((5, 2, 4), (5, 4, 3)),
    "3-D @ 2-D": ((5, 2, 4), (4, 3)),
    "2-D @ 3-D": ((2, 4), (5, 4, 3)),
    "batch dims broadcast": ((5, 1, 2, 4), (3, 4, 3)),
    "1-D @ 3-D": ((4,), (5, 4, 3)),
    "3-D @ 1-D": ((5, 2, 4), (4,)),
}


def _matmul(a, b):
    return a @ b


@pytest.mark.parametrize("case", list(MATMUL_CASES))
def test_matmul_named_cases(case):
    sa, sb = MATMUL_CASES[case]
    rng = np.random.default_rng(len(sa) * 10 + len(sb))
    a, b = normal(rng, sa), normal(rng, sb)
    _, (ga, gb) = check_gradients(_matmul, [a, b], autograd_fn=anp.matmul, torch_fn=torch_matmul)
    assert ga.shape == sa and gb.shape == sb
    check_gradients(cr.matmul, [a, b], autograd_fn=anp.matmul, fd=False)


def torch_matmul(a, b):
    return torch.matmul(a, b)


@SETTINGS
@given(
    shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=4),
    seed=seeds,
)
def test_matmul_random_shapes_with_broadcast_batches(shapes, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    check_gradients(
        _matmul, [normal(rng, sa), normal(rng, sb)], autograd_fn=anp.matmul, torch_fn=torch_matmul
    )


# -- elementwise and activations ------------------------------------------------------------------
def _sigmoid(x):
    return 0.5 * (anp.tanh(0.5 * x) + 1)


def _torch_f():
    return torch.nn.functional


# name: (chainrule, autograd, torch, inputs)
UNARY = {
    "exp": (cr.exp, anp.exp, lambda t: t.exp(), normal),
    "log": (cr.log, anp.log, lambda t: t.log(), positive),
    "sqrt": (cr.sqrt, anp.sqrt, lambda t: t.sqrt(), positive),
    "abs": (cr.abs, anp.abs, lambda t: t.abs(), away_from_zero),
    "abs()": (lambda t: abs(t), anp.abs, lambda t: abs(t), away_from_zero),
    "x.abs()": (lambda t: t.abs(), anp.abs, lambda t: t.abs(), away_from_zero),
    "x.exp().log()": (lambda t: t.exp().log(), lambda x: x, lambda t: t.exp().log(), normal),
    "x.sqrt()": (lambda t: t.sqrt(), anp.sqrt, lambda t: t.sqrt(), positive),
    "sigmoid": (cr.sigmoid, _sigmoid, lambda t: t.sigmoid(), lambda r, s: normal(r, s, 3)),
    "tanh": (cr.tanh, anp.tanh, lambda t: t.tanh(), lambda r, s: normal(r, s, 2)),
    "relu": (cr.relu, lambda x: anp.where(x > 0, x, 0.0), lambda t: t.relu(), away_from_zero),
    "x.relu()": (
        lambda t: t.relu(),
        lambda x: anp.maximum(x, 0.0),
        lambda t: t.relu(),
        away_from_zero,
    ),
    "leaky_relu": (
        cr.leaky_relu,
        lambda x: anp.where(x > 0, x, 0.01 * x),
        lambda t: _torch_f().leaky_relu(t),
        away_from_zero,
    ),
    "leaky_relu(alpha=0.2)": (
        lambda t: t.leaky_relu(0.2),
        lambda x: anp.where(x > 0, x, 0.2 * x),
        lambda t: _torch_f().leaky_relu(t, 0.2),
        away_from_zero,
    ),
    "softplus": (
        cr.softplus,
        lambda x: anp.logaddexp(0.0, x),
        lambda t: _torch_f().softplus(t),
        lambda r, s: normal(r, s, 4),
    ),
    "log_sigmoid": (
        cr.log_sigmoid,
        lambda x: -anp.logaddexp(0.0, -x),
        lambda t: _torch_f().logsigmoid(t),
        lambda r, s: normal(r, s, 4),
    ),
}


@pytest.mark.parametrize("name", list(UNARY))
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_unary_elementwise_and_activations(name, shape, seed):
    cr_fn, ag_fn, torch_fn, make_input = UNARY[name]
    x = make_input(np.random.default_rng(seed), shape)
    check_gradients(cr_fn, [x], autograd_fn=ag_fn, torch_fn=torch_fn)


@pytest.mark.parametrize("name", ["sigmoid", "softplus", "log_sigmoid"])
def test_stable_activations_of_a_0d_input(name):
    """Regression: e^(−|x|) was computed in place on np.abs(x), a NumPy scalar for a 0-d x."""
    cr_fn, ag_fn, torch_fn, _ = UNARY[name]
    for x in (-3.0, 0.5):
        value, _ = check_gradients(cr_fn, [np.array(x)], autograd_fn=ag_fn, torch_fn=torch_fn)
        assert value.shape == ()


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize("form", ["function", "method"])
@SETTINGS
@given(shapes=pairs, seed=seeds)
def test_maximum_and_minimum_broadcast_away_from_ties(name, form, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = separated_pair(rng, *shapes.input_shapes)
    if rng.random() < 0.5:  # either side may hold the smaller values
        a, b = b, a
    fn = getattr(cr, name) if form == "function" else (lambda x, y: getattr(x, name)(y))
    check_gradients(
        fn,
        [a, b],
        autograd_fn=getattr(anp, name),
        torch_fn=lambda x, y: getattr(torch, name)(x, y),
    )


@SETTINGS
@given(shapes=triples, seed=seeds)
def test_where_broadcasts_all_three_and_cond_gets_no_gradient(shapes, seed):
    rng = np.random.default_rng(seed)
    sc, sa, sb = shapes.input_shapes
    cond = np.asarray(rng.random(sc) < 0.5)
    a, b = normal(rng, sa), normal(rng, sb)
    out = shapes.result_shape
    # autograd's where rule does not sum back over broadcast axes, so its inputs are broadcast
    # first, by adding zeros (autograd's + does sum back)
    _, (ga, gb) = check_gradients(
        lambda x, y: cr.where(cond, x, y),
        [a, b],
        autograd_fn=lambda x, y: anp.where(cond, x + np.zeros(out), y + np.zeros(out)),
        torch_fn=lambda x, y: torch.where(torch.from_numpy(cond), x, y),
    )
    assert ga.shape == sa and gb.shape == sb


def test_where_takes_a_float_condition_as_nonzero():
    x = np.array([1.0, -2.0, 3.0])
    cond = cr.tensor([0.0, 2.0, -1.0])
    out = cr.where(cond, cr.tensor(x), 0.0)
    np.testing.assert_array_equal(out.data, [0.0, -2.0, 3.0])
    g = cr.grad(lambda t: cr.where(cond, t, 0.0).sum())(x)
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0])


CLIPS = [(-0.5, 0.5), (-0.5, None), (None, 0.5), (0.0, 0.0)]


@pytest.mark.parametrize(("lo", "hi"), CLIPS)
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_clip_away_from_its_edges(lo, hi, shape, seed):
    rng = np.random.default_rng(seed)
    x = away_from(rng, shape, sorted({e for e in (lo, hi) if e is not None}))
    check_gradients(
        lambda t: t.clip(lo, hi),
        [x],
        autograd_fn=lambda v: anp.clip(
            v, -np.inf if lo is None else lo, np.inf if hi is None else hi
        ),
        torch_fn=lambda t: torch.clamp(t, lo, hi),
    )
    check_gradients(lambda t: cr.clip(t, lo=lo, hi=hi), [x], fd=False)


def _anp_softmax(x, axis):
    return anp.exp(x - anp_logsumexp(x, axis=axis, keepdims=True))


def _anp_log_softmax(x, axis):
    return x - anp_logsumexp(x, axis=axis, keepdims=True)


@st.composite
def shape_and_axis(draw, min_dims=1):
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=3, max_side=4))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(shape_axis=shape_and_axis(), seed=seeds)
def test_softmax_family_along_any_axis(name, shape_axis, seed):
    shape, axis = shape_axis
    x = normal(np.random.default_rng(seed), shape, 3)
    ag = _anp_softmax if name == "softmax" else _anp_log_softmax
    check_gradients(
        lambda t: getattr(t, name)(axis),
        [x],
        autograd_fn=lambda v: ag(v, axis),
        torch_fn=lambda t: getattr(torch, name)(t, dim=axis),
    )
    if axis == len(shape) - 1 or axis == -1:  # the default axis is the last
        check_gradients(getattr(cr, name), [x], autograd_fn=lambda v: ag(v, -1), fd=False)


# -- reductions -----------------------------------------------------------------------------------
@st.composite
def reduction_args(draw):
    """A shape and an axis argument: None, an int, or a tuple of distinct axes, each possibly
    negative; and keepdims."""
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, max_side=3))
    ndim = len(shape)
    options = [st.none()]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(hnp.valid_tuple_axes(ndim, min_size=1))
    return shape, draw(st.one_of(*options)), draw(st.booleans())


def _dims(axis, ndim) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in ((axis,) if isinstance(axis, int) else axis))


def _torch_reduce(name, t, axis, keepdims):
    dims = _dims(axis, t.dim())
    if not dims:  # a 0-d input: reducing over all of its (no) axes leaves it as it is
        return t * 1
    fn = {"sum": torch.sum, "mean": torch.mean, "max": torch.amax, "logsumexp": torch.logsumexp}
    return fn[name](t, dim=dims, keepdim=keepdims)


def _anp_logsumexp(x, axis=None, keepdims=False):
    # the plain formula (the inputs here are small): scipy's logsumexp, which autograd wraps,
    # gives a 0-d input with keepdims=True the shape (1,) where NumPy keeps ()
    return anp.log(anp.sum(anp.exp(x), axis=axis, keepdims=keepdims))


AUTOGRAD_REDUCE = {"sum": anp.sum, "mean": anp.mean, "max": anp.max, "logsumexp": _anp_logsumexp}


@pytest.mark.parametrize("name", ["sum", "mean", "max", "logsumexp"])
@pytest.mark.parametrize("form", ["function", "method"])
@SETTINGS
@given(args=reduction_args(), seed=seeds)
def test_reductions_over_any_axes_with_keepdims(name, form, args, seed):
    shape, axis, keepdims = args
    rng = np.random.default_rng(seed)
    x = distinct(rng, shape) if name == "max" else normal(rng, shape)
    if form == "function":

        def f(t):
            return getattr(cr, name)(t, axis=axis, keepdims=keepdims)
    else:

        def f(t):
            return getattr(t, name)(axis, keepdims)

    value, _ = check_gradients(
        f,
        [x],
        autograd_fn=lambda v: AUTOGRAD_REDUCE[name](v, axis=axis, keepdims=keepdims),
        torch_fn=lambda t: _torch_reduce(name, t, axis, keepdims),
    )
    assert value.shape == np.sum(x, axis=axis, keepdims=keepdims).shape


@pytest.mark.parametrize("name", ["sum", "mean", "max", "logsumexp"])
def test_reductions_default_to_all_axes(name):
    x = distinct(np.random.default_rng(1), (2, 3))
    value, _ = check_gradients(
        getattr(cr, name),
        [x],
        autograd_fn=AUTOGRAD_REDUCE[name],
        torch_fn=lambda t: _torch_reduce(name, t, None, False),
    )
    assert value.shape == ()


# -- astype ---------------------------------------------------------------------------------------
@SETTINGS
@given(shape=shapes, seed=seeds)
def test_astype_round_trip_through_float32(shape, seed):
    """float64 → float32 → float64: the value and the gradient each pass through float32 once,
    a relative change of at most 2⁻²⁴ ≈ 6e-8, inside rtol 1e-7. (Finite differences cannot see
    through float32 rounding, so the oracles here are autograd's identity and torch's casts.)"""
    x = normal(np.random.default_rng(seed), shape)
    value, _ = check_gradients(
        lambda t: t.astype(np.float32).astype(np.float64) * 3.0,
        [x],
        autograd_fn=lambda v: v * 3.0,
        torch_fn=lambda t: t.to(torch.float32).to(torch.float64) * 3.0,
        fd=False,
    )
    np.testing.assert_array_equal(value, x.astype(np.float32).astype(np.float64) * 3.0)


def test_astype_keeps_the_graph_and_the_dtypes():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert x.astype(np.float64) is x  # already float64: no op
    y = x.astype(np.float32)
    assert y.dtype == np.float32 and y.grad_fn == "astype"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])
    x32 = cr.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    cr.astype(x32, "float64").exp().sum().backward()
    assert x32.grad.dtype == np.float32
    np.testing.assert_allclose(x32.grad, np.exp([1.0, 2.0]), rtol=1e-6)


# -- conventions at kinks and ties ----------------------------------------------------------------
def _grads(f, *xs):
    grads = cr.grad(f, argnums=tuple(range(len(xs))))(*[np.asarray(x, dtype=float) for x in xs])
    return grads


def _torch_grads(f, *xs):
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    f(*ts).backward()
    return tuple(t.grad.numpy() for t in ts)


# name: (chainrule, torch, inputs, the documented gradients)
CONVENTIONS = {
    "abs'(0) = 0": (
        lambda x: cr.abs(x).sum(),
        lambda x: x.abs().sum(),
        ([-2.0, 0.0, 3.0],),
        ([-1.0, 0.0, 1.0],),
    ),
    "relu'(0) = 0": (
        lambda x: cr.relu(x).sum(),
        lambda x: torch.relu(x).sum(),
        ([-1.0, 0.0, 2.0],),
        ([0.0, 0.0, 1.0],),
    ),
    "leaky_relu'(0) = alpha": (
        lambda x: cr.leaky_relu(x, 0.1).sum(),
        lambda x: torch.nn.functional.leaky_relu(x, 0.1).sum(),
        ([-1.0, 0.0, 2.0],),
        ([0.1, 0.1, 1.0],),
    ),
    "maximum: half to each at a tie": (
        lambda a, b: cr.maximum(a, b).sum(),
        lambda a, b: torch.maximum(a, b).sum(),
        ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]),
        ([0.0, 0.5, 1.0], [1.0, 0.5, 0.0]),
    ),
    "minimum: half to each at a tie": (
        lambda a, b: cr.minimum(a, b).sum(),
        lambda a, b: torch.minimum(a, b).sum(),
        ([1.0, 2.0, 3.0], [2.0, 2.0, 2.0]),
        ([1.0, 0.5, 0.0], [0.0, 0.5, 1.0]),
    ),
    "maximum: ties with a broadcast scalar add up": (
        lambda a, b: cr.maximum(a, b).sum(),
        lambda a, b: torch.maximum(a, b).sum(),
        ([[1.0, 2.0, 3.0], [2.0, 2.0, 0.0]], 2.0),
        ([[0.0, 0.5, 1.0], [0.5, 0.5, 0.0]], 1 + 0.5 + 0.5 + 0.5 + 1),
    ),
    "minimum of x with itself: 1 in all": (
        lambda a: cr.minimum(a, a).sum(),
        lambda a: torch.minimum(a, a).sum(),
        ([1.0, -2.0],),
        ([1.0, 1.0],),
    ),
    "clip passes the gradient at its edges": (
        lambda x: cr.clip(x, -1.0, 1.0).sum(),
        lambda x: torch.clamp(x, -1.0, 1.0).sum(),
        ([-2.0, -1.0, 0.0, 1.0, 2.0],),
        ([0.0, 1.0, 1.0, 1.0, 0.0],),
    ),
    "clip with lo only, at lo": (
        lambda x: cr.clip(x, lo=0.0).sum(),
        lambda x: torch.clamp(x, min=0.0).sum(),
        ([-1.0, 0.0, 1.0],),
        ([0.0, 1.0, 1.0],),
    ),
    "clip with hi only, at hi": (
        lambda x: cr.clip(x, hi=0.0).sum(),
        lambda x: torch.clamp(x, max=0.0).sum(),
        ([-1.0, 0.0, 1.0],),
        ([1.0, 1.0, 0.0],),
    ),
    "clip to a single point": (
        lambda x: cr.clip(x, 0.5, 0.5).sum(),
        lambda x: torch.clamp(x, 0.5, 0.5).sum(),
        ([0.0, 0.5, 1.0],),
        ([0.0, 1.0, 0.0],),
    ),
    "max over all: tied maxima share evenly": (
        lambda x: cr.max(x),
        lambda x: torch.max(x),
        ([[3.0, 1.0], [3.0, 3.0]],),
        ([[1 / 3, 0.0], [1 / 3, 1 / 3]],),
    ),
    "max over an axis: ties share within their row": (
        lambda x: (cr.max(x, axis=1) * np.array([1.0, 2.0])).sum(),
        lambda x: (torch.amax(x, dim=1) * torch.tensor([1.0, 2.0], dtype=x.dtype)).sum(),
        ([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]],),
        ([[0.0, 0.5, 0.5], [2 / 3, 2 / 3, 2 / 3]],),
    ),
    "max over a tuple of axes, keepdims": (
        lambda x: cr.max(x, axis=(0, -1), keepdims=True).sum(),
        lambda x: torch.amax(x, dim=(0, 2), keepdim=True).sum(),
        ([[[5.0, 1.0]], [[0.0, 5.0]]],),
        ([[[0.5, 0.0]], [[0.0, 0.5]]],),
    ),
}


@pytest.mark.parametrize("name", list(CONVENTIONS))
def test_documented_gradient_at_kinks_and_ties(name):
    cr_fn, torch_fn, inputs, expected = CONVENTIONS[name]
    grads = _grads(cr_fn, *inputs)
    for g, e in zip(grads, expected, strict=True):
        np.testing.assert_array_equal(g, np.asarray(e, dtype=float))
    if HAS_TORCH:  # the README promises PyTorch's conventions
        for g, e in zip(grads, _torch_grads(torch_fn, *inputs), strict=True):
            np.testing.assert_allclose(g, e, rtol=1e-15, atol=0)


def test_sqrt_and_log_have_infinite_slope_at_zero():
    x = np.array([0.0, 4.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(cr.grad(lambda t: cr.sqrt(t).sum())(x), [np.inf, 0.25])
        np.testing.assert_array_equal(cr.grad(lambda t: cr.log(t).sum())(x), [np.inf, 0.25])


def test_the_kink_conventions_are_in_the_docstrings():
    """The conventions asserted above are the ones each op documents."""
    assert "0 at x = 0" in cr.ops.Abs.__doc__
    assert "0 at x = 0" in cr.ops.ReLU.__doc__
    assert "α at x = 0" in cr.ops.LeakyReLU.__doc__
    assert "½[a = b]" in cr.ops.Maximum.__doc__ and "½[a = b]" in cr.ops.Minimum.__doc__
    assert "edges included" in cr.ops.Clip.__doc__
    assert "1/k for the k elements equal to the maximum" in cr.ops.Max.__doc__


# -- negative controls: the checker can fail ------------------------------------------------------
class Square(cr.Function):
    """y = x²;  ∂y/∂x = 2x · (1 + slip), where a nonzero ``slip`` plants a wrong rule."""

    @staticmethod
    def forward(ctx, x, *, slip=0.0, shift=0.0):
        ctx.save_for_backward(x, slip)
        return x * x + shift  # a nonzero shift plants a wrong forward value

    @staticmethod
    def backward(ctx, g):
        x, slip = ctx.saved
        return g * 2 * x * (1 + slip)


class BroadcastAdd(cr.Function):
    """y = a + b with broadcasting;  ``mean_back`` plants a wrong rule: b's gradient averaged,
    not summed, over the broadcast axes (right shape, wrong values)."""

    @staticmethod
    def forward(ctx, a, b, *, mean_back):
        ctx.save_for_backward(a.shape, b.shape, mean_back)
        return a + b

    @staticmethod
    def backward(ctx, g):
        sa, sb, mean_back = ctx.saved
        gb = cr.unbroadcast(g, sb)
        if mean_back:
            gb = gb * np.prod(sb) / g.size
        return cr.unbroadcast(g, sa), gb


def _square_ag(x):
    return x * x


def _square_torch(t):
    return t * t


X = np.random.default_rng(7).uniform(0.5, 2.0, (3, 4))
B = np.random.default_rng(8).standard_normal((4,))


def _only(oracle, autograd_fn, torch_fn) -> dict:
    """The check_gradients arguments that consult ``oracle`` and no other."""
    if oracle == "finite differences":
        return {}
    if oracle == "autograd":
        return {"fd": False, "autograd_fn": autograd_fn}
    return {"fd": False, "torch_fn": torch_fn}


ORACLE_PARAMS = [
    "finite differences",
    "autograd",
    pytest.param("torch", marks=requires_torch),
]


@pytest.mark.parametrize("oracle", ORACLE_PARAMS)
def test_each_oracle_passes_the_correct_rules(oracle):
    """The positive control: the same harness with the right rules passes every oracle."""
    check_gradients(lambda t: Square.apply(t), [X], **_only(oracle, _square_ag, _square_torch))
    check_gradients(
        lambda a, b: BroadcastAdd.apply(a, b, mean_back=False),
        [X, B],
        **_only(oracle, operator.add, operator.add),
    )


@pytest.mark.parametrize("oracle", ORACLE_PARAMS)
@pytest.mark.parametrize("slip", [1e-2, 1e-5])
def test_each_oracle_catches_a_slightly_wrong_rule(oracle, slip):
    """A rule off by a factor 1 + 1e-5 is caught by finite differences (tolerance 1e-6) and by
    autograd and torch (1e-7)."""
    with pytest.raises(AssertionError, match=f"oracle '{oracle}'"):
        check_gradients(
            lambda t: Square.apply(t, slip=slip), [X], **_only(oracle, _square_ag, _square_torch)
        )


@pytest.mark.parametrize("oracle", ORACLE_PARAMS)
def test_each_oracle_catches_a_wrong_broadcast_rule(oracle):
    with pytest.raises(AssertionError, match=f"oracle '{oracle}'.*input 1"):
        check_gradients(
            lambda a, b: BroadcastAdd.apply(a, b, mean_back=True),
            [X, B],
            **_only(oracle, operator.add, operator.add),
        )


@pytest.mark.parametrize("oracle", ["autograd", pytest.param("torch", marks=requires_torch)])
def test_the_exact_oracles_catch_a_wrong_forward_value(oracle):
    """A forward off by 1e-6 (with a backward consistent with it) fools finite differences, but
    not autograd or torch, which compare the value too."""
    check_gradients(lambda t: Square.apply(t, shift=1e-6), [X])  # finite differences: fooled
    with pytest.raises(AssertionError, match=f"oracle '{oracle}'.*forward value"):
        check_gradients(
            lambda t: Square.apply(t, shift=1e-6), [X], **_only(oracle, _square_ag, _square_torch)
        )


def test_a_wrong_oracle_function_is_caught_too():
    """The comparison is symmetric: a wrong reference function fails just as a wrong rule does."""
    with pytest.raises(AssertionError, match="oracle 'autograd'"):
        check_gradients(cr.tanh, [X], autograd_fn=anp.sin, fd=False)


# -- float32 end to end ---------------------------------------------------------------------------
def _x(shape, seed=0, low=0.3, high=2.0):
    rng = np.random.default_rng(seed)
    sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
    return sign * rng.uniform(low, high, shape)


F32_CASES = {
    "a + b broadcast": (operator.add, [(3, 4), (4,)]),
    "a - b broadcast": (operator.sub, [(3, 1), (1, 4)]),
    "a * b broadcast": (operator.mul, [(2, 3, 4), (3, 1)]),
    "a / b": (operator.truediv, [(3, 4), (3, 4)]),
    "a @ b batched": (operator.matmul, [(2, 3, 4), (4, 5)]),
    "x ** 3": (lambda x: x**3, [(3, 4)]),
    "abs(x) ** 0.5": (lambda x: abs(x) ** 0.5, [(3, 4)]),
    "exp": (cr.exp, [(3, 4)]),
    "log(abs)": (lambda x: cr.log(cr.abs(x)), [(3, 4)]),
    "sqrt(abs)": (lambda x: cr.sqrt(abs(x)), [(3, 4)]),
    "maximum": (cr.maximum, [(3, 4), (4,)]),
    "minimum": (cr.minimum, [(3, 4), (3, 1)]),
    "where": (lambda a, b: cr.where(a > 0, a, b), [(3, 4), (4,)]),
    "clip": (lambda x: x.clip(-1.0, 1.0), [(3, 4)]),
    "sigmoid": (cr.sigmoid, [(3, 4)]),
    "tanh": (cr.tanh, [(3, 4)]),
    "relu": (cr.relu, [(3, 4)]),
    "leaky_relu": (cr.leaky_relu, [(3, 4)]),
    "softplus": (cr.softplus, [(3, 4)]),
    "log_sigmoid": (cr.log_sigmoid, [(3, 4)]),
    "softmax": (lambda x: x.softmax(0), [(3, 4)]),
    "log_softmax": (cr.log_softmax, [(3, 4)]),
    "logsumexp": (lambda x: cr.logsumexp(x, axis=1), [(3, 4)]),
    "sum": (lambda x: cr.sum(x, axis=(0, 2), keepdims=True), [(2, 3, 4)]),
    "mean": (lambda x: cr.mean(x, axis=-1), [(2, 3, 4)]),
    "max": (lambda x: cr.max(x, axis=0), [(3, 4)]),
    "reshape and transpose": (lambda x: x.reshape(4, 6).T, [(2, 3, 4)]),
    "indexing": (lambda x: x[np.array([0, 0, 2]), ::-1], [(3, 4)]),
    "concatenate": (lambda a, b: cr.concatenate([a, b], axis=1), [(3, 4), (3, 2)]),
    "stack": (lambda a, b: cr.stack([a, b], axis=-1), [(3, 4), (3, 4)]),
    "astype round trip": (lambda x: x.astype(np.float64).exp().astype(np.float32), [(3, 4)]),
}


@pytest.mark.parametrize("name", list(F32_CASES))
def test_float32_stays_float32_end_to_end(name):
    f, in_shapes = F32_CASES[name]
    xs64 = [_x(s, seed=i) for i, s in enumerate(in_shapes)]
    if name == "max":
        xs64 = [distinct(np.random.default_rng(0), in_shapes[0])]
    xs32 = [x.astype(np.float32) for x in xs64]

    ts = [cr.tensor(x, requires_grad=True) for x in xs32]
    out = f(*ts)
    assert out.dtype == np.float32
    v = np.random.default_rng(1).standard_normal(out.shape)
    (out * v.astype(np.float32)).sum().backward()
    for t in ts:
        assert t.grad.dtype == np.float32 and t.grad.shape == t.shape

    # the same computation in float64 agrees to float32 precision
    with cr.no_grad():
        out64 = f(*[cr.tensor(x) for x in xs64])
    grads64 = cr.grad(lambda *a: (f(*a) * v).sum(), argnums=tuple(range(len(ts))))(*xs64)
    np.testing.assert_allclose(out.data, out64.data, rtol=1e-5, atol=1e-6)
    for t, g64 in zip(ts, grads64, strict=True):
        np.testing.assert_allclose(t.grad, g64, rtol=1e-4, atol=1e-5)
