"""Training with fit: the minibatch loop against a hand-written one, the seed, the optimizers and
schedules, labels, weights, validation, standardisation, early stopping, divergence, warm starts,
the history, bad settings; and a real dataset. Callbacks, progress and Ctrl-C: test_callbacks.py.
"""

import json
import math
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.data.datasets import make_blobs, make_moons
from chainrule.data.splits import train_test_split
from chainrule.errors import ChainruleError
from chainrule.training import optim, schedules
from chainrule.training.callbacks import Callback, History
from chainrule.training.loop import TrainingDivergedError, TrainingError, fit

X, Y = make_moons(120, noise=0.1, seed=0)  # 60 of each class, shuffled


def mlp(sizes=(2, 6, 1), **kw):
    kw.setdefault("hidden", "tanh")
    return cr.MLP(list(sizes), seed=0, **kw)


def same_bits(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def copies(net):
    return [W.copy() for W in net.weights]


class Spy(Callback):
    """Records what the trainer shows: batch losses, the weights after each epoch, the trainer."""

    def __init__(self):
        self.batches, self.epoch_weights = [], []

    def on_train_begin(self, logs):
        self.begin = logs

    def on_batch_end(self, batch, logs):
        self.batches.append((logs["epoch"], batch, logs["loss"], logs["size"]))

    def on_epoch_end(self, epoch, logs):
        self.epoch_weights.append([W.copy() for W in self.trainer.net.weights])


# -- the loop is minibatch gradient descent --------------------------------------------------------
def test_fit_learns_and_records_a_history():
    net = mlp()
    h = net.fit(X, Y, epochs=40, optimizer="adam", lr=0.05, verbose=0, seed=0)
    assert isinstance(h, History) and net.history is h
    assert h.epochs_run == len(h.loss) == len(h.lr) == len(h.metrics["accuracy"]) == 40
    assert h.loss[-1] < 0.5 * h.loss[0] and h.metrics["accuracy"][-1] > 0.85
    assert h.val_loss == [] and set(h.metrics) == {"accuracy"} and h.lr == [0.05] * 40
    assert (h.stop_reason, h.best_epoch, h.stopped_early, h.interrupted) == (
        "completed",
        None,
        0,
        0,
    )
    d = h.to_dict()
    json.dumps(d, allow_nan=False)  # what model files store
    assert History.from_dict(d) == h and 0 < h.time < 30
    assert (net.predict(X) == Y).mean() > 0.85


def test_one_epoch_is_the_hand_written_loop_over_the_seeded_permutation():
    # fit(seed=0) shuffles with np.random.default_rng(0).permutation(n) (no validation split
    # draws first), then steps W ← W − lr·∂E_B/∂W on batches of 50, 50, 20.
    net, by_hand = mlp(), mlp()
    fit(net, X, Y, epochs=1, batch_size=50, optimizer="sgd", lr=0.5, seed=0, verbose=0)
    order = np.random.default_rng(0).permutation(len(X))
    for s in range(0, 120, 50):
        by_hand.step(X[order[s : s + 50]], Y[order[s : s + 50]], lr=0.5)
    for W, V in zip(net.weights, by_hand.weights, strict=True):
        np.testing.assert_allclose(W, V, rtol=1e-13, atol=1e-15)


def test_the_epoch_loss_is_the_weighted_mean_of_the_batch_losses():
    spy = Spy()
    h = mlp().fit(X, Y, epochs=1, batch_size=50, shuffle=False, verbose=0, callbacks=[spy])
    assert [(b, size) for _, b, _, size in spy.batches] == [(1, 50), (2, 50), (3, 20)]
    E = [loss for *_, loss, _ in spy.batches]
    assert h.loss[0] == pytest.approx((50 * E[0] + 50 * E[1] + 20 * E[2]) / 120, rel=1e-14)
    assert spy.begin == {"epochs": 1, "batch_size": 50, "n_batches": 3, "n_train": 120,
                         "n_val": 0, "metric": "accuracy"}  # fmt: skip


def test_the_same_seed_gives_the_same_weights_bit_for_bit():
    def run(seed):
        net = mlp((2, 5, 3), output="softmax")
        Xb, yb = make_blobs(90, n_classes=3, seed=1)
        net.fit(Xb, np.array(["x", "y", "z"])[yb], epochs=5, batch_size=16, validation=0.2,
                class_weight="balanced", seed=seed, verbose=0)  # fmt: skip
        return net.weights, net.history

    (a, ha), (b, hb), (c, _) = run(3), run(3), run(4)
    assert all(same_bits(u, v) for u, v in zip(a, b, strict=True)) and ha.loss == hb.loss
    assert not all(same_bits(u, v) for u, v in zip(a, c, strict=True))


def test_without_shuffling_the_order_is_fixed():
    a, b = mlp(), mlp()
    fit(a, X, Y, epochs=2, batch_size=32, shuffle=False, verbose=0)  # no seed: no randomness used
    fit(b, X, Y, epochs=2, batch_size=32, shuffle=False, verbose=0)
    assert all(same_bits(u, v) for u, v in zip(a.weights, b.weights, strict=True))


# -- the optimizers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "settings", "cls"),
    [
        ("sgd", {"lr": 0.2}, optim.SGD),
        ("sgd", {"lr": 0.05, "momentum": 0.9}, optim.SGD),
        ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, optim.SGD),
        ("adam", {"lr": 0.02}, optim.Adam),
        ("adamw", {"lr": 0.02, "weight_decay": 0.01}, optim.AdamW),
        ("rmsprop", {"lr": 0.01, "optimizer_options": {"alpha": 0.9}}, optim.RMSprop),
        (optim.Adam, {"lr": 0.02, "optimizer_options": {"betas": (0.8, 0.99)}}, optim.Adam),
    ],
)
def test_each_optimizer_trains(name, settings, cls):
    spy = Spy()
    h = mlp().fit(X, Y, epochs=15, optimizer=name, seed=0, verbose=0, callbacks=[spy], **settings)
    opt = spy.trainer.optimizer
    assert type(opt) is cls and opt.lr == settings["lr"] and h.loss[-1] < 0.8 * h.loss[0]
    for key, value in settings.items():
        if key not in ("lr", "optimizer_options"):
            assert getattr(opt, key) == value
    if name == "rmsprop":
        assert opt.alpha == 0.9


