"""The explainer: the lecture's chain rule for any weight, its numbers, and its proof.

The factors come from the forward trace; the proof compares their product with the engine's
gradient and a float64 central difference. These tests check the numbers (the lecture's network
worked by hand, every activation and loss, depths 1 to 5, batches), that the user's network is
never touched, the diagnostics, every rendering, and the errors for bad input.
"""

import json
import math
import re
import zlib
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.explain import FORMATS, SCHEMA_VERSION, explain, lecture_example, render
from chainrule.explain.render_text import plain

# -- the lecture's network, by hand ---------------------------------------------------------------


def sigma(z):
    return 1 / (1 + math.exp(-z))


def test_lecture_example_reads_like_the_lecture():
    net, X, y = lecture_example()
    ex = explain(net, X, y, weight="W1[1,1]", sample=0)
    # h1 = 0.5·1 + 0.25·2 + 0 = 1.0,  h2 = −0.5·1 + 0.75·2 + 0.5 = 1.5
    # h = W11^(2) σ(h1) + W21^(2) σ(h2) + W31^(2) = σ(1) − σ(1.5) + 0.5 ≈ 0.413484
    h1, h = 1.0, sigma(1.0) - sigma(1.5) + 0.5
    yhat = sigma(h)  # ≈ 0.601923;  E = −ln ŷ ≈ 0.507626 (y = 1)
    assert ex.error == pytest.approx(-math.log(yhat), rel=1e-14)
    # ∂E/∂W11^(1) = ∂E/∂ŷ · ∂ŷ/∂h · ∂h/∂h1 · ∂h1/∂W11^(1), the first two folded into ŷ − y
    assert [f.symbol for f in ex.factors] == ["∂E/∂ŷ · ∂ŷ/∂h", "∂h/∂h₁", "∂h₁/∂W₁₁⁽¹⁾"]
    assert [f.formula for f in ex.factors] == ["ŷ − y", "W₁₁⁽²⁾ σ(h₁)(1 − σ(h₁))", "x₁"]
    expected = [yhat - 1.0, 1.0 * sigma(h1) * (1 - sigma(h1)), 1.0]
    assert [f.value for f in ex.factors] == pytest.approx(expected, rel=1e-14)
    # the running product, and the lecture's value −0.398077 · 0.196612 · 1 ≈ −0.078267
    assert [f.running for f in ex.factors] == pytest.approx(np.cumprod(expected), rel=1e-14)
    assert ex.value == pytest.approx(-0.078267, abs=1e-6)
    # the fold, with both of its factors shown: (ŷ − y)/(ŷ(1 − ŷ)) · ŷ(1 − ŷ) = ŷ − y
    dE_dyhat, dyhat_dh = ex.factors[0].parts
    assert (dE_dyhat.symbol, dE_dyhat.formula) == ("∂E/∂ŷ", "(ŷ − y)/(ŷ(1 − ŷ))")
    assert (dyhat_dh.symbol, dyhat_dh.formula) == ("∂ŷ/∂h", "σ(h)(1 − σ(h))")
    assert dE_dyhat.value * dyhat_dh.value == pytest.approx(yhat - 1, rel=1e-14)
    assert ex.factors[1].numbers == "1 · 0.73105858 · (1 − 0.73105858)"
    # proven: the engine and the finite difference agree
    assert ex.proof.agree
    assert ex.proof.engine == pytest.approx(ex.value, rel=1e-14)
    assert ex.proof.numeric == pytest.approx(ex.value, rel=1e-9)
    assert ex.n_paths == 1 and len(ex.paths) == 1


def test_lecture_bias_and_second_layer_weights():
    net, X, y = lecture_example()
    yhat = net.forward(X)[0, 0]
    bias = explain(net, X, y, weight="W1[3,1]")  # the lecture's W31: meets the constant 1
    assert bias.weight.is_bias and bias.factors[-1].value == 1.0
    second = explain(net, X, y, weight="W11^(2)")  # the lecture's spelling
    assert second.weight.name == "W2[1,1]"
    assert second.factors[-1].formula == "σ(h₁)"
    assert second.value == pytest.approx((yhat - 1) * sigma(1.0), rel=1e-14)


