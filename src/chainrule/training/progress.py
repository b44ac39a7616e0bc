"""Progress a person can watch while :func:`chainrule.fit` trains.

``fit(..., verbose=1)`` (the default) picks the display from where the output goes:

* a terminal (``sys.stdout.isatty()``): a ``rich`` progress bar with the epoch, the latest loss,
  validation loss and metrics, and the time left; it moves within an epoch as batches finish.
  rich is imported only then; without it (``pip install 'chainrule[cli]'``) fit prints lines.
* anything else (a file, a pipe, a notebook's captured output, CI logs): one line per epoch::

      epoch 3/50  loss 0.4123  val_loss 0.4410  accuracy 0.912  val_accuracy 0.900  1.2s

``verbose=2`` prints the lines even on a terminal; ``verbose=0`` prints nothing. Either display
ends with a line saying how training ended (all epochs, early stop, Ctrl-C) and which weights the
network keeps.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from chainrule.training.callbacks import Callback

__all__ = ["ProgressBar", "ProgressLines", "format_epoch", "format_summary", "progress_callback"]


def _number(value: float, digits: int) -> str:
    return f"{value:.{digits}f}" if math.isfinite(value) else str(value)


def _seconds(t: float) -> str:
    return f"{t:.1f}s" if t >= 0.1 else f"{t * 1000:.0f}ms"


def format_stats(logs: dict[str, Any], metric: str) -> str:
    """``loss 0.4123  val_loss 0.4410  accuracy 0.912  val_accuracy 0.900`` from epoch logs."""
    parts = [f"loss {_number(logs['loss'], 4)}"]
    if "val_loss" in logs:
        parts.append(f"val_loss {_number(logs['val_loss'], 4)}")
    for key in (metric, f"val_{metric}"):
        if key in logs:
            parts.append(f"{key} {_number(logs[key], 3)}")
    return "  ".join(parts)


def format_epoch(epoch: int, epochs: int, logs: dict[str, Any], metric: str) -> str:
    """One epoch as one line: ``epoch 3/50  loss 0.4123  …  accuracy 0.912  1.2s``."""
    return f"epoch {epoch}/{epochs}  {format_stats(logs, metric)}  {_seconds(logs['time'])}"


def format_summary(history: Any) -> str:
    """How training ended, in one line, from a :class:`~chainrule.train.History`."""
    h = history
    monitor = "val_loss" if h.val_loss else "loss"
    ran = f"{h.epochs_run} epoch{'s' if h.epochs_run != 1 else ''} in {_seconds(h.time)}"
    if h.stop_reason == "early_stopping":
        text = f"stopped early after {ran}: no {monitor} improvement for {h.patience} epochs"
    elif h.stop_reason == "interrupted":
        text = f"interrupted (Ctrl-C) after {ran}"
    elif h.stop_reason == "callback":
        text = f"stopped by a callback after {ran}"
    elif h.stop_reason == "diverged":
        text = f"diverged after {ran}"
    else:
        text = f"trained {ran}"
    if h.best_epoch is not None:
        best = getattr(h, monitor)[h.best_epoch - 1]
        text += f"; best {monitor} {_number(best, 4)} at epoch {h.best_epoch}"
        if h.restored_best:
            text += " (its weights restored)"
    return text


class ProgressLines(Callback):
    """One line per epoch and a closing summary, written to ``stream`` (default stdout)."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream

    def _write(self, text: str) -> None:
        stream = self.stream if self.stream is not None else sys.stdout
        print(text, file=stream, flush=True)

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self.epochs, self.metric = logs["epochs"], logs["metric"]

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self._write(format_epoch(epoch, self.epochs, logs, self.metric))

    def on_train_end(self, history: Any) -> None:
        self._write(format_summary(history))

    def note(self, text: str) -> None:
        """A message from the trainer (e.g. after Ctrl-C)."""
        self._write(text)


class ProgressBar(Callback):
    """A ``rich`` progress bar: epoch, latest losses and metrics, time left.

    Args:
        console: a ``rich.console.Console`` to draw on; default: a new one on stdout.
        refresh: the least seconds between updates within an epoch (default 0.1).
    """

    def __init__(self, console: Any = None, refresh: float = 0.1) -> None:
        self.console = console
        self.refresh = refresh
        self.progress: Any = None

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.epochs, self.metric = logs["epochs"], logs["metric"]
        self.n_batches = logs["n_batches"]
        self.progress = Progress(
            TextColumn("epoch {task.fields[epoch]}/{task.total:.0f}"),
            BarColumn(),
            TextColumn("{task.fields[stats]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=self.console if self.console is not None else Console(),
        )
        self.progress.start()
        self.task = self.progress.add_task("fit", total=self.epochs, epoch=1, stats="")
        self._last = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        self.epoch = epoch
        self.progress.update(self.task, epoch=epoch)

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        now = time.monotonic()
        if now - self._last >= self.refresh:
            self._last = now
            # n_batches is 0 when unknown (an iterable of batches): the bar moves per epoch
            done = self.epoch - 1 + (min(batch / self.n_batches, 1.0) if self.n_batches else 0.0)
            self.progress.update(self.task, completed=done)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        stats = format_stats(logs, self.metric)
        self.progress.update(self.task, completed=epoch, stats=stats)

    def on_train_end(self, history: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress.console.print(format_summary(history), highlight=False)

    def note(self, text: str) -> None:
        """A message from the trainer (e.g. after Ctrl-C), printed above the bar."""
        if self.progress is not None:
            self.progress.console.print(text, highlight=False)


def progress_callback(verbose: int, stream: Any = None) -> Callback | None:
    """The display for ``verbose``: None (0), a bar on a terminal or lines (1), lines (2)."""
    if verbose == 0:
        return None
    out = stream if stream is not None else sys.stdout
    if verbose == 1 and getattr(out, "isatty", lambda: False)():
        try:
            import rich.progress  # noqa: F401
        except ImportError:
            pass
        else:
            return ProgressBar()
    return ProgressLines(stream)
