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
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data.preprocess import Preprocessor
from chainrule.data.scaling import Standardizer
from chainrule.errors import ModelFileError
from chainrule.io.atomic import atomic_write
from chainrule.nn.network import Sequential, from_config
from chainrule.nn.protocol import Network
from chainrule.version import __version__

FORMAT = "chainrule-model"
FORMAT_VERSION = 1
#: bytes allowed in a member beyond its array data (the .npy header)
_HEADER_ALLOWANCE = 4096
_MAX_META_BYTES = 64 * 1024 * 1024
#: the numpy .npy header is at most this long (numpy's own default limit)
_MAX_NPY_HEADER = 10_000
#: what a hostile or damaged archive can raise while it is read
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    OSError,
    EOFError,
    zlib.error,
    NotImplementedError,  # an unknown compression method
    RuntimeError,  # an encrypted member
    RecursionError,  # deeply nested JSON
    MemoryError,
)


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
    if classes is not None and classes.dtype.kind not in "biufU":
        raise ModelFileError(
            f"cannot save the model to {path}: its class labels ({classes[0]!r}, … of dtype "
            f"{classes.dtype}) are not strings, numbers or booleans, which is what a model file "
            "stores; convert the labels (e.g. y.astype(str)) and fit again"
        )
    problem = None if classes is None else _labels_problem(net, classes)
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
    """Read a model file written by :func:`save`; :class:`ModelFileError` if it is not one."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: no such model file")
    try:
        with zipfile.ZipFile(path) as archive:
            sizes = _member_sizes(path, archive)
            meta = _read_meta(path, archive, sizes)
            config = meta["config"]
            weights = [
                _read_weight(path, archive, sizes, k, spec, config)
                for k, spec in enumerate(config["layers"], start=1)
            ]
    except ModelFileError:
        raise
    except _READ_ERRORS as err:
        raise ModelFileError(
            f"{path}: not a readable chainrule model file (corrupt or truncated: "
            f"{type(err).__name__}: {err})"
        ) from None
    try:
        net = from_config(config, weights)
    except (ValueError, TypeError, KeyError) as err:
        raise ModelFileError(f"{path}: the architecture in the file is not valid: {err}") from None
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
        raise ModelFileError(f"{path}: the stored preprocessing is not valid: {err}") from None
    if len(pre.output_names) != net.n_features:
        raise ModelFileError(
            f"{path}: the stored preprocessing makes {len(pre.output_names)} inputs for a network "
            f"with {net.n_features}"
        )
    return pre


def _member_sizes(path: Path, archive: zipfile.ZipFile) -> dict[str, int]:
    """Each member's size, after checking that it is stored plainly and fits in the file."""
    file_size = path.stat().st_size
    sizes = {}
    for info in archive.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            raise ModelFileError(
                f"{path}: the entry {info.filename} is compressed; chainrule model files store "
                "their arrays uncompressed (as numpy.savez writes them)"
            )
        if info.file_size > file_size:
            raise ModelFileError(
                f"{path}: the entry {info.filename} claims {info.file_size:,} bytes but the "
                f"whole file has {file_size:,}; the file is corrupt or truncated"
            )
        sizes[info.filename] = info.file_size
    return sizes


def _read_meta(path: Path, archive: zipfile.ZipFile, sizes: dict[str, int]) -> dict[str, Any]:
    if "meta.npy" not in sizes:
        raise ModelFileError(f"{path}: not a chainrule model file (no meta entry)")
    if sizes["meta.npy"] > _MAX_META_BYTES:
        raise ModelFileError(f"{path}: the metadata is implausibly large; refusing to read it")
    raw = _read_array(path, archive, "meta.npy", np.dtype(np.uint8))
    if raw.ndim != 1:
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
    W = _read_array(path, archive, name, dtype, shape)
    if not np.isfinite(W).all():
        raise ModelFileError(f"{path}: W{k} holds NaN or infinite values")
    return W


