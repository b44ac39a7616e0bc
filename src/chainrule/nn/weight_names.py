"""Weights by their lecture names: ``"W1[1,1]"`` is w_11^(1), and where it lives in the network.

Names are 1-based, as in the lecture: ``"W<k>[<i>,<j>]"`` is the weight in row i, column j of
layer k's matrix W^(k) of shape (n_in + 1, n_out), from input i to unit j; the last row is the
bias (``"W1[3,1]"`` in a layer with two inputs is the lecture's "W31"). Also accepted:
``"W^(1)[1,1]"`` and the lecture's own ``"W11^(1)"``.

Example:
    >>> parse_weight("W11^(2)")
    (2, 1, 1)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

_WEIGHT_NAME = re.compile(
    r"^\s*W\s*(?:\^?\(\s*(\d+)\s*\)|(\d+))\s*\[\s*(\d+)\s*,\s*(\d+)\s*\]\s*$", re.IGNORECASE
)
_LECTURE_NAME = re.compile(r"^\s*W\s*(\d)(\d)\s*\^?\s*\(\s*(\d+)\s*\)\s*$", re.IGNORECASE)


def parse_weight(name: str) -> tuple[int, int, int]:
    """``"W1[1,1]"`` (or ``"W^(1)[1,1]"``, or the lecture's ``"W11^(1)"``) → (k, i, j), 1-based."""
    m = _WEIGHT_NAME.match(str(name))
    if m:
        k = m.group(1) or m.group(2)
        return int(k), int(m.group(3)), int(m.group(4))
    m = _LECTURE_NAME.match(str(name))
    if m:
        return int(m.group(3)), int(m.group(1)), int(m.group(2))
    raise ValueError(
        f"cannot read the weight name {name!r}; write it as 'W<layer>[<row>,<column>]', 1-based, "
        "e.g. 'W1[1,1]' for the lecture's W11^(1) (the last row of each layer is its bias)"
    )


def locate(
    weights: Sequence[np.ndarray[Any, Any]], name: str
) -> tuple[np.ndarray[Any, Any], int, int]:
    """(W^(k), row, column) of the weight ``name`` among ``weights`` = [W1, W2, …], 0-based indices.

    Raises ValueError naming the layers, rows and columns there are when the name is out of range.
    """
    k, i, j = parse_weight(name)
    if not 1 <= k <= len(weights):
        raise ValueError(f"{name}: the network has layers 1..{len(weights)}")
    W = weights[k - 1]
    rows, cols = W.shape
    if not (1 <= i <= rows and 1 <= j <= cols):
        raise ValueError(
            f"{name}: W{k} has rows 1..{rows} (row {rows} is the bias) and columns 1..{cols}"
        )
    return W, i - 1, j - 1


__all__ = ["locate", "parse_weight"]
