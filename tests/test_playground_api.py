"""The playground's JSON API: setups, training by the engine, explanations, exports, uploads,
safety.

The server is driven in-process through Starlette's TestClient, and through a real uvicorn server
on 127.0.0.1 where the raw bytes of a request matter (path traversal, the Host header).
"""

from __future__ import annotations

import base64
import json
import re
import runpy
import socket
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import chainrule as cr
from chainrule.playground import export
from chainrule.playground.server import bind, playground_command, running
from chainrule.playground.session import GRID, UNIT_GRID, Session, Store
from chainrule.playground.setup import MAX_UPLOAD_BYTES, Config
from playground_client import client_fixture, start  # noqa: F401  (the fixture client)

MOONS_CSV = "x1,x2,label\n" + "".join(
    f"{x:.6f},{y:.6f},{'a' if c else 'b'}\n"
    for (x, y), c in zip(*cr.make_moons(60, noise=0.1, seed=3), strict=True)
)


def session_of(client, state) -> Session:
    return client.app.state.store.get(state["id"])


# -- setups ----------------------------------------------------------------------------------------
def test_options_list_every_choice(client):
    o = client.get("/api/options").json()
    assert o["datasets"] == [
        "moons",
        "circles",
        "xor",
        "spiral",
        "blobs",
        "plane",
        "gaussian",
        "csv",
    ]
    assert o["inputs"] == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    assert set(o["outputs"]) == {"sigmoid", "softmax", "identity"}
    assert o["outputs"]["softmax"] == {"activation": "softmax", "loss": "cross_entropy"}
    assert o["optimizers"] == ["sgd", "adam", "adamw", "rmsprop"]
    assert o["max_upload_bytes"] == MAX_UPLOAD_BYTES == 1_000_000
    assert o["defaults"] == Config().to_dict()


def test_default_session_is_the_lecture_network_on_moons(client):
    s = start(client)
    assert s["config"] == Config().to_dict()
    assert s["network"]["sizes"] == [2, 4, 4, 1]
    assert s["network"]["activations"] == ["tanh", "tanh", "sigmoid"]
    assert s["network"]["loss"] == "binary_cross_entropy"
    assert (s["data"]["n_train"], s["data"]["n_test"]) == (100, 100)
    snap = s["snapshot"]
    assert snap["step"] == 0 and snap["history"]["step"] == [0]
    assert [np.shape(W) for W in snap["weights"]] == [(3, 4), (5, 4), (5, 1)]
    # the decision map and one map per unit, as bytes
    out = snap["heatmaps"]["output"]
    assert out["kind"] == "probability" and out["size"] == GRID
    assert len(base64.b64decode(out["data"])) == GRID * GRID
    assert [len(layer) for layer in snap["heatmaps"]["units"]] == [4, 4, 1]
    assert all(m["size"] == UNIT_GRID for layer in snap["heatmaps"]["units"] for m in layer)


def test_heatmap_is_the_networks_forward_on_the_grid(client):
    s = start(client)
    session = session_of(client, s)
    x0, x1, y0, y1 = s["snapshot"]["heatmaps"]["extent"]
    out = s["snapshot"]["heatmaps"]["output"]
    p = np.frombuffer(base64.b64decode(out["data"]), np.uint8).reshape(GRID, GRID) / 255
    # cell (row 0, column 0) is the top-left: the smallest x1, the largest x2
    corner = [[x0 + 0.5 * (x1 - x0) / GRID, y1 - 0.5 * (y1 - y0) / GRID]]
    assert p[0, 0] == pytest.approx(session.net.predict_proba(corner)[0, 0], abs=1 / 255)


BCE = "binary_cross_entropy"


