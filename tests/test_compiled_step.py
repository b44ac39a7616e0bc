"""The compiled training step (numba) against the NumPy replay: the same weights after k steps.

For every hidden activation × (output, loss) pair × optimizer × dtype, two copies of a network
take k = 3 steps on the same batches, one under the ``numba`` backend (one compiled kernel per
step) and one under ``numpy`` (the engine's replay). The kernel computes the same formulas in the
same order, but its sums run in another order (its own loops, or BLAS), its e^x and log(1 + x)
are its own (engine/compiled/vecmath.py: within 0.7 and 2 ulps) and its tanh is libm's, where
NumPy has its SIMD loops; so the weights agree to rounding, not bit for bit. The bound, for every
weight w of a matrix W after k steps:

    |w_numba − w_numpy| ≤ ULPS · ε · max(1, max|W|)        ULPS = 8, ε = the dtype's epsilon

(measured over all of these cases: at most 4.7 ε, float32 with RMSprop and momentum, whose
division by √v + ε carries a rounding difference of a small gradient furthest; 8 leaves room for
other CPUs' libm and NumPy's other SIMD loops). Also:
the lecture's 2-2-1 network by ``net.step``, with its numbers, and ``fit`` and the estimators,
which must reach the kernel. The fallbacks are in ``tests/test_compiled_fallback.py``.
"""

import numpy as np
import pytest

import chainrule as cr
from network_cases import HIDDEN, OUTPUT_LOSS, random_targets

pytest.importorskip("numba")
pytest.importorskip("scipy")

DTYPES = [np.float32, np.float64]
ULPS = 8
K_STEPS = 3
OPTIMIZERS = {
    "sgd": lambda p: cr.optim.SGD(p, lr=0.1),
    "sgd-momentum": lambda p: cr.optim.SGD(p, lr=0.1, momentum=0.9),
    "sgd-nesterov": lambda p: cr.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "sgd-decay": lambda p: cr.optim.SGD(p, lr=0.1, momentum=0.5, weight_decay=0.1),
    "adam": lambda p: cr.optim.Adam(p, lr=0.01, weight_decay=0.01),
    "adamw": lambda p: cr.optim.AdamW(p, lr=0.01, weight_decay=0.1),
    "rmsprop": lambda p: cr.optim.RMSprop(p, lr=0.01, weight_decay=0.01),
    "rmsprop-momentum": lambda p: cr.optim.RMSprop(p, lr=0.01, momentum=0.9),
    "adam-clipped": lambda p: cr.optim.Adam(p, lr=0.01, clip_norm=0.05),
    "sgd-clipped": lambda p: cr.optim.SGD(p, lr=0.1, momentum=0.9, clip_norm=0.05),
}


def network(hidden, output, loss, n_out, dtype, sizes=(4, 5)):
    rng = np.random.default_rng(0)
    net = cr.MLP([*sizes, n_out], hidden=hidden, output=output, loss=loss, seed=rng, dtype=dtype)
    for W in net.weights:  # random biases: no pre-activation sits exactly at a kink
        W[-1] = rng.normal(0.0, 0.5, size=W.shape[1])
    return net


def batches(net, kind, k=K_STEPS, m=6):
    rng = np.random.default_rng(1)
    out = []
    for i in range(k):
        X = rng.normal(size=(m, net.n_features))
        y = random_targets(rng, kind, m, net.n_outputs)
        s = rng.uniform(0.5, 2.0, size=m) if i % 2 else None
        out.append(net.check_data(X, y, s))
    return out


def train(backend, case, make_optimizer, dtype):
    """The network after K_STEPS train_steps under ``backend``, with its losses, outputs and
    gradients; and whether the compiled step ran."""
    hidden, output, loss, n_out, kind = case
    net = network(hidden, output, loss, n_out, dtype)
    opt = make_optimizer(net.parameters())
    Es, outs = [], []
    with cr.use_backend(backend):
        for X, y, w in batches(net, kind):
            out = np.empty((len(X), n_out), dtype=dtype)
            Es.append(net.train_step(X, y, w, opt, out=out))
            outs.append(out)
    grads = [p.grad.copy() for p in net.parameters()]
    compiled = any(s is not False for s in net.__dict__.get("_compiled", {}).values())
    return net, opt, Es, outs, grads, compiled


