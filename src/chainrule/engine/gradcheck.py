"""Check the engine's gradient of any function against central finite differences.

For each float input x and each checked element i, the numeric derivative is the central difference

    ∂φ/∂xᵢ ≈ (φ(x + ε eᵢ) − φ(x − ε eᵢ)) / 2ε,        error O(ε²),

computed in float64. When ``f`` returns more than one number, φ = Σ v ⊙ f(x) for a fixed random v
(seeded), which checks the whole vector-Jacobian product at once. An element passes when
``|engine − numeric| ≤ atol + rtol · |numeric|`` (as ``numpy.allclose``).

Example:
    >>> report = cr.gradcheck(lambda W, x: (x @ W).sigmoid().mean(), (W, x))
    >>> print(report)           # worst absolute and relative error per input, and where
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.engine.grad import value_and_grad
from chainrule.engine.modes import no_grad
from chainrule.engine.tensor import Tensor, make
from chainrule.errors import GradcheckError


@dataclasses.dataclass(frozen=True)
class InputCheck:
    """The comparison for one input: how much was checked, the worst errors, and where."""

    position: int  # which argument of f
    shape: tuple[int, ...]
    checked: int  # elements compared
    total: int  # elements in the input
    failures: int  # elements beyond tolerance
    max_abs_err: float
    max_abs_at: tuple[int, ...]
    max_rel_err: float
    max_rel_at: tuple[int, ...]
    engine_at_worst: float  # the engine's value where the absolute error is largest
    numeric_at_worst: float  # the finite difference there

    @property
    def passed(self) -> bool:
        return self.failures == 0

    def __str__(self) -> str:
        status = "ok" if self.passed else f"FAILED at {self.failures} element(s)"
        return (
            f"input {self.position} {self.shape}: {status}; {self.checked}/{self.total} elements "
            f"checked; worst abs error {self.max_abs_err:.3g} at {self.max_abs_at} (engine "
            f"{self.engine_at_worst:.10g}, numeric {self.numeric_at_worst:.10g}); worst rel error "
            f"{self.max_rel_err:.3g} at {self.max_rel_at}"
        )


@dataclasses.dataclass(frozen=True)
class GradcheckReport:
    """The result of :func:`gradcheck`: one :class:`InputCheck` per checked input."""

    inputs: tuple[InputCheck, ...]
    eps: float
    atol: float
    rtol: float

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.inputs)

    @property
    def max_abs_err(self) -> float:
        return max((c.max_abs_err for c in self.inputs), default=0.0)

    @property
    def max_rel_err(self) -> float:
        return max((c.max_rel_err for c in self.inputs), default=0.0)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        head = "gradcheck passed" if self.passed else "gradcheck FAILED"
        lines = [
            f"{head} (central differences in float64, eps={self.eps:g}, atol={self.atol:g}, "
            f"rtol={self.rtol:g}):"
        ]
        lines += [f"  {check}" for check in self.inputs]
        return "\n".join(lines)


def gradcheck(
    f: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    max_elements: int = 1000,
    seed: int = 0,
    raise_on_failure: bool = True,
) -> GradcheckReport:
    """Compare the engine's gradient of ``f`` with central finite differences, in float64.

    Args:
        f: a function of tensors returning a Tensor (any shape).
        inputs: the arguments of ``f`` (a tuple, or one value). Tensors, float arrays and Python
            floats are checked, as float64 copies; anything else (integers, index arrays, None)
            is passed through unchanged.
        eps: the finite-difference step.
        atol: the absolute tolerance: an element passes when
            ``|engine − numeric| ≤ atol + rtol · |numeric|``.
        rtol: the relative tolerance in that test.
        max_elements: inputs with more elements are checked on a random subset of this many.
        seed: seeds the subset and the projection vector, so a check is reproducible.
        raise_on_failure: raise :class:`~chainrule.GradcheckError` (which carries the report)
            when any element fails; otherwise just return the report.

    Returns:
        A :class:`GradcheckReport` (truthy when it passed); ``print`` it for the details.
    """
    if eps <= 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps}")
    if max_elements < 1:
        raise ValueError(f"gradcheck: max_elements must be at least 1, got {max_elements}")
    args = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
    positions = [i for i, a in enumerate(args) if _is_float_input(a)]
    if not positions:
        raise TypeError("gradcheck: none of the inputs is a Tensor, float array or float to check")
    for i in positions:
        args[i] = np.array(args[i].data if isinstance(args[i], Tensor) else args[i], np.float64)
    rng = np.random.default_rng(seed)

    with no_grad():
        out = _call(f, args)
    weights = None if out.data.size == 1 else rng.standard_normal(out.shape)

    def projected(*xs: Any) -> Tensor:
        y = _call(f, xs)
        return (y if weights is None else y * weights).sum()

    _, engine = value_and_grad(projected, argnums=tuple(positions))(*args)

    def phi() -> float:
        with no_grad():
            return float(projected(*args).data)

    checks = []
    for pos, g in zip(positions, engine, strict=True):
        x = args[pos]
        chosen = _chosen(x.size, max_elements, rng)
        numeric = np.empty(chosen.size)
        flat = x.reshape(-1)  # a view: perturbing it perturbs x
        for n, i in enumerate(chosen):
            original = flat[i]
            flat[i] = original + eps
            plus = phi()
            flat[i] = original - eps
            minus = phi()
            flat[i] = original
            numeric[n] = (plus - minus) / (2 * eps)
        checks.append(_compare(pos, x.shape, g.reshape(-1)[chosen], numeric, chosen, atol, rtol))
    report = GradcheckReport(tuple(checks), eps, atol, rtol)
    if raise_on_failure and not report.passed:
        raise GradcheckError(report)
    return report


def _is_float_input(a: Any) -> bool:
    if isinstance(a, Tensor):
        return True
    if isinstance(a, np.ndarray):
        return bool(a.dtype.kind == "f")
    return isinstance(a, float | np.floating)


def _call(f: Callable[..., Any], args: Sequence[Any]) -> Tensor:
    wrapped = [make(a, None) if _is_float64_array(a) else a for a in args]
    out = f(*wrapped)
    if not isinstance(out, Tensor):
        raise TypeError(
            f"gradcheck: f must return a chainrule Tensor, got {type(out).__name__}; compute it "
            "with chainrule ops."
        )
    return out


def _is_float64_array(a: Any) -> bool:
    return isinstance(a, np.ndarray) and a.dtype == np.float64


def _chosen(size: int, max_elements: int, rng: np.random.Generator) -> np.ndarray:
    if size <= max_elements:
        return np.arange(size)
    return np.sort(rng.choice(size, size=max_elements, replace=False))


def _compare(
    position: int,
    shape: tuple[int, ...],
    engine: np.ndarray,
    numeric: np.ndarray,
    chosen: np.ndarray,
    atol: float,
    rtol: float,
) -> InputCheck:
    with np.errstate(invalid="ignore", divide="ignore"):
        abs_err = np.abs(engine - numeric)
        scale = np.maximum(np.abs(engine), np.abs(numeric))
        rel_err = np.where(scale > 0, abs_err / np.where(scale > 0, scale, 1), 0.0)
    bad = ~(abs_err <= atol + rtol * np.abs(numeric))  # NaN compares False, so it counts as bad
    abs_key = np.where(np.isnan(abs_err), np.inf, abs_err)
    rel_key = np.where(np.isnan(rel_err), np.inf, rel_err)
    worst_abs = int(np.argmax(abs_key)) if abs_key.size else 0
    worst_rel = int(np.argmax(rel_key)) if rel_key.size else 0

    def where(k: int) -> tuple[int, ...]:
        if not chosen.size:
            return ()
        return tuple(int(i) for i in np.unravel_index(chosen[k], shape))

    def at(values: np.ndarray, k: int) -> float:
        return float(values[k]) if values.size else 0.0

    return InputCheck(
        position=position,
        shape=tuple(shape),
        checked=int(chosen.size),
        total=int(np.prod(shape, dtype=np.int64)),
        failures=int(bad.sum()),
        max_abs_err=at(abs_err, worst_abs),
        max_abs_at=where(worst_abs),
        max_rel_err=at(rel_err, worst_rel),
        max_rel_at=where(worst_rel),
        engine_at_worst=at(engine, worst_abs),
        numeric_at_worst=at(numeric, worst_abs),
    )
