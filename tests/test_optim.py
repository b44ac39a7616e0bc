"""Optimizers and learning-rate schedules: the published update rules, PyTorch, and the contract.

Every optimizer is run on the same fixed gradients three ways: chainrule, the update rule written
out below in plain NumPy (``ref_*``), and ``torch.optim`` in float64 where PyTorch is installed.
Schedules are compared epoch by epoch with ``torch.optim.lr_scheduler``.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import chainrule as cr
from chainrule.training import optim, schedules
from chainrule.training.optim import OptimizerError, OptimizerTypeError

SHAPES = [(4, 3), (3, 2), (5,)]
N_STEPS = 6


class Folded(cr.Tensor):
    """A Tensor that may carry ``folded_bias`` (a subclass without __slots__ has a __dict__)."""


def start(dtype=np.float64, seed=0):
    """Initial weights, one per shape."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def gradients(dtype=np.float64, seed=1, n_steps=N_STEPS):
    """grads[k][i]: parameter i's gradient at step k (parameter 2 has none at step 2)."""
    rng = np.random.default_rng(seed)
    grads = [[rng.standard_normal(s).astype(dtype) for s in SHAPES] for _ in range(n_steps)]
    grads[2][2] = None
    return grads


def make_params(W0, folded=()):
    params = [Folded(W, requires_grad=True) for W in W0]
    for i in folded:
        params[i].folded_bias = True
    return params


def run(opt, params, grads):
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = None if g is None else g.copy()
        opt.step()
    return [p.data for p in params]


# -- the update rules, written out as published --------------------------------------------------
def ref_sgd(W, grads, lr, momentum=0.0, nesterov=False, weight_decay=0.0, mask=1.0):
    b = np.zeros_like(W)
    for g in grads:
        if g is None:
            continue
        g = g + weight_decay * mask * W
        if momentum:
            b = momentum * b + g
            g = g + momentum * b if nesterov else b
        W = W - lr * g
    return W


def ref_adam(W, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False,
             mask=1.0):  # fmt: skip
    b1, b2 = betas
    m, v, k = np.zeros_like(W), np.zeros_like(W), 0
    for g in grads:
        if g is None:
            continue
        k += 1
        if decoupled:
            W = W - lr * weight_decay * mask * W
        else:
            g = g + weight_decay * mask * W
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**k), v / (1 - b2**k)
        W = W - lr * m_hat / (np.sqrt(v_hat) + eps)
    return W


def ref_rmsprop(W, grads, lr, alpha=0.99, eps=1e-8, momentum=0.0, weight_decay=0.0, mask=1.0):
    v, b = np.zeros_like(W), np.zeros_like(W)
    for g in grads:
        if g is None:
            continue
        g = g + weight_decay * mask * W
        v = alpha * v + (1 - alpha) * g**2
        if momentum:
            b = momentum * b + g / (np.sqrt(v) + eps)
            W = W - lr * b
        else:
            W = W - lr * g / (np.sqrt(v) + eps)
    return W


def ref_adamw(W, grads, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, mask=1.0):
    return ref_adam(W, grads, lr, betas, eps, weight_decay, decoupled=True, mask=mask)