@pytest.mark.parametrize(
    "config, sizes, loss",
    [
        ({"dataset": "circles", "hidden": []}, [2, 1], BCE),
        (
            {"dataset": "xor", "hidden": [3], "activation": "relu"},
            [2, 3, 1],
            "binary_cross_entropy",
        ),
        ({"dataset": "spiral", "n_classes": 3, "output": "softmax"}, [2, 4, 4, 3], "cross_entropy"),
        (
            {"dataset": "blobs", "n_classes": 4, "output": "softmax", "noise": 1.0},
            [2, 4, 4, 4],
            "cross_entropy",
        ),
        ({"dataset": "moons", "output": "identity"}, [2, 4, 4, 1], "squared_error"),
        ({"dataset": "blobs", "n_classes": 3, "output": "identity"}, [2, 4, 4, 3], "squared_error"),
    ],
)
def test_every_dataset_and_output(client, config, sizes, loss):
    s = start(client, **config)
    assert s["network"]["sizes"] == sizes and s["network"]["loss"] == loss
    snap = client.post(f"/api/sessions/{s['id']}/step", json={"steps": 5}).json()
    assert snap["step"] == 5 and snap["metrics"]["train_loss"] is not None


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"dataset": "spiral", "n_classes": 3}, "output", "softmax + cross-entropy"),
        ({"nosie": 0.2}, "nosie", "unknown setting"),
        ({"lr": 0}, "lr", "between"),
        ({"lr": "fast"}, "lr", "must be a number"),
        ({"n_samples": True}, "n_samples", "whole number"),
        ({"n_samples": 10.5}, "n_samples", "whole number"),
        ({"hidden": [4] * 7}, "hidden", "at most 6"),
        ({"hidden": [0]}, "hidden[0]", "between 1 and 16"),
        ({"hidden": "4,4"}, None, "list of unit counts"),
        ({"activation": "swish"}, "activation", "tanh, sigmoid, relu"),
        ({"dataset": "csv"}, "upload", "upload a CSV first"),
        ({"dataset": "csv", "upload": "0123456789abcdef"}, "upload", "upload the CSV again"),
    ],
)
def test_bad_setups_are_refused_with_the_setting_named(client, body, field, words):
    r = client.post("/api/sessions", json=body)
    assert r.status_code == 422
    assert r.json()["field"] == field and words in r.json()["error"]


def test_json_floats_that_are_whole_numbers_are_integers(client):
    s = start(client, n_samples=100.0, hidden=[3.0])
    assert s["config"]["n_samples"] == 100 and s["config"]["hidden"] == [3]


@pytest.mark.parametrize(
    "content, headers, status",
    [
        (b"{not json", {"content-type": "application/json"}, 400),
        (b'{"lr": NaN}', {"content-type": "application/json"}, 400),
        (b"\xff\xfe", {"content-type": "application/json"}, 400),
        (b"[" * 100_000, {"content-type": "application/json"}, 413),
        (b"{}", {"content-type": "text/plain"}, 415),
        (b"[1, 2]", {"content-type": "application/json"}, 422),
        (b'{"n_samples": 1' + b"0" * 5000 + b"}", {"content-type": "application/json"}, 400),
    ],
)
def test_malformed_bodies_get_4xx(client, content, headers, status):
    r = client.post("/api/sessions", content=content, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]
    assert client.get("/api/options").status_code == 200