# -- every activation, every loss, depths 1 to 5: product = engine = finite difference ------------

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity", "softmax"]
OUTPUTS = [
    ("sigmoid", "binary_cross_entropy"),
    ("softmax", "cross_entropy"),
    ("sigmoid", "squared_error"),
    ("identity", "squared_error"),
    ("tanh", "squared_error"),
    ("relu", "squared_error"),
    ("leaky_relu", "squared_error"),
    ("softmax", "squared_error"),
]


def _random_problem(sizes, hidden, output, loss, rng, m=3):
    net = cr.MLP(sizes, hidden=hidden, output=output, loss=loss, seed=int(rng.integers(2**31)))
    for W in net.weights:
        W[:-1] *= 1.5
        W[-1] = rng.normal(0, 0.5, W.shape[1])  # random bias rows
    X = rng.normal(size=(m, sizes[0]))
    if loss == "cross_entropy":
        y = rng.integers(0, sizes[-1], size=m)
    elif loss == "binary_cross_entropy":
        y = rng.integers(0, 2, size=(m, sizes[-1])).astype(float)
    else:
        y = rng.normal(size=(m, sizes[-1]))
    return net, X, y


def _usable(net, X, y):
    """Away from relu kinks (a finite difference across one measures the kink), and with a
    gradient in every layer for the first sample and the batch (a relu output can be dead)."""
    trace = net.forward(X, trace=True)
    for h, act in zip(trace.h, net.activations, strict=True):
        if act in ("relu", "leaky_relu") and np.abs(h).min() < 1e-3:
            return False
    grads = net.gradients(X[:1], y[:1]) + net.gradients(X, y)
    return all(np.abs(g).max() > 1e-4 for g in grads)


def _rel(a, b):
    scale = max(abs(a), abs(b))
    return abs(a - b) / scale if scale else 0.0


