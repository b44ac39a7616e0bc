"""The error functions: their formulas and conventions, their stability, and ∂E/∂h = (ŷ − y)/m.

Every loss is computed from the output layer's pre-activation h (the logits), so E and ∇E stay
finite for any finite h; the tests at ±1e4 run with NumPy's overflow, division and invalid-value
errors raised, and warnings are errors in the whole suite.
"""

import numpy as np
import pytest

import chainrule as cr

DTYPES = [np.float32, np.float64]


def sigmoid(h):
    return 1 / (1 + np.exp(-h))


def softmax(h):
    e = np.exp(h - h.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def strict():
    """Overflow, division by zero and invalid operations raise; underflow to 0 is allowed."""
    return np.errstate(over="raise", divide="raise", invalid="raise", under="ignore")


def value_and_delta(loss_fn, h, y, **kwargs):
    """E and ∂E/∂h, by the engine."""
    t = cr.tensor(h, requires_grad=True)
    E = loss_fn(t, y, **kwargs)
    E.backward()
    return E.item(), t.grad


rng = np.random.default_rng(0)
H = rng.normal(size=(8, 3))  # m = 8 samples, 3 outputs


# -- the formulas -------------------------------------------------------------------------------
def test_binary_cross_entropy_is_the_mean_over_samples_of_the_sum_over_outputs():
    Y = rng.integers(0, 2, size=H.shape).astype(float)
    E, delta = value_and_delta(cr.binary_cross_entropy_with_logits, H, Y)
    p = sigmoid(H)
    # E = −(1/m) Σᵢ Σₖ [yᵢₖ log ŷᵢₖ + (1 − yᵢₖ) log(1 − ŷᵢₖ)]
    expected = -np.mean(np.sum(Y * np.log(p) + (1 - Y) * np.log(1 - p), axis=1))
    np.testing.assert_allclose(E, expected, rtol=1e-14)
    np.testing.assert_allclose(delta, (p - Y) / len(H), rtol=1e-14)


def test_binary_cross_entropy_takes_m_targets_for_one_output():
    h, y = H[:, :1], np.array([0, 1, 1, 0, 1, 0, 0, 1.0])
    assert value_and_delta(cr.binary_cross_entropy_with_logits, h, y)[0] == pytest.approx(
        value_and_delta(cr.binary_cross_entropy_with_logits, h, y[:, None])[0], rel=1e-15
    )


def test_cross_entropy_with_class_indices_or_one_hot_rows_is_the_same():
    y = np.array([0, 2, 1, 1, 0, 2, 2, 1])
    E_idx, d_idx = value_and_delta(cr.cross_entropy_with_logits, H, y)
    E_hot, d_hot = value_and_delta(cr.cross_entropy_with_logits, H, np.eye(3)[y])
    P = softmax(H)
    # E = −(1/m) Σᵢ log ŷᵢ,yᵢ
    assert E_idx == pytest.approx(-np.mean(np.log(P[np.arange(8), y])), rel=1e-14)
    assert E_hot == pytest.approx(E_idx, rel=1e-15)
    np.testing.assert_allclose(d_idx, (P - np.eye(3)[y]) / 8, rtol=1e-13, atol=1e-17)
    np.testing.assert_allclose(d_hot, d_idx, rtol=1e-15, atol=1e-17)


def test_cross_entropy_accepts_probability_rows():
    Y = rng.dirichlet(np.ones(3), size=8)
    E, delta = value_and_delta(cr.cross_entropy_with_logits, H, Y)
    P = softmax(H)
    np.testing.assert_allclose(E, -np.mean(np.sum(Y * np.log(P), axis=1)), rtol=1e-14)
    np.testing.assert_allclose(delta, (P - Y) / 8, rtol=1e-13, atol=1e-17)


def test_squared_error_halves_sums_over_outputs_and_means_over_samples():
    Y = rng.normal(size=H.shape)
    E, delta = value_and_delta(cr.squared_error, H, Y)
    # E = (1/m) Σᵢ ½ Σₖ (ŷᵢₖ − yᵢₖ)²,   ∂E/∂ŷ = (ŷ − y)/m
    np.testing.assert_allclose(E, np.mean(0.5 * np.sum((H - Y) ** 2, axis=1)), rtol=1e-14)
    np.testing.assert_allclose(delta, (H - Y) / 8, rtol=1e-15)


def test_sample_weights_give_a_weighted_mean():
    y = np.array([0, 2, 1, 1, 0, 2, 2, 1])
    s = np.array([1.0, 0.0, 2.0, 1.0, 1.0, 3.0, 0.5, 0.5])
    E = cr.cross_entropy_with_logits(H, y, sample_weight=s).item()
    per_sample = -np.log(softmax(H)[np.arange(8), y])
    np.testing.assert_allclose(E, np.sum(s * per_sample) / np.sum(s), rtol=1e-14)
    with pytest.raises(ValueError, match=r"sample_weight\[1\] = -1.0.*finite and ≥ 0"):
        cr.cross_entropy_with_logits(H, y, sample_weight=np.where(s == 0, -1.0, s))
    with pytest.raises(ValueError, match="all zeros"):
        cr.cross_entropy_with_logits(H, y, sample_weight=np.zeros(8))
    with pytest.raises(ValueError, match=r"one number per sample, \(8,\)"):
        cr.cross_entropy_with_logits(H, y, sample_weight=s[:5])


def test_the_conventions_against_pytorch():
    """The docstring's comparisons: BCEWithLogits and MSELoss average over outputs too."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    Y01 = rng.integers(0, 2, size=H.shape).astype(float)
    y = np.array([0, 2, 1, 1, 0, 2, 2, 1])
    Yr = rng.normal(size=H.shape)
    h, k = torch.from_numpy(H), H.shape[1]
    # binary cross-entropy: torch's mean over every element is E / k
    E = cr.binary_cross_entropy_with_logits(H, Y01).item()
    assert F.binary_cross_entropy_with_logits(h, torch.from_numpy(Y01)).item() == pytest.approx(
        E / k, rel=1e-14
    )
    # cross-entropy: the same number
    E = cr.cross_entropy_with_logits(H, y).item()
    assert F.cross_entropy(h, torch.from_numpy(y)).item() == pytest.approx(E, rel=1e-14)
    # squared error: MSELoss neither halves nor sums over outputs, so it is 2E / k
    E = cr.squared_error(H, Yr).item()
    assert F.mse_loss(h, torch.from_numpy(Yr)).item() == pytest.approx(2 * E / k, rel=1e-14)


def test_the_conventions_against_scikit_learn_metrics():
    metrics = pytest.importorskip("sklearn.metrics")
    y01 = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    E = cr.binary_cross_entropy_with_logits(H[:, :1], y01).item()
    assert metrics.log_loss(y01, sigmoid(H[:, 0])) == pytest.approx(E, rel=1e-12)
    y = np.array([0, 2, 1, 1, 0, 2, 2, 1])
    E = cr.cross_entropy_with_logits(H, y).item()
    assert metrics.log_loss(y, softmax(H)) == pytest.approx(E, rel=1e-12)
    Yr = rng.normal(size=H.shape)
    E = cr.squared_error(H, Yr).item()
    assert metrics.mean_squared_error(Yr, H) == pytest.approx(2 * E / H.shape[1], rel=1e-14)


def test_loss_names_and_their_spellings():
    net = cr.MLP([2, 3], output="softmax", loss="categorical_crossentropy", seed=0)
    assert net.loss == "cross_entropy"
    assert cr.MLP([2, 1], output="sigmoid", loss="BCE", seed=0).loss == "binary_cross_entropy"
    assert cr.MLP([2, 1], output="identity", loss="mse", seed=0).loss == "squared_error"
    # the natural pairing by default
    assert cr.MLP([2, 1], output="identity", seed=0).loss == "squared_error"
    assert cr.MLP([2, 3], output="softmax", seed=0).loss == "cross_entropy"
    with pytest.raises(ValueError, match="unknown loss 'hinge'; choose one of binary_cross"):
        cr.MLP([2, 1], loss="hinge")


def test_targets_of_the_wrong_shape_are_refused():
    with pytest.raises(
        ValueError, match=r"targets of shape \(8, 2\) do not match outputs .*\(8, 3\)"
    ):
        cr.binary_cross_entropy_with_logits(H, np.zeros((8, 2)))
    with pytest.raises(ValueError, match="cross_entropy: 7 targets for 8 rows"):
        cr.cross_entropy_with_logits(H, np.zeros(7, dtype=int))


# -- stable at ±1e4 -----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_is_finite_and_exact_at_huge_logits(dtype):
    h = np.array([[1e4], [-1e4], [1e4], [-1e4], [0.0]], dtype=dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0], dtype=dtype)
    with strict():
        E, delta = value_and_delta(cr.binary_cross_entropy_with_logits, h, y)
    assert delta.dtype == dtype and np.isfinite(E) and np.isfinite(delta).all()
    # right and sure: 0; wrong and sure: |h| = 1e4 each (no log(0)); h = 0: log 2
    np.testing.assert_allclose(E, (2e4 + np.log(2)) / 5, rtol=1e-6)
    # ∂E/∂h = (ŷ − y)/m with ŷ exactly 0 or 1
    np.testing.assert_array_equal(delta[:4, 0], np.array([0, 0, 1, -1], dtype=dtype) / 5)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_finite_and_exact_at_huge_logits(dtype):
    h = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype=dtype)
    y = np.array([0, 1, 2])
    with strict():
        E, delta = value_and_delta(cr.cross_entropy_with_logits, h, y)
        E_hot, delta_hot = value_and_delta(cr.cross_entropy_with_logits, h, np.eye(3, dtype=dtype))
    assert delta.dtype == dtype and np.isfinite(delta).all()
    # sample 1: right, loss 0; sample 2: wrong by 2e4; sample 3: all equal, log 3
    np.testing.assert_allclose(E, (2e4 + np.log(3)) / 3, rtol=1e-6)
    assert E_hot == pytest.approx(E, rel=1e-6)
    np.testing.assert_array_equal(delta[:2], np.array([[0, 0, 0], [1, -1, 0]], dtype=dtype) / 3)
    np.testing.assert_allclose(delta[2], (np.full(3, 1 / 3) - [0, 0, 1]) / 3, rtol=1e-6)
    np.testing.assert_array_equal(delta_hot, delta)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "output,loss,n_out",
    [
        ("sigmoid", "binary_cross_entropy", 2),
        ("softmax", "cross_entropy", 3),
        ("sigmoid", "squared_error", 2),
        ("softmax", "squared_error", 3),
        ("tanh", "squared_error", 2),
    ],
)
def test_a_network_at_logits_of_1e4_has_finite_error_and_gradients(dtype, output, loss, n_out):
    net = cr.MLP([2, 3, n_out], hidden="tanh", output=output, loss=loss, seed=0, dtype=dtype)
    net.weights[1][:] = 0
    net.weights[1][-1] = 1e4 * (-1.0) ** np.arange(n_out)  # h^(L) = ±1e4 for every sample
    X = rng.normal(size=(4, 2))
    y = np.array([0, 1, 1, 0]) if loss == "cross_entropy" else np.eye(n_out)[[0, 1, 1, 0]]
    with strict():
        trace = net.forward(X, trace=True)
        E, grads = net.value_and_gradients(X, y)
    assert np.all(np.abs(trace.h[-1]) == 1e4)
    assert np.isfinite(E) and E > 0
    for g in grads:
        assert g.dtype == dtype and np.isfinite(g).all()


# -- ∂E/∂h at the output is (ŷ − y)/m -----------------------------------------------------------
def test_delta_at_the_output_is_yhat_minus_y_over_m_for_sigmoid_and_bce():
    # m = 8, a power of 2: dividing by m is exact, so the identity holds bit for bit
    net = cr.MLP([3, 4, 2], hidden="tanh", output="sigmoid", seed=1)
    X = rng.normal(size=(8, 3))
    y = rng.integers(0, 2, size=(8, 2)).astype(float)
    h = net.logits(X)
    h.retain_grad()
    cr.binary_cross_entropy_with_logits(h, y).backward()
    yhat = net.forward(X)
    np.testing.assert_array_equal(h.grad, (yhat - y) / 8)
    # the same through cr.grad, as a function of the logits alone
    delta = cr.grad(lambda hh: cr.binary_cross_entropy_with_logits(hh, y))(h.data)
    np.testing.assert_array_equal(delta, (yhat - y) / 8)


def test_delta_at_the_output_is_yhat_minus_y_over_m_for_softmax_and_cross_entropy():
    net = cr.MLP([3, 4, 3], hidden="relu", output="softmax", seed=2)
    X = rng.normal(size=(8, 3))
    y = np.array([0, 1, 2, 2, 1, 0, 0, 1])
    h = net.logits(X)
    h.retain_grad()
    cr.cross_entropy_with_logits(h, y).backward()
    yhat = net.forward(X)
    # softmax here is exp(h − logsumexp h), in forward e^z / Σe^z: equal to the last bits
    np.testing.assert_allclose(h.grad, (yhat - np.eye(3)[y]) / 8, rtol=1e-14, atol=1e-17)
    delta = cr.grad(lambda hh: cr.cross_entropy_with_logits(hh, y))(h.data)
    np.testing.assert_array_equal(delta, h.grad)


def test_the_last_layers_gradient_is_the_delta_times_its_inputs():
    # ∂E/∂W^(L) = [a^(L−1), 1]ᵀ δ with δ = (ŷ − y)/m: the bias row sums δ over the samples
    net = cr.MLP([3, 4, 1], hidden="sigmoid", output="sigmoid", seed=3)
    X = rng.normal(size=(8, 3))
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1.0])
    trace = net.forward(X, trace=True)
    delta = (trace.yhat - y[:, None]) / 8
    g = net.gradients(X, y)[-1]
    np.testing.assert_allclose(g[:-1], trace.a[0].T @ delta, rtol=1e-13)
    np.testing.assert_allclose(g[-1], delta.sum(axis=0), rtol=1e-13)


@pytest.mark.parametrize("dtype", DTYPES)
def test_losses_keep_the_dtype(dtype):
    h = cr.tensor(H.astype(dtype), requires_grad=True)
    for E in (
        cr.binary_cross_entropy_with_logits(h, (H > 0).astype(dtype)),
        cr.cross_entropy_with_logits(h, np.array([0, 2, 1, 1, 0, 2, 2, 1])),
        cr.squared_error(h, np.zeros_like(H, dtype=dtype)),
    ):
        assert E.dtype == dtype
        E.backward()
        assert h.grad.dtype == dtype
