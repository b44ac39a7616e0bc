"""Data-parallel training on MPI (chainrule.training.distributed), under the mpich wheel's mpiexec.

Each mpiexec run executes one worker script (below) that makes several checks and writes its
numbers as JSON from rank 0; the tests read them. The checks: the allreduced gradient of every
step equals the single-process gradient on the same global batch (uneven slices, sample weights,
a batch with fewer rows than ranks) within 1e-6 relative in float64; a distributed fit ends with
the parameters of the same fit on one process; the ranks' parameters agree bit for bit; a 2-rank
run of the bundled breast-cancer set reaches the single-process test accuracy; a rank that hangs
or dies stops the job with a clear error instead of a hang.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py")
MPIEXEC = Path(sys.executable).parent / "mpiexec"
if not MPIEXEC.exists():
    MPIEXEC = Path(shutil.which("mpiexec") or "/nonexistent/mpiexec")
pytestmark = pytest.mark.skipif(not MPIEXEC.exists(), reason="no mpiexec (pip install mpich)")

WORKER = r"""
import json, sys
import numpy as np
import chainrule as cr
from mpi4py import MPI
from chainrule.training.distributed import Distributed, DistributedOptimizer

out = sys.argv[1]
dist = Distributed(timeout=60, check_every=3)
results = {"size": dist.size}

# 1. the allreduced gradient = the single-process gradient on the same global batch
rng = np.random.default_rng(7)
net = cr.MLP([4, 5, 3], hidden="tanh", output="softmax", seed=1, dtype="float64")
sgd = cr.optim.SGD(net.parameters(), lr=0.1)
sgd.lr = 0.0                        # the step changes nothing; p.grad keeps the sum
opt = DistributedOptimizer(sgd, dist)
worst = 0.0
for m in (37, 16, 3, 1):            # uneven slices; 3 and 1 rows leave some ranks without any
    X, y = rng.normal(size=(m, 4)), rng.integers(0, 3, m)
    s = rng.uniform(0.1, 2.0, m)    # sample weights: the mean is normalised over the global batch
    Xc, yc, _ = net.check_data(X, y)
    E_ref, g_ref = net.value_and_gradients(X, y, sample_weight=s)
    part = dist.shard(m)
    w = s / s.sum()
    opt.begin()
    if part.stop > part.start:
        net.train_step(Xc[part], yc[part], w[part], opt)
    if not opt.stepped:
        opt.join(bad=False)
    for p, g in zip(net.parameters(), g_ref):
        worst = max(worst, float(np.abs(p.grad - g).max() / np.abs(g).max()))
results["grad_rel_error"] = worst

# 2. a distributed fit ends where the same fit on one process ends
rng = np.random.default_rng(3)
X = rng.normal(size=(203, 6))
y = (X[:, 0] - X[:, 1] + 0.5 * X[:, 2] > 0).astype(int)
def train(d):
    n = cr.MLP([6, 8, 1], output="sigmoid", seed=0, dtype="float64")
    h = cr.fit(n, X, y, epochs=4, batch_size=32, lr=1e-2, seed=5, validation=0.2,
               sample_weight=np.linspace(0.5, 1.5, len(X)), distributed=d, verbose=0)
    return np.concatenate([W.ravel() for W in n.weights]), h
many, h_many = train(dist)
one, h_one = train(Distributed(MPI.COMM_SELF))
results["fit_rel_error"] = float(np.abs(many - one).max() / np.abs(one).max())
results["val_loss"] = [h_many.val_loss, h_one.val_loss]
every = np.zeros((dist.size, len(many)))
every[dist.rank] = many
dist.allreduce(every)
results["ranks_identical"] = bool((every == every[0]).all())
try:  # the debug checksum catches parameters that differ (a negative control)
    dist.check_same([np.array([0.0, dist.rank])])
    results["checksum_caught"] = ""
except cr.errors.DistributedError as err:
    results["checksum_caught"] = str(err)

# 3. the bundled dataset: 2 ranks reach the single-process test accuracy
if dist.size == 2:
    ds = cr.load_dataset("breast_cancer")
    idx = np.random.default_rng(0).permutation(len(ds.X))
    tr, te = idx[: 400], idx[400:]
    acc = []
    for d in (dist, Distributed(MPI.COMM_SELF)):
        n = cr.MLP([ds.X.shape[1], 16, 1], hidden="tanh", output="sigmoid", seed=0)
        cr.fit(n, ds.X[tr], ds.y[tr], epochs=30, lr=3e-3, standardize=True, seed=0,
               distributed=d, verbose=0)
        acc.append(float((n.predict(ds.X[te]) == ds.y[te]).mean()))
    results["accuracy"] = acc
if dist.rank == 0:
    with open(out, "w") as f:
        json.dump(results, f)
