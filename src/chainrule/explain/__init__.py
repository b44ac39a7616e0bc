"""The explainer: the chain rule for any weight, with its numbers, proven.

explain/ owns :func:`explain` and the :class:`Explanation` it returns: the lecture's chain of
partial derivatives from E down to one weight, each factor's formula and value, their product
(summed over paths, or by the δ recursion, in deeper networks), proven beside the engine's
gradient and a float64 central difference, one step of gradient descent audited, diagnostics in
backprop terms, and every rendering of that (``print(ex)``, ``ex.to_markdown()``,
``ex.to_json()`` (schema: :mod:`chainrule.explain.schema`, docs/explain-schema.md),
``ex.to_html("why.html")``, HTML in Jupyter). It sits on the ``explain|sklearn`` floor and
may import ``engine``, ``data``, ``nn``, ``io``, ``training``, ``models`` and ``errors``, never
``sklearn``, ``playground`` or ``cli``; it reads a network only through what the network offers
(:class:`chainrule.nn.protocol.Network`), never the engine's graph. Its modules' docstrings
say what each holds; none imports one that imports it back (tests/test_explain_layout.py).

Example:
    >>> net, X, y = lecture_example()
    >>> ex = explain(net, X, y, weight="W1[1,1]")
    >>> ex.value, ex.proof.agree
"""

from chainrule.explain.api import FORMATS, Explanation, render
from chainrule.explain.core import explain, lecture_example
from chainrule.explain.diagnostics import SATURATION, Diagnostics, LayerCheck, UnitCheck
from chainrule.explain.explanation import SampleTerm, WeightInfo
from chainrule.explain.factors import Factor
from chainrule.explain.paths import MAX_PATHS, DeltaStep, Path
from chainrule.explain.proof import Proof, StepAudit
from chainrule.explain.schema import SCHEMA_VERSION

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
