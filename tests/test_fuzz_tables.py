"""Hostile CSV files and property-based tests of the CSV readers (issue 16, must hold 7; D3, D4).

The files in ``tests/data/hostile_csv/`` (see its README) each read as stated. Then, with
hypothesis:

- round trip: a table of random cells (text with commas, quotes, line breaks, spaces, unicode;
  integers past int64, floats, NA tokens, booleans in any case) written by Python's
  ``csv.writer`` (QUOTE_MINIMAL and QUOTE_ALL) reads back with its rows and columns, each cell
  as the kind rules say. What the reader does to text, which the oracle below models: every cell
  is stripped of outer whitespace (``str.strip``, quoted or not); a row whose cells are all
  empty (unquoted and blank, or quoted and "") is skipped as a blank line; ``read_table`` reads
  each line break inside quotes (\\r\\n, \\r) as \\n, ``parse_table`` keeps it.
- arbitrary text and bytes (NUL, lone \\r, BOM, invalid UTF-8) give a Table or a DataError
  naming the source, never another exception;
- a valid CSV cut at any byte gives a Table of at most its rows (on the same lines), or a
  DataError naming a line.

Bounded and derandomized: ``CHAINRULE_FUZZ_EXAMPLES`` (default 150) examples per test; for a
release run ``CHAINRULE_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz_tables.py``.
"""

from __future__ import annotations

import csv
import io
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule.data import limits
from chainrule.data.table import DEFAULT_NA_VALUES, Table, parse_table, read_table
from chainrule.errors import DataError
from fuzzing import fuzz_settings

HOSTILE = Path(__file__).parent / "data" / "hostile_csv"
FUZZ = fuzz_settings(150)
EXAMPLES = FUZZ.max_examples


# ---------------------------------------------------------------- the committed hostile files


def test_an_unterminated_quote_before_90_rows_is_an_error_naming_its_line():
    path = HOSTILE / "unterminated_quote_swallow.csv"
    assert path.read_text().count("\n") == 93  # header, 2 rows, 90 rows after the open quote
    with pytest.raises(DataError) as err:
        read_table(path)
    assert str(err.value).startswith(
        "unterminated_quote_swallow.csv, line 3: a quoted field opened here is never closed"
    )
    with pytest.raises(DataError, match=r"^up\.csv, line 3: a quoted field opened here"):
        parse_table(path.read_bytes(), source="up.csv")


