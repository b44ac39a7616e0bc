"""``explain``: the chain rule for one weight, with its numbers, proven against the engine.

The factors come from the forward trace (:mod:`chainrule.explain.factors`,
:mod:`chainrule.explain.paths`); the proof puts their product beside the engine's gradient
(``net.value_and_gradients``, the one gradient path) and a central finite difference in float64;
a one-step audit and diagnostics say what the gradient means for training. The user's network is
never modified.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.data.checks import check_X
from chainrule.engine.tensor import Tensor
from chainrule.explain.api import Explanation
from chainrule.explain.diagnostics import SATURATION, Diagnostics, check_layers, check_units
from chainrule.explain.explanation import NetworkInfo, SampleTerm, WeightInfo
from chainrule.explain.factors import Factor
from chainrule.explain.paths import (
    MAX_PATHS,
    DeltaStep,
    Path,
    count_paths,
    delta_steps,
    deltas,
    enumerate_paths,
    sample_factors,
)
from chainrule.explain.proof import (
    FD_EPS,
    Proof,
    StepAudit,
    central_difference,
    float64_error_function,
    one_step,
)
from chainrule.explain.trace import Forward, Names
from chainrule.nn.network import MLP
from chainrule.nn.protocol import Network
from chainrule.nn.weight_names import parse_weight


# -- explain -------------------------------------------------------------------------------------
def explain(
    net: Network,
    X: Any,
    y: Any,
    weight: Any = "W1[1,1]",
    sample: Any = 0,
    lr: float = 0.1,
    *,
    sample_weight: Any = None,
    max_paths: int = MAX_PATHS,
    saturation: float = SATURATION,
) -> Explanation:
    """Explain ∂E/∂w for one weight by the chain rule, factor by factor, and prove it.

    Args:
        net: a :class:`~chainrule.Sequential` or :class:`~chainrule.MLP`, or any
            :class:`~chainrule.nn.protocol.Network` (not modified).
        X: the inputs, (n_samples, n_features), as for ``net.error``.
        y: the targets, as for ``net.error``.
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
    if isinstance(net, type) or not isinstance(net, Network):
        raise TypeError(f"explain: net must be a chainrule Sequential or MLP, got {type(net)}")
    kij = _resolve_weight(net, weight)
    _check_options(lr, max_paths)
    rows, mode, data = _select(net, X, y, sample, sample_weight)
    fw, w = _trace(net, *data)
    chain = _chain(fw, w, rows, mode == "sample", kij, int(max_paths))
    E, grads = net.value_and_gradients(*data)
    proof, step = _prove(net, data, chain.value, float(E), grads, kij, float(lr))
    checked, units = check_units(fw, *kij, saturation)
    layers = check_layers(grads, net.weights, float(lr))
    return _explanation(
        fw,
        chain,
        mode,
        float(E),
        int(max_paths),
        weight=_weight_info(net, fw.names, *kij),
        network=_network_info(net),
        proof=proof,
        step=step,
        diagnostics=Diagnostics(saturation, checked, tuple(units), tuple(layers)),
    )


def _explanation(
    fw: Forward, chain: _Chain, mode: str, E: float, max_paths: int, **parts: Any
) -> Explanation:
    """The Explanation from its parts; a single sample keeps its feedforward and its factors."""
    single = mode == "sample"
    forward = tuple((h[0].copy(), a[0].copy()) for h, a in zip(fw.h, fw.a, strict=True))
    return Explanation(
        mode=mode,
        x=np.array(fw.x),
        y=fw.Y,
        forward=forward if single else (),
        error=E,
        factors=chain.samples[0].factors if single else (),
        paths=chain.paths,
        n_paths=chain.n_paths,
        max_paths=max_paths,
        deltas=chain.deltas,
        samples=chain.samples,
        value=chain.value,
        **parts,
    )


def _select(
    net: Network, X: Any, y: Any, sample: Any, sample_weight: Any
) -> tuple[list[int], str, tuple[np.ndarray, np.ndarray, Any]]:
    """(the rows explained, "sample" or "batch", (X, y, sample_weight) of those rows), with
    every problem in X and y reported once, for the whole data."""
    Xa = check_X(X, net.n_features, net.dtype)  # unscaled; net's methods standardise once
    ya = np.asarray(y.data if isinstance(y, Tensor) else y)
    net.check_data(Xa, ya, sample_weight)  # every problem with X, y reported here, once
    rows, mode = _resolve_sample(sample, len(Xa))
    sw = None if mode == "sample" or sample_weight is None else sample_weight
    return rows, mode, (Xa[rows], ya[rows], sw)


