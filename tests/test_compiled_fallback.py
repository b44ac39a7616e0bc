"""Where the compiled step does not apply, the NumPy replay runs — exactly, and with its errors.

Under the numba backend, an optimizer the kernel does not know (a subclass, a wrapper), anomaly
mode, data of another dtype, and ``CHAINRULE_BACKEND=numpy`` must give bit for bit the weights of
the NumPy backend; bad input given to ``net.step`` (which the kernel checks instead of Python)
must raise the very error, with the very message, that the NumPy path raises, and leave the weights
as they were.
"""

import copy
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import chainrule as cr

pytest.importorskip("numba")
pytest.importorskip("scipy")


def network(dtype=np.float64, hidden="tanh", output="softmax", n_out=3, seed=0):
    return cr.MLP([4, 5, n_out], hidden=hidden, output=output, seed=seed, dtype=dtype)


def data(net, kind="indices", m=6, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, net.n_features))
    y = rng.integers(0, net.n_outputs, size=m) if kind == "indices" else rng.integers(0, 2, (m, 1))
    return net.check_data(X, y)


def compiled_steps(net):
    """The network's compiled steps (the kernel's buffers for a batch shape)."""
    return [s for s in net.__dict__.get("_compiled", {}).values() if s is not False]


def compiled_ran(net):
    """Whether the last train_step ran the kernel: then .grad is the kernel's gradient buffer."""
    g = net.parameters()[0].grad
    return any(g is s.grads[0] for s in compiled_steps(net))


def run_steps(backend, make_opt, dtype=np.float64, steps=3, anomaly=False):
    net = network(dtype)
    opt = make_opt(net.parameters())
    with cr.use_backend(backend):
        for i in range(steps):
            batch = data(net, seed=i)
            if anomaly:
                with cr.detect_anomaly():
                    net.train_step(*batch, opt)
            else:
                net.train_step(*batch, opt)
    return net


def assert_identical(a, b):
    for x, y in zip(a.weights, b.weights, strict=True):
        assert x.dtype == y.dtype and np.array_equal(x, y)


class MySGD(cr.optim.SGD):
    """A subclass may change the rule: the kernel must not run it as plain SGD."""

    def _update(self):
        super()._update()
        for p in self.params:
            p.data *= 0.5


class Wrapper:
    """An optimizer that wraps another (as a distributed one would): unknown to the kernel."""

    def __init__(self, inner):
        self.inner, self.params = inner, inner.params

    def step(self):
        self.inner.step()


@pytest.mark.parametrize(
    "make_opt",
    [lambda p: MySGD(p, lr=0.1), lambda p: Wrapper(cr.optim.Adam(p, lr=0.01))],
    ids=["subclass", "wrapper"],
)
def test_an_optimizer_the_kernel_does_not_know_runs_the_replay_exactly(make_opt):
    fast, slow = run_steps("numba", make_opt), run_steps("numpy", make_opt)
    assert not compiled_ran(fast)
    assert_identical(fast, slow)


def test_anomaly_mode_runs_the_replay_exactly():
    make = lambda p: cr.optim.Adam(p, lr=0.01)  # noqa: E731
    fast, slow = run_steps("numba", make, anomaly=True), run_steps("numpy", make)
    assert not compiled_ran(fast)
    assert_identical(fast, slow)


def test_an_optimizer_over_other_parameters_runs_the_replay():
    net, other = network(), network(seed=5)
    opt = cr.optim.SGD([*other.parameters()], lr=0.1)
    before = [W.copy() for W in net.weights]
    with cr.use_backend("numba"):
        net.train_step(*data(net), opt)  # the optimizer updates the other network only
    assert not compiled_ran(net)
    for W, b in zip(net.weights, before, strict=True):
        assert np.array_equal(W, b)


def test_data_of_another_dtype_runs_the_replay():
    net = network(np.float32)
    X, y, _ = data(net)
    with cr.use_backend("numba"):
        E = net.step(X.astype(np.float64), y)  # float64 X for a float32 network: converted
    assert not compiled_steps(net) and np.isfinite(E) and net.weights[0].dtype == np.float32


