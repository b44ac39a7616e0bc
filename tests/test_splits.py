"""chainrule's train_test_split against scikit-learn's: the same rows, in the same order.

scikit-learn is the oracle (skipped where it is not installed); chainrule's split imports only
NumPy. Each case compares all four returned arrays over many seeds, sizes and class balances.
"""

import numpy as np
import pytest

from chainrule.data.splits import train_test_split
from chainrule.errors import DataError

sk_split = pytest.importorskip("sklearn.model_selection").train_test_split


def _labels(counts, kind):
    y = np.repeat(np.arange(len(counts)), counts)
    if kind == "str":
        return np.array(["Adelie", "Chinstrap", "Gentoo", "d", "e", "f"])[y]
    if kind == "object":
        return np.array(["x", "y", "z", "w", "v", "u"], dtype=object)[y]
    if kind == "bool":
        return y.astype(bool)
    return y * 3 - 2  # ints, not 0..k-1


def _same(ours, theirs):
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)


CASES = [
    ([50, 50], "int"),
    ([60, 30, 10], "str"),
    ([7, 2], "int"),
    ([3, 3, 3, 3], "object"),
    ([40, 9, 2, 17, 5], "str"),
    ([25, 75], "bool"),
    ([13, 13, 13], "int"),
    ([2, 2, 2, 2, 2, 2], "str"),
]


@pytest.mark.parametrize("counts,kind", CASES)
@pytest.mark.parametrize("test_size", [0.25, 0.1, 0.5, 0.33, 6])
def test_stratified_split_is_sklearns(counts, kind, test_size):
    y = _labels(counts, kind)
    rows = np.random.default_rng(len(y)).permutation(len(y))  # classes interleaved
    y = y[rows]
    X = np.arange(len(y) * 2.0).reshape(-1, 2)
    for seed in range(25):
        try:
            theirs = sk_split(X, y, test_size=test_size, random_state=seed, stratify=y)
        except ValueError:  # a part smaller than the number of classes: ours refuses too
            with pytest.raises(DataError, match="cannot hold one sample of each"):
                train_test_split(X, y, test_size=test_size, seed=seed)
            continue
        _same(train_test_split(X, y, test_size=test_size, seed=seed), theirs)


@pytest.mark.parametrize("n", [2, 5, 10, 101])
@pytest.mark.parametrize("test_size", [0.25, 0.5, 0.9, 1])
def test_plain_split_is_sklearns(n, test_size):
    X, y = np.arange(n * 3.0).reshape(n, 3), np.linspace(0, 1, n)
    if isinstance(test_size, float) and np.ceil(test_size * n) >= n:  # no training part
        with pytest.raises(ValueError):
            sk_split(X, y, test_size=test_size)
        with pytest.raises(DataError, match="leaves none for training"):
            train_test_split(X, y, test_size=test_size, stratify=False)
        return
    for seed in range(20):
        ours = train_test_split(X, y, test_size=test_size, stratify=False, seed=seed)
        _same(ours, sk_split(X, y, test_size=test_size, random_state=seed))
        labels = np.arange(n) % 2  # classes, but stratify=False: the plain split all the same
        ours = train_test_split(X, labels, test_size=test_size, stratify=False, seed=seed)
        _same(ours, sk_split(X, labels, test_size=test_size, random_state=seed))


def test_stratify_false_is_honoured_for_whole_number_targets():
    """A regression target of whole numbers looks like classes; stratify=False splits plainly."""
    y = np.array([1, 1, 2, 2, 3, 3, 3, 3, 1, 2, 4, 4] * 2)
    X = np.arange(len(y))[:, None]
    for seed in range(10):
        _same(
            train_test_split(X, y, stratify=False, seed=seed),
            sk_split(X, y, test_size=0.25, random_state=seed),
        )
    # and one sample of a value is no error without stratification
    train_test_split(X[:5], np.array([1, 1, 2, 2, 7]), stratify=False, seed=0)


def test_a_generator_or_randomstate_is_drawn_from():
    X, y = np.arange(40)[:, None], np.arange(40) % 4
    a = train_test_split(X, y, seed=np.random.default_rng(3))
    b = train_test_split(X, y, seed=np.random.default_rng(3))
    _same(a, b)
    _same(
        train_test_split(X, y, seed=np.random.RandomState(3)),
        sk_split(X, y, test_size=0.25, random_state=3, stratify=y),
    )
    assert sorted(np.r_[a[0][:, 0], a[1][:, 0]]) == list(range(40))


def test_test_size_zero_keeps_everything_for_training():
    X, y = np.arange(10.0)[:, None], np.array(["a"] * 5 + ["b"] * 4 + ["c"])
    for size in (0, 0.0):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=size)
        np.testing.assert_array_equal(X_train, X)
        np.testing.assert_array_equal(y_train, y)
        assert X_test.shape == (0, 1) and y_test.shape == (0,) and y_test.dtype == y.dtype


def test_a_class_of_one_is_named_with_its_label_count_and_file():
    X, y = np.ones((7, 1)), np.array(["Adelie", "Gentoo", "Gentoo", "Chinstrap", "Chinstrap"] * 1
                                    + ["Gentoo", "Chinstrap"])  # fmt: skip
    with pytest.raises(DataError) as err:
        train_test_split(X, y, where="penguins.csv")
    message = str(err.value)
    assert message.startswith("penguins.csv: class 'Adelie' has only 1 sample")
    assert "at least 2 samples per class" in message
    assert "remove that class, or get more samples of it" in message
    assert "stratify" not in message and "class 0" not in message
    with pytest.raises(DataError, match=r"^train_test_split: classes 7, 9 have only 1 sample each"):
        train_test_split(np.ones((6, 1)), [1, 1, 7, 9, 1, 1])
    train_test_split(X, y, stratify=False)  # the plain split has no such need


def test_other_errors_say_what_to_do():
    X, y = np.ones((10, 2)), np.arange(10) % 5
    with pytest.raises(DataError, match=r"data\.csv: a stratified test part of 3 samples cannot "
                       "hold one sample of each of the 5 classes"):  # fmt: skip
        train_test_split(X, y, test_size=3, where="data.csv")
    with pytest.raises(DataError, match="X has 10 rows but y has 9"):
        train_test_split(X, y[:9])
    for bad in (1.5, 1.0, 10, -1, True, "0.2"):
        with pytest.raises(DataError, match="test part"):
            train_test_split(X, y, test_size=bad)
    with pytest.raises(DataError, match="leaves none for training"):
        train_test_split(X, y, test_size=0.99, stratify=False)
    with pytest.raises(DataError, match="seed"):
        train_test_split(X, y, seed="zero")