def test_weight_decay_spares_the_bias_row_and_clip_norm_clips():
    # One full-batch SGD step: W ← W − lr·(∂E/∂W + λ·W), the bias row (last) not decayed.
    net = mlp()
    W0, grads = copies(net), net.gradients(X, Y)
    fit(net, X, Y, epochs=1, batch_size=None, optimizer="sgd", lr=0.1, weight_decay=0.5,
        shuffle=False, verbose=0)  # fmt: skip
    for W, V, g in zip(net.weights, W0, grads, strict=True):
        decay = 0.5 * V
        decay[-1] = 0.0
        np.testing.assert_allclose(W, V - 0.1 * (g + decay), rtol=1e-12, atol=1e-15)

    net = mlp()
    W0 = copies(net)
    fit(net, X, Y, epochs=1, batch_size=None, optimizer="sgd", lr=1.0, clip_norm=1e-3,
        verbose=0)  # fmt: skip
    step = math.sqrt(sum(((W - V) ** 2).sum() for W, V in zip(net.weights, W0, strict=True)))
    assert step == pytest.approx(1e-3, rel=1e-5)  # the gradient's norm is far above 1e-3


def test_an_optimizer_instance_keeps_its_state_across_calls():
    net = mlp()
    opt = optim.Adam(net.parameters(), lr=0.01)
    fit(net, X, Y, epochs=2, batch_size=40, optimizer=opt, verbose=0, seed=0)
    assert opt.steps == [6, 6]
    fit(net, X, Y, epochs=1, batch_size=40, optimizer=opt, verbose=0, seed=0)
    assert opt.steps == [9, 9]  # its moments carried on
    with pytest.raises(optim.OptimizerError, match="already made Adam and settings"):
        fit(net, X, Y, optimizer=opt, lr=0.1, verbose=0)
    with pytest.raises(optim.OptimizerError, match="updates other parameters"):
        fit(mlp(), X, Y, optimizer=opt, verbose=0)


