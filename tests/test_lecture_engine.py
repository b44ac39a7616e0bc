"""The lecture's network computed with the engine alone, the arithmetic worked by hand.

2 inputs, 2 sigmoid hidden units, 1 sigmoid output; each weight matrix has the bias as its last
row (the lecture's "W31, W32"), so h = x·W[:-1] + W[-1] is the lecture's x̃·W with x̃ = (x, 1).
"""

import numpy as np
import pytest

import chainrule as cr

x = np.array([[1.0, 2.0]])  # x1 = 1, x2 = 2
y = np.array([[1.0]])
W1 = np.array([[0.5, -0.5],  # W11, W12
               [0.25, 0.75],  # W21, W22
               [0.0, 0.5]])  # W31, W32: the biases  # fmt: skip
W2 = np.array([[1.0],  # W11^(2)
               [-1.0],  # W21^(2)
               [0.5]])  # W31^(2): the bias  # fmt: skip


def sigma(z):
    return 1 / (1 + np.exp(-z))


def forward(w1, w2):
    a1 = (x @ w1[:-1] + w1[-1]).sigmoid()  # σ(h1), σ(h2)
    h = a1 @ w2[:-1] + w2[-1]
    yhat = h.sigmoid()
    # cross-entropy E = −y ln ŷ − (1 − y) ln(1 − ŷ), with ln ŷ = log σ(h), ln(1 − ŷ) = log σ(−h)
    E = -(y * h.log_sigmoid() + (1 - y) * (-h).log_sigmoid()).mean()
    return E, yhat


def test_feedforward_error_and_the_chain_rule_for_w11():
    # h1 = 0.5·1 + 0.25·2 + 0.0 = 1.0          h2 = −0.5·1 + 0.75·2 + 0.5 = 1.5
    h1, h2 = 1.0, 1.5
    # h = W11^(2) σ(h1) + W21^(2) σ(h2) + W31^(2) = σ(1) − σ(1.5) + 0.5 ≈ 0.731059 − 0.817574 + 0.5
    h = sigma(h1) - sigma(h2) + 0.5
    assert h == pytest.approx(0.413484, abs=1e-6)
    yhat = sigma(h)  # ≈ 0.601923
    E = -np.log(yhat)  # y = 1, so E = −ln ŷ ≈ 0.507626
    assert (yhat, E) == (pytest.approx(0.601923, abs=1e-6), pytest.approx(0.507626, abs=1e-6))
    # ∂E/∂W11^(1) = ∂E/∂ŷ · ∂ŷ/∂h · ∂h/∂h1 · ∂h1/∂W11^(1)
    #            = (ŷ − y)  ·  W11^(2) σ(h1)(1 − σ(h1))  ·  x1       (the first two fold to ŷ − y)
    dE_dW11 = (yhat - 1.0) * 1.0 * sigma(h1) * (1 - sigma(h1)) * 1.0
    # = (0.601923 − 1) · 1 · 0.731059 · 0.268941 · 1 = −0.398077 · 0.196612 ≈ −0.078267
    assert dE_dW11 == pytest.approx(-0.078267, abs=1e-6)

    w1 = cr.tensor(W1, requires_grad=True)
    w2 = cr.tensor(W2, requires_grad=True)
    E_t, yhat_t = forward(w1, w2)
    assert yhat_t.item() == pytest.approx(yhat, rel=1e-15)
    assert E_t.item() == pytest.approx(E, rel=1e-15)
    E_t.backward()
    assert w1.grad[0, 0] == pytest.approx(dE_dW11, rel=1e-14)
    # and the bias row: ∂h1/∂W31^(1) = 1 instead of x1
    assert w1.grad[2, 0] == pytest.approx(dE_dW11, rel=1e-14)
    # the second layer: ∂E/∂W11^(2) = (ŷ − y) σ(h1)
    assert w2.grad[0, 0] == pytest.approx((yhat - 1) * sigma(h1), rel=1e-14)
    assert cr.gradcheck(lambda a, b: forward(a, b)[0], (W1, W2), rtol=1e-7, atol=1e-10).passed
