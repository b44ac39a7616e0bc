"""A network of dense layers applied in order, with its error function: :class:`Sequential`.

Feedforward, in the lecture's notation, for layers k = 1 … L with weights W^(k) (bias last row)::

    a^(0) = x,    h^(k) = [a^(k−1), 1] · W^(k),    a^(k) = f_k(h^(k)),    ŷ = a^(L)

so a 2-2-1 sigmoid network computes ŷ = σ(W^(2) σ(W^(1) x)). The error E (see
:mod:`chainrule.nn.losses`) is computed from h^(L), and the gradient ∇E = (∂E/∂w_ij^(k)) by the
engine's reverse pass: backpropagation, the chain rule applied layer by layer. There is no second,
hand-written backprop here; :func:`chainrule.explain` shows the same numbers factor by factor.

Weights are named as in the lecture, 1-based (:mod:`chainrule.nn.weight_names`). The lecture's
MLP, built from its sizes, is :class:`chainrule.nn.network.MLP`.

Example:
    >>> net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    >>> net.error(X, y), net.gradients(X, y)      # E and [∂E/∂W1, ∂E/∂W2]
    >>> net.step(X, y, lr=0.1)                     # one gradient-descent step
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

import numpy as np

from chainrule.data.checks import check_outputs, check_targets, check_X, encode_targets
from chainrule.engine.modes import enable_grad, no_grad
from chainrule.engine.ops.affine import affine
from chainrule.engine.tensor import Tensor
from chainrule.nn.compiled import try_descend, try_train_step
from chainrule.nn.config import check_layers, layers_config, summary
from chainrule.nn.layers import Dense
from chainrule.nn.losses import (
    LOSS_OUTPUT,
    BinaryCrossEntropyWithLogits,
    SoftmaxCrossEntropyWithLogits,
    SquaredError,
    _per_sample_weights,
    _weights,
    default_loss,
    loss_name,
)
from chainrule.nn.step import descend, engine_gradients, recorded_step
from chainrule.nn.weight_names import locate


@dataclass
class Trace:
    """Everything feedforward computed: the input, and each layer's h (pre-activation) and a.

    ``h[k-1]`` and ``a[k-1]`` belong to layer k (1-based, as in the lecture); ``a[-1]`` is ŷ.
    Each is an array with one row per sample.
    """

    x: np.ndarray
    h: list[np.ndarray] = field(default_factory=list)
    a: list[np.ndarray] = field(default_factory=list)

    @property
    def yhat(self) -> np.ndarray:
        """ŷ = a^(L)."""
        return self.a[-1]


class Sequential:
    """A network of dense layers applied in order, with an error function.

    Args:
        layers: :class:`~chainrule.Dense` layers; each one's ``n_in`` must be the previous one's
            ``n_out``, and all share one dtype.
        loss: ``binary_cross_entropy`` (sigmoid output), ``cross_entropy`` (softmax output) or
            ``squared_error`` (any output); default: the output activation's natural pairing.

    Attributes:
        layers: the layers; their weights are named ``W1``, ``W2``, … in order.
        loss: the canonical loss name.
        classes: ``None``, or the original class labels (an array; index i is class i). When set,
            ``predict`` returns these labels and the targets given to ``error``, ``gradients``,
            ``step`` and ``fit`` may be such labels. ``fit`` sets it from string or numeric labels.
        scaler: ``None``, or a fitted :class:`~chainrule.data.Standardizer` applied to every X
            before the first layer (``fit(..., standardize=True)`` sets it), so a saved model
            predicts from raw inputs. The network's weights, traces and explanations see the
            standardised inputs.
        preprocessor: ``None``, or a fitted :class:`~chainrule.data.Preprocessor`: a table to
            the inputs, its ``output_names`` (= ``feature_names``); callers apply it, not the net.
        feature_names: ``None`` or the input columns' names (set from a CSV or a DataFrame).
    """

    classes: np.ndarray | None = None
    scaler: Any = None
    preprocessor: Any = None
    feature_names: list[str] | None = None
    target_name: str | None = None
    #: what ``fit`` recorded (a :class:`~chainrule.train.History`, or a dict from a model file)
    history: Any = None
    #: format and library versions of the model file this network was loaded from
    metadata: dict[str, Any] | None = None

    def __init__(self, layers: Sequence[Dense], loss: str | None = None) -> None:
        layers = check_layers(layers)
        self.layers: list[Dense] = layers
        output = layers[-1].activation
        self.loss = loss_name(loss) if loss is not None else default_loss(output)
        needed = LOSS_OUTPUT.get(self.loss)
        if needed is not None and output != needed:
            raise ValueError(
                f"the loss {self.loss} needs a {needed} output layer, but the output activation is "
                f"{output}; use output='{needed}', or loss='squared_error'"
            )

    # -- what it is ------------------------------------------------------------------------------
    @property
    def sizes(self) -> list[int]:
        """Units per layer, input first: ``[2, 2, 1]`` for the lecture's network."""
        return [self.layers[0].n_in] + [layer.n_out for layer in self.layers]

    @property
    def n_features(self) -> int:
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].n_out

    @property
    def dtype(self) -> np.dtype:
        return self.layers[0].W.dtype

    @property
    def activations(self) -> list[str]:
        return [layer.activation for layer in self.layers]

    @property
    def weights(self) -> list[np.ndarray]:
        """[W1, W2, …]: the live weight arrays (shape (n_in + 1, n_out), bias last)."""
        return [layer.W.data for layer in self.layers]

    def parameters(self) -> list[Tensor]:
        """The weight matrices as trainable tensors (for optimizers and ``backward()``)."""
        return [layer.W for layer in self.layers]

    @property
    def task(self) -> str:
        """``binary``, ``multilabel``, ``multiclass`` or ``regression``, from the loss."""
        if self.loss == "cross_entropy":
            return "multiclass"
        if self.loss == "binary_cross_entropy":
            return "binary" if self.n_outputs == 1 else "multilabel"
        return "regression"

    def weight(self, name: str) -> float:
        """The value of one weight by its lecture name, e.g. ``net.weight("W1[1,1]")``."""
        W, r, c = locate(self.weights, name)
        return float(W[r, c])

    def set_weight(self, name: str, value: float) -> None:
        """Set one weight by its lecture name, e.g. ``net.set_weight("W1[3,1]", 0.5)``."""
        W, r, c = locate(self.weights, name)
        W[r, c] = value

    # -- feedforward -----------------------------------------------------------------------------
    def __call__(self, X: Any) -> Tensor:
        """ŷ as a Tensor recorded for backward (no input checks): for your own losses."""
        a = self.layers[0](X)
        for layer in self.layers[1:]:
            a = layer(a)
        return a

    def logits(self, X: Any, weights: Sequence[Tensor] | None = None) -> Tensor:
        """h^(L), the output layer's pre-activation, as a Tensor recorded for backward.

        ``weights`` (one Tensor per layer) stand in for the network's own, for functional use.
        """
        Ws = self.parameters() if weights is None else weights
        a = X
        for layer, W in zip(self.layers[:-1], Ws, strict=False):
            a = layer.activate(affine(a, W))
        return affine(a, Ws[-1])

    @overload
    def forward(self, X: Any, trace: Literal[False] = False) -> np.ndarray: ...
    @overload
    def forward(self, X: Any, trace: Literal[True]) -> Trace: ...
    def forward(self, X: Any, trace: bool = False) -> np.ndarray | Trace:
        """ŷ (m, n_outputs), refused when not finite; with ``trace``, each layer's h and a as is."""
        Xv = self.check_X(X)
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):  # check_outputs reports
            if not trace:
                return check_outputs(self(Xv).data)
            out = Trace(x=Xv)
            for layer in self.layers:
                h = layer.pre_activation(out.a[-1] if out.a else Xv)
                out.h.append(h.data)
                out.a.append(layer.activate(h).data)
            return out

    def predict_proba(self, X: Any) -> np.ndarray:
        """ŷ: (m, 1) probabilities for one sigmoid output, (m, n_classes) for softmax.

        Only for outputs that are probabilities (sigmoid or softmax, whatever the loss); a
        network whose output layer is not one of those predicts numbers: use :meth:`predict`.
        """
        output = self.layers[-1].activation
        if output not in ("sigmoid", "softmax"):
            raise ValueError(
                f"predict_proba: this network's output layer is {output}, so its outputs are "
                "numbers, not probabilities; use predict() (or a sigmoid/softmax output layer)"
            )
        return self.forward(X)

    def predict(self, X: Any) -> np.ndarray:
        """Class indices (0/1 at the 0.5 threshold, or the argmax), or ŷ itself for regression.

        Shape (m,) for one output or for classes; (m, n_outputs) otherwise. With ``classes``
        set, class indices are mapped back to those labels.
        """
        yhat = self.forward(X)
        task = self.task
        labels: np.ndarray
        if task == "multiclass":
            labels = yhat.argmax(axis=1)
        elif task in ("binary", "multilabel"):
            labels = (yhat >= 0.5).astype(np.intp)
            labels = labels[:, 0] if task == "binary" else labels
        else:
            return yhat[:, 0] if self.n_outputs == 1 else yhat
        if self.classes is None or task == "multilabel":
            return labels
        return np.asarray(self.classes[labels])

    # -- the error and its gradient --------------------------------------------------------------
    def check_X(self, X: Any, what: str = "X") -> np.ndarray:
        """``X`` checked, converted to the network's dtype and standardised if a scaler is set."""
        Xv = check_X(X, self.n_features, self.dtype, what)
        scaled = Xv if self.scaler is None else self.scaler.transform(Xv)
        return np.asarray(scaled, dtype=self.dtype)

    def check_data(
        self, X: Any, y: Any, sample_weight: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(X, targets, per-sample weights of the mean) checked once, ready for :meth:`loss_of`."""
        Xv = self.check_X(X)
        m = len(Xv)
        if self.classes is not None and self.task != "multilabel":
            y = encode_targets(y, self.classes)
        yv = check_targets(y, self.loss, self.n_outputs, m, self.dtype)
        w = _per_sample_weights(m, _weights(sample_weight, m), self.dtype)
        return Xv, yv, w

    def output_and_loss(
        self,
        X: np.ndarray,
        y: np.ndarray,
        w: np.ndarray,
        weights: Sequence[Tensor] | None = None,
    ) -> tuple[Tensor, Tensor]:
        """(z, E), recorded for backward, from data already checked by :meth:`check_data`.

        z is what E is computed from: the logits h^(L) for the cross-entropies (computed from
        the logits, stably), ŷ = f_L(h^(L)) for squared error. ``weights`` (one Tensor per
        layer) stand in for the network's own, for functional use.
        """
        h = self.logits(X, weights)
        if self.loss == "squared_error":
            yhat = self.layers[-1].activate(h)
            return yhat, SquaredError.apply(yhat, y=y, w=w)
        if self.loss == "binary_cross_entropy":
            return h, BinaryCrossEntropyWithLogits.apply(h, y=y, w=w)
        return h, SoftmaxCrossEntropyWithLogits.apply(h, y=y, w=w)

    def loss_of(
        self,
        X: np.ndarray,
        y: np.ndarray,
        w: np.ndarray,
        weights: Sequence[Tensor] | None = None,
    ) -> Tensor:
        """E as a Tensor recorded for backward: :meth:`output_and_loss` without z."""
        return self.output_and_loss(X, y, w, weights)[1]

    def error(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """E, the mean loss over the samples (weighted by ``sample_weight`` if given)."""
        with no_grad():
            return float(self.loss_of(*self.check_data(X, y, sample_weight)).data)

    def value_and_gradients(
        self, X: Any, y: Any, sample_weight: Any = None
    ) -> tuple[float, list[np.ndarray]]:
        """(E, [∂E/∂W1, …]) by the engine's reverse pass; ``.grad`` is not touched."""
        return self._value_and_gradients(*self.check_data(X, y, sample_weight))

    def _value_and_gradients(
        self, X: np.ndarray, y: np.ndarray, w: np.ndarray
    ) -> tuple[float, list[np.ndarray]]:
        with enable_grad():
            E = self.loss_of(X, y, w)
        return float(E.data), engine_gradients(E, self.parameters())

    def error_function(self, X: Any, y: Any, sample_weight: Any = None) -> Any:
        """E as a function of the weights, f(W1, W2, …) → Tensor, for ``cr.grad``/``cr.gradcheck``.

        Example:
            >>> cr.gradcheck(net.error_function(X, y), net.weights)
        """
        data = self.check_data(X, y, sample_weight)

        def error(*weights: Tensor) -> Tensor:
            if len(weights) != len(self.layers):
                raise TypeError(
                    f"error_function: {len(weights)} weights for {len(self.layers)} layers"
                )
            return self.loss_of(*data, weights=weights)

        return error

    def gradients(self, X: Any, y: Any, sample_weight: Any = None) -> list[np.ndarray]:
        """[∂E/∂W1, ∂E/∂W2, …], each shaped like its weights (bias row last)."""
        return self.value_and_gradients(X, y, sample_weight)[1]

    def step(self, X: Any, y: Any, lr: float = 0.1, sample_weight: Any = None) -> float:
        """One step of gradient descent, W ← W − lr · ∂E/∂W for every layer; returns E before it.

        The data is checked as :meth:`value_and_gradients` checks it; the step itself is
        :meth:`train_step`'s (the engine's gradients, the weights updated in place; the numba
        backend's one kernel, which checks the data itself). If E is NaN or infinite the weights
        are left as they are and :class:`FloatingPointError` says so (the weights have grown
        too large: a smaller ``lr``, or standardised inputs, helps)."""
        if sample_weight is None and (E := try_descend(self, X, y, lr)) is not None:
            return E
        if not (isinstance(lr, int | float | np.floating) and np.isfinite(lr) and lr > 0):
            raise ValueError(f"step: lr must be a finite number > 0, got {lr!r}")
        data = self.check_data(X, y, sample_weight)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported by descend
            E, grads = self._replay(*data)
        descend(self.weights, grads, float(lr), E)
        return E

    def train_step(
        self,
        X: np.ndarray,
        y: np.ndarray,
        w: np.ndarray,
        optimizer: Any,
        out: np.ndarray | None = None,
    ) -> float:
        """One training step on data already checked by :meth:`check_data`; returns E before it.

        E and ∇E come from the engine, recorded for the batch shape at the first call and
        replayed later (:mod:`chainrule.nn.step`; the same gradients bit for bit). Each
        parameter's ``.grad`` is then set to its gradient (as ``zero_grad()`` then ``backward()``
        would) and ``optimizer.step()`` updates the weights in place. When E is NaN or infinite
        the optimizer is not called, so the weights stay the last finite ones. With the numba
        backend all of it is one compiled kernel (:mod:`chainrule.nn.compiled`) where it covers
        the step, and ``.grad`` is its buffer, reused by the next step (copy it to keep it).

        Args:
            X, y, w: a batch as :meth:`check_data` returns it (inputs, targets, and the per-sample
                weights of the mean, summing to 1).
            optimizer: a :mod:`~chainrule.optim` optimizer over ``self.parameters()`` (anything
                with a ``step()`` that reads ``p.grad``).
            out: optional array of shape (m, n_outputs) that receives what E was computed from:
                the logits h^(L) for the cross-entropies, ŷ for squared error (for metrics).

        Example:
            >>> opt = cr.optim.SGD(net.parameters(), lr=0.1)
            >>> for Xb, yb in batches:
            ...     E = net.train_step(*net.check_data(Xb, yb), opt)
        """
        if (E := try_train_step(self, X, y, w, optimizer, out)) is not None:
            return E
        E, grads = self._replay(X, y, w, out)
        for layer, g in zip(self.layers, grads, strict=True):
            layer.W.grad = g
        if math.isfinite(E):
            optimizer.step()
        return E

    def _replay(
        self, X: np.ndarray, y: np.ndarray, w: np.ndarray, out: np.ndarray | None = None
    ) -> tuple[float, list[np.ndarray]]:
        """(E, [∂E/∂W1, …]) as :meth:`_value_and_gradients`, by a recorded program when it can
        (:func:`chainrule.nn.step.recorded_step`); the gradients are fresh arrays."""
        params, programs = self.parameters(), self.__dict__.setdefault("_programs", {})
        key = (X.shape, X.dtype, y.shape, y.dtype, w.shape, self.loss, *self.activations, *params)
        return recorded_step(self.output_and_loss, programs, key, params, (X, y, w), out)

    # -- description -----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The architecture as plain JSON-able data (weights not included)."""
        return layers_config(self.layers, self.loss, type(self).__name__)

    def __repr__(self) -> str:
        return summary(type(self).__name__, self.layers, self.loss)


__all__ = ["Sequential", "Trace"]
