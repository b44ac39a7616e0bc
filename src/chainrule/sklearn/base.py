"""The machinery behind :mod:`chainrule.sklearn`'s estimators: one base class, one training call.

:class:`MLPEstimator` holds what :class:`~chainrule.sklearn.MLPClassifier` and
:class:`~chainrule.sklearn.MLPRegressor` share: scikit-learn's parameters (stored verbatim in
``__init__``, checked at ``fit``, as scikit-learn's conventions ask), the chainrule
:class:`~chainrule.MLP` built at the first fit (``network_``), the optimizer, and the call to
:func:`~chainrule.fit` that trains it, the same loop every chainrule network trains with.
How each parameter maps onto chainrule's training is told in :mod:`chainrule.sklearn`.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils import check_random_state
    from sklearn.utils.validation import check_is_fitted, check_X_y, validate_data
except ImportError as err:  # pragma: no cover - depends on the environment
    raise ImportError(
        "chainrule's scikit-learn estimators need scikit-learn 1.6 or newer (validate_data, "
        f'__sklearn_tags__): `pip install "chainrule[sklearn]" "scikit-learn>=1.6"` ({err})'
    ) from None

from chainrule.errors import TrainingError
from chainrule.models import MLP
from chainrule.nn.layers import activation_name
from chainrule.sklearn import inputs
from chainrule.sklearn.stopping import NoImprovement
from chainrule.training.loop import fit as train_fit
from chainrule.training.optim import get_optimizer
from chainrule.training.prepare import ValidationSplitError

__all__ = ["MLPEstimator"]

_SOLVERS = ("adam", "sgd", "adamw", "rmsprop")
_HIDDEN = ("sigmoid", "tanh", "relu", "leaky_relu", "identity")


class MLPEstimator(BaseEstimator):
    """What the classifier and the regressor share: parameters, checks and the training call."""

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
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.standardize = standardize
        self.preprocess = preprocess

    # -- parameters, checked at fit as scikit-learn does ------------------------------------------
    def _checked_params(self) -> tuple[list[int], str, str]:
        name = type(self).__name__

        def bad(param: str, need: str) -> ValueError:
            return ValueError(f"{name}: {param}={getattr(self, param)!r}; it must be {need}")

        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, numbers.Integral) else sizes
        try:
            sizes = list(sizes)
        except TypeError:
            raise bad("hidden_layer_sizes", "a tuple of positive integers, e.g. (100,)") from None
        if not all(_whole(s, 1) for s in sizes):
            raise bad("hidden_layer_sizes", "a tuple of positive integers, e.g. (100,)")
        try:
            act = activation_name(self.activation)
        except ValueError:
            act = None
        if act not in _HIDDEN:
            raise bad("activation", f"one of 'logistic' (or 'sigmoid'), {', '.join(_HIDDEN[1:])}")
        solver = str(self.solver).lower()
        if solver == "lbfgs":
            raise ValueError(
                f"{name}: solver='lbfgs' is not available: chainrule trains by minibatch gradient "
                "descent; use solver='adam' (the default), 'sgd', 'adamw' or 'rmsprop'"
            )
        if solver not in _SOLVERS:
            raise bad("solver", "'adam', 'sgd', 'adamw' or 'rmsprop'")
        if not (self.batch_size == "auto" or _whole(self.batch_size, 1)):
            raise bad("batch_size", "'auto' or a positive integer")
        for param, low in (("max_iter", 1), ("n_iter_no_change", 1)):
            if not _whole(getattr(self, param), low):
                raise bad(param, f"an integer ≥ {low}")
        for param, ok, need in (
            ("alpha", lambda v: v >= 0, "a number ≥ 0"),
            ("learning_rate_init", lambda v: v > 0, "a number > 0"),
            ("tol", lambda v: v >= 0, "a number ≥ 0"),
            ("momentum", lambda v: 0 <= v <= 1, "a number in [0, 1]"),
            ("validation_fraction", lambda v: 0 < v < 1, "a number in (0, 1)"),
            ("beta_1", lambda v: 0 <= v < 1, "a number in [0, 1)"),
            ("beta_2", lambda v: 0 <= v < 1, "a number in [0, 1)"),
            ("epsilon", lambda v: v > 0, "a number > 0"),
        ):
            v = getattr(self, param)
            if not (_real(v) and ok(v)):
                raise bad(param, need)
        if self.preprocess not in (None, "auto"):
            raise bad("preprocess", "None or 'auto'")
        flags = ("shuffle", "warm_start", "early_stopping", "nesterovs_momentum", "standardize")
        for param in flags:
            if not isinstance(getattr(self, param), bool | np.bool_):
                raise bad(param, "True or False")
        if not (isinstance(self.verbose, bool | np.bool_) or self.verbose in (0, 1, 2)):
            raise bad("verbose", "True, False, 0, 1 or 2")
        return sizes, act, solver

    # -- training ---------------------------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool, classes: Any = None):
        sizes, act, solver = self._checked_params()
        first = not hasattr(self, "network_") or (not incremental and not self.warm_start)
        X, y = self._fit_inputs(X, y, first)
        y, n_outputs, output = self._targets(y, first, classes, sample_weight)
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if first:
            self._start([X.shape[1], *sizes, n_outputs], act, output)
            if self.standardize and self.preprocessor_ is None:  # the net predicts from raw X
                self.network_.scaler = inputs.weighted_scaler(X, sw)
        n = len(X)
        batch = min(200, n) if self.batch_size == "auto" else min(int(self.batch_size), n)
        self._set_optimizer(solver, batch, sw, n, incremental)
        early = self.early_stopping and not incremental
        stopping = self._stopping(early)
        try:
            history = train_fit(
                self.network_,
                X,
                y,
                epochs=1 if incremental else self.max_iter,
                batch_size=batch,
                optimizer=self._optimizer,
                validation=self.validation_fraction if early else None,
                callbacks=[stopping],
                class_weight=getattr(self, "class_weight", None),
                sample_weight=sw,
                shuffle=self.shuffle,
                seed=self._rng,
                verbose=int(self.verbose),
            )
        except ValidationSplitError as err:  # fit's advice names its arguments: say it in ours
            raise TrainingError(
                f"{type(self).__name__}: early_stopping=True holds out validation_fraction="
                f"{self.validation_fraction} of the {n} samples, which cannot be done here "
                f"({err.reason}); use more samples, another validation_fraction, or "
                "early_stopping=False"
            ) from None
        n_train = n - (int(np.ceil(self.validation_fraction * n)) if early else 0)
        self.t_ += history.epochs_run * n_train
        self._no_improvement = (stopping.key, stopping.count, stopping.best_value)
        self._record(history, early, incremental, stopping.best_value)
        return self

    def _fit_inputs(self, X: Any, y: Any, first: bool) -> tuple[np.ndarray, Any]:
        """X as float numbers and y, checked as scikit-learn checks them; the preprocessor
        fitted (first fit with ``preprocess="auto"``) or applied."""
        if first:
            use = self.preprocess == "auto" and inputs.needs_preprocessing(X)
            self.preprocessor_ = None
        else:
            use = getattr(self, "preprocessor_", None) is not None
        if not use:
            inputs.refuse_non_numeric(type(self).__name__, X)
            return validate_data(
                self, X, y, reset=first, multi_output=True, dtype=(np.float64, np.float32),
                y_numeric=not self._classifier,
            )  # fmt: skip
        validate_data(self, X, reset=first, skip_check_array=True)  # names and column count
        if first:
            self.preprocessor_, Xt = inputs.fit_preprocessor(X, self.standardize)
        else:
            Xt = inputs.transform(self.preprocessor_, X)
        return check_X_y(Xt, y, multi_output=True, y_numeric=not self._classifier)

    def _start(self, sizes: list[int], act: str, output: str) -> None:
        """A new network from ``random_state``, and the fitted attributes back to their start."""
        self._rng = np.random.default_rng(
            check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
        )
        net = MLP(sizes, hidden=act, output=output, seed=self._rng)
        if self._classifier and not self._multilabel:
            net.classes = self.classes_
        names = getattr(self, "feature_names_in_", None)
        net.preprocessor = getattr(self, "preprocessor_", None)  # saved with the network
        if net.preprocessor is not None:  # the network sees its columns
            names = net.preprocessor.output_names
        net.feature_names = None if names is None else [str(n) for n in names]
        self.network_ = net
        self.loss_curve_, self.n_iter_, self.t_ = [], 0, 0
        self.validation_loss_curve_ = self.validation_scores_ = None
        self.best_validation_score_ = None
        self._optimizer = None
        self._no_improvement: tuple[str, int, float | None] = ("loss", 0, None)

    def _set_optimizer(
        self, solver: str, batch: int, sw: np.ndarray | None, n: int, incremental: bool
    ) -> None:
        """A fresh optimizer (kept across partial_fit calls), with this call's L2 decay."""
        mean_w = 1.0 if sw is None or sw.shape != (n,) else max(float(sw.mean()), 1e-300)
        decay = self.alpha if solver == "adamw" else self.alpha / (batch * mean_w)
        if not incremental or self._optimizer is None:
            options: dict[str, Any] = {"lr": self.learning_rate_init, "weight_decay": decay}
            if solver == "sgd":
                nesterov = bool(self.nesterovs_momentum and self.momentum > 0)
                options.update(momentum=self.momentum, nesterov=nesterov)
            elif solver in ("adam", "adamw"):
                options.update(betas=(self.beta_1, self.beta_2), eps=self.epsilon)
            elif solver == "rmsprop":
                options.update(eps=self.epsilon)
            self._optimizer = get_optimizer(solver, self.network_.parameters(), **options)
        self._optimizer.weight_decay = decay  # partial_fit: this call's batches and weights

    def _stopping(self, early: bool) -> NoImprovement:
        """scikit-learn's stopping rule (:mod:`chainrule.sklearn.stopping`): on the validation
        score (accuracy or R²) with early stopping, the best epoch's weights restored; else on
        the training loss, the last weights kept. Its count and best carry over between calls."""
        monitor = ("val_accuracy" if self._classifier else "val_r2") if early else "loss"
        carried, count, best = self._no_improvement
        if carried != monitor:
            count, best = 0, None
        return NoImprovement(self.n_iter_no_change, float(self.tol), monitor, early, count, best)

    def _record(self, history: Any, early: bool, incremental: bool, best: Any) -> None:
        self.loss_curve_ = [*self.loss_curve_, *map(float, history.loss)]
        self.loss_ = self.loss_curve_[-1]
        self.n_iter_ += history.epochs_run
        if early:
            metric = "val_r2" if not self._classifier else "val_accuracy"
            scores = [float(s) for s in history.metrics.get(metric, [])]
            val_loss = [float(v) for v in history.val_loss]
            self.validation_loss_curve_ = [*(self.validation_loss_curve_ or []), *val_loss]
            self.validation_scores_ = [*(self.validation_scores_ or []), *scores]
            self.best_validation_score_ = best  # the highest score, as scikit-learn's
            self.best_loss_ = None
        else:
            self.best_loss_ = min(self.loss_curve_)
        if not incremental and history.epochs_run == self.max_iter and not history.stopped_early:
            warnings.warn(
                f"{type(self).__name__}: stopped at max_iter={self.max_iter} epochs before the "
                f"{'validation score' if early else 'training loss'} stopped improving by more "
                f"than tol={self.tol} for n_iter_no_change={self.n_iter_no_change} epochs; raise "
                "max_iter or learning_rate_init, or scale the inputs",
                ConvergenceWarning,
                stacklevel=4,
            )

    # -- prediction -------------------------------------------------------------------------------
    def _X(self, X: Any) -> np.ndarray:
        """X as the network takes it: checked as at fit, through ``preprocessor_`` if any."""
        check_is_fitted(self, "network_")
        prep = getattr(self, "preprocessor_", None)
        if prep is None:
            inputs.refuse_non_numeric(type(self).__name__, X)
            return validate_data(self, X, reset=False, dtype=(np.float64, np.float32))
        validate_data(self, X, reset=False, skip_check_array=True)
        return inputs.transform(prep, X)

    # -- scikit-learn's view of the network (as its MLP names them) -------------------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weights per layer, (n_in, n_out), acting on X as given (as scikit-learn's).

        Views of the network's ``W[:-1]``; except that with a scaler (``standardize=True``) the
        first layer's come with the scaling z = (x − μ) / σ folded in, as copies:
        ``coefs_[0] = W1[:-1] / σ[:, None]``.
        """
        return [W[:-1] for W in self._sklearn_weights()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Biases per layer, (n_out,): views of the network's bias rows ``W[-1]``; with a
        scaler, the first is ``W1[-1] − (μ / σ) @ W1[:-1]`` (a copy)."""
        return [W[-1] for W in self._sklearn_weights()]

    def _sklearn_weights(self) -> list[np.ndarray]:
        check_is_fitted(self, "network_")
        weights = list(self.network_.weights)
        scaler = self.network_.scaler
        if scaler is not None:  # h = ((x − μ) / σ) A + b = x (A / σ) + (b − (μ / σ) A)
            A, b = weights[0][:-1] / scaler.scale_[:, None], weights[0][-1]
            weights[0] = np.vstack([A, b - scaler.mean_ @ A])
        return weights

    @property
    def n_layers_(self) -> int:
        check_is_fitted(self, "network_")
        return len(self.network_.layers) + 1

    @property
    def n_outputs_(self) -> int:
        check_is_fitted(self, "network_")
        return self.network_.n_outputs

    @property
    def out_activation_(self) -> str:
        check_is_fitted(self, "network_")
        out = self.network_.layers[-1].activation
        return {"sigmoid": "logistic"}.get(out, out)


def _whole(value: Any, low: int) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= low


def _real(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and bool(np.isfinite(float(value)))
    )