@pytest.mark.parametrize(("output", "loss"), OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_factors_engine_and_finite_differences_agree(hidden, output, loss):
    rng = np.random.default_rng(zlib.crc32(f"{hidden}/{output}/{loss}".encode()))
    for depth in range(1, 6):
        if depth == 1 and hidden != "sigmoid":
            continue  # no hidden layer: the same network for every hidden activation
        sizes = [3] + [3] * (depth - 1) + [2]
        while True:
            net, X, y = _random_problem(sizes, hidden, output, loss, rng)
            if _usable(net, X, y):
                break
        before = [W.copy() for W in net.weights]
        for sample in (0, None):
            grads = net.gradients(X[:1], y[:1]) if sample == 0 else net.gradients(X, y)
            for k in range(1, depth + 1):
                # the weight of layer k with the largest gradient: a tiny one would only measure
                # the finite difference's rounding (≈1e-12 absolute)
                r, c = np.unravel_index(np.abs(grads[k - 1]).argmax(), grads[k - 1].shape)
                ex = explain(net, X, y, weight=f"W{k}[{r + 1},{c + 1}]", sample=sample)
                p = ex.proof
                where = f"{hidden}/{output}/{loss} depth {depth} {ex.weight.name} sample={sample}"
                assert abs(p.engine) > 1e-5, where
                assert _rel(p.product, p.engine) <= 1e-7, where
                assert _rel(p.numeric, p.engine) <= 1e-7, where
                assert p.agree, where
                if ex.paths:  # the paths' products sum to the same value
                    assert _rel(sum(q.product for q in ex.paths), ex.value) <= 1e-12, where
                if sample == 0 and ex.n_paths > 1:  # and so does the δ recursion
                    delta = ex.deltas[-1].values[c]
                    assert ex.factors[0].value == pytest.approx(delta, rel=1e-12), where
        assert all(np.array_equal(a, b) for a, b in zip(before, net.weights, strict=True))


def test_softmax_couples_the_outputs_and_cross_entropy_folds_it():
    rng = np.random.default_rng(3)
    net, X, y = _random_problem([2, 3], "sigmoid", "softmax", "cross_entropy", rng)
    ex = explain(net, X, y, weight="W1[1,2]", sample=1)
    combined = ex.factors[0]
    assert combined.symbol == "∂E/∂h₂" and combined.formula == "ŷ₂ − y₂"
    dE_dyhat, diagonal, cross = combined.parts
    yhat = net.forward(X[1:2])[0]
    onehot = np.eye(3)[y[1]]
    assert combined.value == pytest.approx(yhat[1] - onehot[1], rel=1e-14)
    # Σ_k ∂E/∂ŷ_k ∂ŷ_k/∂h_2 = the diagonal term + the cross terms = ŷ₂ − y₂
    assert diagonal.value * dE_dyhat.value + cross.value == pytest.approx(combined.value)
    assert cross.symbol.startswith("Σ")


def test_squared_error_keeps_two_factors_with_the_half_convention():
    net = cr.MLP([2, 1], output="identity", loss="squared_error", seed=0)
    X, y = np.array([[0.5, -1.0]]), np.array([[2.0]])
    ex = explain(net, X, y, weight="W1[2,1]")
    yhat = net.forward(X)[0, 0]
    assert [f.symbol for f in ex.factors] == ["∂E/∂ŷ", "∂ŷ/∂h", "∂h/∂W₂₁⁽¹⁾"]
    assert ex.factors[0].value == pytest.approx(yhat - 2.0)  # ½(ŷ − y)² → ŷ − y
    assert ex.factors[1].formula == "1"
    assert ex.value == pytest.approx((yhat - 2.0) * -1.0)


@pytest.mark.parametrize(
    ("hidden", "formula"),
    [
        ("tanh", "W₁₁⁽²⁾ (1 − tanh²(h₁))"),
        ("relu", "W₁₁⁽²⁾ (1 if h₁ > 0, else 0)"),
        ("leaky_relu", "W₁₁⁽²⁾ (1 if h₁ > 0, else 0.01)"),
        ("identity", "W₁₁⁽²⁾"),
        ("sigmoid", "W₁₁⁽²⁾ σ(h₁)(1 − σ(h₁))"),
    ],
)
def test_hidden_activation_derivative_forms(hidden, formula):
    net, X, y = lecture_example()
    net2 = cr.MLP([2, 2, 1], hidden=hidden, seed=0)
    for W, W0 in zip(net2.weights, net.weights, strict=True):
        W[...] = W0
    ex = explain(net2, X, y, weight="W1[1,1]")
    assert ex.factors[1].formula.replace("W₁₁⁽²⁾(", "W₁₁⁽²⁾ (") == formula
    assert ex.proof.agree


def test_batch_is_the_mean_of_each_samples_chain():
    rng = np.random.default_rng(5)
    net, X, y = _random_problem([2, 2, 1], "sigmoid", "sigmoid", "binary_cross_entropy", rng, m=6)
    ex = explain(net, X, y, weight="W1[2,1]", sample=None)
    assert ex.mode == "batch" and ex.factors == () and len(ex.samples) == 6
    singles = [explain(net, X, y, weight="W1[2,1]", sample=n).value for n in range(6)]
    assert [t.product for t in ex.samples] == pytest.approx(singles, rel=1e-14)
    assert ex.value == pytest.approx(np.mean(singles), rel=1e-13)
    assert ex.proof.agree
    # with sample weights, the weighted mean
    s = np.array([1.0, 2.0, 0.0, 1.0, 3.0, 1.0])
    weighted = explain(net, X, y, weight="W1[2,1]", sample="all", sample_weight=s)
    assert [t.weight for t in weighted.samples] == pytest.approx(s / s.sum())
    assert weighted.value == pytest.approx(np.dot(s / s.sum(), singles), rel=1e-13)
    assert weighted.proof.agree


def test_past_the_path_bound_the_delta_recursion_is_shown():
    rng = np.random.default_rng(6)
    net, X, y = _random_problem([2, 4, 4, 1], "tanh", "sigmoid", "binary_cross_entropy", rng)
    listed = explain(net, X, y, weight="W1[1,1]")
    assert listed.n_paths == 4 and len(listed.paths) == 4
    past = explain(net, X, y, weight="W1[1,1]", max_paths=3)
    assert past.n_paths == 4 and past.paths == () and past.paths_listed is False
    assert [d.layer for d in past.deltas] == [3, 2, 1]
    assert past.deltas[-1].formula == "W⁽²⁾ δ⁽²⁾ ⊙ tanh′(h⁽¹⁾)"
    assert past.value == pytest.approx(listed.value, rel=1e-14)
    text = plain(past)
    assert "more than the 3 listed" in text and "δ⁽¹⁾" in text
    # the default bound is documented: 64
    wide = cr.MLP([2, 4, 9, 9, 1], seed=0)
    assert explain(wide, X, y, weight="W1[1,1]").paths == ()  # 9 · 9 · 1 = 81 paths > 64


def test_one_step_audit_works_on_a_copy():
    net, X, y = lecture_example()
    before = [W.copy() for W in net.weights]
    ex = explain(net, X, y, weight="W1[1,1]", lr=0.5)
    s = ex.step
    assert all(np.array_equal(a, b) for a, b in zip(before, net.weights, strict=True))
    assert s.lr == 0.5 and s.weight == 0.5 and s.gradient == ex.proof.engine
    assert s.new_weight == pytest.approx(0.5 - 0.5 * s.gradient, rel=1e-15)
    trained = cr.from_config(net.get_config(), [W.copy() for W in net.weights])
    assert trained.step(X, y, lr=0.5) == pytest.approx(s.error_before)
    assert trained.error(X, y) == pytest.approx(s.error_after, rel=1e-14)
    assert s.error_after < s.error_before
    only = cr.from_config(net.get_config(), [W.copy() for W in net.weights])
    only.set_weight("W1[1,1]", s.new_weight)
    assert only.error(X, y) == pytest.approx(s.error_after_weight_only, rel=1e-14)
    assert s.error_after_weight_only - s.error_before == pytest.approx(s.predicted_change, rel=0.05)


def test_diagnostics_name_saturated_and_inactive_units():
    net, X, y = lecture_example()
    net.weights[0][0, 0] = 20.0  # h1 = 20·1 + 0.25·2 = 20.5: σ'(h1) ≈ 1e-9
    ex = explain(net, X, y, weight="W1[1,1]")
    (unit,) = ex.diagnostics.units
    assert (unit.layer, unit.unit, unit.status) == (1, 1, "saturated")
    assert unit.derivative < 1e-8 and "barely learn" in unit.message
    assert abs(ex.value) < 1e-8 and ex.proof.agree
    relu = cr.MLP([2, 2, 1], hidden="relu", seed=0)
    relu.weights[0][:, 0] = [-1.0, -1.0, -1.0]  # h1 < 0 for positive inputs
    ex = explain(relu, [[1.0, 2.0]], [1.0], weight="W1[1,1]")
    assert ex.diagnostics.units[0].status == "inactive" and ex.value == 0.0
    (feeding,) = explain(relu, [[1.0, 2.0]], [1.0], weight="W2[1,1]").diagnostics.units
    assert (feeding.layer, feeding.unit, feeding.status) == (1, 1, "inactive")
    assert feeding.message.startswith("the weight's input h₁ is 0")
    # a saturated sigmoid output is harmless with cross-entropy, harmful with squared error
    out = cr.MLP([1, 1], seed=0)
    out.weights[0][...] = [[30.0], [0.0]]
    folded = explain(out, [[1.0]], [0.0], weight="W1[1,1]").diagnostics.units[0]
    assert folded.status == "folded" and "does not vanish" in folded.message
    se = cr.MLP([1, 1], loss="squared_error", seed=0)
    se.weights[0][...] = [[30.0], [0.0]]
    stalled = explain(se, [[1.0]], [0.0], weight="W1[1,1]").diagnostics.units[0]
    assert stalled.status == "saturated" and "cross-entropy" in stalled.message


def test_layer_gradient_norms_come_from_the_engine():
    rng = np.random.default_rng(8)
    net, X, y = _random_problem([3, 4, 4, 2], "sigmoid", "sigmoid", "binary_cross_entropy", rng)
    ex = explain(net, X, y, weight="W2[1,1]", sample=None, lr=0.1)
    grads = net.gradients(X, y)
    layers = ex.diagnostics.layers
    assert [c.gradient_norm for c in layers] == pytest.approx([np.linalg.norm(g) for g in grads])
    for c, W in zip(layers, net.weights, strict=True):
        assert c.relative_step == pytest.approx(0.1 * c.gradient_norm / np.linalg.norm(W))
        assert c.message.startswith("a step changes W")
    net.weights[0][...] *= 0  # no weights, and an all-zero first layer still gets a message
    assert explain(net, X, y).diagnostics.layers[0].message


# -- float32, scalers, labels ------------------------------------------------------------------


def test_float32_networks_are_proven_against_a_float64_difference():
    net = cr.MLP([2, 3, 1], seed=1, dtype=np.float32)
    before = [W.copy() for W in net.weights]
    ex = explain(net, [[0.3, -0.7]], [1.0], weight="W1[2,3]")
    assert ex.network.dtype == "float32" and ex.proof.agree and ex.proof.rtol == 1e-3
    assert all(W.dtype == np.float32 for W in net.weights)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.weights, strict=True))


