"""Choosing the backend: cr.backend() says which runs and why; set_backend, use_backend, the
environment variable and ``chainrule info``; numba is never imported by ``import chainrule``."""

import importlib.util
import os
import subprocess
import sys

import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.engine import compiled

HAS_NUMBA = importlib.util.find_spec("numba") is not None and importlib.util.find_spec("scipy")


def fresh(code, **env):
    """stdout of ``code`` in a new Python process with ``env`` added to the environment."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**{k: v for k, v in os.environ.items() if k != compiled.ENV}, **env},
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stdout.strip(), done.stderr


def test_import_chainrule_does_not_import_numba():
    code, out, _ = fresh("import sys, chainrule; print('numba' in sys.modules)")
    assert (code, out) == (0, "False")


def test_the_environment_variable_chooses_and_explains():
    code, out, _ = fresh(
        "import chainrule as cr; b = cr.backend(); print(b); print(b.reason)",
        CHAINRULE_BACKEND="numpy",
    )
    assert code == 0 and out.splitlines() == [
        "numpy",
        "the NumPy replay was asked for (CHAINRULE_BACKEND='numpy')",
    ]
    code, out, _ = fresh("import chainrule as cr; print(cr.backend())")
    assert out == ("numba" if HAS_NUMBA else "numpy")


def test_an_unknown_backend_in_the_environment_is_a_clear_error():
    code, _, err = fresh("import chainrule as cr; cr.backend()", CHAINRULE_BACKEND="fortran")
    assert code != 0
    assert "BackendError: CHAINRULE_BACKEND='fortran' is not a backend; use one of numpy, " in err


def test_the_command_line_refuses_an_unknown_backend_before_any_work(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", "train", "--dataset", "moons", "--epochs", "2"],
        env={**os.environ, compiled.ENV: "fortran"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stdout == ""  # nothing trained, nothing printed
    assert done.stderr.strip() == (
        "chainrule train: error: CHAINRULE_BACKEND='fortran' is not a backend; use one of numpy, "
        "numba, auto (or unset it)"
    )
    assert list(tmp_path.iterdir()) == []  # no model written


def test_set_backend_and_use_backend():
    before = cr.backend()
    with cr.use_backend("numpy") as chosen:
        assert chosen == cr.backend() == "numpy" and "cr.set_backend='numpy'" in chosen.reason
        with cr.use_backend("auto"):
            assert cr.backend() == ("numba" if HAS_NUMBA else "numpy")
        assert cr.backend() == "numpy"
    assert cr.backend() == before
    with pytest.raises(cr.BackendError, match=r"unknown backend 'jax'; choose one of numpy, num"):
        cr.set_backend("jax")
    assert cr.backend() == before


def test_numba_asked_for_where_it_is_missing(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        compiled.importlib.util, "find_spec", lambda name: None if name == "numba" else real(name)
    )
    with pytest.raises(cr.BackendError, match=r"numba is not installed \(pip install"):
        cr.set_backend("numba")
    with cr.use_backend("auto"):
        b = cr.backend()
        assert b == "numpy" and b.reason.startswith("numba is not installed")
        assert compiled.step_module() is None  # the replay runs
    monkeypatch.undo()
    assert cr.backend() == ("numba" if HAS_NUMBA else "numpy")


def test_chainrule_info_names_the_backend(capsys):
    with cr.use_backend("numpy"):
        assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert f"chainrule {cr.__version__}, NumPy " in out
    assert "backend:  numpy: the NumPy replay was asked for (cr.set_backend='numpy')" in out
    assert "numba:    " in out


def test_auto_switches_each_network_at_the_same_step_in_every_run(monkeypatch):
    """Under auto a network's steps run on NumPy until their estimated NumPy time reaches
    AUTO_SECONDS, then compiled. The count is the network's own and reads no clock: two runs
    give the same weights bit for bit, whether numba was already loaded or not, and the steps
    before the switch are exactly the replay's."""
    pytest.importorskip("numba")
    import numpy as np

    X = np.random.default_rng(0).normal(size=(8, 2))
    y = (X[:, :1] > 0).astype(np.float64)
    per_step = compiled.step_seconds([2, 2, 1], len(X))
    monkeypatch.setattr(compiled, "AUTO_SECONDS", 5.5 * per_step)  # compiled from step 7 on

    def run(steps):
        net = cr.MLP([2, 2, 1], seed=0)
        for _ in range(steps):
            net.step(X, y, lr=0.5)
        return net

    with cr.use_backend("numpy"):
        replay6, replay12 = run(6), run(12)
    with cr.use_backend("auto"):
        assert cr.backend().auto
        early = run(6)
        assert not early.__dict__.get("_compiled")  # six steps: all on NumPy
        first, second = run(12), run(12)
    with cr.use_backend("numba"):  # numba loaded and used from the first step by name
        assert not cr.backend().auto and compiled.ready(0.0)
        run(3)
    with cr.use_backend("auto"):
        third = run(12)
    for a, b in zip(early.weights, replay6.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    steps = first.__dict__["_compiled"].values()
    assert any(step is not False for step in steps)  # the last six ran compiled
    for a, b, c, d in zip(first.weights, second.weights, third.weights, replay12.weights,
                          strict=True):  # fmt: skip
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
        np.testing.assert_allclose(a, d, rtol=0, atol=8 * np.finfo(a.dtype).eps)


def test_the_estimated_step_time_grows_with_the_network_and_the_batch():
    small = compiled.step_seconds([2, 2, 1], 1)
    assert 20e-6 <= small < 60e-6  # a replayed 2-2-1 step costs 25–40 µs on NumPy
    assert compiled.step_seconds([2, 2, 1], 32) > small
    large = compiled.step_seconds([784, 1024, 1024, 10], 256)
    assert 0.01 < large < 0.2  # about 2.4 GFLOP a step
