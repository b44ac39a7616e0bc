"""A table's target and its ID-like columns: the rows and columns a model must not learn from.

Rows whose target is missing are dropped and counted (a missing target is never made a class);
:func:`target_values` gives the labels in their exact type; :func:`id_like_columns` names the
columns that look like identifiers (PassengerId, Name, Ticket), for a warning::

    table, dropped = drop_missing_target(table, "species")     # dropped: how many rows
    y = target_values(table.column("species"))                 # str labels, object array
"""

from __future__ import annotations

import numpy as np

from chainrule.data.table import Column, Table, _integers
from chainrule.errors import DataError

__all__ = ["drop_missing_target", "id_like_columns", "target_values"]


def id_like_columns(table: Table) -> list[str]:
    """Text and integer columns whose values (≥ 20 non-missing) are all distinct: likely IDs."""
    found = []
    for col in table.columns:
        if col.kind in ("text", "integer"):
            present = col.values[~col.missing()].tolist()
            if len(present) >= 20 and len(set(present)) == len(present):
                found.append(col.name)
    return found


def drop_missing_target(table: Table, target: str) -> tuple[Table, int]:
    """``(table without the rows whose target cell is missing, how many were dropped)``."""
    missing = table.column(target).missing()
    n = int(missing.sum())
    return (table.take(~missing) if n else table), n


def target_values(column: Column) -> np.ndarray:
    """The labels of a target column: int64 (or Python ints too big for it), float64, bool, str.

    A missing cell is a DataError: call :func:`drop_missing_target` first.
    """
    n = column.n_missing
    if n:
        raise DataError(
            f"target column {column.name!r}: {n} missing value(s); drop those rows first "
            "(drop_missing_target) — a missing target is never made a class"
        )
    if column.kind == "integer":
        values = column.values
        return values if values.dtype == np.int64 else _integers(values.tolist())
    if column.kind == "number":
        return column.values.astype(np.float64)
    if column.kind == "bool":
        return np.array(column.values.tolist(), dtype=bool)
    out = np.empty(len(column.values), dtype=object)
    out[:] = [str(v) for v in column.values]
    return out
