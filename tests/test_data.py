"""Data in: CSV files, arrays, labels, scaling, the split, and the bundled and generated datasets.

Every bad CSV must raise a DataError (a ValueError) naming the file, the line and the column.
"""

import json
import socket
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.data.datasets import (
    DATASETS,
    Dataset,
    load_dataset,
    make_blobs,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
)
from chainrule.data.labels import decode_labels, detect_task, encode_labels
from chainrule.data.scaling import Standardizer, TargetScaler
from chainrule.data.splits import train_test_split
from chainrule.data.tables import as_arrays, load_csv
from chainrule.errors import DataError


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ---------------------------------------------------------------- CSV: happy paths


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_delimiter_is_detected(tmp_path, sep):
    rows = [["x1", "x2", "y"], ["1.5", "-2", "0.25"], ["3", "4e-1", "1.75"], ["0", "1", "2.5"]]
    ds = load_csv(write(tmp_path, "\n".join(sep.join(r) for r in rows) + "\n"))
    np.testing.assert_array_equal(ds.X, [[1.5, -2.0], [3.0, 0.4], [0.0, 1.0]])
    assert ds.X.dtype == np.float64 and ds.feature_names == ["x1", "x2"]
    assert ds.target_name == "y" and ds.task == "regression" and ds.classes is None
    np.testing.assert_array_equal(ds.y, [0.25, 1.75, 2.5])
    given = load_csv(write(tmp_path, "\n".join(sep.join(r) for r in rows)), delimiter=sep)
    np.testing.assert_array_equal(given.X, ds.X)


def test_quoted_fields_string_labels_bom_crlf_and_blank_lines(tmp_path):
    text = (
        '\ufeff"width","height, cm",city\r\n'
        '1,2,"New York, NY"\r\n'
        '3,"4",Paris\r\n'
        "\r\n"  # a blank line in the middle is skipped
        '5,6,"New York, NY"\r\n'
        "\r\n\r\n"
    )
    ds = load_csv(write(tmp_path, text))
    assert ds.feature_names == ["width", "height, cm"] and ds.target_name == "city"
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4], [5, 6]])
    assert ds.task == "binary"
    assert list(ds.classes) == ["New York, NY", "Paris"]  # sorted
    np.testing.assert_array_equal(ds.y, [0, 1, 0])
    assert list(ds.classes[ds.y]) == ["New York, NY", "Paris", "New York, NY"]


def test_target_by_name_or_position(tmp_path):
    path = write(tmp_path, "species,a,b\nsetosa,1,2\nvirginica,3,4\nversicolor,5,6\n")
    by_name, first, negative = (load_csv(path, target=t) for t in ("species", 0, -3))
    for ds in (by_name, first, negative):
        assert ds.target_name == "species" and ds.feature_names == ["a", "b"]
        assert ds.task == "multiclass" and list(ds.classes) == ["setosa", "versicolor", "virginica"]
        np.testing.assert_array_equal(ds.y, [0, 2, 1])
    middle = load_csv(write(tmp_path, "a,t,b\n1,0,2\n3,1,4\n"), target=1)
    assert middle.feature_names == ["a", "b"] and list(middle.classes) == [0, 1]
    assert middle.classes.dtype == np.int64  # "0", "1" stay integers


def test_task_is_detected_and_can_be_overridden(tmp_path):
    ints = "\n".join(["a,y", *(f"{i},{i % 3}" for i in range(12))])
    ds = load_csv(write(tmp_path, ints))
    assert ds.task == "multiclass" and list(ds.classes) == [0, 1, 2]
    as_regression = load_csv(write(tmp_path, ints), task="regression")
    assert as_regression.classes is None and as_regression.y.dtype == np.float64
    with pytest.raises(DataError, match=r"data\.csv, column 'y'.*has 3 classes \(0, 1, 2\)"):
        load_csv(write(tmp_path, ints), task="binary")
    with pytest.raises(DataError, match="the task 'regression' needs numbers"):
        load_csv(write(tmp_path, "a,y\n1,cat\n2,dog\n"), task="regression")


# ---------------------------------------------------------------- CSV: every bad case


