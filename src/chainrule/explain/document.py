"""The layout every rendering shares: an Explanation as headings, paragraphs, formulas and tables.

:func:`build` turns an :class:`~chainrule.explain.Explanation` into a list of blocks whose cells
hold plain strings, numbers (:class:`V`) and formulas (:class:`~chainrule.explain.mathexpr.Expr`).
The terminal, Markdown and HTML renderers only decide how each of those is spelled, so the three
always show the same things in the same order. Rows carry ``attrs`` that the HTML writes as
``data-*`` attributes (for the browser test and for anyone scripting the page).
"""

from __future__ import annotations

from chainrule.explain.blocks import (
    MAX_VECTOR,
    Block,
    Equation,
    Figure,
    Heading,
    Inline,
    MathBlock,
    Numbers,
    Para,
    Row,
    Table,
    V,
    vec,
)
from chainrule.explain.calculus import Chain, Partial
from chainrule.explain.explanation import ExplanationData
from chainrule.explain.factors import Factor
from chainrule.explain.mathexpr import Sym, fmt
from chainrule.nn.losses import LOSS_TITLES

#: rows of the per-sample table shown in a batch explanation (the JSON holds every sample)
MAX_SAMPLE_ROWS = 20


def _factor_rows(factors: tuple[Factor, ...], path: str = "") -> list[Row]:
    rows = []
    for n, f in enumerate(factors, start=1):
        attrs = {
            "factor": str(n),
            "role": f.role,
            "symbol": f.symbol,
            "value": repr(f.value),
            "running": repr(f.running),
        }
        if path:
            attrs["path"] = path
        running: list[Inline] = [V(f.running)] if f.running is not None else []
        rows.append(
            Row(
                [
                    [f.symbol_expr],
                    [f.formula_expr],
                    [Numbers(f.formula_expr)],
                    [V(f.value)],
                    running,
                ],
                attrs,
            )
        )
        for part in f.parts:
            rows.append(
                Row(
                    [[part.symbol_expr], [part.formula_expr], [Numbers(part.formula_expr)],
                     [V(part.value)], []],
                    {"part-of": str(n), "role": part.role, "symbol": part.symbol,
                     "value": repr(part.value)},
                    level=1,
                )
            )  # fmt: skip
    return rows


FACTOR_COLUMNS: list[list[Inline]] = [
    ["factor"],
    ["formula"],
    ["with the numbers"],
    ["value"],
    ["running product"],
]


def build(ex: ExplanationData) -> list[Block]:
    """The explanation as blocks, in reading order."""
    out = _header(ex) + _data(ex)
    out += _forward(ex) + _chain(ex) if ex.mode == "sample" else _batch(ex)
    out += _proof(ex)
    out += _step(ex)
    out += _diagnostics(ex)
    return out


def _header(ex: ExplanationData) -> list[Block]:
    """The title, the network, the weight and where it sits, the drawing, the inputs' names."""
    w = ex.weight
    target = Partial(Sym("E"), w.symbol_expr)
    out: list[Block] = [Heading(1, ["The chain rule for ", target, f" ({w.name})"], "title")]
    net = ex.network
    layers = ", ".join(f"layer {n} {act}" for n, act in enumerate(net.activations, start=1))
    out.append(
        Para(
            [f"Network {'-'.join(map(str, net.sizes))} ({layers}); loss: "
             f"{LOSS_TITLES[net.loss]}; {net.dtype}."],
            "network-summary",
        )
    )  # fmt: skip
    source = w.source
    if net.feature_names and w.layer == 1 and not w.is_bias:
        source += f" ({net.feature_names[w.row - 1]})"
    joins = (
        ["The weight ", w.symbol_expr, " = ", V(w.value), f" is the bias of {w.target}."]
        if w.is_bias
        else ["The weight ", w.symbol_expr, " = ", V(w.value), f" joins {source} to {w.target}."]
    )
    out.append(Para(joins, "weight"))
    out.append(Figure())
    if net.feature_names:
        shown = ", ".join(
            f"{Sym('x', str(n)).text()} = {name}"
            for n, name in enumerate(net.feature_names[:MAX_VECTOR], start=1)
        )
        more = (
            f", … ({len(net.feature_names)} in all)" if len(net.feature_names) > MAX_VECTOR else ""
        )
        out.append(Para([f"Inputs: {shown}{more}."], "inputs"))
    return out


