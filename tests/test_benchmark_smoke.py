"""The benchmark's smoke run, as CI runs it: it must run and print, both backends (numba where
installed, and numpy). No timing is asserted."""

import importlib.util
import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_step.py"


def test_the_quick_benchmark_runs_and_prints_its_tables():
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "matmul rate" in out
    assert "| 2-2-1 | 1 | float32 |" in out  # the step table, chainrule and every installed peer
    assert "| chainrule fit |" in out and "| fit + progress |" in out  # the epoch through fit
    assert "| fit, numpy backend |" in out
    assert "Peak memory: fit" in out
    header = next(line for line in out.splitlines() if line.startswith("| net | batch |"))
    assert "| cr numpy | net.step numpy |" in header  # the numpy backend, always
    row = next(line for line in out.splitlines() if line.startswith("| 2-2-1 | 1 | float32 |"))
    if importlib.util.find_spec("numba") and importlib.util.find_spec("scipy"):
        assert "chainrule backends: numba" in out
        assert "| chainrule | net.step | cr numpy |" in header
        assert row.split("|")[4].strip() != "—"  # the numba step was timed
        assert "first step, cache empty" in out  # the compile cost against the steady state
    else:
        assert "chainrule backends: numpy only" in out


def test_the_threads_benchmark_runs_and_prints_both_thread_counts():
    script = SCRIPT.parent / "bench_threads.py"
    run = subprocess.run(
        [sys.executable, str(script), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| 2-2-1 |")]
    assert len(rows) == 4  # batch 1 and 32, float32 and float64
    for row in rows:
        one, many, ratio = (cell.strip() for cell in row.split("|")[4:7])
        assert float(one.replace(",", "")) > 0 and float(many.replace(",", "")) > 0
        assert float(ratio) > 0
    assert "BLAS (as the steps ran): " in run.stdout
