"""The quality benchmark's smoke run (benchmarks/bench_quality.py --quick), as CI runs it.

It must run and print one row per dataset with finite mean accuracies in [0, 1]; the goal itself
(chainrule within 0.01 of scikit-learn's MLP) is judged on the full run, in docs/quality.md.
"""

import math
import pathlib
import re
import subprocess
import sys

import pytest

pytest.importorskip("sklearn")
pytest.importorskip("pandas")

SCRIPT = pathlib.Path(__file__).resolve().parents[1] / "benchmarks" / "bench_quality.py"
MEAN = r"(\d+\.\d+) ± (\d+\.\d+)"


def test_the_quick_quality_benchmark_prints_a_row_per_dataset():
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout
    assert "BLAS:" in out
    assert "ColumnTransformer" in out  # says how the raw tables were preprocessed
    for name in ("iris", "penguins"):
        row = re.search(rf"^\| {name} \| (\d+) \| (.*) \|$", out, re.MULTILINE)
        assert row, f"no row for {name} in:\n{out}"
        means = re.findall(MEAN, row.group(2))
        assert len(means) >= 3, row.group(0)  # chainrule, sklearn MLP, logistic
        for mean, std in means:
            assert math.isfinite(float(mean)) and 0 <= float(mean) <= 1, row.group(0)
            assert math.isfinite(float(std)) and float(std) >= 0, row.group(0)
        assert row.group(0).endswith(("| yes |", "| no |"))
    assert "goal (chainrule mean ≥ sklearn MLP mean − 0.01)" in out


def test_an_unknown_dataset_is_a_usage_error():
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--datasets", "nope"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2 and "unknown dataset" in run.stderr
