"""The arrays the engine computes on: their types, and the checks that turn user data into them.

``Array`` is the annotation of every ndarray the engine passes around (forward inputs and outputs,
gradients); ``FLOAT_DTYPES`` are the two dtypes it computes in. The helpers below explain why some
data cannot become a float array (text, complex numbers, ragged rows, values too large for
float32), naming the first bad element; :func:`chainrule.engine.tensor.as_float_array` uses them.
"""

from __future__ import annotations

import numbers
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

from chainrule.errors import DataError, DTypeError, ShapeError

#: an ndarray of any dtype and shape: what the primitives' forward and backward take and return
Array: TypeAlias = NDArray[Any]

#: the axes a reduction works on: None (all), one axis, or several; negative counts from the end
Axis: TypeAlias = int | tuple[int, ...] | None

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def to_float_array(data: Any, dtype: Any = None, *, copy: bool, what: str) -> Array:
    """``data`` as a float32/float64 ndarray, or a clear error naming the first bad element.

    Floats keep their dtype (float16 and longdouble are refused) unless ``dtype`` is given;
    integers and booleans become float64. ``copy``: always copy, else share ``data`` when it is
    already a float ndarray of the target dtype. ``what`` names the caller in error messages.
    """
    target = target_dtype(dtype, what)
    data = unmasked(data, what)
    try:
        arr = np.asarray(data)
    except (ValueError, TypeError):
        raise ShapeError(f"{what}: {ragged_detail(data)}") from None
    kind = arr.dtype.kind
    if kind == "f":
        if target is None:
            if arr.dtype not in FLOAT_DTYPES:
                raise DTypeError(
                    f"{what}: dtype {arr.dtype} is not supported; chainrule computes in float32 "
                    "or float64. Pass dtype=np.float32 or dtype=np.float64 to convert."
                )
            target = arr.dtype
    elif kind in "biu":
        target = target or np.dtype(np.float64)
    else:
        raise DTypeError(f"{what}: {non_numeric_detail(arr)}")
    if target.itemsize < arr.dtype.itemsize and arr.size:
        check_fits(arr, target, what)
    if copy:
        return np.array(arr, dtype=target)
    return np.asarray(arr, dtype=target)


def unmasked(data: Any, what: str) -> Any:
    """``data`` itself, or a masked array's values when none is masked; a DataError otherwise.

    ``np.asarray`` of a ``numpy.ma.MaskedArray`` silently returns the values under the mask too,
    so a masked-out cell would be computed with as if it were data.
    """
    if not isinstance(data, np.ma.MaskedArray):
        return data
    mask = np.ma.getmaskarray(data)
    if not mask.any():
        return np.ma.getdata(data)
    first = tuple(int(i) for i in np.argwhere(mask)[0])
    where = f"; the first at index {first}" if first else ""
    raise DataError(
        f"{what}: a masked array with {int(mask.sum())} masked value(s){where}. chainrule does "
        "not skip masked values: fill them (data.filled(value)) or drop the rows that hold "
        "them (data[~np.ma.getmaskarray(data).any(axis=1)]) first."
    )


def target_dtype(dtype: Any, what: str) -> np.dtype[Any] | None:
    """``dtype`` as float32 or float64 (None stays None), or a DTypeError naming ``what``."""
    if dtype is None:
        return None
    try:
        dt: np.dtype[Any] = np.dtype(dtype)
    except TypeError:
        raise DTypeError(f"{what}: dtype={dtype!r} is not a NumPy dtype") from None
    if dt not in FLOAT_DTYPES:
        raise DTypeError(f"{what}: dtype={dt} is not supported; use float32 or float64.")
    return dt


def check_fits(arr: Array, target: np.dtype[Any], what: str) -> None:
    """Refuse finite values too large for ``target`` (float32), instead of turning them into inf."""
    limit = np.finfo(target).max
    with np.errstate(invalid="ignore"):
        too_big = (np.abs(arr) > limit) & np.isfinite(arr)
    if too_big.any():
        index = tuple(int(i) for i in np.argwhere(too_big)[0])
        raise DTypeError(
            f"{what}: the value {arr[index].item()!r} at index {index} is too large for "
            f"{target} (largest {limit:.4g}); rescale the data or use float64."
        )


def non_numeric_detail(arr: Array) -> str:
    """Why ``arr`` (not float, integer or boolean) is refused: the first value that is no number."""
    if arr.dtype.kind == "c":
        return f"complex numbers (dtype {arr.dtype}) are not supported; pass the real part."
    if arr.dtype.kind in "USO":
        for index in np.ndindex(arr.shape):
            value = arr[index]
            if isinstance(value, np.generic):
                value = value.item()
            if arr.dtype.kind != "O" and _parses_as_float(value):
                continue
            if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
                continue
            where = f" at index {index}" if arr.ndim else ""
            return (
                f"expected numbers, found {value!r} ({type(value).__name__}){where} in an array "
                f"of dtype {arr.dtype}. Convert or drop that value first."
            )
        return (
            f"expected numbers, got an array of dtype {arr.dtype} (numbers stored as text or "
            "objects); convert it first with np.asarray(data, dtype=float)."
        )
    return f"expected numbers, got an array of dtype {arr.dtype}."


def _parses_as_float(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def ragged_detail(data: Any) -> str:
    """Find where a nested sequence stops being rectangular, e.g. 'row (1,) has 2 elements ...'."""
    level: list[tuple[tuple[int, ...], Any]] = [((), data)]
    while level:
        is_seq = [isinstance(s, list | tuple | np.ndarray) for _, s in level]
        if not any(is_seq):
            break
        if not all(is_seq):
            i_seq, i_num = level[is_seq.index(True)][0], level[is_seq.index(False)][0]
            return f"ragged data: element {i_num} is a number where element {i_seq} is a sequence."
        seqs = level
        first_index, first = seqs[0]
        for index, seq in seqs[1:]:
            if len(seq) != len(first):
                return (
                    f"ragged data: element {index} has {len(seq)} entries where element "
                    f"{first_index} has {len(first)}; every row must have the same length."
                )
        level = [((*i, j), item) for i, s in seqs for j, item in enumerate(s)]
    return "cannot make a rectangular array of numbers from this data."
