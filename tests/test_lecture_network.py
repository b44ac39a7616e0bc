"""The lecture's network, as a chainrule MLP, with the arithmetic worked by hand.

2 inputs, 2 sigmoid hidden units, 1 sigmoid output, binary cross-entropy. The weights are chosen so
that the numbers are easy to follow; the bias of each layer is its last row (the lecture's "W31,
W32"). Every expected value below is computed with the ``math`` module from the formulas in the
comments, never by the library.

    x = (x1, x2) = (1, 2),   y = 1

    W^(1) = | W11  W12 |   | 0.5   −0.5 |        W^(2) = | W11 |   |  1   |
            | W21  W22 | = | 0.25   0.75|                | W21 | = | −1   |
            | W31  W32 |   | 0.0    0.5 |                | W31 |   |  0.5 |
"""

import math

import numpy as np
import pytest

import chainrule as cr

X = [[1.0, 2.0]]  # x1 = 1, x2 = 2
Y = [1.0]
W1 = [[0.5, -0.5], [0.25, 0.75], [0.0, 0.5]]
W2 = [[1.0], [-1.0], [0.5]]


def sigma(z):
    return 1 / (1 + math.exp(-z))


def lecture_network():
    """The 2-2-1 network, its weights set one by one by their lecture names."""
    net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    for k, W in ((1, W1), (2, W2)):
        for i, row in enumerate(W, start=1):
            for j, w in enumerate(row, start=1):
                net.set_weight(f"W{k}[{i},{j}]", w)
    return net


# h1 = W11 x1 + W21 x2 + W31 = 0.5·1 + 0.25·2 + 0.0 = 1.0
# h2 = W12 x1 + W22 x2 + W32 = −0.5·1 + 0.75·2 + 0.5 = 1.5
h1, h2 = 0.5 * 1 + 0.25 * 2 + 0.0, -0.5 * 1 + 0.75 * 2 + 0.5
# σ(h1) = 1/(1 + e^−1) ≈ 0.731059        σ(h2) = 1/(1 + e^−1.5) ≈ 0.817574
# h = W11^(2) σ(h1) + W21^(2) σ(h2) + W31^(2) = 0.731059 − 0.817574 + 0.5 ≈ 0.413484
h = 1.0 * sigma(h1) - 1.0 * sigma(h2) + 0.5
# ŷ = σ(h) ≈ 0.601923
yhat = sigma(h)
# E = −y ln ŷ − (1 − y) ln(1 − ŷ) = −ln 0.601923 ≈ 0.507626      (y = 1)
E = -math.log(yhat)


def test_the_numbers_worked_by_hand():
    assert (h1, h2) == (1.0, 1.5)
    assert sigma(h1) == pytest.approx(0.731059, abs=1e-6)
    assert sigma(h2) == pytest.approx(0.817574, abs=1e-6)
    assert h == pytest.approx(0.413484, abs=1e-6)
    assert yhat == pytest.approx(0.601923, abs=1e-6)
    assert abs(E - 0.507626) < 1e-6


def test_the_weights_have_the_lecture_names():
    net = lecture_network()
    assert net.sizes == [2, 2, 1]
    np.testing.assert_array_equal(net.weights[0], W1)
    np.testing.assert_array_equal(net.weights[1], W2)
    assert net.weight("W1[1,1]") == 0.5  # W11^(1): input 1 → hidden unit 1
    assert net.weight("W11^(1)") == 0.5  # the same, as the lecture writes it
    assert net.weight("W1[1,2]") == -0.5  # W12^(1): input 1 → hidden unit 2
    assert net.weight("W1[3,2]") == 0.5  # W32^(1): the bias of hidden unit 2
    assert net.weight("W31^(2)") == 0.5  # the output's bias
    # the same network built from whole matrices
    layers = [cr.Dense(2, 2, "sigmoid", weights=W1), cr.Dense(2, 1, "sigmoid", weights=W2)]
    assert cr.Sequential(layers).forward(X)[0, 0] == net.forward(X)[0, 0]


