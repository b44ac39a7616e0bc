"""Checkpoints: a run killed with SIGKILL at a random step and resumed ends bit for bit where an
uninterrupted run ends (one process, and 2 MPI ranks); the checkpoint file and its errors."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.errors import CheckpointError
from chainrule.training.checkpoint import load_checkpoint, save_checkpoint

RUN = r'''
import os, signal, sys
import numpy as np
import chainrule as cr

ckpt, result, kill_at, ranks = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

class Kill(cr.Callback):
    """SIGKILL this process after optimizer step ``kill_at`` (0: never)."""
    steps = 0
    def on_batch_end(self, batch, logs):
        Kill.steps += 1
        if Kill.steps == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

rng = np.random.default_rng(0)
X = rng.normal(size=(150, 4))
y = np.where(X[:, 0] * X[:, 1] + X[:, 2] > 0, "a", "b")
net = cr.MLP([4, 6, 1], hidden="tanh", output="sigmoid", seed=1)
dist = cr.distributed.init(timeout=30) if ranks == "mpi" else None
hist = cr.fit(net, X, y, epochs=6, batch_size=16, optimizer="adam", lr=1e-2, seed=3,
              validation=0.2, early_stopping=True, patience=3, schedule="step",
              checkpoint=ckpt, checkpoint_every=4, resume=True, distributed=dist,
              callbacks=[Kill()], verbose=0)
if dist is None or dist.rank == 0:
    np.savez(result, *net.weights, loss=np.array(hist.loss), val=np.array(hist.val_loss))
'''


def _run(tmp: Path, name: str, kill_at: int, mpi: bool) -> int:
    script = tmp / "run.py"
    script.write_text(RUN)
    args = [str(tmp / f"{name}.ckpt"), str(tmp / f"{name}.npz"), str(kill_at)]
    cmd = [sys.executable, str(script), *args, "mpi" if mpi else "one"]
    if mpi:
        cmd = [str(Path(sys.executable).parent / "mpiexec"), "-n", "2", *cmd]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(cmd, capture_output=True, timeout=180, env=env).returncode


def _arrays(path: Path) -> list[np.ndarray]:
    with np.load(path) as z:
        return [z[k] for k in sorted(z.files)]


@pytest.mark.parametrize("mpi", [False, True], ids=["one process", "2 ranks"])
def test_killed_at_a_random_step_and_resumed_ends_bit_for_bit_as_uninterrupted(mpi, tmp_path):
    if mpi and (shutil.which("mpiexec", path=str(Path(sys.executable).parent)) is None):
        pytest.skip("no mpiexec (pip install mpi4py mpich)")
    # 120 training rows / 16 = 8 steps per epoch, 6 epochs: 48 steps; checkpoints every 4
    kill_at = random.Random().randint(2, 40)
    assert _run(tmp_path, "whole", 0, mpi) == 0
    status = _run(tmp_path, "killed", kill_at, mpi)
    assert status != 0, f"killed at step {kill_at}: the run should have died"
    assert not (tmp_path / "killed.npz").exists()
    assert _run(tmp_path, "killed", 0, mpi) == 0  # resumes from killed.ckpt
    whole, resumed = _arrays(tmp_path / "whole.npz"), _arrays(tmp_path / "killed.npz")
    for a, b in zip(whole, resumed, strict=True):  # weights, and the loss histories
        assert a.shape == b.shape
        if a.dtype.kind == "f" and a.ndim == 2:
            assert np.array_equal(a, b), f"killed at step {kill_at}: the weights differ"
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12)


def test_checkpoint_holds_what_a_resume_needs(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(64, 3)), rng.integers(0, 3, 64)
    net = cr.MLP([3, 5, 3], output="softmax", seed=0)
    path = tmp_path / "run.ckpt"
    cr.fit(net, X, y, epochs=2, batch_size=10, seed=0, checkpoint=path, checkpoint_every=5,
           verbose=0)  # fmt: skip
    meta, arrays = load_checkpoint(path)
    assert meta["step"] == 10 and meta["epoch"] == 2 and meta["batch"] == 3  # 7 steps an epoch
    assert meta["classes"] == [0, 1, 2] and meta["ranks"] == 1 and meta["seed"] == 0
    assert meta["optimizer"]["optimizer"] == "Adam" and len(meta["history"]["loss"]) == 1
    assert arrays["W.0"].shape == (4, 5) and arrays["opt.step"].tolist() == [10, 10]
    assert {"opt.exp_avg.0", "opt.exp_avg_sq.1"} <= set(arrays)


def test_resume_without_a_checkpoint_starts_from_the_beginning(tmp_path):
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(40, 2)), rng.integers(0, 2, 40)
    nets = [cr.MLP([2, 3, 1], output="sigmoid", seed=0) for _ in range(2)]
    cr.fit(nets[0], X, y, epochs=2, seed=0, checkpoint=tmp_path / "a", verbose=0)
    cr.fit(nets[1], X, y, epochs=2, seed=0, checkpoint=tmp_path / "b", resume=True, verbose=0)
    for a, b in zip(nets[0].weights, nets[1].weights, strict=True):
        assert np.array_equal(a, b)


def test_a_checkpoint_of_another_network_or_file_is_refused(tmp_path):
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
    path = tmp_path / "run.ckpt"
    cr.fit(cr.MLP([2, 3, 1], output="sigmoid", seed=0), X, y, epochs=1, batch_size=5, seed=0,
           checkpoint=path, checkpoint_every=2, verbose=0)  # fmt: skip
    meta, arrays = load_checkpoint(path)
    save_checkpoint(tmp_path / "two.ckpt", {**meta, "ranks": 2}, arrays)
    same = cr.MLP([2, 3, 1], output="sigmoid", seed=0)
    with pytest.raises(CheckpointError, match=r"written by a run on 2 rank\(s\).*mpiexec -n 2"):
        cr.fit(same, X, y, epochs=1, seed=0, checkpoint=tmp_path / "two.ckpt", resume=True)
    other = cr.MLP([2, 7, 1], output="sigmoid", seed=0)
    with pytest.raises(CheckpointError, match="does not fit this network"):
        cr.fit(other, X, y, epochs=1, seed=0, checkpoint=path, resume=True, verbose=0)
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="cannot read it as a chainrule checkpoint"):
        cr.fit(other, X, y, epochs=1, seed=0, checkpoint=path, resume=True, verbose=0)
    save_checkpoint(path, {"step": 1}, {})
    meta, _ = load_checkpoint(path)
    assert meta["step"] == 1
    with pytest.raises(cr.errors.TrainingError, match="checkpoint_every needs checkpoint"):
        cr.fit(other, X, y, checkpoint_every=3, verbose=0)
    with pytest.raises(cr.errors.TrainingError, match="resume=True continues from checkpoint"):
        cr.fit(other, X, y, resume=True, verbose=0)


def test_cli_checkpoint_and_resume(tmp_path):
    data = tmp_path / "data.csv"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    rows = [f"{a:.6f},{b:.6f},{c:.6f},{'yes' if a + b > 0 else 'no'}" for a, b, c in X]
    data.write_text("a,b,c,label\n" + "\n".join(rows) + "\n")
    chainrule = str(Path(sys.executable).parent / "chainrule")
    common = [chainrule, "train", str(data), "--epochs", "15", "--hidden", "4", "-q",
              "--batch-size", "4", "--no-loss-plot", "--checkpoint-every", "5"]  # fmt: skip
    whole = tmp_path / "whole.chainrule"
    assert subprocess.run([*common, "--out", str(whole)], timeout=120).returncode == 0
    assert (tmp_path / "whole.chainrule.ckpt").exists()
    # killed with SIGKILL once its first checkpoint is on disk, then resumed
    out, ckpt = tmp_path / "killed.chainrule", tmp_path / "killed.chainrule.ckpt"
    proc = subprocess.Popen([*common, "--out", str(out)])
    deadline = time.monotonic() + 120
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert ckpt.exists()
    resumed = subprocess.run([*common, "--out", str(out), "--resume"], timeout=120)
    assert resumed.returncode == 0
    for a, b in zip(cr.load(whole).weights, cr.load(out).weights, strict=True):
        assert np.array_equal(a, b)


def test_a_checkpointed_run_that_diverges_gives_back_the_epochs_first_weights(tmp_path):
    """The batch loop of streamed, distributed and checkpointed runs diverges as fit's does:
    the error names the epoch, the cause and the layer; the weights are the epoch's first."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 2)) * 1e3, rng.normal(size=40) * 1e3
    net = cr.MLP([2, 8, 1], hidden="relu", output="identity", seed=0)
    start = [W.copy() for W in net.weights]
    with pytest.raises(cr.TrainingDivergedError) as caught:
        cr.fit(net, X, y, epochs=3, batch_size=10, optimizer="sgd", lr=1e6, seed=0, verbose=0,
               checkpoint=tmp_path / "run.ckpt", checkpoint_every=100)  # fmt: skip
    message = str(caught.value)
    assert message.startswith("training diverged in epoch 1: ")
    assert "Likely cause: the learning rate lr=1e+06 is probably too high: try lr=100000" in message
    assert "The network keeps the weights it had at the start of epoch 1" in message
    for W, W0 in zip(net.weights, start, strict=True):
        assert np.array_equal(W, W0)
    assert net.history.diverged and net.history.stop_reason == "diverged"