BAD_CSV = {
    # name: (file text, [what the message must contain besides the file name])
    "short row": ("a,b,c\n1,2,3\n4,5\n", ["line 3", "column 'c'", "2 cells", "header has 3"]),
    "long row": ("a,b,c\n1,2,3,9\n", ["line 2", "column 'c'", "4 cells", "1 extra"]),
    "word in feature": ("a,b,c\n1,2,0\n3,abc,1\n", ["line 3", "column 'b'", "'abc'"]),
    "decimal comma": ("a;b;c\n1;2,5;0\n", ["line 2", "column 'b'", "'2,5'", "decimal point"]),
    "empty feature": ("a,b,c\n1,,0\n", ["line 2", "column 'b'", "empty"]),
    "nan feature": ("a,b,c\n1,2,0\nNaN,2,1\n", ["line 3", "column 'a'", "'NaN'"]),
    "inf feature": ("a,b,c\n1,-inf,0\n", ["line 2", "column 'b'", "'-inf'"]),
    "empty target": ("a,b,c\n1,2,0\n3,4,\n", ["line 3", "column 'c'", "target cell is empty"]),
    "nan target": ("a,b,c\n1,2,nan\n", ["line 2", "column 'c'", "'nan'"]),
    "inf target": ("a,b,c\n1,2,cat\n3,4,inf\n", ["line 3", "column 'c'", "'inf'"]),
    "missing header": ("5.1,3.5,1.4,setosa\n4.9,3.0,1.4,setosa\n", ["line 1", "header row"]),
    "header only": ("a,b,c\n\n", ["line 1", "'a', 'b', 'c'", "no data rows"]),
    "duplicate name": ("a,b,a\n1,2,3\n", ["line 1", "names 'a'", "more than once"]),
    "unnamed column": (",a,b\n0,1,2\n", ["line 1", "column(s) 1", "no name"]),
    "one column": ("a\n1\n2\n", ["line 1", "only one column"]),
}


@pytest.mark.parametrize("case", BAD_CSV)
def test_bad_csv_names_file_line_and_column(tmp_path, case):
    text, fragments = BAD_CSV[case]
    path = write(tmp_path, text, name="bad_input.csv")
    with pytest.raises(DataError) as err:
        load_csv(path)
    message = str(err.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert isinstance(err.value, ValueError) and isinstance(err.value, cr.ChainruleError)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, text, name="empty.csv")
    with pytest.raises(DataError, match=r"empty\.csv, line 1: the file is empty"):
        load_csv(path)


@pytest.mark.parametrize(
    ("target", "fragments"),
    [
        ("label", ["line 1", "'label'", "the columns are 'a', 'b', 'c'"]),
        (3, ["line 1", "position 3", "'a', 'b', 'c'", "0..2"]),
        (-4, ["line 1", "position -4"]),
    ],
)
def test_missing_target_column_lists_the_columns(tmp_path, target, fragments):
    path = write(tmp_path, "a,b,c\n1,2,3\n")
    with pytest.raises(DataError) as err:
        load_csv(path, target=target)
    for fragment in [str(path), *fragments]:
        assert fragment in str(err.value)


def test_line_numbers_count_blank_lines_and_the_bom(tmp_path):
    path = write(tmp_path, "\ufeffa,b,c\n\n1,2,0\n\n\n3,x,1\n")
    with pytest.raises(DataError, match=r"line 6, column 'b': cannot read 'x'"):
        load_csv(path)


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path, "a,b,c\n1,2,caf\xe9\n", encoding="latin-1")
    with pytest.raises(DataError, match=r"data\.csv, line 2: not UTF-8"):
        load_csv(path)


# ---------------------------------------------------------------- labels and the task


def test_encode_and_decode_labels():
    indices, classes = encode_labels(["dog", "cat", "emu", "cat"])
    np.testing.assert_array_equal(indices, [1, 0, 2, 0])
    assert list(classes) == ["cat", "dog", "emu"] and indices.dtype == np.int64
    assert list(decode_labels(indices, classes)) == ["dog", "cat", "emu", "cat"]
    indices, classes = encode_labels(np.array([10, -1, 10, 3]))
    np.testing.assert_array_equal(classes, [-1, 3, 10])
    np.testing.assert_array_equal(decode_labels(indices, classes), [10, -1, 10, 3])
    with pytest.raises(DataError, match=r"index 3 \(position 1\) is outside 0\.\.2"):
        decode_labels([0, 3], classes)
    with pytest.raises(DataError, match="mix types"):
        encode_labels(np.array(["a", 1], dtype=object))
    with pytest.raises(DataError, match="label 1 is nan"):
        encode_labels([0.0, np.nan])


