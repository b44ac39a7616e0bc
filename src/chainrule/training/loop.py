"""Training: minibatch gradient descent on a network, with everything around it.

:func:`fit` (also ``net.fit``) runs epochs of minibatches. For each minibatch B it computes the
error E_B (the weighted mean loss over B, see :mod:`chainrule.nn.losses`), its gradient ∇E_B by the
engine's reverse pass (``E.backward()``: the one backpropagation all of chainrule uses), and one
optimizer step (:mod:`chainrule.training.optim`)::

    for epoch in 1 … epochs:
        shuffle the training samples (a numpy Generator made from ``seed``)
        for each minibatch B:   W ← optimizer(W, ∇E_B)          (every layer W1, W2, …)
        validation loss and metrics; early stopping; one learning-rate schedule step

Around the loop: labels of any kind in and out (``net.classes``), standardised inputs
(``net.scaler``), class and sample weights, a validation split, early stopping that restores the
best weights, callbacks (:mod:`chainrule.training.callbacks`), a progress display
(:mod:`~chainrule.training.progress`), a clean stop on Ctrl-C, and a clear error when training diverges.

Divergence is checked cheaply: the loss E of every batch, and the weights after every epoch. A
non-finite gradient makes the weights non-finite, so it is caught at the next batch's loss, at
the latest at the end of the epoch; the network then gets back the weights it had at the start
of that epoch, and :class:`TrainingDivergedError` names the layer and the likely cause.

Example:
    >>> net = cr.MLP([30, 16, 1], hidden="relu", seed=0)
    >>> hist = net.fit(X, y, epochs=50, optimizer="adam", lr=1e-3, validation=0.2,
    ...                early_stopping=True, standardize=True, seed=0)
    >>> hist.loss[-1], hist.val_loss[-1], hist.metrics["val_accuracy"][-1]
"""

from __future__ import annotations

import inspect
import math
import signal
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.engine.modes import enable_grad, no_grad
from chainrule.errors import TrainingDivergedError, TrainingError
from chainrule.nn.initializers import as_generator
from chainrule.training.callbacks import Callback, EarlyStopping, History, overrides
from chainrule.training.optim import OPTIMIZERS, Optimizer, get_optimizer
from chainrule.training.prepare import TrainingData, prepare
from chainrule.training.progress import progress_callback
from chainrule.training.schedules import (
    SCHEDULES,
    CosineAnnealingLR,
    ExponentialLR,
    ReduceLROnPlateau,
    Schedule,
    StepLR,
    get_schedule,
)

__all__ = ["History", "Trainer", "TrainingDivergedError", "TrainingError", "fit"]


