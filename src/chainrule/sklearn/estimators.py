"""scikit-learn estimators: :class:`MLPClassifier` and :class:`MLPRegressor` on chainrule's MLP.

They take scikit-learn's ``MLPClassifier``/``MLPRegressor`` parameters where those mean the same
thing, pass scikit-learn's own estimator checks, and work in ``Pipeline``, ``GridSearchCV``,
``cross_val_score`` and ``clone``. Underneath, each ``fit`` builds a chainrule
:class:`~chainrule.MLP` (``network_``) and trains it with :func:`~chainrule.fit`: the same
training loop, and the same engine's backpropagation, as everything else in chainrule. So a
fitted estimator can be explained, saved, exported and converted like any chainrule network::

    clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X, y)
    cr.explain(clf.network_, X[:1], y[:1])       # the chainrule network, with clf.classes_
    clf.network_.to_onnx("clf.onnx")

How scikit-learn's parameters map onto chainrule's training:

* ``solver``: ``"adam"`` (default), ``"sgd"`` (with ``momentum`` and ``nesterovs_momentum``, as
  scikit-learn's), ``"adamw"`` or ``"rmsprop"``; ``"lbfgs"`` is refused (chainrule trains by
  minibatch gradient descent only).
* ``alpha`` (L2): scikit-learn adds (alpha / 2) · ‖W‖² / n_B to each minibatch's loss (n_B the
  batch's sample count, or its sum of sample weights), biases excluded, so its gradient adds
  (alpha / n_B) · W. Here that is the optimizer's ``weight_decay`` = alpha / (batch size ×
  mean sample weight), bias rows excluded: the same step for every full batch (and for the
  full batch exactly scikit-learn's). With ``solver="adamw"``, alpha is AdamW's decoupled
  decay λ itself (W ← W − lr · λ · W each step), as PyTorch's ``weight_decay``.
* ``max_iter``: epochs. ``tol`` and ``n_iter_no_change``: scikit-learn's rule exactly
  (:mod:`chainrule.sklearn.stopping`): an epoch whose monitored value is not better than the
  best so far by more than ``tol`` adds one to a count, any other resets it, and training stops
  once the count exceeds ``n_iter_no_change`` (so after ``n_iter_no_change + 1`` such epochs in
  a row; the same epoch count as scikit-learn's MLP on the same values). Without
  ``early_stopping`` the value is the training loss (the last weights are kept). With
  ``early_stopping=True`` a stratified ``validation_fraction`` is held out and the validation
  score (accuracy, or R²) is monitored; the weights of its best epoch are restored. Reaching
  ``max_iter`` first warns with scikit-learn's ``ConvergenceWarning``, as scikit-learn's MLP
  does.
* ``standardize`` (chainrule's; default True): the network learns from z = (x − μ) / σ, μ and
  σ per feature from the training X of the first fit (the first ``partial_fit`` batch), and
  keeps that scaler (``network_.scaler``), so it predicts from raw X. Raw features on very
  different scales (grams beside millimetres) would otherwise saturate sigmoid and tanh units
  and stall training. ``coefs_``/``intercepts_`` act on X as given (the scaling folded into
  the first layer). ``standardize=False`` uses X as given, as scikit-learn's MLP does.
* ``preprocess`` (chainrule's; default None): X must be numbers, and other columns (text, bool,
  category, dates) are refused at ``fit`` and at ``predict`` alike, saying what to do. With
  ``preprocess="auto"``, a table (a pandas/polars DataFrame or an object array) with text or
  bool columns or missing values gets a :class:`chainrule.data.Preprocessor`, fitted at the
  first fit and kept as ``preprocessor_`` (None otherwise): missing numbers imputed with the
  training mean, numbers standardised (as ``standardize`` says), text and bool columns one-hot
  encoded (an unseen category: all zeros and a warning). ``predict``, ``predict_proba`` and
  ``score`` apply it; ``network_`` takes ``preprocessor_.transform(table)``'s columns
  (``network_.feature_names`` names them). Or encode in a ``Pipeline`` with a
  ``ColumnTransformer``, as with scikit-learn's MLP.
* ``batch_size="auto"`` is min(200, n_samples); a larger number is clipped to n_samples
  (silently).
* ``loss_curve_`` is the mean training loss of each epoch as chainrule reports it: the loss
  only, without the L2 term that scikit-learn adds in. For the regressor the loss is
  ½ Σₖ (ŷₖ − yₖ)² averaged over samples (scikit-learn also averages over the outputs; the same for
  one output).
* ``class_weight`` (classifier only; scikit-learn's MLP lacks it): ``None``, ``"balanced"``
  (class c weighs n / (n_classes · n_c)) or a dict label → weight; multiplies ``sample_weight``.

The classifier has one sigmoid output for two classes (``predict_proba`` still gives two
columns), softmax outputs for more, and one sigmoid output per label for a multi-label y (a 2-D
0/1 indicator matrix). One class alone is refused with a ValueError (a classifier needs two).
The network computes in float64.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from sklearn.base import ClassifierMixin, RegressorMixin
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import column_or_1d
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        f'chainrule.sklearn needs scikit-learn: `pip install "chainrule[sklearn]"` ({err})'
    ) from None

from chainrule.data.tables import _is_number
from chainrule.engine.modes import no_grad
from chainrule.engine.ops import log_sigmoid, log_softmax
from chainrule.sklearn.base import MLPEstimator

__all__ = ["MLPClassifier", "MLPRegressor"]


class MLPClassifier(ClassifierMixin, MLPEstimator):
    """A multilayer perceptron classifier: chainrule's MLP with scikit-learn's interface.

    Binary y → one sigmoid output and binary cross-entropy; more classes → softmax outputs and
    cross-entropy; a 2-D 0/1 y (multi-label) → one sigmoid output per label. Parameters as
    scikit-learn's ``MLPClassifier`` (see the module docstring for how each maps), plus
    ``standardize`` (default True: scale each feature to mean 0 and deviation 1 on the training
    X, inside the network), ``preprocess`` (None, or ``"auto"`` for tables with text, bool or
    missing values) and ``class_weight``.

    Attributes:
        classes_: the class labels (sorted); for multi-label y, ``arange(n_labels)``.
        network_: the trained chainrule :class:`~chainrule.MLP` (``classes`` set to ``classes_``).
        n_features_in_, feature_names_in_: the inputs seen at fit (names from a DataFrame).
        preprocessor_: with ``preprocess="auto"`` and a table that needed it, the fitted
            :class:`chainrule.data.Preprocessor`; else None.
        loss_curve_: the training loss of each epoch; ``loss_`` the last; ``best_loss_`` the
            lowest (None with early stopping, as in scikit-learn).
        validation_loss_curve_, validation_scores_, best_validation_score_: with early
            stopping, the validation loss and accuracy of each epoch, and the accuracy of the
            restored (best) epoch; otherwise None.
        n_iter_: epochs run, over all calls since the network was made. ``t_``: samples seen.
        coefs_, intercepts_, n_layers_, n_outputs_, out_activation_: as scikit-learn's MLP.

    Example:
        >>> clf = MLPClassifier((16,), max_iter=300, random_state=0).fit(X, y)
        >>> clf.predict_proba(X[:2]), clf.score(X, y)
    """

    _classifier = True

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: Any = "auto",
        learning_rate_init: float = 1e-3,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: Any = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        standardize: bool = True,
        preprocess: str | None = None,
        class_weight: Any = None,
    ) -> None:
        super().__init__(
            hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
            learning_rate_init=learning_rate_init, max_iter=max_iter, shuffle=shuffle,
            random_state=random_state, tol=tol, verbose=verbose, warm_start=warm_start,
            momentum=momentum, nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping, validation_fraction=validation_fraction,
            beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, n_iter_no_change=n_iter_no_change,
            standardize=standardize, preprocess=preprocess,
        )  # fmt: skip
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPClassifier:
        """Train on (X, y) for up to ``max_iter`` epochs (continuing with ``warm_start``)."""
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> MLPClassifier:
        """One epoch over (X, y), keeping the optimizer's state; ``classes`` on the first call.

        ``classes`` lists every label y may hold (a batch may lack some); it is needed on the
        first call only, except for multi-label y (a 0/1 matrix: one class per column).
        """
        first = not hasattr(self, "network_")
        if first and classes is None and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                f"{type(self).__name__}.partial_fit: pass classes= on the first call: every "
                "label y may hold, since one batch may lack some"
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _targets(self, y: Any, first: bool, classes: Any, sample_weight: Any):
        name = type(self).__name__
        check_classification_targets(y)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if not multilabel:
            y = column_or_1d(y, warn=True)
        if first:
            if multilabel:
                found = np.arange(y.shape[1])
            elif classes is not None:
                found = np.unique(np.asarray(classes))
                unknown = np.setdiff1d(np.unique(y), found)
                if unknown.size:
                    raise ValueError(f"{name}: y holds labels {unknown.tolist()} not in classes")
            else:
                found = np.unique(y)
            if not multilabel and len(found) < 2:
                raise ValueError(
                    f"{name}: y has only one class ({found.tolist()}); a classifier needs "
                    "samples of at least two classes"
                )
            self.classes_, self._multilabel = found, multilabel
        else:
            if multilabel != self._multilabel or (multilabel and y.shape[1] != len(self.classes_)):
                raise ValueError(
                    f"{name}: y has another form than at the first fit "
                    f"({'multi-label' if self._multilabel else 'one label per sample'}, "
                    f"{len(self.classes_)} classes); refit without warm_start"
                )
            if not multilabel:
                unknown = np.setdiff1d(np.unique(y), self.classes_)
                if unknown.size:
                    raise ValueError(
                        f"{name}: y holds labels {unknown.tolist()} that were not among the "
                        f"classes {self.classes_.tolist()} of the first fit"
                    )
        if multilabel:
            return y.astype(np.float64), y.shape[1], "sigmoid"
        if sample_weight is not None and classes is None and first:
            sw = np.asarray(sample_weight, dtype=np.float64)
            if sw.shape == y.shape and np.isfinite(sw).all() and sw.any():
                left = np.unique(y[sw > 0])
                if len(left) < 2:
                    raise ValueError(
                        f"{name}: sample_weight is zero for every sample except those of class "
                        f"{left.tolist()}; a classifier needs samples of at least two classes "
                        "with non-zero weight"
                    )
        k = len(self.classes_)
        return y, (1 if k == 2 else k), ("sigmoid" if k == 2 else "softmax")

    def predict(self, X: Any) -> np.ndarray:
        """The predicted labels (n_samples,), or a 0/1 matrix (n_samples, n_labels) multi-label."""
        X = self._X(X)
        if self._multilabel:
            return (self.network_.forward(X) >= 0.5).astype(np.int64)
        return self.network_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(class | x), (n_samples, n_classes), columns in ``classes_`` order.

        Two classes: [1 − σ(h), σ(h)] from the one sigmoid output. Multi-label: σ(h) per label
        (rows need not sum to 1).
        """
        X = self._X(X)
        p = self.network_.forward(X)
        if self._multilabel or p.shape[1] > 1:
            return p
        return np.hstack([1.0 - p, p])

    def decision_function(self, X: Any) -> np.ndarray:
        """The logits h^(L), the output layer's pre-activation, from which ŷ = σ(h) or softmax(h).

        Shape (n_samples,) for two classes (h > 0 means ``classes_[1]``), (n_samples,
        n_classes) for more (the argmax is the prediction), (n_samples, n_labels) multi-label.
        """
        h = self._logits(X)
        return h[:, 0] if h.shape[1] == 1 and not self._multilabel else h

    def _logits(self, X: Any) -> np.ndarray:
        X = self._X(X)
        net = self.network_
        with no_grad():
            return net.logits(net.check_X(X)).data

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log P(class | x), computed from the logits (log σ, log-softmax): finite where P ≈ 0."""
        h = self._logits(X)
        with no_grad():
            if h.shape[1] > 1 and not self._multilabel:
                return log_softmax(h, axis=1).data
            log_p = log_sigmoid(h).data
            if self._multilabel:
                return log_p
            return np.hstack([log_sigmoid(-h).data, log_p])

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, MLPEstimator):
    """A multilayer perceptron regressor: chainrule's MLP with scikit-learn's interface.

    Identity output, one unit per target (y may be 2-D for several targets), squared error
    ½ Σₖ (ŷₖ − yₖ)² averaged over samples. Parameters as scikit-learn's ``MLPRegressor``; see
    the module docstring for how each maps, plus ``standardize`` and ``preprocess`` as for
    :class:`MLPClassifier`. The targets are used as given (scikit-learn's MLPRegressor does not
    scale them either).

    Attributes:
        network_: the trained chainrule :class:`~chainrule.MLP`.
        n_features_in_, feature_names_in_, preprocessor_, loss_curve_, loss_, best_loss_,
            n_iter_, t_: as for :class:`MLPClassifier`.
        validation_loss_curve_, validation_scores_, best_validation_score_: with early
            stopping, the validation loss and R² of each epoch, and the R² of the restored
            (best) epoch; otherwise None.

    Example:
        >>> reg = MLPRegressor((32,), max_iter=500, random_state=0).fit(X, y)
        >>> reg.predict(X[:2]), reg.score(X, y)     # R²
    """

    _classifier = False

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """Train on (X, y) for up to ``max_iter`` epochs (continuing with ``warm_start``)."""
        return self._fit(X, y, sample_weight, incremental=False)

    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over (X, y), keeping the optimizer's state."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _targets(self, y: Any, first: bool, classes: Any, sample_weight: Any):
        try:
            y = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError):
            raw = np.asarray(y, dtype=object)
            flat = raw.reshape(len(raw), -1) if raw.ndim else raw.reshape(1, 1)
            row = next(i for i, r in enumerate(flat) if not all(map(_is_number, r)))
            shown = raw[row] if raw.ndim == 1 else flat[row].tolist()
            raise ValueError(
                f"{type(self).__name__}: y[{row}] is {shown!r}, not a number; a "
                "regressor's targets must be numbers (for class labels use MLPClassifier)"
            ) from None
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if not first and n_outputs != self.network_.n_outputs:
            raise ValueError(
                f"{type(self).__name__}: y has {n_outputs} targets but the network was fitted "
                f"with {self.network_.n_outputs}; refit without warm_start"
            )
        return y, n_outputs, "identity"

    def predict(self, X: Any) -> np.ndarray:
        """ŷ: (n_samples,) for one target, (n_samples, n_targets) for several."""
        X = self._X(X)
        return self.network_.predict(X)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