@pytest.mark.parametrize(
    ("y", "task"),
    [
        (["a", "b", "a"], "binary"),
        ([True, False, True], "binary"),
        (["a", "b", "c"], "multiclass"),
        ([0, 1, 1, 0], "binary"),
        ([3.0, 7.0], "binary"),  # two whole numbers: always classes
        ([0, 1, 2, 0, 1, 2], "multiclass"),  # k = 3 ≤ n / 2
        ([0, 1, 2, 3], "regression"),  # k = 4 > n / 2: most values seen once
        (list(range(21)) * 3, "regression"),  # k = 21 > 20
        ([0.5, 1.0, 0.5, 1.0], "regression"),  # fractions
    ],
)
def test_detect_task(y, task):
    assert detect_task(y) == task


def test_dataset_from_arrays():
    ds = Dataset.from_arrays
    d = ds(np.ones((4, 2)), ["no", "yes", "yes", "no"], target_name="answer")
    assert d.task == "binary" and list(d.classes) == ["no", "yes"]
    assert d.feature_names == ["x1", "x2"]
    assert repr(d) == "Dataset(4 samples × 2 features, target 'answer': binary, 2 classes)"
    assert ds(np.ones((4, 1)), [0, 1, 2, 1], task="classification").task == "multiclass"
    with pytest.raises(DataError, match="one value, 'a', in all 3 samples"):
        ds(np.ones((3, 1)), ["a", "a", "a"])


# ---------------------------------------------------------------- arrays and DataFrames


def test_as_arrays_from_lists_and_arrays():
    X, y, names = as_arrays([[1, 2], [3, 4]], ["a", "b"])
    assert X.dtype == np.float64 and X.shape == (2, 2) and list(y) == ["a", "b"] and names is None
    X32, _, _ = as_arrays(np.ones((3, 2), np.float32))
    assert X32.dtype == np.float32  # float32 is kept


@pytest.mark.parametrize(
    ("X", "y", "pattern"),
    [
        (np.ones(3), None, r"2-D.*\(3,\).*reshape\(-1, 1\)"),
        (np.ones((3, 2)), np.ones(4), r"y has shape \(4,\) but X has 3 rows"),
        ([[1.0, 2.0], [3.0, np.nan]], None, r"X\[1, 1\] \(row 1, column 1\) is nan"),
        ([[1.0, np.inf]], None, r"X\[0, 1\] .* is inf"),
        ([[1, 2], [3]], None, r"element \(1,\) has 1 entries where element \(0,\) has 2"),
        (np.array([[1, "two"]], dtype=object), None, r"X\[0, 1\] .* is 'two', not a number"),
        (np.ones((2, 2)), [1.0, np.nan], r"y\[1\] is nan"),
    ],
)
def test_as_arrays_errors_name_row_and_column(X, y, pattern):
    with pytest.raises(DataError, match=pattern):
        as_arrays(X, y)


def test_as_arrays_from_pandas():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"age": [30, 40], "height": [1.7, 1.8]})
    X, y, names = as_arrays(frame, pd.Series(["a", "b"]))
    assert names == ["age", "height"] and X.dtype == np.float64 and list(y) == ["a", "b"]
    frame.loc[1, "height"] = np.nan
    with pytest.raises(DataError, match=r"row 1, column 1 'height'\) is nan"):
        as_arrays(frame)


def test_as_arrays_never_imports_pandas(monkeypatch):
    monkeypatch.delitem(sys.modules, "pandas", raising=False)
    as_arrays(np.ones((2, 2)), [0, 1])
    assert "pandas" not in sys.modules


# ---------------------------------------------------------------- Standardizer


