"""Reading tables: kinds, missing values, RFC 4180 quotes, exact integers, errors naming the line.

The files are in tests/data/; larger or generated ones are written to tmp_path.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import (
    DEFAULT_NA_VALUES,
    Column,
    Table,
    read_table,
    table_from_frame,
    target_values,
)
from chainrule.errors import DataError

DATA = Path(__file__).parent / "data"


def _write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def _same(values, expected) -> bool:
    return list(values) == expected and all(
        type(v) is type(e) for v, e in zip(values, expected, strict=True)
    )


# ---------------------------------------------------------------- kinds and missing values


def test_penguins_sample_kinds_values_and_missing_cells():
    t = read_table(DATA / "penguins_sample.csv")
    assert t.source == "penguins_sample.csv" and t.n_rows == 9
    assert t.names == [
        "species", "island", "bill_length_mm", "flipper_length_mm", "body_mass_g", "sex",
        "smoker", "year",
    ]  # fmt: skip
    kinds = {c.name: c.kind for c in t.columns}
    assert kinds == {
        "species": "text", "island": "text", "bill_length_mm": "number",
        "flipper_length_mm": "integer", "body_mass_g": "integer", "sex": "text",
        "smoker": "bool", "year": "integer",
    }  # fmt: skip
    bill = t.column("bill_length_mm").values
    assert bill.dtype == np.float64
    assert np.array_equal(
        bill, [39.1, 39.5, np.nan, 36.7, 46.1, np.nan, 46.5, 50.0, 51.3], equal_nan=True
    )
    # NA and null cells in an integer column: an object array of Python ints and None
    assert _same(
        t.column("flipper_length_mm").values, [181, 186, None, 193, 211, 215, 192, 196, None]
    )
    assert t.column("year").values.dtype == np.int64  # no missing: int64
    assert _same(
        t.column("smoker").values, [True, False, True, False, None, True, False, True, True]
    )
    assert t.column("species").values.tolist()[-1] is None  # an empty cell
    assert [c.n_missing for c in t.columns] == [1, 0, 2, 2, 1, 1, 1, 0]
    assert t.column("sex").missing().tolist() == [False, False, True, *[False] * 6]
    assert t.lines.tolist() == list(range(2, 11))
    assert t.where(2) == "penguins_sample.csv, line 4"


@pytest.mark.parametrize("token", (*DEFAULT_NA_VALUES, "na", "NULL", "none", "NAN", " NA "))
def test_each_default_na_token_is_missing(tmp_path, token):
    t = read_table(_write(tmp_path, f"a,b\n1,x\n{token},y\n3,z\n"))
    a = t.column("a")
    assert a.kind == "integer" and _same(a.values, [1, None, 3]) and a.n_missing == 1


def test_custom_na_values_replace_the_default_list(tmp_path):
    path = _write(tmp_path, "a,b\n1,-999\nNA,2\n3,-999\n")
    t = read_table(path, na_values=["-999"])
    assert t.column("a").kind == "text"  # "NA" is no longer missing
    assert t.column("a").values.tolist() == ["1", "NA", "3"]
    assert _same(t.column("b").values, [None, 2, None])
    with pytest.raises(DataError, match="list of strings"):
        read_table(path, na_values="-999")


def test_booleans_in_any_case_and_mixed_columns_become_text(tmp_path):
    t = read_table(_write(tmp_path, "b,mixed,num\nTrue,yes,1\nFALSE,1,2.5\nyEs,no,3\nNo,x,-4e2\n"))
    assert t.column("b").kind == "bool"
    assert _same(t.column("b").values, [True, False, True, False])
    assert t.column("mixed").kind == "text"
    assert t.column("mixed").values.tolist() == ["yes", "1", "no", "x"]  # cells as written
    num = t.column("num")
    assert num.kind == "number" and num.values.tolist() == [1.0, 2.5, 3.0, -400.0]


def test_an_all_missing_column_is_a_number_column_of_nan(tmp_path):
    t = read_table(_write(tmp_path, "a,b\n,1\nNA,2\n"))
    assert t.column("a").kind == "number" and t.column("a").n_missing == 2


# ---------------------------------------------------------------- exact integers


def test_19_digit_labels_stay_exact_and_distinct():
    t = read_table(DATA / "big_int_labels.csv")
    labels = t.column("label")
    assert labels.kind == "integer"
    expected = [1234567890123456789, 1234567890123456788, 2**63, -(2**63) - 1]
    assert _same(labels.values, expected)  # beyond int64: Python ints, never floats
    y = target_values(labels)
    assert y.tolist() == expected and len(set(y.tolist())) == 4
    # within int64 the labels are an exact int64 array
    y2 = target_values(t.take(np.array([0, 1])).column("label"))
    assert y2.dtype == np.int64 and y2.tolist() == expected[:2]


# ---------------------------------------------------------------- RFC 4180 quotes


def test_quoted_commas_newlines_and_doubled_quotes():
    t = read_table(DATA / "quoted_rfc4180.csv")
    assert t.column("name").values.tolist() == ["Smith, John", "multi\nline", "padded", "O'Brien"]
    assert t.column("quote").values.tolist() == ['He said "hi"', "plain", None, "5'10\""]
    assert t.column("n").values.tolist() == [1, 2, 3, 4]
    assert t.lines.tolist() == [2, 3, 5, 6]  # the row with a newline inside quotes starts on 3
    # (a line break inside quotes reads as "\n", whatever the file's line ends are)


def test_unterminated_quote_names_the_line_where_it_opened():
    with pytest.raises(DataError) as err:
        read_table(DATA / "unterminated_quote.csv")
    assert str(err.value).startswith(
        "unterminated_quote.csv, line 3: a quoted field opened here is never closed"
    )


def test_a_quote_closed_rows_later_is_not_a_silent_merge(tmp_path):
    path = _write(tmp_path, 'a,b\n1,"open\n2,x\n3,"y"\n')  # the quote on line 2 closes at line 4
    with pytest.raises(DataError, match=r"t\.csv, line 4: a quoted field \(opened on line 2\)"):
        read_table(path)
    path = _write(tmp_path, 'a,b,c\n1,"open,x\n2,x,y"\n3,y,z\n')  # closes at the end of line 3
    with pytest.raises(DataError, match=r"line 2: the row has 2 cells.*from line 2 to line 3"):
        read_table(path, delimiter=",")


def test_a_200_kib_cell_is_read(tmp_path):
    big = "x" * (200 * 1024)
    t = read_table(_write(tmp_path, f'a,b\n1,"{big}"\n2,{big}y\n'))
    assert t.column("b").values.tolist() == [big, big + "y"]


# ---------------------------------------------------------------- structure errors


def test_wrong_cell_count_names_file_and_line():
    with pytest.raises(
        DataError, match=r"ragged_row\.csv, line 3: the row has 2 cells but the header has 3"
    ):
        read_table(DATA / "ragged_row.csv")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("a,,c", r"column\(s\) 2 have no name"),
        ("a,b,a,b", r"the header names 'a', 'b' more than once"),
    ],
)
def test_empty_or_duplicate_header_names(tmp_path, header, message):
    with pytest.raises(DataError, match=r"t\.csv, line 1: " + message):
        read_table(_write(tmp_path, f"{header}\n" + ",".join("1" * len(header.split(","))) + "\n"))


def test_empty_file_and_bad_delimiter(tmp_path):
    with pytest.raises(DataError, match="the file is empty"):
        read_table(_write(tmp_path, "\n\n"))
    with pytest.raises(DataError, match="delimiter must be one of"):
        read_table(_write(tmp_path, "a,b\n1,2\n"), delimiter=":")


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"a,b\n1,x\n2,caf\xe9\n")
    with pytest.raises(DataError, match=r"latin\.csv, line 3: not UTF-8"):
        read_table(path)


def test_delimiters_are_sniffed_and_a_bom_is_dropped(tmp_path):
    t = read_table(DATA / "semicolon.csv")
    assert t.names == ["a", "b", "c"] and t.column("a").values.tolist() == ["1,5", "2,5"]
    t = read_table(_write(tmp_path, "\ufeffx\ty\n1\t2\n\n3\t4\n", "t.tsv"))
    assert t.names == ["x", "y"] and t.column("y").values.tolist() == [2, 4]
    assert t.lines.tolist() == [2, 4]  # the blank line is skipped, the numbers follow the file
    t = read_table(_write(tmp_path, "p|q\n1|a\n"))
    assert t.names == ["p", "q"]


# ---------------------------------------------------------------- Table methods


def test_select_drop_take_and_where():
    t = read_table(DATA / "penguins_sample.csv")
    assert t.select(["sex", "island"]).names == ["sex", "island"]
    assert "sex" not in t.drop(["sex"]).names
    sub = t.take(np.array([8, 0]))
    assert sub.lines.tolist() == [10, 2] and sub.where(0) == "penguins_sample.csv, line 10"
    mask = ~t.column("flipper_length_mm").missing()
    kept = t.take(mask).column("flipper_length_mm")
    assert kept.values.dtype == np.int64  # no missing any more: back to int64
    with pytest.raises(DataError, match=r"penguins_sample\.csv: no column 'Sex'; the columns are"):
        t.column("Sex")
    with pytest.raises(DataError, match="mask"):
        t.take(np.array([True]))
    memory = table_from_frame({"a": [1, 2]})
    assert memory.where(1) == "row 1" and memory.lines is None


def test_column_kind_is_checked():
    with pytest.raises(DataError, match="kind must be one of"):
        Column("a", "float", np.zeros(2))
    assert Table([], "").n_rows == 0


# ---------------------------------------------------------------- frames and arrays


def test_table_from_numeric_and_object_arrays():
    t = table_from_frame(np.array([[1.0, 2.0], [np.nan, 4.0]]))
    assert t.names == ["x1", "x2"] and [c.kind for c in t.columns] == ["number", "number"]
    assert t.column("x1").n_missing == 1
    obj = np.array(
        [["a", 1, True, None], ["b", None, False, 2.5], [None, 3, "yes", "NA"]], dtype=object
    )
    t = table_from_frame(obj, names=["s", "i", "b", "f"])
    assert [c.kind for c in t.columns] == ["text", "integer", "bool", "number"]
    assert _same(t.column("i").values, [1, None, 3])
    assert t.column("f").n_missing == 2
    with pytest.raises(DataError, match="2 names for 4 columns"):
        table_from_frame(obj, names=["a", "b"])
    with pytest.raises(DataError, match="2-D"):
        table_from_frame(np.zeros(3))


def test_table_from_dict_checks_lengths_and_dates():
    import datetime

    t = table_from_frame({"n": np.arange(3), "big": [2**70, 1, None]})
    assert t.column("n").kind == "integer" and t.column("n").values.dtype == np.int64
    assert _same(t.column("big").values, [2**70, 1, None])
    with pytest.raises(DataError, match="differ in length"):
        table_from_frame({"a": [1, 2], "b": [1]})
    with pytest.raises(DataError, match="dates or times"):
        table_from_frame({"d": [datetime.date(2020, 1, 1)]})


@pytest.mark.skipif(importlib.util.find_spec("pandas") is None, reason="pandas not installed")
def test_table_from_pandas_frame():
    import pandas as pd

    df = pd.DataFrame(
        {
            "f": [1.5, np.nan, 3.0],
            "i": [1, 2, 3],
            "b": [True, False, True],
            "cat": pd.Categorical(["x", None, "y"]),
            "s": ["a", None, "NA"],
            "ni": pd.array([1, None, 2**40], dtype="Int64"),
            "nb": pd.array([True, None, False], dtype="boolean"),
        }
    )
    t = table_from_frame(df)
    assert t.names == list(df.columns)
    kinds = [c.kind for c in t.columns]
    assert kinds == ["number", "integer", "bool", "text", "text", "integer", "bool"]
    assert t.column("cat").values.tolist() == ["x", None, "y"]
    assert t.column("s").n_missing == 2
    assert _same(t.column("ni").values, [1, None, 2**40])
    assert _same(t.column("nb").values, [True, None, False])
    with pytest.raises(DataError, match="convert"):
        table_from_frame(pd.DataFrame({"when": pd.to_datetime(["2020-01-01"])}))


def test_parquet_needs_pyarrow_or_round_trips(tmp_path):
    path = tmp_path / "t.parquet"
    if importlib.util.find_spec("pyarrow") is None:
        path.write_bytes(b"PAR1")
        with pytest.raises(DataError, match=r"pip install .chainrule\[parquet\]."):
            read_table(path)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = {"f": [1.5, None], "i": [2**62, None], "s": ["a", "NA"], "b": [True, None]}
    pq.write_table(pa.table(data), path)
    t = read_table(path)
    assert [c.kind for c in t.columns] == ["number", "integer", "text", "bool"]
    assert _same(t.column("i").values, [2**62, None]) and t.column("s").n_missing == 1
    assert math.isnan(t.column("f").values[1])


def test_only_ascii_digits_are_numbers_and_spreadsheets_are_named(tmp_path):
    t = read_table(_write(tmp_path, "a,b\n١٢,1_000\n3,4\n"))
    assert t.column("a").kind == "text" and t.column("b").kind == "text"
    with pytest.raises(DataError, match="save the sheet as CSV"):
        read_table(tmp_path / "book.xlsx")
    with pytest.raises(DataError, match=r"missing\.csv: cannot read the file"):
        read_table(tmp_path / "missing.csv")


@pytest.mark.skipif(importlib.util.find_spec("pyarrow") is None, reason="pyarrow not installed")
def test_feather_and_arrow_stream_files_and_dates_in_them(tmp_path):
    import datetime

    import pyarrow as pa
    import pyarrow.feather as feather

    table = pa.table({"n": [1, 2], "s": ["yes", "no"]})
    feather.write_feather(table, tmp_path / "t.feather")
    with pa.ipc.new_stream(tmp_path / "t.arrow", table.schema) as writer:
        writer.write_table(table)
    for name in ("t.feather", "t.arrow"):
        t = read_table(tmp_path / name)
        assert [c.kind for c in t.columns] == ["integer", "bool"] and t.source == name
    feather.write_feather(pa.table({"d": [datetime.date(2020, 1, 1)]}), tmp_path / "d.feather")
    with pytest.raises(DataError, match=r"d\.feather, column 'd' holds dates or times"):
        read_table(tmp_path / "d.feather")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataError, match=r"bad\.parquet: cannot read it as parquet"):
        read_table(tmp_path / "bad.parquet")


@pytest.mark.skipif(importlib.util.find_spec("polars") is None, reason="polars not installed")
def test_table_from_polars_frame():
    import polars as pl

    df = pl.DataFrame({"f": [1.5, None], "i": [1, 2], "s": ["a", None], "b": [True, None]})
    t = table_from_frame(df)
    assert [c.kind for c in t.columns] == ["number", "integer", "text", "bool"]
    assert t.column("f").n_missing == 1 and t.column("i").values.dtype == np.int64
    with pytest.raises(DataError, match="dates or times"):
        table_from_frame(pl.DataFrame({"d": pl.Series([1, 2]).cast(pl.Date)}))
