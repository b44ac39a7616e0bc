"""Tables of typed columns: CSV, Parquet/Arrow files and DataFrames, with missing values kept.

:func:`read_table` reads a file into a :class:`Table`, one :class:`Column` per header name, each
of one kind: ``"integer"`` (exact Python ints, never rounded through a float), ``"number"``
(float64, NaN missing), ``"bool"`` (true/false/yes/no in any case) or ``"text"``::

    table = read_table("penguins.csv")              # NA, NaN, null, None, ? and empty: missing
    table.column("sex").kind, table.where(16)       # 'text', 'penguins.csv, line 18'

CSV quoting follows RFC 4180; an unterminated quote is a DataError naming the line where it opened.
Only regular files are read, within the sizes of :mod:`chainrule.data.limits` (file, cell).
:func:`table_from_frame` makes the same Table from a pandas or polars DataFrame, a 2-D array or a
dict of columns. Preprocessing a Table into X is :mod:`chainrule.data.preprocess`.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.data import limits
from chainrule.data.csvtext import DELIMITERS, sniff
from chainrule.data.csvtext import records as split_records
from chainrule.data.labels import _show
from chainrule.errors import DataError

__all__ = [
    "DEFAULT_NA_VALUES",
    "KINDS",
    "Column",
    "Table",
    "parse_table",
    "read_table",
    "table_from_frame",
]

DEFAULT_NA_VALUES: tuple[str, ...] = ("", "NA", "NaN", "nan", "null", "None", "?")
_NA_ANY_CASE = frozenset({"na", "nan", "null", "none"})  # with the default list, in any case
KINDS = ("number", "integer", "bool", "text")
_INT = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?|[+-]?inf(?:inity)?", re.I)
_BOOL = {"true": True, "false": False, "yes": True, "no": False}
_INT64 = np.iinfo(np.int64)
_ARROW = (".parquet", ".arrow", ".feather")


@dataclass(eq=False)
class Column:
    """One named column of a :class:`Table`; ``kind`` says how ``values`` holds it.

    number: float64, NaN missing. integer: int64 when none is missing and all fit, else an object
    array of Python ints and None. bool: object array of True/False/None. text: str/None.
    """

    name: str
    kind: str
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise DataError(f"column {self.name!r}: kind must be one of {KINDS}; got {self.kind!r}")

    def missing(self) -> np.ndarray:
        """A bool mask (m,): True where the cell is missing."""
        if self.kind == "number":
            return np.isnan(self.values)
        if self.values.dtype != object:
            return np.zeros(len(self.values), dtype=bool)
        return np.fromiter((v is None for v in self.values), dtype=bool, count=len(self.values))

    @property
    def n_missing(self) -> int:
        return int(self.missing().sum())

    def __len__(self) -> int:
        return len(self.values)


@dataclass(eq=False)
class Table:
    """Columns of equal length, the file they came from and the line each row started on."""

    columns: list[Column]
    source: str = ""
    lines: np.ndarray | None = None

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def n_rows(self) -> int:
        return len(self.columns[0].values) if self.columns else 0

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        where = f"{self.source}: " if self.source else ""
        raise DataError(f"{where}no column {name!r}; the columns are {_show(self.names, 20)}")

    def select(self, names: Sequence[str]) -> Table:
        """The columns ``names``, in that order."""
        return Table([self.column(n) for n in names], self.source, self.lines)

    def drop(self, names: Sequence[str]) -> Table:
        gone = {self.column(n).name for n in names}  # an unknown name is an error
        return Table([c for c in self.columns if c.name not in gone], self.source, self.lines)

    def take(self, rows: Any) -> Table:
        """The rows ``rows`` (indices or a bool mask of n_rows); ``lines`` follow them."""
        rows = np.asarray(rows)
        if rows.dtype == bool and rows.shape != (self.n_rows,):
            raise DataError(f"take: a mask of shape {rows.shape} for {self.n_rows} rows")
        columns = [Column(c.name, c.kind, _tidy(c.kind, c.values[rows])) for c in self.columns]
        lines = None if self.lines is None else self.lines[rows]
        return Table(columns, self.source, lines)

    def where(self, row: int) -> str:
        """Where row ``row`` (0-based) came from: "penguins.csv, line 17", or "row 16"."""
        if self.lines is not None:
            return f"{self.source}, line {int(self.lines[row])}"
        return f"{self.source}, row {row}" if self.source else f"row {row}"


def _tidy(kind: str, values: np.ndarray) -> np.ndarray:
    """Integers back to int64 once no value is missing (after rows were taken)."""
    return _integers(list(values)) if kind == "integer" and values.dtype == object else values


def _integers(ints: list) -> np.ndarray:
    if all(v is not None and _INT64.min <= v <= _INT64.max for v in ints):
        return np.array(ints, dtype=np.int64)
    return _objects(ints)


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


# ---------------------------------------------------------------- cells to a typed column


def _na_test(na_values: Sequence[str] | None):
    if na_values is None:
        exact, any_case = frozenset(DEFAULT_NA_VALUES), _NA_ANY_CASE
    else:
        if isinstance(na_values, str):
            raise DataError(f"na_values must be a list of strings; got the string {na_values!r}")
        exact, any_case = frozenset(str(v).strip() for v in na_values), frozenset()
    return lambda cell: cell in exact or (cell.lower() in any_case)


def _cell(v: Any, is_na, where: str) -> tuple[str | None, Any, str]:
    """``(kind, value, text)`` of one cell; kind None for a missing cell."""
    if v is None or type(v).__name__ in ("NAType", "NaTType"):
        return None, None, ""
    if isinstance(v, str):
        s = v.strip()
        if is_na(s):
            return None, None, s
        if _INT.fullmatch(s) and len(s) < 4300:  # Python's limit on int(str); longer: a float
            return "integer", int(s), s
        if _NUMBER.fullmatch(s):
            return "number", float(s), s
        if s.lower() in _BOOL:
            return "bool", _BOOL[s.lower()], s
        return "text", s, s
    if isinstance(v, bool | np.bool_):
        return "bool", bool(v), str(bool(v))
    if isinstance(v, int | np.integer):
        return "integer", int(v), str(int(v))
    if isinstance(v, datetime.date | datetime.time | datetime.timedelta | np.datetime64):
        raise DataError(
            f"{where} holds dates or times ({v!r}); convert the column to numbers (e.g. days "
            "since a start date, or the year) or drop it"
        )
    if isinstance(v, Real):
        f = float(v)
        return (None, None, "") if math.isnan(f) else ("number", f, repr(f))
    return "text", str(v), str(v)


def _infer(name: str, cells: Sequence[Any], is_na, where: str = "") -> Column:
    """One column from its cells: integer, number, bool or text, over the non-missing ones."""
    at = f"{where}column {name!r}"
    parsed = [_cell(v, is_na, at) for v in cells]
    kinds = {k for k, _, _ in parsed if k is not None}
    if kinds == {"integer"}:
        return Column(name, "integer", _integers([v for _, v, _ in parsed]))
    if not kinds or kinds <= {"integer", "number"}:
        # an integer's text: a float of its digits is inf past 1e308, float(int) an OverflowError
        values = [
            math.nan if k is None else float(t if k == "integer" else v) for k, v, t in parsed
        ]
        return Column(name, "number", np.array(values, dtype=np.float64))
    if kinds == {"bool"}:
        return Column(name, "bool", _objects([v for _, v, _ in parsed]))
    return Column(name, "text", _objects([None if k is None else t for k, _, t in parsed]))


# ---------------------------------------------------------------- files


def read_table(
    path: Any, *, na_values: Sequence[str] | None = None, delimiter: str | None = None,
    source: str | None = None,
) -> Table:  # fmt: skip
    """Read a CSV (.csv, .tsv, .txt) or Parquet/Arrow (.parquet, .arrow, .feather) file.

    Args:
        path: the file. CSV: UTF-8 (a BOM is fine), a header row naming the columns, RFC 4180
            quotes; blank lines are skipped. Parquet/Arrow files need ``pyarrow``.
        na_values: the cells that mean "missing" (matched after stripping spaces). Default
            :data:`DEFAULT_NA_VALUES`, plus "na", "nan", "null", "none" in any case; a list given
            here replaces them.
        delimiter: "," ";" "\\t" or "|"; default: detected from the first rows.
        source: what errors and ``Table.source`` call the file; default: its name.

    Each column's kind is inferred from its non-missing cells: all integers → "integer"
    (exact), all numbers → "number", all true/false/yes/no (any case) → "bool", else "text".
    """
    path, is_na = Path(path), _na_test(na_values)
    name = path.name if source is None else source
    if path.suffix.lower() in (".xlsx", ".xls", ".ods"):
        raise DataError(f"{name}: a spreadsheet, not a table file; save the sheet as CSV (UTF-8)")
    if path.suffix.lower() in _ARROW:
        limits.check_input_file(path, name, limits.MAX_TABLE_BYTES)
        return _read_arrow(path, name, is_na)
    return _csv_table(limits.read_lines(path, name), name, is_na, delimiter)


def parse_table(
    text: str | bytes, *, source: str = "", na_values: Sequence[str] | None = None,
    delimiter: str | None = None,
) -> Table:  # fmt: skip
    """A CSV file's content already in memory (an upload) read as :func:`read_table` reads the
    file; ``source`` (a file name) starts every error message. Bytes must be UTF-8 (a BOM is fine).
    """
    return _csv_table(limits.decode_lines(text, source), source, _na_test(na_values), delimiter)


def _csv_table(lines: list[str], name: str, is_na, delimiter: str | None) -> Table:
    if delimiter is None:
        delimiter = sniff(lines, name)
    elif delimiter not in DELIMITERS:
        raise DataError(f"{name}: delimiter must be one of , ; tab |; got {delimiter!r}")
    records = split_records(lines, delimiter, name)
    if not records:
        raise DataError(
            f"{name}, line 1: the file is empty; it needs a header row naming the columns"
        )
    header = records[0][0]
    limits.check_cells(records, header, name)
    _check_header(header, f"{name}, line {records[0][1]}")
    for cells, start, end in records[1:]:
        if len(cells) != len(header):
            _ragged(name, header, cells, start, end)
    rows = [cells for cells, _, _ in records[1:]]
    columns = [_infer(h, [r[j] for r in rows], is_na, f"{name}, ") for j, h in enumerate(header)]
    return Table(columns, name, np.array([s for _, s, _ in records[1:]], dtype=np.int64))


def _ragged(name: str, header: list[str], cells: list[str], start: int, end: int) -> None:
    spans = f" (from line {start} to line {end}: a quoted field spans lines)"
    if len(cells) < len(header):
        missing = header[len(cells) :]
        detail = f"missing: column{'s' if len(missing) > 1 else ''} {_show(missing)}"
    else:
        detail = f"{len(cells) - len(header)} extra cell(s) after column {header[-1]!r}"
    raise DataError(
        f"{name}, line {start}: the row has {len(cells)} cells but the header has "
        f"{len(header)}{spans if end > start else ''}; {detail}. Give every row one cell per "
        "column (quote cells that contain the delimiter)"
    )


def _check_header(header: list[str], where: str) -> None:
    empty = [j + 1 for j, h in enumerate(header) if not h]
    if empty:
        raise DataError(
            f"{where}: column(s) {_show(empty)} have no name in the header; name them (a "
            "DataFrame index saved by pandas? save with index=False)"
        )
    seen: set[str] = set()
    twice = sorted({h for h in header if h in seen or seen.add(h)})  # linear: a header may be wide
    if twice:
        raise DataError(f"{where}: the header names {_show(twice)} more than once; rename them")


def _read_arrow(path: Path, name: str, is_na) -> Table:
    try:
        import pyarrow as pa
        import pyarrow.feather as feather
        import pyarrow.parquet as parquet
    except ImportError:
        raise DataError(
            f"{name}: reading {path.suffix} files needs pyarrow: pip install 'chainrule[parquet]' "
            "(or save the table as CSV)"
        ) from None
    try:
        if path.suffix.lower() == ".parquet":
            data = parquet.read_table(path)
        else:
            try:
                data = feather.read_table(path)
            except pa.ArrowInvalid:
                with pa.ipc.open_stream(path) as reader:
                    data = reader.read_all()
    except (OSError, pa.ArrowException) as err:
        raise DataError(f"{name}: cannot read it as {path.suffix[1:]} ({err})") from None
    _check_header(list(data.column_names), name)
    columns = []
    for field, col in zip(data.schema, data.columns, strict=True):
        if pa.types.is_temporal(field.type):
            raise DataError(f"{name}, column {field.name!r} holds dates or times; convert it")
        columns.append(_infer(field.name, col.to_pylist(), is_na, f"{name}, "))
    return Table(columns, name, None)


# ---------------------------------------------------------------- frames and arrays


def table_from_frame(data: Any, names: Sequence[str] | None = None) -> Table:
    """A Table from a pandas/polars DataFrame, a 2-D NumPy array or a dict of columns.

    Numeric columns keep their kind (floats: "number", integers: "integer", booleans: "bool");
    text and object columns are inferred cell by cell as :func:`read_table` does (None, NaN and
    the default NA strings are missing). Date/time columns are an error: convert them. Names come
    from the frame, else ``names``, else "x1".."xn".
    """
    is_na = _na_test(None)
    module = type(data).__module__.split(".")[0]
    if module in ("pandas", "polars") and hasattr(data, "columns"):
        _check_header([str(c) for c in data.columns], "table_from_frame")
        pairs = [(str(c), _series(data[c], module)) for c in data.columns]
    elif isinstance(data, dict):
        pairs = [(str(k), v) for k, v in data.items()]
    else:
        arr = np.asarray(data)
        if arr.ndim != 2:
            raise DataError(f"table_from_frame: a 2-D array is needed; got shape {arr.shape}")
        pairs = [(f"x{j + 1}", arr[:, j]) for j in range(arr.shape[1])]
    if names is not None:
        if len(names) != len(pairs):
            raise DataError(f"table_from_frame: {len(names)} names for {len(pairs)} columns")
        pairs = [(str(n), v) for n, (_, v) in zip(names, pairs, strict=True)]
    _check_header([n for n, _ in pairs], "table_from_frame")
    columns = [_from_array(n, v, is_na) for n, v in pairs]
    if len({len(c) for c in columns}) > 1:
        lengths = {c.name: len(c) for c in columns}
        raise DataError(f"table_from_frame: the columns differ in length: {lengths}")
    return Table(columns, "", None)


def _series(s: Any, module: str) -> Any:
    """A NumPy array for a plain numeric pandas/polars column, else a list of its cells."""
    if module == "polars":
        if s.dtype.is_temporal():
            raise DataError(f"column {s.name!r} holds dates or times; convert it to numbers")
        return s.to_numpy() if s.dtype.is_numeric() and s.null_count() == 0 else s.to_list()
    kind = getattr(s.dtype, "kind", "O")
    if kind in "mM":
        raise DataError(
            f"column {s.name!r} has dtype {s.dtype}; convert dates or times to numbers "
            "(e.g. days since a start date) or drop the column"
        )
    if isinstance(s.dtype, np.dtype) and kind in "biuf":
        return s.to_numpy()
    return s.tolist()  # object, category, string and nullable (Int64, boolean) columns


def _from_array(name: str, values: Any, is_na) -> Column:
    arr = values if isinstance(values, np.ndarray) else None
    module = type(values).__module__.split(".")[0]
    if arr is None and module in ("pandas", "polars") and hasattr(values, "dtype"):
        return _from_array(name, _series(values, module), is_na)
    kind = arr.dtype.kind if arr is not None and arr.ndim == 1 else "O"
    if kind == "f":
        return Column(name, "number", arr.astype(np.float64))
    if kind in "iu":
        return Column(name, "integer", _integers(arr.tolist()))
    if kind == "b":
        return Column(name, "bool", _objects(arr.tolist()))
    if kind in "mMc":
        raise DataError(f"column {name!r} has dtype {arr.dtype}; convert it to real numbers")
    return _infer(name, list(values), is_na)