def test_warm_start_continues_from_the_current_weights():
    net = mlp()
    h1 = net.fit(X, Y, epochs=10, lr=0.05, seed=0, verbose=0)
    W1 = copies(net)
    E = net.error(X, Y)
    h2 = net.fit(X, Y, epochs=1, lr=1e-12, seed=1, verbose=0)  # a negligible step
    assert h2 is net.history and h2.epochs_run == 1 and h1.epochs_run == 10
    assert h2.loss[0] == pytest.approx(E, rel=1e-6)  # it starts where the first call ended
    assert all(np.allclose(W, V, atol=1e-9) for W, V in zip(net.weights, W1, strict=True))


# -- learning-rate schedules -----------------------------------------------------------------------
def test_named_schedules_step_once_per_epoch_and_the_history_has_each_rate():
    kw = {"epochs": 5, "optimizer": "sgd", "lr": 0.1, "verbose": 0, "seed": 0}
    h = mlp().fit(X, Y, schedule="step", schedule_options={"step_size": 2, "gamma": 0.5}, **kw)
    assert h.lr == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025], rel=1e-12)
    h = mlp().fit(X, Y, schedule="exponential", **kw)  # γ = 0.95 by default
    assert h.lr == pytest.approx([0.1 * 0.95**e for e in range(5)], rel=1e-12)
    h = mlp().fit(X, Y, schedule="cosine", **kw)  # over all the epochs by default
    assert h.lr == pytest.approx([0.05 * (1 + math.cos(math.pi * e / 5)) for e in range(5)])
    h = mlp().fit(X, Y, schedule="StepLR", **kw)  # every epochs // 3 = 1 epochs, × 0.1
    assert h.lr == pytest.approx([0.1 * 0.1**e for e in range(5)], rel=1e-12)


class SpyPlateau(schedules.ReduceLROnPlateau):
    def step(self, metric=None):
        self.seen = [*getattr(self, "seen", []), metric]
        super().step(metric)


def test_plateau_steps_on_the_validation_loss_else_on_the_loss():
    net = mlp()
    opt = optim.SGD(net.parameters(), lr=0.1)
    plateau = SpyPlateau(opt, patience=0)
    h = net.fit(X, Y, epochs=4, schedule=plateau, validation=0.25, seed=0, verbose=0)
    assert plateau.seen == h.val_loss  # the schedule's optimizer was used: optimizer=None
    net = mlp()
    plateau = SpyPlateau(optim.SGD(net.parameters(), lr=0.1))
    h = net.fit(X, Y, epochs=3, optimizer=plateau.optimizer, schedule=plateau, verbose=0)
    assert plateau.seen == h.loss


# -- labels, weights, validation, scaling ----------------------------------------------------------
def test_string_labels_in_and_out_and_a_warm_start_keeps_the_classes():
    labels = np.array(["dog", "cat"])[Y]  # classes sorted: cat (index 0), dog (1)
    net = mlp()
    net.fit(X, labels, epochs=30, lr=0.05, seed=0, verbose=0)
    assert net.classes.tolist() == ["cat", "dog"]
    assert (net.predict(X) == labels).mean() > 0.85
    classes = net.classes
    net.fit(X[labels == "dog"], labels[labels == "dog"], epochs=1, verbose=0)  # one class only
    assert net.classes is classes


