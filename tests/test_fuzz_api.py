"""Property-based tests of the public API on hostile arrays (issue 16, must hold 7).

Arrays of random shapes and dtypes (integers, booleans, float16, complex, objects, strings, NaN,
inf, huge values, empty, 0-d, masked, ragged lists) go into ``cr.tensor``, a network's
``predict``/``fit``/``error``, ``cr.explain`` and ``cr.train_test_split``. Each call must either
succeed with finite results of the right shape, or raise one of chainrule's documented errors (a
ChainruleError, or a ValueError/TypeError with a message); never an AttributeError, IndexError,
KeyError or ZeroDivisionError from inside, and never a RuntimeWarning (warnings are errors here).

Bounded and derandomized: ``CHAINRULE_FUZZ_EXAMPLES`` (default 120) examples per test. For a
release, run longer: ``CHAINRULE_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz_api.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from chainrule.errors import ChainruleError, DataWarning
from fuzzing import fuzz_settings

FUZZ = fuzz_settings(120)
EXAMPLES = FUZZ.max_examples

N_FEATURES = 3
DTYPES = [
    np.bool_, np.int8, np.int64, np.uint8, np.float16, np.float32, np.float64, np.longdouble,
    np.complex128,
]  # fmt: skip
HOSTILE_FLOATS = st.sampled_from([0.0, 1.0, -1.0, np.nan, np.inf, -np.inf, 1e308, -3e38, 5e-324])
ODD_ITEMS = st.one_of(
    st.none(), st.text(max_size=3), st.booleans(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.complex_numbers(max_magnitude=10),
    st.just([1, 2]), st.just({}),
)  # fmt: skip


def _elements(dtype: Any) -> st.SearchStrategy[Any]:
    dt = np.dtype(dtype)
    if dt.kind == "f":
        width = 16 if dt.itemsize == 2 else 64 if dt.itemsize >= 8 else 32
        return st.one_of(st.floats(width=width, allow_subnormal=False), HOSTILE_FLOATS.filter(
            lambda v: width == 64 or abs(v) < float(np.finfo(dt).max) or not np.isfinite(v)
        ))  # fmt: skip
    if dt.kind == "c":
        return st.complex_numbers(allow_nan=True, allow_infinity=True)
    return hnp.from_dtype(dt)


@st.composite
def numeric_arrays(draw: st.DrawFn, shape: Any) -> np.ndarray:
    dtype = draw(st.sampled_from(DTYPES))
    return draw(hnp.arrays(dtype, shape, elements=_elements(dtype)))


@st.composite
def hostile(draw: st.DrawFn, shape: Any = None) -> Any:
    """One hostile input: a numeric array, masked array, string/object array or nested list."""
    if shape is None:
        shape = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5)
    kind = draw(st.sampled_from(["numeric", "numeric", "numeric", "masked", "text", "objects",
                                 "list"]))  # fmt: skip
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    if kind == "text":
        text = st.text(st.characters(exclude_characters="\x00"), max_size=4)
        return draw(hnp.arrays(np.dtype("U4"), shape, elements=text))
    if kind == "objects":
        return draw(hnp.arrays(np.dtype(object), shape, elements=ODD_ITEMS))
    arr = draw(numeric_arrays(shape))
    if kind == "masked":
        mask = draw(hnp.arrays(np.bool_, arr.shape))
        return np.ma.masked_array(arr, mask=mask)
    if kind == "list":
        rows = arr.tolist()
        if isinstance(rows, list) and rows and draw(st.booleans()):
            rows[-1] = [rows[-1], 1.0]  # ragged
        return rows
    return arr


def shapes_of_X(n_features: int = N_FEATURES) -> st.SearchStrategy[Any]:
    """Mostly (m, n_features), the shape the network takes, so calls reach past the checks."""
    return st.one_of(
        st.tuples(st.integers(0, 8), st.just(n_features)),
        st.tuples(st.integers(0, 8), st.just(n_features)),
        hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    )


def labels(n: int) -> st.SearchStrategy[Any]:
    return st.one_of(
        hnp.arrays(np.int64, n, elements=st.integers(0, 1)),
        hnp.arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0])),
        hostile(st.just((n,))),
        hostile(),
    )


def n_rows(X: Any) -> int:
    """How many rows X has, as the caller sees it (1 for a 0-d array)."""
    return len(X) if isinstance(X, list) or np.ndim(X) else 1


def call(fn: Any, *args: Any, index_ok: bool = False, **kw: Any) -> tuple[bool, Any]:
    """(True, result), or (False, error) for an error chainrule documents; anything else fails.

    ``index_ok``: an IndexError is documented here (errors.py: a sample index out of range).
    """
    try:
        return True, fn(*args, **kw)
    except IndexError as err:
        assert index_ok and "out of range" in str(err), repr(err)
        return False, err
    except ChainruleError as err:
        return False, err
    except DataWarning as warning:  # chainrule's own warning, raised as an error here
        return False, warning
    except (ValueError, TypeError) as err:
        assert not isinstance(err, IndexError | KeyError | AttributeError), repr(err)
        assert str(err).strip(), f"{type(err).__name__} without a message"
        return False, err


def same_values(a: Any, b: np.ndarray) -> bool:
    expected = np.asarray(a, dtype=np.float64)
    return np.array_equal(expected, b.astype(np.float64), equal_nan=True)


# -- the tests ------------------------------------------------------------------------------
@FUZZ
@given(data=hostile(), dtype=st.sampled_from([None, np.float32, np.float64]))
def test_tensor(data: Any, dtype: Any) -> None:
    ok, t = call(cr.tensor, data, dtype=dtype)
    if not ok:
        return
    assert t.dtype in (np.float32, np.float64)
    assert t.shape == np.shape(data)
    if isinstance(data, np.ma.MaskedArray):
        assert not np.ma.getmaskarray(data).any()
    if t.dtype == np.float64 and np.asarray(data).dtype.kind in "biuf":
        assert same_values(np.ma.getdata(data), t.data)


NET = cr.MLP([N_FEATURES, 4, 1], seed=0)
CLASSIFIER = cr.MLP([N_FEATURES, 3, 3], hidden="tanh", output="softmax", seed=0)


@FUZZ
@given(X=hostile(shapes_of_X()), softmax=st.booleans())
def test_predict(X: Any, softmax: bool) -> None:
    net = CLASSIFIER if softmax else NET
    ok, out = call(net.predict, X)
    if ok:
        assert out.shape == (np.shape(X)[0],)
        assert np.isfinite(out).all()


@FUZZ
@given(data=st.data(), softmax=st.booleans())
def test_error(data: st.DataObject, softmax: bool) -> None:
    X = data.draw(hostile(shapes_of_X()))
    y = data.draw(labels(n_rows(X)))
    net = CLASSIFIER if softmax else NET
    ok, E = call(net.error, X, y)
    if ok:
        assert isinstance(E, float) and np.isfinite(E)


@FUZZ
@given(data=st.data(), dtype=st.sampled_from([np.float32, np.float64]))
def test_fit(data: st.DataObject, dtype: Any) -> None:
    X = data.draw(hostile(shapes_of_X()))
    y = data.draw(labels(n_rows(X)))
    net = cr.MLP([N_FEATURES, 2, 1], seed=0, dtype=dtype)
    ok, history = call(net.fit, X, y, epochs=2, batch_size=4, verbose=0)
    if ok:
        assert history.epochs_run >= 1 and np.isfinite(history.loss).all()
        assert all(np.isfinite(layer.W.data).all() for layer in net.layers)


@FUZZ
@given(data=st.data(), sample=st.sampled_from([0, -1, 3, None, "all"]))
def test_explain(data: st.DataObject, sample: Any) -> None:
    X = data.draw(hostile(shapes_of_X()))
    y = data.draw(labels(n_rows(X)))
    ok, explanation = call(cr.explain, NET, X, y, "W1[1,1]", sample=sample, index_ok=True)
    if ok:
        assert np.isfinite(explanation.value)


@FUZZ
@given(data=st.data(), test_size=st.sampled_from([0, 0.25, 0.5, 1, 2, 0.999, -0.1]))
def test_train_test_split(data: st.DataObject, test_size: Any) -> None:
    X = data.draw(hostile())
    y = data.draw(labels(n_rows(X)))
    stratify = data.draw(st.booleans())
    ok, parts = call(cr.train_test_split, X, y, test_size=test_size, stratify=stratify, seed=0)
    if ok:
        X_tr, X_te, y_tr, y_te = parts
        assert len(X_tr) + len(X_te) == len(X) and len(y_tr) + len(y_te) == len(y)
        assert len(X_tr) == len(y_tr) and len(X_te) == len(y_te)


def test_the_example_count_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("CHAINRULE_FUZZ_EXAMPLES", "7")
    assert fuzz_settings(120).max_examples == 7
    monkeypatch.delenv("CHAINRULE_FUZZ_EXAMPLES")
    assert fuzz_settings(120).max_examples == 120


# -- what the fuzz found outside the engine and the checks, kept as reproducers ------------
def test_fit_on_a_ragged_nested_row_is_a_data_error() -> None:
    ok, err = call(cr.MLP([3, 2, 1], seed=0).fit, [[[0, 0, 0], 1.0]], [0], epochs=1, verbose=0)
    assert not ok and isinstance(err, ChainruleError)
