"""Callbacks: code run by :func:`chainrule.fit` at fixed points of training, and its record.

Subclass :class:`Callback` and override the hooks you need; pass instances as
``fit(..., callbacks=[...])``. The hooks are called in this order::

    on_train_begin(logs)
    for each epoch e = 1, 2, …:
        on_epoch_begin(e, logs)
        for each minibatch b = 1, 2, …:  (forward, backward, optimizer step)
            on_batch_end(b, logs)
        on_epoch_end(e, logs)          → return True to stop after this epoch
    on_train_end(history)

Epochs and batches are numbered from 1, as they are printed. Before ``on_train_begin`` fit sets
``callback.trainer`` to the running :class:`~chainrule.training.Trainer`: the network
(``trainer.net``), the optimizer (``trainer.optimizer``, e.g. its ``lr``), the :class:`History`
so far (``trainer.history``) and ``trainer.stop``: set it to True in any hook to stop after the
current batch (from ``on_batch_end``) or epoch. fit calls only the hooks a callback overrides, so
a callback without ``on_batch_end`` costs nothing per batch.

Example — stop once the validation accuracy reaches 0.99, printing the learning rate::

    class GoodEnough(cr.Callback):
        def on_epoch_end(self, epoch, logs):
            print(f"epoch {epoch}: lr {logs['lr']:.3g}")
            return logs.get("val_accuracy", 0.0) >= 0.99

    net.fit(X, y, validation=0.2, callbacks=[GoodEnough()])

What the ``logs`` hold:

* ``on_train_begin``: ``epochs``, ``batch_size``, ``n_batches``, ``n_train``, ``n_val`` (0
  without validation) and ``metric`` (``"accuracy"`` or ``"r2"``).
* ``on_epoch_begin``: ``lr``, the learning rate this epoch uses.
* ``on_batch_end``: ``loss`` (this batch's E, before its update), ``size`` (its samples) and
  ``epoch``.
* ``on_epoch_end``: ``loss``, the metric, and with validation ``val_loss`` and ``val_`` metric;
  ``lr`` and ``time`` (the epoch's seconds).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # the Trainer calls the callbacks; this module cannot import it at run time
    from chainrule.training.trainer import Trainer

__all__ = ["Callback", "EarlyStopping", "History"]


class Callback:
    """The base class of a callback: every hook does nothing; override the ones you need.

    Attributes:
        trainer: the running :class:`~chainrule.training.Trainer`, set by ``fit`` before
            ``on_train_begin`` (``None`` until then).
    """

    trainer: Trainer | None = None

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Before the first epoch; ``logs`` describes the run (sizes, epochs, metric)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        """Before epoch ``epoch`` (1-based); ``logs["lr"]`` is the rate it will use."""

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        """After minibatch ``batch`` (1-based) of the epoch was used for an update."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool | None:
        """After epoch ``epoch`` (1-based): its losses and metrics. Return True to stop."""
        return None

    def on_train_end(self, history: History) -> None:
        """After training (also after a stop, Ctrl-C or divergence), with the final History."""