def _data(ex: ExplanationData) -> list[Block]:
    """The sample (x, y, ŷ) or the batch, and its error E."""
    scaled = " (standardised by the network's scaler)" if ex.network.standardized else ""
    if ex.mode == "sample":
        t = ex.samples[0]
        yhat = ex.forward[-1][1]
        return [
            Para(
                [f"Sample {t.index}: x = {vec(ex.x[0])}{scaled}, y = {vec(ex.y[0])}, "
                 f"ŷ = {vec(yhat)}; its error E = ", V(ex.error), "."],
                "data",
            )
        ]  # fmt: skip
    m = len(ex.samples)
    return [
        Para(
            [f"The batch: {m} samples{scaled}. E is the mean of the samples' errors, "
             "E = Σₙ sₙ ℓₙ with sₙ = 1/m (or the normalised sample weights), so ∂E/∂w is "
             "the same mean of each sample's chain. E = ", V(ex.error), "."],
            "data",
        )
    ]  # fmt: skip


def _forward(ex: ExplanationData) -> list[Block]:
    rows = [
        Row(
            [[str(n)], [act], [vec(h)], [vec(a)]],
            {"layer": str(n)},
        )
        for n, ((h, a), act) in enumerate(zip(ex.forward, ex.network.activations, strict=True), 1)
    ]
    return [
        Heading(2, ["Feedforward"], "feedforward-title"),
        Table("forward", [["layer"], ["f"], ["h = [a, 1] · W"], ["a = f(h)"]], rows, "llll"),
    ]


def _chain(ex: ExplanationData) -> list[Block]:
    """The chain for one sample: one path's factors, or the paths' sum, or the δ recursion."""
    target = Partial(Sym("E"), ex.weight.symbol_expr)
    out: list[Block] = [Heading(2, ["The chain rule, factor by factor"], "chain-title")]
    if ex.n_paths == 1:
        symbols = Chain(tuple(f.symbol_expr for f in ex.factors))
        out.append(MathBlock(Equation(target, symbols), "chain"))
        out.append(Table("factors", FACTOR_COLUMNS, _factor_rows(ex.factors), "lllrr"))
        for f in ex.factors:
            if f.note:
                out.append(Para([f"Note: {f.note}."], cls="note"))
        out.append(Para(["So ", target, " = ", V(ex.value), "."], "result"))
        return out
    out += _paths(ex) if ex.paths else _too_many_paths(ex)
    out.append(
        MathBlock(Equation(target, Chain(tuple(f.symbol_expr for f in ex.factors))), "chain")
    )
    out.append(Table("factors", FACTOR_COLUMNS, _factor_rows(ex.factors), "lllrr"))
    out += _delta_recursion(ex)
    out.append(Para(["So ", target, " = ", V(ex.value), "."], "result"))
    return out


def _paths(ex: ExplanationData) -> list[Block]:
    """Every path listed, each with its factors' values and product, and their sum."""
    w = ex.weight
    later = ", ".join(str(s) for s in ex.network.sizes[w.layer + 1 :])
    h = ex.factors[0].symbol_expr
    intro = Para(
        [f"{ex.n_paths} paths join {w.name} to E, one for each choice of a unit in each "
         f"later layer ({later} units); each path's product is one term of the sum:"],
        "paths-intro",
    )  # fmt: skip
    rows = [
        Row(
            [[str(n)], [" → ".join(p.labels) + " → E"],
             [" × ".join(fmt(f.value, 6) for f in p.factors)], [V(p.product)]],
            {"path": str(n), "units": " ".join(f"{lay}:{u}" for lay, u in p.units),
             "product": repr(p.product)},
        )
        for n, p in enumerate(ex.paths, start=1)
    ]  # fmt: skip
    rows.append(
        Row([["sum"], [], [], [V(sum(p.product for p in ex.paths))]], {"total": "paths"},
            cls="total")
    )  # fmt: skip
    return [
        intro,
        Table("paths", [["#"], ["path"], ["factors, E first"], ["product"]], rows, "lllr"),
        Para(
            ["Every path shares the last factor, so the sum is ", h, " (the sum of the paths "
             "without it) times that factor:"],
        ),
    ]  # fmt: skip


