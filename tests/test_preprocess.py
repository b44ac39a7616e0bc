"""The preprocessing a model keeps: imputation, indicators, standardising, one-hot, its dict.

Expected values are worked by hand in the comments beside the asserts.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import numpy as np
import pytest

from chainrule.data import (
    Preprocessor,
    drop_missing_target,
    id_like_columns,
    read_table,
    table_from_frame,
    target_values,
)
from chainrule.errors import DataError, DataWarning

DATA = Path(__file__).parent / "data"


def _table(**columns):
    return table_from_frame(dict(columns))


def _write(tmp_path: Path, text: str, name: str = "new.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- numeric columns


def test_mean_imputation_then_standardising():
    t = _table(x=[1.0, None, 3.0, 8.0])
    prep = Preprocessor().fit(t)
    # mean of 1, 3, 8 is 4; imputed column 1, 4, 3, 8: mean 4, variance (9 + 0 + 1 + 16) / 4 = 6.5
    spec = prep.to_dict()["columns"][0]
    assert (spec["fill"], spec["mean"], spec["scale"]) == (4.0, 4.0, math.sqrt(6.5))
    X = prep.transform(t)
    assert X.dtype == np.float64 and X.shape == (4, 1)
    assert np.array_equal(X[:, 0], (np.array([1.0, 4.0, 3.0, 8.0]) - 4.0) / math.sqrt(6.5))


def test_median_imputation_without_scaling():
    t = _table(x=[1, None, 3, 8])  # an integer column with a missing cell
    prep = Preprocessor(impute="median", scale=False).fit(t)
    assert prep.transform(t)[:, 0].tolist() == [1.0, 3.0, 3.0, 8.0]  # median of 1, 3, 8 is 3


def test_indicator_columns_only_for_columns_that_had_a_missing_value():
    t = _table(a=[1.0, None, 3.0], b=[1.0, 2.0, 3.0])
    prep = Preprocessor(indicators=True, scale=False).fit(t)
    assert prep.input_names == ["a", "b"]
    assert prep.output_names == ["a", "a (missing)", "b"]
    assert prep.transform(t).tolist() == [[1.0, 0.0, 1.0], [2.0, 1.0, 2.0], [3.0, 0.0, 3.0]]
    # a missing cell at predict time in b (no indicator) is imputed with b's mean, 2
    later = _table(a=[None], b=[None])
    assert prep.transform(later).tolist() == [[2.0, 1.0, 2.0]]


def test_a_constant_column_has_scale_one_and_maps_to_zero():
    t = _table(c=[5.0, 5.0, 5.0])
    prep = Preprocessor().fit(t)
    assert prep.to_dict()["columns"][0]["scale"] == 1.0
    assert prep.transform(t).tolist() == [[0.0], [0.0], [0.0]]


def test_an_all_missing_or_infinite_numeric_column_is_an_error(tmp_path):
    with pytest.raises(DataError, match=r"column 'x': every value is missing.*--ignore x"):
        Preprocessor().fit(_table(x=[None, None], y=[1, 2]))
    path = _write(tmp_path, "x\n1\ninf\n")
    with pytest.raises(DataError, match=r"new\.csv, line 3, column 'x': the cell is inf"):
        Preprocessor().fit(read_table(path))


# ---------------------------------------------------------------- one-hot columns


def test_one_hot_order_names_and_missing_cells():
    t = _table(t=["b", "a", None, "c"], f=[True, False, True, None], n=[1.0, 2.0, 3.0, 4.0])
    prep = Preprocessor(scale=False).fit(t, ["f", "t", "n"])
    assert prep.input_names == ["f", "t", "n"]
    assert prep.output_names == ["f=False", "f=True", "t=a", "t=b", "t=c", "n"]
    assert prep.transform(t).tolist() == [
        [0, 1, 0, 1, 0, 1],
        [1, 0, 1, 0, 0, 2],
        [0, 1, 0, 0, 0, 3],  # t missing: all zeros
        [0, 0, 0, 0, 1, 4],  # f missing: all zeros
    ]


def test_unknown_categories_warn_once_per_column_with_zeros():
    prep = Preprocessor().fit(_table(island=["Dream", "Biscoe"], sex=["m", "f"]))
    later = _table(island=["Torgersen", "Dream", "Mars", "Torgersen"], sex=["m", "x", "f", "m"])
    with pytest.warns(DataWarning) as record:
        X = prep.transform(later)
    messages = [str(w.message) for w in record]
    assert len(messages) == 2
    assert messages[0] == (
        "column 'island': 3 row(s) hold categories not seen in training ('Torgersen', 'Mars'); "
        "they are encoded as all zeros"
    )
    assert "column 'sex': 1 row(s)" in messages[1] and "'x'" in messages[1]
    # island=Biscoe, island=Dream, sex=f, sex=m
    assert X.tolist() == [[0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]
    assert issubclass(DataWarning, UserWarning)


def test_unknown_category_is_an_error_naming_file_line_column_value(tmp_path):
    train = read_table(_write(tmp_path, "island,x\nDream,1\nBiscoe,2\n", "train.csv"))
    prep = Preprocessor(unknown="error").fit(train)
    new = read_table(_write(tmp_path, "x,island\n1,Dream\n2,Mars\n"))
    with pytest.raises(DataError, match=r"new\.csv, line 3, column 'island': 'Mars' is not one"):
        prep.transform(new)


def test_too_many_text_categories_suggest_ignore():
    t = _table(name=[f"person {i}" for i in range(101)])
    with pytest.raises(DataError, match=r"101 distinct values.*--ignore 'name'"):
        Preprocessor().fit(t)


# ---------------------------------------------------------------- tables at predict time


def test_columns_in_another_order_and_extra_columns_are_fine():
    t = read_table(DATA / "penguins_sample.csv")
    features = ["island", "bill_length_mm", "sex", "smoker", "year"]
    prep = Preprocessor(indicators=True).fit(t, features)
    shuffled = t.select(
        ["year", "species", "smoker", "sex", "body_mass_g", "bill_length_mm", "island"]
    )
    assert np.array_equal(prep.transform(shuffled), prep.transform(t))


def test_a_missing_feature_column_is_named_with_what_the_model_needs(tmp_path):
    prep = Preprocessor().fit(_table(a=[1.0, 2.0], b=["x", "y"]))
    new = read_table(_write(tmp_path, "a,c\n1,2\n"))
    with pytest.raises(
        DataError, match=r"new\.csv: no column\(s\) 'b'; the model needs the columns 'a', 'b'"
    ):
        prep.transform(new)


def test_text_in_a_numeric_column_names_file_line_column_and_cell(tmp_path):
    prep = Preprocessor().fit(_table(a=[1.0, 2.0]))
    new = read_table(_write(tmp_path, "a\n1\n2\nabc\n"))
    with pytest.raises(
        DataError, match=r"new\.csv, line 4, column 'a': cannot read 'abc' as a number"
    ):
        prep.transform(new)


# ---------------------------------------------------------------- the model file's dict


def _fitted():
    t = read_table(DATA / "penguins_sample.csv")
    t, _ = drop_missing_target(t, "species")
    features = ["island", "bill_length_mm", "flipper_length_mm", "sex", "smoker", "year"]
    return Preprocessor(impute="median", indicators=True).fit(t, features), t


def test_to_dict_json_from_dict_gives_a_bit_identical_transform():
    prep, t = _fitted()
    d = json.loads(json.dumps(prep.to_dict()))
    again = Preprocessor.from_dict(d)
    assert again.input_names == prep.input_names and again.output_names == prep.output_names
    assert (again.impute, again.indicators, again.scale) == ("median", True, True)
    X, Y = prep.transform(t), again.transform(t)
    assert X.tobytes() == Y.tobytes()
    assert again.to_dict() == prep.to_dict()


def _corrupt(d, path, value):
    d = copy.deepcopy(d)
    *keys, last = path
    target = d
    for k in keys:
        target = target[k]
    target[last] = value
    return d


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["output_names"], ["island=Biscoe"], "'output_names'.*does not match"),
        (["columns", 1, "scale"], float("nan"), "'scale' must be a finite number"),
        (["columns", 1, "scale"], 0.0, "'scale' must be > 0"),
        (["columns", 1, "fill"], "42", "'fill' must be a finite number"),
        (["columns", 1, "indicator"], 1, "indicator must be True or False"),
        (["columns", 0, "categories"], "Biscoe", "'categories' must be a non-empty list"),
        (["columns", 0, "categories"], ["Dream", "Biscoe"], "must be sorted"),
        (["columns", 0, "missing"], True, "'missing' must be a count"),
        (["columns", 0, "kind"], "pickle", "kind must be 'numeric' or 'onehot'"),
        (["columns", 0, "name"], "year", "'year' named more than once"),
        (["columns", 1, "name"], "island=Biscoe", "would repeat"),
        (["columns"], [], "'columns' must be a non-empty list"),
        (["impute"], "mode", "impute must be one of"),
        (["version"], 2, "expected a dict of format"),
    ],
)
def test_from_dict_rejects_corrupted_dicts(path, value, message):
    prep, _ = _fitted()
    with pytest.raises(DataError, match=message):
        Preprocessor.from_dict(_corrupt(prep.to_dict(), path, value))


def test_from_dict_rejects_missing_fields_and_non_dicts():
    prep, _ = _fitted()
    d = prep.to_dict()
    del d["scale"]
    with pytest.raises(DataError, match="'scale' are missing"):
        Preprocessor.from_dict(d)
    d = prep.to_dict()
    del d["columns"][1]["mean"]
    with pytest.raises(DataError, match=r"columns\[1\]"):
        Preprocessor.from_dict(d)
    with pytest.raises(DataError, match="expected a dict"):
        Preprocessor.from_dict([1, 2])  # type: ignore[arg-type]


def test_describe_says_what_happens_to_each_column():
    prep, _ = _fitted()
    assert prep.describe() == [
        "numeric, imputed (median) and standardised: bill_length_mm (2 missing), "
        "flipper_length_mm (1 missing), year",
        "missing-value indicators: bill_length_mm, flipper_length_mm",
        "one-hot: island (3 categories), sex (2), smoker (2); an unseen category: all zeros and "
        "a warning",
    ]


def test_settings_are_checked_and_an_unfitted_preprocessor_says_so():
    with pytest.raises(DataError, match="impute must be one of"):
        Preprocessor(impute="mode")
    with pytest.raises(DataError, match="unknown must be one of"):
        Preprocessor(unknown="ignore")
    with pytest.raises(DataError, match="not fitted"):
        Preprocessor().transform(_table(a=[1.0]))
    with pytest.raises(DataError, match="named more than once"):
        Preprocessor().fit(_table(a=[1.0]), ["a", "a"])


# ---------------------------------------------------------------- targets and ID-like columns


def test_id_like_columns():
    n = 25
    t = _table(
        PassengerId=list(range(n)),
        Name=[f"n{i}" for i in range(n)],
        Pclass=[i % 3 for i in range(n)],
        Fare=[i + 0.5 for i in range(n)],  # distinct numbers are not IDs
        Cabin=[f"C{i}" if i % 2 else None for i in range(n)],  # 12 present: too few to tell
    )
    assert id_like_columns(t) == ["PassengerId", "Name"]
    assert id_like_columns(t.take(np.arange(19))) == []


def test_drop_missing_target_counts_and_target_values_kinds():
    t = read_table(DATA / "penguins_sample.csv")
    with pytest.raises(DataError, match="1 missing value"):
        target_values(t.column("species"))
    kept, dropped = drop_missing_target(t, "species")
    assert dropped == 1 and kept.n_rows == 8 and kept.lines.tolist() == list(range(2, 10))
    y = target_values(kept.column("species"))
    assert y.dtype == object and y.tolist()[-1] == "Chinstrap" and None not in y.tolist()
    assert drop_missing_target(t, "year") == (t, 0)
    assert target_values(kept.column("year")).dtype == np.int64
    assert (
        target_values(
            kept.column("bill_length_mm").__class__(
                "b", "bool", np.array([True, False], dtype=object)
            )
        ).dtype
        == bool
    )
    smoker, _ = drop_missing_target(t, "smoker")
    assert target_values(smoker.column("smoker")).dtype == bool
    bill, n = drop_missing_target(t, "bill_length_mm")
    assert n == 2 and target_values(bill.column("bill_length_mm")).dtype == np.float64


def test_yes_no_cells_meet_the_training_categories_whatever_kind_they_read_as():
    # trained on a bool column (the file said yes/no); the new file's column reads as text
    prep = Preprocessor().fit(_table(smoker=["yes", "no"]))
    assert prep.output_names == ["smoker=False", "smoker=True"]
    with pytest.warns(DataWarning, match=r"1 row\(s\).*'maybe'"):
        X = prep.transform(_table(smoker=["Yes", "maybe", "NO"]))
    assert X.tolist() == [[0, 1], [0, 0], [1, 0]]
    # trained on a text column with yes/no/maybe; the new file has only yes/no: bool
    prep = Preprocessor().fit(_table(answer=["yes", "no", "maybe"]))
    X = prep.transform(_table(answer=["no", "yes"]))
    assert prep.output_names == ["answer=maybe", "answer=no", "answer=yes"]
    assert X.tolist() == [[0, 1, 0], [0, 0, 1]]


def test_the_missing_value_tokens_round_trip_and_are_checked():
    table = table_from_frame({"a": np.array([1.0, np.nan, 3.0]), "c": np.array(["x", "y", "x"])})
    prep = Preprocessor(na_values=["-", "n/a"]).fit(table)
    back = Preprocessor.from_dict(json.loads(json.dumps(prep.to_dict())))
    assert back.na_values == ["-", "n/a"]
    assert Preprocessor().fit(table).to_dict()["na_values"] is None
    d = prep.to_dict()
    del d["na_values"]  # a file written before the field existed
    assert Preprocessor.from_dict(d).na_values is None
    for bad in ("-", ["-", 3]):
        with pytest.raises(DataError, match="na_values"):
            Preprocessor.from_dict({**prep.to_dict(), "na_values": bad})
