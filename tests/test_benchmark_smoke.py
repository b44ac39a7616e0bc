"""The benchmark's smoke run, as CI runs it: it must run and print. No timing is asserted."""

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
    assert "Peak memory: fit" in out
