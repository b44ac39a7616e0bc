"""scikit-learn's stopping rule for its MLP, as a chainrule callback: :class:`NoImprovement`.

scikit-learn's ``BaseMultilayerPerceptron._update_no_improvement_count`` runs after each epoch::

    if value is no better than best by more than tol:   no_improvement_count += 1
    else:                                               no_improvement_count = 0
    if value is better than best at all:                best = value (and, with early stopping,
                                                        these weights are kept as the best)
    stop once no_improvement_count > n_iter_no_change

where the value is the training loss (lower is better, ``best`` starts at +∞) or, with
``early_stopping``, the validation score (higher is better, ``best`` starts at −∞). So a run
stops after ``n_iter_no_change + 1`` epochs in a row without an improvement of more than ``tol``,
and ``best`` follows every improvement, however small. The count and ``best`` carry over to the
next ``fit`` with ``warm_start`` and across ``partial_fit`` calls, as scikit-learn's do.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.training.callbacks import EarlyStopping

__all__ = ["NoImprovement"]


class NoImprovement(EarlyStopping):
    """Stop as scikit-learn's MLP stops; restore the best epoch's weights when ``restore``.

    Args:
        n_iter_no_change: stop once more than this many epochs in a row brought no improvement
            of more than ``tol``.
        tol: the least improvement that resets the count.
        monitor: ``"loss"`` (minimised) or a validation score such as ``"val_accuracy"``
            (maximised).
        restore: give the network the weights of the best epoch of this run at the end.
        count, best: the state carried over from earlier calls (0 and None at the start).

    After training, ``count`` and ``best`` hold the state to carry over (``best`` in the
    monitored value's own sign).
    """

    def __init__(
        self,
        n_iter_no_change: int,
        tol: float,
        monitor: str,
        restore: bool,
        count: int = 0,
        best: float | None = None,
    ) -> None:
        mode = "min" if monitor == "loss" else "max"
        super().__init__(n_iter_no_change, tol, restore_best=restore, monitor=monitor, mode=mode)
        self.count = count
        self.carried = best

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        super().on_train_begin(logs)
        # in "lower is better" terms, as EarlyStopping keeps it: sign · value
        self.best = math.inf if self.carried is None else self.sign * self.carried

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> bool | None:
        value = self.sign * logs[self.key]
        if value > self.best - self.min_delta:  # as scikit-learn: NaN compares False
            self.count += 1
        else:
            self.count = 0
        if value < self.best:
            self.best, self.best_epoch = value, epoch
            self.trainer.history.best_epoch = epoch
            for W, saved in zip(self.weights, self.saved, strict=True):
                np.copyto(saved, W)
        if self.count > self.patience:
            history = self.trainer.history
            history.stopped_early, history.stop_reason = True, "early_stopping"
            return True
        return None

    @property
    def best_value(self) -> float | None:
        """The best monitored value so far, in its own sign (None before any epoch)."""
        return None if math.isinf(self.best) else self.sign * self.best