def assert_close(got, want, dtype, what):
    for a, b in zip(got, want, strict=True):
        assert a.dtype == b.dtype == dtype and a.shape == b.shape
        scale = max(1.0, float(np.max(np.abs(b))))
        err = float(np.max(np.abs(a.astype(np.float64) - b))) / (np.finfo(dtype).eps * scale)
        assert err <= ULPS, f"{what}: {err:.1f} ulps apart"


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
@pytest.mark.parametrize("case", OUTPUT_LOSS, ids=lambda c: f"{c[0]}-{c[1]}-{c[2]}-{c[3]}")
@pytest.mark.parametrize("hidden", HIDDEN)
def test_compiled_step_gives_the_replays_weights(hidden, case, opt_name, dtype):
    case = (hidden, *case)
    fast = train("numba", case, OPTIMIZERS[opt_name], dtype)
    slow = train("numpy", case, OPTIMIZERS[opt_name], dtype)
    assert fast[5] and not slow[5]  # the compiled step ran, and only under numba
    assert_close(fast[0].weights, slow[0].weights, dtype, "weights")
    assert_close(fast[4], slow[4], dtype, "gradients")  # p.grad, clipped as the optimizer left it
    assert_close(fast[3], slow[3], dtype, "outputs z")
    for Ef, Es in zip(fast[2], slow[2], strict=True):
        assert type(Ef) is float and Ef == pytest.approx(Es, rel=ULPS * float(np.finfo(dtype).eps))
    assert fast[1].steps == slow[1].steps == [K_STEPS, K_STEPS]
    for sf, ss in zip(fast[1].state, slow[1].state, strict=True):
        assert_close(list(sf.values()), list(ss.values()), dtype, "optimizer state")


# -- the lecture's network, by net.step ------------------------------------------------------------
W1 = [[0.5, -0.5], [0.25, 0.75], [0.0, 0.5]]
W2 = [[1.0], [-1.0], [0.5]]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_the_lecture_network_steps_with_its_numbers(dtype):
    net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", dtype=dtype)
    for W, given in zip(net.weights, (W1, W2), strict=True):
        W[...] = given
    X, Y = np.array([[1.0, 2.0]], dtype=dtype), np.array([[1.0]], dtype=dtype)
    with cr.use_backend("numba"):
        E = net.step(X, Y, lr=0.5)
    assert net.__dict__["_compiled"]  # the kernel took the step
    # E = −ln ŷ with ŷ = σ(σ(1.0) − σ(1.5) + 0.5) ≈ 0.601923, so E ≈ 0.507626
    assert pytest.approx(0.507626, abs=1e-6) == E
    # ∂E/∂W11^(1) = (ŷ − y) · W11^(2) · σ(h1)(1 − σ(h1)) · x1 ≈ −0.398077 · 0.196612 ≈ −0.078267
    tol = 4 * float(np.finfo(dtype).eps)
    assert net.weight("W1[1,1]") == pytest.approx(0.5 + 0.5 * 0.078267, abs=1e-6)
    # ∂E/∂W^(2) = (ŷ − y) · (σ(h1), σ(h2), 1) ≈ (−0.291018, −0.325458, −0.398077)
    expected = np.array([1.0, -1.0, 0.5]) + 0.5 * np.array([0.291018, 0.325458, 0.398077])
    np.testing.assert_allclose(net.weights[1][:, 0], expected, atol=1e-6)
    assert net.weights[0].dtype == dtype
    twin = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", dtype=dtype)
    for W, given in zip(twin.weights, (W1, W2), strict=True):
        W[...] = given
    with cr.use_backend("numpy"):
        assert twin.step(X, Y, lr=0.5) == pytest.approx(E, rel=tol)
    assert_close(net.weights, twin.weights, dtype, "lecture weights")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