# -- training --------------------------------------------------------------------------------------
def test_training_lowers_the_loss_and_records_the_curves(client):
    s = start(client)
    for _ in range(30):
        snap = client.post(f"/api/sessions/{s['id']}/step", json={"steps": 10}).json()
    h = snap["history"]
    assert snap["step"] == 300 and h["step"][-1] == 300 and len(h["step"]) == 31
    assert h["train"][-1] < 0.6 * h["train"][0] and h["test"][-1] < 0.6 * h["test"][0]
    assert snap["metrics"]["train_accuracy"] > 0.8
    assert snap["epoch"] == 30.0  # 100 training rows in batches of 10


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"dataset": "spiral", "n_classes": 3, "output": "softmax", "optimizer": "sgd", "lr": 0.3},
        {"dataset": "circles", "output": "identity", "optimizer": "rmsprop", "l2": 0.01},
        {
            "dataset": "blobs",
            "n_classes": 3,
            "output": "identity",
            "optimizer": "adamw",
            "standardize": True,
            "batch_size": 7,
            "hidden": [5],
        },
    ],
)
def test_the_exported_script_reaches_the_same_weights(client, tmp_path, config):
    """The script is the session's own loop: after the same steps, the same weights, bit for bit."""
    s = start(client, **config)
    for _ in range(4):
        client.post(f"/api/sessions/{s['id']}/step", json={"steps": 9})
    r = client.get(f"/api/sessions/{s['id']}/export/script")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/x-python")
    path = tmp_path / "playground_train.py"
    path.write_text(r.text)
    net = runpy.run_path(str(path), run_name="playground_script")["main"](36, verbose=False)
    session = session_of(client, s)
    for mine, theirs in zip(session.net.weights, net.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_training_is_the_engines_gradient_descent():
    """One SGD step of the session is W ← W − lr·∂E/∂W with the engine's gradient on the batch."""
    session = Session(Config(optimizer="sgd", lr=0.5, batch_size=8))
    before = [W.copy() for W in session.net.weights]
    first = next(Session(Config(optimizer="sgd", lr=0.5, batch_size=8))._batches)
    grads = session.net.gradients(session.data.X_train[first], session.t_train[first])
    session.train(1)
    for W0, g, W1 in zip(before, grads, session.net.weights, strict=True):
        np.testing.assert_allclose(W1, W0 - 0.5 * g, rtol=0, atol=1e-15)


def test_reset_goes_back_to_the_initial_weights(client):
    s = start(client)
    client.post(f"/api/sessions/{s['id']}/step", json={"steps": 50})
    again = client.post(f"/api/sessions/{s['id']}/reset").json()
    assert again["snapshot"]["step"] == 0
    assert again["snapshot"]["weights"] == s["snapshot"]["weights"]


def test_a_diverged_run_is_reported_not_crashed(client):
    s = start(client, dataset="blobs", output="identity", optimizer="sgd", lr=10.0, noise=3.0)
    snap = client.post(f"/api/sessions/{s['id']}/step", json={"steps": 200}).json()
    assert snap["diverged"] is True and snap["step"] < 200  # it stopped at the first bad step
    # the weights are the last finite ones (train_step does not apply a step from a NaN E)
    assert all(w is not None for W in snap["weights"] for row in W for w in row)
    again = client.post(f"/api/sessions/{s['id']}/step", json={"steps": 5}).json()
    assert again["step"] == snap["step"] and again["diverged"] is True
    r = client.get(f"/api/sessions/{s['id']}/export/model")
    assert r.status_code in (200, 409)
    assert client.get(f"/api/sessions/{s['id']}/explain?weight=W1[1,1]").status_code in (200, 422)


@pytest.mark.parametrize("steps", [0, 501, -1, "5", 2.5, None])
def test_bad_step_counts_are_refused(client, steps):
    s = start(client)
    r = client.post(f"/api/sessions/{s['id']}/step", json={"steps": steps})
    assert r.status_code == 422 and r.json()["field"] == "steps"


def test_a_step_request_stops_at_its_time_budget(monkeypatch):
    import chainrule.playground.session as session_module

    session = Session(Config())
    monkeypatch.setattr(session_module, "MAX_SECONDS", -1.0)  # already past it: no step runs
    assert session.train(50)["step"] == 0
    monkeypatch.setattr(session_module, "MAX_SECONDS", 60.0)
    assert session.train(50)["step"] == 50


def test_unknown_sessions_are_404(client):
    for method, path in [
        ("GET", "/api/sessions/nope"),
        ("DELETE", "/api/sessions/nope"),
        ("POST", "/api/sessions/nope/reset"),
        ("GET", "/api/sessions/nope/explain?weight=W1[1,1]"),
        ("GET", "/api/sessions/nope/export/model"),
    ]:
        r = client.request(method, path)
        assert r.status_code == 404 and "POST /api/sessions" in r.json()["error"]


def test_the_store_keeps_a_bounded_number_of_sessions():
    store = Store(max_sessions=3)
    made = [store.create(Config(n_samples=20, hidden=[2])) for _ in range(5)]
    assert list(store.sessions) == [s.id for s in made[2:]]


# -- the chain rule for a weight -------------------------------------------------------------------
def test_explanation_is_the_explainers_json_for_that_weight_and_sample(client):
    s = start(client)
    client.post(f"/api/sessions/{s['id']}/step", json={"steps": 40})
    r = client.get(f"/api/sessions/{s['id']}/explain", params={"weight": "W1[2,3]", "sample": 7})
    assert r.status_code == 200
    got = r.json()
    ex = got["explanation"]
    assert got["step"] == 40
    assert ex["schema"] == "chainrule.explain" and ex["weight"]["name"] == "W1[2,3]"
    assert ex["samples"][0]["index"] == 7 and ex["proof"]["agree"] is True
    session = session_of(client, s)
    mine = cr.explain(
        session.net, session.data.X_train, session.t_train, weight="W1[2,3]", sample=7,
        lr=session.config.lr,
    )  # fmt: skip
    assert ex == json.loads(json.dumps(mine.to_dict()))
    assert got["text"] == mine.to_text()


def test_the_same_numbers_from_the_exported_model_and_data(client, tmp_path):
    """What `chainrule explain` reads (the model file and the training CSV) gives the same JSON."""
    s = start(client, dataset="spiral", n_classes=3, output="softmax", standardize=True)
    client.post(f"/api/sessions/{s['id']}/step", json={"steps": 30})
    base = f"/api/sessions/{s['id']}"
    (tmp_path / "m.chainrule").write_bytes(client.get(f"{base}/export/model").content)
    (tmp_path / "train.csv").write_text(client.get(f"{base}/export/data").text)
    net = cr.load(tmp_path / "m.chainrule")
    ds = cr.load_csv(tmp_path / "train.csv", target=net.target_name)
    from_files = cr.explain(net, ds.X, ds.classes[ds.y], weight="W2[5,2]", sample=11, lr=0.03)
    page = client.get(f"{base}/explain", params={"weight": "W2[5,2]", "sample": 11}).json()
    assert page["explanation"] == json.loads(json.dumps(from_files.to_dict()))


def test_the_cli_prints_the_same_explanation(client, tmp_path, capsys):
    """`chainrule explain` on the exported model file and training CSV: the page's numbers."""
    pytest.importorskip("chainrule.cli.explain")
    from chainrule.cli import main

    s = start(client, dataset="xor", hidden=[3, 2])
    client.post(f"/api/sessions/{s['id']}/step", json={"steps": 17})
    base = f"/api/sessions/{s['id']}"
    (tmp_path / "playground.chainrule").write_bytes(client.get(f"{base}/export/model").content)
    (tmp_path / "playground-train.csv").write_text(client.get(f"{base}/export/data").text)
    page = client.get(f"{base}/explain", params={"weight": "W2[4,1]", "sample": 9}).json()
    capsys.readouterr()
    argv = [
        "explain", str(tmp_path / "playground.chainrule"),
        "--data", str(tmp_path / "playground-train.csv"),
        "--weight", "W2[4,1]", "--row", "9", "--lr", "0.03",  # the session's rate
    ]  # fmt: skip
    assert main([*argv, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == page["explanation"]
    assert main(argv) == 0
    assert capsys.readouterr().out.rstrip("\n") == page["text"].rstrip("\n")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"weight": "W9[1,1]"}, "weight"),
        ({"weight": "W1[4,1]"}, "weight"),
        ({"weight": "banana"}, "weight"),
        ({"weight": "W1[1,1]", "sample": 100}, "sample"),
        ({"weight": "W1[1,1]", "sample": "-1"}, "sample"),
        ({}, "weight"),
    ],
)
def test_explaining_a_weight_or_sample_that_is_not_there(client, params, field):
    s = start(client)
    r = client.get(f"/api/sessions/{s['id']}/explain", params=params)
    assert r.status_code == 422 and r.json()["field"] == field


