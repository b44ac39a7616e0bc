"""Model files: one documented, versioned format, written atomically, read without pickle.

A chainrule model file (conventionally ``*.chainrule``) is a NumPy ``.npz`` archive (a zip of
``.npy`` arrays) holding:

* ``meta.npy`` — a uint8 array of UTF-8 JSON (format version 1)::

      {
        "format": "chainrule-model",      "format_version": 1,
        "library_version": "0.1.0",       "created": "2026-11-26T12:00:00+00:00",
        "config": {"class": "MLP", "layers": [{"n_in": 2, "n_out": 2, "activation": "sigmoid"},
                   ...], "loss": "binary_cross_entropy", "dtype": "float64", ...},
        "classes": ["benign", "malignant"] | null,   "classes_dtype": "<U9" | null,
        "feature_names": [...] | null,              "target_name": "label" | null,
        "scaler": {"mean": [...], "scale": [...], "dtype": "float64"} | null,
        "preprocessor": {"format": "chainrule.preprocess", ...} | absent,
        "history": {"loss": [...], "val_loss": [...], ...} | null
      }

* ``W1.npy``, ``W2.npy``, … — each layer's weights, shape (n_in + 1, n_out), bias last row.

Reading never unpickles and never runs code: each ``.npy`` header is parsed and checked (a plain
numeric dtype, the shape the config implies) before any of its data is read, and only that many
bytes are then read. Every entry is checked before it is used (format, version, shapes, finite
values, the archive's member sizes and storage: members are stored uncompressed, as ``np.savez``
writes them), so a hostile file cannot make the reader allocate more than the file itself holds.
Writing goes to a temporary file in the same folder, which is flushed, synced and then renamed
over the target, so a crash never leaves half a file and never destroys the old one. The new file
gets the usual permissions (0666 less the umask), not the temporary file's private 0600.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data.preprocess import Preprocessor
from chainrule.data.scaling import Standardizer
from chainrule.errors import ModelFileError
from chainrule.io.atomic import atomic_write
from chainrule.io.modelfile_checks import (
    FORMAT,
    FORMAT_VERSION,
    READ_ERRORS,
    history_problem,
    label_array,
    labels_problem,
    member_sizes,
    read_meta,
    read_weight,
)
from chainrule.nn.network import Sequential, from_config
from chainrule.nn.protocol import Network
from chainrule.version import __version__


def save(net: Network, path: str | os.PathLike[str], history: Any = None) -> Path:
    """Write ``net`` (weights, architecture, classes, scaler, preprocessor, history) to ``path``
    atomically.

    ``history`` defaults to ``net.history`` when ``fit`` left one. Returns the path written.
    """
    path = Path(path)
    history = history if history is not None else getattr(net, "history", None)
    if history is not None and hasattr(history, "to_dict"):
        history = history.to_dict()
    history = _finite_json(history)  # a diverged run records NaN losses; JSON has no NaN
    for k, W in enumerate(net.weights, start=1):
        if not np.isfinite(W).all():
            raise ModelFileError(
                f"cannot save the model to {path}: W{k} holds NaN or infinite values (training "
                "diverged; try a smaller learning rate or clip_norm), and such a file could not "
                "be loaded"
            )
    classes = None if net.classes is None else np.asarray(net.classes)
    if classes is not None and classes.dtype == object:
        classes = np.asarray(classes.tolist())  # e.g. pandas labels: str or numbers
    if classes is not None and classes.dtype.kind == "U":  # as wide as its longest label
        classes = np.asarray(classes.tolist(), dtype=str)
    if classes is not None and classes.dtype.kind not in "biufU":
        raise ModelFileError(
            f"cannot save the model to {path}: its class labels ({classes[0]!r}, … of dtype "
            f"{classes.dtype}) are not strings, numbers or booleans, which is what a model file "
            "stores; convert the labels (e.g. y.astype(str)) and fit again"
        )
    problem = None if classes is None else labels_problem(net, classes)
    if problem:  # a file that load() would refuse is not written
        raise ModelFileError(f"cannot save the model to {path}: {problem}")
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "config": net.get_config(),
        "classes": None if classes is None else classes.tolist(),
        "classes_dtype": None if classes is None else classes.dtype.str,
        "feature_names": None if net.feature_names is None else list(net.feature_names),
        "target_name": getattr(net, "target_name", None),
        "scaler": None if net.scaler is None else net.scaler.to_dict(),
        "history": history,
    }
    if net.preprocessor is not None:  # absent otherwise, so older readers see the same file
        meta["preprocessor"] = net.preprocessor.to_dict()
    text = json.dumps(meta, ensure_ascii=False, allow_nan=False, default=_json_default)
    arrays = {"meta": np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    arrays.update({f"W{k}": W for k, W in enumerate(net.weights, start=1)})
    if not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise ModelFileError(
            f"cannot save the model to {path}: the folder {path.parent} does not exist"
        )
    return atomic_write(path, lambda f: np.savez(f, **arrays), "the model")


def _finite_json(value: Any) -> Any:
    """``value`` with every NaN or infinite float replaced by None (recursively)."""
    if isinstance(value, dict):
        return {k: _finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return _finite_json(value.tolist())
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    return value


def load(path: str | os.PathLike[str]) -> Sequential:
    """Read a model file written by :func:`save`; :class:`ModelFileError` if it is not one.

    Whatever the bytes, a failure is a ModelFileError naming the file and the field (see
    :mod:`chainrule.io.modelfile_checks` for what is checked, and the limits).
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = member_sizes(path, archive)
            meta = read_meta(path, archive, sizes)
            config = meta["config"]
            weights = [
                read_weight(path, archive, sizes, k, spec, config)
                for k, spec in enumerate(config["layers"], start=1)
            ]
    except READ_ERRORS as err:  # the archive itself: its directory, a member's header
        raise ModelFileError(
            f"{path}: not a readable chainrule model file (the archive is corrupt or "
            f"truncated: {type(err).__name__}: {err})"
        ) from None
    try:
        net = from_config(config, weights)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as err:
        raise ModelFileError(
            f"{path}: config: the architecture in the file is not valid: {err}"
        ) from None
    _restore_extras(path, net, meta)
    net.preprocessor = _restore_preprocessor(path, net, meta.get("preprocessor"))
    return net