def test_multiclass_labels_and_integer_labels_with_a_class_missing():
    Xb, yb = make_blobs(90, n_classes=3, seed=1)
    net = mlp((2, 5, 3), output="softmax")
    net.fit(Xb, np.array(["a", "b", "c"])[yb], epochs=20, lr=0.05, seed=0, verbose=0)
    assert net.classes.tolist() == ["a", "b", "c"]
    assert (net.predict(Xb) == np.array(["a", "b", "c"])[yb]).mean() > 0.9
    net = mlp((2, 5, 3), output="softmax")
    net.fit(Xb[yb != 1], yb[yb != 1], epochs=1, verbose=0)  # 0 and 2: indices, 1 absent
    assert net.classes.tolist() == [0, 1, 2]
    net = mlp((2, 5, 3), output="softmax")
    net.fit(Xb, yb + 1, epochs=1, verbose=0)  # labels 1, 2, 3
    assert net.classes.tolist() == [1, 2, 3] and set(net.predict(Xb)) <= {1, 2, 3}
    with pytest.raises(TrainingError, match=r"y has 3 classes .* one sigmoid output"):
        mlp().fit(Xb, yb, verbose=0)
    with pytest.raises(TrainingError, match=r"2 classes \(p, q\) but the network has 3 softmax"):
        mlp((2, 5, 3), output="softmax").fit(X, np.array(["p", "q"])[Y], verbose=0)


def one_sgd_step(**kw):
    net = mlp()
    fit(net, kw.pop("X", X), kw.pop("y", Y), epochs=1, batch_size=None, optimizer="sgd", lr=0.5,
        shuffle=False, verbose=0, **kw)  # fmt: skip
    return net.weights


def by_hand(y, sample_weight):
    net = mlp()
    net.step(X, y, lr=0.5, sample_weight=sample_weight)
    return net.weights


def test_class_weights_balanced_or_by_label_times_sample_weights():
    keep = np.r_[np.flatnonzero(Y == 0)[:45], np.flatnonzero(Y == 1)[:15]]  # 45 : 15
    Xi, yi = X[keep], np.array(["no", "yes"])[Y[keep]]
    global_X = Xi
    balanced = np.where(yi == "yes", 60 / (2 * 15), 60 / (2 * 45))  # n / (n_classes · n_c)
    net, ref = mlp(), mlp()
    fit(net, Xi, yi, epochs=1, batch_size=None, optimizer="sgd", lr=0.5, class_weight="balanced",
        verbose=0)  # fmt: skip
    ref.classes = np.array(["no", "yes"])
    ref.step(global_X, yi, lr=0.5, sample_weight=balanced)
    for W, V in zip(net.weights, ref.weights, strict=True):
        np.testing.assert_allclose(W, V, rtol=1e-12, atol=1e-15)

    sw = np.linspace(0.5, 2.0, len(yi))
    net, ref = mlp(), mlp()
    fit(net, Xi, yi, epochs=1, batch_size=None, optimizer="sgd", lr=0.5,
        class_weight={"yes": 3.0}, sample_weight=sw, verbose=0)  # fmt: skip
    ref.classes = np.array(["no", "yes"])
    ref.step(Xi, yi, lr=0.5, sample_weight=sw * np.where(yi == "yes", 3.0, 1.0))
    for W, V in zip(net.weights, ref.weights, strict=True):
        np.testing.assert_allclose(W, V, rtol=1e-12, atol=1e-15)


def test_each_batch_is_a_weighted_mean_of_its_own_samples():
    sw = np.linspace(0.1, 3.0, len(Y))
    net, ref = mlp(), mlp()
    fit(net, X, Y, epochs=1, batch_size=40, optimizer="sgd", lr=0.5, sample_weight=sw,
        shuffle=False, verbose=0)  # fmt: skip
    for s in range(0, 120, 40):  # net.step normalises the weights within its batch
        ref.step(X[s : s + 40], Y[s : s + 40], lr=0.5, sample_weight=sw[s : s + 40])
    for W, V in zip(net.weights, ref.weights, strict=True):
        np.testing.assert_allclose(W, V, rtol=1e-12, atol=1e-15)


