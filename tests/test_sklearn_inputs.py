"""The estimators on raw inputs: ``standardize`` (the default), and ``preprocess="auto"``.

Raw features on very different scales (penguins: grams beside millimetres) reach scikit-learn's
own MLP's score with the defaults; non-numeric X is refused alike at fit and at predict unless
``preprocess="auto"`` builds a :class:`chainrule.data.Preprocessor`.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", minversion="1.6")

from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline

import chainrule as cr
from chainrule.data.table import table_from_frame
from chainrule.sklearn import MLPClassifier, MLPRegressor
from estimator_cases import FAST, blobs, moons


# -- raw inputs: standardize, and preprocess="auto" for tables ------------------------------------
def penguins(n=333, seed=0):
    """Penguin-like measurements on their own scales: bill length ~40 mm, depth ~17 mm,
    flipper ~200 mm, body mass ~4000 g (the species' means and spreads of Palmer penguins)."""
    gen = np.random.default_rng(seed)
    species = np.array(["Adelie", "Chinstrap", "Gentoo"])
    y = species[gen.choice(3, size=n, p=[0.44, 0.2, 0.36])]
    centre = {"Adelie": (38.8, 18.3, 190, 3700), "Chinstrap": (48.8, 18.4, 196, 3730),
              "Gentoo": (47.5, 15.0, 217, 5080)}  # fmt: skip
    X = np.array([centre[s] for s in y]) + gen.normal(size=(n, 4)) * [2.7, 1.2, 6.5, 450]
    return X, y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_defaults_on_raw_penguins_reach_sklearns_mlp():
    """The README's example without a StandardScaler: raw grams beside millimetres."""
    X, y = penguins()
    X_train, X_test, y_train, y_test = cr.train_test_split(X, y, test_size=0.25, seed=0)
    ours = MLPClassifier(random_state=0).fit(X_train, y_train)
    theirs = SkMLPClassifier(random_state=0).fit(X_train, y_train)
    assert ours.score(X_test, y_test) >= max(theirs.score(X_test, y_test), 0.9)
    scaler = ours.network_.scaler  # fitted on the training X, kept inside the network
    np.testing.assert_allclose(scaler.mean_, X_train.mean(axis=0))
    np.testing.assert_allclose(scaler.scale_, X_train.std(axis=0))
    np.testing.assert_array_equal(ours.predict(X_test), ours.network_.predict(X_test))
    raw = MLPClassifier(random_state=0, standardize=False).fit(X_train, y_train)
    assert raw.network_.scaler is None and raw.score(X_test, y_test) < 0.9


def test_standardize_weighs_samples_as_repeats():
    X, y = blobs(60)
    w = np.arange(60) % 3
    weighted = MLPClassifier(**FAST).fit(X, y, sample_weight=w).network_.scaler
    repeated = MLPClassifier(**FAST).fit(np.repeat(X, w, axis=0), np.repeat(y, w)).network_.scaler
    np.testing.assert_allclose(weighted.mean_, repeated.mean_, rtol=1e-12)
    np.testing.assert_allclose(weighted.scale_, repeated.scale_, rtol=1e-12)


NOT_NUMBERS = {
    "text": lambda pd: np.array([["x", "1"], ["y", "2"]] * 10, dtype=object),
    "str array": lambda pd: np.array([["1.5", "2"], ["3", "4"]] * 10),
    "bool array": lambda pd: np.array([[True, False], [False, True]] * 10),
    "dates": lambda pd: np.array([["2020-01-01", "2021-01-01"]] * 20, dtype="datetime64[D]"),
    "bool frame": lambda pd: pd.DataFrame({"a": [True, False] * 10, "b": np.arange(20.0)}),
    "text frame": lambda pd: pd.DataFrame({"a": ["x", "y"] * 10, "b": np.arange(20.0)}),
    "category frame": lambda pd: pd.DataFrame({"a": pd.Categorical(["x", "y"] * 10)}),
    "date frame": lambda pd: pd.DataFrame({"a": pd.date_range("2020", periods=20)}),
}


@pytest.mark.parametrize("kind", sorted(NOT_NUMBERS))
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_fit_and_predict_refuse_the_same_non_numeric_inputs(kind, Estimator):
    pd = pytest.importorskip("pandas")
    X, y = NOT_NUMBERS[kind](pd), np.arange(20) % 2
    refused = r"not numbers .*pass preprocess='auto'.*ColumnTransformer"
    with pytest.raises(ValueError, match=refused):
        Estimator(**FAST).fit(X, y)
    fitted = Estimator(**FAST).fit(np.zeros((20, np.shape(X)[1])) + np.arange(20)[:, None], y)
    with pytest.raises(ValueError, match=r"not numbers .*pass preprocess='auto'"):
        fitted.predict(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_numbers_in_any_container_are_accepted_at_fit_and_predict():
    pd = pytest.importorskip("pandas")
    X, y = moons(40)
    for given in (X.astype(object), X.astype(np.float32), pd.DataFrame(X),
                  pd.DataFrame(X).astype("Float64"), (X * 10).astype(int)):  # fmt: skip
        clf = MLPClassifier(**{**FAST, "max_iter": 5}).fit(given, y)
        assert clf.predict(given).shape == (40,) and clf.preprocessor_ is None


def _penguin_table(pd, seed=0):
    X, y = penguins(seed=seed)
    gen = np.random.default_rng(seed + 1)
    frame = pd.DataFrame(X, columns=["bill_length_mm", "bill_depth_mm", "flipper_mm", "mass_g"])
    frame["island"] = np.where(y == "Gentoo", "Biscoe", gen.choice(["Dream", "Torgersen"], len(y)))
    frame["male"] = gen.random(len(y)) < 0.5
    frame.loc[gen.random(len(y)) < 0.05, "mass_g"] = np.nan  # some missing cells
    return frame, y


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_preprocess_auto_encodes_a_table_and_applies_it_at_predict():
    pd = pytest.importorskip("pandas")
    frame, y = _penguin_table(pd)
    with pytest.raises(ValueError, match="preprocess='auto'"):
        MLPClassifier(**FAST).fit(frame, y)
    train, test = frame.iloc[:250], frame.iloc[250:]
    clf = MLPClassifier(preprocess="auto", random_state=0).fit(train, y[:250])
    prep = clf.preprocessor_
    assert prep is not None and clf.network_.scaler is None  # the preprocessor scales
    assert clf.n_features_in_ == 6 and list(clf.feature_names_in_) == list(frame.columns)
    assert clf.network_.feature_names == prep.output_names
    assert "island=Dream" in prep.output_names and "male=True" in prep.output_names
    assert clf.coefs_[0].shape[0] == len(prep.output_names)
    assert clf.score(test, y[250:]) >= 0.9
    proba = clf.predict_proba(test)
    assert proba.shape == (len(test), 3)
    np.testing.assert_array_equal(proba, clf.network_.predict_proba(prep.transform(
        table_from_frame(test))))  # fmt: skip
    # numbers only, nothing missing: no preprocessor, the network's scaler as usual
    plain = MLPClassifier(**FAST, preprocess="auto").fit(frame.iloc[:, :3], y)
    assert plain.preprocessor_ is None and plain.network_.scaler is not None


def test_preprocess_auto_in_a_pipeline_and_clone():
    pd = pytest.importorskip("pandas")
    frame, y = _penguin_table(pd, seed=1)
    pipe = make_pipeline(MLPClassifier(**FAST, preprocess="auto"))
    scores = cross_val_score(pipe, frame, y, cv=3)
    assert scores.min() > 0.8
    with pytest.raises(ValueError, match="preprocess"):
        MLPClassifier(preprocess="yes").fit(frame, y)


def test_a_polars_table_is_preprocessed_like_the_same_pandas_table():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    frame, y = _penguin_table(pd)
    from_pandas = MLPClassifier(**FAST, preprocess="auto").fit(frame, y)
    from_polars = MLPClassifier(**FAST, preprocess="auto").fit(pl.from_pandas(frame), y)
    assert from_polars.preprocessor_.output_names == from_pandas.preprocessor_.output_names
    np.testing.assert_array_equal(
        from_polars.predict_proba(pl.from_pandas(frame)), from_pandas.predict_proba(frame)
    )


def test_the_readme_example_on_the_real_raw_penguins_file_matches_sklearns_mlp():
    """The README's settings on the raw Palmer penguins file (tests/data), 5-fold CV."""
    pd = pytest.importorskip("pandas")
    from pathlib import Path

    raw = pd.read_csv(Path(__file__).parent / "data" / "penguins_raw.csv")
    numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    raw = raw.dropna(subset=numeric)
    X, y = raw[numeric].to_numpy(), raw["species"].to_numpy()
    settings = {"hidden_layer_sizes": (16,), "max_iter": 500, "random_state": 0}
    ours = cross_val_score(MLPClassifier(**settings), X, y, cv=5).mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's MLP does not converge on raw inputs
        theirs = cross_val_score(SkMLPClassifier(**settings), X, y, cv=5).mean()
    assert ours >= theirs and ours >= 0.95
    # and the whole raw table, text columns and missing cells included
    table = raw.drop(columns=["species"])
    auto = cross_val_score(MLPClassifier(**settings, preprocess="auto"), table, y, cv=5)
    assert auto.mean() >= 0.95
