"""A table read in bounded chunks: :class:`Stream`, for data larger than memory.

A Stream reads a CSV or Parquet file, or a folder of them, through ``pyarrow.dataset``, one
record batch (a chunk of rows) at a time. It never holds the table: at most one chunk being
decoded and a shuffle buffer of rows, both sized from ``memory_limit``.

* **First pass** (:meth:`Stream.fit`, run on first need): the preprocessing statistics (means,
  scales, categories; :mod:`~chainrule.data.stream_stats`), the task and the classes. The result
  is a :class:`~chainrule.data.Preprocessor`, the same kind of preprocessing the in-memory path
  fits and the model file saves.
* **Each epoch** (:meth:`Stream.batches`): the units (a Parquet file's row groups, a CSV file)
  in an order shuffled by (seed, epoch); their rows fill a buffer of ``buffer_rows`` rows; a
  full buffer is permuted (same Generator) and given out as minibatches of ``batch_size`` rows;
  the fewer than ``batch_size`` rows left over stay for the next fill. So the same seed gives the
  same batches, and ``skip=k`` resumes after the epoch's first k batches (a checkpoint does).

Example:
    >>> s = cr.data.Stream("big.parquet", target="label", batch_size=256,
    ...                    memory_limit=200 * 2**20, seed=0)
    >>> net = cr.MLP([s.n_features, 32, 1], output="sigmoid", seed=0)
    >>> cr.fit(net, s, epochs=5)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data.labels import _show
from chainrule.data.limits import MAX_CLASSES
from chainrule.data.preprocess import Preprocessor
from chainrule.data.stream_stats import (
    ColumnStats,
    TargetStats,
    decide_task,
    preprocessor_from_stats,
)
from chainrule.data.table import DEFAULT_NA_VALUES, Column, Table
from chainrule.errors import DataError

__all__ = ["DEFAULT_MEMORY_LIMIT", "Stream"]

#: bytes a Stream holds at most by default (its chunk and its shuffle buffer)
DEFAULT_MEMORY_LIMIT = 256 * 2**20
_FORMATS = {".parquet": "parquet", ".csv": "csv"}


def _arrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.dataset as ds
    except ImportError:
        raise DataError(
            "streaming a table needs pyarrow: pip install 'chainrule[parquet]'"
        ) from None
    return pa, ds


def _open(source: str | Path, na_values: Sequence[str] | None, block: int) -> tuple[Any, str]:
    """(the pyarrow dataset, its format) for a file or a folder of .parquet or .csv files; a CSV
    file is read in blocks of ``block`` bytes."""
    pa, ds = _arrow()
    path = Path(source)
    if path.is_dir():
        suffixes = {p.suffix.lower() for p in path.rglob("*") if p.suffix.lower() in _FORMATS}
        if len(suffixes) != 1:
            found = "none" if not suffixes else " and ".join(sorted(suffixes))
            raise DataError(
                f"{path}: a folder to stream needs .parquet or .csv files, of one kind; found "
                f"{found}"
            )
        kind = _FORMATS[suffixes.pop()]
    elif path.is_file():
        kind = _FORMATS.get(path.suffix.lower(), "")
        if not kind:
            raise DataError(f"{path}: streaming reads .parquet and .csv files; convert it first")
    else:
        raise FileNotFoundError(f"{path}: no such file or folder to stream")
    fmt: Any = kind
    if kind == "csv":
        import pyarrow.csv as csv

        nulls = list(DEFAULT_NA_VALUES if na_values is None else na_values)
        convert = csv.ConvertOptions(null_values=nulls, strings_can_be_null=True)
        fmt = ds.CsvFileFormat(
            convert_options=convert, read_options=csv.ReadOptions(block_size=block)
        )
    try:
        return ds.dataset(str(path), format=fmt, exclude_invalid_files=False), kind
    except (OSError, pa.ArrowException) as err:
        raise DataError(f"{path}: cannot read it as {kind} ({err})") from None


def _column(name: str, array: Any, where: str) -> Column:
    """One column of a record batch as a :class:`~chainrule.data.Column` (its kind by type)."""
    pa, _ = _arrow()
    t = array.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        values = array.cast(pa.float64()).to_numpy(zero_copy_only=False)  # null → NaN
        return Column(name, "number", np.asarray(values, dtype=np.float64))
    if pa.types.is_boolean(t):
        return Column(name, "bool", np.array(array.to_pylist(), dtype=object))
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t):
        return Column(name, "text", np.array(array.cast(pa.string()).to_pylist(), dtype=object))
    raise DataError(f"{where}, column {name!r} holds {t}; stream numbers, text or booleans")


class Stream:
    """A CSV/Parquet file or folder as minibatches (X, y), read in chunks of bounded size.

    Args:
        source: a ``.parquet`` or ``.csv`` file, or a folder of them (one kind).
        target: the target column, a name or a position (default the last).
        features: the feature columns (default all others less ``ignore``).
        ignore: columns left out of the features.
        task: None (guessed as :func:`chainrule.data.detect_task` does), "classification",
            "binary", "multiclass" or "regression".
        batch_size: rows per minibatch.
        seed: the shuffling: the order of epoch e is drawn from ``default_rng([seed, e])``
            (None: 0).
        shuffle: shuffle at all (False: the file's order).
        memory_limit: bytes of data held at most (default 256 MiB): about 4 row groups' bytes
            for the Parquet reader (a CSV file is read in blocks of 1/16 of it); of the rest, a
            third for the chunk being decoded, half for the shuffle buffer.
        impute: how a missing number is filled, as :class:`~chainrule.data.Preprocessor`
            ("mean" only: a median needs the whole column).
        indicators: add a 0/1 input ``"<name> (missing)"`` after each numeric column that had
            a missing cell in the first pass.
        unknown: "warn" (an all-zero code and a DataWarning) or "error" for a category that the
            first pass did not see.
        na_values: the CSV cells read as missing (None: ``DEFAULT_NA_VALUES``: empty, NA, NaN,
            nan, null, None, ?).
        preprocessor: a fitted preprocessing (e.g. from a checkpoint or a model); given with
            ``classes``, a classification stream skips the first pass (a regression stream
            still makes it, for μ and σ of y).
        classes: the class labels, sorted, given with ``preprocessor``.
        max_classes: the most distinct labels accepted as classes.

    After :meth:`fit`: ``preprocessor``, ``task``, ``classes`` (sorted labels, or None),
    ``n_features``, ``feature_names`` (X's columns), ``n_rows`` (rows with a target),
    ``target_mean``/``target_scale`` (regression), ``chunk_rows``, ``buffer_rows``.
    """

    def __init__(
        self, source: str | Path, *, target: str | int | None = None,
        features: Sequence[str] | None = None, ignore: Sequence[str] = (),
        task: str | None = None, batch_size: int = 32, seed: int | None = 0,
        shuffle: bool = True, memory_limit: int = DEFAULT_MEMORY_LIMIT, impute: str = "mean",
        indicators: bool = False, unknown: str = "warn", na_values: Sequence[str] | None = None,
        preprocessor: Preprocessor | None = None, classes: Any = None,
        max_classes: int = MAX_CLASSES,
    ) -> None:  # fmt: skip
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise DataError(f"Stream: batch_size must be a whole number ≥ 1, got {batch_size!r}")
        if isinstance(memory_limit, bool) or not isinstance(memory_limit, int) or (
            memory_limit < 2**16
        ):  # fmt: skip
            raise DataError(f"Stream: memory_limit is in bytes, ≥ 65536; got {memory_limit!r}")
        self.source = str(source)
        self.dataset, self.format = _open(source, na_values, max(2**14, memory_limit // 16))
        names = list(self.dataset.schema.names)
        if isinstance(target, int) and not isinstance(target, bool):
            if not -len(names) <= target < len(names):
                raise DataError(
                    f"{self.source}: target {target} is out of range for {len(names)} columns; "
                    f"use 0..{len(names) - 1}, or -1 for the last"
                )
            target = names[target]
        self.target_name = names[-1] if target is None else target
        ignore = list(ignore)
        self.features = [
            n for n in (features or names) if n != self.target_name and n not in ignore
        ]
        absent = [n for n in [self.target_name, *self.features] if n not in names]
        if absent or not self.features:
            raise DataError(
                f"{self.source}: no column(s) {_show(absent)}; its columns are {_show(names, 20)}"
                if absent else f"{self.source}: no feature columns are left"
            )  # fmt: skip
        self.batch_size, self.seed, self.shuffle = batch_size, 0 if seed is None else seed, shuffle
        self.memory_limit, self.requested_task, self.max_classes = memory_limit, task, max_classes
        self.settings = {"impute": impute, "indicators": indicators, "unknown": unknown,
                         "na_values": na_values}  # fmt: skip
        self.preprocessor, self.task = preprocessor, task
        self.classes = None if classes is None else np.asarray(classes)
        self.target_mean, self.target_scale = 0.0, 1.0
        self.n_rows: int | None = None
        self.units = self._units()
        self._size_buffers()

    # -- reading ---------------------------------------------------------------------------------
    def _units(self) -> list[Any]:
        """What is shuffled each epoch: a Parquet file's row groups, or whole CSV files."""
        units = []
        for frag in self.dataset.get_fragments():
            units += frag.split_by_row_group() if self.format == "parquet" else [frag]
        return units

    def _size_buffers(self) -> None:
        """Rows per chunk and in the shuffle buffer, from the memory limit and the row width.

        The reader needs about 4 × a Parquet row group's bytes (the column chunks read and
        decoded); of what is left, a third goes to the chunk being decoded and preprocessed (raw
        cells and about 3 copies of its X), half to the shuffle buffer (X and y rows).
        """
        raw = 8 * (len(self.features) + 1)  # raw cells: float64 or references
        out = 8 * (len(self.preprocessor.output_names) if self.preprocessor else 2 * raw // 8)
        groups = [u.row_groups[0].total_byte_size for u in self.units if self.format == "parquet"]
        reader = 4 * max(groups, default=0)
        if reader > 3 * self.memory_limit // 4:
            raise DataError(
                f"{self.source}: a row group holds {max(groups) / 2**20:.1f} MB, too large to read "
                f"within memory_limit={self.memory_limit / 2**20:.1f} MB (reading one takes about "
                "4 times its size); raise the limit, or rewrite the file with smaller row groups "
                "(pyarrow.parquet.write_table(table, path, row_group_size=…))"
            )
        left = self.memory_limit - reader
        self.chunk_rows = max(16, left // 3 // (raw + 3 * out))
        self.buffer_rows = max(self.batch_size, left // 2 // (out + 8))

    def chunks(self, order: Sequence[int] | None = None) -> Iterator[Table]:
        """The rows with a target, as Tables of at most ``chunk_rows`` rows, unit by unit."""
        pa, _ = _arrow()
        columns = [*self.features, self.target_name]
        for k in range(len(self.units)) if order is None else order:
            batches = self.units[k].to_batches(
                columns=columns, batch_size=self.chunk_rows, use_threads=False,
                batch_readahead=0, fragment_readahead=0,
            )  # fmt: skip
            try:
                for batch in batches:
                    where = f"{self.source} ({self.units[k].path})"
                    cols = [_column(n, batch.column(n), where) for n in columns]
                    table = Table(cols, where)
                    keep = ~table.column(self.target_name).missing()
                    yield table if keep.all() else table.take(keep)
            except pa.ArrowException as err:
                raise DataError(f"{self.source}: cannot read a chunk ({err})") from None

    # -- the first pass --------------------------------------------------------------------------
    def fit(self) -> Stream:
        """The first pass: preprocessing statistics, task and classes (skipped if given)."""
        if self.n_rows is not None:
            return self
        if self.preprocessor is not None and self.classes is not None:
            self.n_rows = 0  # given (a checkpoint, a model): no first pass, no rows counted
            self.task = "binary" if len(self.classes) <= 2 else "multiclass"
            self._size_buffers()
            return self
        stats = [ColumnStats(n, False, self.source) for n in self.features]
        target = TargetStats(self.target_name, self.max_classes)
        first = True
        for table in self.chunks():
            if first:  # a column's kind comes from the file's type
                for s in stats:
                    s.numeric = table.column(s.name).kind == "number"
                first = False
            for s in stats:
                s.update(table.column(s.name))
            col = table.column(self.target_name)
            target.update(col.values if col.kind == "number" else col.values.astype(str))
        if target.n == 0:
            raise DataError(
                f"{self.source}: no rows with a target {self.target_name!r} to train on"
            )
        self.n_rows = target.n
        if self.preprocessor is None:
            self.preprocessor = preprocessor_from_stats(stats, self.settings)
        if self.classes is None or self.task is None:
            self.task, self.classes = decide_task(target, self.requested_task, self.source)
        if self.task == "regression":
            self.target_mean, self.target_scale = (
                target.mean,
                float(np.sqrt(target.m2 / target.n) or 1.0),
            )
        self._size_buffers()
        return self

    @property
    def n_features(self) -> int:
        return len(self.fit().preprocessor.output_names)

    @property
    def feature_names(self) -> list[str]:
        return list(self.fit().preprocessor.output_names)

    def arrays(self, table: Table) -> tuple[np.ndarray, np.ndarray]:
        """(X, y) of a chunk: X from the preprocessor, y as class indices or float64 values."""
        self.fit()
        X = self.preprocessor.transform(table)
        col = table.column(self.target_name)
        if self.classes is None:
            return X, col.values.astype(np.float64)
        labels = col.values if self.classes.dtype.kind in "iuf" else col.values.astype(str)
        y = np.searchsorted(self.classes, labels)
        bad = (y >= len(self.classes)) | (
            self.classes[np.minimum(y, len(self.classes) - 1)] != labels
        )
        if bad.any():
            raise DataError(
                f"{table.source}, column {self.target_name!r}: the label {labels[bad][0]!r} is not "
                f"one of the classes {_show(self.classes)}"
            )
        return X, y.astype(np.intp)

    # -- an epoch --------------------------------------------------------------------------------
    def batches(self, epoch: int, skip: int = 0) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The minibatches (X_B, y_B) of epoch ``epoch`` (1-based), after the first ``skip``.

        Shuffled by ``numpy.random.default_rng([seed, epoch])``: the unit order, then each full
        buffer. Every batch has ``batch_size`` rows but the epoch's last.
        """
        self.fit()
        rng = np.random.default_rng([self.seed, epoch])
        order = rng.permutation(len(self.units)) if self.shuffle else None
        b, cap, k = self.batch_size, self.buffer_rows, 0
        Xbuf = np.empty((cap, self.n_features))
        ybuf = np.empty(cap, dtype=np.float64 if self.classes is None else np.intp)
        fill = 0
        for table in self.chunks(order):
            X, y = self.arrays(table)
            start = 0
            while start < len(X):
                take = min(cap - fill, len(X) - start)
                Xbuf[fill : fill + take], ybuf[fill : fill + take] = (
                    X[start : start + take], y[start : start + take],
                )  # fmt: skip
                fill, start = fill + take, start + take
                if fill == cap:
                    for out in self._give(Xbuf, ybuf, fill, rng, last=False):
                        k += 1
                        if k > skip:
                            yield out
                    fill %= b  # _give moved the rows left over to the front
        for out in self._give(Xbuf, ybuf, fill, rng, last=True):
            k += 1
            if k > skip:
                yield out

    def _give(
        self, Xbuf: np.ndarray, ybuf: np.ndarray, fill: int, rng: Any, last: bool
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The batches of a full buffer (permuted); the rows short of a batch go to the front."""
        b = self.batch_size
        perm = rng.permutation(fill) if self.shuffle else np.arange(fill)
        whole = fill if last else fill - fill % b
        for s in range(0, whole, b):
            idx = perm[s : min(s + b, whole)]
            yield Xbuf[idx], ybuf[idx]
        if not last and whole < fill:
            rest = perm[whole:]
            Xbuf[: len(rest)], ybuf[: len(rest)] = Xbuf[rest], ybuf[rest]

    def __repr__(self) -> str:
        return (
            f"Stream({self.source!r}, {len(self.units)} {self.format} unit(s), target="
            f"{self.target_name!r}, batch_size={self.batch_size}, memory_limit="
            f"{self.memory_limit})"
        )
