"""chainrule.sklearn's MLPClassifier and MLPRegressor: what they promise beyond sklearn's checks.

The networks they build, the meaning of their parameters (``alpha`` is scikit-learn's L2, step for
step), partial_fit and warm_start carrying on, early stopping's curves, the ConvergenceWarning,
class weights, and life inside Pipeline, GridSearchCV, cross_val_score, clone and pickle.
"""

import inspect
import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn", minversion="1.6")

from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import chainrule as cr
from chainrule.sklearn import MLPClassifier, MLPRegressor
from chainrule.training.loop import History
from estimator_cases import FAST, blobs, moons


def sine(n=200, seed=0):
    gen = np.random.default_rng(seed)
    X = gen.uniform(-2, 2, size=(n, 2))
    return X, np.sin(X[:, 0]) + 0.5 * X[:, 1]


# -- parameters -----------------------------------------------------------------------------------
SHARED = ["hidden_layer_sizes", "activation", "solver", "alpha", "batch_size",
          "learning_rate_init", "max_iter", "shuffle", "random_state", "tol", "verbose",
          "warm_start", "momentum", "nesterovs_momentum", "early_stopping",
          "validation_fraction", "beta_1", "beta_2", "epsilon", "n_iter_no_change"]  # fmt: skip


@pytest.mark.parametrize(
    "ours,theirs", [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)]
)
def test_parameters_and_defaults_mirror_sklearn(ours, theirs):
    mine = inspect.signature(ours).parameters
    sk = inspect.signature(theirs).parameters
    for name in SHARED:
        assert mine[name].default == sk[name].default, name
        assert mine[name].kind == sk[name].kind, name
    extra = set(mine) - set(sk)
    ours_only = {"standardize", "preprocess"}
    assert extra == (ours_only | {"class_weight"} if ours is MLPClassifier else ours_only)
    assert ours().get_params()["standardize"] is True
    assert ours().get_params()["preprocess"] is None
    assert ours().get_params()["hidden_layer_sizes"] == (100,)


def test_parameters_are_checked_at_fit_not_init():
    X, y = moons(40)
    clf = MLPClassifier(solver="lbfgs")  # accepted here, as scikit-learn's conventions ask
    with pytest.raises(ValueError, match=r"solver='lbfgs' is not available.*'adam'"):
        clf.fit(X, y)
    for bad, match in [
        ({"hidden_layer_sizes": (3, 0)}, "hidden_layer_sizes"),
        ({"activation": "softmax"}, "activation"),
        ({"solver": "newton"}, "solver"),
        ({"batch_size": 0}, "batch_size"),
        ({"alpha": -1.0}, "alpha"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"max_iter": 0}, "max_iter"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"shuffle": "yes"}, "shuffle"),
    ]:
        with pytest.raises(ValueError, match=match):
            MLPClassifier(**bad).fit(X, y)


def test_not_fitted():
    with pytest.raises(NotFittedError):
        MLPClassifier().predict(np.zeros((2, 2)))
    with pytest.raises(NotFittedError):
        MLPRegressor().predict(np.zeros((2, 2)))


# -- the networks they build ----------------------------------------------------------------------
def test_binary_is_one_sigmoid_output():
    X, y = moons()
    clf = MLPClassifier(**FAST).fit(X, y)
    net = clf.network_
    assert isinstance(net, cr.MLP) and net.sizes == [2, 16, 1]
    assert net.activations == ["relu", "sigmoid"] and net.loss == "binary_cross_entropy"
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1 and clf.n_layers_ == 3
    p = net.forward(X)[:, 0]
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba, np.column_stack([1 - p, p]))
    h = clf.decision_function(X)
    assert h.shape == (len(X),)
    log_p = clf.predict_log_proba(X)  # log σ(−h), log σ(h), without forming 1 − σ(h)
    np.testing.assert_allclose(log_p, -np.logaddexp(0, np.column_stack([h, -h])), rtol=1e-12)
    np.testing.assert_allclose(np.exp(log_p), proba, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[(h >= 0).astype(int)])
    np.testing.assert_array_equal(clf.predict(X), net.predict(X))
    assert clf.score(X, y) > 0.9


def test_logistic_is_sigmoid():
    X, y = moons(40)
    with pytest.warns(ConvergenceWarning):
        clf = MLPClassifier((3, 4), activation="logistic", max_iter=5).fit(X, y)
    assert clf.network_.activations == ["sigmoid", "sigmoid", "sigmoid"]
    assert clf.network_.sizes == [2, 3, 4, 1]