def _check_options(lr: Any, max_paths: Any) -> None:
    if not (isinstance(lr, int | float | np.floating) and math.isfinite(lr) and lr > 0):
        raise ValueError(f"explain: lr must be a finite number > 0, got {lr!r}")
    if not isinstance(max_paths, int | np.integer) or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a positive integer, got {max_paths!r}")


def _trace(net: Network, X: np.ndarray, y: Any, sw: Any) -> tuple[Forward, np.ndarray]:
    """Feedforward on the explained samples, as the factors read it, and each sample's weight
    in the mean (s_n/Σs)."""
    trace = net.forward(X, trace=True)
    _, targets, w = net.check_data(X, y, sw)
    fw = Forward(
        weights=[W.copy() for W in net.weights],
        activations=list(net.activations),
        loss=net.loss,
        x=trace.x,
        h=trace.h,
        a=trace.a,
        Y=_dense(targets, net.n_outputs, net.dtype),
        names=Names(net.sizes),
    )
    return fw, w


@dataclass(frozen=True)
class _Chain:
    """The chain rule's side of the explanation: each sample's factors, the paths or the δ
    recursion (for a single sample), and ∂E/∂w as their weighted sum."""

    samples: tuple[SampleTerm, ...]
    paths: tuple[Path, ...]
    deltas: tuple[DeltaStep, ...]
    n_paths: int
    value: float


def _chain(
    fw: Forward,
    w: np.ndarray,
    rows: list[int],
    single: bool,
    kij: tuple[int, int, int],
    max_paths: int,
) -> _Chain:
    k, i, j = kij
    all_deltas = deltas(fw)
    n_paths = count_paths(fw.names.sizes, k)
    delta_kj = all_deltas[k - 1][:, j - 1]
    samples = []
    paths: tuple[Path, ...] = ()
    steps: tuple[DeltaStep, ...] = ()
    for n, row in enumerate(rows):
        if single:
            if n_paths <= max_paths:
                paths = enumerate_paths(fw, n, k, i, j)
            steps = delta_steps(fw, all_deltas, n, k)
        factors: tuple[Factor, ...] = sample_factors(fw, n, k, i, j, paths, float(delta_kj[n]))
        product = factors[-1].running or 0.0
        s = float(w[n])
        samples.append(SampleTerm(int(row), s, factors, product, s * product))
    value = float(sum(t.contribution for t in samples))
    return _Chain(tuple(samples), paths, steps, n_paths, value)


def _prove(
    net: Network,
    data: tuple[np.ndarray, Any, Any],
    product: float,
    E: float,
    grads: list[np.ndarray],
    kij: tuple[int, int, int],
    lr: float,
) -> tuple[Proof, StepAudit]:
    """The product beside the engine's gradient and a float64 central difference; one step."""
    k, i, j = kij
    f64 = float64_error_function(net, *data)
    W64 = [np.array(W, dtype=np.float64) for W in net.weights]
    numeric = central_difference(f64, W64, k - 1, i - 1, j - 1, FD_EPS)
    single = np.dtype(net.dtype) == np.float32
    proof = Proof(
        product=product,
        engine=float(grads[k - 1][i - 1, j - 1]),
        numeric=numeric,
        method=(
            f"central differences (E(w + ε) − E(w − ε))/2ε at ε = {FD_EPS:g} and ε/2, "
            "Richardson-extrapolated, in float64"
        ),
        eps=FD_EPS,
        rtol=1e-3 if single else 1e-6,
        atol=1e-6 if single else 1e-10,
    )
    return proof, one_step(f64, W64, grads, k - 1, i - 1, j - 1, lr, E)


def _weight_info(net: Network, names: Names, k: int, i: int, j: int) -> WeightInfo:
    n_in = net.sizes[k - 1]
    return WeightInfo(
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


def _network_info(net: Network) -> NetworkInfo:
    return NetworkInfo(
        sizes=tuple(net.sizes),
        activations=tuple(net.activations),
        loss=net.loss,
        dtype=str(net.dtype),
        weights=tuple(W.copy() for W in net.weights),
        standardized=getattr(net, "scaler", None) is not None,
        feature_names=_feature_names(net),
    )


def _resolve_weight(net: Network, weight: Any) -> tuple[int, int, int]:
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


def _feature_names(net: Network) -> tuple[str, ...] | None:
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


def lecture_example() -> tuple[MLP, np.ndarray, np.ndarray]:
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
    net = MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="binary_cross_entropy", seed=0)
    net.weights[0][...] = [[0.5, -0.5], [0.25, 0.75], [0.0, 0.5]]
    net.weights[1][...] = [[1.0], [-1.0], [0.5]]
    return net, np.array([[1.0, 2.0]]), np.array([[1.0]])
