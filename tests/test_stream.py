"""Streaming tables (chainrule.data.Stream): the first pass, batches, bounded memory, fit, CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import Preprocessor, Stream, read_table
from chainrule.errors import DataError, TrainingError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _mixed(n: int, seed: int) -> dict[str, list]:
    """Numbers with missing cells, a constant column, a text and a bool column, a text label."""
    rng = np.random.default_rng(seed)
    x = rng.normal(3.0, 2.0, n)
    gaps = [None if i % 7 == 3 else float(v) for i, v in enumerate(x)]
    colour = rng.choice(["red", "green", "blue"], n).tolist()
    colour[5] = None
    return {
        "size": gaps,
        "count": rng.integers(0, 50, n).tolist(),
        "flat": [2.5] * n,
        "colour": colour,
        "flag": (rng.random(n) > 0.5).tolist(),
        "label": np.where(x > 3, "big", "small").tolist(),
    }


def test_first_pass_gives_the_in_memory_preprocessing(tmp_path):
    path = tmp_path / "mixed.parquet"
    pq.write_table(pa.table(_mixed(1000, 0)), path, row_group_size=64)
    stream = Stream(path, memory_limit=2**16, batch_size=16).fit()
    table = read_table(path)
    features = ["size", "count", "flat", "colour", "flag"]
    memory = Preprocessor().fit(table, features)
    assert len(stream.units) == 16 and stream.chunk_rows < 1000  # read in pieces
    assert stream.preprocessor.output_names == memory.output_names
    for got, want in zip(stream.preprocessor.columns_, memory.columns_, strict=True):
        assert got.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, rel=1e-12), (want["name"], key)
            else:
                assert got[key] == value, (want["name"], key)
    assert stream.task == "binary" and stream.classes.tolist() == ["big", "small"]
    assert stream.n_rows == 1000 and stream.n_features == len(memory.output_names)


def test_each_epoch_gives_every_row_once_reproducibly_and_resumes_after_k_batches(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for part in range(3):  # a folder of CSV files
        ids = np.arange(part * 100, part * 100 + 100)
        rows = "\n".join(
            f"{i},{v:.5f},{i % 3}" for i, v in zip(ids, rng.normal(size=100), strict=True)
        )
        (folder / f"part{part}.csv").write_text("id,v,y\n" + rows + "\n")
    stream = Stream(folder, batch_size=32, memory_limit=2**16, seed=4, task="regression").fit()
    stream.buffer_rows = 70  # a buffer smaller than a file: rows are shuffled within it

    def ids(epoch: int, skip: int = 0) -> list[np.ndarray]:
        spec = stream.preprocessor.columns_[0]  # the id column, standardised
        mean, scale = spec["mean"], spec["scale"]
        return [np.rint(X[:, 0] * scale + mean).astype(int) for X, _ in stream.batches(epoch, skip)]

    first = ids(1)
    assert [len(b) for b in first] == [32] * 9 + [12]
    assert sorted(np.concatenate(first).tolist()) == list(range(300))
    assert np.concatenate(first).tolist() != list(range(300))  # shuffled
    assert [b.tolist() for b in ids(1)] == [b.tolist() for b in first]  # same seed, same order
    assert [b.tolist() for b in ids(1, skip=4)] == [b.tolist() for b in first[4:]]
    assert [b.tolist() for b in ids(2)] != [b.tolist() for b in first]  # a new order per epoch


MEMORY = r"""
import json, sys, tracemalloc
import numpy as np, pyarrow as pa
import chainrule as cr

path, limit, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# code, not data: a warm-up imports what reading and training import (pyarrow loads pandas);
# the run uses the NumPy backend (CHAINRULE_BACKEND=numpy), as numba's compiler is code too
warm = cr.MLP([12, 8, 1], hidden="tanh", output="sigmoid", seed=0)
cr.fit(warm, [(np.zeros((128, 12)), np.zeros(128))], epochs=1, verbose=0)
next(cr.data.Stream(path, batch_size=128, memory_limit=limit).batches(1))
pool = pa.default_memory_pool()
tracemalloc.start()
stream = cr.data.Stream(path, batch_size=128, memory_limit=limit, seed=0)
net = cr.MLP([stream.n_features, 8, 1], hidden="tanh", output="sigmoid", seed=0)
cr.fit(net, stream, epochs=2, lr=3e-3, seed=0, verbose=0)
python_peak = tracemalloc.get_traced_memory()[1]
json.dump({"python": python_peak, "arrow": pool.max_memory(), "chunk": stream.chunk_rows,
           "buffer": stream.buffer_rows, "W": [W.tolist() for W in net.weights],
           "prep": net.preprocessor.to_dict()}, open(out, "w"))