# -- exports ---------------------------------------------------------------------------------------
def test_exports(client, tmp_path):
    s = start(client, dataset="xor")
    client.post(f"/api/sessions/{s['id']}/step", json={"steps": 25})
    base = f"/api/sessions/{s['id']}/export"
    session = session_of(client, s)

    r = client.get(f"{base}/model")
    assert r.headers["content-disposition"] == 'attachment; filename="playground.chainrule"'
    (tmp_path / "m.chainrule").write_bytes(r.content)
    net = cr.load(tmp_path / "m.chainrule")
    X = session.data.X_test
    np.testing.assert_array_equal(net.predict_proba(X), session.net.predict_proba(X))
    assert net.history["loss"] == session.history["train"]

    w = client.get(f"{base}/weights").json()
    assert w["format"] == export.WEIGHTS_FORMAT and w["step"] == 25
    assert w["setup"] == s["config"] and w["network"]["sizes"] == [2, 4, 4, 1]
    for k, W in enumerate(session.net.weights, start=1):
        assert np.array_equal(np.array(w["weights"][f"W{k}"]), W)

    for part, n in [("train", 100), ("test", 100)]:
        text = client.get(f"{base}/data", params={"part": part}).text
        assert text.splitlines()[0] == "x1,x2,class" and len(text.splitlines()) == n + 1
    assert client.get(f"{base}/data", params={"part": "all"}).status_code == 422


