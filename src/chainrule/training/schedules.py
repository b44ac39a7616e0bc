"""Learning-rate schedules: set an optimizer's ``lr`` once per epoch, as torch.optim.lr_scheduler.

Call ``schedule.step()`` once at the end of every epoch (``schedule.step(val_loss)`` for
:class:`ReduceLROnPlateau`); it sets ``optimizer.lr``. Like PyTorch's, the epoch-based schedules are
*chainable*: each step scales the optimizer's current ``lr``, so a change made by hand in between
carries forward. With base rate η₀ = the optimizer's ``lr`` when the schedule is made and e the
number of ``step()`` calls so far, the rates follow:

* :class:`StepLR`: ``η = η₀ · γ^⌊e / step_size⌋``
* :class:`ExponentialLR`: ``η = η₀ · γ^e``
* :class:`CosineAnnealingLR`: ``η = η_min + (η₀ − η_min)(1 + cos(π e / T_max)) / 2``
* :class:`ReduceLROnPlateau`: ``η ← max(η · factor, min_lr)`` after ``patience`` epochs without
  improvement of the monitored metric.

Example:
    >>> opt = cr.optim.SGD(net.parameters(), lr=0.1)
    >>> schedule = cr.schedules.CosineAnnealingLR(opt, T_max=100)
    >>> for epoch in range(100):
    ...     train_one_epoch(net, opt)
    ...     schedule.step()
"""

from __future__ import annotations

import math
from typing import Any

from chainrule.errors import OptimizerError, OptimizerTypeError
from chainrule.training.optim.base import Optimizer, check_int, check_real, non_negative, positive

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "ReduceLROnPlateau",
    "Schedule",
    "StepLR",
    "get_schedule",
    "step_schedule",
]


class Schedule:
    """The base of every schedule: the optimizer, the base rate and the epoch count.

    Attributes:
        optimizer: the :class:`~chainrule.optim.Optimizer` whose ``lr`` is set.
        base_lr: the optimizer's ``lr`` when the schedule was made (η₀).
        last_epoch: how many times ``step()`` has been called.
    """

    _state: tuple[str, ...] = ("base_lr", "last_epoch")

    def __init__(self, optimizer: Any) -> None:
        if not isinstance(optimizer, Optimizer):
            raise OptimizerTypeError(
                f"{type(self).__name__}: expected a chainrule optimizer (e.g. "
                f"cr.optim.SGD(params, lr=0.1)), got a {type(optimizer).__name__}."
            )
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0

    @property
    def lr(self) -> float:
        """The optimizer's current learning rate."""
        return self.optimizer.lr

    def step(self, metric: Any = None) -> None:
        """End of an epoch: advance the schedule and set ``optimizer.lr``."""
        self.last_epoch += 1
        self.optimizer.lr = self._next_lr(self.optimizer.lr)

    def _next_lr(self, lr: float) -> float:
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The schedule's progress as a flat dict of numbers (the settings come from __init__)."""
        return {"schedule": type(self).__name__, **{k: getattr(self, k) for k in self._state}}

    def load_state_dict(self, state: Any) -> None:
        """Restore what :meth:`state_dict` saved."""
        owner = f"{type(self).__name__}.load_state_dict"
        saved = state.get("schedule")
        if saved is not None and str(saved) != type(self).__name__:
            raise OptimizerError(
                f"{owner}: the state was saved by {saved}, not {type(self).__name__}; load it into "
                f"{saved}(optimizer, ...) instead."
            )
        missing = [k for k in self._state if k not in state]
        if missing:
            raise OptimizerError(f"{owner}: the state lacks {', '.join(missing)}.")
        values = {}
        for k in self._state:
            v = state[k]
            v = v.item() if hasattr(v, "item") else v
            values[k] = int(v) if k in ("last_epoch", "num_bad_epochs", "cooldown_counter") else v
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(lr={self.lr!r}, last_epoch={self.last_epoch})"


