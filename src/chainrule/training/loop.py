"""Training: :func:`fit`, minibatch gradient descent on a network, with everything around it.

:func:`fit` runs epochs of minibatches. For each minibatch B it computes the error E_B (the
weighted mean loss over B, see :mod:`chainrule.nn.losses`), its gradient ∇E_B by the engine's
reverse pass (``E.backward()``: the one backpropagation all of chainrule uses), and one optimizer
step (:mod:`chainrule.training.optim`)::

    for epoch in 1 … epochs:
        shuffle the training samples (a numpy Generator made from ``seed``)
        for each minibatch B:   W ← optimizer(W, ∇E_B)          (every layer W1, W2, …)
        validation loss and metrics; early stopping; one learning-rate schedule step

This module checks fit's arguments and builds what a run needs: the optimizer, the schedule, the
callbacks, and the data (:mod:`~chainrule.training.prepare`: labels of any kind in and out
(``net.classes``), standardised inputs (``net.scaler``), class and sample weights, a validation
split). The :class:`~chainrule.training.trainer.Trainer` then runs the loop: early stopping that
restores the best weights, callbacks (:mod:`~chainrule.training.callbacks`), a progress display
(:mod:`~chainrule.training.progress`), a clean stop on Ctrl-C, and a clear error when training
diverges. fit saves nothing; the model classes (:mod:`chainrule.models`) save after it.

Example:
    >>> net = cr.MLP([30, 16, 1], hidden="relu", seed=0)
    >>> hist = cr.fit(net, X, y, epochs=50, optimizer="adam", lr=1e-3, validation=0.2,
    ...               early_stopping=True, standardize=True, seed=0)
    >>> hist.loss[-1], hist.val_loss[-1], hist.metrics["val_accuracy"][-1]
"""

from __future__ import annotations

import inspect
import math
import os
from typing import Any

import numpy as np

from chainrule.errors import TrainingDivergedError, TrainingError
from chainrule.nn.initializers import as_generator
from chainrule.nn.protocol import Network
from chainrule.training.callbacks import Callback, EarlyStopping, History
from chainrule.training.optim import OPTIMIZERS, Optimizer, get_optimizer
from chainrule.training.prepare import prepare
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
from chainrule.training.stream_run import run_batches, setup_distributed
from chainrule.training.trainer import Trainer

__all__ = ["History", "Trainer", "TrainingDivergedError", "TrainingError", "fit"]


