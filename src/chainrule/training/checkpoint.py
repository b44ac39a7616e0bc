"""Training checkpoints: everything a killed run needs to continue bit for bit.

A checkpoint is one file written atomically (:mod:`chainrule.io.atomic`: a reader, or a run
killed mid-write, sees the old file or the new one). It is a NumPy ``.npz`` archive of plain
arrays — read back with ``allow_pickle=False`` — holding:

* ``W.<k>``: the network's weights; ``opt.<key>``: the optimizer's state arrays
  (``Optimizer.state_dict``: moments, step counts);
* ``cb.<i>.<key>``: arrays of callbacks that keep state (early stopping's best weights);
* ``meta``: UTF-8 JSON: the format, the global step, the epoch and the batches done in it (the
  position in the data, whose order is a function of (seed, epoch)), the seed, the epoch's running
  sums (loss and metric), the history so far, the optimizer's and the schedule's settings, the
  callbacks' other state, the preprocessing (``Preprocessor.to_dict``), the classes and the
  number of ranks.

Floats in JSON round-trip exactly (Python writes the shortest repr that reads back the same).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.errors import CheckpointError
from chainrule.io.atomic import atomic_write_bytes

__all__ = ["FORMAT", "load_checkpoint", "save_checkpoint"]

FORMAT = ("chainrule.checkpoint", 1)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in a checkpoint")


def save_checkpoint(
    path: str | os.PathLike[str], meta: dict[str, Any], arrays: dict[str, np.ndarray]
) -> Path:
    """Write ``meta`` (JSON-able) and ``arrays`` to ``path`` atomically; returns the path."""
    text = json.dumps({"format": list(FORMAT), **meta}, default=_json_default)
    buf = io.BytesIO()
    payload = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    np.savez(buf, meta=np.frombuffer(text.encode("utf-8"), dtype=np.uint8), **payload)
    return atomic_write_bytes(path, buf.getvalue(), "the checkpoint")


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """(meta, arrays) of a checkpoint; :class:`CheckpointError` if it is not one."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as err:
        raise CheckpointError(
            f"{path}: cannot read it as a chainrule checkpoint ({err}); delete it to start over"
        ) from None
    try:
        meta = json.loads(arrays.pop("meta").tobytes().decode("utf-8"))
    except (KeyError, ValueError) as err:
        raise CheckpointError(f"{path}: the checkpoint's metadata is unreadable ({err})") from None
    if tuple(meta.get("format", ())) != FORMAT:
        raise CheckpointError(
            f"{path}: not a checkpoint of format {FORMAT} (found {meta.get('format')!r})"
        )
    return meta, arrays


def split_state(state: dict[str, Any], prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A state dict as (JSON values, arrays with ``prefix`` on their keys)."""
    plain, arrays = {}, {}
    for k, v in state.items():
        if isinstance(v, np.ndarray):
            arrays[f"{prefix}{k}"] = v
        else:
            plain[k] = v
    return plain, arrays


def join_state(plain: dict[str, Any], arrays: dict[str, np.ndarray], prefix: str) -> dict[str, Any]:
    """The inverse of :func:`split_state`."""
    state = dict(plain)
    state.update({k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)})
    return state