def test_multiclass_is_softmax_with_string_labels():
    X, y = blobs()
    clf = MLPClassifier(**FAST).fit(X, y)
    net = clf.network_
    assert net.sizes == [2, 16, 3] and net.output == "softmax" and net.loss == "cross_entropy"
    np.testing.assert_array_equal(clf.classes_, ["ant", "bee", "cat"])
    np.testing.assert_array_equal(net.classes, clf.classes_)
    pred = clf.predict(X)
    assert pred.dtype.kind == "U" and set(pred) <= {"ant", "bee", "cat"}
    np.testing.assert_array_equal(pred, net.predict(X))  # the network answers in labels too
    np.testing.assert_allclose(clf.predict_proba(X).sum(axis=1), 1.0)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X), rtol=1e-12)
    assert clf.score(X, y) > 0.95


def test_predict_log_proba_stays_finite_where_a_probability_underflows():
    X, y = moons(60)
    clf = MLPClassifier(**FAST).fit(X, y)
    far = np.array([[1e4, -1e4], [-1e4, 1e4]])
    log_p = clf.predict_log_proba(far)
    assert np.isfinite(log_p).all()
    np.testing.assert_allclose(np.exp(log_p).sum(axis=1), 1.0)


def test_multilabel_is_one_sigmoid_per_label():
    X, _ = moons()
    Y = np.column_stack([X[:, 0] > 0.5, X[:, 1] > 0.2, X.sum(axis=1) > 0.5]).astype(int)
    clf = MLPClassifier(**FAST).fit(X, Y)
    assert clf.network_.sizes == [2, 16, 3] and clf.network_.output == "sigmoid"
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.predict(X).shape == (len(X), 3) and clf.predict_proba(X).shape == (len(X), 3)
    assert clf.score(X, Y) > 0.8  # subset accuracy: every label right
    with pytest.raises(ValueError, match="class_weight"):
        clone(clf).set_params(class_weight="balanced").fit(X, Y)


def test_one_class_is_refused():
    X, _ = moons(20)
    with pytest.raises(ValueError, match="only one class"):
        MLPClassifier().fit(X, np.ones(20))


def test_regressor_one_and_several_targets():
    X, y = sine()
    reg = MLPRegressor(activation="tanh", **FAST).fit(X, y)
    assert reg.network_.sizes == [2, 16, 1] and reg.network_.output == "identity"
    assert reg.predict(X).shape == (len(X),) and reg.score(X, y) > 0.95
    Y = np.column_stack([y, -2 * y])
    reg2 = MLPRegressor(activation="tanh", **FAST).fit(X, Y)
    assert reg2.network_.n_outputs == 2 and reg2.predict(X).shape == (len(X), 2)
    assert reg2.score(X, Y) > 0.95


def test_explain_works_on_the_fitted_network():
    X, y = blobs(90)
    clf = MLPClassifier(**FAST).fit(X, y)
    ex = cr.explain(clf.network_, X, y, weight="W1[1,1]", sample=0)  # labels, as fit took them
    grads = clf.network_.gradients(X[:1], y[:1])
    assert ex.value == pytest.approx(grads[0][0, 0], rel=1e-9, abs=1e-12)


def test_the_fitted_network_is_a_model_a_user_can_save_and_load(tmp_path):
    from chainrule.models import MLP

    X, y = blobs(90)
    clf = MLPClassifier(**FAST).fit(X, y)
    assert isinstance(clf.network_, MLP)  # the user's class: fit, save, to_onnx
    loaded = cr.load(clf.network_.save(tmp_path / "clf.crmodel"))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    np.testing.assert_array_equal(loaded.forward(X), clf.predict_proba(X))


def test_feature_names_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    X, y = moons(80)
    frame = pd.DataFrame(X, columns=["width", "height"])
    clf = MLPClassifier(**FAST).fit(frame, pd.Series(y))
    np.testing.assert_array_equal(clf.feature_names_in_, ["width", "height"])
    assert clf.network_.feature_names == ["width", "height"]
    assert clf.n_features_in_ == 2
    np.testing.assert_array_equal(clf.predict(frame), clf.network_.predict(X))