def _big_cell() -> str:
    unit = 'lorem ipsum, dolor "sit" amet\n'
    return (unit * (130 * 1024 // len(unit) + 2))[: 130 * 1024 + 1]


def test_a_130_kib_cell_reads_whole_and_exactly():
    table = read_table(HOSTILE / "big_cell_130k.csv")
    blob = table.column("blob").values
    assert len(blob[0]) == 130 * 1024 + 1 > 131072  # past the csv module's old field limit
    assert blob.tolist() == [_big_cell(), "short"]
    assert table.column("id").values.tolist() == [1, 2]
    assert table.lines.tolist() == [2, 3 + _big_cell().count("\n")]


def test_a_cell_over_a_lowered_limit_is_named_by_line_and_column(monkeypatch):
    text = (HOSTILE / "big_cell_130k.csv").read_bytes()
    size = len(_big_cell().encode())
    monkeypatch.setattr(limits, "MAX_CELL_BYTES", size)
    assert parse_table(text).column("blob").values[1] == "short"  # at the limit: read
    for limit in (size - 1, 128 * 1024):
        monkeypatch.setattr(limits, "MAX_CELL_BYTES", limit)
        with pytest.raises(
            DataError, match=r"^big\.csv, line 2, column 'blob': a cell of .*MAX_CELL"
        ):
            parse_table(text, source="big.csv")


def test_labels_differing_in_the_19th_digit_stay_exact_and_distinct():
    labels = read_table(HOSTILE / "labels_19_digits.csv").column("label")
    expected = [
        1234567890123456789, 1234567890123456788, 9999999999999999999, 9999999999999999998,
        -9223372036854775808, -9223372036854775809,
    ] * 2  # fmt: skip
    assert labels.kind == "integer" and labels.values.dtype == object  # past int64: Python ints
    assert [type(v) for v in labels.values] == [int] * 12 and labels.values.tolist() == expected
    assert len(set(labels.values.tolist())) == 6


# ---------------------------------------------------------------- bugs the fuzzing found


def test_an_integer_past_1e308_in_a_number_column_is_inf_not_an_overflow_error():
    # float(int("9" * 400)) raises OverflowError; the cell's text reads as inf, as "1e999" does
    table = parse_table("a,b\n1,1.5\n2,-" + "9" * 400 + "\n3," + "9" * 400 + "\n")
    assert table.column("b").kind == "number"
    assert table.column("b").values.tolist() == [1.5, -math.inf, math.inf]


def test_a_long_line_of_cells_with_a_quote_is_read_in_linear_time():
    # each unquoted cell of a line with a quote used to copy the whole line: 400,000 cells took
    # about 17 s (quadratic: a 10 MB line, hours); now a fraction of a second
    start = time.perf_counter()
    with pytest.raises(DataError, match=r"^t\.csv, line 2: the row has 400001 cells"):
        parse_table("h\n" + "a," * 400_000 + '"x"\n', source="t.csv")
    assert time.perf_counter() - start < 5.0


def test_a_wide_header_is_checked_for_repeats_in_linear_time():
    # the check for a name given twice compared each name with all before it: 20,000 columns
    # took 2 s, 200,000 columns minutes; now linear
    names = [f"c{j}" for j in range(50_000)]
    start = time.perf_counter()
    table = parse_table(",".join(names) + "\n" + ",".join(["1"] * 49_999 + ['"x"']) + "\n")
    assert table.names == names and table.columns[-1].values.tolist() == ["x"]
    with pytest.raises(DataError, match=r"the header names 'c7' more than once"):
        parse_table(",".join([*names, "c7"]) + "\n")
    assert time.perf_counter() - start < 5.0


# ---------------------------------------------------------------- the kind rules, as an oracle

_NA_ANY_CASE = {"na", "nan", "null", "none"}
_BOOLS = {"true": True, "false": False, "yes": True, "no": False}


def _kind(s: str) -> tuple[str | None, object]:
    """(kind, value) of a stripped cell, as read_table's docstring states the rules."""
    if s in DEFAULT_NA_VALUES or s.lower() in _NA_ANY_CASE:
        return None, None
    body = s[1:] if s[:1] in ("+", "-") else s
    if body.isascii() and body.isdigit() and len(s) < 4300:
        return "integer", int(s)
    if s.isascii() and "_" not in s and "nan" not in s.lower():
        try:
            return "number", float(s)
        except ValueError:
            pass
    if s.lower() in _BOOLS:
        return "bool", _BOOLS[s.lower()]
    return "text", s


def _expected_column(cells: list[str]) -> tuple[str, list]:
    parsed = [_kind(c) for c in cells]
    kinds = {k for k, _ in parsed if k is not None}
    if kinds == {"integer"}:
        return "integer", [v for _, v in parsed]
    if not kinds or kinds <= {"integer", "number"}:
        return "number", [
            math.nan if k is None else float(c) for (k, _), c in zip(parsed, cells, strict=True)
        ]
    if kinds == {"bool"}:
        return "bool", [v for _, v in parsed]
    return "text", [None if k is None else c for (k, _), c in zip(parsed, cells, strict=True)]


def _same(got: np.ndarray, want: list) -> bool:
    if got.dtype == np.float64:
        return np.array_equal(got, np.array(want, dtype=np.float64), equal_nan=True)
    return len(got) == len(want) and all(
        (g is None and w is None) or (g is not None and w is not None and g == w and type(g) is not
         float) for g, w in zip(got.tolist(), want, strict=True)
    )  # fmt: skip


# ---------------------------------------------------------------- random tables

_SPECIAL = ',"\r\n \t;|\x00\ufeff\u00a0\u3000é中😀'
TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(_SPECIAL), st.characters(codec="utf-8")), max_size=12
)
INTEGER = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(-(10**25), 10**25),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**400]),
).map(str)
FLOAT = st.floats(allow_nan=True, allow_infinity=True).map(repr)
NA = st.sampled_from([*DEFAULT_NA_VALUES, "NULL", "none", "N/A", "nAn"])
BOOL = st.sampled_from(["true", "False", "YES", "no", "True", "TRUE", "nO"])
PADDED = st.tuples(st.sampled_from(["", " ", "\t", "  "]), st.sampled_from(["", " ", "\t"]))


@st.composite
def columns_of_cells(draw, n_rows: int) -> list[str]:
    """One column: mostly cells of one kind (so typed columns occur), sometimes padded."""
    main = draw(st.sampled_from([INTEGER, FLOAT, BOOL, TEXT, st.one_of(INTEGER, FLOAT)]))
    cell = st.one_of(main, main, main, NA, TEXT, INTEGER, BOOL)
    cells = draw(st.lists(cell, min_size=n_rows, max_size=n_rows))
    pads = draw(st.lists(PADDED, min_size=n_rows, max_size=n_rows))
    return [a + c + b for c, (a, b) in zip(cells, pads, strict=True)]


@st.composite
def tables(draw) -> tuple[list[str], list[list[str]]]:
    n_cols, n_rows = draw(st.integers(1, 5)), draw(st.integers(0, 8))
    header = [draw(st.sampled_from([f"c{j}", f"c,{j}", f'say "{j}"', f" c{j}\n"])) for j in
              range(n_cols)]  # fmt: skip
    columns = [draw(columns_of_cells(n_rows)) for _ in range(n_cols)]
    return header, [list(row) for row in zip(*columns, strict=True)] if n_cols else []


