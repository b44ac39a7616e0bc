"""The scaling benchmark's smoke run (benchmarks/bench_scaling.py --quick): it runs 1 and 2 MPI
ranks and prints its table and the cluster model. No timing is asserted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mpi4py")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(
    not (Path(sys.executable).parent / "mpiexec").exists(), reason="no mpiexec (pip install mpich)"
)
def test_bench_scaling_quick_runs_and_prints_the_table_and_the_model():
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_scaling.py"), "--quick"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = [line.split() for line in done.stdout.splitlines() if line.startswith(" small")]
    table = [r for r in rows if len(r) >= 7 and r[2] in ("1", "2")]
    assert [r[2] for r in table] == ["1", "2"]
    params = 32 * 64 + 64 + 64 + 1  # W1 (33 × 64) and W2 (65 × 1)
    assert all(int(r[1]) == params for r in table)
    assert float(table[0][6]) == 0  # one rank sends nothing
    assert float(table[1][6]) == 2 * (2 - 1) / 2 * (params + 1) * 8  # ring allreduce, 2 ranks
    assert "pays from batch ≥" in done.stdout and "N=16" in done.stdout
