"""``net.gradients()`` against three independent answers, for every activation and loss.

For random networks of depth 1 to 5, every hidden activation and every (output, loss) pair, the
engine's ∇E (from the reverse pass, through ``net.gradients``) must agree with

1. central finite differences (``cr.gradcheck`` of ``net.error_function``),
2. HIPS autograd differentiating the MLP written again below with ``autograd.numpy``,
3. PyTorch in float64 differentiating it written a third time with torch ops (skipped cleanly
   where torch is not installed),

the two autodiffs to 1e-8 relative. The reference MLPs are independent code: they never call
chainrule, and they compute E the naive way (probabilities, then logs), which is accurate for the
moderate weights used here.

With ReLU a pre-activation exactly at the kink 0 would make finite differences disagree with the
documented subgradient 0; zero biases put pre-activations there easily, so every bias row is
randomised.
"""

import zlib

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

import chainrule as cr
from chainrule.engine.ops.affine import Affine
from network_cases import HIDDEN, OUTPUT_LOSS, random_targets

RTOL = 1e-8  # autograd and PyTorch: exact up to rounding
ATOL = 1e-13


def random_problem(depth, hidden, output, loss, n_out, kind, seed):
    """A random network of ``depth`` layers (random biases) and a matching random (X, y)."""
    rng = np.random.default_rng(seed)
    sizes = [3] + [int(n) for n in rng.integers(2, 5, size=depth - 1)] + [n_out]
    net = cr.MLP(sizes, hidden=hidden, output=output, loss=loss, seed=rng)
    for W in net.weights:
        W[-1] = rng.normal(0.0, 0.5, size=W.shape[1])
    m = 6
    X = rng.normal(size=(m, sizes[0]))
    y = random_targets(rng, kind, m, n_out)
    return net, X, y


# -- the reference MLPs -------------------------------------------------------------------------
def autograd_error(weights, X, y, activations, loss, sample_weight=None):
    """E of the MLP, written with autograd.numpy."""
    f = {
        "sigmoid": lambda h: 1.0 / (1.0 + anp.exp(-h)),
        "tanh": anp.tanh,
        "relu": lambda h: anp.where(h > 0, h, 0.0),
        "leaky_relu": lambda h: anp.where(h > 0, h, 0.01 * h),
        "identity": lambda h: h,
        "softmax": lambda h: anp.exp(h) / anp.sum(anp.exp(h), axis=1, keepdims=True),
    }
    a = X
    for W, act in zip(weights, activations, strict=True):
        a = f[act](anp.dot(a, W[:-1]) + W[-1])
    m = X.shape[0]
    s = np.ones(m) if sample_weight is None else np.asarray(sample_weight, float)
    if loss == "binary_cross_entropy":
        per_sample = -anp.sum(y * anp.log(a) + (1 - y) * anp.log(1 - a), axis=1)
    elif loss == "cross_entropy":
        Y = np.eye(a.shape[1])[y] if y.ndim == 1 else y
        per_sample = -anp.sum(Y * anp.log(a), axis=1)
    else:
        per_sample = 0.5 * anp.sum((a - y) ** 2, axis=1)
    return anp.sum(s * per_sample) / np.sum(s)


def torch_error(torch, weights, X, y, activations, loss):
    """E of the MLP, written with torch ops; the loss from torch's own loss functions."""
    F = torch.nn.functional
    f = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leaky_relu": lambda h: F.leaky_relu(h, 0.01),
        "identity": lambda h: h,
        "softmax": lambda h: torch.softmax(h, dim=1),
    }
    a = torch.from_numpy(X)
    for k, (W, act) in enumerate(zip(weights, activations, strict=True)):
        h = a @ W[:-1] + W[-1]
        if k == len(weights) - 1 and loss != "squared_error":
            break
        a = f[act](h)
    m = X.shape[0]
    if loss == "binary_cross_entropy":
        return F.binary_cross_entropy_with_logits(h, torch.from_numpy(y), reduction="sum") / m
    if loss == "cross_entropy":
        return F.cross_entropy(h, torch.from_numpy(y))  # indices or probabilities; mean over m
    return 0.5 * F.mse_loss(a, torch.from_numpy(y.reshape(a.shape)), reduction="sum") / m