def test_the_environment_variable_forces_the_replay_in_a_fresh_process():
    script = textwrap.dedent(
        """
        import sys
        import numpy as np
        import chainrule as cr
        net = cr.MLP([4, 5, 3], hidden="tanh", output="softmax", seed=0)
        opt = cr.optim.Adam(net.parameters(), lr=0.01)
        rng = np.random.default_rng(1)
        for _ in range(3):
            net.train_step(*net.check_data(rng.normal(size=(6, 4)), rng.integers(0, 3, 6)), opt)
        print(cr.backend(), "numba" in sys.modules)
        print(cr.backend().reason)
        print(*[float(v).hex() for W in net.weights for v in W.ravel()])
        """
    )
    env = {**os.environ, "CHAINRULE_BACKEND": "numpy"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    first, reason, weights = done.stdout.splitlines()
    assert first == "numpy False"  # the replay ran, and numba was never imported
    assert "CHAINRULE_BACKEND='numpy'" in reason
    net = network()
    opt = cr.optim.Adam(net.parameters(), lr=0.01)
    rng = np.random.default_rng(1)
    with cr.use_backend("numpy"):
        for _ in range(3):
            net.train_step(*net.check_data(rng.normal(size=(6, 4)), rng.integers(0, 3, 6)), opt)
    assert weights.split() == [float(v).hex() for W in net.weights for v in W.ravel()]


# -- errors through the fast path ------------------------------------------------------------------
BAD_INPUTS = {
    "nan in X": (np.array([[0.0, np.nan], [1.0, 2.0]]), np.array([[1.0], [0.0]])),
    "inf in X": (np.array([[0.0, 1.0], [np.inf, 2.0]]), np.array([[1.0], [0.0]])),
    "target 2 for BCE": (np.array([[0.0, 1.0], [1.0, 2.0]]), np.array([[1.0], [2.0]])),
    "nan target": (np.array([[0.0, 1.0], [1.0, 2.0]]), np.array([[np.nan], [0.0]])),
}


def _error(backend, X, y, dtype):
    net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0, dtype=dtype)
    good = np.ones((2, 2), dtype=dtype), np.ones((2, 1), dtype=dtype)
    before = [W.copy() for W in net.weights]
    with cr.use_backend(backend):
        net.step(*good, lr=0.1)  # the fast path is now cached for this shape
        before = [W.copy() for W in net.weights]
        with pytest.raises(Exception) as info:
            net.step(X.astype(dtype), y.astype(dtype), lr=0.1)
    for W, b in zip(net.weights, before, strict=True):
        assert np.array_equal(W, b)  # nothing was changed
    return type(info.value), str(info.value)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: d.__name__)
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_through_the_fast_path_gives_the_same_clear_error(case, dtype):
    X, y = BAD_INPUTS[case]
    assert _error("numba", X, y, dtype) == _error("numpy", X, y, dtype)


def test_class_indices_out_of_range_and_a_non_finite_error_give_the_same_errors():
    for backend in ("numba", "numpy"):
        net = network()
        X = np.ones((3, 4))
        with cr.use_backend(backend):
            net.step(X, np.array([0, 1, 2]), lr=0.1)
            with pytest.raises(ValueError, match=r"^y\[1\] = 3\.0 is not a class index in 0\.\.2"):
                net.step(X, np.array([0, 3, 1]), lr=0.1)
            net.weights[-1][0, 0] = np.inf  # E is NaN: DivergedError, weights unchanged
            before = [W.copy() for W in net.weights]
            with pytest.raises(cr.DivergedError, match="weights were left unchanged"):
                net.step(X, np.array([0, 1, 2]), lr=0.1)
        for W, b in zip(net.weights, before, strict=True):
            assert np.array_equal(W, b, equal_nan=True)