def test_standardizer_round_trip_and_constant_column(tmp_path):
    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(5, 3, 50), np.full(50, 0.1), rng.normal(-2, 0.5, 50)]
    scaler = Standardizer().fit(X)
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), [1, 0, 1], atol=1e-12)
    assert scaler.scale_[1] == 1.0 and np.all(Z[:, 1] == 0)  # constant column: σ = 1, no 0/0
    np.testing.assert_allclose(scaler.inverse_transform(Z), X, rtol=1e-14, atol=1e-14)

    restored = Standardizer.from_dict(json.loads(json.dumps(scaler.to_dict())))  # JSON, exact
    np.testing.assert_array_equal(restored.mean_, scaler.mean_)
    np.testing.assert_array_equal(restored.scale_, scaler.scale_)
    np.savez(tmp_path / "scaler.npz", **{k: np.asarray(v) for k, v in scaler.to_dict().items()})
    with np.load(tmp_path / "scaler.npz") as saved:
        from_npz = Standardizer.from_dict({k: saved[k] for k in ("mean", "scale")})
    np.testing.assert_array_equal(from_npz.transform(X), Z)


def test_standardizer_keeps_float32_and_checks_its_input():
    X = np.arange(12, dtype=np.float32).reshape(4, 3)
    scaler = Standardizer().fit(X)
    assert scaler.transform(X).dtype == np.float32 and scaler.to_dict()["dtype"] == "float32"
    assert Standardizer.from_dict(scaler.to_dict()).mean_.dtype == np.float32
    assert scaler.transform(X.astype(np.float64)).dtype == np.float64
    with pytest.raises(DataError, match="not fitted"):
        Standardizer().transform(X)
    with pytest.raises(DataError, match="fitted on 3 features but X has shape"):
        scaler.transform(np.ones((2, 2)))


# ---------------------------------------------------------------- TargetScaler


def test_target_scaler_values_for_one_and_several_columns():
    # y = [-1, 7, -1, 7]: μ = 3; deviations ±4, so σ = √16 = 4 and y_z = [-1, 1, -1, 1], exactly
    y = np.array([-1.0, 7.0, -1.0, 7.0])
    scaler = TargetScaler().fit(y)
    assert scaler.mean_.tolist() == [3.0] and scaler.scale_.tolist() == [4.0]
    z = scaler.transform(y)
    assert z.shape == (4,) and z.tolist() == [-1.0, 1.0, -1.0, 1.0]

    rng = np.random.default_rng(0)
    Y = np.c_[rng.normal(100, 20, 50), rng.normal(-3, 0.01, 50)]
    scaler = TargetScaler().fit(Y)
    assert scaler.mean_.shape == scaler.scale_.shape == (2,)
    Z = scaler.transform(Y)
    assert Z.shape == (50, 2)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    single = TargetScaler().fit(Y[:, 0])  # one column alone: the same, up to summation order
    np.testing.assert_allclose(single.transform(Y[:, 0]), Z[:, 0], rtol=0, atol=1e-14)


def test_target_scaler_constant_column_maps_to_zero():
    # 0.1 is not exact in binary: its computed std is a few ulps (≈1e-17), not 0. Dividing by
    # that would blow the column up; the scaler takes μ = 0.1 and σ = 1 instead.
    Y = np.c_[np.full(7, 0.1), np.arange(7.0)]
    scaler = TargetScaler().fit(Y)
    assert scaler.mean_[0] == 0.1 and scaler.scale_[0] == 1.0
    Z = scaler.transform(Y)
    assert np.all(Z[:, 0] == 0) and Z[:, 1].std() == pytest.approx(1)


def test_target_scaler_keeps_float_dtype_and_converts_integers():
    y32 = np.array([1.0, 2.0, 4.0], dtype=np.float32)
    scaler = TargetScaler().fit(y32)
    assert scaler.mean_.dtype == np.float64  # μ and σ are float64 whatever y is
    assert scaler.transform(y32).dtype == np.float32
    assert scaler.transform(y32.astype(np.float64)).dtype == np.float64
    assert scaler.transform(np.array([1, 2, 4])).dtype == np.float64
    np.testing.assert_allclose(scaler.transform(y32), scaler.transform([1, 2, 4]), rtol=1e-6)


