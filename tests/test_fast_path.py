"""The recorded step (``net.train_step``, ``net.step``) gives the engine's gradients, bit for bit.

A training step is recorded once through the engine and replayed afterwards
(:class:`chainrule.engine.replay.Program`). Its backward half is the engine's own sweep
(:func:`chainrule.engine.backward.sweep`) over the engine's own plan, not a second gradient path;
these tests keep it so. For every hidden activation, every (output, loss) pair, both dtypes, with
and without sample weights, the replay's E and ∇E must equal those of the general reverse pass
(``net._value_and_gradients``, which ``gradcheck`` and the explainer use) exactly —
``np.array_equal``, not a tolerance — on batches it has never seen. And the engine's modes keep
their meaning: anomaly mode checks every op, a non-finite loss updates nothing, ``no_grad``
around a step changes nothing.

These tests are about the NumPy replay, so they run under the ``numpy`` backend; the compiled
step (numba) has its own, in ``tests/test_compiled_step.py``.
"""

import numpy as np
import pytest

import chainrule as cr
from chainrule.engine.replay import Program
from network_cases import HIDDEN, OUTPUT_LOSS, random_targets

DTYPES = [np.float32, np.float64]


@pytest.fixture(autouse=True)
def numpy_backend():
    with cr.use_backend("numpy"):
        yield


def network(hidden, output, loss, n_out, dtype, seed=0, sizes=(4, 5, 3)):
    rng = np.random.default_rng(seed)
    net = cr.MLP([*sizes, n_out], hidden=hidden, output=output, loss=loss, seed=rng, dtype=dtype)
    for W in net.weights:  # random biases: no pre-activation sits exactly at a kink
        W[-1] = rng.normal(0.0, 0.5, size=W.shape[1])
    return net


def batch(net, rng, kind, m=6, weighted=False):
    X = rng.normal(size=(m, net.n_features))
    y = random_targets(rng, kind, m, net.n_outputs)
    s = rng.uniform(0.5, 2.0, size=m) if weighted else None
    return net.check_data(X, y, s)


def assert_same(a, b):
    (Ea, ga), (Eb, gb) = a, b
    assert Ea == Eb or (np.isnan(Ea) and np.isnan(Eb))
    assert len(ga) == len(gb)
    for x, y in zip(ga, gb, strict=True):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert np.array_equal(x, y), np.max(np.abs(x - y))


