"""``chainrule explain``, ``export`` and ``playground`` on the command line.

The explanation the CLI prints must be the library's own (`cr.explain` on the same model, data
row and weight), with the same numbers; bad rows and weights end with one error line, status 2.
"""

import contextlib
import csv
import importlib.util
import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.explain import lecture_example


def run(capsys, *args):
    """(exit status, stdout, stderr) of ``chainrule <args>``, run in-process."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def moons_csv(tmp_path_factory):
    """200 two-moon points with string labels, the label column first."""
    X, y = cr.make_moons(200, noise=0.1, seed=0)
    path = tmp_path_factory.mktemp("explain") / "moons.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        rows = [
            [lab, f"{a:.6f}", f"{b:.6f}"]
            for lab, (a, b) in zip(np.array(["up", "down"])[y], X, strict=True)
        ]
        csv.writer(f).writerows([["label", "x1", "x2"], *rows])
    return path


@pytest.fixture(scope="module")
def moons_model(moons_csv):
    """A 2-8-4-1 model trained on moons.csv by the CLI."""
    out = moons_csv.with_name("m.chainrule")
    with contextlib.redirect_stdout(io.StringIO()):
        code = main(
            ["train", str(moons_csv), "--target", "label", "--hidden", "8,4", "--epochs", "20",
             "--out", str(out), "-q", "--no-loss-plot"]
        )  # fmt: skip
    assert code == 0 and out.is_file()
    return out


@pytest.mark.parametrize("command", ["explain", "export", "playground"])
def test_new_commands_have_help(capsys, command):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and out.startswith(f"usage: chainrule {command}")


def test_explain_lecture_prints_the_lectures_numbers(capsys):
    code, out, _ = run(capsys, "explain", "--lecture")
    assert code == 0
    net, X, y = lecture_example()
    engine = net.gradients(X[:1], y[:1])[0][0, 0]
    assert "∂h/∂h₁" in out and "W₁₁⁽²⁾ σ(h₁)(1 − σ(h₁))" in out
    printed = re.search(r"So ∂E/∂W₁₁⁽¹⁾ = (−?[0-9]+\.[0-9]+)", out).group(1).replace("−", "-")
    np.testing.assert_allclose(float(printed), engine, rtol=1e-7)  # −0.078266687
    assert "Proven" in out


def test_explain_json_matches_the_library_on_a_saved_model(capsys, moons_model, moons_csv):
    code, out, err = run(
        capsys, "explain", moons_model, "--data", moons_csv, "--target", "label",
        "--weight", "W1[2,3]", "--row", "5", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads(out)
    net = cr.load(moons_model)
    ds = cr.load_csv(moons_csv, target="label")
    ex = cr.explain(net, ds.X, ds.classes[ds.y], weight="W1[2,3]", sample=5)
    assert doc["weight"]["name"] == "W1[2,3]"
    np.testing.assert_allclose(doc["value"], ex.value, rtol=1e-12)
    engine = net.gradients(ds.X[5:6], ds.classes[ds.y][5:6])[0][1, 2]
    np.testing.assert_allclose(doc["value"], engine, rtol=1e-7)


def test_explain_html_is_written_to_a_file(capsys, tmp_path, moons_model, moons_csv):
    out_file = tmp_path / "why.html"
    code, out, _ = run(
        capsys, "explain", moons_model, "--data", moons_csv, "--target", "label",
        "--format", "html", "--out", out_file,
    )  # fmt: skip
    assert code == 0 and f"wrote {out_file}" in out
    html = out_file.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and "<svg" in html
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--row", "9999"], r"--row 9999 is out of range: the data has 200 row\(s\) \(0\.\.199"),
        (["--row", "x"], r"--row must be a row number"),
        (["--weight", "W9[1,1]"], r"layer 9, but the network has layers 1\.\.3"),
        (["--weight", "bogus"], r"weight"),
    ],
)
def test_explain_bad_rows_and_weights_exit_2(capsys, moons_model, moons_csv, args, message):
    code, out, err = run(capsys, "explain", moons_model, "--data", moons_csv, *args)
    assert code == 2 and out == ""
    assert err.startswith("chainrule explain: error: ") and len(err.splitlines()) == 1
    assert re.search(message, err)


def test_explain_needs_a_model_and_data_or_the_lecture(capsys, moons_model):
    assert run(capsys, "explain")[0] == 2
    code, _, err = run(capsys, "explain", moons_model)
    assert code == 2 and "--data" in err
    code, _, err = run(capsys, "explain", moons_model, "--lecture")
    assert code == 2 and "--lecture" in err


def test_explain_piped_into_head_stops_quietly(tmp_path):
    cmd = f"{sys.executable} -m chainrule explain --lecture | head -1"
    done = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("The chain rule for")
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr


@pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None, reason="onnx/onnxruntime not installed"
)
def test_export_writes_an_onnx_model_that_runs(capsys, tmp_path, moons_model):
    import onnxruntime

    out_file = tmp_path / "m.onnx"
    code, out, _ = run(capsys, "export", moons_model, out_file)
    assert code == 0 and out_file.is_file() and out.startswith(f"wrote {out_file}")
    net = cr.load(moons_model)
    X = np.random.default_rng(0).normal(size=(7, 2))
    session = onnxruntime.InferenceSession(str(out_file), providers=["CPUExecutionProvider"])
    (yhat,) = session.run(None, {"X": X.astype(net.dtype)})
    np.testing.assert_allclose(yhat, net.predict_proba(X), atol=1e-5)


def test_playground_refuses_a_bad_port(capsys):
    code, _, err = run(capsys, "playground", "--port", "70000", "--no-browser")
    assert code == 2 and err.startswith("chainrule playground: error: --port")