CASES = [
    (optim.SGD, ref_sgd, {"lr": 0.1}),
    (optim.SGD, ref_sgd, {"lr": 0.05, "momentum": 0.9}),
    (optim.SGD, ref_sgd, {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1}),
    (optim.Adam, ref_adam, {"lr": 1e-2}),
    (optim.Adam, ref_adam, {"lr": 3e-2, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    (optim.AdamW, ref_adamw, {"lr": 1e-2}),
    (optim.AdamW, ref_adamw, {"lr": 2e-2, "betas": (0.5, 0.9), "weight_decay": 0.3}),
    (optim.RMSprop, ref_rmsprop, {"lr": 1e-2}),
    (optim.RMSprop, ref_rmsprop, {"lr": 1e-2, "alpha": 0.9, "momentum": 0.9, "weight_decay": 0.1}),
]
IDS = [f"{cls.__name__}-{kw}" for cls, _, kw in CASES]


@pytest.mark.parametrize(("cls", "ref", "kwargs"), CASES, ids=IDS)
def test_update_rule_as_published(cls, ref, kwargs):
    W0, grads = start(), gradients()
    params = make_params(W0)
    opt = cls(params, **kwargs)
    final = run(opt, params, grads)
    assert opt.steps == [N_STEPS, N_STEPS, N_STEPS - 1]  # parameter 2 had no gradient once
    for i, W in enumerate(final):
        expected = ref(W0[i], [step[i] for step in grads], **kwargs)
        np.testing.assert_allclose(W, expected, rtol=1e-12, atol=1e-14)


def test_hand_worked_first_steps():
    # SGD, momentum μ=0.9, η=0.1, constant g=2 from W=1:
    #   b1 = 2,            W1 = 1 − 0.1·2 = 0.8
    #   b2 = 0.9·2 + 2 = 3.8,  W2 = 0.8 − 0.1·3.8 = 0.42
    W = cr.tensor([1.0], requires_grad=True)
    opt = optim.SGD([W], lr=0.1, momentum=0.9)
    for expected in (0.8, 0.42):
        W.grad = np.array([2.0])
        opt.step()
        assert W.data[0] == pytest.approx(expected, abs=1e-15)
    # Nesterov: d = g + μ·b. Step 1: b = 2, d = 2 + 1.8 = 3.8, W = 1 − 0.38 = 0.62.
    #   Step 2: b = 3.8, d = 2 + 3.42 = 5.42, W = 0.62 − 0.542 = 0.078
    W = cr.tensor([1.0], requires_grad=True)
    opt = optim.SGD([W], lr=0.1, momentum=0.9, nesterov=True)
    for expected in (0.62, 0.078):
        W.grad = np.array([2.0])
        opt.step()
        assert W.data[0] == pytest.approx(expected, abs=1e-15)
    # Adam's first step is η·g/|g| (up to ε): m = 0.1·2 = 0.2, v = 0.001·4 = 0.004,
    #   m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4, W = 1 − 0.1·2/(2 + 1e-8) = 0.9 + 5e-10
    W = cr.tensor([1.0], requires_grad=True)
    opt = optim.Adam([W], lr=0.1)
    W.grad = np.array([2.0])
    opt.step()
    assert W.data[0] == pytest.approx(0.9 + 5e-10, abs=1e-15)


# -- PyTorch -------------------------------------------------------------------------------------
def torch_run(torch, torch_cls, kwargs, W0, grads, groups=None):
    params = [torch.tensor(W, requires_grad=True) for W in W0]
    opt = torch_cls(groups(params) if groups else params, **kwargs)
    for step_grads in grads:
        for p, g in zip(params, step_grads, strict=True):
            p.grad = None if g is None else torch.from_numpy(g.copy())
        opt.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize(("cls", "ref", "kwargs"), CASES, ids=IDS)
def test_matches_torch(cls, ref, kwargs):
    torch = pytest.importorskip("torch")
    W0, grads = start(), gradients()
    params = make_params(W0)
    ours = run(cls(params, **kwargs), params, grads)
    theirs = torch_run(torch, getattr(torch.optim, cls.__name__), kwargs, W0, grads)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


DECAY_CASES = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.5}),
    (optim.Adam, {"lr": 0.05, "weight_decay": 0.5}),
    (optim.AdamW, {"lr": 0.05, "weight_decay": 0.5}),
    (optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "weight_decay": 0.5}),
]


