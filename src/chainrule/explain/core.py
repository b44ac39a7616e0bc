"""``explain``: the chain rule for one weight, with its numbers, proven against the engine.

The factors come from the forward trace (:mod:`chainrule.explain.paths`); the proof puts their
product beside the engine's gradient (``net.value_and_gradients``, the one gradient path) and a
central finite difference in float64; a one-step audit and diagnostics say what the gradient
means for training. The user's network is never modified.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.data.checks import check_X
from chainrule.engine.tensor import Tensor
from chainrule.explain import paths as P
from chainrule.explain.diagnostics import SATURATION, Diagnostics, check_layers, check_units
from chainrule.explain.mathexpr import Expr
from chainrule.explain.proof import (
    FD_EPS,
    Proof,
    StepAudit,
    central_difference,
    float64_error_function,
    one_step,
)
from chainrule.nn.network import Sequential, parse_weight


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
    factors: tuple[P.Factor, ...]
    product: float
    contribution: float  # weight × product


@dataclass(frozen=True, eq=False)
class Explanation:
    """The chain rule for one weight: factors, paths or δ recursion, proof, step, diagnostics.

    Render it with ``print(ex)`` (terminal), :meth:`to_markdown`, :meth:`to_json`,
    :meth:`to_html`; in Jupyter it shows itself as HTML. ``value`` is the product of the
    factors (for a batch, the weighted sum of the samples' products); ``factors`` holds the
    chain for one sample and is empty for a batch (see ``samples``).
    """

    weight: WeightInfo
    network: NetworkInfo
    mode: str  # "sample" or "batch"
    x: np.ndarray  # the inputs the first layer saw, (m, n_0)
    y: np.ndarray  # the targets, dense (m, n_L)
    forward: tuple[tuple[np.ndarray, np.ndarray], ...]  # (h, a) per layer, for a single sample
    error: float
    factors: tuple[P.Factor, ...]
    paths: tuple[P.Path, ...]
    n_paths: int
    max_paths: int
    deltas: tuple[P.DeltaStep, ...]
    samples: tuple[SampleTerm, ...]
    value: float
    proof: Proof
    step: StepAudit
    diagnostics: Diagnostics

    @property
    def paths_listed(self) -> bool:
        return bool(self.paths)

    def to_dict(self) -> dict[str, Any]:
        from chainrule.explain.schema import to_dict

        return to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        from chainrule.explain.schema import to_json

        return to_json(self, indent=indent)

    def to_markdown(self) -> str:
        from chainrule.explain.render_markdown import markdown

        return markdown(self)

    def to_text(self, width: int = 110, color: bool = False) -> str:
        from chainrule.explain.render_text import text

        return text(self, width=width, color=color)

    def to_html(self, path: Any = None) -> str:
        """The self-contained HTML page (no scripts, no network); written to ``path`` if given."""
        from chainrule.explain.render_html import page

        out = page(self)
        if path is not None:
            from chainrule.io.atomic import atomic_write_text

            atomic_write_text(path, out, "the explanation")
        return out

    def _repr_html_(self) -> str:
        from chainrule.explain.render_html import fragment

        return fragment(self)

    def __rich__(self) -> Any:
        from chainrule.explain.render_text import rich_renderable

        return rich_renderable(self)

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        what = f"sample {self.samples[0].index}" if self.mode == "sample" else "the batch"
        verdict = "proven" if self.proof.agree else "NOT proven"
        return (
            f"<Explanation ∂E/∂{self.weight.symbol} ({self.weight.name}) for {what}: "
            f"{self.value:.10g}, {verdict} against the engine and finite differences>"
        )


# -- explain -------------------------------------------------------------------------------------
def explain(
    net: Sequential,
    X: Any,
    y: Any,
    weight: Any = "W1[1,1]",
    sample: Any = 0,
    lr: float = 0.1,
    *,
    sample_weight: Any = None,
    max_paths: int = P.MAX_PATHS,
    saturation: float = SATURATION,
) -> Explanation:
    """Explain ∂E/∂w for one weight by the chain rule, factor by factor, and prove it.

    Args:
        net: a :class:`~chainrule.Sequential` or :class:`~chainrule.MLP` (not modified).
        X, y: the data, as for ``net.error``.
        weight: ``"W<layer>[<row>,<column>]"``, 1-based (``"W1[1,1]"`` is the lecture's
            W11^(1); the last row of each W is its bias), or the lecture's ``"W11^(1)"``, or a
            tuple ``(layer, row, column)``.
        sample: a row of X (0-based; negative counts from the end): E is that sample's error.
            ``None`` or ``"all"``: the whole batch, E the (weighted) mean over the samples.
        lr: the learning rate of the one-step audit.
        sample_weight: weights of the samples in the batch's mean (batch mode only).
        max_paths: list at most this many paths one by one; past it show the δ recursion.
        saturation: a sigmoid/tanh unit with f'(h) below this is reported as saturated.

    Returns:
        An :class:`Explanation`.

    Example:
        >>> ex = cr.explain(net, X, y, weight="W1[1,1]", sample=0)
        >>> print(ex); ex.factors, ex.value, ex.proof.agree
    """
    if not isinstance(net, Sequential):
        raise TypeError(f"explain: net must be a chainrule Sequential or MLP, got {type(net)}")
    k, i, j = _resolve_weight(net, weight)
    if not (isinstance(lr, int | float | np.floating) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"explain: lr must be a finite number > 0, got {lr!r}")
    if not isinstance(max_paths, int | np.integer) or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a positive integer, got {max_paths!r}")
    Xa = check_X(X, net.n_features, net.dtype)  # unscaled; net's methods standardise once
    ya = np.asarray(y.data if isinstance(y, Tensor) else y)
    net.check_data(Xa, ya, sample_weight)  # every problem with X, y reported here, once
    rows, mode = _resolve_sample(sample, len(Xa))
    Xs, ys = Xa[rows], ya[rows]
    sw = None if mode == "sample" or sample_weight is None else sample_weight

    trace = net.forward(Xs, trace=True)
    _, targets, w = net.check_data(Xs, ys, sw)
    fw = P.Forward(
        weights=[W.copy() for W in net.weights],
        activations=list(net.activations),
        loss=net.loss,
        x=trace.x,
        h=trace.h,
        a=trace.a,
        Y=_dense(targets, net.n_outputs, net.dtype),
        names=P.Names(net.sizes),
    )
    deltas = P.deltas(fw)
    n_paths = P.count_paths(net.sizes, k)
    delta_kj = deltas[k - 1][:, j - 1]
    samples = []
    paths: tuple[P.Path, ...] = ()
    steps: tuple[P.DeltaStep, ...] = ()
    for n, row in enumerate(rows):
        if mode == "sample":
            if n_paths <= max_paths:
                paths = P.enumerate_paths(fw, n, k, i, j)
            steps = P.delta_steps(fw, deltas, n, k)
        factors = P.sample_factors(fw, n, k, i, j, paths, float(delta_kj[n]))
        product = factors[-1].running or 0.0
        s = float(w[n])
        samples.append(SampleTerm(int(row), s, factors, product, s * product))
    value = float(sum(t.contribution for t in samples))

    E, grads = net.value_and_gradients(Xs, ys, sw)
    engine = float(grads[k - 1][i - 1, j - 1])
    f64 = float64_error_function(net, Xs, ys, sw)
    W64 = [np.array(W, dtype=np.float64) for W in net.weights]
    numeric = central_difference(f64, W64, k - 1, i - 1, j - 1, FD_EPS)
    single = np.dtype(net.dtype) == np.float32
    proof = Proof(
        product=value,
        engine=engine,
        numeric=numeric,
        method=(
            f"central differences (E(w + ε) − E(w − ε))/2ε at ε = {FD_EPS:g} and ε/2, "
            "Richardson-extrapolated, in float64"
        ),
        eps=FD_EPS,
        rtol=1e-3 if single else 1e-6,
        atol=1e-6 if single else 1e-10,
    )
    step = one_step(f64, W64, grads, k - 1, i - 1, j - 1, float(lr), float(E))
    checked, units = check_units(fw, k, i, j, saturation)
    diagnostics = Diagnostics(
        saturation, checked, tuple(units), tuple(check_layers(grads, net.weights, float(lr)))
    )
    n_in = net.sizes[k - 1]
    names = fw.names
    info = WeightInfo(
        name=f"W{k}[{i},{j}]",
        layer=k,
        row=i,
        column=j,
        value=float(net.weights[k - 1][i - 1, j - 1]),
        is_bias=i == n_in + 1,
        symbol_expr=names.weight(k, i, j),
        source="1" if i == n_in + 1 else names.unit_label(k - 1, i),
        target=names.unit_label(k, j),
    )
    network = NetworkInfo(
        sizes=tuple(net.sizes),
        activations=tuple(net.activations),
        loss=net.loss,
        dtype=str(net.dtype),
        weights=tuple(W.copy() for W in net.weights),
        standardized=getattr(net, "scaler", None) is not None,
        feature_names=_feature_names(net),
    )
    forward = (
        tuple((trace.h[layer][0].copy(), trace.a[layer][0].copy()) for layer in range(fw.L))
        if mode == "sample"
        else ()
    )
    return Explanation(
        weight=info,
        network=network,
        mode=mode,
        x=np.array(trace.x),
        y=fw.Y,
        forward=forward,
        error=float(E),
        factors=samples[0].factors if mode == "sample" else (),
        paths=paths,
        n_paths=n_paths,
        max_paths=int(max_paths),
        deltas=steps,
        samples=tuple(samples),
        value=value,
        proof=proof,
        step=step,
        diagnostics=diagnostics,
    )


def _resolve_weight(net: Sequential, weight: Any) -> tuple[int, int, int]:
    if isinstance(weight, tuple | list) and len(weight) == 3:
        k, i, j = (int(v) for v in weight)
        name = f"W{k}[{i},{j}]"
    elif isinstance(weight, str):
        try:
            k, i, j = parse_weight(weight)
        except ValueError as err:
            raise ValueError(f"explain: {err}") from None
        name = weight
    else:
        raise TypeError(
            f"explain: weight must be a name like 'W1[1,1]' or a tuple (layer, row, column), "
            f"got {weight!r}"
        )
    L = len(net.layers)
    if not 1 <= k <= L:
        raise IndexError(
            f"explain: weight {name!r} is in layer {k}, but the network has layers 1..{L} "
            f"({', '.join(f'W{n}' for n in range(1, L + 1))})"
        )
    rows, cols = net.weights[k - 1].shape
    if not (1 <= i <= rows and 1 <= j <= cols):
        raise IndexError(
            f"explain: weight {name!r} is outside W{k}, which has rows 1..{rows} (inputs "
            f"1..{rows - 1}, row {rows} is the bias) and columns 1..{cols} (one per unit of "
            f"layer {k}); weights are numbered from 1"
        )
    return k, i, j


def _resolve_sample(sample: Any, m: int) -> tuple[list[int], str]:
    if sample is None or (isinstance(sample, str) and sample.lower() in ("all", "batch")):
        return list(range(m)), "batch"
    if isinstance(sample, bool) or not isinstance(sample, int | np.integer):
        raise TypeError(
            f"explain: sample must be a row index of X (0-based) or None/'all' for the batch, "
            f"got {sample!r}"
        )
    if not -m <= sample < m:
        raise IndexError(
            f"explain: sample={sample} is out of range: X has {m} sample"
            f"{'s' if m != 1 else ''} (rows 0..{m - 1}; sample=None explains the whole batch)"
        )
    return [int(sample) % m], "sample"


def _feature_names(net: Sequential) -> tuple[str, ...] | None:
    names = getattr(net, "feature_names", None)
    if names is None or len(names) != net.n_features:
        return None
    return tuple(str(n) for n in names)


def _dense(targets: np.ndarray, n_outputs: int, dtype: Any) -> np.ndarray:
    """Targets as (m, n_outputs): class indices become one-hot rows."""
    if targets.ndim == 1:
        out = np.zeros((len(targets), n_outputs), dtype=dtype)
        out[np.arange(len(targets)), targets] = 1
        return out
    return np.asarray(targets, dtype=dtype)


def lecture_example() -> tuple[Sequential, np.ndarray, np.ndarray]:
    """The lecture's 2-2-1 sigmoid network with chosen numbers, and one sample: (net, X, y).

    Weights (bias last row, the lecture's W31, W32)::

        W1 = [[0.5, −0.5],     W11, W12        W2 = [[ 1.0],    W11^(2)
              [0.25, 0.75],    W21, W22              [−1.0],    W21^(2)
              [0.0,  0.5]]     W31, W32 (bias)       [ 0.5]]    W31^(2) (bias)

    Sample x = (1, 2), y = 1, binary cross-entropy. Feedforward: h₁ = 1.0, h₂ = 1.5,
    h = σ(1) − σ(1.5) + 0.5 ≈ 0.413484, ŷ ≈ 0.601923, E = −ln ŷ ≈ 0.507626; and
    ∂E/∂W11^(1) = (ŷ − y) · W11^(2) σ(h₁)(1 − σ(h₁)) · x₁ ≈ −0.078267 (tests/test_lecture_engine.py
    works the same numbers by hand).
    """
    from chainrule.nn.network import MLP

    net = MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="binary_cross_entropy", seed=0)
    net.weights[0][...] = [[0.5, -0.5], [0.25, 0.75], [0.0, 0.5]]
    net.weights[1][...] = [[1.0], [-1.0], [0.5]]
    return net, np.array([[1.0, 2.0]]), np.array([[1.0]])