# -- the checks ---------------------------------------------------------------------------------
def check_finite_differences(net, X, y):
    """gradients() is the engine's reverse pass, and that agrees with central differences.

    Finite differences cost two forward passes per weight, so each matrix is checked on a seeded
    random subset of 12 entries; autograd and PyTorch check every entry.
    """
    grads = net.gradients(X, y)
    weights = [W.copy() for W in net.weights]
    f = net.error_function(X, y)
    cr.gradcheck(f, weights, eps=1e-6, rtol=1e-5, atol=1e-8, max_elements=12)
    for g, g_f in zip(grads, cr.grad(f, argnums=tuple(range(len(weights))))(*weights), strict=True):
        np.testing.assert_array_equal(g, g_f)


def check_autograd(net, X, y):
    E, grads = net.value_and_gradients(X, y)
    args = (X, y, net.activations, net.loss)
    np.testing.assert_allclose(E, autograd_error(net.weights, *args), rtol=RTOL, atol=ATOL)
    expected = autograd.grad(autograd_error)([W.copy() for W in net.weights], *args)
    for k, (g, e) in enumerate(zip(grads, expected, strict=True)):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL, err_msg=f"autograd, ∂E/∂W{k + 1}")


def check_torch(torch, net, X, y):
    E, grads = net.value_and_gradients(X, y)
    ts = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in net.weights]
    E_t = torch_error(torch, ts, X, y, net.activations, net.loss)
    E_t.backward()
    np.testing.assert_allclose(E, E_t.item(), rtol=RTOL, atol=ATOL)
    for k, (g, t) in enumerate(zip(grads, ts, strict=True)):
        np.testing.assert_allclose(
            g, t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"torch, ∂E/∂W{k + 1}"
        )


def optional_torch():
    try:
        import torch
    except ImportError:  # PyTorch is an optional oracle
        return None
    return torch


@pytest.mark.parametrize("output,loss,n_out,kind", OUTPUT_LOSS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradients_agree_with_finite_differences_autograd_and_torch(
    hidden, output, loss, n_out, kind
):
    torch = optional_torch()
    for depth in range(1, 6):
        seed = zlib.crc32(repr((hidden, output, loss, n_out, kind, depth)).encode())
        net, X, y = random_problem(depth, hidden, output, loss, n_out, kind, seed)
        assert len(net.layers) == depth and net.activations[:-1] == [hidden] * (depth - 1)
        check_finite_differences(net, X, y)
        check_autograd(net, X, y)
        if torch is not None:
            check_torch(torch, net, X, y)


def test_the_torch_oracle_runs_where_installed():
    torch = pytest.importorskip("torch")
    net, X, y = random_problem(3, "relu", "softmax", "cross_entropy", 3, "indices", seed=1)
    check_torch(torch, net, X, y)


def test_weighted_error_and_gradients_agree_with_autograd():
    net, X, y = random_problem(3, "tanh", "softmax", "cross_entropy", 3, "indices", seed=3)
    s = np.array([1.0, 0.0, 2.0, 0.5, 3.0, 1.0])
    E, grads = net.value_and_gradients(X, y, sample_weight=s)
    args = (X, y, net.activations, net.loss, s)
    np.testing.assert_allclose(E, autograd_error(net.weights, *args), rtol=RTOL)
    for g, e in zip(grads, autograd.grad(autograd_error)(net.weights, *args), strict=True):
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=ATOL)


def test_each_oracle_catches_a_planted_wrong_rule(monkeypatch):
    """Negative control: a dense layer whose bias gradient is off by 1e-4 fails every check."""
    net, X, y = random_problem(3, "tanh", "sigmoid", "binary_cross_entropy", 1, "binary", seed=2)
    right_backward = Affine.backward

    def wrong_backward(ctx, g):
        gx, gW = right_backward(ctx, g)
        if gW is not None:
            gW[-1] *= 1 + 1e-4
        return gx, gW

    monkeypatch.setattr(Affine, "backward", staticmethod(wrong_backward))
    with pytest.raises(cr.GradcheckError):
        check_finite_differences(net, X, y)
    with pytest.raises(AssertionError, match="autograd"):
        check_autograd(net, X, y)
    torch = optional_torch()
    if torch is not None:
        with pytest.raises(AssertionError, match="torch"):
            check_torch(torch, net, X, y)


@pytest.mark.parametrize("depth", [1, 3])
def test_float32_gradients_are_close_to_float64(depth):
    net, X, y = random_problem(depth, "tanh", "softmax", "cross_entropy", 3, "indices", seed=7)
    net32 = cr.from_config({**net.get_config(), "dtype": "float32"}, net.weights)
    g64, g32 = net.gradients(X, y), net32.gradients(X, y)
    for a, b in zip(g64, g32, strict=True):
        assert b.dtype == np.float32
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)