def test_a_validation_fraction_is_a_stratified_split_by_the_seed():
    spy = Spy()
    h = mlp().fit(X, Y, epochs=3, validation=0.25, seed=5, verbose=0, callbacks=[spy])
    d = spy.trainer.data
    assert spy.begin["n_train"] == 90 and spy.begin["n_val"] == 30
    assert (d.y_val[:, 0] == 1).sum() == 15  # 60 : 60 held out as 15 : 15
    _, X_val, _, _ = train_test_split(np.arange(120), Y, 0.25, seed=np.random.default_rng(5))
    np.testing.assert_array_equal(d.X_val, X[np.sort(X_val)])  # the split fit made
    assert len(h.val_loss) == len(h.metrics["val_accuracy"]) == 3 and h.best_epoch is not None


def test_explicit_validation_data_with_labels_and_weights():
    Xt, Xv, yt, yv = train_test_split(X, np.array(["a", "b"])[Y], 0.3, seed=0)
    net = mlp()
    sw_val = np.linspace(1, 2, len(yv))
    h = net.fit(Xt, yt, epochs=5, lr=0.05, validation=(Xv, yv[:, None], sw_val), verbose=0,
                restore_best=False, seed=0)  # fmt: skip
    assert h.val_loss[-1] == pytest.approx(net.error(Xv, yv, sample_weight=sw_val), rel=1e-12)
    assert h.metrics["val_accuracy"][-1] == pytest.approx((net.predict(Xv) == yv).mean())


def test_standardize_fits_the_scaler_on_the_training_part_and_scales_once():
    Xbig = X * 1000 + 50
    Xt, Xv, yt, yv = train_test_split(Xbig, Y, 0.25, seed=0)
    net = mlp()
    h = net.fit(Xt, yt, epochs=5, lr=0.05, standardize=True, validation=(Xv, yv), verbose=0,
                restore_best=False, seed=0)  # fmt: skip
    np.testing.assert_allclose(net.scaler.mean_, Xt.mean(axis=0), rtol=1e-12)
    # net.error scales X_val once; had fit scaled it twice, the losses would differ
    assert h.val_loss[-1] == pytest.approx(net.error(Xv, yv), rel=1e-12)
    assert h.loss[-1] < 1.0
    scaler = net.scaler
    net.fit(Xt, yt, epochs=1, standardize=True, verbose=0)  # a warm start keeps the scaler
    assert net.scaler is scaler

    net = mlp()
    net.fit(Xbig, Y, epochs=1, validation=0.25, standardize=True, seed=2, verbose=0)
    train, _, _, _ = train_test_split(np.arange(120), Y, 0.25, seed=np.random.default_rng(2))
    np.testing.assert_allclose(net.scaler.mean_, Xbig[np.sort(train)].mean(axis=0), rtol=1e-12)


def test_regression_reports_r2_and_float32_stays_float32():
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(100, 3))
    yr = np.c_[Xr @ [1.0, -2.0, 0.5], Xr[:, 0] ** 2]
    net = mlp((3, 8, 2), output="identity", dtype=np.float32)
    h = net.fit(Xr, yr, epochs=60, lr=0.05, validation=0.2, seed=0, verbose=0)
    assert set(h.metrics) == {"r2", "val_r2"} and h.metrics["val_r2"][-1] > 0.9
    assert all(W.dtype == np.float32 for W in net.weights) and net.classes is None
    yhat = net.predict(Xr)
    r2 = 1 - ((yhat - yr) ** 2).sum(0) / ((yr - yr.mean(0)) ** 2).sum(0)
    assert abs(h.metrics["r2"][-1] - r2.mean()) < 0.02  # measured during the epoch: close