"""


def _problem(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 12))
    logits = X[:, :6] @ np.array([1.5, -1.0, 0.8, 0.5, -0.7, 1.2]) + 0.3
    return X, (logits + rng.logistic(size=n) * 0.4 > 0).astype(np.int64)


def test_a_file_several_times_the_memory_limit_trains_within_it_as_well_as_in_memory(tmp_path):
    n, limit = 60_000, 2 * 2**20
    X, y = _problem(n, 0)
    path = tmp_path / "big.parquet"
    columns = {f"x{j}": X[:, j] for j in range(X.shape[1])} | {"y": y}
    pq.write_table(pa.table(columns), path, row_group_size=1000, compression="none")
    assert path.stat().st_size > 3 * limit
    script, out = tmp_path / "memory.py", tmp_path / "memory.json"
    script.write_text(MEMORY)
    env = {**os.environ, "CHAINRULE_BACKEND": "numpy"}
    done = subprocess.run([sys.executable, str(script), str(path), str(limit), str(out)],
                          capture_output=True, text=True, timeout=300, env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    got = json.loads(out.read_text())
    assert got["python"] + got["arrow"] < limit, got  # NumPy and Python, plus Arrow's buffers
    streamed = cr.MLP([12, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    for W, saved in zip(streamed.weights, got["W"], strict=True):
        W[...] = saved
    streamed.preprocessor = Preprocessor.from_dict(got["prep"])
    # the same data, in memory, the same preprocessing (standardised), the same settings
    memory = cr.MLP([12, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    cr.fit(memory, X, y, epochs=2, batch_size=128, lr=3e-3, standardize=True, seed=0, verbose=0)
    X_test, y_test = _problem(20_000, 1)
    table = cr.data.table_from_frame({f"x{j}": X_test[:, j] for j in range(12)})
    acc_stream = (streamed.forward(streamed.preprocessor.transform(table))[:, 0] > 0.5) == y_test
    acc_memory = memory.predict(X_test) == y_test
    assert acc_memory.mean() > 0.85
    assert abs(acc_stream.mean() - acc_memory.mean()) <= 0.01


def test_fit_on_an_iterable_of_batches_and_on_a_regression_stream(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 100.0
    batches = [(X[i : i + 20], y[i : i + 20, None] - 100) for i in range(0, 200, 20)]
    net = cr.MLP([3, 1], output="identity", seed=0)
    hist = cr.fit(net, batches, epochs=40, lr=0.05, optimizer="adam", verbose=0)
    assert len(hist.loss) == 40 and hist.metrics["r2"][-1] > 0.5
    with pytest.raises(TrainingError, match="an iterator of batches can be read once"):
        cr.fit(net, iter(batches), epochs=2, verbose=0)
    path = tmp_path / "reg.csv"  # a stream trains on (y − μ)/σ and predicts in y's units
    path.write_text("a,b,c,t\n" + "\n".join(",".join(f"{v:.6f}" for v in [*r, t])
                                            for r, t in zip(X, y, strict=True)) + "\n")  # fmt: skip
    stream = Stream(path, batch_size=20, task="regression")
    reg = cr.MLP([3, 1], output="identity", seed=0)
    cr.fit(reg, stream, epochs=60, lr=0.05, verbose=0)
    table = cr.data.table_from_frame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2]})
    pred = reg.forward(reg.preprocessor.transform(table))[:, 0]
    assert np.abs(pred - y).mean() < 0.1 * np.abs(y - y.mean()).mean()


def test_stream_errors_say_what_to_do(tmp_path):
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table(_mixed(50, 1)), path)
    with pytest.raises(DataError, match="impute='mean'"):
        Stream(path, impute="median").fit()
    with pytest.raises(DataError, match="no column"):
        Stream(path, target="nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"needs \.parquet or \.csv files"):
        Stream(tmp_path / "empty")
    with pytest.raises(DataError, match="memory_limit is in bytes"):
        Stream(path, memory_limit=100)
    net = cr.MLP([3, 1], output="sigmoid", seed=0)
    with pytest.raises(TrainingError, match="the stream gives 8 inputs"):
        cr.fit(net, Stream(path), verbose=0)


def test_cli_streams_a_file_larger_than_the_memory_limit(tmp_path):
    X, y = _problem(40_000, 3)
    cols = {f"x{j}": X[:, j] for j in range(4)} | {"y": np.where(y == 1, "yes", "no")}
    big = tmp_path / "train.parquet"
    pq.write_table(pa.table(cols), big, row_group_size=5000, compression="none")
    pq.write_table(pa.table(cols).slice(0, 5000), tmp_path / "test.parquet")
    assert big.stat().st_size > 2**20  # over --memory-limit 1 (MB): streamed without --stream
    chainrule = str(Path(sys.executable).parent / "chainrule")
    cmd = [chainrule, "train", "train.parquet", "--memory-limit", "1", "--epochs", "2",
           "--hidden", "4", "--batch-size", "256", "--test", "test.parquet", "--no-loss-plot",
           "--no-early-stopping"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "train.parquet: streaming 40000 rows in chunks of" in done.stdout
    test_line = next(line for line in done.stdout.splitlines() if line.startswith("test"))
    assert float(test_line.split("accuracy")[1].split()[0]) > 0.7
    net = cr.load(tmp_path / "train.chainrule")
    assert net.preprocessor is not None and list(net.classes) == ["no", "yes"]
    again = subprocess.run([chainrule, "evaluate", "train.chainrule", "test.parquet"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)  # fmt: skip
    assert again.returncode == 0 and "accuracy" in again.stdout


def test_cli_scores_a_streamed_regression_on_its_test_file_as_in_memory(tmp_path):
    """``--test FILE`` of a streamed run is scored chunk by chunk; its R² is the one ``chainrule
    evaluate`` computes from the whole test table in memory, and it is a good fit."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(6_000, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=6_000)
    cols = {f"x{j}": X[:, j] for j in range(3)} | {"y": y}
    pq.write_table(pa.table(cols).slice(0, 5_000), tmp_path / "train.parquet", row_group_size=500)
    pq.write_table(pa.table(cols).slice(5_000), tmp_path / "test.parquet", row_group_size=300)
    chainrule = str(Path(sys.executable).parent / "chainrule")
    cmd = [chainrule, "train", "train.parquet", "--stream", "--task", "regression", "--epochs",
           "3", "--hidden", "8", "--test", "test.parquet", "--no-loss-plot", "--quiet"]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    test_line = next(line for line in done.stdout.splitlines() if line.startswith("test"))
    streamed = float(test_line.split("R²")[1].split()[0])
    again = subprocess.run([chainrule, "evaluate", "train.chainrule", "test.parquet"],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)  # fmt: skip
    assert again.returncode == 0, again.stderr
    r2_line = next(line for line in again.stdout.splitlines() if line.startswith("R²"))
    in_memory = float(r2_line.split()[1])
    assert streamed == in_memory and streamed > 0.9  # both printed with 4 decimals


def test_the_progress_bar_runs_when_the_number_of_batches_is_unknown():
    rich_console = pytest.importorskip("rich.console")
    from chainrule.training.progress import ProgressBar

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(100, 3)), (rng.random((100, 1)) > 0.5).astype(float)
    out = io.StringIO()
    bar = ProgressBar(rich_console.Console(file=out, width=100), refresh=0)
    net = cr.MLP([3, 1], output="sigmoid", seed=0)
    hist = cr.fit(net, [(X[:50], y[:50]), (X[50:], y[50:])], epochs=2, verbose=0, callbacks=[bar])
    assert hist.epochs_run == 2
    assert "epoch 2/2" in out.getvalue() and "trained 2 epochs" in out.getvalue()
