"""What an explanation holds: the weight, the network, the chain's factors, proof and diagnostics.

Plain frozen data, built by :func:`chainrule.explain.explain` and read by every rendering
(text, Markdown, HTML, JSON). It sits below the renderers and imports none of them;
:class:`chainrule.explain.api.Explanation` is this data with its renderings as methods.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chainrule.explain.diagnostics import Diagnostics
from chainrule.explain.factors import Factor
from chainrule.explain.mathexpr import Expr
from chainrule.explain.paths import DeltaStep, Path
from chainrule.explain.proof import Proof, StepAudit


@dataclass(frozen=True)
class WeightInfo:
    """The explained weight: ``name`` ``"W1[1,1]"`` (1-based; the last row is the bias)."""

    name: str
    layer: int
    row: int
    column: int
    value: float
    is_bias: bool
    symbol_expr: Expr
    source: str  # the unit it comes from: "x₁", "h₁", or "1" for the bias
    target: str  # the unit it feeds: "h₁"

    @property
    def symbol(self) -> str:
        return self.symbol_expr.text()

    @property
    def lecture_name(self) -> str:
        """The lecture's spelling, ``W11^(1)``."""
        sep = "" if self.row < 10 and self.column < 10 else ","
        return f"W{self.row}{sep}{self.column}^({self.layer})"


@dataclass(frozen=True)
class NetworkInfo:
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    dtype: str
    weights: tuple[np.ndarray, ...]  # copies, for the drawing
    standardized: bool  # the network standardises X before its first layer
    feature_names: tuple[str, ...] | None = None  # the input columns' names, if the net has them


@dataclass(frozen=True)
class SampleTerm:
    """One sample's share of ∂E/∂w: its factors (product ∂ℓ_n/∂w) and its weight in the mean."""

    index: int  # the row of X (0-based)
    weight: float  # s_n/Σs: 1/m without sample weights; 1 for a single sample
    factors: tuple[Factor, ...]
    product: float
    contribution: float  # weight × product


@dataclass(frozen=True, eq=False)
class ExplanationData:
    """The chain rule for one weight, as data: factors, paths or δ recursion, proof, step,
    diagnostics. ``value`` is the product of the factors (for a batch, the weighted sum of the
    samples' products); ``factors`` holds the chain for one sample and is empty for a batch (see
    ``samples``). The renderers read this; :class:`chainrule.explain.api.Explanation` adds the
    ways to render it (``print(ex)``, ``to_markdown``, ``to_json``, ``to_html``).
    """

    weight: WeightInfo
    network: NetworkInfo
    mode: str  # "sample" or "batch"
    x: np.ndarray  # the inputs the first layer saw, (m, n_0)
    y: np.ndarray  # the targets, dense (m, n_L)
    forward: tuple[tuple[np.ndarray, np.ndarray], ...]  # (h, a) per layer, for a single sample
    error: float
    factors: tuple[Factor, ...]
    paths: tuple[Path, ...]
    n_paths: int
    max_paths: int
    deltas: tuple[DeltaStep, ...]
    samples: tuple[SampleTerm, ...]
    value: float
    proof: Proof
    step: StepAudit
    diagnostics: Diagnostics

    @property
    def paths_listed(self) -> bool:
        return bool(self.paths)

    def __repr__(self) -> str:
        what = f"sample {self.samples[0].index}" if self.mode == "sample" else "the batch"
        verdict = "proven" if self.proof.agree else "NOT proven"
        return (
            f"<Explanation ∂E/∂{self.weight.symbol} ({self.weight.name}) for {what}: "
            f"{self.value:.10g}, {verdict} against the engine and finite differences>"
        )