def test_multilabel_targets_are_not_classes():
    Ym = np.c_[Y, 1 - Y, X[:, 0] > 0.5]
    net = mlp((2, 8, 3))
    h = net.fit(X, Ym, epochs=30, lr=0.05, seed=0, verbose=0)
    assert net.classes is None and h.metrics["accuracy"][-1] > 0.6


# -- early stopping --------------------------------------------------------------------------------
def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    spy = Spy()
    net = mlp()
    h = net.fit(X, Y, epochs=50, lr=0.05, validation=0.25, early_stopping=True, patience=3,
                min_delta=1e9, seed=0, verbose=0, callbacks=[spy])  # fmt: skip
    # no epoch beats epoch 1 by min_delta: stop after 1 + 3 epochs, back to epoch 1's weights
    assert (h.epochs_run, h.best_epoch, h.stopped_early, h.stop_reason) == (
        4, 1, True, "early_stopping")  # fmt: skip
    assert h.restored_best and h.patience == 3
    assert all(same_bits(W, V) for W, V in zip(net.weights, spy.epoch_weights[0], strict=True))

    spy = Spy()
    net = mlp()
    h = net.fit(X, Y, epochs=50, early_stopping=True, patience=2, min_delta=1e9,
                restore_best=False, verbose=0, callbacks=[spy])  # fmt: skip
    assert h.epochs_run == 3 and not h.restored_best and h.val_loss == []  # monitors loss
    assert all(same_bits(W, V) for W, V in zip(net.weights, spy.epoch_weights[-1], strict=True))


def test_early_stopping_on_a_real_run_keeps_the_lowest_validation_loss():
    net = mlp((2, 16, 1))
    h = net.fit(X, Y, epochs=60, lr=0.05, validation=0.3, early_stopping=True, patience=5,
                seed=0, verbose=0)  # fmt: skip
    assert h.val_loss[h.best_epoch - 1] == min(h.val_loss)


# -- divergence ------------------------------------------------------------------------------------
def test_divergence_raises_naming_the_layer_the_lr_and_unscaled_inputs(tmp_path):
    rng = np.random.default_rng(0)
    Xr = rng.normal(size=(64, 3)) * 1e4
    yr = Xr @ [1.0, 2.0, 3.0]
    net = mlp((3, 4, 1), hidden="relu", output="identity")
    with pytest.raises(TrainingDivergedError) as info:
        net.fit(Xr, yr, epochs=20, optimizer="sgd", lr=1.0, verbose=0, seed=0,
                out=tmp_path / "m.chainrule")  # fmt: skip
    err = info.value
    assert isinstance(err, FloatingPointError) and isinstance(err, ChainruleError)
    message = str(err)
    start = r"training diverged in epoch \d+, batch \d+ of 2: the loss E of the batch is inf: "
    assert re.match(start, message)
    assert "W2" in message and "lr=1 is probably too high: try lr=0.1" in message
    assert "max |x| = " in message and "standardize=True" in message
    assert all(np.isfinite(W).all() for W in net.weights)  # the last finite weights
    assert net.history is err.history and err.history.diverged
    assert err.history.stop_reason == "diverged" and not (tmp_path / "m.chainrule").exists()


def test_divergence_with_scaled_inputs_blames_the_learning_rate_only():
    net = mlp((2, 4, 1), hidden="relu", output="identity")
    with pytest.raises(TrainingDivergedError, match="lr=1e\\+06") as info:
        net.fit(X, X[:, 0] * 100, epochs=5, optimizer="sgd", lr=1e6, verbose=0, seed=0)
    assert "standardize" not in str(info.value)
    assert all(np.isfinite(W).all() for W in net.weights)