def _too_many_paths(ex: ExplanationData) -> list[Block]:
    return [
        Para(
            [f"{ex.n_paths} paths join {ex.weight.name} to E, more than the {ex.max_paths} "
             "listed one by one, so here is the same sum layer by layer, the δ recursion:"],
            "paths-intro",
        )
    ]  # fmt: skip


def _delta_recursion(ex: ExplanationData) -> list[Block]:
    rows = [
        Row(
            [[d.symbol_expr], [d.formula_expr], [vec(d.values)]],
            {"layer": str(d.layer), "values": " ".join(repr(v) for v in d.values)},
        )
        for d in ex.deltas
    ]
    return [
        Para(
            ["The δ recursion, δ = ∂E/∂h, from the output down (W without its bias row; "
             "⊙ multiplies entry by entry):"],
        ),
        Table("delta", [["δ"], ["recursion"], ["values"]], rows, "lll"),
    ]  # fmt: skip


def _batch(ex: ExplanationData) -> list[Block]:
    first = ex.samples[0].factors
    out: list[Block] = [Heading(2, ["Each sample's chain, and the mean"], "samples-title")]
    out.append(
        Para(
            ["For each sample n the chain gives ∂ℓₙ/∂w = ",
             Chain(tuple(f.symbol_expr for f in first)),
             "; its contribution to ∂E/∂w is sₙ times that product:"],
        )
    )  # fmt: skip
    columns: list[list[Inline]] = [["sample"], *([f.symbol_expr] for f in first)]
    columns += [["product"], ["sₙ"], ["contribution"]]
    rows = [
        Row(
            [[str(t.index)], *([V(f.value, 6)] for f in t.factors),
             [V(t.product)], [V(t.weight, 6)], [V(t.contribution)]],
            {"sample": str(t.index), "product": repr(t.product), "weight": repr(t.weight),
             "contribution": repr(t.contribution)},
        )
        for t in ex.samples[:MAX_SAMPLE_ROWS]
    ]  # fmt: skip
    width = len(columns)
    if len(ex.samples) > MAX_SAMPLE_ROWS:
        more = len(ex.samples) - MAX_SAMPLE_ROWS
        rows.append(Row([[f"… {more} more"]] + [[] for _ in range(width - 1)], cls="more"))
    rows.append(
        Row([["Σ sₙ · product"]] + [[] for _ in range(width - 2)] + [[V(ex.value)]],
            {"total": "samples"}, cls="total")
    )  # fmt: skip
    out.append(Table("samples", columns, rows, "l" + "r" * (width - 1)))
    target = Partial(Sym("E"), ex.weight.symbol_expr)
    out.append(Para(["So ", target, " = ", V(ex.value), "."], "result"))
    return out


def _proof(ex: ExplanationData) -> list[Block]:
    p = ex.proof
    rows = [
        Row([["product of the factors (this explanation)"], [V(p.product, 12)],
             [V(p.abs_product_engine, 3)], [V(p.rel_product_engine, 3)]],
            {"proof": "product", "value": repr(p.product)}),
        Row([["engine: backprop, net.gradients"], [V(p.engine, 12)], ["—"], ["—"]],
            {"proof": "engine", "value": repr(p.engine)}),
        Row([["central finite difference (float64)"], [V(p.numeric, 12)],
             [V(p.abs_numeric_engine, 3)], [V(p.rel_numeric_engine, 3)]],
            {"proof": "numeric", "value": repr(p.numeric)}),
    ]  # fmt: skip
    if p.agree:
        verdict = Para(
            [f"✓ Proven: the three agree (within {_tol(p.atol, p.rtol)})."],
            "verdict",
            "ok",
        )
    else:
        verdict = Para(
            [f"✗ They disagree by more than {_tol(p.atol, p.rtol)}: near a relu kink "
             "the finite difference crosses it; otherwise this is a bug worth reporting."],
            "verdict",
            "bad",
        )  # fmt: skip
    return [
        Heading(2, ["Proof"], "proof-title"),
        Table(
            "proof",
            [["∂E/∂w by"], ["value"], ["|difference from the engine|"], ["relative"]],
            rows,
            "lrrr",
        ),
        verdict,
        Para([f"Finite difference: {p.method}."], cls="note"),
    ]