# -- the settings ---------------------------------------------------------------------------------
#: a named schedule's settings unless ``schedule_options`` says otherwise
_SCHEDULE_DEFAULTS = {
    StepLR: lambda epochs: {"step_size": max(1, epochs // 3), "gamma": 0.1},
    ExponentialLR: lambda epochs: {"gamma": 0.95},
    CosineAnnealingLR: lambda epochs: {"T_max": epochs},
    ReduceLROnPlateau: lambda epochs: {"factor": 0.1, "patience": 5},
}


def _whole(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise TrainingError(f"fit: {name} must be a whole number ≥ {low}, got {value!r}")
    return int(value)


def _make_optimizer(net: Any, optimizer: Any, schedule: Any, settings: dict[str, Any]) -> Optimizer:
    if optimizer is None:
        optimizer = schedule.optimizer if isinstance(schedule, Schedule) else "adam"
    kwargs = {k: v for k, v in settings.items() if v is not None}
    cls = OPTIMIZERS.get(optimizer.strip().lower()) if isinstance(optimizer, str) else optimizer
    if isinstance(cls, type) and issubclass(cls, Optimizer):
        accepted = set(inspect.signature(cls).parameters) - {"params"}
        unknown = sorted(set(kwargs) - accepted)
        if unknown:
            raise TrainingError(
                f"fit: the {cls.__name__} optimizer takes no {', '.join(unknown)}; its settings "
                f"are {', '.join(sorted(accepted))}"
            )
    return get_optimizer(optimizer, net.parameters(), **kwargs)


def _make_schedule(schedule: Any, opt: Optimizer, options: dict[str, Any], epochs: int) -> Any:
    if schedule is None:
        if options:
            raise TrainingError("fit: schedule_options were given but no schedule")
        return None
    cls = schedule
    if isinstance(schedule, str):
        key = schedule.strip().lower()
        cls = SCHEDULES.get(key) or {c.__name__.lower(): c for c in SCHEDULES.values()}.get(key)
    defaults = _SCHEDULE_DEFAULTS[cls](epochs) if cls in _SCHEDULE_DEFAULTS else {}
    return get_schedule(schedule, opt, **{**defaults, **options})


# -- the loop -------------------------------------------------------------------------------------
_HOOKS = ("on_train_begin", "on_epoch_begin", "on_batch_end", "on_epoch_end", "on_train_end")


class Trainer:
    """The training loop of :func:`fit`, and its state while it runs (what callbacks see).

    Attributes:
        net: the network being trained.
        optimizer: the :class:`~chainrule.optim.Optimizer` (its ``lr`` is the current rate).
        schedule: the learning-rate :class:`~chainrule.schedules.Schedule`, or None.
        history: the :class:`~chainrule.callbacks.History` so far.
        epoch: the current epoch, 1-based (0 before the first).
        stop: set it to True (e.g. from a callback) to stop after the current batch.
        interrupted: True once Ctrl-C was pressed.
        data: the :class:`TrainingData`.
    """

    def __init__(
        self,
        net: Any,
        data: TrainingData,
        optimizer: Optimizer,
        schedule: Any,
        *,
        epochs: int,
        shuffle: bool,
        rng: np.random.Generator,
        callbacks: list[Callback],
        progress: Any,
    ) -> None:
        self.net, self.data, self.optimizer, self.schedule = net, data, optimizer, schedule
        self.epochs, self.shuffle, self.rng = epochs, shuffle, rng
        self.callbacks, self.progress = callbacks, progress
        self.batch_size = data.batch_size
        self.n_batches = -(-data.n_train // data.batch_size)
        self.history = History()
        self.epoch = 0
        self.stop = self.interrupted = self._abort = False
        self.params = net.parameters()
        self.weights = [p.data for p in self.params]
        self._epoch_start = [np.empty_like(W) for W in self.weights]

    def run(self) -> History:
        """Train; returns the History (raises :class:`TrainingDivergedError` on divergence)."""
        history, start = self.history, time.perf_counter()
        for cb in self.callbacks:
            cb.trainer = self
        self._hooks = {
            h: [getattr(cb, h) for cb in self.callbacks if overrides(cb, h)] for h in _HOOKS
        }
        self._errstate = np.geterr()  # the caller's; callbacks run with it
        previous = self._install_sigint()
        try:
            try:
                d = self.data
                n_val = 0 if d.X_val is None else len(d.X_val)
                logs = {
                    "epochs": self.epochs,
                    "batch_size": self.batch_size,
                    "n_val": n_val,
                    "n_batches": self.n_batches,
                    "n_train": d.n_train,
                    "metric": d.metric,
                }
                self._call("on_train_begin", logs)
                # NumPy's overflow warnings are silenced: divergence is reported by its own error
                with enable_grad(), np.errstate(all="ignore"):
                    self._epochs()
            except KeyboardInterrupt:
                self.interrupted = True
                if self._abort:  # the second Ctrl-C
                    raise
        finally:
            self._restore_sigint(previous)
            if self.interrupted:
                history.interrupted, history.stop_reason = True, "interrupted"
            history.time = time.perf_counter() - start
            self.net.history = history
            self._call("on_train_end", history)
        return history

    def _call(self, hook: str, *args: Any) -> list[Any]:
        with np.errstate(**self._errstate):
            return [f(*args) for f in self._hooks[hook]]

    def _epochs(self) -> None:
        history = self.history
        for epoch in range(1, self.epochs + 1):
            self.epoch = epoch
            lr = self.optimizer.lr
            self._call("on_epoch_begin", epoch, {"lr": lr})
            for W, copy in zip(self.weights, self._epoch_start, strict=True):
                np.copyto(copy, W)
            t0 = time.perf_counter()
            logs = self._run_epoch(epoch)
            if logs is not None:  # None: stopped inside the epoch, which is not recorded
                logs["lr"], logs["time"] = lr, time.perf_counter() - t0
                self._record(epoch, logs)
                if any(self._call("on_epoch_end", epoch, logs)):
                    self.stop = True
            if self.stop:
                if history.stop_reason == "completed":
                    history.stop_reason = "callback"
                return

    def _run_epoch(self, epoch: int) -> dict[str, Any] | None:
        d = self.data
        n, b = d.n_train, d.batch_size
        X, y, w = d.X, d.y, d.w
        # Shuffled, each batch is gathered by its indices into buffers reused batch after batch
        # (the data is never copied whole); in order, the batches are views (slices).
        order = self.rng.permutation(n) if self.shuffle else None
        train_step, opt, outs = self.net.train_step, self.optimizer, d.out_buf
        hooks = self._hooks["on_batch_end"]
        total = seen = 0.0
        scored = None  # which samples the metric counts, when a batch was skipped
        for batch, s in enumerate(range(0, n, b), start=1):
            if order is None:
                Xb, yb = X[s : s + b], y[s : s + b]
                ws = None if w is None else w[s : s + b]
            else:
                idx = order[s : s + b]
                k = len(idx)
                Xb = np.take(X, idx, axis=0, out=d.X_buf[:k])
                yb = np.take(y, idx, axis=0, out=d.y_buf[:k])
                ws = None if w is None else np.take(w, idx, out=d.ws_buf[:k])
            if ws is None:
                size = len(Xb)
                wb = d.w_full if size == b else d.w_last
            else:
                size = float(ws.sum())
                if not size > 0:  # every sample of this batch has weight 0: nothing to learn
                    scored = np.ones(n, dtype=bool) if scored is None else scored
                    scored[s : s + b] = False
                    continue
                wb = np.divide(ws, size, out=d.wb_buf[: len(Xb)])
            # One step: E, ∇E by the engine's rules (replayed after the first batch of a shape),
            # the optimizer's update unless E is not finite. The logits h (cross-entropies) or ŷ
            # (squared error) E was computed from land in outs, for the epoch's metric.
            value = train_step(Xb, yb, wb, opt, out=outs[s : s + b])
            if not math.isfinite(value):  # the weights were left as they were
                self._diverged(epoch, batch, f"the loss E of the batch is {value}", Xb)
            total += value * size
            seen += size
            if hooks:
                self._call("on_batch_end", batch, {"loss": value, "size": len(Xb), "epoch": epoch})
            if self.stop:
                return None
        if order is not None:  # outs follow the shuffled order; so must the targets scored
            y = np.take(y, order, axis=0)
        if not all(np.isfinite(W).all() for W in self.weights):  # E can hide them (saturation)
            self._diverged(epoch, None, "after the epoch's updates", None)
        keep = slice(None) if scored is None else scored
        logs = {"loss": total / seen, d.metric: _score(d.kind, outs[keep], y[keep])}
        if d.X_val is not None:
            E = self.net.loss_of(d.X_val, d.y_val, d.w_val)
            logs["val_loss"] = float(E.data)
            logs[f"val_{d.metric}"] = _score(d.kind, E._node.parents[0].data, d.y_val)
            if not math.isfinite(logs["val_loss"]):
                self._diverged(epoch, None, f"the validation loss is {logs['val_loss']}", d.X_val)
        return logs

    def _record(self, epoch: int, logs: dict[str, Any]) -> None:
        h, metric = self.history, self.data.metric
        h.loss.append(logs["loss"])
        h.lr.append(logs["lr"])
        if "val_loss" in logs:
            h.val_loss.append(logs["val_loss"])
        for key in (metric, f"val_{metric}"):
            if key in logs:
                h.metrics.setdefault(key, []).append(logs[key])
        h.epochs_run = epoch
        if isinstance(self.schedule, ReduceLROnPlateau):
            self.schedule.step(logs.get("val_loss", logs["loss"]))
        elif self.schedule is not None:
            self.schedule.step()

    def _diverged(self, epoch: int, batch: int | None, what: str, X: Any) -> None:
        """Give back the epoch's first weights; raise an error naming the layer and the cause."""
        bad = [k for k, W in enumerate(self.weights, start=1) if not np.isfinite(W).all()]
        if bad:
            names = " and ".join(f"W{k}" for k in bad)
            what += f": {names} hold{'s' if len(bad) == 1 else ''} inf or NaN. The gradient "
            what += f"∂E/∂W{bad[-1]} (or the step it gave) went non-finite first"
            if len(bad) > 1:
                what += f": the backward pass reaches W{bad[-1]} before the others"
        elif X is not None:
            what += f": {_forward_overflow(self.net, X)}"
        lr = self.optimizer.lr
        causes = (
            f"the learning rate lr={lr:g} is probably too high: try lr={lr / 10:g} (or clip_norm=1)"
        )
        scale = float(np.abs(self.data.X).max())
        if scale > 100:
            causes += (
                f"; the inputs are large (max |x| = {scale:.3g}): pass standardize=True to scale "
                "each feature to mean 0 and standard deviation 1"
            )
        for W, copy in zip(self.weights, self._epoch_start, strict=True):
            W[...] = copy
        h = self.history
        h.diverged, h.stop_reason = True, "diverged"
        where = f"epoch {epoch}" + (f", batch {batch} of {self.n_batches}" if batch else "")
        raise TrainingDivergedError(
            f"training diverged in {where}: {what}. Likely cause: {causes}. The network keeps the "
            f"weights it had at the start of epoch {epoch}, the last finite ones; its history has "
            f"the {h.epochs_run} finished epoch{'s' if h.epochs_run != 1 else ''}.",
            h,
        )

    # -- Ctrl-C: the first stops after the current batch, the second aborts ---------------------
    def _install_sigint(self) -> Any:
        if threading.current_thread() is not threading.main_thread():
            return False  # only the main thread may set handlers; Ctrl-C goes there anyway
        return signal.signal(signal.SIGINT, self._on_sigint)

    def _restore_sigint(self, previous: Any) -> None:
        if previous is not False:
            signal.signal(
                signal.SIGINT, signal.default_int_handler if previous is None else previous
            )

    def _on_sigint(self, signum: int, frame: Any) -> None:
        if self.interrupted:
            self._abort = True
            raise KeyboardInterrupt
        self.interrupted = self.stop = True
        if self.progress is not None:
            self.progress.note("Ctrl-C: stopping after this batch (press Ctrl-C again to abort)")


def _forward_overflow(net: Any, X: np.ndarray) -> str:
    """Where the forward pass on ``X`` first leaves the finite numbers, in words."""
    a = X
    with no_grad():
        for k, layer in enumerate(net.layers, start=1):
            h = layer.pre_activation(a)
            if not np.isfinite(h.data).all():
                return f"the forward pass overflowed in layer {k}: h^({k}) = [a^({k - 1}), 1]·W{k}"
            a = layer.activate(h)
    k = len(net.layers)
    return f"the output of layer {k} (W{k}) reaches |ŷ| = {np.abs(a.data).max():.3g}, too large"


# -- the data -------------------------------------------------------------------------------------
def _score(kind: str, out: np.ndarray, y: np.ndarray) -> float:
    """Accuracy from the logits (classification) or R² from ŷ (regression, mean over outputs)."""
    if kind == "regression":
        ss_res = ((out - y) ** 2).sum(axis=0)
        ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
        some = ss_tot > 0  # a constant target: R² is 1 when predicted exactly, else 0
        r2 = np.where(some, 1 - ss_res / np.where(some, ss_tot, 1), np.where(ss_res == 0, 1.0, 0))
        return float(r2.mean())
    if kind == "multiclass":
        right = out.argmax(axis=1) == (y if y.ndim == 1 else y.argmax(axis=1))
    else:  # sigmoid outputs: σ(h) ≥ ½ exactly when h ≥ 0; a sample is right if all labels are
        right = ((out >= 0) == (y >= 0.5)).all(axis=1)
    return float(right.mean())


def fit(
    net: Any,
    X: Any,
    y: Any,
    *,
    epochs: int = 100,
    batch_size: int | None = 32,
    optimizer: Any = None,
    lr: float | None = None,
    weight_decay: float | None = None,
    clip_norm: float | None = None,
    momentum: float | None = None,
    nesterov: bool | None = None,
    optimizer_options: dict[str, Any] | None = None,
    schedule: Any = None,
    schedule_options: dict[str, Any] | None = None,
    validation: Any = None,
    early_stopping: bool = False,
    patience: int = 10,
    min_delta: float = 0.0,
    restore_best: bool | None = None,
    class_weight: Any = None,
    sample_weight: Any = None,
    shuffle: bool = True,
    standardize: bool = False,
    seed: int | np.random.Generator | None = None,
    callbacks: Any = (),
    verbose: int = 1,
    out: Any = None,
) -> History:
    """Train ``net`` on (X, y) by minibatch gradient descent; returns the :class:`History`.

    Each epoch reshuffles the training samples; each minibatch B gives E_B, the weighted mean of
    the per-sample loss over B (the weights renormalised within B), its gradient by the engine's
    reverse pass, and one optimizer step. Calling fit again continues from the current weights
    (a warm start), with a fresh optimizer unless you pass one.

    Args:
        net: a :class:`~chainrule.Sequential` or :class:`~chainrule.MLP`.
        X: (n_samples, n_features) numbers: an array, nested lists or a DataFrame.
        y: the targets. A classification network (one sigmoid output with binary
            cross-entropy, or softmax outputs with cross-entropy) takes any labels — strings,
            numbers, booleans: fit sorts them into ``net.classes`` (kept if already set) and
            ``net.predict`` returns them. Otherwise what ``net.error`` takes.
        epochs: passes over the training data, ≥ 1. Default 100.
        batch_size: samples per minibatch, ≥ 1 (None, or more than there are: full batch).
        optimizer: ``"sgd"``, ``"adam"`` (default), ``"adamw"``, ``"rmsprop"``, an optimizer
            class, or an :class:`~chainrule.optim.Optimizer` over ``net.parameters()`` (whose
            state then carries on across calls; give it its settings yourself).
        lr, weight_decay, clip_norm, momentum, nesterov: the optimizer's settings; None keeps
            its default (lr 1e-3, RMSprop 1e-2). Weight decay never decays the bias row;
            clip_norm clips the global gradient norm before each step; momentum is SGD's and
            RMSprop's, nesterov SGD's.
        optimizer_options: any other optimizer settings, e.g. ``{"betas": (0.9, 0.99)}``.
        schedule: ``"step"``, ``"exponential"``, ``"cosine"``, ``"plateau"`` or a
            :class:`~chainrule.schedules.Schedule` over the optimizer; it steps once per epoch,
            "plateau" on ``val_loss`` (``loss`` without validation). Default settings: step ×0.1
            every epochs // 3 epochs; exponential γ = 0.95; cosine over all epochs; plateau
            ×0.1 after 5 epochs without improvement. ``schedule_options`` overrides them.
        validation: None; a fraction in (0, 1) held out by ``seed`` (stratified by class for
            classification); or ``(X_val, y_val)`` / ``(X_val, y_val, sample_weight_val)``.
        early_stopping: stop once the monitored loss (``val_loss``, else ``loss``) has not
            improved by more than ``min_delta`` for ``patience`` epochs (default 10), and give
            the network the weights of its best epoch.
        restore_best: give back the best epoch's weights at the end: True, False, or None (the
            default): with early stopping, and after Ctrl-C when there is validation.
        class_weight: None, ``"balanced"`` (class c weighs n / (n_classes · n_c), counted on
            the training part) or a dict from labels as in y to weights (others weigh 1). It
            multiplies ``sample_weight``; the validation loss is weighted the same way.
        sample_weight: one number ≥ 0 per sample of X.
        shuffle: reshuffle the training samples every epoch. Default True.
        standardize: fit a :class:`~chainrule.data.Standardizer` on the training part (after
            the validation split) and set ``net.scaler``: the network learns from scaled inputs
            and predicts from raw ones. A network that has a scaler keeps it.
        seed: an int or a numpy Generator for the split and the shuffling: the same seed, data
            and starting weights give the same weights, bit for bit. None: fresh randomness.
        callbacks: :class:`~chainrule.callbacks.Callback` instances.
        verbose: 0 silent; 1 a progress bar on a terminal, else a line per epoch; 2 lines.
        out: a path to save the model to when training ends (all epochs, an early stop, or
            Ctrl-C) with :func:`chainrule.io.modelfile.save`.

    Returns:
        The :class:`History`, also set as ``net.history``.

    Raises:
        TrainingDivergedError: the loss or the weights became inf or NaN. The network keeps the
            weights it had at the start of that epoch; the message names the layer and the
            likely cause (the learning rate, unscaled inputs). Nothing is saved to ``out``.

    Ctrl-C stops cleanly after the current batch (that epoch is not recorded), restores the best
    weights as ``restore_best`` says, saves to ``out`` and returns with ``interrupted=True``; a
    second Ctrl-C aborts with KeyboardInterrupt.

    Example:
        >>> hist = net.fit(X, y, epochs=50, optimizer="adam", lr=1e-3, validation=0.2,
        ...                early_stopping=True, class_weight="balanced", seed=0)
    """
    epochs = _whole("epochs", epochs, 1)
    batch_size = 2**62 if batch_size is None else _whole("batch_size", batch_size, 1)
    patience = _whole("patience", patience, 1)
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise TrainingError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
    ok = isinstance(min_delta, int | float) and math.isfinite(min_delta) and min_delta >= 0
    if not ok:
        raise TrainingError(f"fit: min_delta must be a finite number ≥ 0, got {min_delta!r}")
    callbacks = [callbacks] if isinstance(callbacks, Callback) else list(callbacks or ())
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(
                f"fit: callbacks must be chainrule.training.callbacks.Callback instances, got a "
                f"{type(cb).__name__}; subclass Callback and override the hooks you need"
            )
    own = any(isinstance(cb, EarlyStopping) for cb in callbacks)
    if own and (early_stopping or restore_best is not None):
        raise TrainingError(
            "fit: an EarlyStopping callback was given; set its patience and restore_best there, "
            "not early_stopping= or restore_best= too"
        )
    if out is not None and not Path(out).parent.is_dir():
        raise TrainingError(
            f"fit: cannot save to {out}: the folder {Path(out).parent} does not exist"
        )
    settings = {"lr": lr, "weight_decay": weight_decay, "clip_norm": clip_norm}
    settings.update(momentum=momentum, nesterov=nesterov, **(optimizer_options or {}))
    opt = _make_optimizer(net, optimizer, schedule, settings)
    sched = _make_schedule(schedule, opt, dict(schedule_options or {}), epochs)
    rng = as_generator(seed)
    data = prepare(
        net,
        X,
        y,
        sample_weight=sample_weight,
        class_weight=class_weight,
        validation=validation,
        standardize=standardize,
        rng=rng,
        batch_size=batch_size,
    )
    progress = progress_callback(verbose)
    hooks = [] if progress is None else [progress]
    if not own and (early_stopping or restore_best or validation is not None):  # track the best
        keep = True if early_stopping and restore_best is None else restore_best
        patience_or_none = patience if early_stopping else None
        hooks.insert(0, EarlyStopping(patience_or_none, float(min_delta), restore_best=keep))
    trainer = Trainer(
        net,
        data,
        opt,
        sched,
        epochs=epochs,
        shuffle=bool(shuffle),
        rng=rng,
        callbacks=hooks + callbacks,
        progress=progress,
    )
    history = trainer.run()
    if out is not None:
        from chainrule.io.modelfile import save

        save(net, out)
    return history
