"""Reading a model file safely: every size, count, shape and dtype checked against the file.

:func:`chainrule.io.modelfile.load` reads through these functions only. A model file may be
damaged or hostile, so nothing read from it is trusted before it is checked against limits
derived from the file itself:

* the archive: every member stored uncompressed (as ``numpy.savez`` writes them), its declared
  size no larger than the whole file, so no member can expand beyond the bytes on disk;
* each ``.npy`` header: parsed here (never by NumPy's fallback tokenizer, never unpickled) with
  ``ast.literal_eval`` on at most :data:`_MAX_NPY_HEADER` bytes; the dtype must be the one
  expected (a plain number, never an object), the shape the one the architecture declares, and
  the member must hold all of that shape's bytes *before* they are read;
* the JSON metadata: UTF-8, no NaN or infinity, nested at most :data:`_MAX_JSON_DEPTH` deep, a
  list of layers no longer than the weight entries present;
* class labels: a dtype from an allow-list, a string width exactly that of the longest label,
  the label count the network's outputs imply, checked before the label array is made.

So a file of N bytes makes ``load`` allocate at most a small multiple of N plus the parameters
it declares and holds. Every failure is a :class:`~chainrule.errors.ModelFileError` whose text
starts with the file and names the field being read.
"""

from __future__ import annotations

import ast
import json
import math
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from chainrule.errors import ModelFileError
from chainrule.nn.protocol import Network

FORMAT = "chainrule-model"
FORMAT_VERSION = 1
#: bytes allowed in a member beyond its array data (the .npy header)
_HEADER_ALLOWANCE = 4096
_MAX_META_BYTES = 64 * 1024 * 1024
#: the numpy .npy header is at most this long (numpy's own default limit)
_MAX_NPY_HEADER = 10_000
_MAX_JSON_DEPTH = 32
_MAX_LAYER_WIDTH = 10**7
#: a label array may take this many bytes per byte of the file, plus _LABEL_BYTES_FLOOR
_LABEL_BYTES_PER_FILE_BYTE = 64
_LABEL_BYTES_FLOOR = 1 << 20
_LABEL_DTYPE = re.compile(r"[<>|=]?(b1|[iu][1248]|f[248]|U([1-9][0-9]{0,9}))")
_NPY_DESCR = re.compile(r"[<>|=]?[a-zA-Z?][0-9]{0,2}")
#: what a hostile or damaged archive can raise while it is read
READ_ERRORS = (
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


def member_sizes(path: Path, archive: zipfile.ZipFile) -> dict[str, int]:
    """Each member's size, after checking that it is stored plainly and fits in the file."""
    file_size = path.stat().st_size
    sizes = {}
    for info in archive.infolist():
        if info.compress_type != zipfile.ZIP_STORED:
            raise ModelFileError(
                f"{path}: {info.filename}: the entry is compressed; chainrule model files store "
                "their arrays uncompressed (as numpy.savez writes them)"
            )
        if max(info.file_size, info.compress_size) > file_size:
            raise ModelFileError(
                f"{path}: {info.filename}: the entry claims {info.file_size:,} bytes but the "
                f"whole file has {file_size:,}; the file is corrupt or truncated"
            )
        sizes[info.filename] = info.file_size
    return sizes


def read_meta(path: Path, archive: zipfile.ZipFile, sizes: dict[str, int]) -> dict[str, Any]:
    """The JSON metadata, its format, version and list of layers checked."""
    if "meta.npy" not in sizes:
        raise ModelFileError(f"{path}: not a chainrule model file (no meta entry)")
    if sizes["meta.npy"] > _MAX_META_BYTES:
        raise ModelFileError(f"{path}: meta: the metadata is implausibly large; refusing it")
    raw = read_array(path, archive, "meta.npy", np.dtype(np.uint8))
    meta = _parse_json(path, raw.tobytes())
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{path}: not a chainrule model file (format is not {FORMAT!r})")
    version = meta.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise ModelFileError(
            f"{path}: format_version: model format version {version!r}, but this chainrule "
            f"reads version {FORMAT_VERSION}" + ("; upgrade chainrule to read it" if newer else "")
        )
    config = meta.get("config")
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list) or not layers or not all(map(_layer_ok, layers)):
        raise ModelFileError(f"{path}: config.layers: the metadata has no valid list of layers")
    n_weights = sum(name != "meta.npy" for name in sizes)
    if len(layers) > n_weights:
        raise ModelFileError(
            f"{path}: config.layers: {len(layers)} layers declared but the file holds "
            f"{n_weights} weight entries; the weights W{n_weights + 1} are missing"
        )
    if config.get("dtype", "float64") not in ("float32", "float64"):
        raise ModelFileError(f"{path}: config.dtype: unsupported dtype {config.get('dtype')!r}")
    return meta