def test_feedforward():
    trace = lecture_network().forward(X, trace=True)
    np.testing.assert_array_equal(trace.x, X)
    # layer 1: h1, h2 and their sigmoids
    assert trace.h[0][0].tolist() == pytest.approx([h1, h2], rel=1e-15)
    assert trace.a[0][0].tolist() == pytest.approx([sigma(h1), sigma(h2)], rel=1e-15)
    # layer 2: h and ŷ = σ(h)
    assert trace.h[1][0, 0] == pytest.approx(h, rel=1e-15)
    assert trace.yhat[0, 0] == pytest.approx(yhat, rel=1e-15)
    assert lecture_network().predict_proba(X)[0, 0] == trace.yhat[0, 0]
    assert lecture_network().predict(X).tolist() == [1]  # ŷ ≥ 0.5


def test_the_error():
    assert lecture_network().error(X, Y) == pytest.approx(E, rel=1e-15)


def test_the_chain_rule_for_w11():
    # ∂E/∂W11^(1) = ∂E/∂ŷ · ∂ŷ/∂h · ∂h/∂h1 · ∂h1/∂W11^(1)
    #             = (ŷ − y) · W11^(2) σ(h1)(1 − σ(h1)) · x1     (the first two fold to ŷ − y)
    #             = (0.601923 − 1) · 1 · 0.731059 · 0.268941 · 1
    #             = −0.398077 · 0.196612 ≈ −0.078267
    dE_dW11 = (yhat - 1) * 1.0 * sigma(h1) * (1 - sigma(h1)) * 1.0
    assert dE_dW11 == pytest.approx(-0.078267, abs=1e-6)

    net = lecture_network()
    gW1, gW2 = net.gradients(X, Y)
    assert gW1[0, 0] == pytest.approx(dE_dW11, rel=1e-14)
    # ∂E/∂W21^(1): the same chain, but h1 meets x2 = 2 instead of x1 = 1 ≈ −0.156533
    assert gW1[1, 0] == pytest.approx((yhat - 1) * sigma(h1) * (1 - sigma(h1)) * 2, rel=1e-14)
    # ∂E/∂W31^(1): the bias meets the constant 1, so it equals ∂E/∂W11^(1) here
    assert gW1[2, 0] == pytest.approx(dE_dW11, rel=1e-14)
    # ∂E/∂W12^(1) = (ŷ − y) · W21^(2) σ(h2)(1 − σ(h2)) · x1 = −0.398077 · −1 · 0.149146 ≈ 0.059372
    assert gW1[0, 1] == pytest.approx((yhat - 1) * -1.0 * sigma(h2) * (1 - sigma(h2)), rel=1e-14)
    # the second layer: ∂E/∂W^(2) = (ŷ − y) · (σ(h1), σ(h2), 1) ≈ (−0.291018, −0.325458, −0.398077)
    assert gW2[:, 0].tolist() == pytest.approx(
        [(yhat - 1) * sigma(h1), (yhat - 1) * sigma(h2), yhat - 1], rel=1e-14
    )
    # and the whole gradient against finite differences
    cr.gradcheck(net.error_function(X, Y), net.weights, rtol=1e-7, atol=1e-10)


def test_one_step_of_gradient_descent_lowers_the_error():
    # W ← W − lr ∂E/∂W; W11^(1) moves by −lr · (−0.078267)
    net = lecture_network()
    E_before = net.step(X, Y, lr=0.5)
    assert E_before == pytest.approx(E, rel=1e-15)
    dE_dW11 = (yhat - 1) * 1.0 * sigma(h1) * (1 - sigma(h1)) * 1.0
    assert net.weight("W1[1,1]") == pytest.approx(0.5 - 0.5 * dE_dW11, rel=1e-15)
    assert net.error(X, Y) < E
