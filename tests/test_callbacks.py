"""fit's hooks and what a person sees: callbacks and their order, stopping from a callback, the
progress lines and bar, Ctrl-C (a real SIGINT, sent from a callback), and divergence planted by a
callback (a NaN or inf written into a layer's weights).
"""

import io
import os
import re
import signal
import sys
import threading

import numpy as np
import pytest

import chainrule as cr
from chainrule.data.datasets import make_moons
from chainrule.io.modelfile import load
from chainrule.training.callbacks import Callback, EarlyStopping, History
from chainrule.training.loop import TrainingDivergedError, TrainingError
from chainrule.training.progress import (
    ProgressBar,
    ProgressLines,
    format_epoch,
    format_summary,
    progress_callback,
)

X, Y = make_moons(120, noise=0.1, seed=0)


def mlp(hidden="tanh"):
    return cr.MLP([2, 6, 1], hidden=hidden, seed=0)


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class Recorder(Callback):
    def __init__(self):
        self.calls = []
        self.epoch_weights = {}

    def on_train_begin(self, logs):
        self.calls.append(("train_begin", logs["n_batches"]))

    def on_epoch_begin(self, epoch, logs):
        self.calls.append(("epoch_begin", epoch, logs["lr"]))

    def on_batch_end(self, batch, logs):
        self.calls.append(("batch", logs["epoch"], batch))

    def on_epoch_end(self, epoch, logs):
        self.calls.append(("epoch_end", epoch, sorted(logs)))
        self.epoch_weights[epoch] = [W.copy() for W in self.trainer.net.weights]

    def on_train_end(self, history):
        self.calls.append(("train_end", history))


# -- callbacks -------------------------------------------------------------------------------------
def test_hooks_run_in_order_with_their_logs():
    rec = Recorder()
    h = mlp().fit(X, Y, epochs=2, batch_size=50, lr=0.01, validation=0.25, verbose=0,
                  callbacks=[rec], seed=0)  # fmt: skip
    keys = ["accuracy", "loss", "lr", "time", "val_accuracy", "val_loss"]
    assert rec.calls == [
        ("train_begin", 2),
        ("epoch_begin", 1, 0.01), ("batch", 1, 1), ("batch", 1, 2), ("epoch_end", 1, keys),
        ("epoch_begin", 2, 0.01), ("batch", 2, 1), ("batch", 2, 2), ("epoch_end", 2, keys),
        ("train_end", h),
    ]  # fmt: skip
    assert rec.trainer.history is h and rec.trainer.epoch == 2


def test_hooks_run_with_the_callers_numpy_error_settings():
    # the loop silences NumPy's overflow warnings (divergence has its own error); hooks do not
    class Overflow(Callback):
        def on_epoch_end(self, epoch, logs):
            np.exp(np.array([1000.0]))

    with pytest.warns(RuntimeWarning, match="overflow"):
        mlp().fit(X, Y, epochs=1, callbacks=[Overflow()], verbose=0)


def test_returning_true_or_setting_stop_ends_training():
    class StopAtTwo(Callback):
        def on_epoch_end(self, epoch, logs):
            return epoch == 2

    h = mlp().fit(X, Y, epochs=10, callbacks=[StopAtTwo()], verbose=0)
    assert h.epochs_run == 2 and h.stop_reason == "callback" and not h.stopped_early

    class StopInsideTheEpoch(Callback):
        def on_batch_end(self, batch, logs):
            if batch == 2:
                self.trainer.stop = True

    net = mlp()
    opt = cr.optim.SGD(net.parameters(), lr=0.1)
    h = net.fit(X, Y, epochs=10, batch_size=10, optimizer=opt, callbacks=StopInsideTheEpoch(),
                verbose=0)  # fmt: skip
    assert opt.steps == [2, 2]  # stopped after the batch; the unfinished epoch is not recorded
    assert h.epochs_run == 0 and h.loss == [] and h.stop_reason == "callback"


