"""The training loop itself: :class:`Trainer` runs the epochs and minibatches :func:`fit` set up.

One epoch: shuffle (a numpy Generator), then for each minibatch B one step through
``net.train_step`` (E_B, ∇E_B by the engine's reverse pass, the optimizer's update), then the
epoch's loss and metric, the validation loss and metric (``net.output_and_loss``), the callbacks
and one learning-rate schedule step. Batches are gathered into buffers reused batch after batch
(:class:`~chainrule.training.prepare.TrainingData`), so the loop allocates almost nothing.

Divergence is checked cheaply: the loss E of every batch, and the weights after every epoch. A
non-finite gradient makes the weights non-finite, so it is caught at the next batch's loss, at
the latest at the end of the epoch; the network then gets back the weights it had at the start
of that epoch, and :class:`~chainrule.errors.TrainingDivergedError` names the layer and the likely
cause. Ctrl-C stops after the current batch; a second Ctrl-C aborts.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from typing import Any

import numpy as np

from chainrule.engine.modes import enable_grad, no_grad
from chainrule.errors import TrainingDivergedError
from chainrule.nn.protocol import Network
from chainrule.training.callbacks import Callback, History, overrides
from chainrule.training.optim import Optimizer
from chainrule.training.prepare import TrainingData
from chainrule.training.schedules import step_schedule

__all__ = ["Trainer"]

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
        net: Network,
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
        order = self.rng.permutation(n) if self.shuffle else None
        train_step, opt, outs = self.net.train_step, self.optimizer, d.out_buf
        hooks = self._hooks["on_batch_end"]
        total = seen = 0.0
        scored = None  # which samples the metric counts, when a batch was skipped
        for batch, s in enumerate(range(0, n, b), start=1):
            Xb, yb, ws = self._batch(order, s)
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
        # outs follow the shuffled order; so must the targets scored
        y = d.y if order is None else np.take(d.y, order, axis=0)
        if not all(np.isfinite(W).all() for W in self.weights):  # E can hide them (saturation)
            self._diverged(epoch, None, "after the epoch's updates", None)
        keep = slice(None) if scored is None else scored
        logs = {"loss": total / seen, d.metric: _score(d.kind, outs[keep], y[keep])}
        if d.X_val is not None:
            self._validate(epoch, logs)
        return logs

    def _batch(self, order: np.ndarray | None, s: int) -> tuple[Any, Any, Any]:
        """The minibatch starting at ``s``: (X_B, y_B, sample weights or None).

        In order, the batches are views (slices); shuffled, each is gathered by its indices into
        buffers reused batch after batch (the data is never copied whole).
        """
        d, b = self.data, self.data.batch_size
        if order is None:
            return d.X[s : s + b], d.y[s : s + b], None if d.w is None else d.w[s : s + b]
        idx = order[s : s + b]
        k = len(idx)
        Xb = np.take(d.X, idx, axis=0, out=d.X_buf[:k])
        yb = np.take(d.y, idx, axis=0, out=d.y_buf[:k])
        ws = None if d.w is None else np.take(d.w, idx, out=d.ws_buf[:k])
        return Xb, yb, ws

    def _validate(self, epoch: int, logs: dict[str, Any]) -> None:
        """The validation loss and metric into ``logs``, from one forward pass without a graph."""
        d = self.data
        with no_grad():
            z, E = self.net.output_and_loss(d.X_val, d.y_val, d.w_val)
        logs["val_loss"] = float(E.data)
        logs[f"val_{d.metric}"] = _score(d.kind, z.data, d.y_val)
        if not math.isfinite(logs["val_loss"]):
            self._diverged(epoch, None, f"the validation loss is {logs['val_loss']}", d.X_val)

    def _record(self, epoch: int, logs: dict[str, Any]) -> None:
        self.history.add_epoch(epoch, logs, self.data.metric)
        step_schedule(self.schedule, logs)

    def _diverged(self, epoch: int, batch: int | None, what: str, X: Any) -> None:
        """Give back the epoch's first weights; raise an error naming the layer and the cause."""
        note = nonfinite_weights(self.weights)
        if note:
            what += note
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
        where = f"epoch {epoch}" + (f", batch {batch} of {self.n_batches}" if batch else "")
        raise give_back(self.weights, self._epoch_start, self.history, epoch, where, what, causes)

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


def _forward_overflow(net: Network, X: np.ndarray) -> str:
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


def nonfinite_weights(weights: list[np.ndarray]) -> str:
    """A note naming the layers whose weights hold inf or NaN, and the gradient that went
    non-finite first (the backward pass reaches the last of them first); "" if none is."""
    bad = [k for k, W in enumerate(weights, start=1) if not np.isfinite(W).all()]
    if not bad:
        return ""
    names = " and ".join(f"W{k}" for k in bad)
    note = f": {names} hold{'s' if len(bad) == 1 else ''} inf or NaN. The gradient "
    note += f"∂E/∂W{bad[-1]} (or the step it gave) went non-finite first"
    if len(bad) > 1:
        note += f": the backward pass reaches W{bad[-1]} before the others"
    return note


def give_back(
    weights: list[np.ndarray], start: list[np.ndarray], history: History, epoch: int,
    where: str, what: str, causes: str,
) -> TrainingDivergedError:  # fmt: skip
    """Put the weights back to ``start`` (the epoch's first ones), mark the history diverged, and
    return the error to raise: where, what happened, the likely cause, what the network keeps."""
    for W, copy in zip(weights, start, strict=True):
        W[...] = copy
    history.diverged, history.stop_reason = True, "diverged"
    n = history.epochs_run
    return TrainingDivergedError(
        f"training diverged in {where}: {what}. Likely cause: {causes}. The network keeps the "
        f"weights it had at the start of epoch {epoch}, the last finite ones; its history has "
        f"the {n} finished epoch{'s' if n != 1 else ''}.",
        history,
    )