# -- the checks -----------------------------------------------------------------------------------
def _whole(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise TrainingError(f"fit: {name} must be a whole number ≥ {low}, got {value!r}")
    return int(value)


def _check_settings(verbose: Any, min_delta: Any) -> None:
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise TrainingError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
    ok = isinstance(min_delta, int | float) and math.isfinite(min_delta) and min_delta >= 0
    if not ok:
        raise TrainingError(f"fit: min_delta must be a finite number ≥ 0, got {min_delta!r}")


def _check_callbacks(callbacks: Any, early_stopping: bool, restore_best: Any) -> list[Callback]:
    """The user's callbacks as a list, checked; an own EarlyStopping excludes fit's settings."""
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
    return callbacks


# -- what a run needs -----------------------------------------------------------------------------
#: a named schedule's settings unless ``schedule_options`` says otherwise
_SCHEDULE_DEFAULTS = {
    StepLR: lambda epochs: {"step_size": max(1, epochs // 3), "gamma": 0.1},
    ExponentialLR: lambda epochs: {"gamma": 0.95},
    CosineAnnealingLR: lambda epochs: {"T_max": epochs},
    ReduceLROnPlateau: lambda epochs: {"factor": 0.1, "patience": 5},
}


def _make_optimizer(
    net: Network, optimizer: Any, schedule: Any, settings: dict[str, Any]
) -> Optimizer:
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


def _make_callbacks(
    user: list[Callback],
    progress: Callback | None,
    *,
    early_stopping: bool,
    patience: int,
    min_delta: float,
    restore_best: bool | None,
    tracked: bool,
) -> list[Callback]:
    """fit's own callbacks (best-weights tracking, progress) first, then the user's."""
    hooks = [] if progress is None else [progress]
    own = any(isinstance(cb, EarlyStopping) for cb in user)
    if not own and (early_stopping or restore_best or tracked):  # track the best epoch
        keep = True if early_stopping and restore_best is None else restore_best
        patience_or_none = patience if early_stopping else None
        hooks.insert(0, EarlyStopping(patience_or_none, float(min_delta), restore_best=keep))
    return hooks + user


# -- fit ------------------------------------------------------------------------------------------
def fit(
    net: Network,
    X: Any,
    y: Any = None,
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
    distributed: Any = None,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
    resume: bool = False,
) -> History:
    """Train ``net`` on (X, y) by minibatch gradient descent; returns the :class:`History`.

    Each epoch reshuffles the training samples; each minibatch B gives E_B, the weighted mean of
    the per-sample loss over B (the weights renormalised within B), its gradient by the engine's
    reverse pass, and one optimizer step. Calling fit again continues from the current weights
    (a warm start), with a fresh optimizer unless you pass one.

    Args:
        net: a :class:`~chainrule.Sequential` or :class:`~chainrule.MLP`.
        X: (n_samples, n_features) numbers: an array, nested lists or a DataFrame; or, with
            y None, a :class:`~chainrule.data.Stream` (a table read in chunks; its own batch
            size and shuffling are used, and its preprocessing and classes are given to the
            network) or an iterable of (X_B, y_B) / (X_B, y_B, s_B) batches (y_B as the
            network's loss takes it; a list, or a function returning a fresh iterator).
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
        distributed: True, or a :class:`~chainrule.distributed.Distributed` from
            ``cr.distributed.init()``: data-parallel over the MPI ranks (run under ``mpiexec``;
            an int ``seed`` is needed). Every rank takes its slice of each global batch, the
            gradients are summed by one allreduce per step, and only rank 0 prints.
        checkpoint, checkpoint_every: write the checkpoint file ``checkpoint`` every
            ``checkpoint_every`` optimizer steps (rank 0; atomically).
        resume: continue from ``checkpoint`` when it exists, to the weights an uninterrupted
            run would end with, bit for bit (same data, seed, settings and number of ranks).

    With a stream, an iterable of batches, ``distributed`` or ``checkpoint``, the epochs run in
    :class:`~chainrule.training.stream_trainer.BatchTrainer`, whose batch order is drawn from
    (seed, epoch) for each epoch (so the weights differ from the in-memory loop's in the bits,
    not in quality); ``validation`` is then a fraction or a tuple for arrays, and a tuple of
    arrays already preprocessed (or None) for a stream.

    Returns:
        The :class:`History`, also set as ``net.history``.

    Raises:
        TrainingDivergedError: the loss or the weights became inf or NaN. The network keeps the
            weights it had at the start of that epoch; the message names the layer and the
            likely cause (the learning rate, unscaled inputs).

    Ctrl-C stops cleanly after the current batch (that epoch is not recorded), restores the best
    weights as ``restore_best`` says and returns with ``interrupted=True``; a second Ctrl-C aborts
    with KeyboardInterrupt.

    fit only trains: it saves nothing. ``net.fit(..., out=path)`` on the model classes
    (:mod:`chainrule.models`) calls it and then saves the model (also after an early stop or
    Ctrl-C, not after divergence).

    Example:
        >>> hist = net.fit(X, y, epochs=50, optimizer="adam", lr=1e-3, validation=0.2,
        ...                early_stopping=True, class_weight="balanced", seed=0)
    """
    epochs = _whole("epochs", epochs, 1)
    batch_size = 2**62 if batch_size is None else _whole("batch_size", batch_size, 1)
    patience = _whole("patience", patience, 1)
    _check_settings(verbose, min_delta)
    batched = y is None or distributed not in (None, False) or checkpoint is not None
    dist = setup_distributed(distributed, seed) if batched else None
    if checkpoint_every is not None:
        checkpoint_every = _whole("checkpoint_every", checkpoint_every, 1)
        if checkpoint is None:
            raise TrainingError("fit: checkpoint_every needs checkpoint=<file>")
    if resume and checkpoint is None:
        raise TrainingError("fit: resume=True continues from checkpoint=<file>; give the file")
    if dist is not None and not dist.is_root:
        verbose = 0  # only rank 0 prints
    user = _check_callbacks(callbacks, early_stopping, restore_best)
    settings = {"lr": lr, "weight_decay": weight_decay, "clip_norm": clip_norm}
    settings.update(momentum=momentum, nesterov=nesterov, **(optimizer_options or {}))
    opt = _make_optimizer(net, optimizer, schedule, settings)
    sched = _make_schedule(schedule, opt, dict(schedule_options or {}), epochs)
    rng = as_generator(seed)
    if batched:
        hooks = _make_callbacks(
            user, progress_callback(verbose), early_stopping=early_stopping, patience=patience,
            min_delta=min_delta, restore_best=restore_best, tracked=validation is not None,
        )  # fmt: skip
        weights = {"sample_weight": sample_weight, "class_weight": class_weight}
        return run_batches(
            net, X, y, opt, sched, epochs=epochs, batch_size=batch_size, shuffle=bool(shuffle),
            seed=seed, rng=rng, validation=validation, standardize=standardize, weights=weights,
            callbacks=hooks, dist=dist, checkpoint=checkpoint, every=checkpoint_every,
            resume=bool(resume),
        )  # fmt: skip
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
    hooks = _make_callbacks(
        user,
        progress,
        early_stopping=early_stopping,
        patience=patience,
        min_delta=min_delta,
        restore_best=restore_best,
        tracked=validation is not None,
    )
    trainer = Trainer(
        net, data, opt, sched, epochs=epochs, shuffle=bool(shuffle), rng=rng, callbacks=hooks,
        progress=progress,
    )  # fmt: skip
    return trainer.run()