# -- uploads ---------------------------------------------------------------------------------------
def upload(client, content, name="data.csv", **params):
    return client.post(
        "/api/uploads",
        params={"filename": name, **params},
        content=content,
        headers={"content-type": "text/csv"},
    )


def test_upload_a_csv_and_train_on_it(client, tmp_path, monkeypatch):
    r = upload(client, MOONS_CSV.encode(), "moons.csv")
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["n_samples"] == 60 and info["n_features"] == 2
    assert info["task"] == "binary" and info["classes"] == ["a", "b"]
    s = start(client, dataset="csv", upload=info["id"], test_ratio=0.25)
    assert s["data"]["classes"] == ["a", "b"] and s["data"]["n_test"] == 15
    assert s["snapshot"]["heatmaps"] is not None  # two features: drawn as points and heatmaps
    client.post(f"/api/sessions/{s['id']}/step", json={"steps": 20})
    # the exported script reads the same file and reaches the same weights
    (tmp_path / "moons.csv").write_text(MOONS_CSV)
    script = client.get(f"/api/sessions/{s['id']}/export/script").text
    assert "cr.load_csv('moons.csv', target='label')" in script
    (tmp_path / "train.py").write_text(script)
    monkeypatch.chdir(tmp_path)
    net = runpy.run_path("train.py", run_name="playground_script")["main"](20, verbose=False)
    for mine, theirs in zip(session_of(client, s).net.weights, net.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize(
    "content, words",
    [
        (b"", "the file is empty"),
        (b"1,2,3\n4,5,6\n", "looks like data, not a header"),
        (b"a,b,y\n1,2,0\n3,4\n", "line 3"),
        (b"a,b,y\n1,2,0\n3,x,1\n1,1,0\n2,2,1\n", "line 3"),
        (b"a,b,y\n" + "\u00e9".encode("latin-1") + b",1,0\n", "not UTF-8"),
        (b"a,b,y\n1,2,0\n2,3,1\n", "at least 4"),
        (b"\x00\x01\x02\x03\x89PNG", "data.csv"),
    ],
)
def test_bad_csv_files_are_explained(client, content, words):
    r = upload(client, content)
    assert r.status_code == 400
    message = r.json()["error"]
    assert words in message, message
    assert "/tmp" not in message and "chainrule-upload" not in message  # no server paths


def test_uploads_over_the_limit_are_refused_with_413(client):
    big = b"a,b,y\n" + b"1.0,2.0,0\n" * (MAX_UPLOAD_BYTES // 10 + 1)
    r = upload(client, big)
    assert r.status_code == 413 and "1,000,000 bytes" in r.json()["error"]

    def chunks():  # no Content-Length: refused while it streams
        for _ in range(MAX_UPLOAD_BYTES // 65536 + 2):
            yield b"1" * 65536

    r = client.post("/api/uploads", content=chunks(), headers={"content-type": "text/csv"})
    assert r.status_code == 413
    assert upload(client, b"a,b,y\n1,2,0\n", "x.csv").status_code == 400  # still serving


def test_uploads_must_be_csv(client):
    r = client.post("/api/uploads", content=b"a,b\n1,2\n", headers={"content-type": "image/png"})
    assert r.status_code == 415


def test_an_upload_name_cannot_reach_outside_the_temporary_folder(client):
    r = upload(client, MOONS_CSV.encode(), "../../../etc/passwd")
    assert r.status_code == 201 and r.json()["filename"] == "passwd"
    r = upload(client, MOONS_CSV.encode(), "..")
    assert r.status_code == 201 and r.json()["filename"] == "upload.csv"


# -- the page and its files ------------------------------------------------------------------------
def test_the_page_and_its_files(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    page = r.text
    for name, media in [("app.js", "text/javascript"), ("style.css", "text/css")]:
        assert f"/static/{name}" in page
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    links = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert links and all(link.startswith("/") for link in links)  # nothing fetched from elsewhere
    for name in ("app.js", "diagram.js", "plots.js", "explain.js", "util.js"):  # the modules
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
        code = r.text.replace('"http://www.w3.org/2000/svg"', "")  # a namespace, not a fetch
        assert "http://" not in code and "https://" not in code
        imports = re.findall(r'from "([^"]+)"', code)
        assert all(re.fullmatch(r"\./\w+\.js", i) for i in imports), imports


TRAVERSALS = [
    "/static/../../etc/passwd",
    "/static/../app.py",
    "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/..%2f..%2f..%2fetc%2fpasswd",
    "/static/%252e%252e%252fapp.py",
    "/static/..%5c..%5capp.py",
    "/static/..\\..\\app.py",
    "/static/%2fetc%2fpasswd",
    "/static//etc/passwd",
    "/static/./app.js/../../app.py",
    "/static/....//....//etc/passwd",
    "/static/app.js%00.css",
    "/static/index.html",
    "/static/",
    "/static",
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/api/../app.py",
]


def raw_get(url: str, path: str, host: str = "127.0.0.1") -> tuple[int, bytes]:
    """GET exactly ``path`` (no client normalises it) and return (status, body). The Host header
    names the server's port, as a browser's does."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    host = f"{host}:{port}"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.fixture(scope="module")
def server_url():
    with running() as url:
        yield url


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_file_outside_the_static_folder_is_served(server_url, path):
    status, body = raw_get(server_url, path)
    assert status in (400, 404), (path, status, body[:200])
    assert b"root:" not in body and b"import " not in body and b"<html" not in body


@pytest.mark.parametrize("path", TRAVERSALS)
def test_no_file_outside_the_static_folder_through_the_client(client, path):
    r = client.get(path)
    assert r.status_code in (400, 404) and "root:" not in r.text and "import " not in r.text


def test_only_loopback_host_names_are_answered(server_url):
    assert raw_get(server_url, "/api/options")[0] == 200
    assert raw_get(server_url, "/api/options", host="localhost")[0] == 200
    assert raw_get(server_url, "/api/options", host="attacker.example")[0] == 403  # issue 16


# -- the server ------------------------------------------------------------------------------------
def test_binds_loopback_on_a_free_port_by_default():
    sock = bind()
    try:
        host, port = sock.getsockname()
        assert host == "127.0.0.1" and port > 0
    finally:
        sock.close()
    with running() as url:
        assert url.startswith("http://127.0.0.1:")
        assert raw_get(url, "/api/options")[0] == 200


def test_playground_command_reports_a_port_in_use(capsys):
    taken = bind()
    try:
        assert playground_command(taken.getsockname()[1], open_browser=False) == 1
    finally:
        taken.close()
    assert "chainrule playground: error: cannot listen on 127.0.0.1" in capsys.readouterr().err
    assert playground_command(70000, open_browser=False) == 2
    assert "--port must be a port number" in capsys.readouterr().err


def test_playground_command_names_a_missing_package(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn → ImportError
    assert playground_command(None, open_browser=False) == 1
    assert "pip install 'chainrule[playground]'" in capsys.readouterr().err


def test_playground_command_serves_until_stopped(monkeypatch, capsys):
    import chainrule.playground.server as server

    seen = {}

    def fake_serve(host, port, open_browser):
        seen.update(host=host, port=port, open_browser=open_browser)
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "serve", fake_serve)
    assert playground_command(None, open_browser=False) == 0
    assert seen == {"host": "127.0.0.1", "port": None, "open_browser": False}


def test_serve_announces_the_url_and_opens_the_browser(monkeypatch, capsys):
    import chainrule.playground.server as server

    opened, ready = [], threading.Event()
    monkeypatch.setattr(server.webbrowser, "open", opened.append)
    original = server.make_server

    def keep(sock, app=None):
        made = original(sock, app)
        keep.server = made
        return made

    monkeypatch.setattr(server, "make_server", keep)

    def on_ready(url):
        ready.set()
        keep.server.should_exit = True

    server.serve(open_browser=True, ready=on_ready)
    assert ready.is_set() and opened and opened[0].startswith("http://127.0.0.1:")
    assert "chainrule playground: http://127.0.0.1:" in capsys.readouterr().out


def test_docs_describe_every_route(client):
    doc = (Path(__file__).parents[1] / "docs" / "playground.md").read_text()
    for path in client.get("/openapi.json").json()["paths"]:
        assert path.replace("{sid}", "{id}") in doc.replace("{sid}", "{id}"), path