@pytest.mark.parametrize(("sizes", "m"), [((2, 2, 1), 1), ((2, 2, 1), 32), ((64, 32, 10), 32)])
def test_net_step_many_times_stays_with_the_replay(sizes, m, dtype):
    """Past the loop/BLAS switch too (64-32-10 at 32 calls BLAS), over 20 steps."""
    rng = np.random.default_rng(2)
    X = rng.standard_normal((m, sizes[0])).astype(dtype)
    Y = (rng.random((m, sizes[-1])) < 0.5).astype(dtype)
    nets = []
    for backend in ("numba", "numpy"):
        net = cr.MLP(list(sizes), hidden="sigmoid", output="sigmoid", seed=0, dtype=dtype)
        with cr.use_backend(backend):
            Es = [net.step(X, Y, lr=0.1) for _ in range(20)]
        nets.append((net, Es))
    (fast, Ef), (slow, Es) = nets
    assert_close(fast.weights, slow.weights, dtype, "weights")
    np.testing.assert_allclose(Ef, Es, rtol=ULPS * float(np.finfo(dtype).eps))


# -- fit and the estimators take the compiled step -------------------------------------------------
def _fit(backend, dtype):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = cr.MLP([4, 8, 1], hidden="relu", output="sigmoid", seed=0, dtype=dtype)
    with cr.use_backend(backend):
        history = net.fit(
            X, y, epochs=3, batch_size=32, optimizer="adam", lr=0.01, verbose=0, seed=0
        )
    return net, history


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.__name__)
def test_fit_runs_the_compiled_step_with_the_replays_result(dtype):
    (fast, hf), (slow, hs) = _fit("numba", dtype), _fit("numpy", dtype)
    shapes = {key[0] for key, s in fast.__dict__["_compiled"].items() if s is not False}
    assert shapes == {(32, 4), (4, 4)}  # the full batches and the last one, both compiled
    grad = fast.parameters()[0].grad  # the kernel's own buffer: the kernel took the steps
    assert any(grad is s.grads[0] for s in fast.__dict__["_compiled"].values() if s is not False)
    assert not slow.__dict__.get("_compiled")
    np.testing.assert_allclose(hf.loss, hs.loss, rtol=ULPS * float(np.finfo(dtype).eps))
    # 12 steps of Adam: the rounding differences of each step carry on, hence 4 × the bound
    for a, b in zip(fast.weights, slow.weights, strict=True):
        scale = max(1.0, float(np.abs(b).max()))
        assert np.abs(a - b).max() <= 4 * ULPS * np.finfo(dtype).eps * scale


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # 5 epochs only
def test_the_estimators_run_the_compiled_step():
    from chainrule.sklearn import MLPClassifier

    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = np.where(X[:, 0] > 0, "yes", "no")
    results = {}
    for backend in ("numba", "numpy"):
        clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
        with cr.use_backend(backend):
            clf.fit(X, y)
        results[backend] = clf
    ran = [s for s in results["numba"].network_.__dict__["_compiled"].values() if s is not False]
    assert ran and not results["numpy"].network_.__dict__.get("_compiled")
    np.testing.assert_allclose(
        results["numba"].loss_curve_, results["numpy"].loss_curve_, rtol=1e-12
    )
    assert (results["numba"].predict(X) == results["numpy"].predict(X)).all()


def test_float32_stays_float32_in_the_kernel():
    """numba types E, computed from float32 arrays with float32 constants, as float32: a float64
    literal in the arithmetic would have made it float64."""
    import numba

    from chainrule.engine.compiled.fused import train_step

    net = cr.MLP([2, 2, 1], seed=0, dtype=np.float32)
    with cr.use_backend("numba"):
        net.step(np.ones((3, 2), np.float32), np.ones((3, 1), np.float32))
    returns = {
        str(sig.return_type)
        for args, sig in zip(train_step.signatures, train_step.nopython_signatures, strict=True)
        if args[0] == numba.types.Array(numba.float32, 2, "C")
    }
    assert returns == {"Tuple(int64, float32)"}
    assert net.weights[0].dtype == np.float32
