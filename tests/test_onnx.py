"""ONNX export: onnx.checker passes, and onnxruntime computes what chainrule computes, to 1e-5.

Every hidden activation × every output, float32 and float64, with and without the stored
standardisation; the graph's names, dynamic batch and metadata; the atomic write; and the
``chainrule export`` command (:mod:`chainrule.cli.export`).
"""

import json
import os
import sys

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

import chainrule as cr  # noqa: E402
from chainrule.cli import main  # noqa: E402
from chainrule.data.scaling import Standardizer  # noqa: E402
from chainrule.io.onnx_export import onnx_model, to_onnx  # noqa: E402

HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
OUTPUTS = {"sigmoid": 2, "softmax": 3, "identity": 2}  # output → units


def random_net(hidden, output, dtype, seed=0):
    """A 4-6-5-k MLP with random (non-zero) bias rows, so a bias mix-up would show."""
    gen = np.random.default_rng(seed)
    net = cr.MLP([4, 6, 5, OUTPUTS[output]], hidden=hidden, output=output, seed=gen, dtype=dtype)
    for W in net.weights:
        W[-1] = gen.normal(size=W.shape[1])
    return net


def run(path, X):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["yhat"], {"X": X})[0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize("scaled", [False, True], ids=["raw", "scaler"])
def test_onnxruntime_matches_chainrule(tmp_path, hidden, output, dtype, scaled):
    rng = np.random.default_rng(1)
    X = (rng.normal(size=(64, 4)) * [1, 10, 0.1, 3] + [0, 5, -2, 1]).astype(dtype)
    net = random_net(hidden, output, dtype)
    if scaled:
        net.scaler = Standardizer().fit(X)
    path = net.to_onnx(tmp_path / "model.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    yhat = run(path, X)
    assert yhat.dtype == dtype and yhat.shape == (64, OUTPUTS[output])
    np.testing.assert_allclose(yhat, net.forward(X), rtol=0, atol=1e-5)
    # a dynamic batch: one sample, and a batch of another size, through the same session
    np.testing.assert_allclose(run(path, X[:1]), net.forward(X[:1]), rtol=0, atol=1e-5)
    np.testing.assert_allclose(run(path, X[:7]), net.forward(X[:7]), rtol=0, atol=1e-5)


def test_float64_graph_is_exact_to_rounding(tmp_path):
    """In float64 (no leaky ReLU, whose ONNX slope attribute is a float32) the runtime agrees
    with chainrule to a few ulps, not just to 1e-5."""
    X = np.random.default_rng(2).normal(size=(50, 4))
    for output in OUTPUTS:
        net = random_net("tanh", output, np.float64)
        net.scaler = Standardizer().fit(X)
        yhat = run(net.to_onnx(tmp_path / f"{output}.onnx"), X)
        np.testing.assert_allclose(yhat, net.forward(X), rtol=1e-12, atol=1e-14)


def test_graph_names_ops_and_metadata(tmp_path):
    net = random_net("leaky_relu", "softmax", np.float64)
    net.classes = np.array(["cat", "dog", "émeu"])
    net.feature_names = ["a", "b", "c", "d"]
    net.scaler = Standardizer().fit(np.random.default_rng(0).normal(size=(20, 4)))
    model = onnx.load(str(to_onnx(net, tmp_path / "m.onnx")))
    graph = model.graph
    assert [i.name for i in graph.input] == ["X"]
    assert [o.name for o in graph.output] == ["yhat"]
    dims = graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param and not dims[0].dim_value  # a named, dynamic batch dimension
    assert dims[1].dim_value == 4
    assert graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    ops = [node.op_type for node in graph.node]
    assert ops == ["Sub", "Div", "Gemm", "LeakyRelu", "Gemm", "LeakyRelu", "Gemm", "Softmax"]
    leaky = next(n for n in graph.node if n.op_type == "LeakyRelu")
    assert onnx.helper.get_attribute_value(leaky.attribute[0]) == pytest.approx(0.01)
    softmax = next(n for n in graph.node if n.op_type == "Softmax")
    assert onnx.helper.get_attribute_value(softmax.attribute[0]) == -1
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["classes"]) == ["cat", "dog", "émeu"]
    assert json.loads(meta["feature_names"]) == ["a", "b", "c", "d"]
    assert meta["chainrule_version"] == cr.__version__
    assert meta["task"] == "multiclass"
    assert json.loads(meta["activations"]) == ["leaky_relu", "leaky_relu", "softmax"]
    assert model.producer_name == "chainrule"


def test_classes_held_as_objects_are_written_as_plain_json():
    net = random_net("tanh", "softmax", np.float64)
    net.classes = np.array([np.int64(3), np.int64(5), np.int64(9)], dtype=object)
    meta = {p.key: p.value for p in onnx_model(net).metadata_props}
    assert json.loads(meta["classes"]) == [3, 5, 9]


def test_identity_output_and_no_scaler_have_no_extra_nodes():
    net = random_net("relu", "identity", np.float32)
    ops = [node.op_type for node in onnx_model(net).graph.node]
    assert ops == ["Gemm", "Relu", "Gemm", "Relu", "Gemm"]


def test_dtype_override_rounds_a_float64_network_to_float32(tmp_path):
    X = np.random.default_rng(3).normal(size=(30, 4))
    net = random_net("sigmoid", "softmax", np.float64)
    path = to_onnx(net, tmp_path / "f32.onnx", dtype=np.float32)
    yhat = run(path, X.astype(np.float32))
    assert yhat.dtype == np.float32
    np.testing.assert_allclose(yhat, net.forward(X), rtol=0, atol=1e-5)


def test_a_trained_network_exports(tmp_path):
    X, y = cr.make_moons(n=120, noise=0.2, seed=0)
    net = cr.MLP([2, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    for _ in range(50):
        net.step(X, y, lr=0.5)
    yhat = run(net.to_onnx(tmp_path / "moons.onnx"), X)
    np.testing.assert_allclose(yhat, net.forward(X), rtol=0, atol=1e-5)


def test_write_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "model.onnx"
    net = random_net("tanh", "sigmoid", np.float64)
    net.to_onnx(path)
    before = path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    other = random_net("relu", "identity", np.float64, seed=5)
    with pytest.raises(OSError, match="disk full"):
        other.to_onnx(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]  # no temporary left


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_bad_inputs_are_refused_clearly(tmp_path):
    net = random_net("tanh", "sigmoid", np.float64)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        net.to_onnx(tmp_path / "missing" / "m.onnx")
    with pytest.raises(ValueError, match="opset"):
        onnx_model(net, opset=11)
    with pytest.raises(TypeError, match="float32 or float64"):
        onnx_model(net, dtype=np.int32)
    with pytest.raises(TypeError, match="MLP or Sequential"):
        onnx_model("not a network")
    net.weights[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="W1 holds NaN"):
        onnx_model(net)


def chainrule_export(model_path, out_path):
    return main(["export", str(model_path), str(out_path)])


def test_export_command(tmp_path, capsys):
    X = np.random.default_rng(4).normal(size=(40, 4)) * 5 + 2
    net = random_net("relu", "softmax", np.float64)
    net.classes = np.array([10, 20, 30])
    net.scaler = Standardizer().fit(X)
    net.save(tmp_path / "model.chainrule")
    assert chainrule_export(tmp_path / "model.chainrule", tmp_path / "model.onnx") == 0
    out = capsys.readouterr().out
    assert "model.onnx" in out and "standardisation included" in out and "[10, 20, 30]" in out
    np.testing.assert_allclose(
        run(tmp_path / "model.onnx", X), net.forward(X), rtol=1e-12, atol=1e-14
    )

    assert chainrule_export(tmp_path / "nope.chainrule", tmp_path / "x.onnx") == 2
    assert capsys.readouterr().err.startswith("chainrule export: error: ")
    assert not (tmp_path / "x.onnx").exists()
    assert chainrule_export(tmp_path / "model.chainrule", tmp_path / "no" / "x.onnx") == 2
    assert "does not exist" in capsys.readouterr().err


def test_export_command_without_onnx(tmp_path, capsys, monkeypatch):
    random_net("tanh", "sigmoid", np.float64).save(tmp_path / "m.chainrule")
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if onnx were not installed
    assert chainrule_export(tmp_path / "m.chainrule", tmp_path / "m.onnx") == 1
    assert "pip install" in capsys.readouterr().err