# -- what the parameters mean ---------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [60, 20])
def test_alpha_is_sklearns_l2_step_for_step(batch_size):
    """An epoch of SGD from the same weights gives scikit-learn's own MLP's weights.

    scikit-learn's minibatch gradient is (Σ δ aᵀ + alpha · W) / n_B for the weights, biases
    unpenalised; chainrule's optimizer adds weight_decay · W = (alpha / n_B) · W to the mean
    gradient, the bias row excluded.
    """
    X, y = moons(60)
    settings = {"hidden_layer_sizes": (5,), "solver": "sgd", "momentum": 0.0, "alpha": 0.3,
                "batch_size": batch_size, "shuffle": False, "learning_rate_init": 0.1,
                "random_state": 0}  # fmt: skip
    ours = MLPClassifier(**settings, standardize=False).partial_fit(X, y, classes=[0, 1])
    theirs = SkMLPClassifier(**settings).partial_fit(X, y, classes=[0, 1])
    for k, W in enumerate(ours.network_.weights):
        theirs.coefs_[k][...] = W[:-1]
        theirs.intercepts_[k][...] = W[-1]
    ours.partial_fit(X, y)
    theirs.partial_fit(X, y)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_,
                    strict=True):  # fmt: skip
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-14)
    # The loss curve is the loss itself; scikit-learn's adds (alpha / 2 n_B) ‖W‖².
    assert ours.loss_curve_[1] < theirs.loss_curve_[1]


def test_alpha_matches_the_formula():
    """W ← W − lr (∇E + (alpha / n) W), the bias row not decayed, for plain full-batch SGD."""
    X, y = blobs(50)
    clf = MLPClassifier(hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, alpha=2.0,
                        batch_size=50, learning_rate_init=0.05, random_state=0)  # fmt: skip
    clf.partial_fit(X, y, classes=np.unique(y))
    before = [W.copy() for W in clf.network_.weights]
    grads = clf.network_.gradients(X, y)
    clf.partial_fit(X, y)
    for W0, g, W1 in zip(before, grads, clf.network_.weights, strict=True):
        decay = (2.0 / 50) * W0
        decay[-1] = 0.0
        np.testing.assert_allclose(W1, W0 - 0.05 * (g + decay), rtol=0, atol=1e-13)


def test_partial_fit_keeps_the_optimizer_state():
    """Two partial_fit calls are the same two Adam epochs as fit(max_iter=2)."""
    X, y = blobs(90)
    settings = {"hidden_layer_sizes": (8,), "batch_size": 30, "shuffle": False,
                "random_state": 0}  # fmt: skip
    with pytest.raises(ValueError, match="classes"):
        MLPClassifier(**settings).partial_fit(X, y)
    inc = MLPClassifier(**settings).partial_fit(X, y, classes=np.unique(y))
    assert inc.n_iter_ == 1 and len(inc.loss_curve_) == 1
    inc.partial_fit(X[:60], y[:60])
    inc.partial_fit(X[60:], y[60:])
    assert inc.n_iter_ == 3 and len(inc.loss_curve_) == 3

    a = MLPClassifier(**settings).partial_fit(X, y, classes=np.unique(y)).partial_fit(X, y)
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        b = MLPClassifier(**settings, max_iter=2).fit(X, y)
    for Wa, Wb in zip(a.network_.weights, b.network_.weights, strict=True):
        np.testing.assert_array_equal(Wa, Wb)
    assert a.loss_curve_ == b.loss_curve_
    with pytest.raises(ValueError, match="not among the classes"):
        a.partial_fit(X[:3], ["ant", "bee", "dog"])
    with pytest.raises(ValueError, match="features"):
        a.partial_fit(X[:, :1], y)


def test_warm_start_continues_and_cold_start_repeats():
    X, y = sine(100)
    settings = {"hidden_layer_sizes": (8,), "max_iter": 5, "random_state": 0, "tol": 0.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold = MLPRegressor(**settings).fit(X, y)
        first = [W.copy() for W in cold.network_.weights]
        cold.fit(X, y)  # a fresh network, the same seed: the same result
        for a, b in zip(first, cold.network_.weights, strict=True):
            np.testing.assert_array_equal(a, b)
        assert cold.n_iter_ == 5
        warm = MLPRegressor(**settings, warm_start=True).fit(X, y)
        net = warm.network_
        warm.fit(X, y)
    assert warm.network_ is net and warm.n_iter_ == 10 and len(warm.loss_curve_) == 10
    assert warm.loss_curve_[5] < warm.loss_curve_[0]


def test_early_stopping_curves_and_restored_best():
    gen = np.random.default_rng(0)
    X = gen.normal(size=(300, 5))
    y = (X[:, 0] + gen.normal(size=300) > 0).astype(int)  # noisy: validation loss turns up
    clf = MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.05, max_iter=500,
                        early_stopping=True, n_iter_no_change=5, random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # it stops early: no warning
        clf.fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_loss_curve_) == len(clf.validation_scores_) == clf.n_iter_
    assert len(clf.loss_curve_) == clf.n_iter_
    history = clf.network_.history
    assert history.stopped_early and history.restored_best
    best = history.best_epoch  # scikit-learn's rule: the best validation score (accuracy)
    assert clf.best_validation_score_ == clf.validation_scores_[best - 1]
    assert clf.best_validation_score_ >= max(clf.validation_scores_) - clf.tol
    assert clf.best_loss_ is None
    assert 0.5 < clf.best_validation_score_ <= 1.0

    reg = MLPRegressor(**FAST, early_stopping=True).fit(*sine())
    assert len(reg.validation_scores_) == reg.n_iter_ and reg.best_validation_score_ > 0.9
    assert max(reg.validation_scores_) <= 1.0  # R² on the held-out part

    plain = MLPClassifier(**FAST).fit(X[:100], y[:100])
    assert plain.validation_scores_ is None and plain.validation_loss_curve_ is None
    assert plain.best_loss_ == min(plain.loss_curve_)


