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
        "history": {"loss": [...], "val_loss": [...], ...} | null
      }

* ``W1.npy``, ``W2.npy``, … — each layer's weights, shape (n_in + 1, n_out), bias last row.

It is read with ``numpy.load(..., allow_pickle=False)``, so loading never runs code. Every entry
is checked before it is used (format, version, the shapes the config implies, finite values, and
the archive's member sizes, so a hostile file cannot make the reader allocate more than the
weights need). Writing goes to a temporary file in the same folder, which is flushed, synced and
then renamed over the target, so a crash never leaves half a file and never destroys the old one.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.errors import ChainruleError
from chainrule.network import Sequential, from_config

FORMAT = "chainrule-model"
FORMAT_VERSION = 1
#: bytes allowed in a member beyond its array data (the .npy header)
_HEADER_ALLOWANCE = 4096
_MAX_META_BYTES = 64 * 1024 * 1024


class ModelFileError(ChainruleError, ValueError):
    """A model file that cannot be read: missing, corrupt, truncated, another version, hostile."""


def save(net: Sequential, path: str | os.PathLike[str], history: Any = None) -> Path:
    """Write ``net`` (weights, architecture, classes, scaler, history) to ``path`` atomically.

    ``history`` defaults to ``net.history`` when ``fit`` left one. Returns the path written.
    """
    from chainrule import __version__

    path = Path(path)
    history = history if history is not None else getattr(net, "history", None)
    if history is not None and hasattr(history, "to_dict"):
        history = history.to_dict()
    classes = net.classes
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "config": net.get_config(),
        "classes": None if classes is None else np.asarray(classes).tolist(),
        "classes_dtype": None if classes is None else np.asarray(classes).dtype.str,
        "feature_names": None if net.feature_names is None else list(net.feature_names),
        "target_name": getattr(net, "target_name", None),
        "scaler": None if net.scaler is None else net.scaler.to_dict(),
        "history": history,
    }
    text = json.dumps(meta, ensure_ascii=False, allow_nan=False, default=_json_default)
    arrays = {"meta": np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
    arrays.update({f"W{k}": W for k, W in enumerate(net.weights, start=1)})
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ModelFileError(
            f"cannot save the model to {path}: the folder {directory} does not exist"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: str | os.PathLike[str]) -> Sequential:
    """Read a model file written by :func:`save`; :class:`ModelFileError` if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = {info.filename: info.file_size for info in archive.infolist()}
            meta = _read_meta(path, archive, sizes)
            config = meta["config"]
            weights = [
                _read_weight(path, archive, sizes, k, spec, config)
                for k, spec in enumerate(config["layers"], start=1)
            ]
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise ModelFileError(
            f"{path}: not a readable chainrule model file (corrupt or truncated: {err})"
        ) from None
    try:
        net = from_config(config, weights)
    except (ValueError, TypeError, KeyError) as err:
        raise ModelFileError(f"{path}: the architecture in the file is not valid: {err}") from None
    _restore_extras(path, net, meta)
    return net


def _read_meta(path: Path, archive: zipfile.ZipFile, sizes: dict[str, int]) -> dict[str, Any]:
    if "meta.npy" not in sizes:
        raise ModelFileError(f"{path}: not a chainrule model file (no meta entry)")
    if sizes["meta.npy"] > _MAX_META_BYTES:
        raise ModelFileError(f"{path}: the metadata is implausibly large; refusing to read it")
    raw = _read_array(path, archive, "meta.npy")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{path}: the metadata entry is not UTF-8 JSON bytes")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ModelFileError(f"{path}: the metadata is not valid JSON ({err})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a chainrule model file (format is not {FORMAT!r})")
    version = meta.get("format_version")
    if version != FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise ModelFileError(
            f"{path}: model format version {version!r}, but this chainrule reads version "
            f"{FORMAT_VERSION}" + ("; upgrade chainrule to read it" if newer else "")
        )
    config = meta.get("config")
    layers = config.get("layers") if isinstance(config, dict) else None
    if (
        not isinstance(layers, list)
        or not layers
        or not all(
            isinstance(s, dict)
            and all(isinstance(s.get(key), int) and 0 < s[key] < 10**7 for key in ("n_in", "n_out"))
            for s in layers
        )
    ):
        raise ModelFileError(f"{path}: the metadata has no valid list of layers")
    if str(config.get("dtype", "float64")) not in ("float32", "float64"):
        raise ModelFileError(f"{path}: unsupported dtype {config.get('dtype')!r}")
    return meta


def _read_weight(
    path: Path,
    archive: zipfile.ZipFile,
    sizes: dict[str, int],
    k: int,
    spec: dict[str, Any],
    config: dict[str, Any],
) -> np.ndarray:
    name = f"W{k}.npy"
    shape = (spec["n_in"] + 1, spec["n_out"])
    dtype = np.dtype(str(config.get("dtype", "float64")))
    if name not in sizes:
        raise ModelFileError(f"{path}: the weights W{k} are missing")
    if sizes[name] > shape[0] * shape[1] * dtype.itemsize + _HEADER_ALLOWANCE:
        raise ModelFileError(f"{path}: W{k} is larger than its shape {shape} allows")
    W = _read_array(path, archive, name)
    if W.shape != shape or W.dtype != dtype:
        raise ModelFileError(
            f"{path}: W{k} has shape {W.shape} and dtype {W.dtype}; the architecture needs "
            f"{shape} {dtype}"
        )
    if not np.isfinite(W).all():
        raise ModelFileError(f"{path}: W{k} holds NaN or infinite values")
    return W


def _read_array(path: Path, archive: zipfile.ZipFile, name: str) -> np.ndarray:
    try:
        with archive.open(name) as f:
            return np.load(io.BytesIO(f.read()), allow_pickle=False)
    except ValueError as err:  # object arrays (pickle) are refused here, among others
        raise ModelFileError(f"{path}: the entry {name} cannot be read safely ({err})") from None


def _restore_extras(path: Path, net: Sequential, meta: dict[str, Any]) -> None:
    from chainrule.data import Standardizer

    try:
        if meta.get("classes") is not None:
            net.classes = np.asarray(meta["classes"], dtype=np.dtype(meta["classes_dtype"]))
        if meta.get("scaler") is not None:
            net.scaler = Standardizer.from_dict(meta["scaler"])
            if net.scaler.mean_.shape != (net.n_features,):
                raise ValueError("the scaler does not match the number of features")
    except (ValueError, TypeError, KeyError) as err:
        raise ModelFileError(f"{path}: the stored classes or scaler are not valid: {err}") from None
    names = meta.get("feature_names")
    net.feature_names = list(map(str, names)) if isinstance(names, list) else None
    net.target_name = meta.get("target_name")
    net.history = meta.get("history")
    net.metadata = {key: meta.get(key) for key in ("format_version", "library_version", "created")}


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in a model file's metadata")
