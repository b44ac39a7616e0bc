"""ONNX export of a network trained on a table: the preprocessing runs inside the graph.

The graph takes one (N, 1) input per raw column (float with NaN for numeric, string for bool and
text) and onnxruntime computes what ``net.predict_proba(preprocessor.transform(table))`` computes,
to 1e-5: rows with missing numbers, missing and unseen categories included (unseen: all zeros,
where Preprocessor.transform also warns). And ``chainrule export`` of a model trained from a CSV
with text columns (:mod:`chainrule.cli.export`).
"""

import csv
import json
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pd = pytest.importorskip("pandas")

import chainrule as cr  # noqa: E402
from chainrule.cli import main  # noqa: E402
from chainrule.data import Preprocessor, read_table, table_from_frame  # noqa: E402
from chainrule.errors import DataWarning  # noqa: E402
from chainrule.io.onnx_export import onnx_model  # noqa: E402

#: Preprocessor settings: the defaults, median fill with missing indicators, no standardising
OPTIONS = {
    "mean": {},
    "indicators": {"indicators": True, "impute": "median"},
    "unscaled": {"scale": False},
}


def frame(n, seed):
    """size (float, some NaN), legs (int), colour (text, some missing), indoor (bool); a label."""
    rng = np.random.default_rng(seed)
    size = rng.normal(3.0, 2.0, n)
    size[rng.random(n) < 0.15] = np.nan
    colour = rng.choice(np.array(["red", "blue", "green", None], dtype=object), n)
    indoor = rng.random(n) < 0.4
    df = pd.DataFrame(
        {"size": size, "legs": rng.integers(2, 5, n), "colour": colour, "indoor": indoor}
    )
    label = np.where((df["colour"] == "red") ^ (df["size"] > 3) ^ indoor, "cat", "dog")
    return df, label


def trained(df, label, *, dtype=np.float64, output="softmax", **prep_options):
    table = table_from_frame(df)
    prep = Preprocessor(**prep_options).fit(table)
    X = prep.transform(table)
    units = 2 if output == "softmax" else 1
    net = cr.MLP([X.shape[1], 8, units], hidden="tanh", output=output, seed=0, dtype=dtype)
    cr.fit(net, X, label, epochs=5, lr=0.05, seed=0, verbose=0)
    net.preprocessor, net.feature_names = prep, prep.output_names  # as the CLI sets them
    return net


def new_rows():
    """Rows a deployed model meets: missing numbers, a missing and an unseen colour, a missing
    bool, and an unseen value in the bool column."""
    return pd.DataFrame(
        {
            "size": [1.0, np.nan, 4.5, np.nan, 0.0, 2.0],
            "legs": [2, 4, 3, 2, 4, 3],
            "colour": ["red", None, "purple", "blue", "green", None],
            "indoor": [True, False, None, True, None, False],
        }
    )


def feed(net, df, dtype):
    """One (N, 1) array per column: float with NaN, or strings with "" for missing."""
    inputs = {}
    for spec in net.preprocessor.columns_:
        column = df[spec["name"]]
        if spec["kind"] == "numeric":
            inputs[spec["name"]] = column.to_numpy(dtype=dtype, na_value=np.nan).reshape(-1, 1)
        else:
            text = ["" if pd.isna(v) else str(v) for v in column]
            inputs[spec["name"]] = np.array(text, dtype=object).reshape(-1, 1)
    return inputs


def run(model, inputs):
    data = model.SerializeToString() if hasattr(model, "SerializeToString") else str(model)
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return session.run(["yhat"], inputs)[0]


