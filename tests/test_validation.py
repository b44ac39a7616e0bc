"""The finiteness check behind every data entry point (validation.all_finite): elementwise for
small arrays; for large ones its fast path (the sum is finite, so every term is) and its exact
fallback (NaN, ±inf, or a sum that overflowed), with no warnings; and the errors that still name
the bad cell. Other input errors: test_network.py (check_X, check_targets) and test_data.py
(as_arrays, CSV files).
"""

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.data.checks import all_finite, check_X
from chainrule.data.datasets import Dataset
from chainrule.data.labels import encode_labels
from chainrule.data.tables import as_arrays
from chainrule.errors import DataError


@pytest.fixture(autouse=True, params=["elementwise", "sum first"])
def path(request, monkeypatch):
    """Every test twice: small arrays take the elementwise check, large ones the sum first; here
    the threshold moves so that both paths see every case."""
    if request.param == "sum first":
        monkeypatch.setattr("chainrule.data.checks._SUM_FIRST", 0)
    return request.param


def test_the_threshold_picks_the_sum_for_large_arrays_only(path):
    from chainrule.data import checks as validation

    assert (validation._SUM_FIRST == 0) == (path == "sum first")
    assert validation._SUM_FIRST in (0, 1 << 22)


def finite(arr):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the sum's overflow and inf − inf must stay silent
        return all_finite(arr)


@pytest.mark.parametrize(
    "arr",
    [
        np.random.default_rng(0).standard_normal((50, 7)).astype(np.float32),
        np.random.default_rng(1).standard_normal((50, 7)),
        np.random.default_rng(2).standard_normal((3, 4, 5)).astype(np.float16),
        np.empty((0, 784), np.float32),
        np.empty(0),
        np.array(2.5),
        np.arange(12).reshape(3, 4),
        np.array([[True, False]]),
        np.array([1 + 2j, -3j]),
        np.full(10, 3e38, np.float32),  # finite, but the float32 sum overflows to inf
        np.array([3e38, 3e38, -3e38, -3e38], np.float32),  # the sum overflows, both signs
        np.full((4, 5), np.finfo(np.float64).max),
        np.ones((20, 30))[::3, ::2],  # not contiguous
    ],
    ids=lambda a: f"{a.dtype}{a.shape}",
)
def test_finite_arrays_are_all_finite(arr):
    assert finite(arr) is True


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("where", [(0, 0), (29, 6), (14, 3)], ids=["first", "last", "middle"])
def test_a_nan_or_inf_anywhere_is_found(bad, dtype, where):
    arr = np.random.default_rng(0).standard_normal((30, 7)).astype(dtype)
    arr[where] = bad
    assert finite(arr) is False
    arr[0, 0] = -bad  # inf − inf: the sum is NaN (the "invalid" warning is silenced)
    assert finite(arr) is False


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_bad_value_in_a_3d_array_and_among_overflowing_values_is_found(bad):
    cube = np.zeros((4, 5, 6), np.float32)
    cube[2, 3, 4] = bad
    assert finite(cube) is False
    huge = np.full(10, 3e38, np.float32)  # the sum overflows, so the exact check decides
    huge[7] = bad
    assert finite(huge) is False
    assert finite(np.array([1 + 0j, complex(0, bad)])) is False


def test_other_dtypes_do_not_crash():
    assert finite(np.array([1.0, 2], dtype=object)) is True
    assert finite(np.array([1.0, np.nan], dtype=object)) is False
    assert finite(np.array(["a", None], dtype=object)) is False
    assert finite(np.array(["2024-01-01", "NaT"], dtype="datetime64[D]")) is False


def test_finite_values_whose_sum_overflows_pass_every_entry_point():
    X = np.full((6, 3), 3e38, np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_X(X, 3, np.float32) is X
        assert as_arrays(X, np.zeros(6))[0] is X
        big = np.full((6, 3), 1e308)
        Dataset.from_arrays(big, np.arange(6.0), task="regression")
        encode_labels(np.full(4, 1e308))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_fit_names_the_row_and_column_of_a_bad_value(bad):
    X = np.random.default_rng(0).standard_normal((40, 3)).astype(np.float32)
    y = np.arange(40) % 2
    X[17, 2] = bad
    net = cr.MLP([3, 4, 1], seed=0)
    with pytest.raises(DataError, match=rf"^X\[17, 2\] \(row 17, column 2\) is {bad}; remove"):
        net.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=rf"^X holds {bad} at row 17, column 2 \(0-based\)"):
        net.predict(X)
    yr = np.zeros(40)
    yr[5] = bad
    with pytest.raises(DataError, match=rf"^y\[5\] is {bad}; remove"):
        cr.MLP([3, 4, 1], output="identity", seed=0).fit(np.zeros((40, 3)), yr, epochs=1, verbose=0)
    with pytest.raises(DataError, match=rf"label 5 is {bad}; drop"):
        encode_labels(yr)


@pytest.mark.parametrize("bad", [0.5, 2.0, -1.0, 1 + 2**-52, 5e-324, -5e-324])
def test_binary_targets_other_than_0_and_1_are_named_by_cell(bad):
    from chainrule.data.checks import check_targets

    y = np.array([[0.0, 1.0], [1.0, 1.0], [-0.0, 0.0], [1.0, 0.0]])
    ok = check_targets(y, "binary_cross_entropy", 2, 4, np.dtype(np.float64))
    assert np.array_equal(ok, y)  # -0.0 is a 0
    y[2, 1] = bad
    with pytest.raises(ValueError, match=r"at row 2, column 1; binary cross-entropy needs"):
        check_targets(y, "binary_cross_entropy", 2, 4, np.dtype(np.float64))


def test_predict_and_explain_take_the_boolean_frame_that_fit_took():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"flag": [True, False] * 10, "size": np.linspace(-1, 1, 20)})
    y = np.array([1, 0] * 10)
    net = cr.MLP([2, 1], seed=0)
    net.fit(X, y, epochs=2, verbose=0)
    as_numbers = X.astype(float).to_numpy()
    np.testing.assert_array_equal(net.predict(X), net.predict(as_numbers))
    assert cr.explain(net, X, y, weight="W1[1,1]", sample=0).value is not None
    with pytest.raises(TypeError, match="'x'"):  # text is refused by both
        net.predict(X.assign(flag=["x", "y"] * 10))


def test_a_prediction_is_never_silently_nan_or_infinite():
    net = cr.MLP([2, 1], output="identity", seed=0)
    net.set_weight("W1[1,1]", 1e300)
    net.set_weight("W1[2,1]", -1e300)
    X = np.array([[1.0, 1.0], [1e10, -1e10]])
    with pytest.raises(cr.errors.PredictionError, match="row 1"):
        net.predict(X)
    assert np.isfinite(net.predict(X[:1])).all()  # inf − inf never happens on this row
    sigmoid = cr.MLP([2, 2, 1], seed=0)
    sigmoid.set_weight("W1[1,1]", 1e300)
    sigmoid.set_weight("W1[2,1]", -1e300)
    assert np.isfinite(sigmoid.predict_proba(np.array([[1e10, -1e10]]))).all()  # σ(inf) = 1
    sigmoid.set_weight("W2[3,1]", np.nan)  # a NaN bias: every output NaN
    with pytest.raises(cr.errors.PredictionError, match="row 0"):
        sigmoid.predict_proba(np.array([[1.0, 2.0]]))
