"""The playground's JSON API as an OpenAPI 3.0 document, written by hand (served at /openapi.json).

:data:`PATHS` lists every route with its parameters and answers; the bodies' schemas are in
:mod:`chainrule.playground.schemas`. Bounds come from :mod:`chainrule.playground.setup`, so the
document and the checks the server makes cannot drift apart. ``docs/playground.md`` describes
the same API in prose.
"""

from __future__ import annotations

from typing import Any

from chainrule.playground.schemas import SCHEMAS, ref
from chainrule.playground.setup import MAX_UPLOAD_BYTES
from chainrule.version import __version__

__all__ = ["MAX_JSON_BYTES", "PATHS", "openapi"]

#: the largest JSON request body accepted
MAX_JSON_BYTES = 64 * 1024


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(ref("Error"), description)


_SID = {
    "name": "sid",
    "in": "path",
    "required": True,
    "description": "the session id from POST /api/sessions",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}
_NOT_FOUND = {"404": _error("no session with this id (sessions live while the server runs)")}
_BODY_ERRORS = {
    "400": _error("the body is not JSON"),
    "413": _error(f"the body is larger than {MAX_JSON_BYTES} bytes"),
    "415": _error("the body is not application/json"),
    "422": _error("the JSON is well formed but a value cannot be used; 'field' names it"),
}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def _file(media: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


PATHS: dict[str, Any] = {
    "/api/options": {
        "get": {
            "summary": "The choices and bounds of every setting",
            "operationId": "options",
            "responses": {"200": _json({"type": "object"}, "datasets, outputs, limits, …")},
        }
    },
    "/api/sessions": {
        "post": {
            "summary": "Start a session: make the data and a network from a setup",
            "operationId": "createSession",
            "requestBody": _body("Config"),
            "responses": {"201": _json(ref("State"), "the new session"), **_BODY_ERRORS},
        }
    },
    "/api/sessions/{sid}": {
        "parameters": [_SID],
        "get": {
            "summary": "The session's setup, data, network and current snapshot",
            "operationId": "getSession",
            "responses": {"200": _json(ref("State"), "the session"), **_NOT_FOUND},
        },
        "delete": {
            "summary": "Forget the session",
            "operationId": "deleteSession",
            "responses": {"204": {"description": "deleted"}, **_NOT_FOUND},
        },
    },
    "/api/sessions/{sid}/step": {
        "parameters": [_SID],
        "post": {
            "summary": "Train: `steps` minibatch steps by the engine, then a snapshot",
            "operationId": "step",
            "requestBody": _body("StepRequest"),
            "responses": {
                "200": _json(ref("Snapshot"), "the state after the steps"),
                **_NOT_FOUND,
                **_BODY_ERRORS,
            },
        },
    },
    "/api/sessions/{sid}/reset": {
        "parameters": [_SID],
        "post": {
            "summary": "Back to step 0: the initial weights from the seed, a fresh optimizer",
            "operationId": "reset",
            "responses": {"200": _json(ref("State"), "the session at step 0"), **_NOT_FOUND},
        },
    },
    "/api/sessions/{sid}/weight": {
        "parameters": [_SID],
        "post": {
            "summary": "Set one weight by hand (training goes on from it)",
            "operationId": "set_weight",
            "requestBody": _body("SetWeight"),
            "responses": {
                "200": _json(ref("Snapshot"), "the session with the new weight"),
                **_NOT_FOUND,
                **_BODY_ERRORS,
            },
        },
    },
    "/api/sessions/{sid}/explain": {
        "parameters": [_SID],
        "get": {
            "summary": "The chain rule for one weight on one training sample (cr.explain)",
            "operationId": "explain",
            "parameters": [
                {
                    "name": "weight",
                    "in": "query",
                    "required": True,
                    "description": "W<layer>[<row>,<column>], 1-based; the last row is the bias",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 40},
                    "example": "W1[1,1]",
                },
                {
                    "name": "sample",
                    "in": "query",
                    "required": False,
                    "description": "a row of the training set, 0-based, in the session's order",
                    "schema": {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0},
                },
            ],
            "responses": {
                "200": _json(ref("Explanation"), "the derivation, proven"),
                **_NOT_FOUND,
                "422": _error("no such weight or sample in this session"),
            },
        },
    },
    "/api/sessions/{sid}/export/model": {
        "parameters": [_SID],
        "get": {
            "summary": "The model file (chainrule.io.modelfile; cr.load reads it)",
            "operationId": "exportModel",
            "responses": {
                "200": _file("application/octet-stream", "the .chainrule model file"),
                **_NOT_FOUND,
                "409": _error("the weights are not finite (training diverged)"),
            },
        },
    },
    "/api/sessions/{sid}/export/weights": {
        "parameters": [_SID],
        "get": {
            "summary": "Every weight matrix as JSON, with the architecture and the setup",
            "operationId": "exportWeights",
            "responses": {"200": _json({"type": "object"}, "the weights"), **_NOT_FOUND},
        },
    },
    "/api/sessions/{sid}/export/script": {
        "parameters": [_SID],
        "get": {
            "summary": "A Python script that rebuilds and trains the same network",
            "operationId": "exportScript",
            "responses": {"200": _file("text/x-python", "the script"), **_NOT_FOUND},
        },
    },
    "/api/sessions/{sid}/export/data": {
        "parameters": [_SID],
        "get": {
            "summary": "The training (or test) rows as CSV, in the session's order",
            "operationId": "exportData",
            "parameters": [
                {
                    "name": "part",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "enum": ["train", "test"], "default": "train"},
                }
            ],
            "responses": {
                "200": _file("text/csv", "header row, then one row per sample"),
                **_NOT_FOUND,
                "422": _error("part must be train or test"),
            },
        },
    },
    "/api/uploads": {
        "post": {
            "summary": f"Upload a CSV (at most {MAX_UPLOAD_BYTES:,} bytes): a header row, then "
            "numbers; the target is the last column unless 'target' names another",
            "operationId": "upload",
            "parameters": [
                {
                    "name": "filename",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 200},
                },
                {
                    "name": "target",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 200},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
            },
            "responses": {
                "201": _json(ref("Upload"), "read; use its id as the setup's 'upload'"),
                "400": _error("the file cannot be used: the message names the line and column"),
                "413": _error(f"the file is larger than {MAX_UPLOAD_BYTES:,} bytes"),
                "415": _error("the body is not text/csv"),
            },
        }
    },
    "/static/{name}": {
        "get": {
            "summary": "The page's own files (only those; nothing else is served)",
            "operationId": "static",
            "parameters": [
                {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "the file",
                    "content": {
                        media: {"schema": {"type": "string"}}
                        for media in ("text/css", "text/javascript", "image/svg+xml")
                    },
                },
                "404": _error("no such file"),
            },
        }
    },
}


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.0.3 document."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "chainrule playground",
            "version": __version__,
            "description": "Train a network with chainrule's engine from the browser and see the "
            "chain rule for any weight. Prose: docs/playground.md.",
        },
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
