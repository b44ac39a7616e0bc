"""Hostile inputs (issue 16): huge labels and cells, FIFOs and devices, outputs over inputs,
many classes, unseen labels, and atomic writes that fail or are interrupted."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.cli.evaluate import confusion_matrix, top_confusions
from chainrule.data import limits
from chainrule.data.table import parse_table, read_table
from chainrule.errors import DataError, FileWriteError
from chainrule.io import atomic
from chainrule.io.atomic import atomic_write, atomic_write_text

QUICK = ["--epochs", "3", "--validation", "0", "--no-early-stopping", "--no-loss-plot", "-q"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def labelled(path, labels, seed=0):
    rng = np.random.default_rng(seed)
    rows = [
        f"{a:.4f},{b:.4f},{lab}"
        for lab, (a, b) in zip(labels, rng.normal(size=(len(labels), 2)), strict=True)
    ]
    return write(path, "x1,x2,label\n" + "\n".join(rows) + "\n")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    data = labelled(folder / "d.csv", ["a", "b"] * 30)
    assert main(["train", str(data), "--out", str(folder / "m.chainrule"), *QUICK]) == 0
    return folder / "m.chainrule", data


# ---------------------------------------------------------------- D3: labels past int64


def test_labels_of_more_than_18_digits_stay_exact_through_train_and_evaluate(tmp_path, capsys):
    big = [12345678901234567890123, 12345678901234567890124, 99999999999999999999]
    data = labelled(tmp_path / "big.csv", big * 10)
    out = tmp_path / "big.chainrule"
    code, _, err = run(capsys, "train", data, "--out", out, "--test-size", "0", *QUICK)
    assert code == 0, err
    assert sorted(map(str, cr.load(out).classes.tolist())) == sorted(map(str, big))
    code, text, err = run(capsys, "evaluate", out, data, "--plain")
    assert code == 0, err
    assert all(str(b) in text for b in big) and "1.2345678901234568e+22" not in text


# ---------------------------------------------------------------- D4/D5: cell size


def test_a_cell_over_128_kib_is_read_and_one_over_the_limit_is_named(tmp_path):
    cell = "x" * 200_000  # Python's csv module stopped at 128 KiB
    table = read_table(write(tmp_path / "ok.csv", f'a,note\n1,"{cell}"\n'))
    assert len(table.column("note").values[0]) == 200_000
    huge = "y" * (limits.MAX_CELL_BYTES + 1)
    path = write(tmp_path / "huge.csv", f"a,note\n1,short\n2,{huge}\n")
    with pytest.raises(DataError, match=r"huge\.csv, line 3, column 'note': a cell of .*MAX_CELL"):
        read_table(path)


def test_the_cell_limit_counts_utf8_bytes_and_can_be_changed(monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELL_BYTES", 100)
    parse_table("a\n" + "é" * 50 + "\n", source="up.csv")  # 100 bytes: at the limit
    with pytest.raises(DataError, match=r"up\.csv, line 2, column 'a': a cell of 102 bytes"):
        parse_table("a\n" + "é" * 51 + "\n", source="up.csv")


def test_train_on_a_huge_cell_exits_2_naming_the_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CELL_BYTES", 1000)
    data = write(tmp_path / "d.csv", "x,label\n1,a\n2," + "b" * 2000 + "\n")
    code, _, err = run(capsys, "train", data, "--out", tmp_path / "m.chainrule", *QUICK)
    assert code == 2 and "d.csv, line 3, column 'label'" in err and "Traceback" not in err


# ---------------------------------------------------------------- must hold 3: not a file, size


def _cli(*args):
    code = "import sys; from chainrule.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, timeout=60
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_fifo_is_refused_before_it_is_opened(tmp_path, model):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    start = time.monotonic()
    for args in (
        ["train", fifo, "--out", tmp_path / "x.chainrule"],
        ["evaluate", model[0], fifo],
        ["predict", fifo, model[1]],
        ["info", fifo],
    ):
        result = _cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "is not a regular file (a FIFO" in result.stderr
    assert time.monotonic() - start < 50


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_is_refused_promptly(tmp_path, model):
    for args in (
        ["train", "/dev/zero", "--out", tmp_path / "x.chainrule"],
        ["predict", model[0], "/dev/zero"],
    ):
        result = _cli(*args)
        assert result.returncode == 2 and "is not a regular file (a device)" in result.stderr


def test_a_table_over_the_size_limit_is_refused(tmp_path, monkeypatch):
    path = write(tmp_path / "t.csv", "a,b\n" + "1,2\n" * 100)
    monkeypatch.setattr(limits, "MAX_TABLE_BYTES", 50)
    with pytest.raises(DataError, match=r"t\.csv: the file is .* over the limit .*MAX_TABLE_BYTES"):
        read_table(path)
    with pytest.raises(DataError, match="MAX_TABLE_BYTES"):
        read_table(path.rename(tmp_path / "t.parquet"))


# ---------------------------------------------------------------- D7: unseen labels


@pytest.mark.parametrize("kind", ["object", "series"])
def test_unseen_labels_in_an_object_array_or_series_are_a_value_error(kind):
    pd = pytest.importorskip("pandas")
    net = cr.MLP([2, 3, 3], output="softmax", seed=0)
    net.classes = np.array(["a", "b", "c"], dtype=object)
    y = np.array(["a", "zebra"], dtype=object) if kind == "object" else pd.Series(["a", "zebra"])
    with pytest.raises(ValueError, match="zebra"):
        net.error(np.zeros((2, 2)), y)


# ---------------------------------------------------------------- D8: outputs over inputs


@pytest.mark.parametrize("flag,suffix", [([], ".loss.png"), (["--plot"], ".boundary.png")])
def test_a_plot_path_that_is_the_input_is_refused_before_training(tmp_path, capsys, flag, suffix):
    out = tmp_path / "m.chainrule"
    data = labelled(tmp_path / f"m.chainrule{suffix}", ["a", "b"] * 20)  # a CSV, whatever its name
    before = data.read_bytes()
    args = [a for a in QUICK if a != "--no-loss-plot"] if not flag else QUICK
    code, _, err = run(capsys, "train", data, "--out", out, *flag, *args)
    assert code == 2 and "is also an input" in err
    assert data.read_bytes() == before and not out.exists()


def test_a_loss_plot_over_the_test_file_is_refused(tmp_path, capsys):
    data = labelled(tmp_path / "d.csv", ["a", "b"] * 20)
    test = labelled(tmp_path / "m.chainrule.loss.png", ["a", "b"] * 5, seed=1)
    code, _, err = run(capsys, "train", data, "--test", test, "--out", tmp_path / "m.chainrule",
                       "--epochs", "2", "--validation", "0", "--no-early-stopping")  # fmt: skip
    assert code == 2 and "is also an input" in err


# ---------------------------------------------------------------- D9: many classes


def test_more_classes_than_max_classes_exits_2_saying_what_to_do(tmp_path, capsys):
    data = labelled(tmp_path / "d.csv", [f"c{k}" for k in range(60)])
    code, _, err = run(
        capsys, "train", data, "--max-classes", "50", "--out", tmp_path / "m.chainrule"
    )
    assert code == 2 and "60 distinct labels" in err
    assert "--task regression" in err and "--max-classes 60" in err
    ids = labelled(tmp_path / "ids.csv", [f"id{k}" for k in range(1001)])
    code, _, err = run(capsys, "train", ids, "--out", tmp_path / "m.chainrule")
    assert code == 2 and "more than --max-classes 1000" in err


def test_evaluate_with_many_classes_prints_the_top_confusions(tmp_path, capsys):
    data = labelled(tmp_path / "d.csv", [f"c{k}" for k in range(30)] * 3)
    out = tmp_path / "m.chainrule"
    assert run(capsys, "train", data, "--out", out, "--test-size", "0", *QUICK)[0] == 0
    code, text, err = run(capsys, "evaluate", out, data)
    assert code == 0, err
    assert "accuracy" in text and "log-loss" in text and "most frequent confusions" in text
    assert "(rows: true class" not in text and len(text.splitlines()) <= 16


def test_top_confusions_agree_with_the_confusion_matrix():
    rng = np.random.default_rng(0)
    classes = np.array([f"k{i}" for i in range(25)])
    y, guess = rng.choice(classes, 500), rng.choice(classes, 500)
    C = confusion_matrix(y, guess, classes)
    np.fill_diagonal(C, 0)
    top = top_confusions(y, guess, classes)
    counts = sorted(C.ravel().tolist(), reverse=True)[:10]
    assert [c for _, _, c in top] == counts
    index = {c: i for i, c in enumerate(classes.tolist())}
    assert all(C[index[t], index[p]] == n for t, p, n in top)


# ---------------------------------------------------------------- must hold 5: atomic writes


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_disk_full_names_the_file_and_leaves_no_temp(tmp_path):
    target = write(tmp_path / "m.chainrule", "old")

    def full(f):
        f.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(
        FileWriteError, match=r"cannot write the model to .*m\.chainrule: the disk is full"
    ) as info:
        atomic_write(target, full, "the model")
    assert info.value.errno == errno.ENOSPC and isinstance(info.value, OSError)
    assert _leftovers(tmp_path) == [] and target.read_text() == "old"


def test_a_keyboard_interrupt_mid_write_leaves_no_temp(tmp_path):
    def interrupted(f):
        f.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "p.csv", interrupted, "the predictions")
    assert _leftovers(tmp_path) == [] and not (tmp_path / "p.csv").exists()


def test_a_stale_temp_of_the_same_target_is_cleaned_and_others_are_kept(tmp_path):
    old = time.time() - atomic.STALE_SECONDS - 60
    stale = write(tmp_path / ".m.chainrule.chainrule-abcd1234.tmp", "killed run")
    fresh = write(tmp_path / ".m.chainrule.chainrule-efgh5678.tmp", "a run now")
    other = write(tmp_path / ".n.chainrule.chainrule-abcd1234.tmp", "another target")
    mine = write(tmp_path / ".m.chainrule.abcd1234.tmp", "not our pattern")
    for path in (stale, other, mine):
        os.utime(path, (old, old))
    atomic_write_text(tmp_path / "m.chainrule", "new", "the model")
    assert not stale.exists() and fresh.exists() and other.exists() and mine.exists()


def test_permission_denied_names_the_file(tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", denied)
    with pytest.raises(
        FileWriteError, match=r"cannot write the plot to .*loss\.png: permission denied"
    ):
        atomic_write_text(tmp_path / "loss.png", "x", "the plot")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root ignores modes")
def test_a_read_only_folder_names_the_file(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(FileWriteError, match=r"ro/p\.csv: permission denied"):
            atomic_write_text(folder / "p.csv", "x", "the predictions")
    finally:
        folder.chmod(0o700)


def test_the_reading_limits_can_be_changed_from_the_command_line(capsys, tmp_path):
    from chainrule.cli import main
    from chainrule.data import limits

    rows = "\n".join(f"{i},{'x' * 300},{i % 2}" for i in range(40))
    data = tmp_path / "wide.csv"
    data.write_text("n,note,label\n" + rows + "\n")
    before = limits.MAX_CELL_BYTES, limits.MAX_TABLE_BYTES
    code = main(["--max-cell-bytes", "100", "train", str(data), "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 2 and "line 2, column 'note'" in err and "--max-cell-bytes" in err
    code = main(["--max-table-bytes", "50", "train", str(data), "--out", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 2 and "over the limit of 50 bytes" in err and "--max-table-bytes" in err
    assert before == (limits.MAX_CELL_BYTES, limits.MAX_TABLE_BYTES)  # for that command only
    code = main(["--max-cell-bytes", "0", "train", str(data)])
    assert code == 2 and "--max-cell-bytes" in capsys.readouterr().err