def _write(header: list[str], rows: list[list[str]], quoting: int) -> list[str]:
    """Each row as csv.writer writes it (``\\r\\n`` line ends)."""
    out = []
    for row in [header, *rows]:
        buf = io.StringIO(newline="")
        csv.writer(buf, quoting=quoting).writerow(row)
        out.append(buf.getvalue())
    return out


def _quoted(cell: str, quoting: int) -> bool:
    return quoting == csv.QUOTE_ALL or any(ch in cell for ch in ',"\r\n')


def _reading(cell: str, as_file: bool) -> str:
    """A cell's text as the reader keeps it (before kinds)."""
    return (cell.replace("\r\n", "\n").replace("\r", "\n") if as_file else cell).strip()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz_tables")


def _read(data: str, how: str, folder: Path, **kw) -> Table:
    if how == "text":
        return parse_table(data, source="t.csv", **kw)
    raw = data.encode("utf-8")
    if how == "bytes":
        return parse_table(b"\xef\xbb\xbf" + raw, source="t.csv", **kw)
    path = folder / "t.csv"
    path.write_bytes(raw)
    return read_table(path, **kw)


@FUZZ
@given(
    table=tables(),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    how=st.sampled_from(["text", "bytes", "file"]),
)
def test_a_table_written_by_csv_writer_reads_back(folder, table, quoting, how):
    header, rows = table
    written = _write(header, rows, quoting)
    as_file = how == "file"
    # a row is skipped when every cell is empty as the splitter sees it (unquoted ones stripped)
    kept, lines, line = [], [], 1 + len(io.StringIO(written[0], newline="").readlines())
    for row, text in zip(rows, written[1:], strict=True):
        seen = [_reading(c, as_file) if not _quoted(c, quoting) else c for c in row]
        if any(seen):
            kept.append(row)
            lines.append(line)
        line += len(io.StringIO(text, newline="").readlines())
    others = any(ch in c for row in [header, *rows] for c in row for ch in ";\t|")
    got = _read("".join(written), how, folder, delimiter="," if others else None)
    assert got.names == [h if _quoted(h, quoting) else h.strip() for h in header]
    assert len(got.columns) == len(header) and got.n_rows == len(kept)
    assert got.lines.tolist() == lines
    for j, column in enumerate(got.columns):
        kind, values = _expected_column([_reading(row[j], as_file) for row in kept])
        assert column.kind == kind, (j, column.values)
        assert _same(column.values, values), (j, column.values, values)


# ---------------------------------------------------------------- arbitrary input

_FRAGMENTS = [
    b'"', b",", b";", b"\t", b"|", b"\r", b"\n", b"\r\n", b"\x00", b"\xef\xbb\xbf", b"\xff",
    b"\xc3", b"\xe2\x82", b"a", b"1", b"1.5", b"NA", b"true", b" ", b'""', "é".encode(),
]  # fmt: skip
HOSTILE_BYTES = st.one_of(
    st.binary(max_size=200),
    st.lists(st.one_of(st.sampled_from(_FRAGMENTS), st.binary(max_size=3)), max_size=80).map(
        b"".join
    ),
)
HOSTILE_TEXT = st.text(
    alphabet=st.one_of(st.sampled_from(',;\t|"\r\n \x00\ufeff1aé'), st.characters()), max_size=200
)


def _table_or_named_error(read, source: str) -> Table | None:
    try:
        table = read()
    except DataError as err:
        assert str(err).startswith(source), err
        return None
    assert isinstance(table, Table) and table.columns
    assert all(len(c.values) == table.n_rows for c in table.columns)
    assert table.lines is not None and len(table.lines) == table.n_rows
    return table


@FUZZ
@given(data=st.one_of(HOSTILE_BYTES, HOSTILE_TEXT), delimiter=st.sampled_from([None, ",", ";"]))
def test_arbitrary_content_is_a_table_or_a_data_error(data, delimiter):
    _table_or_named_error(lambda: parse_table(data, source="x.csv", delimiter=delimiter), "x.csv")


@FUZZ
@given(data=HOSTILE_BYTES)
def test_an_arbitrary_file_is_a_table_or_a_data_error(folder, data):
    path = folder / "any.csv"
    path.write_bytes(data)
    _table_or_named_error(lambda: read_table(path), "any.csv")


@FUZZ
@given(table=tables(), quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]), cut=st.data())
def test_a_csv_cut_at_any_byte_reads_a_prefix_or_names_a_line(table, quoting, cut):
    data = "".join(_write(*table, quoting)).encode("utf-8")
    whole = parse_table(data, source="t.csv", delimiter=",")
    at = cut.draw(st.integers(0, len(data)), label="cut at")
    try:
        part = parse_table(data[:at], source="t.csv", delimiter=",")
    except DataError as err:
        assert re.match(r"t\.csv, line [0-9]+", str(err)), err
        return
    assert part.n_rows <= whole.n_rows
    assert part.lines.tolist() == whole.lines.tolist()[: part.n_rows]
    # with the delimiter sniffed, at least a Table or a DataError
    _table_or_named_error(lambda: parse_table(data[:at], source="t.csv"), "t.csv")
