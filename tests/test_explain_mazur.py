"""Golden test: Matt Mazur's "A Step by Step Backpropagation Example", factor by factor.

His network is 2-2-2, sigmoid everywhere, squared error E = Σ ½(target − out)² over the outputs
of one sample: exactly chainrule's ``squared_error`` for m = 1. His weights, in this library's
layout (W^(k) has one row per input and the bias as the last row, one column per unit)::

    w1 = 0.15  i1 → h1      w2 = 0.20  i2 → h1      w3 = 0.25  i1 → h2     w4 = 0.30  i2 → h2
    b1 = 0.35  (both hidden units)
    w5 = 0.40  h1 → o1      w6 = 0.45  h2 → o1      w7 = 0.50  h1 → o2     w8 = 0.55  h2 → o2
    b2 = 0.60  (both outputs)

so his w5 (from hidden h1 to output o1) is W2[1,1] here, and his w1 is W1[1,1].
"""

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain import explain

W1 = np.array([[0.15, 0.25],  # w1 (i1 → h1), w3 (i1 → h2)
               [0.20, 0.30],  # w2 (i2 → h1), w4 (i2 → h2)
               [0.35, 0.35]])  # b1  # fmt: skip
W2 = np.array([[0.40, 0.50],  # w5 (h1 → o1), w7 (h1 → o2)
               [0.45, 0.55],  # w6 (h2 → o1), w8 (h2 → o2)
               [0.60, 0.60]])  # b2  # fmt: skip
X = np.array([[0.05, 0.10]])  # i1, i2
Y = np.array([[0.01, 0.99]])  # target o1, target o2


def mazur_network():
    return cr.Sequential(
        [cr.Dense(2, 2, "sigmoid", weights=W1), cr.Dense(2, 2, "sigmoid", weights=W2)],
        loss="squared_error",
    )


def test_w5_factor_by_factor():
    ex = explain(mazur_network(), X, Y, weight="W2[1,1]", sample=0)
    # E_total = E_o1 + E_o2 = 0.274811083 + 0.023560026 = 0.298371109
    assert ex.error == pytest.approx(0.298371109, abs=1e-9)
    # ∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5
    assert [f.symbol for f in ex.factors] == ["∂E/∂ŷ₁", "∂ŷ₁/∂h₁⁽²⁾", "∂h₁⁽²⁾/∂W₁₁⁽²⁾"]
    dE_dout, dout_dnet, dnet_dw5 = (f.value for f in ex.factors)
    assert dE_dout == pytest.approx(0.74136507, abs=1e-8)  # −(target − out) = out − target
    assert dout_dnet == pytest.approx(0.186815602, abs=1e-8)  # out(1 − out)
    assert dnet_dw5 == pytest.approx(0.593269992, abs=1e-8)  # out_h1
    assert ex.value == pytest.approx(0.082167041, abs=1e-8)
    assert ex.factors[-1].running == ex.value
    # proven against the engine and finite differences; the step is his w5⁺ = 0.35891648 (η = 0.5)
    assert ex.proof.agree
    assert explain(mazur_network(), X, Y, weight="W2[1,1]", lr=0.5).step.new_weight == (
        pytest.approx(0.35891648, abs=1e-8)
    )


def test_w1_sums_the_two_paths_through_both_outputs():
    ex = explain(mazur_network(), X, Y, weight="W1[1,1]")
    # ∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1 = 0.055399425 + −0.019049119 = 0.036350306
    assert ex.n_paths == 2
    through_o1, through_o2 = ex.paths
    out_h1 = 0.593269992
    dnet_h1 = out_h1 * (1 - out_h1)  # 0.241300709
    i1 = 0.05
    assert through_o1.product == pytest.approx(0.055399425 * dnet_h1 * i1, abs=1e-9)
    assert through_o2.product == pytest.approx(-0.019049119 * dnet_h1 * i1, abs=1e-9)
    # ∂E_total/∂w1 = 0.036350306 · 0.241300709 · 0.05 = 0.000438568
    assert ex.value == pytest.approx(0.000438568, abs=1e-9)
    assert ex.proof.agree