class _Doubling:
    def transform(self, X):
        return 2 * np.asarray(X)


def test_a_networks_scaler_and_class_labels_are_respected():
    net = cr.MLP([2, 2, 1], seed=2)
    net.scaler = _Doubling()
    net.classes = np.array(["cat", "dog"])
    X = np.array([[0.5, 1.0], [1.0, -1.0]])
    ex = explain(net, X, ["dog", "cat"], weight="W1[2,1]", sample=0)
    assert ex.x[0] == pytest.approx([1.0, 2.0])  # what the first layer saw
    assert ex.y[0] == pytest.approx([1.0])  # "dog" is class 1
    assert ex.factors[-1].value == 2.0 and ex.proof.agree
    assert "standardised" in str(ex)


# -- renderings --------------------------------------------------------------------------------


def test_render_every_format():
    net, X, y = lecture_example()
    ex = explain(net, X, y)
    assert set(FORMATS) == {"text", "md", "json", "html"}
    for fmt in FORMATS:
        assert render(ex, fmt) and isinstance(render(ex, fmt), str)
    assert render(ex, "markdown") == ex.to_markdown()
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(ex, "pdf")


def test_text_rendering_aligns_the_factors():
    net, X, y = lecture_example()
    ex = explain(net, X, y)
    for text in (str(ex), plain(ex)):
        assert "\x1b[" not in text  # no colour codes unless asked
        lines = [
            ln for ln in text.splitlines() if ln.startswith(("∂E/∂ŷ · ∂ŷ/∂h", "∂h/∂h₁", "∂h₁/"))
        ]
        assert len(lines) == 3
        assert len({len(ln) for ln in lines}) == 1  # right-aligned running products
        assert "✓ Proven" in text and "−0.078266687" in text
    assert "\x1b[" in ex.to_text(color=True)
    assert "Explanation ∂E/∂W₁₁⁽¹⁾ (W1[1,1]) for sample 0" in repr(ex)