@pytest.mark.parametrize(("cls", "kwargs"), DECAY_CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_folded_bias_matches_torch_with_an_undecayed_bias_group(cls, kwargs):
    # PyTorch's way: the weight rows and the bias row as two tensors, the bias in a group with
    # weight_decay=0. chainrule's: one (n_in + 1, n_out) tensor with folded_bias=True.
    torch = pytest.importorskip("torch")
    W0, grads = start()[:2], [step[:2] for step in gradients()]
    params = make_params(W0, folded=(0, 1))
    ours = run(cls(params, **kwargs), params, grads)
    split_W0 = [part for W in W0 for part in (W[:-1], W[-1:])]
    split_grads = [[part for g in step for part in (g[:-1], g[-1:])] for step in grads]

    def groups(ps):
        return [{"params": ps[0::2]}, {"params": ps[1::2], "weight_decay": 0.0}]

    theirs = torch_run(torch, getattr(torch.optim, cls.__name__), kwargs, split_W0, split_grads,
                       groups)  # fmt: skip
    for i, W in enumerate(ours):
        np.testing.assert_allclose(W[:-1], theirs[2 * i], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(W[-1:], theirs[2 * i + 1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(("cls", "kwargs"), DECAY_CASES, ids=lambda x: getattr(x, "__name__", ""))
def test_weight_decay_never_touches_the_bias_row(cls, kwargs):
    W0, grads = start()[:2], [step[:2] for step in gradients()]
    decayed = make_params(W0, folded=(0, 1))
    run(cls(decayed, **kwargs), decayed, grads)
    plain = make_params(W0, folded=(0, 1))
    run(cls(plain, **{**kwargs, "weight_decay": 0.0}), plain, grads)
    for d, p in zip(decayed, plain, strict=True):
        np.testing.assert_array_equal(d.data[-1], p.data[-1])  # the bias row: as without decay
        assert not np.allclose(d.data[:-1], p.data[:-1])  # the weights: decayed
    # and the published rule with the decay masked off the last row agrees
    mask = np.ones((4, 1))
    mask[-1] = 0.0
    ref = {optim.SGD: ref_sgd, optim.Adam: ref_adam, optim.AdamW: ref_adamw}
    ref[optim.RMSprop] = ref_rmsprop
    expected = ref[cls](W0[0], [step[0] for step in grads], **kwargs, mask=mask)
    np.testing.assert_allclose(decayed[0].data, expected, rtol=1e-12, atol=1e-14)


# -- dtype, in place, None grads, zero_grad --------------------------------------------------------
@pytest.mark.parametrize(("cls", "ref", "kwargs"), CASES[::2], ids=IDS[::2])
def test_float32_kept_in_place(cls, ref, kwargs):
    W0, grads = start(np.float32), gradients(np.float32)
    params = make_params(W0)
    arrays = [p.data for p in params]
    opt = cls(params, **kwargs)
    run(opt, params, grads)
    for p, a in zip(params, arrays, strict=True):
        assert p.data is a  # updated in place: references held elsewhere stay valid
        assert p.data.dtype == np.float32
    assert all(arr.dtype == np.float32 for st in opt.state for arr in st.values())
    params64 = make_params(start())
    run(cls(params64, **kwargs), params64, gradients())
    for p32, p64 in zip(params, params64, strict=True):
        np.testing.assert_allclose(p32.data, p64.data, rtol=1e-4, atol=1e-5)


def test_none_grads_are_skipped_and_zero_grad_clears():
    W0 = start()
    params = make_params(W0)
    opt = optim.Adam(params, lr=0.1)
    params[0].grad = np.ones(SHAPES[0])
    opt.step()
    assert opt.steps == [1, 0, 0]
    np.testing.assert_array_equal(params[1].data, W0[1])
    assert not np.allclose(params[0].data, W0[0])
    opt.zero_grad()
    assert all(p.grad is None for p in params)
    before = [p.data.copy() for p in params]
    opt.step()  # nothing to do
    for p, b in zip(params, before, strict=True):
        np.testing.assert_array_equal(p.data, b)
    assert opt.steps == [1, 0, 0]


def test_trains_a_tiny_regression_through_the_engine():
    rng = np.random.default_rng(0)
    X = cr.tensor(rng.standard_normal((32, 3)))
    y = cr.tensor(X.data @ np.array([[1.0], [-2.0], [0.5]]))
    W = cr.tensor(np.zeros((3, 1)), requires_grad=True)
    opt = optim.get_optimizer("ADAM", [W], lr=0.1)
    for _ in range(300):
        opt.zero_grad()
        ((X @ W - y) ** 2).mean().backward()
        opt.step()
    np.testing.assert_allclose(W.data.ravel(), [1.0, -2.0, 0.5], atol=1e-3)


def test_wrong_gradient_shape_is_named():
    W = cr.tensor(np.zeros((3, 2)), requires_grad=True)
    W.grad = np.zeros((2, 3))
    with pytest.raises(OptimizerError, match=r"parameter 0 has shape \(3, 2\).*\(2, 3\)"):
        optim.SGD([W], lr=0.1).step()


# -- gradient clipping -----------------------------------------------------------------------------
def test_clip_grad_norm():
    a = cr.tensor(np.zeros(2), requires_grad=True)
    b = cr.tensor(np.zeros((1, 1)), requires_grad=True)
    c = cr.tensor(np.zeros(3), requires_grad=True)
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([[4.0]])  # c has no gradient
    # ‖g‖ = sqrt(9 + 16) = 5 > 1: each gradient × 1/(5 + 1e-6)
    total = optim.clip_grad_norm([a, b, c], max_norm=1.0)
    assert isinstance(total, float) and total == 5.0
    np.testing.assert_allclose(a.grad, [3 / (5 + 1e-6), 0.0], rtol=1e-15)
    np.testing.assert_allclose(b.grad, [[4 / (5 + 1e-6)]], rtol=1e-15)
    assert c.grad is None
    # just over the limit: × 4/(5 + 1e-6)
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([[4.0]])
    assert optim.clip_grad_norm([a, b], max_norm=4.0) == 5.0
    np.testing.assert_allclose(a.grad, [12 / (5 + 1e-6), 0.0], rtol=1e-15)
    # under the limit: untouched
    a.grad = np.array([0.3, 0.4])
    assert optim.clip_grad_norm(a, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(a.grad, [0.3, 0.4])
    assert optim.clip_grad_norm([c], 1.0) == 0.0
    # an infinite gradient is left alone (scaling cannot repair it), or raises on request
    a.grad = np.array([np.inf, 1.0])
    assert optim.clip_grad_norm([a], 1.0) == np.inf
    np.testing.assert_array_equal(a.grad, [np.inf, 1.0])
    with pytest.raises(OptimizerError, match="parameter 0's gradient holds inf or NaN"):
        optim.clip_grad_norm([a], 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_matches_torch():
    torch = pytest.importorskip("torch")
    grads = gradients()[0]
    ours = [cr.tensor(np.zeros(s), requires_grad=True) for s in SHAPES]
    theirs = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for o, t, g in zip(ours, theirs, [*grads[:2], grads[0][:1, 0].repeat(5)], strict=True):
        o.grad, t.grad = g.copy(), torch.from_numpy(g.copy())
    total = optim.clip_grad_norm(ours, 0.5)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 0.5)
    assert total == pytest.approx(float(expected), rel=1e-14)
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.grad, t.grad.numpy(), rtol=1e-14)


def test_clip_norm_argument_clips_before_the_step():
    W0, grads = start(), gradients()
    clipped = make_params(W0)
    run(optim.SGD(clipped, lr=0.1, momentum=0.9, clip_norm=0.5), clipped, grads)
    manual = make_params(W0)
    opt = optim.SGD(manual, lr=0.1, momentum=0.9)
    for step_grads in grads:
        for p, g in zip(manual, step_grads, strict=True):
            p.grad = None if g is None else g.copy()
        optim.clip_grad_norm(manual, 0.5)
        opt.step()
    for a, b in zip(clipped, manual, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


# -- saving and loading ----------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "ref", "kwargs"), CASES, ids=IDS)
def test_state_dict_round_trip_continues_identically(cls, ref, kwargs):
    W0, grads = start(), gradients()
    params = make_params(W0, folded=(0,))
    opt = cls(params, clip_norm=2.0, **kwargs)
    run(opt, params, grads[:3])
    buffer = io.BytesIO()
    np.savez(buffer, **opt.state_dict())  # numbers, strings and arrays: no pickle needed
    buffer.seek(0)
    saved = np.load(buffer, allow_pickle=False)
    resumed_params = make_params([p.data.copy() for p in params], folded=(0,))
    resumed = cls(resumed_params, lr=0.5)  # settings come back from the state
    resumed.load_state_dict(saved)
    assert resumed.hyperparameters() == opt.hyperparameters()
    run(opt, params, grads[3:])
    run(resumed, resumed_params, grads[3:])
    for a, b in zip(params, resumed_params, strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    assert resumed.steps == opt.steps


def test_state_dict_is_a_copy_and_checked_on_load():
    params = make_params(start())
    opt = optim.Adam(params, lr=0.1)
    run(opt, params, gradients()[:1])
    state = opt.state_dict()
    assert state["optimizer"] == "Adam" and state["lr"] == 0.1
    assert state["step"].tolist() == [1, 1, 1]
    snapshot = state["exp_avg.0"].copy()
    run(opt, params, gradients()[1:2])
    np.testing.assert_array_equal(state["exp_avg.0"], snapshot)
    with pytest.raises(OptimizerError, match=r"by Adam, not SGD; load it into Adam\(params\)"):
        optim.SGD(params, lr=0.1).load_state_dict(state)
    with pytest.raises(OptimizerError, match=r"'exp_avg.1' has shape \(2, 3\) but parameter 1"):
        optim.Adam(params).load_state_dict({**state, "exp_avg.1": np.zeros((2, 3))})
    with pytest.raises(OptimizerError, match=r"lacks exp_avg_sq\.2"):
        optim.Adam(params).load_state_dict({k: v for k, v in state.items() if k != "exp_avg_sq.2"})
    bad = optim.Adam(params, lr=0.3)
    with pytest.raises(OptimizerError, match=r"beta2=1\.5"):
        bad.load_state_dict({**state, "beta2": 1.5})
    assert bad.lr == 0.3 and bad.steps == [0, 0, 0]  # all or nothing


# -- arguments ---------------------------------------------------------------------------------
def _p():
    return [cr.tensor(np.zeros((2, 2)), requires_grad=True)]


BAD = [
    (lambda: optim.SGD(_p(), lr=0), OptimizerError, "lr=0 is out of range; lr must be a positive"),
    (lambda: optim.SGD(_p(), lr=float("nan")), OptimizerError, "lr=nan"),
    (lambda: optim.Adam(_p(), lr="fast"), OptimizerTypeError, "lr='fast' is a str"),
    (lambda: optim.SGD(_p(), momentum=-0.1), OptimizerError, "momentum=-0.1"),
    (lambda: optim.SGD(_p(), nesterov=True), OptimizerError, "nesterov=True needs momentum > 0"),
    (lambda: optim.Adam(_p(), betas=(0.9, 1.0)), OptimizerError, r"beta2=1.0 .* in \[0, 1\)"),
    (lambda: optim.Adam(_p(), betas=0.9), OptimizerTypeError, "betas=0.9 must be a pair"),
    (lambda: optim.AdamW(_p(), weight_decay=-1), OptimizerError, "weight_decay=-1"),
    (lambda: optim.RMSprop(_p(), alpha=1.0), OptimizerError, "alpha=1.0"),
    (lambda: optim.RMSprop(_p(), eps=-1e-8), OptimizerError, "eps=-1e-08"),
    (lambda: optim.Adam(_p(), clip_norm=0), OptimizerError, "clip_norm=0 .* or None"),
    (lambda: optim.Adam([]), OptimizerError, "parameter list is empty"),
    (lambda: optim.Adam(_p()[0]), OptimizerTypeError, r"single Tensor; pass a list .* \[W\]"),
    (lambda: optim.Adam([np.zeros(2)]), OptimizerTypeError, "parameter 0 is a ndarray"),
    (lambda: optim.Adam(_p() * 2), OptimizerError, "parameter 1 is the same Tensor as parameter 0"),
    (lambda: optim.clip_grad_norm(_p(), -1), OptimizerError, "max_norm=-1"),
    (lambda: optim.get_optimizer("adagrad", _p()), OptimizerError, "sgd, adam, adamw, rmsprop"),
    (lambda: optim.get_optimizer(3, _p()), OptimizerTypeError, "got int; use one of sgd"),
    (lambda: schedules.StepLR(_opt(), step_size=0), OptimizerError, "step_size=0"),
    (lambda: schedules.StepLR(_opt(), step_size=2.5), OptimizerTypeError, "step_size=2.5"),
    (lambda: schedules.ExponentialLR(_opt(), gamma=0), OptimizerError, "gamma=0"),
    (lambda: schedules.CosineAnnealingLR(_opt(), T_max=5, eta_min=-1), OptimizerError, "eta_min"),
    (lambda: schedules.ReduceLROnPlateau(_opt(), factor=1.0), OptimizerError, "factor=1.0"),
    (lambda: schedules.ReduceLROnPlateau(_opt(), mode="up"), OptimizerError, "mode='up'"),
    (lambda: schedules.ReduceLROnPlateau(_opt()).step(), OptimizerError, r"step\(val_loss\)"),
    (lambda: schedules.StepLR("sgd", 3), OptimizerTypeError, "got a str"),
    (lambda: schedules.get_schedule("linear", _opt()), OptimizerError, "step, exponential, cos"),
]


def _opt():
    return optim.SGD(_p(), lr=0.1)


@pytest.mark.parametrize(("make", "error", "message"), BAD, ids=[m for _, _, m in BAD])
def test_bad_arguments_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make()
    assert issubclass(error, cr.ChainruleError)
    assert issubclass(error, ValueError | TypeError)


def test_lr_is_settable_and_checked():
    opt = _opt()
    opt.lr = 0.0  # a schedule may anneal to 0
    assert opt.lr == 0.0
    with pytest.raises(OptimizerError, match=r"lr=-0\.1"):
        opt.lr = -0.1


def test_factories():
    params = _p()
    assert type(optim.get_optimizer(" AdamW ", params)) is optim.AdamW
    assert optim.get_optimizer("sgd", params, lr=0.3, momentum=0.9).momentum == 0.9
    assert type(optim.get_optimizer(optim.RMSprop, params)) is optim.RMSprop
    opt = optim.Adam(params)
    assert optim.get_optimizer(opt, params) is opt
    with pytest.raises(OptimizerError, match="other parameters"):
        optim.get_optimizer(opt, _p())
    with pytest.raises(OptimizerError, match=r"settings \['lr'\]"):
        optim.get_optimizer(opt, params, lr=0.1)

    class Model:
        def parameters(self):
            return params

    assert optim.Adam(Model()).params == params
    made = [
        schedules.get_schedule("step", opt, step_size=2),
        schedules.get_schedule("Exponential", opt, gamma=0.5),
        schedules.get_schedule("cosine", opt, T_max=3),
        schedules.get_schedule("PLATEAU", opt),
        schedules.get_schedule("CosineAnnealingLR", opt, T_max=3),
    ]
    assert [type(s).__name__ for s in made] == [
        "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau", "CosineAnnealingLR",
    ]  # fmt: skip
    s = schedules.ExponentialLR(opt, 0.5)
    assert schedules.get_schedule(s, opt) is s
    with pytest.raises(OptimizerError, match="another optimizer"):
        schedules.get_schedule(s, _opt())


# -- schedules -----------------------------------------------------------------------------------
SCHEDULE_CASES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 5}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("CosineAnnealingLR", {"T_max": 1}),
]
# a validation loss with plateaus, a small improvement (below the threshold) and a relapse
METRICS = [5, 4, 4, 4, 4, 3.9999, 4, 4, 3, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
PLATEAU_CASES = [
    ("ReduceLROnPlateau", {"patience": 2}),
    ("ReduceLROnPlateau", {"patience": 1, "factor": 0.5, "cooldown": 2, "min_lr": 0.02}),
    ("ReduceLROnPlateau", {"mode": "max", "patience": 0, "threshold": 0.1}),
    ("ReduceLROnPlateau", {"patience": 1, "threshold_mode": "abs", "threshold": 0.5}),
    ("ReduceLROnPlateau", {"patience": 2, "cooldown": 3, "factor": 0.5}),
]


def lr_sequence_ours(name, kwargs, metrics, set_lr_at=None):
    opt = optim.SGD(_p(), lr=0.1)
    schedule = getattr(schedules, name)(opt, **kwargs)
    lrs = []
    for epoch, metric in enumerate(metrics):
        if epoch == set_lr_at:
            opt.lr = 0.07  # a change by hand carries forward (chainable, as PyTorch's)
        schedule.step(metric)
        lrs.append(opt.lr)
    return lrs


def lr_sequence_torch(torch, name, kwargs, metrics, set_lr_at=None):
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=0.1)
    schedule = getattr(torch.optim.lr_scheduler, name)(opt, **kwargs)
    lrs = []
    for epoch, metric in enumerate(metrics):
        opt.step()  # (no gradient: nothing moves; PyTorch warns if a schedule steps first)
        if epoch == set_lr_at:
            opt.param_groups[0]["lr"] = 0.07
        if name == "ReduceLROnPlateau":
            schedule.step(metric)
        else:
            schedule.step()
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


@pytest.mark.parametrize(("name", "kwargs"), SCHEDULE_CASES + PLATEAU_CASES)
def test_schedule_matches_torch(name, kwargs):
    torch = pytest.importorskip("torch")
    for set_lr_at in (None, 4, 5):
        ours = lr_sequence_ours(name, kwargs, METRICS, set_lr_at)
        theirs = lr_sequence_torch(torch, name, kwargs, METRICS, set_lr_at)
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_schedules_closed_forms():
    n = 12
    lrs = lr_sequence_ours("StepLR", {"step_size": 3, "gamma": 0.5}, [None] * n)
    np.testing.assert_allclose(lrs, [0.1 * 0.5 ** (e // 3) for e in range(1, n + 1)], rtol=1e-14)
    lrs = lr_sequence_ours("ExponentialLR", {"gamma": 0.9}, [None] * n)
    np.testing.assert_allclose(lrs, [0.1 * 0.9**e for e in range(1, n + 1)], rtol=1e-13)
    # cosine: η_e = η_min + (η₀ − η_min)(1 + cos(π e / T))/2, down to η_min at e = T, then back up
    lrs = lr_sequence_ours("CosineAnnealingLR", {"T_max": 4, "eta_min": 0.02}, [None] * n)
    closed = [0.02 + 0.08 * (1 + np.cos(np.pi * e / 4)) / 2 for e in range(1, n + 1)]
    np.testing.assert_allclose(lrs, closed, rtol=1e-13)
    assert lrs[3] == pytest.approx(0.02) and lrs[7] == pytest.approx(0.1)
    # plateau, patience 2: the loss stops improving after epoch 2, so lr drops after epoch 5
    lrs = lr_sequence_ours("ReduceLROnPlateau", {"patience": 2}, [3, 2, 2, 2, 2, 2])
    np.testing.assert_allclose(lrs, [0.1, 0.1, 0.1, 0.1, 0.01, 0.01])


def test_schedule_state_dict_round_trip():
    opt = _opt()
    schedule = schedules.ReduceLROnPlateau(opt, patience=1, cooldown=1)
    for metric in METRICS[:7]:
        schedule.step(metric)
    state = schedule.state_dict()
    opt2 = optim.SGD(_p(), lr=0.1)
    opt2.load_state_dict(opt.state_dict())
    resumed = schedules.ReduceLROnPlateau(opt2, patience=1, cooldown=1)
    resumed.load_state_dict({k: np.asarray(v) for k, v in state.items()})
    for metric in METRICS[7:]:
        schedule.step(metric)
        resumed.step(metric)
        assert opt2.lr == opt.lr
    with pytest.raises(OptimizerError, match="saved by ReduceLROnPlateau, not StepLR"):
        schedules.StepLR(opt2, 2).load_state_dict(state)


# -- the description the compiled training step reads ----------------------------------------------
def test_the_exact_optimizer_classes_describe_their_update_for_the_compiled_step():
    from chainrule.engine.compiled import layout

    params = [cr.Parameter(np.ones((3, 2)), name="W1"), cr.Parameter(np.ones((2, 1)), "b", False)]
    cases = [
        (optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), "sgd"),
        (optim.Adam(params, lr=0.01, betas=(0.8, 0.99), eps=1e-7, clip_norm=2.0), "adam"),
        (optim.AdamW(params, lr=0.01), "adamw"),
        (optim.RMSprop(params, lr=0.01, alpha=0.9, momentum=0.5), "rmsprop"),
    ]
    for opt, name in cases:
        rule, hyper, S1, S2, steps = opt.compiled_update()
        assert rule == name and hyper.dtype == np.float64
        assert hyper[layout.LR] == opt.lr and hyper[layout.CLIP] == (opt.clip_norm or 0.0)
        assert list(hyper[layout.FOLDED :]) == [1.0, 0.0]  # W1's last row is a bias; b is not
        first = list(opt.state[0].values())
        assert S1[0] is first[0] and S2[0] is first[-1]  # the state itself, updated in place
        steps[0] += 1  # the kernel counts into the optimizer's own counts
        assert opt.steps == [1, 0]
    sgd, adam = cases[0][0], cases[1][0]
    assert sgd.compiled_update()[1][layout.MOMENTUM] == 0.9
    assert sgd.compiled_update()[1][layout.NESTEROV] == 1.0
    assert adam.compiled_update()[1][layout.BETA1] == 0.8
    adam.lr = 0.5  # a schedule's change is read at the next step
    assert adam.compiled_update()[1][layout.LR] == 0.5

    class Mine(optim.SGD):
        """A subclass may change the rule: it runs its own step(), not the kernel's."""

    assert Mine(params, lr=0.1).compiled_update() is None