def test_a_user_early_stopping_callback_can_monitor_a_score():
    stopper = EarlyStopping(patience=2, monitor="val_accuracy", mode="max", min_delta=1.0)
    h = mlp().fit(X, Y, epochs=20, validation=0.25, callbacks=[stopper], verbose=0, seed=0)
    assert h.epochs_run == 3 and h.best_epoch == 1 and h.restored_best and h.stopped_early
    with pytest.raises(TrainingError, match="set its patience and restore_best there"):
        mlp().fit(X, Y, early_stopping=True, callbacks=[EarlyStopping()], verbose=0)
    with pytest.raises(KeyError, match="no 'val_r2' in the epoch logs"):
        mlp().fit(X, Y, epochs=2, callbacks=[EarlyStopping(monitor="val_r2")], verbose=0)
    with pytest.raises(ValueError, match="mode='up'"):
        EarlyStopping(mode="up")


# -- progress --------------------------------------------------------------------------------------
def test_one_line_per_epoch_when_not_a_terminal(capsys):
    mlp().fit(X, Y, epochs=3, validation=0.25, verbose=1, seed=0)  # captured: not a terminal
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    pattern = (r"epoch 2/3  loss \d\.\d{4}  val_loss \d\.\d{4}  accuracy \d\.\d{3}  "
               r"val_accuracy \d\.\d{3}  \d+(ms|\.\ds)")  # fmt: skip
    assert re.fullmatch(pattern, lines[1])
    assert re.fullmatch(r"trained 3 epochs in .*; best val_loss \d\.\d{4} at epoch \d", lines[3])
    mlp().fit(X, Y, epochs=3, verbose=0)
    assert capsys.readouterr() == ("", "")


def test_the_line_format_and_the_summary():
    logs = {"loss": 0.41234, "val_loss": 0.44101, "accuracy": 0.9123, "val_accuracy": 0.9,
            "time": 1.23}  # fmt: skip
    line = format_epoch(3, 50, logs, "accuracy")
    assert (
        line == "epoch 3/50  loss 0.4123  val_loss 0.4410  accuracy 0.912  val_accuracy 0.900  1.2s"
    )
    h = History(loss=[0.5, 0.4, 0.45], val_loss=[0.6, 0.5, 0.55], epochs_run=3, best_epoch=2,
                restored_best=True, stopped_early=True, stop_reason="early_stopping", patience=1,
                time=0.05)  # fmt: skip
    assert format_summary(h) == (
        "stopped early after 3 epochs in 50ms: no val_loss improvement for 1 epochs; "
        "best val_loss 0.5000 at epoch 2 (its weights restored)"
    )


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_a_rich_bar_or_lines_without_rich(monkeypatch):
    assert isinstance(progress_callback(1, FakeTerminal()), ProgressBar)
    assert isinstance(progress_callback(2, FakeTerminal()), ProgressLines)
    assert isinstance(progress_callback(1, io.StringIO()), ProgressLines)
    assert progress_callback(0, FakeTerminal()) is None
    monkeypatch.setitem(sys.modules, "rich", None)  # as if rich were not installed
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    assert isinstance(progress_callback(1, FakeTerminal()), ProgressLines)


def test_the_rich_bar_shows_epoch_losses_and_time_left():
    from rich.console import Console

    out = io.StringIO()
    bar = ProgressBar(Console(file=out, force_terminal=True, width=150), refresh=0.0)
    mlp().fit(X, Y, epochs=3, validation=0.25, callbacks=[bar], verbose=0, seed=0)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())  # without the escape codes
    assert "epoch 3/3" in text and "val_loss" in text and "left" in text
    assert "trained 3 epochs" in text


# -- Ctrl-C ----------------------------------------------------------------------------------------
class CtrlC(Callback):
    """Presses Ctrl-C (sends this process SIGINT) at the given epoch and batch, ``times`` times."""

    def __init__(self, epoch, batch=1, times=1):
        self.at, self.times, self.weights = (epoch, batch), times, {}

    def on_batch_end(self, batch, logs):
        if (logs["epoch"], batch) == self.at:
            for _ in range(self.times):
                os.kill(os.getpid(), signal.SIGINT)

    def on_epoch_end(self, epoch, logs):
        self.weights[epoch] = [W.copy() for W in self.trainer.net.weights]