# -- bad settings ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("settings", "error", "message"),
    [
        ({"epochs": 0}, TrainingError, "epochs must be a whole number ≥ 1, got 0"),
        ({"epochs": 2.5}, TrainingError, "epochs must be a whole number"),
        ({"batch_size": 0}, TrainingError, "batch_size must be a whole number ≥ 1"),
        ({"patience": 0}, TrainingError, "patience must be"),
        ({"validation": 1.5}, TrainingError, r"validation=1.5; give the fraction .* \(0, 1\)"),
        ({"validation": 0.0}, TrainingError, "validation=0.0"),
        ({"validation": "20%"}, TrainingError, "validation must be a fraction in"),
        ({"optimizer": "adagrad"}, optim.OptimizerError, "unknown optimizer 'adagrad'"),
        ({"momentum": 0.9}, TrainingError, "the Adam optimizer takes no momentum"),
        ({"verbose": 3}, TrainingError, "verbose must be 0, 1 or 2"),
        ({"min_delta": -1}, TrainingError, "min_delta must be"),
        ({"schedule": "linear"}, optim.OptimizerError, "unknown schedule 'linear'"),
        ({"schedule_options": {"gamma": 0.5}}, TrainingError, "but no schedule"),
        ({"class_weight": "even"}, TrainingError, "class_weight must be None, 'balanced'"),
        ({"class_weight": {"maybe": 2}}, TrainingError, "key 'maybe', which is not a class"),
        ({"class_weight": {"b": -1}}, TrainingError, r"class_weight\['b'\] = -1"),
        ({"callbacks": [print]}, TypeError, "Callback instances"),
        ({"out": "/no/such/folder/m.chainrule"}, TrainingError, "folder /no/such/folder"),
        ({"sample_weight": np.zeros(120)}, ValueError, "all zeros"),
    ],
)
def test_bad_settings_say_what_to_do_and_leave_the_network_alone(settings, error, message):
    net = mlp()
    W0 = copies(net)
    with pytest.raises(error, match=message):
        net.fit(X, np.array(["a", "b"])[Y], **{"verbose": 0, **settings})
    assert net.classes is None and net.scaler is None and net.history is None
    assert all(same_bits(W, V) for W, V in zip(net.weights, W0, strict=True))


def test_class_weight_needs_classification():
    with pytest.raises(TrainingError, match=r"class_weight is for classification .* regression"):
        mlp(output="identity").fit(X, X[:, 0], class_weight="balanced", verbose=0)
    with pytest.raises(TrainingError, match="every training sample has weight 0"):
        mlp().fit(X, Y, class_weight={0: 0, 1: 0}, verbose=0)


# -- a real dataset --------------------------------------------------------------------------------
def test_breast_cancer_test_accuracy_at_least_0_95():
    pytest.importorskip("sklearn")
    ds = cr.load_dataset("breast_cancer")
    Xt, Xs, yt, ys = train_test_split(ds.X, ds.classes[ds.y], 0.25, seed=0)  # string labels
    net = cr.MLP([30, 16, 1], hidden="tanh", seed=0)
    h = net.fit(Xt, yt, epochs=100, batch_size=32, lr=1e-3, validation=0.2, early_stopping=True,
                standardize=True, seed=0, verbose=0)  # fmt: skip
    assert (net.predict(Xs) == ys).mean() >= 0.95  # 0.965: 5 of 143 wrong
    assert h.metrics["val_accuracy"][h.best_epoch - 1] >= 0.95 and h.time < 10


def test_class_weight_with_one_hot_rows_says_to_pass_labels():
    X = np.random.default_rng(0).standard_normal((30, 2))
    net = cr.MLP([2, 3, 3], output="softmax", seed=0)
    with pytest.raises(TrainingError, match=r"one class label per sample.*\(30, 3\).*argmax"):
        net.fit(X, np.eye(3)[np.arange(30) % 3], epochs=1, verbose=0, class_weight="balanced")
    net.fit(X, np.arange(30) % 3, epochs=1, verbose=0, class_weight="balanced")  # labels: fine
    reg = cr.MLP([2, 3, 1], output="identity", seed=0)
    with pytest.raises(TrainingError, match=r"class_weight is for classification.*regression"):
        reg.fit(X, X[:, 0], epochs=1, verbose=0, class_weight="balanced")