class StepLR(Schedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs: η = η₀·γ^⌊e/step_size⌋.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        step_size: the number of epochs between decays, a whole number ≥ 1.
        gamma: the factor, a positive finite number. Default 0.1.

    Example:
        >>> schedule = cr.schedules.StepLR(opt, step_size=30, gamma=0.1)   # 0.1, then 0.01 at 30
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        o = type(self).__name__
        self.step_size = check_int(o, "step_size", step_size, 1, "a whole number of epochs ≥ 1")
        self.gamma = check_real(o, "gamma", gamma, positive, "a positive finite number")

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma if self.last_epoch % self.step_size == 0 else lr


class ExponentialLR(Schedule):
    """Multiply the learning rate by ``gamma`` every epoch: η = η₀·γ^e.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        gamma: the factor per epoch, a positive finite number (e.g. 0.95).

    Example:
        >>> schedule = cr.schedules.ExponentialLR(opt, gamma=0.95)
    """

    def __init__(self, optimizer: Any, gamma: float) -> None:
        super().__init__(optimizer)
        self.gamma = check_real(
            type(self).__name__, "gamma", gamma, positive, "a positive finite number"
        )

    def _next_lr(self, lr: float) -> float:
        return lr * self.gamma


class CosineAnnealingLR(Schedule):
    """Anneal the learning rate from η₀ to ``eta_min`` along half a cosine over ``T_max`` epochs.

        η_e = η_min + (η₀ − η_min)·(1 + cos(π·e/T_max))/2

    reached, as in PyTorch, by scaling the current rate each epoch:
    ``η_e = η_min + (η_{e−1} − η_min)·(1 + cos(π e/T_max))/(1 + cos(π (e−1)/T_max))``. After
    ``T_max`` epochs the rate climbs back the same way (period 2·T_max), as PyTorch's does.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        T_max: the number of epochs from η₀ down to η_min, a whole number ≥ 1.
        eta_min: the final rate, a finite number ≥ 0. Default 0.

    Example:
        >>> schedule = cr.schedules.CosineAnnealingLR(opt, T_max=100)
    """

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0) -> None:
        super().__init__(optimizer)
        o = type(self).__name__
        self.T_max = check_int(o, "T_max", T_max, 1, "a whole number of epochs ≥ 1")
        self.eta_min = check_real(o, "eta_min", eta_min, non_negative, "a finite number ≥ 0")

    def _next_lr(self, lr: float) -> float:
        e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (e - 1 - T) % (2 * T) == 0:  # restarting from η_min, where the ratio below is 0/0
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
        ratio = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T))
        return ratio * (lr - eta_min) + eta_min