def _restore_preprocessor(path: Path, net: Network, stored: Any) -> Preprocessor | None:
    """The stored :class:`Preprocessor`, checked against the network's inputs; None if none."""
    if stored is None:
        return None
    try:
        pre = Preprocessor.from_dict(stored)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as err:
        raise ModelFileError(
            f"{path}: the stored preprocessing ('preprocessor') is not valid: {err}"
        ) from None
    if len(pre.output_names) != net.n_features:
        raise ModelFileError(
            f"{path}: the stored preprocessing ('preprocessor') makes {len(pre.output_names)} "
            f"inputs for a network with {net.n_features}"
        )
    return pre


def _restore_extras(path: Path, net: Network, meta: dict[str, Any]) -> None:
    """Classes, scaler, history, feature and target names onto ``net``, each checked."""
    field = "classes"
    try:
        if meta.get("classes") is not None:
            net.classes = label_array(path, net, meta["classes"], meta.get("classes_dtype"))
            problem = labels_problem(net, net.classes)
            if problem:
                raise ValueError(problem)
        field = "scaler"
        if meta.get("scaler") is not None:
            net.scaler = Standardizer.from_dict(meta["scaler"])
            if net.scaler.mean_.shape != (net.n_features,):
                raise ValueError("the scaler does not match the number of features")
    except (ValueError, TypeError, OverflowError) as err:
        raise ModelFileError(
            f"{path}: {field}: the stored classes or scaler are not valid: {err}"
        ) from None
    problem = history_problem(meta.get("history"))
    if problem:
        raise ModelFileError(
            f"{path}: history: the stored training history is not valid: {problem}"
        )
    names = meta.get("feature_names")
    if names is not None and (
        not isinstance(names, list) or not all(isinstance(n, str) for n in names)
    ):
        raise ModelFileError(f"{path}: feature_names: expected a list of names or null")
    if isinstance(names, list) and len(names) != net.n_features:
        raise ModelFileError(
            f"{path}: feature_names: {len(names)} feature names for a network with "
            f"{net.n_features} inputs"
        )
    net.feature_names = names
    target = meta.get("target_name")
    if target is not None and not isinstance(target, str | int | float):
        raise ModelFileError(f"{path}: target_name: expected a name or null")
    net.target_name = None if target is None else str(target)
    net.history = meta.get("history")
    net.metadata = {key: meta.get(key) for key in ("format_version", "library_version", "created")}


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in a model file's metadata")
