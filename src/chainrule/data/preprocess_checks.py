"""Checks of a :class:`~chainrule.data.preprocess.Preprocessor`'s settings and of its saved form.

A saved preprocessing comes from a model file, which may be damaged or hostile, so
:func:`_checked_spec` checks each column entry field by field before anything uses it: the
fields present and of their types, counts not negative, at most ``max_categories`` one-hot
categories, and numbers that cannot turn a finite cell into inf or NaN (finite fill and mean, a
scale that is a normal positive float, ``(fill − mean) / scale`` finite). Every problem is a
:class:`~chainrule.errors.DataError` naming the column entry and the field.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

from chainrule.data.labels import _show
from chainrule.errors import DataError

_NUMERIC_KEYS = {"name", "kind", "fill", "mean", "scale", "indicator", "missing"}
_ONEHOT_KEYS = {"name", "kind", "categories", "missing"}


def _once(what: str, names: list[str]) -> None:
    seen: set[str] = set()
    twice = set()
    for n in names:  # a set, not a scan of the list per name: a long list stays linear
        (twice if n in seen else seen).add(n)
    if twice:
        raise DataError(f"{what}: {_show(sorted(twice))} named more than once")


def _choice(what: str, value: Any, options: tuple[str, ...]) -> None:
    if not isinstance(value, str) or value not in options:
        raise DataError(f"Preprocessor: {what} must be one of {options}; got {value!r}")


def _flag(what: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise DataError(f"Preprocessor: {what} must be True or False; got {value!r}")


def _strings(what: str, value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise DataError(f"Preprocessor: {what} must be a list of strings; got {value!r}")
    if not all(isinstance(v, str) for v in value):
        raise DataError(f"Preprocessor: {what} must hold strings only; got {list(value)!r}")
    return list(value)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value


def _checked_spec(s: Any, j: int, max_categories: int) -> dict[str, Any]:
    """A column entry of a saved preprocessing, checked field by field."""
    at = f"preprocessing: columns[{j}]"
    if not isinstance(s, Mapping):
        raise DataError(f"{at} must be a dict; got {type(s).__name__}")
    keys = _NUMERIC_KEYS if s.get("kind") == "numeric" else _ONEHOT_KEYS
    if s.get("kind") not in ("numeric", "onehot") or set(s) != keys:
        raise DataError(
            f"{at}: kind must be 'numeric' or 'onehot' with the fields {sorted(keys)}; got "
            f"kind {s.get('kind')!r} and the fields {sorted(map(str, s))}"
        )
    if not isinstance(s["name"], str) or not s["name"]:
        raise DataError(f"{at}: 'name' must be a non-empty string; got {s['name']!r}")
    n = s["missing"]
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= sys.maxsize:
        raise DataError(f"{at}: 'missing' must be a count (int ≥ 0); got {n!r}")
    if s["kind"] == "onehot":
        cats = s["categories"]
        if not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats):
            raise DataError(f"{at}: 'categories' must be a non-empty list of strings")
        if len(cats) > max_categories:
            raise DataError(
                f"{at}: 'categories' holds {len(cats)} categories; a model one-hot encodes at "
                f"most {max_categories}"
            )
        if cats != sorted(set(cats)):
            raise DataError(f"{at}: 'categories' must be sorted, each once; got {_show(cats)}")
        return {"name": s["name"], "kind": "onehot", "categories": list(cats), "missing": n}
    fill, mean, scale = (_finite(at, key, s[key]) for key in ("fill", "mean", "scale"))
    if not scale >= sys.float_info.min:  # a subnormal scale makes x / scale infinite
        raise DataError(
            f"{at}: 'scale' must be > 0 and a normal float (x / scale stays finite); got "
            f"{s['scale']!r}"
        )
    if not math.isfinite((fill - mean) / scale):
        raise DataError(
            f"{at}: 'fill' {fill!r} would become ({fill!r} − {mean!r}) / {scale!r}, which is "
            "not finite"
        )
    _flag(f"columns[{j}].indicator", s["indicator"])
    return {
        "name": s["name"], "kind": "numeric", "fill": fill, "mean": mean, "scale": scale,
        "indicator": s["indicator"], "missing": n,
    }  # fmt: skip


def _finite(at: str, key: str, v: Any) -> float:
    """``v`` as a finite float, or DataError naming the field."""
    try:
        x = float(v) if isinstance(v, Real) and not isinstance(v, bool) else math.nan
    except OverflowError:  # an int beyond float's range
        x = math.nan
    if not math.isfinite(x):
        raise DataError(f"{at}: {key!r} must be a finite number; got {v!r}")
    return x
