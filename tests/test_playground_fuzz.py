"""Fuzz the playground's API against its own OpenAPI schema (schemathesis): valid and invalid
requests to every route; any 5xx, any response off the schema, any invalid request accepted, or a
server that stops answering, fails the test. Bounded (a few examples per route) to stay fast.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("starlette")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.config import SchemathesisConfig  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from chainrule.playground.app import create_app  # noqa: E402
from chainrule.playground.session import Store  # noqa: E402
from chainrule.playground.setup import Config  # noqa: E402

STORE = Store()
APP = create_app(STORE, allowed_hosts=["testserver"])  # the Host that TestClient sends
# A real session, so that generated requests reach training, explanations and exports too, not
# only the 404 of an unknown id. Small, so each generated request stays fast.
KNOWN = STORE.create(Config(n_samples=40, hidden=[3]))

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"mode": "all", "deterministic": True},
        "checks": {
            # The schema cannot say everything: a sigmoid output needs two classes, a weight must
            # exist in this session's network, a sample in its data. Such requests, valid by the
            # schema, get 422 with the reason.
            "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "409", "422"]},
            "negative_data_rejection": {
                "expected-statuses": ["400", "404", "405", "409", "413", "415", "422"]
            },
        },
    }
)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP, config=CONFIG)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_against_its_schema(case):
    sid = case.path_parameters.get("sid") if case.path_parameters else None
    if sid is not None and len(sid) % 2 == 0:  # half of the cases on the live session
        case.path_parameters["sid"] = KNOWN.id
    if case.path_parameters and case.path_parameters.get("sid") == KNOWN.id:
        with STORE.lock:  # back in the store if a generated DELETE (or the bound) removed it
            STORE.sessions[KNOWN.id] = KNOWN
        KNOWN.reset()  # each case starts from step 0, so a long run cannot pile up steps
    excluded = []
    if case.operation.path == "/api/uploads":
        excluded.append(positive_data_acceptance)  # any bytes fit the schema; only CSV is usable
    case.call_and_validate(excluded_checks=excluded)


def test_still_serving_after_the_fuzz():
    with TestClient(APP) as client:
        assert client.get("/api/options").status_code == 200
        sid = client.post("/api/sessions", json={"n_samples": 40}).json()["id"]
        r = client.post(f"/api/sessions/{sid}/step", json={"steps": 3})
        assert r.status_code == 200 and r.json()["step"] == 3


def test_the_schema_is_valid_openapi():
    raw = schema.raw_schema
    assert raw["openapi"].startswith("3.0")
    operations = [op.ok().label for op in schema.get_all_operations()]
    assert len(operations) == 14 and "POST /api/sessions/{sid}/step" in operations
    assert "POST /api/sessions/{sid}/weight" in operations
