"""The in-process playground client the playground's API tests share.

``client``: a Starlette TestClient on a fresh app (import ``client_fixture`` to get the fixture);
:func:`start` opens a session and returns its JSON. Import this after
``pytest.importorskip("starlette")``.
"""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from chainrule.playground.app import create_app


@pytest.fixture(name="client")
def client_fixture():
    with TestClient(create_app(allowed_hosts=["testserver"])) as c:
        yield c


def start(client: TestClient, **config: Any) -> dict[str, Any]:
    """POST /api/sessions with ``config``; the new session's JSON (201 expected)."""
    r = client.post("/api/sessions", json=config)
    assert r.status_code == 201, r.text
    return r.json()
