"""The explanation as JSON: a documented, versioned schema (``docs/explain-schema.md``).

``version`` changes only when a field is removed or changes meaning; new fields may be added
within a version. Numbers are JSON numbers; a value that is not finite (∂E/∂ŷ of a saturated
sigmoid output, for instance) is written as the string ``"Infinity"``, ``"-Infinity"`` or
``"NaN"``, so the output is always strict JSON. Every formula comes three ways: ``symbol`` /
``formula`` in Unicode text, ``*_latex`` in LaTeX, and ``numbers`` (the formula with its values
put in).

Top level (version 1)::

    schema        "chainrule.explain"
    version       1
    weight        name "W1[1,1]", lecture_name "W11^(1)", symbol, latex, layer, row, column
                  (1-based), value, is_bias, source, target
    network       sizes, activations, loss, dtype, standardized, feature_names (or null)
    mode          "sample" or "batch"
    m             how many samples E is computed over (1 in sample mode)
    x, y          the input row (as the first layer sees it) and the dense target row
                  (sample mode; null for a batch)
    forward       [{layer, activation, h, a}] for the sample (empty for a batch)
    error         E before any step
    value         ∂E/∂w as the product of the factors (for a batch: Σ sₙ · productₙ)
    chain         [{symbol, symbol_latex, formula, formula_latex, role}]: the factors' symbols
    factors       [factor] for the sample, E first (empty for a batch)
    paths         {count, bound, listed, items: [{units: [[layer, unit], …], labels, factors:
                  [factor], product}]}; listed is false when count > bound (see delta)
    delta         [{layer, symbol, formula, latex, values}]: the δ recursion, output layer first
    samples       [{index, weight, values, product, contribution}]: each sample's factor values
                  (in the order of chain), their product, its weight sₙ in the mean, and
                  weight × product
    proof         {product, engine, numeric, abs_product_engine, rel_product_engine,
                  abs_numeric_engine, rel_numeric_engine, method, eps, rtol, atol, agree}
    step          {lr, weight, gradient, new_weight, error_before, error_after,
                  error_after_weight_only, predicted_change}
    diagnostics   {saturation_threshold, units_checked, units: [{layer, unit, name, activation,
                  derivative, fraction, status, message}], layers: [{layer, gradient_norm,
                  weight_norm, relative_step, message}]}

A factor is ``{symbol, symbol_latex, formula, formula_latex, numbers, value, running, role, note,
parts: [factor]}``; ``role`` is one of ``loss``, ``output``, ``loss·output``, ``layer``,
``input``, ``delta``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from chainrule.explain.explanation import ExplanationData
from chainrule.explain.factors import Factor

SCHEMA_NAME = "chainrule.explain"
#: bumped only when a field is removed or changes meaning
SCHEMA_VERSION = 1


def num(value: Any) -> Any:
    """A float for JSON: finite numbers as they are, others as "Infinity"/"-Infinity"/"NaN"."""
    if value is None:
        return None
    v = float(value)
    if math.isfinite(v):
        return v
    if math.isnan(v):
        return "NaN"
    return "Infinity" if v > 0 else "-Infinity"


def nums(values: Any) -> list[Any]:
    return [num(v) for v in values]


def factor_dict(f: Factor) -> dict[str, Any]:
    return {
        "symbol": f.symbol,
        "symbol_latex": f.symbol_expr.latex(),
        "formula": f.formula,
        "formula_latex": f.formula_expr.latex(),
        "numbers": f.numbers,
        "value": num(f.value),
        "running": num(f.running),
        "role": f.role,
        "note": f.note,
        "parts": [factor_dict(p) for p in f.parts],
    }


def to_dict(ex: ExplanationData) -> dict[str, Any]:
    """The explanation as plain JSON-able data, schema version :data:`SCHEMA_VERSION`."""
    sample_mode = ex.mode == "sample"
    return {
        "schema": SCHEMA_NAME,
        "version": SCHEMA_VERSION,
        "weight": _weight(ex),
        "network": _network(ex),
        "mode": ex.mode,
        "m": len(ex.samples),
        "x": nums(ex.x[0]) if sample_mode else None,
        "y": nums(ex.y[0]) if sample_mode else None,
        "forward": [
            {"layer": n, "activation": act, "h": nums(h), "a": nums(a)}
            for n, ((h, a), act) in enumerate(
                zip(ex.forward, ex.network.activations, strict=False), 1
            )
        ],
        "error": num(ex.error),
        "value": num(ex.value),
        "chain": [
            {
                "symbol": f.symbol,
                "symbol_latex": f.symbol_expr.latex(),
                "formula": f.formula,
                "formula_latex": f.formula_expr.latex(),
                "role": f.role,
            }
            for f in ex.samples[0].factors
        ],
        "factors": [factor_dict(f) for f in ex.factors],
        "paths": _paths(ex),
        "delta": [
            {
                "layer": step.layer,
                "symbol": step.symbol_expr.text(),
                "formula": step.formula,
                "latex": step.formula_expr.latex(),
                "values": nums(step.values),
            }
            for step in ex.deltas
        ],
        "samples": [
            {
                "index": t.index,
                "weight": num(t.weight),
                "values": nums(f.value for f in t.factors),
                "product": num(t.product),
                "contribution": num(t.contribution),
            }
            for t in ex.samples
        ],
        "proof": _proof(ex),
        "step": _step(ex),
        "diagnostics": _diagnostics(ex),
    }


def _weight(ex: ExplanationData) -> dict[str, Any]:
    w = ex.weight
    return {
        "name": w.name,
        "lecture_name": w.lecture_name,
        "symbol": w.symbol,
        "latex": w.symbol_expr.latex(),
        "layer": w.layer,
        "row": w.row,
        "column": w.column,
        "value": num(w.value),
        "is_bias": w.is_bias,
        "source": w.source,
        "target": w.target,
    }


def _network(ex: ExplanationData) -> dict[str, Any]:
    net = ex.network
    return {
        "sizes": list(net.sizes),
        "activations": list(net.activations),
        "loss": net.loss,
        "dtype": net.dtype,
        "standardized": net.standardized,
        "feature_names": list(net.feature_names) if net.feature_names else None,
    }


def _paths(ex: ExplanationData) -> dict[str, Any]:
    return {
        "count": ex.n_paths,
        "bound": ex.max_paths,
        "listed": bool(ex.paths),
        "items": [
            {
                "units": [list(u) for u in path.units],
                "labels": list(path.labels),
                "factors": [factor_dict(f) for f in path.factors],
                "product": num(path.product),
            }
            for path in ex.paths
        ],
    }


def _proof(ex: ExplanationData) -> dict[str, Any]:
    p = ex.proof
    return {
        "product": num(p.product),
        "engine": num(p.engine),
        "numeric": num(p.numeric),
        "abs_product_engine": num(p.abs_product_engine),
        "rel_product_engine": num(p.rel_product_engine),
        "abs_numeric_engine": num(p.abs_numeric_engine),
        "rel_numeric_engine": num(p.rel_numeric_engine),
        "method": p.method,
        "eps": p.eps,
        "rtol": p.rtol,
        "atol": p.atol,
        "agree": p.agree,
    }


def _step(ex: ExplanationData) -> dict[str, Any]:
    s = ex.step
    return {
        "lr": num(s.lr),
        "weight": num(s.weight),
        "gradient": num(s.gradient),
        "new_weight": num(s.new_weight),
        "error_before": num(s.error_before),
        "error_after": num(s.error_after),
        "error_after_weight_only": num(s.error_after_weight_only),
        "predicted_change": num(s.predicted_change),
    }


def _diagnostics(ex: ExplanationData) -> dict[str, Any]:
    d = ex.diagnostics
    return {
        "saturation_threshold": d.threshold,
        "units_checked": d.units_checked,
        "units": [
            {
                "layer": u.layer,
                "unit": u.unit,
                "name": u.name,
                "activation": u.activation,
                "derivative": num(u.derivative),
                "fraction": num(u.fraction),
                "status": u.status,
                "message": u.message,
            }
            for u in d.units
        ],
        "layers": [
            {
                "layer": c.layer,
                "gradient_norm": num(c.gradient_norm),
                "weight_norm": num(c.weight_norm),
                "relative_step": num(c.relative_step),
                "message": c.message,
            }
            for c in d.layers
        ],
    }


def to_json(ex: ExplanationData, indent: int | None = 2) -> str:
    """Strict JSON (no NaN or Infinity literals), UTF-8 text with the notation kept as is."""
    return json.dumps(to_dict(ex), indent=indent, ensure_ascii=False, allow_nan=False)