def test_fold_into_makes_a_network_trained_on_scaled_targets_predict_raw_units():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3))
    y = 500.0 + 80.0 * (X @ [1.0, -2.0, 0.5]) + rng.normal(0, 5, 40)  # raw units: ~500 ± 200
    scaler = TargetScaler().fit(y)
    net = cr.MLP([3, 1], output="identity", seed=0)
    cr.fit(net, X, scaler.transform(y), epochs=30, lr=0.05, seed=0)
    predictions_before = net.predict(X)  # in scaled units: ŷ_z
    W_before = net.weights[-1].copy()
    scaler.fold_into(net.weights[-1])
    # ŷ = σ·ŷ_z + μ: column times σ (bias row included), then μ added to the bias row
    np.testing.assert_array_equal(net.weights[-1][:-1], W_before[:-1] * scaler.scale_)
    np.testing.assert_array_equal(net.weights[-1][-1], W_before[-1] * scaler.scale_ + scaler.mean_)
    expected = scaler.mean_ + scaler.scale_ * predictions_before
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-13, atol=1e-12)
    assert np.abs(net.predict(X) - y).mean() < 20  # and it did learn y, in y's units


def test_fold_into_two_outputs_and_the_dtype_of_the_weights():
    scaler = TargetScaler().fit(np.array([[0.0, 10.0], [2.0, 30.0]]))  # μ = (1, 20), σ = (1, 10)
    W = np.ones((3, 2), dtype=np.float32)
    scaler.fold_into(W)
    assert W.dtype == np.float32
    np.testing.assert_array_equal(W, [[1, 10], [1, 10], [2, 30]])


def test_target_scaler_errors():
    with pytest.raises(DataError, match="not fitted"):
        TargetScaler().transform([1.0, 2.0])
    with pytest.raises(DataError, match="not fitted"):
        TargetScaler().fold_into(np.ones((3, 1)))
    scaler = TargetScaler().fit(np.ones((5, 2)))
    with pytest.raises(DataError, match=r"fitted on 2 target column\(s\) but y has shape \(5,\)"):
        scaler.transform(np.ones(5))
    with pytest.raises(DataError, match=r"weights have shape \(4, 1\); they need 2 column"):
        scaler.fold_into(np.ones((4, 1)))
    with pytest.raises(DataError, match=r"must be numbers .* dtype <U1"):
        TargetScaler().fit(np.array(["a", "b"]))
    with pytest.raises(DataError, match=r"shape \(m,\) or \(m, n_outputs\)"):
        TargetScaler().fit(np.ones((2, 2, 2)))
    with pytest.raises(DataError, match=r"y\[1, 0\] is nan"):
        TargetScaler().fit([1.0, np.nan])
    with pytest.raises(ValueError):  # DataError is a ValueError
        TargetScaler().fit([])


# ---------------------------------------------------------------- train_test_split


def test_split_is_stratified_and_complete():
    y = np.repeat(["a", "b", "c"], [60, 30, 10])
    X = np.arange(100.0)[:, None]
    X_train, X_test, _, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    assert len(X_test) == 25 and len(X_train) == 75
    # exact shares 15, 7.5, 2.5: floors 15, 7, 2 and the one left over goes to the first tie
    assert [int(np.sum(y_test == c)) for c in "abc"] == [15, 8, 2]
    np.testing.assert_array_equal(np.sort(np.r_[X_train[:, 0], X_test[:, 0]]), np.arange(100))
    np.testing.assert_array_equal(y[X_test[:, 0].astype(int)], y_test)  # rows stay paired


def test_split_is_deterministic_by_seed():
    X, y = make_blobs(90, n_classes=3, seed=1)
    first, again = train_test_split(X, y, seed=7), train_test_split(X, y, seed=7)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], train_test_split(X, y, seed=8)[1])
    # an int seed is scikit-learn's RandomState(seed), so the split can be reproduced there
    from_state = train_test_split(X, y, seed=np.random.RandomState(7))
    np.testing.assert_array_equal(from_state[1], first[1])


def test_split_regression_and_errors():
    X, y = np.ones((10, 2)), np.linspace(0, 1, 10)
    X_train, X_test, _, _ = train_test_split(X, y, test_size=3)
    assert len(X_train) == 7 and len(X_test) == 3
    with pytest.raises(DataError, match="class 'c' has only 1 sample"):
        train_test_split(np.ones((5, 1)), ["a", "a", "b", "b", "c"])
    with pytest.raises(DataError, match="X has 10 rows but y has 9"):
        train_test_split(X, y[:9])
    with pytest.raises(DataError, match="test part"):
        train_test_split(X, y, test_size=1.5)