def overrides(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` overrides ``hook`` (fit skips the hooks nobody overrides)."""
    return getattr(type(callback), hook, None) is not getattr(Callback, hook)


@dataclass
class History:
    """What :func:`~chainrule.fit` recorded, one entry per finished epoch (also ``net.history``).

    Attributes:
        loss: each epoch's training loss: the weighted mean of its minibatches' E, each measured
            before that batch's update (as Keras reports it; no extra pass over the data).
        val_loss: the validation loss after each epoch (empty without validation).
        metrics: ``{"accuracy": [...], "val_accuracy": [...]}`` for classification (a
            multi-label sample counts as right when all its labels are), ``{"r2": [...],
            "val_r2": [...]}`` for regression (R², averaged over the outputs). Training metrics
            come from each batch's output as it was trained; metrics are not weighted.
        lr: the learning rate each epoch used.
        epochs_run: the number of finished epochs.
        best_epoch: the epoch (1-based) with the best monitored loss (``val_loss`` with
            validation, else ``loss``), when it was tracked (validation or early stopping).
        restored_best: whether the network holds ``best_epoch``'s weights, restored at the end.
        stopped_early, interrupted, diverged: how it ended, also in ``stop_reason``:
            ``"completed"``, ``"early_stopping"``, ``"callback"``, ``"interrupted"`` (Ctrl-C) or
            ``"diverged"``.
        patience: early stopping's patience (None without early stopping).
        time: seconds spent in fit.
    """

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    lr: list[float] = field(default_factory=list)
    epochs_run: int = 0
    best_epoch: int | None = None
    restored_best: bool = False
    stopped_early: bool = False
    interrupted: bool = False
    diverged: bool = False
    stop_reason: str = "completed"
    patience: int | None = None
    time: float = 0.0

    def add_epoch(self, epoch: int, logs: dict[str, Any], metric: str) -> None:
        """Record a finished epoch's ``logs`` (loss, lr, val_loss and ``metric``/``val_<metric>``
        where present); ``epoch`` is 1-based."""
        self.loss.append(logs["loss"])
        self.lr.append(logs["lr"])
        if "val_loss" in logs:
            self.val_loss.append(logs["val_loss"])
        for key in (metric, f"val_{metric}"):
            if key in logs:
                self.metrics.setdefault(key, []).append(logs[key])
        self.epochs_run = epoch

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data (NaN and inf become None), as model files store it."""
        return _finite(asdict(self))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        """The inverse of :meth:`to_dict` (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class EarlyStopping(Callback):
    """Remember the best epoch's weights; stop when the monitored value stops improving.

    An epoch improves when its value beats the best so far by more than ``min_delta`` (lower for
    ``mode="min"``, higher for ``"max"``). After ``patience`` epochs in a row without
    improvement, training stops. At the end the best weights are copied back into the live
    arrays (``W[...] = best``) as ``restore_best`` says. ``fit(early_stopping=True, patience=…,
    min_delta=…)`` adds one for you; with validation but no early stopping, fit adds one with
    ``patience=None`` (never stops) so that Ctrl-C can give the best weights back.

    Args:
        patience: epochs without improvement before stopping, ≥ 1; None: never stop.
        min_delta: the least change that counts as an improvement, ≥ 0.
        restore_best: True: always restore; False: never; None: only after Ctrl-C.
        monitor: a key of the epoch logs; default ``"val_loss"`` with validation, else
            ``"loss"``.
        mode: ``"min"`` for a loss, ``"max"`` for an accuracy or R².

    Example:
        >>> net.fit(X, y, validation=0.2, callbacks=[cr.callbacks.EarlyStopping(
        ...     patience=5, monitor="val_accuracy", mode="max")])
    """

    def __init__(
        self,
        patience: int | None = 10,
        min_delta: float = 0.0,
        restore_best: bool | None = True,
        monitor: str | None = None,
        mode: str = "min",
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(
                f"EarlyStopping: mode={mode!r}; use 'min' for a loss, 'max' for a score"
            )
        self.patience, self.min_delta, self.restore_best = patience, min_delta, restore_best
        self.monitor, self.mode = monitor, mode
        self.best_epoch: int | None = None

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self.key = self.monitor or ("val_loss" if logs["n_val"] else "loss")
        self.sign = 1.0 if self.mode == "min" else -1.0
        self.best, self.best_epoch = math.inf, None
        self.weights = self.trainer.net.weights
        self.saved = [np.empty_like(W) for W in self.weights]
        if self.patience is not None:
            self.trainer.history.patience = self.patience

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool | None:
        if self.key not in logs:
            raise KeyError(
                f"EarlyStopping: no {self.key!r} in the epoch logs; monitor one of {sorted(logs)}"
            )
        value = self.sign * logs[self.key]
        history = self.trainer.history
        if value < self.best - self.min_delta or self.best_epoch is None:
            self.best, self.best_epoch = value, epoch
            history.best_epoch = epoch
            for W, saved in zip(self.weights, self.saved, strict=True):
                np.copyto(saved, W)
        elif self.patience is not None and epoch - self.best_epoch >= self.patience:
            history.stopped_early, history.stop_reason = True, "early_stopping"
            return True
        return None

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps: the best value and epoch, and the best weights (``saved.k``)."""
        state: dict[str, Any] = {"best": self.best, "best_epoch": self.best_epoch}
        state.update({f"saved.{k}": W.copy() for k, W in enumerate(self.saved)})
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict` (after ``on_train_begin``)."""
        self.best, self.best_epoch = float(state["best"]), state["best_epoch"]
        for k, W in enumerate(self.saved):
            W[...] = state[f"saved.{k}"]

    def on_train_end(self, history: History) -> None:
        restore = history.interrupted if self.restore_best is None else self.restore_best
        if restore and self.best_epoch is not None and not history.diverged:
            for W, saved in zip(self.weights, self.saved, strict=True):
                W[...] = saved
            history.restored_best = True