def test_ctrl_c_stops_after_the_batch_keeps_the_best_weights_and_saves(tmp_path, capsys):
    before = signal.getsignal(signal.SIGINT)
    press = CtrlC(epoch=4)
    net = mlp()
    path = tmp_path / "model.chainrule"
    h = net.fit(X, Y, epochs=20, lr=0.05, validation=0.25, seed=0, out=path, callbacks=[press],
                verbose=2)  # fmt: skip
    assert signal.getsignal(signal.SIGINT) is before  # our handler is gone
    assert h.interrupted and h.stop_reason == "interrupted" and h.epochs_run == 3
    assert net.history is h and h.restored_best  # validation: the best epoch's weights
    best = press.weights[h.best_epoch]
    assert all(same_bits(W, V) for W, V in zip(net.weights, best, strict=True))
    saved = load(path)
    assert all(same_bits(W, V) for W, V in zip(saved.weights, best, strict=True))
    assert saved.history["interrupted"] is True and saved.history["epochs_run"] == 3
    out = capsys.readouterr().out
    assert "Ctrl-C: stopping after this batch" in out and "interrupted (Ctrl-C) after 3" in out


def test_ctrl_c_without_validation_keeps_the_current_weights():
    net = mlp()
    opt = cr.optim.SGD(net.parameters(), lr=0.1)
    h = net.fit(X, Y, epochs=5, batch_size=40, optimizer=opt, callbacks=[CtrlC(2, batch=2)],
                verbose=0)  # fmt: skip
    assert h.interrupted and h.epochs_run == 1 and opt.steps == [5, 5]  # 3 + 2 batches
    assert not h.restored_best and h.best_epoch is None


def test_a_second_ctrl_c_aborts():
    before = signal.getsignal(signal.SIGINT)
    net = mlp()
    with pytest.raises(KeyboardInterrupt):
        net.fit(X, Y, epochs=5, callbacks=[CtrlC(2, times=2)], verbose=0)
    assert signal.getsignal(signal.SIGINT) is before
    assert net.history.interrupted


def test_a_keyboard_interrupt_raised_in_a_callback_also_stops_cleanly():
    class Raise(Callback):
        def on_epoch_end(self, epoch, logs):
            if epoch == 2:
                raise KeyboardInterrupt

    h = mlp().fit(X, Y, epochs=5, callbacks=[Raise()], verbose=0)
    assert h.interrupted and h.epochs_run == 2


def test_fit_runs_outside_the_main_thread_without_touching_signals():
    result = {}
    thread = threading.Thread(target=lambda: result.update(h=mlp().fit(X, Y, epochs=2, verbose=0)))
    thread.start()
    thread.join()
    assert result["h"].epochs_run == 2


# -- divergence, planted ---------------------------------------------------------------------------
class Plant(Callback):
    """Writes ``value`` into one weight of layer ``k`` after the given batch of epoch 2."""

    def __init__(self, k, value, batch):
        self.k, self.value, self.batch = k, value, batch

    def on_epoch_begin(self, epoch, logs):
        if epoch == 2:
            self.start = [W.copy() for W in self.trainer.net.weights]

    def on_batch_end(self, batch, logs):
        if logs["epoch"] == 2 and batch == self.batch:
            self.trainer.net.weights[self.k - 1][0, 0] = self.value


def test_a_nan_weight_is_caught_at_the_next_batch_and_named():
    plant = Plant(1, np.nan, batch=1)
    net = mlp()
    with pytest.raises(TrainingDivergedError) as info:
        net.fit(X, Y, epochs=5, batch_size=40, callbacks=[plant], verbose=0, seed=0)
    assert str(info.value).startswith(
        "training diverged in epoch 2, batch 2 of 3: the loss E of the batch is nan: W1 holds inf "
        "or NaN. The gradient ∂E/∂W1 (or the step it gave) went non-finite first. Likely cause: "
        "the learning rate lr=0.001 is probably too high: try lr=0.0001"
    )
    assert all(same_bits(W, V) for W, V in zip(net.weights, plant.start, strict=True))
    assert info.value.history.epochs_run == 1 and net.history.diverged


def test_an_inf_hidden_by_a_saturated_unit_is_caught_at_the_end_of_the_epoch():
    # tanh(±inf) = ±1: the loss stays finite, but the weights are not: checked once per epoch
    plant = Plant(1, np.inf, batch=3)
    net = mlp()
    with pytest.raises(TrainingDivergedError, match=r"in epoch 2: after the epoch's updates: W1"):
        net.fit(X, Y, epochs=5, batch_size=40, callbacks=[plant], verbose=0, seed=0)
    assert all(same_bits(W, V) for W, V in zip(net.weights, plant.start, strict=True))
