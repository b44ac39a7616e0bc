"""The compiled step's own e^x and log(1 + x) (engine/compiled/vecmath.py): accurate to the last
bit or so over their whole range, right at the edges (overflow, subnormals, inf, NaN), float32
results in float32, and no call into the C library left in the loops that use them (such a call
is what kept those loops from being vectorised)."""

import math
import os
import subprocess
import sys

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from chainrule.engine.compiled import vecmath  # noqa: E402


@numba.njit(error_model="numpy")
def exp_all(x, out):
    for i in range(x.shape[0]):
        out[i] = vecmath.cast_like(vecmath.exp(x[i]), out[0])


@numba.njit(error_model="numpy")
def log1p_all(x, out):
    for i in range(x.shape[0]):
        out[i] = vecmath.cast_like(vecmath.log1p(x[i]), out[0])


#: float64 results are measured against np.longdouble, which is x87's 64-bit mantissa on x86
#: and only float64 on some platforms (arm64 macOS): there a float64 reference cannot judge 0.7 ulp
needs_long_double = pytest.mark.skipif(
    np.finfo(np.longdouble).nmant < 63, reason="np.longdouble is no wider than float64 here"
)


def ulps(got, exact):
    """|got − exact| in units of the last place of ``got``'s dtype at the exact value."""
    rounded = exact.astype(got.dtype)
    return np.abs(got.astype(np.longdouble) - exact) / np.spacing(np.abs(rounded)).astype(
        np.longdouble
    )


@needs_long_double
def test_exp_is_within_0_7_ulp_of_the_exact_value():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(-700, 700, 200_000), rng.uniform(-3, 3, 200_000)])
    got = np.empty_like(x)
    exp_all(x, got)
    err = ulps(got, np.exp(x.astype(np.longdouble)))
    assert float(err.max()) < 0.7
    assert float(np.mean(err > 0.5)) < 0.05  # rounded correctly nearly always


def test_exp_at_its_edges():
    x = np.array([0.0, -0.0, 1.0, 709.78, 709.79, 710.0, 1e308, np.inf, -708.3, -708.5, -740.0,
                  -745.13, -745.2, -1e308, -np.inf, np.nan])  # fmt: skip
    got = np.empty_like(x)
    exp_all(x, got)
    with np.errstate(over="ignore", under="ignore"):
        want = np.exp(x)
    np.testing.assert_array_equal(got[[0, 1]], [1.0, 1.0])
    assert abs(got[2] - math.exp(1.0)) <= np.spacing(math.exp(1.0))
    assert np.isinf(got[[4, 5, 6, 7]]).all() and np.isfinite(got[3])  # e^709.79 overflows
    assert abs(got[8] - want[8]) <= np.spacing(want[8])  # the smallest normal results
    tiny = got[9:12]  # subnormal results: rounded twice at most, so within one of their ulps
    assert (np.abs(tiny - want[9:12]) <= np.spacing(want[9:12])).all() and (tiny > 0).all()
    assert (got[[12, 13, 14]] == 0.0).all()  # e^(−745.2) is below half the smallest subnormal
    assert np.isnan(got[15])


def test_float32_results_are_float32_and_rounded_once():
    rng = np.random.default_rng(1)
    x = rng.uniform(-87, 88, 100_000).astype(np.float32)
    got = np.empty_like(x)
    exp_all(x, got)
    err = ulps(got, np.exp(x.astype(np.longdouble)))
    assert got.dtype == np.float32 and float(err.max()) <= 0.5 + 1e-6


@pytest.mark.parametrize("dtype", [pytest.param(np.float64, marks=needs_long_double), np.float32])
def test_log1p_on_the_unit_interval(dtype):
    rng = np.random.default_rng(2)
    x = np.concatenate([
        rng.random(100_000), np.exp(-rng.uniform(0, 700, 100_000)), [0.0, 0.5, 1.0, 5e-324, 1e-17]
    ]).astype(dtype)  # fmt: skip
    got = np.empty_like(x)
    log1p_all(x, got)
    exact = np.log1p(x.astype(np.longdouble))
    nonzero = exact != 0
    err = ulps(got[nonzero], exact[nonzero])
    assert float(err.max()) < 2.0 and float(np.mean(err > 1.0)) < 0.05
    assert (got[~nonzero] == 0).all()


CHECK_IR = """
import numpy as np
from chainrule.engine.compiled import kernels
a, c = np.zeros((4, 3)), np.zeros(32)
kernels.activate(a, 0, c)
kernels.loss_and_delta(a, a, np.zeros(0, np.intp), np.ones(4), 0, a.copy(), a.copy(), c)
for fn in (kernels.activate, kernels.loss_and_delta):
    for ir in fn.inspect_llvm().values():
        calls = [ln.strip() for ln in ir.splitlines() if " call " in ln]
        print(len(calls), "calls")
        for ln in calls:
            if "@llvm.exp" in ln or "@exp" in ln or "log1p" in ln:
                print("LIBRARY CALL", ln)
"""


def test_the_kernels_call_no_exp_or_log1p_of_the_c_library(tmp_path):
    """``math.exp`` would appear in the compiled IR as a call of llvm.exp (``math.log1p``: of
    log1p). Compiled in a fresh process with an empty cache: numba shows no IR of cached code."""
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "-c", CHECK_IR], env=env, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert "calls" in run.stdout and "LIBRARY CALL" not in run.stdout, run.stdout