def programs(net):
    return [p for p in net.__dict__.get("_programs", {}).values() if p]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize(("output", "loss", "n_out", "kind"), OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_replay_gives_the_engines_gradients_bit_for_bit(hidden, output, loss, n_out, kind, dtype):
    net = network(hidden, output, loss, n_out, dtype)
    rng = np.random.default_rng(1)
    for i in range(4):  # the first call records; the others replay, on batches not yet seen
        data = batch(net, rng, kind, weighted=i % 2 == 1)
        assert_same(net._replay(*data), net._value_and_gradients(*data))
    assert len(programs(net)) == 1  # one batch shape, one program: it was replayed


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_deeper_networks_and_other_batch_sizes(hidden, dtype):
    net = network(hidden, "softmax", None, 4, dtype, sizes=(5, 7, 6, 5))
    rng = np.random.default_rng(2)
    for m in (1, 3, 8, 3, 1, 8):
        data = batch(net, rng, "indices", m=m)
        assert_same(net._replay(*data), net._value_and_gradients(*data))
    assert len(programs(net)) == 3


def test_train_step_matches_the_engine_loop_with_an_optimizer():
    """train_step + Adam gives the very weights of zero_grad / loss_of / backward / step."""
    rng = np.random.default_rng(3)
    fast = network("tanh", "softmax", None, 3, np.float64)
    slow = network("tanh", "softmax", None, 3, np.float64)
    opt_fast = cr.optim.Adam(fast.parameters(), lr=0.05)
    opt_slow = cr.optim.Adam(slow.parameters(), lr=0.05)
    for _ in range(5):
        data = batch(fast, rng, "indices")
        logits = np.empty((6, 3))
        E_fast = fast.train_step(*data, opt_fast, out=logits)
        opt_slow.zero_grad()
        E = slow.loss_of(*data)
        assert np.array_equal(logits, E._node.parents[0].data)  # what E was computed from
        E.backward()
        opt_slow.step()
        assert E_fast == float(E.data)
        for p, q in zip(fast.parameters(), slow.parameters(), strict=True):
            assert np.array_equal(p.grad, q.grad)
    for a, b in zip(fast.weights, slow.weights, strict=True):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_step_is_gradient_descent_with_the_engines_gradients(dtype):
    rng = np.random.default_rng(4)
    net = network("sigmoid", "sigmoid", None, 1, dtype)
    for _ in range(3):
        X, y = rng.normal(size=(5, 4)), rng.integers(0, 2, size=5)
        E, grads = net.value_and_gradients(X, y)
        expected = [W - 0.5 * g for W, g in zip(net.weights, grads, strict=True)]
        assert net.step(X, y, lr=0.5) == E
        for W, w in zip(net.weights, expected, strict=True):
            assert W.dtype == dtype and np.array_equal(W, w)


def test_a_non_finite_loss_updates_nothing():
    net = network("sigmoid", "identity", "squared_error", 1, np.float32)
    net.weights[-1][0, 0] = 3e38  # ŷ overflows to inf for the first sample
    before = [W.copy() for W in net.weights]
    opt = cr.optim.SGD(net.parameters(), lr=0.1)
    data = net.check_data(np.full((2, 4), 10.0), [1.0, 2.0])
    for _ in range(2):  # recorded, then replayed
        with np.errstate(over="ignore", invalid="ignore"):
            E = net.train_step(*data, opt)
        assert not np.isfinite(E)
        for W, b in zip(net.weights, before, strict=True):
            assert np.array_equal(W, b)


def test_anomaly_mode_checks_every_op_of_a_recorded_step():
    net = network("sigmoid", "identity", "squared_error", 1, np.float32)
    opt = cr.optim.SGD(net.parameters(), lr=0.1)
    data = net.check_data(np.ones((2, 4)), [1.0, 2.0])
    net.train_step(*data, opt)  # recorded
    net.weights[-1][0, 0] = 3e38  # ŷ ≈ 1e38 is finite; its square is not
    with cr.detect_anomaly(), pytest.raises(cr.AnomalyError, match=r"^squared_error produced inf"):
        net.train_step(*data, opt)


def test_no_grad_around_a_step_changes_nothing():
    rng = np.random.default_rng(5)
    net = network("relu", "sigmoid", None, 3, np.float64)
    data = batch(net, rng, "binary")
    reference = net._value_and_gradients(*data)
    with cr.no_grad():
        assert_same(net._replay(*data), reference)  # records
        assert_same(net._replay(*data), reference)  # replays


def test_programs_are_kept_for_a_few_batch_shapes():
    net = network("tanh", "sigmoid", None, 1, np.float64)
    rng = np.random.default_rng(6)
    for m in range(1, 13):
        net._replay(*batch(net, rng, "binary", m=m))
    assert len(net._programs) == 8


def test_a_function_that_reads_data_outside_its_inputs_is_not_recorded():
    W = cr.tensor(np.ones((3, 2)), requires_grad=True)
    X = np.arange(6.0).reshape(2, 3)
    program, E = Program.record(lambda X: (cr.tensor(X * 2.0) @ W).sum(), [X], [W])
    assert program is None  # X * 2 was computed outside the graph: a replay would reuse it
    E.backward()
    assert np.array_equal(W.grad, np.tile((2 * X).sum(axis=0)[:, None], (1, 2)))


def test_a_recorded_graph_with_shared_values_replays_like_the_engine():
    """A value feeding several ops gets the sum of their gradients, in the engine's order."""

    def f(X, W):
        h = cr.affine(X, cr.concatenate([W, W[:1]], axis=0)).tanh()  # W used twice
        return (h * h.sigmoid()).sum() + cr.mean(h)  # h used three times

    rng = np.random.default_rng(7)
    W = cr.tensor(rng.normal(size=(3, 3)), requires_grad=True)
    program, _ = Program.record(lambda X: f(X, W), [rng.normal(size=(4, 3))], [W])
    assert program is not None
    for _ in range(3):
        X = rng.normal(size=(4, 3))
        value, (g,) = program.run([X], [W.data])
        E, g_engine = cr.value_and_grad(lambda w, X=X: f(X, w))(W.data)
        assert float(value) == float(E)
        assert np.array_equal(g, g_engine)  # summed in the engine's order


def test_a_wrong_rule_fails_the_same_way_in_the_engine_and_the_replay():
    """The replay runs the engine's own sweep: its checks name the op just as backward() does."""

    class Forgot(cr.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, g):
            return g, g  # b was broadcast: its gradient needs cr.unbroadcast(g, b.shape)

    b = cr.tensor(np.zeros(3), requires_grad=True)
    X = np.ones((4, 3))
    program, E = Program.record(lambda X: Forgot.apply(X, b).sum(), [X], [b])
    assert program is not None
    message = r"forgot\.backward returned a gradient of shape \(4, 3\) for input 1"
    with pytest.raises(cr.ShapeError, match=message):
        E.backward()
    with pytest.raises(cr.ShapeError, match=message):
        program.run([X], [b.data])


def test_a_graph_reaching_ops_made_before_recording_is_not_recorded():
    W = cr.tensor(np.ones((3, 2)), requires_grad=True)
    V = W * 2.0  # made outside: the program could not recompute it from W
    program, _ = Program.record(lambda X: cr.affine(X, V).sum(), [np.ones((4, 2))], [W])
    assert program is None


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_the_fast_stable_sigmoid_is_the_textbook_stable_form_bit_for_bit(dtype):
    """σ = max(e^(−|x|), sign or [x ≥ 0]) / (1 + e^(−|x|)) equals where(x ≥ 0, 1, e)/(1 + e)
    whenever e^(−x) could overflow (or e is given); otherwise it is 1/(1 + e^(−x)) itself."""
    from chainrule.engine.ops.activations import stable_sigmoid

    fi = np.finfo(dtype)
    special = [0.0, -0.0, 1e4, -1e4, fi.tiny, -fi.tiny, fi.smallest_subnormal, fi.max, -fi.max]
    rng = np.random.default_rng(8)
    for x in (
        np.array([*special, -fi.smallest_subnormal, 20.0, -20.0, 88.7, -88.7], dtype=dtype),
        (rng.standard_normal(10_000) * 300).astype(dtype),  # past the small-array form
        (rng.standard_normal((7, 3)) * 1e3).astype(dtype),
        np.array(-2.5, dtype=dtype),
    ):
        e = np.exp(-np.abs(x))
        expected = np.where(x >= 0, 1, e) / (1 + e)
        for got in (stable_sigmoid(x), stable_sigmoid(x, e.copy())):
            assert got.dtype == dtype and np.array_equal(got, expected)
        kept = e.copy()
        stable_sigmoid(-x, kept)
        assert np.array_equal(kept, e)  # a given e is not modified


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_sigmoid_takes_the_plain_formula_where_it_cannot_overflow_and_stays_within_4_ulps(dtype):
    from chainrule.engine.ops.activations import _EXP_SAFE, stable_sigmoid

    bound = _EXP_SAFE[np.dtype(dtype)]
    rng = np.random.default_rng(9)
    for x in (
        np.linspace(-bound, 50, 200_001).astype(dtype),
        (rng.standard_normal((32, 64)) * 5).astype(dtype),
        np.array([[0.0, -0.0, np.finfo(dtype).smallest_subnormal, 1e4]], dtype=dtype),
    ):
        with np.errstate(all="raise", under="ignore"):  # no overflow, underflow aside
            got = stable_sigmoid(x)
        assert got.dtype == dtype and np.array_equal(got, 1 / (1 + np.exp(-x)))
        exact = 1 / (1 + np.exp(-x.astype(np.longdouble)))
        ulps = np.abs(got - exact) / np.spacing(exact.astype(dtype)).astype(np.longdouble)
        assert ulps.max() <= 4
    # one element past the bound (or a NaN) sends the whole array to the general form
    for bad in (-bound - 1, np.nan):
        x = np.array([1.0, -3.0, bad], dtype=dtype)
        e = np.exp(-np.abs(x))
        general = np.where(x >= 0, 1, e) / (1 + e)
        assert np.array_equal(stable_sigmoid(x), general, equal_nan=True)


def test_a_network_with_recorded_programs_pickles_and_copies():
    import copy
    import pickle

    net = network("sigmoid", "sigmoid", None, 1, np.float64)
    rng = np.random.default_rng(9)
    data = batch(net, rng, "binary")
    net._replay(*data)  # records
    for twin in (pickle.loads(pickle.dumps(net)), copy.deepcopy(net)):
        assert programs(twin)
        assert_same(twin._replay(*data), net._replay(*data))