"""


def _mpirun(
    n: int, script: str, tmp: Path, *args: str, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    path = tmp / "worker.py"
    path.write_text(script)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    cmd = [str(MPIEXEC), "-n", str(n), sys.executable, str(path), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.fixture(scope="module", params=[2, 4], ids=["2 ranks", "4 ranks"])
def worker_results(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"mpi{request.param}")
    out = tmp / "results.json"
    done = _mpirun(request.param, WORKER, tmp, str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


def test_allreduced_gradients_equal_the_single_process_gradients(worker_results):
    assert worker_results["grad_rel_error"] < 1e-6


def test_distributed_fit_ends_at_the_single_process_parameters(worker_results):
    assert worker_results["fit_rel_error"] < 1e-6
    many, one = worker_results["val_loss"]
    np.testing.assert_allclose(many, one, rtol=1e-9)


def test_every_rank_holds_the_same_parameters(worker_results):
    assert worker_results["ranks_identical"]
    others = list(range(1, worker_results["size"]))
    assert (
        f"the parameters differ between rank 0 and rank(s) {others}"
        in (worker_results["checksum_caught"])
    )


def test_two_ranks_reach_the_single_process_accuracy(worker_results):
    if worker_results["size"] != 2:
        pytest.skip("checked with 2 ranks")
    two, one = worker_results["accuracy"]
    assert one > 0.9
    assert two >= one - 0.01


HANG = r"""
import sys, time, os, signal
import numpy as np
import chainrule as cr
from chainrule.training.distributed import Distributed

class Trouble(cr.Callback):
    def on_batch_end(self, batch, logs):
        if dist.rank == 1 and batch == 3:
            if sys.argv[1] == "hang":
                time.sleep(120)
            os.kill(os.getpid(), signal.SIGKILL)

dist = Distributed(timeout=2.0)
rng = np.random.default_rng(0)
X, y = rng.normal(size=(400, 3)), rng.integers(0, 2, 400)
net = cr.MLP([3, 4, 1], output="sigmoid", seed=0)
cr.fit(net, X, y, epochs=5, seed=0, distributed=dist, callbacks=[Trouble()], verbose=0)
print("finished", dist.rank)
"""


@pytest.mark.parametrize("trouble", ["hang", "die"])
def test_a_lost_rank_stops_the_job_with_an_error_not_a_hang(trouble, tmp_path):
    start = time.monotonic()
    done = _mpirun(2, HANG, tmp_path, trouble, timeout=90)
    elapsed = time.monotonic() - start
    assert done.returncode != 0
    assert "finished 0" not in done.stdout
    assert elapsed < 60
    if trouble == "hang":  # rank 0 waited 2 s at the allreduce, then aborted with this message
        assert "rank 0 of 2 got no answer from the other ranks within 2 s" in done.stderr
        assert "Aborting the whole job" in done.stderr
    else:  # mpiexec (or rank 0's deadline) names the lost rank
        said = (done.stdout + done.stderr).upper()  # hydra reports on stdout
        assert "BAD TERMINATION" in said or "NO ANSWER FROM THE OTHER RANKS" in said


def test_cli_distributed_only_rank_0_prints_and_writes(tmp_path):
    out = tmp_path / "model.chainrule"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [str(MPIEXEC), "-n", "2", str(Path(sys.executable).parent / "chainrule"), "train",
           "--dataset", "breast_cancer", "--distributed", "--epochs", "15", "--hidden", "8",
           "--out", str(out), "--no-loss-plot", "-q", "--checkpoint-every", "10"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.count("train: accuracy") == 1  # one rank printed
    assert done.stdout.count("wrote") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.chainrule", "model.chainrule.ckpt"]
    import chainrule as cr

    net = cr.load(out)
    ds = cr.load_dataset("breast_cancer")
    assert (net.predict(ds.X) == ds.classes[ds.y]).mean() > 0.9


def test_fit_refuses_a_distributed_run_without_an_int_seed():
    import chainrule as cr
    from chainrule.errors import TrainingError
    from chainrule.training.distributed import Distributed

    class Two(Distributed):  # a stand-in with 2 ranks: the check comes before any collective
        size = 2

    dist = Two.__new__(Two)
    net = cr.MLP([2, 1], output="sigmoid", seed=0)
    with pytest.raises(TrainingError, match="needs an int seed"):
        cr.fit(net, np.zeros((4, 2)), [0, 1, 0, 1], distributed=dist, seed=None)


def test_cli_streams_on_two_ranks_and_resumes_from_the_checkpoint(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 3))
    cols = {"a": X[:, 0], "b": X[:, 1], "c": rng.choice(["u", "v"], 3000)}
    cols["y"] = np.where(X[:, 0] - X[:, 1] > 0, "hi", "lo")
    pq.write_table(pa.table(cols), tmp_path / "t.parquet", row_group_size=500)
    chainrule = str(Path(sys.executable).parent / "chainrule")
    base = [str(MPIEXEC), "-n", "2", chainrule, "train", "t.parquet", "--stream", "--distributed",
            "--epochs", "2", "--hidden", "4", "--batch-size", "64", "--no-loss-plot", "-q",
            "--checkpoint", "run.ckpt", "--checkpoint-every", "30"]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for out, more in (("whole.chainrule", []), ("resumed.chainrule", ["--resume"])):
        done = subprocess.run([*base, "--out", out, *more], capture_output=True, text=True,
                              cwd=tmp_path, env=env, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.count("train: accuracy") == 1
    import chainrule as cr

    whole, resumed = cr.load(tmp_path / "whole.chainrule"), cr.load(tmp_path / "resumed.chainrule")
    assert resumed.preprocessor.to_dict() == whole.preprocessor.to_dict()  # from the checkpoint
    for a, b in zip(whole.weights, resumed.weights, strict=True):
        assert np.array_equal(a, b)
