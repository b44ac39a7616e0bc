"""The playground against hostile input (issue 16): bounded memory, Host and Origin checks, a
client that disconnects, Ctrl-C while starting.

Memory: an upload with many classes, columns or rows is refused with a JSON error naming the
field, or makes a session whose arrays stay under ``limits.session_bytes()`` (measured by
``nbytes``). Requests: a foreign Host (DNS rebinding) and a cross-origin change of state (a
cross-site form post) get 403.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from starlette.testclient import TestClient

from chainrule.playground import limits
from chainrule.playground.app import create_app
from chainrule.playground.server import playground_command, running
from playground_client import client_fixture  # noqa: F401  (the fixture client)


def upload(client, content: bytes, **headers):
    return client.post(
        "/api/uploads",
        params={"filename": "data.csv"},
        content=content,
        headers={"content-type": "text/csv", **headers},
    )


def csv(header: list[str], rows) -> bytes:
    return (",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)).encode()


def arrays(obj, found: dict[int, np.ndarray] | None = None, seen: set[int] | None = None):
    """Every ndarray reachable from ``obj`` through attributes, dicts, lists and tuples."""
    found, seen = ({} if found is None else found), (set() if seen is None else seen)
    if id(obj) in seen or isinstance(obj, str | bytes | int | float | type(None)):
        return found
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        found[id(obj)] = obj
        if obj.dtype == object:
            for item in obj.ravel().tolist():
                arrays(item, found, seen)
        return found
    children = []
    if isinstance(obj, dict):
        children = list(obj.values())
    elif isinstance(obj, list | tuple | set):
        children = list(obj)
    elif hasattr(obj, "__dict__") or hasattr(obj, "__slots__"):
        attrs = getattr(obj, "__dict__", {})
        slots = [getattr(obj, s, None) for s in getattr(type(obj), "__slots__", ())]
        children = [*attrs.values(), *slots]
    for child in children:
        if not callable(child) or hasattr(child, "__dict__"):
            arrays(child, found, seen)
    return found


def session_nbytes(session) -> int:
    """The bytes of the arrays a session holds (its upload is the store's, counted apart)."""
    own = {k: v for k, v in vars(session).items() if k not in ("upload", "lock", "_batches")}
    return sum(a.nbytes for a in arrays(own).values())


# -- memory -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "content, field, words",
    [
        (csv(["x", "y"], [(i % 7, f"c{i}") for i in range(limits.MAX_CLASSES + 1)]), "target",
         "at most 20"),
        (csv(["x", "y"], [(i % 7, f"c{i}") for i in range(9000)]), "target", "9,000 classes"),
        (csv(["x", "y"], [(0, "a"), (1, "b")] * 100 + [(1, "b" * 200_000)]), "target", "label"),
        (csv(["x", "y"], [(i % 2, i % 2) for i in range(limits.MAX_ROWS + 1)]), "file", "rows"),
        (csv([f"x{j}" for j in range(60)] + ["y"], [[0] * 60 + [j % 2] for j in range(4000)]),
         "file", "cells"),
        (csv(["word", "y"], [(f"w{i % 60}", i % 2) for i in range(4000)]), "file", "inputs"),
    ],
)  # fmt: skip
def test_hostile_uploads_are_refused_naming_the_field(client, content, field, words):
    assert len(content) <= limits.MAX_UPLOAD_BYTES
    r = upload(client, content)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field and words in r.json()["error"], r.json()


@pytest.mark.parametrize("output", ["softmax", "identity"])
def test_the_largest_upload_allowed_stays_under_the_session_bound(client, output):
    # 20 classes (one-hot targets for identity), 2,800 rows × 64 inputs: at the bounds
    k, n, d = limits.MAX_CLASSES, 2800, limits.MAX_FEATURES
    rng = np.random.default_rng(0)
    rows = [[*np.round(rng.normal(size=d), 1), f"class{i % k}"] for i in range(n)]
    content = csv([f"x{j}" for j in range(d)] + ["label"], rows)
    assert len(content) <= limits.MAX_UPLOAD_BYTES
    r = upload(client, content)
    assert r.status_code == 201, r.text
    setup = {"dataset": "csv", "upload": r.json()["id"], "output": output, "hidden": [16] * 6}
    state = client.post("/api/sessions", json=setup)
    assert state.status_code == 201, state.text
    session = client.app.state.store.get(state.json()["id"])
    client.post(f"/api/sessions/{session.id}/step", json={"steps": 2})
    assert session.net.sizes == [d, *[16] * 6, k]
    used = session_nbytes(session)
    assert n * d * 8 < used <= limits.session_bytes(), (used, limits.session_bytes())