def _read_array(
    path: Path,
    archive: zipfile.ZipFile,
    name: str,
    dtype: np.dtype,
    shape: tuple[int, ...] | None = None,
) -> np.ndarray:
    """One ``.npy`` member, its header checked before a byte of its data is read.

    The stored dtype must be ``dtype`` (either byte order; the result is native) and the shape
    ``shape`` when given (else 1-D). Nothing is unpickled: object dtypes are refused.
    """
    what = name.removesuffix(".npy")
    try:
        with archive.open(name) as f:
            version = np.lib.format.read_magic(f)
            read_header = {
                (1, 0): np.lib.format.read_array_header_1_0,
                (2, 0): np.lib.format.read_array_header_2_0,
            }.get(version)
            if read_header is None:
                raise ValueError(f"unsupported .npy format version {version}")
            stored_shape, fortran, stored = read_header(f, max_header_size=_MAX_NPY_HEADER)
            if stored.hasobject or stored.kind != dtype.kind or stored.itemsize != dtype.itemsize:
                raise ModelFileError(
                    f"{path}: the entry {what} holds {stored}, not {dtype}; refusing to read it"
                )
            expected = shape if shape is not None else stored_shape
            if stored_shape != expected or (shape is None and len(stored_shape) != 1):
                raise ModelFileError(
                    f"{path}: {what} has shape {stored_shape}; the architecture needs "
                    f"{expected if shape is not None else 'a 1-D array'}"
                )
            nbytes = math.prod(stored_shape) * stored.itemsize
            data = f.read(nbytes)
    except ValueError as err:  # a malformed .npy header
        raise ModelFileError(f"{path}: the entry {what} cannot be read safely ({err})") from None
    if len(data) != nbytes:
        raise ModelFileError(
            f"{path}: the entry {what} is truncated ({len(data):,} of {nbytes:,} bytes)"
        )
    array = np.frombuffer(data, dtype=stored).reshape(stored_shape, order="F" if fortran else "C")
    return np.array(array, dtype=dtype.newbyteorder("="), order="C")  # a writable native copy


def _restore_extras(path: Path, net: Network, meta: dict[str, Any]) -> None:
    try:
        if meta.get("classes") is not None:
            dtype = np.dtype(meta["classes_dtype"])
            if dtype.kind not in "biufU":
                raise ValueError(f"class labels of dtype {dtype} are not supported")
            net.classes = np.asarray(meta["classes"], dtype=dtype)
            if net.classes.ndim != 1 or len(net.classes) < 2:
                raise ValueError(f"expected a list of at least 2 labels, got {meta['classes']!r}")
            problem = _labels_problem(net, net.classes)
            if problem:
                raise ValueError(problem)
        if meta.get("scaler") is not None:
            net.scaler = Standardizer.from_dict(meta["scaler"])
            if net.scaler.mean_.shape != (net.n_features,):
                raise ValueError("the scaler does not match the number of features")
            mean, scale = net.scaler.mean_, net.scaler.scale_
            if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
                raise ValueError("the scaler holds non-finite means or non-positive scales")
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise ModelFileError(f"{path}: the stored classes or scaler are not valid: {err}") from None
    problem = _history_problem(meta.get("history"))
    if problem:
        raise ModelFileError(f"{path}: the stored training history is not valid: {problem}")
    names = meta.get("feature_names")
    if isinstance(names, list) and len(names) != net.n_features:
        raise ModelFileError(
            f"{path}: {len(names)} feature names for a network with {net.n_features} inputs"
        )
    net.feature_names = list(map(str, names)) if isinstance(names, list) else None
    target = meta.get("target_name")
    net.target_name = None if target is None else str(target)
    net.history = meta.get("history")
    net.metadata = {key: meta.get(key) for key in ("format_version", "library_version", "created")}


def _labels_problem(net: Network, classes: np.ndarray) -> str | None:
    """What makes ``classes`` unusable as ``net``'s class labels, if anything: a label twice, or
    not one per class (2 for one sigmoid output, one per softmax output)."""
    if classes.ndim != 1 or len(np.unique(classes)) != len(classes):
        return f"the class labels {classes.tolist()!r} are not a list of distinct labels"
    wanted = {"binary": 2, "multiclass": net.n_outputs}.get(net.task, len(classes))
    if len(classes) != wanted:
        return f"{len(classes)} class labels for a {net.task} network of {net.n_outputs} output(s)"
    return None


def _history_problem(h: Any) -> str | None:
    """What is wrong with a stored training history (as ``History.to_dict`` writes it), if
    anything: ``chainrule info`` and ``History.from_dict`` read it back by these types."""

    def numbers(v: Any) -> bool:
        return isinstance(v, list) and all(
            x is None or (isinstance(x, int | float) and not isinstance(x, bool)) for x in v
        )

    if h is None:
        return None
    if not isinstance(h, dict):
        return f"expected an object, got {type(h).__name__}"
    for key in ("loss", "val_loss", "lr"):
        if key in h and not numbers(h[key]):
            return f"{key} must be a list of numbers"
    metrics = h.get("metrics", {})
    if not isinstance(metrics, dict) or not all(map(numbers, metrics.values())):
        return "metrics must map names to lists of numbers"
    for key, kinds in (("epochs_run", int), ("best_epoch", int), ("time", int | float)):
        if h.get(key) is not None and (not isinstance(h[key], kinds) or isinstance(h[key], bool)):
            return f"{key} must be a number"
    if h.get("stop_reason") is not None and not isinstance(h["stop_reason"], str):
        return "stop_reason must be text"
    return None


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot store a {type(value).__name__} in a model file's metadata")
