"""A network's fitted preprocessing (``net.preprocessor``) as ONNX nodes: raw columns in, X out.

The graph takes one input per feature column of the table, named by the column, shape ``(N, 1)``,
and computes exactly :meth:`chainrule.data.Preprocessor.transform`:

* a numeric column is a float input (the graph's dtype), NaN for a missing cell::

      x ─ IsNaN ─ Where(missing, fill, x) ─ Sub μ ─ Div σ ─ z
                └─ Cast ─ "<name> (missing)"           (only where the preprocessor has it)

  (no Sub and Div for a preprocessor fitted with ``scale=False``: μ = 0, σ = 1);
* a bool or text column is a string input, one-hot over its sorted training categories by
  ``ai.onnx.ml`` ``OneHotEncoder(cats_strings=categories, zeros=1)``, then ``Flatten`` to
  ``(N, K)`` (and ``Cast`` to double in a float64 graph). The strings are compared exactly: a bool
  column's categories are ``"False"`` and ``"True"``. A missing cell is the empty string ``""``,
  and it is all zeros; so is any string that is not a training category. Preprocessor.transform
  warns about such a category (or refuses it, when fitted with ``unknown="error"``); a graph
  cannot warn, so the runtime silently gets all zeros, as the warning says;
* the blocks are concatenated in ``preprocessor.output_names`` order, the network's X.

``OneHotEncoder`` rather than ``Equal`` against the category list: ``Equal`` on strings needs
opset 19, and the exporter writes opset 17 by default, which older runtimes also load.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["ML_DOMAIN", "ML_OPSET", "input_infos", "input_layout", "preprocess_nodes"]

#: the ONNX domain of OneHotEncoder, and its version (OneHotEncoder is unchanged since 1)
ML_DOMAIN = "ai.onnx.ml"
ML_OPSET = 1


def input_layout(prep: Any, dt: np.dtype) -> list[dict[str, Any]]:
    """Each graph input, in order: ``{"name", "type"}`` (``"float32"``/``"float64"`` or
    ``"string"``), and for a string input its ``"categories"`` (one-hot order)."""
    layout = []
    for spec in prep.columns_:
        if spec["kind"] == "numeric":
            layout.append({"name": spec["name"], "type": np.dtype(dt).name})
        else:
            categories = list(spec["categories"])
            layout.append({"name": spec["name"], "type": "string", "categories": categories})
    return layout


def input_infos(prep: Any, elem: int) -> list[Any]:
    """The graph's inputs: one ``(N, 1)`` tensor per column, float (``elem``) or string."""
    from onnx import TensorProto, helper

    return [
        helper.make_tensor_value_info(
            spec["name"], elem if spec["kind"] == "numeric" else TensorProto.STRING, ["N", 1]
        )
        for spec in prep.columns_
    ]


def preprocess_nodes(graph: Any, prep: Any, elem: int) -> str:
    """Add the nodes that turn the column inputs into X to ``graph`` (an ``onnx_export._Graph``);
    returns the name of X, ``(N, len(prep.output_names))`` in the graph's dtype."""
    blocks: list[str] = []
    for j, spec in enumerate(prep.columns_):
        if spec["kind"] == "numeric":
            blocks += _numeric_nodes(graph, j, spec, elem)
        else:
            blocks.append(_onehot_nodes(graph, j, spec, elem))
    return graph.node("Concat", blocks, "X", "preprocess_concat", axis=1)


def _numeric_nodes(graph: Any, j: int, spec: dict[str, Any], elem: int) -> list[str]:
    """z = (where(isnan(x), fill, x) − μ) / σ, and the missing indicator where there is one."""
    x, at = spec["name"], f"column{j}"
    missing = graph.node("IsNaN", [x], f"{x} missing", f"{at}_isnan")
    fill = graph.constant(f"{x} fill", np.array([spec["fill"]]))
    z = graph.node("Where", [missing, fill, x], f"{x} filled", f"{at}_impute")
    if spec["mean"] != 0.0 or spec["scale"] != 1.0:
        mean = graph.constant(f"{x} mean", np.array([spec["mean"]]))
        scale = graph.constant(f"{x} scale", np.array([spec["scale"]]))
        z = graph.node("Sub", [z, mean], f"{x} centred", f"{at}_sub")
        z = graph.node("Div", [z, scale], f"{x} standardised", f"{at}_div")
    if not spec["indicator"]:
        return [z]
    indicator = graph.node("Cast", [missing], f"{x} (missing)", f"{at}_indicator", to=elem)
    return [z, indicator]


def _onehot_nodes(graph: Any, j: int, spec: dict[str, Any], elem: int) -> str:
    """One-hot over the categories: (N, 1) strings → (N, 1, K) → (N, K); unknown → zeros."""
    from onnx import TensorProto

    x, at = spec["name"], f"column{j}"
    onehot = graph.node(
        "OneHotEncoder",
        [x],
        f"{x} one-hot (N, 1, K)",
        f"{at}_onehot",
        domain=ML_DOMAIN,
        cats_strings=list(spec["categories"]),
        zeros=1,
    )
    flat = graph.node("Flatten", [onehot], f"{x} one-hot", f"{at}_flatten", axis=1)
    if elem == TensorProto.FLOAT:  # OneHotEncoder's output is float32
        return flat
    return graph.node("Cast", [flat], f"{x} one-hot (double)", f"{at}_cast", to=elem)