# ---------------------------------------------------------------- generated datasets


MAKERS = {
    "moons": (make_moons, {}),
    "circles": (make_circles, {"factor": 0.3}),
    "xor": (make_xor, {}),
    "spiral": (make_spiral, {"n_classes": 3}),
    "blobs": (make_blobs, {"n_classes": 4}),
}


@pytest.mark.parametrize("name", MAKERS)
def test_generators_are_deterministic_with_the_right_shape(name):
    make, options = MAKERS[name]
    X, y = make(101, seed=3, **options)
    X_again, y_again = make(101, seed=3, **options)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    assert not np.array_equal(make(101, seed=4, **options)[0], X)
    assert X.shape == (101, 2) and X.dtype == np.float64 and y.shape == (101,)
    assert y.dtype == np.int64
    k = options.get("n_classes", 2)
    counts = np.bincount(y)
    assert len(counts) == k and counts.max() - counts.min() <= 1  # balanced
    assert np.all(np.isfinite(X))
    assert len(set(y[:10])) > 1  # shuffled, not one class after another


def test_generators_without_noise_lie_on_their_shapes():
    X, y = make_circles(40, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*X.T), np.where(y == 0, 1.0, 0.3))
    X, y = make_xor(40, noise=0.0)
    assert set(map(tuple, X.astype(int))) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    np.testing.assert_array_equal(y, X[:, 0].astype(int) ^ X[:, 1].astype(int))
    X, y = make_moons(40, noise=0.0)
    np.testing.assert_allclose(np.hypot(X[y == 0, 0], X[y == 0, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(X[y == 1, 0] - 1, X[y == 1, 1] - 0.5), 1.0)
    X, y = make_spiral(60, n_classes=3, noise=0.0)
    assert np.hypot(*X.T).max() <= 1 + 1e-12
    X, y = make_blobs(300, n_classes=3, std=0.0)
    centres = np.array([X[y == c][0] for c in range(3)])
    np.testing.assert_allclose(np.linalg.norm(centres - np.roll(centres, 1, axis=0), axis=1), 6)


def test_generator_arguments_are_checked():
    with pytest.raises(DataError, match="n_classes must be an integer ≥ 2"):
        make_spiral(10, n_classes=1)
    with pytest.raises(DataError, match="n must be an integer ≥ 3"):
        make_blobs(2, n_classes=3)
    with pytest.raises(DataError, match="noise must be ≥ 0"):
        make_moons(10, noise=-1)
    with pytest.raises(DataError, match="factor"):
        make_circles(10, factor=1.5)


# ---------------------------------------------------------------- load_dataset


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"the network was touched: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize(
    ("name", "shape", "task", "n_classes"),
    [
        ("breast_cancer", (569, 30), "binary", 2),
        ("digits", (1797, 64), "multiclass", 10),
        ("iris", (150, 4), "multiclass", 3),
        ("wine", (178, 13), "multiclass", 3),
        ("diabetes", (442, 10), "regression", None),
    ],
)
def test_bundled_datasets_load_without_network(no_network, name, shape, task, n_classes):
    ds = load_dataset(name)
    assert ds.X.shape == shape and ds.X.dtype == np.float64 and ds.task == task
    assert len(ds.feature_names) == shape[1] and ds.y.shape == (shape[0],)
    assert ds.n_classes == n_classes
    if n_classes is not None:
        assert ds.y.dtype == np.int64 and set(ds.y) == set(range(n_classes))


def test_bundled_labels_keep_scikit_learns_order():
    ds = load_dataset("breast_cancer")
    assert list(ds.classes) == ["malignant", "benign"] and np.sum(ds.y == 0) == 212
    assert load_dataset("diabetes").X[0, 0] == 59.0  # the raw, unscaled age


@pytest.mark.parametrize("name", ["moons", "circles", "xor", "spiral", "blobs"])
def test_generated_datasets_by_name(name):
    ds = load_dataset(name, seed=5)
    X, y = MAKERS[name][0](seed=5)
    np.testing.assert_array_equal(ds.X, X)
    np.testing.assert_array_equal(ds.y, y)
    assert ds.feature_names == ["x1", "x2"] and list(ds.classes) == list(range(len(set(y))))


def test_load_dataset_names_and_errors(monkeypatch):
    names = ("breast_cancer", "digits", "iris", "wine", "diabetes")
    names += ("moons", "circles", "xor", "spiral", "blobs")
    assert names == DATASETS
    assert load_dataset("Spiral", n=90, n_classes=3).n_classes == 3
    with pytest.raises(DataError, match="no dataset named 'mnist'; the datasets are breast_cancer"):
        load_dataset("mnist")
    with pytest.raises(TypeError, match="takes no options"):
        load_dataset("iris", n=10)
    monkeypatch.setitem(sys.modules, "sklearn", None)  # as if scikit-learn were not installed
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[sklearn\]'"):
        load_dataset("iris")


def test_standardizer_fits_finite_data_of_any_magnitude_without_warnings():
    import warnings

    from chainrule.data.scaling import Standardizer, mean_std

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    X[::10, 0] = 1e300  # squaring these overflows the plain formula
    X[:, 2] *= 1e-300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean, std = mean_std(X)
        scaler = Standardizer().fit(X)
        Z = scaler.transform(X)
    exact_mean = np.mean(X[:, 0] / 1e300) * 1e300
    assert mean[0] == pytest.approx(exact_mean, rel=1e-12)
    assert std[0] == pytest.approx(np.std(X[:, 0] / 1e300) * 1e300, rel=1e-12)
    assert mean[1] == pytest.approx(X[:, 1].mean(), rel=1e-12)
    assert std[1] == pytest.approx(X[:, 1].std(), rel=1e-12)
    # the plain std of values near 1e-300 underflows to 0 (the column would look constant)
    assert X[:, 2].std() == 0
    assert std[2] == pytest.approx(np.std(X[:, 2] * 1e300) * 1e-300, rel=1e-12)
    assert np.isfinite(Z).all() and np.isfinite(scaler.scale_).all()
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-9)


