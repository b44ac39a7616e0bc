"""Networks: the lecture's multilayer perceptron, of any size, on the engine.

Feedforward, in the lecture's notation, for layers k = 1 … L with weights W^(k) (bias last row)::

    a^(0) = x,    h^(k) = [a^(k−1), 1] · W^(k),    a^(k) = f_k(h^(k)),    ŷ = a^(L)

so a 2-2-1 sigmoid network computes ŷ = σ(W^(2) σ(W^(1) x)). The error E (see
:mod:`chainrule.nn.losses`) is computed from h^(L), and the gradient ∇E = (∂E/∂w_ij^(k)) by the
engine's reverse pass: backpropagation, the chain rule applied layer by layer. There is no second,
hand-written backprop here; :func:`chainrule.explain` shows the same numbers factor by factor.

Weights are named as in the lecture, 1-based: ``"W1[1,1]"`` is w_11^(1), the weight from input 1
to hidden unit 1; ``"W1[3,1]"`` in a layer with two inputs is the bias of unit 1 ("W31").

Example:
    >>> net = cr.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", seed=0)
    >>> net.error(X, y), net.gradients(X, y)      # E and [∂E/∂W1, ∂E/∂W2]
    >>> net.step(X, y, lr=0.1)                     # one gradient-descent step
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.data.checks import check_targets, check_X, encode_targets
from chainrule.engine.backward import backprop
from chainrule.engine.modes import STATE, enable_grad, no_grad
from chainrule.engine.ops.affine import affine
from chainrule.engine.replay import Program
from chainrule.engine.tensor import Tensor
from chainrule.errors import DivergedError
from chainrule.nn.initializers import as_generator
from chainrule.nn.layers import Dense, activation_name
from chainrule.nn.losses import (
    LOSS_OUTPUT,
    LOSS_TITLES,
    BinaryCrossEntropyWithLogits,
    SoftmaxCrossEntropyWithLogits,
    SquaredError,
    _per_sample_weights,
    _weights,
    default_loss,
    loss_name,
)


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
        return self.a[-1]


_WEIGHT_NAME = re.compile(
    r"^\s*W\s*(?:\^?\(\s*(\d+)\s*\)|(\d+))\s*\[\s*(\d+)\s*,\s*(\d+)\s*\]\s*$", re.IGNORECASE
)
_LECTURE_NAME = re.compile(r"^\s*W\s*(\d)(\d)\s*\^?\s*\(\s*(\d+)\s*\)\s*$", re.IGNORECASE)


def parse_weight(name: str) -> tuple[int, int, int]:
    """``"W1[1,1]"`` (or ``"W^(1)[1,1]"``, or the lecture's ``"W11^(1)"``) → (k, i, j), 1-based."""
    m = _WEIGHT_NAME.match(str(name))
    if m:
        k = m.group(1) or m.group(2)
        return int(k), int(m.group(3)), int(m.group(4))
    m = _LECTURE_NAME.match(str(name))
    if m:
        return int(m.group(3)), int(m.group(1)), int(m.group(2))
    raise ValueError(
        f"cannot read the weight name {name!r}; write it as 'W<layer>[<row>,<column>]', 1-based, "
        "e.g. 'W1[1,1]' for the lecture's W11^(1) (the last row of each layer is its bias)"
    )


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
        feature_names: ``None`` or the input columns' names (set from a CSV or a DataFrame).
    """

    classes: np.ndarray | None = None
    scaler: Any = None
    feature_names: list[str] | None = None
    target_name: str | None = None
    #: what ``fit`` recorded (a :class:`~chainrule.train.History`, or a dict from a model file)
    history: Any = None
    #: format and library versions of the model file this network was loaded from
    metadata: dict[str, Any] | None = None

    def __init__(self, layers: Sequence[Dense], loss: str | None = None) -> None:
        layers = list(layers)
        if not layers or not all(isinstance(layer, Dense) for layer in layers):
            raise TypeError("Sequential needs a non-empty list of chainrule.Dense layers")
        for k in range(1, len(layers)):
            if layers[k].n_in != layers[k - 1].n_out:
                raise ValueError(
                    f"Sequential: layer {k + 1} takes {layers[k].n_in} inputs but layer {k} has "
                    f"{layers[k - 1].n_out} units"
                )
        dtypes = {layer.W.dtype for layer in layers}
        if len(dtypes) > 1:
            raise TypeError(f"Sequential: the layers mix dtypes {sorted(map(str, dtypes))}")
        for k, layer in enumerate(layers, start=1):
            layer.W.name = f"W{k}"
        self.layers = layers
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

    def _locate(self, name: str) -> tuple[np.ndarray, int, int]:
        k, i, j = parse_weight(name)
        if not 1 <= k <= len(self.layers):
            raise ValueError(f"{name}: the network has layers 1..{len(self.layers)}")
        W = self.layers[k - 1].W.data
        rows, cols = W.shape
        if not (1 <= i <= rows and 1 <= j <= cols):
            raise ValueError(
                f"{name}: W{k} has rows 1..{rows} (row {rows} is the bias) and columns 1..{cols}"
            )
        return W, i - 1, j - 1

    def weight(self, name: str) -> float:
        """The value of one weight by its lecture name, e.g. ``net.weight("W1[1,1]")``."""
        W, r, c = self._locate(name)
        return float(W[r, c])

    def set_weight(self, name: str, value: float) -> None:
        """Set one weight by its lecture name, e.g. ``net.set_weight("W1[3,1]", 0.5)``."""
        W, r, c = self._locate(name)
        W[r, c] = value

    # -- feedforward -----------------------------------------------------------------------------
    def __call__(self, X: Any) -> Tensor:
        """ŷ as a Tensor recorded for backward (no input checks): for your own losses."""
        a = X
        for layer in self.layers:
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

    def forward(self, X: Any, trace: bool = False) -> np.ndarray | Trace:
        """Feedforward: ŷ of shape (m, n_outputs), or with ``trace`` every layer's h and a."""
        Xv = self.check_X(X)
        with no_grad():
            if not trace:
                return self(Xv).data
            out = Trace(x=Xv)
            a = Xv
            for layer in self.layers:
                h = layer.pre_activation(a)
                a = layer.activate(h)
                out.h.append(h.data)
                out.a.append(a.data)
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
        if task == "multiclass":
            labels = yhat.argmax(axis=1)
        elif task in ("binary", "multilabel"):
            labels = (yhat >= 0.5).astype(np.intp)
            labels = labels[:, 0] if task == "binary" else labels
        else:
            return yhat[:, 0] if self.n_outputs == 1 else yhat
        return labels if self.classes is None or task == "multilabel" else self.classes[labels]

    # -- the error and its gradient --------------------------------------------------------------
    def check_X(self, X: Any, what: str = "X") -> np.ndarray:
        """``X`` checked, converted to the network's dtype and standardised if a scaler is set."""
        Xv = check_X(X, self.n_features, self.dtype, what)
        if self.scaler is not None:
            Xv = np.asarray(self.scaler.transform(Xv), dtype=self.dtype)
        return Xv

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

    def loss_of(
        self,
        X: np.ndarray,
        y: np.ndarray,
        w: np.ndarray,
        weights: Sequence[Tensor] | None = None,
    ) -> Tensor:
        """E as a Tensor recorded for backward, from data already checked by :meth:`check_data`.

        ``weights`` (one Tensor per layer) stand in for the network's own, for functional use.
        """
        h = self.logits(X, weights)
        if self.loss == "squared_error":
            return SquaredError.apply(self.layers[-1].activate(h), y=y, w=w)
        if self.loss == "binary_cross_entropy":
            return BinaryCrossEntropyWithLogits.apply(h, y=y, w=w)
        return SoftmaxCrossEntropyWithLogits.apply(h, y=y, w=w)

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
        params = self.parameters()
        with enable_grad():
            E = self.loss_of(X, y, w)
        found = backprop(E, accumulate=False, wrt=params)
        grads = [found[id(p)] if id(p) in found else np.zeros_like(p.data) for p in params]
        return float(E.data), grads

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
        :meth:`train_step`'s (the engine's gradients, the weights updated in place). If E is
        NaN or infinite the weights are left as they are and :class:`FloatingPointError` says so
        (the weights have grown too large: a smaller ``lr``, or standardised inputs, helps).
        """
        if not (isinstance(lr, int | float | np.floating) and np.isfinite(lr) and lr > 0):
            raise ValueError(f"step: lr must be a finite number > 0, got {lr!r}")
        data = self.check_data(X, y, sample_weight)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported just below
            E, grads = self._replay(*data)
        if not math.isfinite(E):
            raise DivergedError(
                f"step: the error E is {E} before this step, so the weights were left unchanged; "
                f"the weights or the inputs are too large (lr was {lr}: try a smaller one, or "
                "standardise the inputs)"
            )
        for W, g in zip(self.weights, grads, strict=True):
            g *= lr  # ours: _replay's gradients are fresh arrays
            W -= g
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

        E and ∇E come from the engine: the first call for a batch shape runs :meth:`loss_of` and
        the reverse pass and records the step (:class:`~chainrule.engine.replay.Program`); later calls
        replay the recorded primitives' forward and backward rules on the new batch, without the
        graph's bookkeeping, and give the same gradients bit for bit. Each parameter's ``.grad``
        is then set to its gradient (replacing what was there, as ``zero_grad()`` followed by
        ``backward()`` would) and ``optimizer.step()`` updates the weights in place. When E is
        NaN or infinite the optimizer is not called, so the weights stay the last finite ones.

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
        E, grads = self._replay(X, y, w, out)
        for layer, g in zip(self.layers, grads, strict=True):
            layer.W.grad = g
        if math.isfinite(E):
            optimizer.step()
        return E

    def _replay(
        self, X: np.ndarray, y: np.ndarray, w: np.ndarray, out: np.ndarray | None = None
    ) -> tuple[float, list[np.ndarray]]:
        """(E, [∂E/∂W1, …]) as :meth:`_value_and_gradients`, by a recorded program when it can.

        Programs are kept per shape of the batch (the last, shorter batch of an epoch gets its
        own); anomaly mode always takes the general engine, which checks every op. The gradients
        are fresh arrays, the caller's to keep or change.
        """
        layers = self.layers
        params = [layer.W for layer in layers]
        key = (X.shape, X.dtype, y.shape, y.dtype, w.shape, self.loss, *[lay._f for lay in layers])
        key += tuple(params)
        programs = self.__dict__.get("_programs")
        if programs is None:
            programs = self._programs = {}
        program = programs.get(key)
        if program and not STATE.anomaly:
            value, grads = program._run((X, y, w), [p.data for p in params], out)
            return float(value), grads
        program, E = Program.record(self.loss_of, (X, y, w), params)
        if out is not None:
            out[...] = E._node.parents[0].data
        found = backprop(E, accumulate=False, wrt=params)
        grads = [found[id(p)] if id(p) in found else np.zeros_like(p.data) for p in params]
        if key not in programs:
            if len(programs) >= 8:  # batch shapes come and go: keep the latest few
                del programs[next(iter(programs))]
            programs[key] = program or False  # False: not replayable, always the engine
        return float(E.data), [g if g.flags.owndata else g.copy() for g in grads]

    def fit(self, X: Any, y: Any, **kw: Any) -> Any:
        """Train by minibatch gradient descent: :func:`~chainrule.fit` (same arguments).

        Example:
            >>> hist = net.fit(X, y, epochs=50, optimizer="adam", lr=1e-3, validation=0.2)
        """
        from chainrule.training.loop import fit

        return fit(self, X, y, **kw)

    def save(self, path: Any) -> Any:
        """Write the model file (see :mod:`chainrule.io.modelfile`); ``cr.load(path)`` reads it."""
        from chainrule.io.modelfile import save

        return save(self, path)

    def to_onnx(self, path: Any, **options: Any) -> Any:
        """Write the network as an ONNX model (:mod:`~chainrule.io.onnx_export`); needs ``onnx``."""
        from chainrule.io.onnx_export import to_onnx

        return to_onnx(self, path, **options)

    # -- description -----------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """The architecture as plain JSON-able data (weights not included)."""
        return {
            "class": type(self).__name__,
            "layers": [
                {"n_in": lay.n_in, "n_out": lay.n_out, "activation": lay.activation}
                for lay in self.layers
            ],
            "loss": self.loss,
            "dtype": str(self.dtype),
        }

    def __repr__(self) -> str:
        name = "MLP" if isinstance(self, MLP) else "Sequential"
        lines = [
            f"{name} {'-'.join(map(str, self.sizes))}, {self.dtype}, "
            f"loss: {LOSS_TITLES[self.loss]}",
            f"  {'weights':<8} {'shape':<12} {'units':<12} {'activation':<11} {'parameters':>10}",
        ]
        for lay in self.layers:
            lines.append(
                f"  {lay.W.name:<8} {lay.W.shape!s:<12} {f'{lay.n_in} → {lay.n_out}':<12} "
                f"{lay.activation:<11} {lay.W.data.size:>10,}"
            )
        total = sum(lay.W.data.size for lay in self.layers)
        lines.append(f"  {total:,} parameters; the last row of each W is its bias")
        return "\n".join(lines)


class MLP(Sequential):
    """A multilayer perceptron in the lecture's notation, any size.

    Args:
        sizes: units per layer, input first: ``[2, 2, 1]`` is 2 inputs, 2 hidden units, 1 output.
        hidden: the hidden layers' activation (``sigmoid``, ``tanh``, ``relu``, ``leaky_relu``,
            ``identity``).
        output: the output activation: ``sigmoid`` (binary or multi-label), ``softmax`` (several
            classes) or ``identity`` (regression); also ``tanh``/``relu`` with squared error.
        loss: default ``binary_cross_entropy`` for sigmoid, ``cross_entropy`` for softmax,
            ``squared_error`` otherwise.
        init: ``xavier``/``glorot`` or ``he`` (and their ``_normal``/``_uniform`` forms); default
            He for rectifier hidden layers, Xavier otherwise.
        seed: int or ``numpy.random.Generator``; the same seed gives the same weights, bit for bit.
        dtype: ``np.float64`` (default) or ``np.float32``.

    Example:
        >>> net = cr.MLP([2, 2, 1], seed=0)
        >>> net.weight("W1[1,1]")              # the lecture's W11^(1)
    """

    def __init__(
        self,
        sizes: Sequence[int],
        hidden: str = "sigmoid",
        output: str = "sigmoid",
        loss: str | None = None,
        init: str | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: Any = np.float64,
    ) -> None:
        if isinstance(sizes, str) or not hasattr(sizes, "__iter__"):
            raise TypeError(
                f"MLP: sizes must be a list of layer sizes, input first, e.g. [2, 2, 1] for the "
                f"lecture's network; got {sizes!r}"
            )
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(
                f"MLP: sizes needs at least an input and an output size, got {sizes}; "
                "e.g. [2, 2, 1] for the lecture's network"
            )
        rng = as_generator(seed)
        layers = [
            Dense(
                n_in,
                n_out,
                activation=hidden if k < len(sizes) - 2 else output,
                init=init,
                seed=rng,
                dtype=dtype,
            )
            for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes))
        ]
        super().__init__(layers, loss=loss)
        # with one layer there is no hidden layer, but a bad name is still refused
        self.hidden = layers[0].activation if len(layers) > 1 else activation_name(hidden)
        self.output = layers[-1].activation

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(sizes=self.sizes, hidden=self.hidden, output=self.output)
        return config


def from_config(config: dict[str, Any], weights: Sequence[Any] | None = None) -> Sequential:
    """Rebuild a network from :meth:`Sequential.get_config`, with ``weights`` if given."""
    layer_specs = config["layers"]
    if weights is not None and len(weights) != len(layer_specs):
        raise ValueError(f"{len(weights)} weight matrices for {len(layer_specs)} layers")
    dtype = np.dtype(config.get("dtype", "float64"))
    layers = [
        Dense(
            spec["n_in"],
            spec["n_out"],
            activation=spec["activation"],
            dtype=dtype,
            weights=None if weights is None else weights[k],
            seed=0,
        )
        for k, spec in enumerate(layer_specs)
    ]
    if config.get("class") == "MLP":
        net = MLP.__new__(MLP)
        Sequential.__init__(net, layers, loss=config["loss"])
        net.hidden = config.get("hidden", layers[0].activation)
        net.output = layers[-1].activation
        return net
    return Sequential(layers, loss=config["loss"])