def _layer_ok(spec: Any) -> bool:
    return isinstance(spec, dict) and all(
        isinstance(spec.get(key), int)
        and not isinstance(spec[key], bool)
        and 0 < spec[key] < _MAX_LAYER_WIDTH
        for key in ("n_in", "n_out")
    )


def _parse_json(path: Path, data: bytes) -> Any:
    """UTF-8 JSON without NaN, infinities or deep nesting; ModelFileError naming meta if not."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_no_constant, parse_float=_float)
    except (ValueError, RecursionError) as err:  # JSONDecodeError and UnicodeDecodeError too
        why = "nested too deeply" if isinstance(err, RecursionError) else str(err)[:200]
        raise ModelFileError(f"{path}: meta: the metadata is not valid JSON ({why})") from None
    level, depth = [value], 0
    while level:  # breadth first, without recursion
        depth += 1
        if depth > _MAX_JSON_DEPTH:
            raise ModelFileError(
                f"{path}: meta: the metadata is not valid JSON (nested more than "
                f"{_MAX_JSON_DEPTH} deep)"
            )
        level = [
            child
            for v in level
            if isinstance(v, dict | list)
            for child in (v.values() if isinstance(v, dict) else v)
            if isinstance(child, dict | list)
        ]
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a model file holds")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def read_weight(
    path: Path,
    archive: zipfile.ZipFile,
    sizes: dict[str, int],
    k: int,
    spec: dict[str, Any],
    config: dict[str, Any],
) -> np.ndarray:
    """``W{k}``: the shape its layer declares, in the config's dtype, every value finite."""
    name = f"W{k}.npy"
    shape = (spec["n_in"] + 1, spec["n_out"])
    dtype = np.dtype(str(config.get("dtype", "float64")))
    if name not in sizes:
        raise ModelFileError(f"{path}: W{k}: the weights W{k} are missing")
    if sizes[name] > shape[0] * shape[1] * dtype.itemsize + _HEADER_ALLOWANCE:
        raise ModelFileError(f"{path}: W{k}: W{k} is larger than its shape {shape} allows")
    W = read_array(path, archive, name, dtype, shape)
    if not np.isfinite(W).all():
        raise ModelFileError(f"{path}: W{k}: W{k} holds NaN or infinite values")
    return W