def chainrule_proba(net, df):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)  # the unseen category, checked below
        return net.predict_proba(net.preprocessor.transform(table_from_frame(df)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
def test_onnxruntime_matches_the_preprocessed_network(tmp_path, dtype, options):
    df, label = frame(120, seed=0)
    net = trained(df, label, dtype=dtype, **options)
    path = net.to_onnx(tmp_path / "table.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    for rows in (df, new_rows(), df.iloc[:1]):
        yhat = run(path, feed(net, rows, dtype))
        assert yhat.dtype == dtype and yhat.shape == (len(rows), 2)
        np.testing.assert_allclose(yhat, chainrule_proba(net, rows), rtol=0, atol=1e-5)


def test_the_graph_computes_the_preprocessors_X_unseen_and_missing_categories_all_zeros():
    """Through a network that passes X on unchanged (W = [I; 0], identity), the graph's output is
    the preprocessor's X itself, cell by cell."""
    df, _ = frame(120, seed=1)
    prep = Preprocessor(indicators=True).fit(table_from_frame(df))
    k = len(prep.output_names)
    net = cr.MLP([k, k], output="identity")
    net.weights[0][:] = np.vstack([np.eye(k), np.zeros(k)])
    net.preprocessor = prep
    rows = new_rows()
    with pytest.warns(DataWarning, match="purple"):
        X = prep.transform(table_from_frame(rows))
    colour = [j for j, n in enumerate(prep.output_names) if n.startswith("colour=")]
    assert not X[[1, 2, 5]][:, colour].any()  # missing, unseen, missing
    np.testing.assert_array_equal(run(onnx_model(net), feed(net, rows, np.float64)), X)


def test_inputs_ops_and_metadata():
    df, label = frame(60, seed=2)
    net = trained(df, label, indicators=True)
    model = onnx_model(net)
    graph = model.graph
    inputs = {i.name: i.type.tensor_type for i in graph.input}
    assert list(inputs) == ["size", "legs", "colour", "indoor"]
    assert inputs["size"].elem_type == onnx.TensorProto.DOUBLE
    assert inputs["colour"].elem_type == inputs["indoor"].elem_type == onnx.TensorProto.STRING
    for t in inputs.values():
        assert t.shape.dim[0].dim_param and t.shape.dim[1].dim_value == 1
    ops = [node.op_type for node in graph.node]
    assert ops.count("OneHotEncoder") == 2 and ops.count("IsNaN") == 2 and "Concat" in ops
    onehot = next(n for n in graph.node if n.op_type == "OneHotEncoder")
    assert onehot.domain == "ai.onnx.ml"
    cats = next(a for a in onehot.attribute if a.name == "cats_strings")
    assert [c.decode() for c in cats.strings] == ["blue", "green", "red"]
    assert {(o.domain, o.version) for o in model.opset_import} == {("", 17), ("ai.onnx.ml", 1)}
    meta = {p.key: p.value for p in model.metadata_props}
    layout = json.loads(meta["inputs"])
    assert layout[0] == {"name": "size", "type": "float64"}
    assert layout[3] == {"name": "indoor", "type": "string", "categories": ["False", "True"]}
    assert json.loads(meta["feature_names"]) == net.preprocessor.output_names


def test_numeric_only_table_needs_no_ml_domain_and_column_names_never_clash():
    """Columns named like the graph's own tensors (X, h1, W1, scaler_mean) are renamed inside."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"X": rng.normal(size=50), "h1": rng.normal(size=50),
                       "W1": rng.normal(size=50)})  # fmt: skip
    df.loc[[3, 7], "h1"] = np.nan
    y = df["X"].fillna(0) + 2 * df["W1"]
    table = table_from_frame(df)
    prep = Preprocessor().fit(table)
    net = cr.MLP([3, 5, 1], hidden="relu", output="identity", seed=0)
    cr.fit(net, prep.transform(table), y.to_numpy(), epochs=3, seed=0, verbose=0)
    net.preprocessor = prep
    model = onnx_model(net)
    assert [o.domain for o in model.opset_import] == [""]
    yhat = run(model, feed(net, df, np.float64))
    np.testing.assert_allclose(yhat, net.forward(prep.transform(table)), rtol=0, atol=1e-12)


def test_what_cannot_be_exported_is_refused():
    df, label = frame(40, seed=4)
    net = trained(df.rename(columns={"legs": "yhat"}), label)
    with pytest.raises(ValueError, match="named 'yhat'"):
        onnx_model(net)
    net.preprocessor = Preprocessor().fit(table_from_frame(df[["size"]]))
    with pytest.raises(ValueError, match="preprocessor gives 1 columns"):
        onnx_model(net)


def test_export_command_on_a_model_trained_from_a_csv_with_text_columns(tmp_path, capsys):
    df, label = frame(150, seed=5)
    df["label"] = label
    data = tmp_path / "pets.csv"
    df.to_csv(data, index=False, na_rep="NA", quoting=csv.QUOTE_MINIMAL)
    model, out = tmp_path / "pets.chainrule", tmp_path / "pets.onnx"
    args = ["train", data, "--out", model, "--epochs", 20, "--no-loss-plot", "-q"]
    assert main([str(a) for a in args]) == 0
    capsys.readouterr()
    assert main(["export", str(model), str(out)]) == 0
    printed = capsys.readouterr().out
    assert "4 inputs, one per column, each (N, 1)" in printed
    assert "  size: float64, NaN for missing" in printed
    assert "  colour: string, one of 'blue', 'green', 'red'" in printed
    assert "  indoor: string, one of 'False', 'True'" in printed
    net = cr.load(model)
    table = read_table(data)
    rows = df.drop(columns="label")
    expected = net.predict_proba(net.preprocessor.transform(table))
    np.testing.assert_allclose(run(out, feed(net, rows, np.float64)), expected, atol=1e-5, rtol=0)
