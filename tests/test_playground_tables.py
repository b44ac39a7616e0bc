"""The playground reads an uploaded CSV as the command line reads a table (issue 15).

NA tokens are missing, text and bool columns are one-hot encoded by a Preprocessor fitted on the
training part (saved in the exported model file), rows whose target is missing are dropped and
counted, an unterminated quote is an error naming its line, and uploads are standardised by
default. Driven in-process through Starlette's TestClient.
"""

from __future__ import annotations

import json
import runpy
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")

import chainrule as cr
from playground_client import client_fixture, start  # noqa: F401  (the fixture client)

DATA = Path(__file__).parent / "data"


def upload(client, content: bytes, name: str = "data.csv", **params):
    return client.post(
        "/api/uploads",
        params={"filename": name, **params},
        content=content,
        headers={"content-type": "text/csv"},
    )


def uploaded(client, content: bytes, name: str = "data.csv", **params) -> dict:
    r = upload(client, content, name, **params)
    assert r.status_code == 201, r.text
    return r.json()


def train(client, state: dict, steps: int, per_request: int = 100) -> dict:
    for _ in range(steps // per_request):
        r = client.post(f"/api/sessions/{state['id']}/step", json={"steps": per_request})
        assert r.status_code == 200, r.text
    return r.json()


def mixed_csv(n: int = 240, seed: int = 0) -> str:
    """Two classes told apart by a number (with gaps: NA, empty, ?) and a text column."""
    rng = np.random.default_rng(seed)
    lines = ["size,colour,weight,label"]
    missing = ["NA", "", "?", "null"]
    for i in range(n):
        c = i % 2
        size = rng.normal(3.0 * c, 1.0)
        colour = ["red", "blue"][c] if rng.random() < 0.8 else ["red", "blue"][1 - c]
        weight = rng.normal(100, 30)
        cell = missing[i % 4] if i % 7 == 0 else f"{size:.4f}"
        lines.append(f"{cell},{colour},{weight:.2f},{'spam' if c else 'ham'}")
    return "\n".join(lines) + "\n"


# -- missing targets ------------------------------------------------------------------------------
def test_rows_with_a_missing_text_target_are_dropped_and_counted(client):
    rows = ["x1,x2,kind"]
    for i in range(40):
        kind = ["cat", "dog"][i % 2] if i % 10 != 3 else ["NA", "", "?", "None"][i % 4]
        rows.append(f"{i % 5},{(i * 7) % 11},{kind}")
    info = uploaded(client, ("\n".join(rows) + "\n").encode())
    assert info["dropped_rows"] == 4 and info["n_samples"] == 36
    assert info["classes"] == ["cat", "dog"]  # no 'NA' class
    assert any("dropped 4 row(s)" in note and "'kind'" in note for note in info["notes"])
    s = start(client, dataset="csv", upload=info["id"])
    assert s["data"]["classes"] == ["cat", "dog"]
    assert s["data"]["n_train"] + s["data"]["n_test"] == 36
    assert any("dropped 4 row(s)" in note for note in s["data"]["notes"])


# -- text features and missing numbers -------------------------------------------------------------
def test_a_text_feature_and_missing_numbers_are_preprocessed(client, tmp_path):
    info = uploaded(client, mixed_csv().encode(), "mixed.csv")
    assert info["n_features"] == 3 and info["feature_names"] == ["size", "colour", "weight"]
    assert info["classes"] == ["ham", "spam"] and info["task"] == "binary"
    s = start(client, dataset="csv", upload=info["id"])
    # size, weight, colour=blue, colour=red: the network's inputs are the preprocessor's columns
    assert s["network"]["sizes"][0] == 4 and s["network"]["standardized"] is True
    assert s["data"]["feature_names"] == ["size", "colour=blue", "colour=red", "weight"]
    assert any("imputed" in note and "size" in note for note in s["data"]["notes"])
    assert s["data"]["points"] is None  # more than 2 inputs: no maps, as for any such upload
    snap = train(client, s, 300)
    assert snap["metrics"]["test_accuracy"] >= 0.85, snap["metrics"]

    # the model file carries the preprocessor; cr.load reads it back and predicts the same
    base = f"/api/sessions/{s['id']}/export"
    (tmp_path / "m.chainrule").write_bytes(client.get(f"{base}/model").content)
    net = cr.load(tmp_path / "m.chainrule")
    assert net.preprocessor is not None
    assert net.preprocessor.output_names == s["data"]["feature_names"]
    session = client.app.state.store.get(s["id"])
    X = session.data.X_test
    np.testing.assert_array_equal(net.predict_proba(X), session.net.predict_proba(X))

    # the exported test rows are the file's cells; the saved preprocessor turns them into X
    (tmp_path / "test.csv").write_text(client.get(f"{base}/data", params={"part": "test"}).text)
    table = cr.data.read_table(tmp_path / "test.csv")
    assert table.names == ["size", "colour", "weight", "label"]
    assert table.column("size").n_missing > 0
    np.testing.assert_array_equal(net.preprocessor.transform(table), X)


def test_the_script_of_a_preprocessed_upload_reaches_the_same_weights(
    client, tmp_path, monkeypatch
):
    content = mixed_csv(120, seed=4)
    info = uploaded(client, content.encode(), "mixed.csv")
    s = start(client, dataset="csv", upload=info["id"], hidden=[3])
    train(client, s, 30, per_request=10)
    script = client.get(f"/api/sessions/{s['id']}/export/script").text
    (tmp_path / "mixed.csv").write_text(content)
    (tmp_path / "train.py").write_text(script)
    monkeypatch.chdir(tmp_path)
    net = runpy.run_path("train.py", run_name="playground_script")["main"](30, verbose=False)
    session = client.app.state.store.get(s["id"])
    for mine, theirs in zip(session.net.weights, net.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert net.preprocessor.to_dict() == session.net.preprocessor.to_dict()


# -- errors --------------------------------------------------------------------------------------
def test_an_unterminated_quote_is_a_json_error_naming_the_line(client):
    r = upload(client, (DATA / "unterminated_quote.csv").read_bytes(), "notes.csv")
    assert r.status_code == 400
    body = r.json()
    assert body["field"] == "file"
    assert "notes.csv, line 3" in body["error"] and "never closed" in body["error"]


def test_quoted_cells_follow_rfc_4180(client):
    text = 'a,b,"the label"\n1,"2",x\n"3",4,"y"\n5,6,"x"\n7,8,"y ""quoted"""\n9,1,x\n2,2,y\n'
    info = uploaded(client, text.encode())
    assert info["target_name"] == "the label" and info["n_samples"] == 6
    assert info["classes"] == ["x", "y", 'y "quoted"']


def test_a_column_of_many_words_is_refused_in_the_pages_words(client):
    text = "name,x,y\n" + "".join(f"n{i},{i % 3},{i % 2}\n" for i in range(120))
    r = upload(client, text.encode())
    assert r.status_code == 400 and r.json()["field"] == "file"
    message = r.json()["error"]
    assert "'name'" in message and "120 distinct values" in message and "--ignore" not in message


# -- standardised by default ----------------------------------------------------------------------
def test_raw_penguins_train_to_over_90_percent(client):
    info = uploaded(client, (DATA / "penguins_raw.csv").read_bytes(), "penguins.csv",
                    target="species")  # fmt: skip
    assert info["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    s = start(client, dataset="csv", upload=info["id"], output="softmax")
    snap = train(client, s, 200)
    assert snap["metrics"]["test_accuracy"] >= 0.9, snap["metrics"]
    raw = start(client, dataset="csv", upload=info["id"], output="softmax", standardize=False)
    assert raw["network"]["standardized"] is False  # still the user's choice


def test_a_numeric_upload_is_standardised_by_default(client):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2)) * [1000.0, 0.001] + [5e4, 0.0]
    y = (X[:, 0] - 5e4) / 1000 + X[:, 1] / 0.001 > 0
    text = "income,ratio,label\n" + "".join(
        f"{a!r},{b!r},{int(c)}\n" for (a, b), c in zip(X.tolist(), y, strict=True)
    )
    info = uploaded(client, text.encode())
    s = start(client, dataset="csv", upload=info["id"])
    assert s["config"]["standardize"] is None and s["network"]["standardized"] is True
    session = client.app.state.store.get(s["id"])
    scaler = session.net.scaler
    Z = scaler.transform(session.data.X_train)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(Z.std(axis=0), 1, atol=1e-9)
    assert s["data"]["extent"] is not None  # two features: maps in the file's own units
    snap = train(client, s, 200)
    assert snap["metrics"]["test_accuracy"] >= 0.9, snap["metrics"]
    generated = start(client, dataset="moons")  # generated data keeps its default: raw
    assert generated["network"]["standardized"] is False
    weights = client.get(f"/api/sessions/{s['id']}/export/weights").json()
    assert weights["scaler"] is not None and json.dumps(weights)