# ---------------------------------------------------------------- CSV: the one RFC 4180 reader


def test_an_unterminated_quote_names_its_line_and_swallows_no_rows(tmp_path):
    path = write(tmp_path, 'a,b,y\n1,2,0\n3,"4,1\n5,6,1\n7,8,0\n')
    with pytest.raises(DataError, match=r"data\.csv, line 3: a quoted field opened here is never"):
        load_csv(path)


def test_a_cell_over_128_kib_is_a_data_error_not_a_csv_error(tmp_path):
    big = "9" * (200 * 1024)
    path = write(tmp_path, f'a,b,y\n1,2,0\n3,"{big}",1\n')
    with pytest.raises(DataError, match=r"csv, line 3, column 'b': the feature cell is 'inf'"):
        load_csv(path)  # a 200 KiB number is read (as inf): refused as not finite, named
    path = write(tmp_path, f'a,b,y\n1,2,0\n3,"x{big}",1\n')
    with pytest.raises(
        DataError, match=r"line 3, column 'b': cannot read 'x9+\.\.\.' \(204,801 char"
    ):
        load_csv(path)


def test_19_digit_integer_labels_stay_distinct(tmp_path):
    labels = [1234567890123456789, 1234567890123456788, 1234567890123456787]
    rows = [f"{i},{labels[i % 3]}" for i in range(9)]
    ds = load_csv(write(tmp_path, "\n".join(["a,id", *rows])))
    assert ds.task == "multiclass" and ds.classes.dtype == np.int64
    assert sorted(ds.classes.tolist()) == sorted(labels)
    assert ds.classes[ds.y].tolist() == [labels[i % 3] for i in range(9)]


def test_boolean_features_are_one_and_zero_and_na_is_refused(tmp_path):
    ds = load_csv(write(tmp_path, "a,flag,y\n1,true,0\n2,False,1\n"))
    np.testing.assert_array_equal(ds.X, [[1, 1], [2, 0]])
    with pytest.raises(DataError, match=r"line 3, column 'a': the feature cell is 'NA'.*Preproc"):
        load_csv(write(tmp_path, "a,b,y\n1,2,0\nNA,4,1\n"))
    with pytest.raises(DataError, match=r"line 2, column 'y': the target cell is 'NA'.*train"):
        load_csv(write(tmp_path, "a,b,y\n1,2,NA\n3,4,1\n"))