def test_every_generated_setup_is_far_under_the_bound(client):
    setup = {"dataset": "blobs", "n_samples": 2000, "n_classes": 8, "output": "identity"}
    state = client.post("/api/sessions", json=setup).json()
    session = client.app.state.store.get(state["id"])
    assert session_nbytes(session) < limits.session_bytes() / 10


def test_the_docs_state_the_bound_the_code_enforces():
    doc = (Path(__file__).parents[1] / "docs" / "playground.md").read_text()
    assert f"{limits.session_bytes():,} bytes" in doc
    assert f"{limits.total_bytes():,} bytes" in doc
    assert limits.total_bytes() < 512 * 2**20


# -- Host and Origin ----------------------------------------------------------------------------
def test_a_foreign_host_is_refused_with_403(client):
    r = client.get("/api/options", headers={"host": "evil.example"})
    assert r.status_code == 403 and "host" in r.json()["error"]
    assert client.get("/", headers={"host": "evil.example"}).status_code == 403
    assert client.get("/").status_code == 200  # the page itself, from its own host


def test_a_cross_origin_post_is_refused_with_403(client):
    r = client.post("/api/sessions", json={}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "evil.example" in r.json()["error"]
    assert client.app.state.store.sessions == {}
    for origin in ("null", "https://testserver", "http://testserver:8000", "http://x@testserver"):
        r = client.post("/api/sessions", json={}, headers={"origin": origin})
        assert r.status_code == 403, origin
    r = client.post("/api/sessions", json={}, headers={"referer": "http://evil.example/page"})
    assert r.status_code == 403  # no Origin: the Referer decides


def test_a_cross_site_text_plain_form_post_is_refused(client):
    body = b"x1,x2,label\n" + b"0,0,a\n1,1,b\n" * 4
    r = upload(client, body, **{"content-type": "text/plain", "origin": "http://evil.example"})
    assert r.status_code == 403
    assert client.app.state.store.uploads == {}
    sid = client.post("/api/sessions", json={}).json()["id"]
    r = client.delete(f"/api/sessions/{sid}", headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and client.get(f"/api/sessions/{sid}").status_code == 200


def test_same_origin_posts_work(client):
    r = client.post("/api/sessions", json={}, headers={"origin": "http://testserver"})
    assert r.status_code == 201
    sid = r.json()["id"]
    r = client.post(f"/api/sessions/{sid}/step", json={"steps": 2},
                    headers={"referer": "http://testserver/?dataset=moons"})  # fmt: skip
    assert r.status_code == 200
    body = b"x1,x2,label\n" + b"0,0,a\n1,1,b\n" * 4
    assert upload(client, body, **{"content-type": "text/plain"}).status_code == 201


def raw(port: int, request: str) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request.encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return int(data.split()[1])


def test_a_real_server_answers_only_its_own_host_and_port():
    with running() as url:
        port = int(url.rstrip("/").rsplit(":", 1)[1])

        def get(host: str) -> int:
            return raw(
                port, f"GET /api/options HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            )

        assert get(f"127.0.0.1:{port}") == get(f"localhost:{port}") == 200
        assert (
            get(f"127.0.0.1:{port + 1}") == get("127.0.0.1") == get(f"evil.example:{port}") == 403
        )
        post = (
            "POST /api/sessions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\n\r\n{{}}"
        )
        assert raw(port, post.format(port=port, origin=f"http://127.0.0.1:{port}")) == 201
        assert raw(port, post.format(port=port, origin=f"http://localhost:{port}")) == 403


# -- a client that disconnects, Ctrl-C while starting -------------------------------------------
@pytest.mark.parametrize(
    "path, media", [("/api/sessions", "application/json"), ("/api/uploads", "text/csv")]
)
def test_a_client_that_disconnects_is_one_log_line(caplog, capsys, path, media):
    app = create_app(allowed_hosts=["testserver"])
    scope = {
        "type": "http", "http_version": "1.1", "method": "POST", "scheme": "http", "path": path,
        "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "server": ("testserver", 80), "client": ("127.0.0.1", 5555),
        "headers": [(b"host", b"testserver"), (b"content-type", media.encode()),
                    (b"content-length", b"1000")],
    }  # fmt: skip
    messages = iter([{"type": "http.request", "body": b"x1,x2", "more_body": True},
                     {"type": "http.disconnect"}])  # fmt: skip
    sent = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message)

    with caplog.at_level(logging.DEBUG):
        asyncio.run(app(scope, receive, send))
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1 and "disconnected during POST " + path in records[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in caplog.text and "Traceback" not in capsys.readouterr().err
    assert "\n" not in records[0].getMessage()


def test_ctrl_c_while_starting_is_one_line_and_exit_130(monkeypatch, capsys):
    import uvicorn

    def interrupted(self, sockets=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(uvicorn.Server, "run", interrupted)
    assert playground_command(None, open_browser=False) == 130
    out, err = capsys.readouterr()
    assert err == "chainrule playground: interrupted while starting\n" and "Traceback" not in out


def test_ctrl_c_once_serving_stops_with_exit_0(monkeypatch, capsys):
    import uvicorn

    def served_then_stopped(self, sockets=None):
        self.started = True  # uvicorn re-raises the SIGINT once it has shut down
        raise KeyboardInterrupt

    monkeypatch.setattr(uvicorn.Server, "run", served_then_stopped)
    assert playground_command(None, open_browser=False) == 0
    assert capsys.readouterr().err == ""


def test_the_upload_size_limit_can_be_changed_and_is_shown():
    csv = ("x1,x2,label\n" + "".join(f"{i},{i % 7},{'ab'[i % 2]}\n" for i in range(400))).encode()
    small = create_app(allowed_hosts=["testserver"], max_upload_bytes=1_000)
    with TestClient(small) as c:
        assert c.get("/api/options").json()["max_upload_bytes"] == 1_000
        r = c.post("/api/uploads", content=csv, headers={"Content-Type": "text/csv"})
        assert r.status_code == 413 and "1,000 bytes" in r.json()["error"]
    with TestClient(create_app(allowed_hosts=["testserver"])) as c:  # the default, 1,000,000
        assert c.get("/api/options").json()["max_upload_bytes"] == limits.MAX_UPLOAD_BYTES
        r = c.post("/api/uploads", content=csv, headers={"Content-Type": "text/csv"})
        assert r.status_code == 201, r.text
    with pytest.raises(ValueError, match="max_upload_bytes"):
        create_app(max_upload_bytes=0)


def test_the_playground_command_takes_max_upload_bytes(monkeypatch):
    seen = {}
    monkeypatch.setattr("chainrule.playground.server.serve", lambda *a, **kw: seen.update(kw))
    from chainrule.cli import main

    assert main(["playground", "--no-browser", "--max-upload-bytes", "5000"]) == 0
    assert seen == {"max_upload_bytes": 5000}
    assert main(["playground", "--max-upload-bytes", "0"]) == 2


def test_an_upload_with_a_cell_over_128_kib_is_an_answer_not_a_server_error(client):
    """D5: Python's csv module stopped at 128 KiB cells with _csv.Error, a 500 from the upload."""
    rows = "".join(f"{i},{i % 3},{'ab'[i % 2]}\n" for i in range(30))
    big = b"x1,note,label\n" + f'0,"{"y" * 200_000}",a\n'.encode() + rows.encode()
    r = client.post("/api/uploads", content=big, headers={"Content-Type": "text/csv"})
    assert r.status_code in (201, 400), r.text  # read (then a text column), or a clear refusal
    assert "error" not in r.json() or "field" in r.json()
    assert len(r.content) < 2_000  # an error quotes a long cell cut short, never echoes it