def test_convergence_warning_and_tol_stop():
    X, y = moons(60)
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        MLPClassifier(max_iter=3, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for n, early in [(1, False), (3, False), (5, False), (2, True), (4, True)]:
            settings = {"max_iter": 100, "tol": 10.0, "n_iter_no_change": n,
                        "early_stopping": early, "random_state": 0}  # fmt: skip
            ours = MLPClassifier(**settings).fit(X, y)
            theirs = SkMLPClassifier(**settings).fit(X, y)
            # no epoch improves by 10: epoch 1 sets the best (count 0), epochs 2, 3, … count
            # 1, 2, …, and training stops once the count exceeds n: after n + 2 epochs
            assert ours.n_iter_ == theirs.n_iter_ == n + 2


def _sklearn_stop(values, tol, n_iter_no_change, early):
    """The epoch at which scikit-learn's own MLP stops on these per-epoch values (or None)."""
    sk = SkMLPClassifier(tol=tol, n_iter_no_change=n_iter_no_change)
    sk._no_improvement_count, sk.loss_curve_ = 0, []
    sk.best_loss_, sk.best_validation_score_ = (None, -np.inf) if early else (np.inf, None)
    sk.validation_scores_, sk.coefs_, sk.intercepts_ = [], [], []
    for epoch, value in enumerate(values, 1):
        sk.loss_curve_.append(value)
        sk._score = lambda X, y, sample_weight=None, value=value: value
        sk._update_no_improvement_count(early, None, None, None)
        if sk._no_improvement_count > n_iter_no_change:
            return epoch, (sk.best_validation_score_ if early else sk.best_loss_)
    return None, None


def _our_stop(values, tol, n_iter_no_change, early):
    from types import SimpleNamespace

    from chainrule.sklearn.stopping import NoImprovement

    rule = NoImprovement(n_iter_no_change, tol, "val_accuracy" if early else "loss", early)
    rule.trainer = SimpleNamespace(net=SimpleNamespace(weights=[np.zeros(2)]), history=History())
    rule.on_train_begin({"n_val": 1})
    for epoch, value in enumerate(values, 1):
        if rule.on_epoch_end(epoch, {rule.key: value}):
            return epoch, rule.best_value
    return None, None


@pytest.mark.parametrize("early", [False, True])
def test_stopping_is_sklearns_rule_on_the_same_values(early):
    """Random walks with plateaus and ties: the same stopping epoch and best value."""
    gen = np.random.default_rng(0)
    for _ in range(300):
        steps = gen.choice([0.0, 1e-4, 1e-3, 0.05, -1e-3, -0.05], size=60)
        values = np.round(1 + np.cumsum(-steps if not early else steps), 6).tolist()
        tol, n = float(gen.choice([0.0, 1e-4, 1e-3, 0.01])), int(gen.integers(1, 6))
        assert _our_stop(values, tol, n, early) == _sklearn_stop(values, tol, n, early)


def test_one_training_path():
    """The estimator trains through chainrule.training.loop.fit: its History is the network's."""
    X, y = moons(80)
    clf = MLPClassifier(**FAST).fit(X, y)
    assert isinstance(clf.network_.history, History)
    assert clf.loss_curve_ == clf.network_.history.loss
    assert clf.n_iter_ == clf.network_.history.epochs_run


def test_class_weight_moves_the_boundary():
    gen = np.random.default_rng(1)
    X = np.vstack([gen.normal(0, 1, size=(180, 2)), gen.normal(1.2, 1, size=(20, 2))])
    y = np.array([0] * 180 + [1] * 20)
    base = MLPClassifier(**FAST).fit(X, y)
    balanced = MLPClassifier(**FAST, class_weight="balanced").fit(X, y)
    heavy = MLPClassifier(**FAST, class_weight={1: 9.0}).fit(X, y)
    recall = [np.mean(m.predict(X)[y == 1] == 1) for m in (base, balanced, heavy)]
    assert recall[1] > recall[0] + 0.2 and recall[2] > recall[0] + 0.2
    with pytest.raises(ValueError, match="not a class"):
        MLPClassifier(**FAST, class_weight={7: 2.0}).fit(X, y)


def test_zero_sample_weight_is_leaving_the_sample_out():
    X, y = blobs(40)
    w = np.ones(40)
    w[::3] = 0.0
    settings = {**FAST, "shuffle": False, "max_iter": 30}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = MLPClassifier(**settings).fit(X, y, sample_weight=w)
        subset = MLPClassifier(**settings).fit(X[w > 0], y[w > 0])
    np.testing.assert_allclose(weighted.predict_proba(X), subset.predict_proba(X), rtol=1e-10)


# -- inside scikit-learn's machinery --------------------------------------------------------------
def test_pipeline_and_clone():
    X, y = blobs()
    X = X * [100.0, 0.01] + [5000.0, 3.0]  # badly scaled: the pipeline's scaler fixes it
    pipe = make_pipeline(StandardScaler(), MLPClassifier(**FAST))
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.95
    twin = clone(pipe)
    assert twin.get_params()["mlpclassifier__hidden_layer_sizes"] == (16,)
    assert not hasattr(twin[-1], "network_")
    twin.fit(X, y)
    np.testing.assert_array_equal(twin.predict(X), pipe.predict(X))  # same seed, same result


def test_grid_search_and_cross_val_score():
    X, y = moons(150)
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", MLPClassifier(**FAST))])
    grid = GridSearchCV(
        pipe, {"mlp__hidden_layer_sizes": [(2,), (16,)], "mlp__alpha": [1e-4, 1e-2]}, cv=3
    )
    grid.fit(X, y)
    assert grid.best_params_["mlp__hidden_layer_sizes"] in [(2,), (16,)]
    assert grid.best_score_ > 0.85
    assert isinstance(grid.best_estimator_[-1].network_, cr.MLP)
    scores = cross_val_score(MLPRegressor(**FAST), *sine(150), cv=3)
    assert scores.shape == (3,) and scores.min() > 0.9


def test_pickle_and_continue():
    X, y = blobs(90)
    clf = MLPClassifier(**FAST).fit(X, y)
    back = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    back.partial_fit(X, y)  # the optimizer and the network travel together
    assert back.n_iter_ == clf.n_iter_ + 1
    np.testing.assert_array_equal(back.coefs_[1], back.network_.weights[1][:-1])  # a view


def test_interop_reads_the_estimator_like_sklearns():
    from chainrule.io.interop import from_sklearn

    X, y = blobs(90)
    clf = MLPClassifier(**FAST).fit(X, y)
    net = from_sklearn(clf)  # coefs_ act on raw X: the scaler is folded into the first layer
    assert clf.network_.scaler is not None and net.scaler is None
    np.testing.assert_allclose(net.predict_proba(X), clf.predict_proba(X), rtol=1e-9, atol=1e-12)
    np.testing.assert_array_equal(net.predict(X), clf.predict(X))
    plain = MLPClassifier(**FAST, standardize=False).fit(X, y)
    np.testing.assert_array_equal(from_sklearn(plain).predict_proba(X), plain.predict_proba(X))
    assert plain.coefs_[0].base is not None  # views of the network's weights


def test_regressor_string_targets_and_classifier_early_stopping_errors_speak_sklearn():
    X = np.random.default_rng(0).standard_normal((40, 2))
    y = np.array(["a", "b"])[(X[:, 0] > 0).astype(int)]
    with pytest.raises(ValueError, match=r"MLPRegressor: y\[0\] is '[ab]', not a number"):
        MLPRegressor(max_iter=5).fit(X, y)
    clf = MLPClassifier(early_stopping=True, validation_fraction=0.5, max_iter=5)
    with pytest.raises(ValueError, match=r"early_stopping=True holds out validation_fraction=0.5"):
        clf.fit(X[:3], [0, 1, 0])