def read_array(
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
            stored_shape, fortran, stored = _npy_header(path, f, what)
            if stored.hasobject or stored.kind != dtype.kind or stored.itemsize != dtype.itemsize:
                raise ModelFileError(
                    f"{path}: {what}: the entry {what} holds {stored}, not {dtype}; refusing it"
                )
            expected = shape if shape is not None else stored_shape
            if stored_shape != expected or (shape is None and len(stored_shape) != 1):
                raise ModelFileError(
                    f"{path}: {what}: {what} has shape {stored_shape}; the architecture needs "
                    f"{expected if shape is not None else 'a 1-D array'}"
                )
            nbytes = math.prod(stored_shape) * stored.itemsize
            if nbytes > archive.getinfo(name).file_size:  # checked before anything is read
                raise ModelFileError(
                    f"{path}: {what}: the entry {what} is truncated (its shape needs "
                    f"{nbytes:,} bytes; the entry holds {archive.getinfo(name).file_size:,})"
                )
            data = f.read(nbytes)
    except READ_ERRORS as err:
        raise ModelFileError(
            f"{path}: {what}: the entry cannot be read; the file is corrupt or truncated "
            f"({type(err).__name__}: {err})"
        ) from None
    if len(data) != nbytes:
        raise ModelFileError(
            f"{path}: {what}: the entry {what} is truncated ({len(data):,} of {nbytes:,} bytes)"
        )
    array = np.frombuffer(data, dtype=stored).reshape(stored_shape, order="F" if fortran else "C")
    return np.array(array, dtype=dtype.newbyteorder("="), order="C")  # a writable native copy


def _npy_header(path: Path, f: BinaryIO, what: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """(shape, fortran_order, dtype) from a ``.npy`` header, every field checked."""

    def bad(why: str) -> ModelFileError:
        return ModelFileError(f"{path}: {what}: the entry {what} cannot be read safely ({why})")

    magic = f.read(8)
    if len(magic) != 8 or magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2, 3):
        raise bad(f"not a .npy array of a known format version: {magic!r}")
    width = 2 if magic[6] == 1 else 4
    length = f.read(width)
    size = int.from_bytes(length, "little")
    if len(length) != width or size > _MAX_NPY_HEADER:
        raise bad(f"a header of {size:,} bytes; at most {_MAX_NPY_HEADER:,} are read")
    text = f.read(size)
    if len(text) != size:
        raise bad("truncated header")
    try:
        header = ast.literal_eval(text.decode("latin1" if magic[6] < 3 else "utf-8"))
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError) as err:
        raise bad(f"the header is not a Python literal: {type(err).__name__}") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise bad("the header is not a dict of descr, fortran_order and shape")
    shape, fortran, descr = header["shape"], header["fortran_order"], header["descr"]
    if not isinstance(shape, tuple) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise bad(f"shape {shape!r} is not a tuple of sizes")
    if not isinstance(fortran, bool):
        raise bad(f"fortran_order {fortran!r} is not True or False")
    if not isinstance(descr, str) or not _NPY_DESCR.fullmatch(descr):
        raise bad(f"descr {descr!r} is not a plain dtype")
    try:
        return shape, fortran, np.dtype(descr)
    except TypeError as err:
        raise bad(f"descr {descr!r} is not a dtype: {err}") from None


def label_array(path: Path, net: Network, labels: Any, text: Any) -> np.ndarray:
    """The stored class labels as an array, its dtype and size checked before it is made."""
    if not isinstance(labels, list) or len(labels) < 2:
        raise ValueError(f"classes: expected a list of at least 2 labels, got {labels!r:.80}")
    wanted = {"binary": 2, "multiclass": net.n_outputs}.get(net.task, len(labels))
    if len(labels) != wanted:
        raise ValueError(
            f"classes: {len(labels)} class labels for a {net.task} network of "
            f"{net.n_outputs} output(s)"
        )
    match = _LABEL_DTYPE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"classes_dtype: {text!r:.80} is not a label dtype (strings <U…, integers, floats "
            "or booleans)"
        )
    kind = match.group(1)[0]
    fits = {"b": bool, "i": int, "u": int, "f": int | float, "U": str}[kind]
    if not all(isinstance(v, fits) and (kind == "b") == isinstance(v, bool) for v in labels):
        raise ValueError(f"classes: the labels {labels!r:.80} are not all of dtype {text}")
    if kind == "U":
        longest = max(1, *map(len, labels))
        if int(match.group(2)) != longest:
            raise ValueError(
                f"classes_dtype: {text} is not as wide as the longest label ({longest} characters)"
            )
        limit = _LABEL_BYTES_PER_FILE_BYTE * path.stat().st_size + _LABEL_BYTES_FLOOR
        if len(labels) * 4 * longest > limit:
            raise ValueError(f"classes: {len(labels)} labels of {longest} characters is too much")
    with np.errstate(over="ignore"):
        classes = np.array(labels, dtype=np.dtype(text))  # OverflowError: an int out of range
    if kind == "f" and not np.isfinite(classes).all():
        raise ValueError(f"classes: the labels {labels!r:.80} do not fit in {text}")
    return classes


def labels_problem(net: Network, classes: np.ndarray) -> str | None:
    """What makes ``classes`` unusable as ``net``'s class labels, if anything: a label twice, or
    not one per class (2 for one sigmoid output, one per softmax output)."""
    if classes.ndim != 1 or len(np.unique(classes)) != len(classes):
        return f"the class labels {classes.tolist()!r} are not a list of distinct labels"
    wanted = {"binary": 2, "multiclass": net.n_outputs}.get(net.task, len(classes))
    if len(classes) != wanted:
        return f"{len(classes)} class labels for a {net.task} network of {net.n_outputs} output(s)"
    return None


def history_problem(h: Any) -> str | None:
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