def test_markdown_has_latex_math():
    net, X, y = lecture_example()
    md = explain(net, X, y).to_markdown()
    assert r"$$" in md and r"\frac{\partial E}{\partial W_{11}^{(1)}}" in md
    assert (
        r"W_{11}^{(2)}\,\sigma\left(h_{1}\right)\,\left(1 - \sigma\left(h_{1}\right)\right)" in md
    )
    assert "| factor | formula | with the numbers | value | running product |" in md


def test_json_schema_is_versioned_and_stable():
    net, X, y = lecture_example()
    data = json.loads(explain(net, X, y).to_json())
    assert data["schema"] == "chainrule.explain" and data["version"] == SCHEMA_VERSION == 1
    assert list(data) == [
        "schema", "version", "weight", "network", "mode", "m", "x", "y", "forward", "error",
        "value", "chain", "factors", "paths", "delta", "samples", "proof", "step", "diagnostics",
    ]  # fmt: skip
    f = data["factors"][1]
    assert set(f) == {
        "symbol", "symbol_latex", "formula", "formula_latex", "numbers", "value", "running",
        "role", "note", "parts",
    }  # fmt: skip
    assert f["formula"] == "W₁₁⁽²⁾ σ(h₁)(1 − σ(h₁))" and f["role"] == "layer"
    assert data["weight"]["lecture_name"] == "W11^(1)"
    assert data["proof"]["agree"] is True
    assert set(data["step"]) >= {"lr", "weight", "gradient", "new_weight", "error_before"}


def test_json_is_strict_even_when_a_factor_is_infinite():
    out = cr.MLP([1, 1], seed=0)
    out.weights[0][...] = [[50.0], [0.0]]  # ŷ = σ(50) == 1.0 exactly: ∂E/∂ŷ = 1/0
    ex = explain(out, [[1.0]], [0.0], weight="W1[1,1]")
    assert math.isinf(ex.factors[0].parts[0].value)
    assert ex.factors[0].value == 1.0  # the fold ŷ − y stays finite
    text = ex.to_json()

    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name}")

    data = json.loads(text, parse_constant=refuse)
    assert data["factors"][0]["parts"][0]["value"] == "Infinity"