class ReduceLROnPlateau(Schedule):
    """Multiply the learning rate by ``factor`` when a metric has stopped improving.

    Each ``step(metric)`` compares the metric with the best so far. It improves when (mode "min")
    ``metric < best·(1 − threshold)`` (``threshold_mode="rel"``) or ``metric < best − threshold``
    ("abs"); "max" mirrors these. After more than ``patience`` epochs in a row without improvement,
    ``lr ← max(lr·factor, min_lr)`` (skipped when that changes lr by less than ``eps``), then
    ``cooldown`` epochs pass before bad epochs count again. As ``torch.optim.lr_scheduler``.

    Args:
        optimizer: the optimizer whose ``lr`` to set.
        mode: "min" (a loss) or "max" (an accuracy). Default "min".
        factor: the multiplier, in (0, 1). Default 0.1.
        patience: bad epochs tolerated before reducing, a whole number ≥ 0. Default 10.
        threshold: the least change that counts as improvement, ≥ 0. Default 1e-4.
        min_lr: the floor of the learning rate, ≥ 0. Default 0.
        cooldown: epochs to wait after a reduction, a whole number ≥ 0. Default 0.
        threshold_mode: "rel" or "abs". Default "rel".
        eps: the smallest change of lr worth making. Default 1e-8.

    Example:
        >>> schedule = cr.schedules.ReduceLROnPlateau(opt, patience=5)
        >>> schedule.step(val_loss)          # once per epoch
    """

    _state = ("base_lr", "last_epoch", "best", "num_bad_epochs", "cooldown_counter")

    def __init__(
        self,
        optimizer: Any,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        min_lr: float = 0.0,
        cooldown: int = 0,
        threshold_mode: str = "rel",
        eps: float = 1e-8,
    ) -> None:
        super().__init__(optimizer)
        o = type(self).__name__
        if mode not in ("min", "max"):
            raise OptimizerError(
                f"{o}: mode={mode!r}; use 'min' for a loss or 'max' for an accuracy."
            )
        if threshold_mode not in ("rel", "abs"):
            raise OptimizerError(f"{o}: threshold_mode={threshold_mode!r}; use 'rel' or 'abs'.")
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = check_real(o, "factor", factor, lambda v: 0 < v < 1, "in (0, 1), e.g. 0.1")
        self.patience = check_int(o, "patience", patience, 0, "a whole number of epochs ≥ 0")
        self.threshold = check_real(o, "threshold", threshold, non_negative, "a number ≥ 0")
        self.min_lr = check_real(o, "min_lr", min_lr, non_negative, "a finite number ≥ 0")
        self.cooldown = check_int(o, "cooldown", cooldown, 0, "a whole number of epochs ≥ 0")
        self.eps = check_real(o, "eps", eps, non_negative, "a finite number ≥ 0")
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def is_better(self, metric: float, best: float) -> bool:
        """Whether ``metric`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return metric < best * (1.0 - self.threshold)
            return metric < best - self.threshold
        if self.threshold_mode == "rel":
            return metric > best * (self.threshold + 1.0)
        return metric > best + self.threshold

    def step(self, metric: Any = None) -> None:
        """End of an epoch: record ``metric`` (e.g. the validation loss) and maybe reduce lr."""
        o = type(self).__name__
        if metric is None:
            raise OptimizerError(
                f"{o}.step needs the monitored value, e.g. schedule.step(val_loss)."
            )
        try:
            current = float(metric)
        except (TypeError, ValueError):
            raise OptimizerTypeError(
                f"{o}.step: metric={metric!r} is not a number; pass the epoch's loss or score."
            ) from None
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            old = self.optimizer.lr
            new = max(old * self.factor, self.min_lr)
            if old - new > self.eps:
                self.optimizer.lr = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0


#: name → schedule class, for :func:`get_schedule`
SCHEDULES: dict[str, type[Schedule]] = {
    "step": StepLR,
    "exponential": ExponentialLR,
    "cosine": CosineAnnealingLR,
    "plateau": ReduceLROnPlateau,
}


def step_schedule(schedule: Schedule | None, logs: dict[str, Any]) -> None:
    """One end-of-epoch step of ``schedule`` (None: nothing): ``ReduceLROnPlateau`` on the
    epoch's ``val_loss`` (its ``loss`` without validation), any other schedule unconditionally."""
    if isinstance(schedule, ReduceLROnPlateau):
        schedule.step(logs.get("val_loss", logs["loss"]))
    elif schedule is not None:
        schedule.step()


def get_schedule(name_or_instance: Any, optimizer: Any, **kwargs: Any) -> Schedule:
    """A schedule from its name (``"step"``, ``"exponential"``, ``"cosine"``, ``"plateau"``).

    Names are case-insensitive; the class names (``"StepLR"``, ...) work too. ``kwargs`` go to the
    schedule. A :class:`Schedule` instance is returned as it is, after checking that it drives
    ``optimizer`` (then ``kwargs`` must be empty).

    Example:
        >>> schedule = cr.schedules.get_schedule("cosine", opt, T_max=50)
    """
    if isinstance(name_or_instance, Schedule):
        schedule = name_or_instance
        if kwargs:
            raise OptimizerError(
                f"get_schedule: got an already made {type(schedule).__name__} and settings "
                f"{sorted(kwargs)}; give the settings when making it, or pass its name instead."
            )
        if schedule.optimizer is not optimizer:
            raise OptimizerError(
                f"get_schedule: the {type(schedule).__name__} given drives another optimizer; "
                "make it over this one (or pass its name)."
            )
        return schedule
    if isinstance(name_or_instance, type) and issubclass(name_or_instance, Schedule):
        return name_or_instance(optimizer, **kwargs)
    if not isinstance(name_or_instance, str):
        raise OptimizerTypeError(
            f"get_schedule: expected a schedule name or instance, got "
            f"{type(name_or_instance).__name__}; use one of {', '.join(SCHEDULES)}."
        )
    key = name_or_instance.strip().lower()
    by_class = {cls.__name__.lower(): cls for cls in SCHEDULES.values()}
    cls = SCHEDULES.get(key) or by_class.get(key)
    if cls is None:
        raise OptimizerError(
            f"get_schedule: unknown schedule {name_or_instance!r}; choose one of "
            f"{', '.join(SCHEDULES)}."
        )
    return cls(optimizer, **kwargs)
