"""The explainer: the chain rule for any weight, with its numbers, proven.

``explain(net, X, y, weight="W1[1,1]", sample=0)`` returns an :class:`Explanation`: the lecture's
chain of partial derivatives from E down to the weight, each factor's symbolic form and value,
their product (summed over paths, or by the δ recursion, in deeper networks), proven beside the
engine's gradient and a float64 central difference; one step of gradient descent audited; and
diagnostics in backprop terms. One object, several renderings: ``print(ex)``,
``ex.to_markdown()``, ``ex.to_json()`` (schema: :mod:`chainrule.explain.schema`),
``ex.to_html("why.html")``, and HTML in Jupyter.

Modules: ``core`` (explain, the Explanation), ``paths`` (factors, paths, δ recursion),
``proof`` (engine vs finite difference, the one-step audit), ``diagnostics``, ``mathexpr``
(formulas as text, LaTeX and MathML), ``document`` (the layout all renderings share),
``render_text``, ``render_markdown``, ``render_html`` with ``svg``, ``schema`` (the JSON, its
schema documented in docs/explain-schema.md).

Example:
    >>> net, X, y = lecture_example()
    >>> ex = explain(net, X, y, weight="W1[1,1]")
    >>> ex.value, ex.proof.agree
"""

from chainrule.explain.core import Explanation, SampleTerm, WeightInfo, explain, lecture_example
from chainrule.explain.diagnostics import SATURATION, Diagnostics, LayerCheck, UnitCheck
from chainrule.explain.paths import MAX_PATHS, DeltaStep, Factor, Path
from chainrule.explain.proof import Proof, StepAudit
from chainrule.explain.schema import SCHEMA_VERSION

#: the formats :func:`render` writes
FORMATS = ("text", "md", "json", "html")


def render(ex: Explanation, format: str = "text") -> str:  # noqa: A002 (the CLI's word)
    """The explanation as a string: ``text`` (terminal, no colour codes), ``md`` (Markdown with
    LaTeX math), ``json`` (schema version :data:`SCHEMA_VERSION`) or ``html`` (a whole
    self-contained page)."""
    key = {"markdown": "md", "txt": "text", "terminal": "text", "htm": "html"}.get(
        str(format).lower(), str(format).lower()
    )
    if key == "text":
        return ex.to_text()
    if key == "md":
        return ex.to_markdown()
    if key == "json":
        return ex.to_json()
    if key == "html":
        return ex.to_html()
    raise ValueError(f"render: unknown format {format!r}; choose one of {', '.join(FORMATS)}")


__all__ = [
    "FORMATS",
    "MAX_PATHS",
    "SATURATION",
    "SCHEMA_VERSION",
    "DeltaStep",
    "Diagnostics",
    "Explanation",
    "Factor",
    "LayerCheck",
    "Path",
    "Proof",
    "SampleTerm",
    "StepAudit",
    "UnitCheck",
    "WeightInfo",
    "explain",
    "lecture_example",
    "render",
]