def test_html_is_self_contained_and_escaped():
    net = cr.MLP([2, 2, 1], seed=0)
    net.feature_names = ["<script>alert(1)</script>", "a & b"]
    page = explain(net, [[1.0, 2.0]], [1.0]).to_html()
    assert page.startswith("<!DOCTYPE html>")
    lowered = page.lower()
    for forbidden in ("<script", "src=", "<link", "@import", "url(", "@font-face"):
        assert forbidden not in lowered
    # the only URL is the SVG namespace, which loads nothing
    assert lowered.count("://") == lowered.count('xmlns="http://www.w3.org/2000/svg"')
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "a &amp; b" in page
    assert "Content-Security-Policy" in page and "<math" in page and "<svg" in page
    assert 'data-highlight="weight"' in page and 'data-edge="W1[1,1]"' in page


def test_to_html_writes_the_file_and_jupyter_gets_a_fragment(tmp_path):
    net, X, y = lecture_example()
    ex = explain(net, X, y)
    path = tmp_path / "why.html"
    assert ex.to_html(path) == path.read_text(encoding="utf-8")
    fragment = ex._repr_html_()
    assert fragment.startswith("<style>") and "<html" not in fragment
    assert 'id="factors"' in fragment and "cr-explain" in fragment


# -- bad input -----------------------------------------------------------------------------------


def test_bad_weight_names_and_ranges_say_what_to_write():
    net, X, y = lecture_example()
    with pytest.raises(ValueError, match=r"cannot read the weight name 'V1\[1,1\]'.*'W1\[1,1\]'"):
        explain(net, X, y, weight="V1[1,1]")
    with pytest.raises(IndexError, match=r"'W3\[1,1\]' is in layer 3.*layers 1\.\.2 \(W1, W2\)"):
        explain(net, X, y, weight="W3[1,1]")
    with pytest.raises(IndexError, match=r"rows 1\.\.3 \(inputs 1\.\.2, row 3 is the bias\)"):
        explain(net, X, y, weight="W1[4,1]")
    with pytest.raises(IndexError, match=r"columns 1\.\.1.*numbered from 1"):
        explain(net, X, y, weight="W2[1,0]")
    with pytest.raises(TypeError, match="weight must be a name like 'W1"):
        explain(net, X, y, weight=3.5)
    assert explain(net, X, y, weight=(2, 1, 1)).weight.name == "W2[1,1]"


def test_bad_samples_and_settings_are_refused_clearly():
    net, X, y = lecture_example()
    with pytest.raises(IndexError, match=r"sample=1 is out of range: X has 1 sample \(rows 0\.\.0"):
        explain(net, X, y, sample=1)
    with pytest.raises(TypeError, match="sample must be a row index"):
        explain(net, X, y, sample="first")
    with pytest.raises(TypeError, match="sample must be a row index"):
        explain(net, X, y, sample=True)
    assert explain(net, np.vstack([X, X]), [1, 0], sample=-1).samples[0].index == 1
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        explain(net, X, y, lr=0)
    with pytest.raises(ValueError, match="max_paths"):
        explain(net, X, y, max_paths=0)
    with pytest.raises(TypeError, match="Sequential or MLP"):
        explain("net", X, y)
    with pytest.raises(ValueError, match="features"):
        explain(net, [[1.0, 2.0, 3.0]], y)


def test_the_schema_document_names_every_field():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "explain-schema.md").read_text()
    net, X, y = lecture_example()
    data = explain(net, X, y, weight="W1[1,1]").to_dict()

    def keys(obj, out):
        if isinstance(obj, dict):
            for k, v in obj.items():
                out.add(k)
                keys(v, out)
        elif isinstance(obj, list):
            for v in obj:
                keys(v, out)
        return out

    deep = cr.MLP([2, 3, 3, 1], seed=0)
    sat = cr.MLP([1, 1], seed=0)
    sat.weights[0][...] = [[30.0], [0.0]]
    found = keys(data, set())
    keys(explain(deep, [[1.0, 2.0]], [1.0], weight="W1[1,1]").to_dict(), found)
    keys(explain(sat, [[1.0]], [0.0]).to_dict(), found)
    in_code = set(re.findall(r"[A-Za-z_]+", " ".join(re.findall(r"`([^`]*)`", doc))))
    missing = sorted(found - in_code)
    assert missing == [], f"fields not documented in docs/explain-schema.md: {missing}"