def test_a_non_finite_loss_in_train_step_updates_nothing():
    net = cr.MLP([4, 5, 1], hidden="sigmoid", output="identity", loss="squared_error", seed=0)
    opt = cr.optim.Adam(net.parameters(), lr=0.1)
    X, y, w = net.check_data(np.full((2, 4), 10.0), [1.0, 2.0])
    with cr.use_backend("numba"):
        net.train_step(X, y, w, opt)
        net.weights[-1][0, 0] = 1e308  # ŷ² overflows: E = inf
        before = [W.copy() for W in net.weights]
        with np.errstate(over="ignore", invalid="ignore"):
            E = net.train_step(X, y, w, opt)
    assert not np.isfinite(E) and opt.steps == [1, 1]
    for W, b in zip(net.weights, before, strict=True):
        assert np.array_equal(W, b)


def test_a_replaced_weight_array_is_used_and_copies_start_afresh():
    net = network()
    X, y, _ = data(net)
    with cr.use_backend("numba"):
        net.step(X, y, lr=0.1)
        net.layers[0].W.data = net.weights[0].copy()  # a new array: the buffers are remade
        new = net.layers[0].W.data
        snapshot = new.copy()
        net.step(X, y, lr=0.1)
        assert not np.array_equal(new, snapshot)  # the new array was updated in place
        for copier in (lambda n: pickle.loads(pickle.dumps(n)), copy.deepcopy):
            twin = copier(net)
            assert not twin.__dict__.get("_compiled")  # caches are not carried
            E_twin, E_net = twin.step(X, y, lr=0.1), net.step(X, y, lr=0.1)
            assert E_twin == E_net
            twin.step(X, y, lr=0.1)
        assert compiled_steps(net)


def test_read_only_and_unaligned_inputs_give_the_replays_result():
    """The fast path calls the kernel without numba's type dispatch; a read-only X is safe there
    (never written), an unaligned one (a view into bytes) goes to the replay."""
    net, twin = network(), network()
    X, y, _ = data(net)
    read_only = X.copy()
    read_only.flags.writeable = False
    unaligned = np.ndarray(X.shape, X.dtype, buffer=np.zeros(X.nbytes + 1, np.uint8), offset=1)
    unaligned[...] = X
    assert not unaligned.flags.aligned
    with cr.use_backend("numba"):
        Es = [net.step(a, y, lr=0.1) for a in (X, X, read_only, unaligned, X)]
    with cr.use_backend("numpy"):
        Et = [twin.step(X, y, lr=0.1) for _ in range(5)]
    np.testing.assert_allclose(Es, Et, rtol=1e-14)
    for a, b in zip(net.weights, twin.weights, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=8 * np.finfo(float).eps * np.abs(b).max())


def test_a_layer_applying_a_function_of_its_own_runs_the_replay_exactly():
    nets = [network(), network()]
    for n in nets:  # not one of the kernel's activations: only the engine knows its rules
        n.layers[0]._f = lambda h: cr.sigmoid(h) * 2.0
    X, y, _ = data(nets[0])
    for n, backend in zip(nets, ("numba", "numpy"), strict=True):
        with cr.use_backend(backend):
            for _ in range(3):
                n.step(X, y, lr=0.1)
    assert list(nets[0].__dict__["_compiled"].values()) == [False]
    assert_identical(*nets)


def test_frozen_weights_and_a_read_only_out_give_the_replays_errors():
    for backend in ("numba", "numpy"):
        net = network()
        X, y, w = data(net)
        opt = cr.optim.SGD(net.parameters(), lr=0.1)
        with cr.use_backend(backend):
            net.train_step(X, y, w, opt)
            out = np.empty((len(X), 3))
            out.flags.writeable = False
            before = [W.copy() for W in net.weights]
            with pytest.raises(ValueError, match="read-only"):
                net.train_step(X, y, w, opt, out=out)
            assert all(np.array_equal(W, b) for W, b in zip(net.weights, before, strict=True))
            net.weights[0].flags.writeable = False
            before = [W.copy() for W in net.weights]
            with pytest.raises(ValueError, match="read-only"):
                net.step(X, y, lr=0.1)
        assert np.array_equal(net.weights[0], before[0])