def _tol(atol: float, rtol: float) -> str:
    return f"{atol:.0e} + {rtol:.0e}·|engine|".replace("e-0", "e-")


def _step(ex: ExplanationData) -> list[Block]:
    s = ex.step
    w = ex.weight.symbol_expr
    dw = Partial(Sym("E"), w)
    rows = [
        Row([["weight ", w], [V(s.weight)]], {"step": "weight"}),
        Row([["gradient ", dw, " (engine)"], [V(s.gradient)]], {"step": "gradient"}),
        Row([["learning rate lr"], [V(s.lr)]], {"step": "lr"}),
        Row([["new weight ", w, " − lr · ", dw], [V(s.new_weight)]], {"step": "new_weight"}),
        Row([["E before"], [V(s.error_before)]], {"step": "error_before"}),
        Row([["E after the step (every weight moved)"], [V(s.error_after)]],
            {"step": "error_after"}),
        Row([["E after moving only this weight"], [V(s.error_after_weight_only)]],
            {"step": "error_after_weight_only"}),
        Row([["first-order prediction of that change, −lr · (∂E/∂w)²"], [V(s.predicted_change)]],
            {"step": "predicted_change"}),
    ]  # fmt: skip
    change = s.error_after - s.error_before
    if change < 0:
        line = Para(
            [f"One step lowers E by {fmt(-change, 3)} ({fmt(100 * -change / s.error_before, 3)}%)"
             if s.error_before else f"One step lowers E by {fmt(-change, 3)}"],
            "step-verdict", "ok",
        )  # fmt: skip
    elif change == 0:
        line = Para(["One step leaves E unchanged."], "step-verdict", "warn")
    else:
        line = Para(
            [f"One step raises E by {fmt(change, 3)}: at this learning rate the step overshoots; "
             "try a smaller lr."],
            "step-verdict", "bad",
        )  # fmt: skip
    return [
        Heading(2, ["One step of gradient descent (on a copy)"], "step-title"),
        Table("step", [["quantity"], ["value"]], rows, "lr"),
        line,
    ]


def _diagnostics(ex: ExplanationData) -> list[Block]:
    d = ex.diagnostics
    out: list[Block] = [Heading(2, ["Diagnostics"], "diagnostics-title")]
    if not d.units:
        out.append(
            Para(
                [f"No saturated or inactive unit on the path ({d.units_checked} checked; "
                 f"saturated means σ' or tanh' below {d.threshold:g})."],
                "units", "ok",
            )
        )  # fmt: skip
    else:
        out.append(
            Para(
                [f"{len(d.units)} of the {d.units_checked} units checked can stall the gradient "
                 f"(saturated: σ' or tanh' below {d.threshold:g}; inactive: relu with h ≤ 0):"],
                "units", "warn",
            )
        )  # fmt: skip
        for u in d.units[:12]:
            out.append(Para([f"• {u.message}."], cls="unit"))
        if len(d.units) > 12:
            out.append(Para([f"• … and {len(d.units) - 12} more."], cls="unit"))
    rows = [
        Row([[f"W{c.layer}"], [V(c.gradient_norm, 4)], [V(c.weight_norm, 4)],
             [V(c.relative_step, 3)], [c.message]],
            {"layer": str(c.layer), "gradient-norm": repr(c.gradient_norm)})
        for c in d.layers
    ]  # fmt: skip
    out.append(
        Table("layers", [["layer"], ["‖∂E/∂W‖"], ["‖W‖"], ["lr·‖∂E/∂W‖/‖W‖"], ["what it means"]],
              rows, "lrrrl")
    )  # fmt: skip
    return out
