"""The playground's ASGI app (Starlette): the page, its static files and the JSON API.

The API (``docs/playground.md``; OpenAPI at ``/openapi.json``)::

    GET    /api/options                         choices and bounds of every setting
    POST   /api/sessions                        start a session from a setup (JSON)   → 201
    GET    /api/sessions/{sid}                  setup, data, network, snapshot
    DELETE /api/sessions/{sid}                                                        → 204
    POST   /api/sessions/{sid}/step             {"steps": k}: k training steps → snapshot
    POST   /api/sessions/{sid}/reset            back to step 0
    POST   /api/sessions/{sid}/weight           {"weight": "W1[1,1]", "value": v}: set it by hand
    GET    /api/sessions/{sid}/explain?weight=W1[1,1]&sample=0   cr.explain's JSON
    GET    /api/sessions/{sid}/export/model     the model file
    GET    /api/sessions/{sid}/export/weights   the weights as JSON
    GET    /api/sessions/{sid}/export/script    a Python script that trains the same network
    GET    /api/sessions/{sid}/export/data?part=train|test   the data as CSV
    POST   /api/uploads?filename=&target=       a CSV file (text/csv, ≤ 1 MB)         → 201

Errors are JSON ``{"error": "...", "field": ...}`` with a 4xx status. Only the files of
``static/`` are served, looked up by name in a table made at start-up; no path from a request is
ever joined to a folder. Requests must name a loopback host (a guard against DNS rebinding) unless
the app is made with other ``allowed_hosts``, and a request that changes state from another
origin is refused (:mod:`chainrule.playground.guard`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chainrule.errors import ApiError
from chainrule.io.modelfile import ModelFileError
from chainrule.playground import export
from chainrule.playground.guard import LOOPBACK_NAMES, HostOriginGuard, client_gone
from chainrule.playground.inputs import INPUTS, REGRESSION
from chainrule.playground.openapi import MAX_JSON_BYTES, openapi
from chainrule.playground.session import MAX_STEPS, Session, Store
from chainrule.playground.setup import (
    ACTIVATIONS,
    DATASETS,
    LIMITS,
    MAX_UPLOAD_BYTES,
    OPTIMIZERS,
    OUTPUTS,
    Config,
    ConfigError,
    parse_csv,
)

STATIC = Path(__file__).parent / "static"
LOOPBACK_HOSTS = LOOPBACK_NAMES  # on any port; a server passes its own (guard.loopback_hosts)
MAX_WEIGHT = 1e3  # the largest |w| a weight may be set to by hand
MEDIA = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def error(status: int, message: str, field: str | None = None, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status, headers=headers)


# -- reading requests ------------------------------------------------------------------------------
async def read_body(request: Request, limit: int, what: str = "the body") -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ApiError(400, f"Content-Length {length!r} is not a number of bytes")
        if int(length) > limit:
            raise ApiError(413, f"{what} is {int(length):,} bytes; the limit is {limit:,} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError(413, f"{what} is over the limit of {limit:,} bytes")
    return bytes(body)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


async def read_json(request: Request) -> Any:
    if _media_type(request) != "application/json":
        raise ApiError(415, "send the body as JSON with Content-Type: application/json")
    body = await read_body(request, MAX_JSON_BYTES)
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (ValueError, RecursionError) as err:  # JSONDecodeError and UnicodeError are ValueErrors
        raise ApiError(400, f"the body is not valid JSON: {err}") from None


def session_of(request: Request) -> Session:
    sid = request.path_params["sid"]
    session = request.app.state.store.get(sid)
    if session is None:
        raise ApiError(404, f"no session {sid!r}; start one with POST /api/sessions")
    return session


# -- the API ---------------------------------------------------------------------------------------
async def options(request: Request) -> Response:
    return JSONResponse(
        {
            "datasets": list(DATASETS),
            "activations": list(ACTIVATIONS),
            "outputs": {
                name: {"activation": a, "loss": loss} for name, (a, loss) in OUTPUTS.items()
            },
            "optimizers": list(OPTIMIZERS),
            "inputs": list(INPUTS),
            "regression_datasets": list(REGRESSION),
            "limits": {key: list(bounds) for key, bounds in LIMITS.items()},
            "defaults": Config().to_dict(),
            "max_steps": MAX_STEPS,
            "max_upload_bytes": request.app.state.max_upload_bytes,
        }
    )


async def create_session(request: Request) -> Response:
    data = await read_json(request)
    try:
        config = Config.from_dict(data)
        session = await run_in_threadpool(request.app.state.store.create, config)
    except ConfigError as err:
        raise ApiError(422, str(err), err.field) from None
    return JSONResponse(await run_in_threadpool(session.state), status_code=201)


async def session_resource(request: Request) -> Response:
    """GET: the session's state; DELETE: forget it (one route, so 405 answers list both)."""
    session = session_of(request)
    if request.method == "DELETE":
        request.app.state.store.delete(session.id)
        return Response(status_code=204)
    return JSONResponse(await run_in_threadpool(session.state))


async def step(request: Request) -> Response:
    session = session_of(request)
    data = await read_json(request)
    if not isinstance(data, dict) or set(data) != {"steps"}:
        raise ApiError(422, 'send {"steps": k}, k a whole number of training steps', "steps")
    k = data["steps"]
    k = int(k) if isinstance(k, float) and k.is_integer() else k
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_STEPS:
        raise ApiError(422, f"steps must be a whole number from 1 to {MAX_STEPS}", "steps")
    return JSONResponse(await run_in_threadpool(session.train, k))


async def reset(request: Request) -> Response:
    session = session_of(request)
    await run_in_threadpool(session.reset)
    return JSONResponse(await run_in_threadpool(session.state))


async def set_weight(request: Request) -> Response:
    session = session_of(request)
    data = await read_json(request)
    if not isinstance(data, dict) or set(data) != {"weight", "value"}:
        raise ApiError(422, 'send {"weight": "W1[1,1]", "value": v}', "weight")
    name, value = data["weight"], data["value"]
    if not isinstance(name, str) or not 1 <= len(name) <= 40:
        raise ApiError(422, "weight: name one weight, e.g. W1[1,1]", "weight")
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and abs(value) <= MAX_WEIGHT):
        raise ApiError(422, f"value must be a number from −{MAX_WEIGHT:g} to {MAX_WEIGHT:g}, "
                            f"got {value!r}", "value")  # fmt: skip
    try:
        return JSONResponse(await run_in_threadpool(session.set_weight, name, float(value)))
    except (ValueError, IndexError) as err:
        raise ApiError(422, str(err), "weight") from None


async def explain(request: Request) -> Response:
    session = session_of(request)
    weight = request.query_params.get("weight")
    if not weight or len(weight) > 40:
        raise ApiError(422, "weight: name one weight, e.g. ?weight=W1[1,1]", "weight")
    sample_text = request.query_params.get("sample", "0")
    if not sample_text.isdigit() or len(sample_text) > 6:
        raise ApiError(422, f"sample must be a row number ≥ 0, got {sample_text!r}", "sample")
    try:
        out = await run_in_threadpool(session.explain, weight, int(sample_text))
    except (ValueError, IndexError, TypeError) as err:
        field = "sample" if "sample" in str(err) else "weight"
        raise ApiError(422, str(err), field) from None
    return JSONResponse(out)


def _download(content: bytes | str, media: str, filename: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=media, headers=headers)


async def export_model(request: Request) -> Response:
    session = session_of(request)
    try:
        content = await run_in_threadpool(export.model_bytes, session)
    except ModelFileError as err:
        raise ApiError(409, str(err)) from None
    return _download(content, "application/octet-stream", "playground.chainrule")


async def export_weights(request: Request) -> Response:
    session = session_of(request)
    content = json.dumps(await run_in_threadpool(export.weights_json, session), indent=1)
    return _download(content, "application/json", "playground-weights.json")


async def export_script(request: Request) -> Response:
    content = export.script(session_of(request))
    return _download(content, "text/x-python; charset=utf-8", "playground_train.py")


async def export_data(request: Request) -> Response:
    session = session_of(request)
    part = request.query_params.get("part", "train")
    if part not in ("train", "test"):
        raise ApiError(422, f"part must be train or test, got {part!r}", "part")
    content = await run_in_threadpool(export.data_csv, session, part)
    return _download(content, "text/csv; charset=utf-8", f"playground-{part}.csv")


async def upload(request: Request) -> Response:
    if _media_type(request) not in ("text/csv", "text/plain", "application/octet-stream"):
        raise ApiError(415, "send the file as the body with Content-Type: text/csv", "file")
    content = await read_body(request, request.app.state.max_upload_bytes, "the file")
    filename = request.query_params.get("filename", "upload.csv")[:200]
    target = request.query_params.get("target") or None
    try:
        result = await run_in_threadpool(parse_csv, content, filename, target)
    except ConfigError as err:
        raise ApiError(400, str(err), err.field) from None
    request.app.state.store.add_upload(result)
    return JSONResponse(result.summary(), status_code=201)


# -- the page --------------------------------------------------------------------------------------
def static_table(folder: Path = STATIC) -> dict[str, tuple[bytes, str]]:
    """name → (content, media type) for the regular files directly in ``folder`` (no links)."""
    table = {}
    for path in sorted(folder.iterdir()):
        if path.suffix in MEDIA and path.is_file() and not path.is_symlink():
            table[path.name] = (path.read_bytes(), MEDIA[path.suffix])
    return table


async def index(request: Request) -> Response:
    content, media = request.app.state.static["index.html"]
    return Response(content, media_type=media, headers={"Content-Security-Policy": CSP})


async def static(request: Request) -> Response:
    found = request.app.state.static.get(request.path_params["name"])
    if found is None or found[1].startswith("text/html"):
        raise ApiError(404, "no such file")
    content, media = found
    return Response(content, media_type=media, headers={"Cache-Control": "no-cache"})


async def openapi_json(request: Request) -> Response:
    return JSONResponse(openapi())


# -- errors and headers ----------------------------------------------------------------------------
async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error(exc.status, exc.message, exc.field)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {404: "no such page or API route", 405: "method not allowed here"}
    message = messages.get(exc.status_code, str(exc.detail))
    return error(exc.status_code, message, None, **(exc.headers or {}))


class SecurityHeaders:
    """Adds ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` everywhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer")]  # fmt: skip
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    store: Store | None = None,
    allowed_hosts: tuple[str, ...] | list[str] = LOOPBACK_HOSTS,
    max_upload_bytes: int = MAX_UPLOAD_BYTES,
) -> Starlette:
    """The playground as an ASGI app; ``store`` holds its sessions and uploads (a fresh one by
    default). ``allowed_hosts``: the Host values answered, ``"name:port"`` or ``"name"`` (any
    port); by default the loopback names on any port, ``["*"]`` any Host. Starlette's TestClient
    sends ``Host: testserver``: ``create_app(allowed_hosts=["testserver"])``.
    ``max_upload_bytes``: the largest CSV an upload may send (``--max-upload-bytes``); the memory
    the playground keeps stays bounded whatever it is, by the row and cell limits of an upload."""
    sid = "/api/sessions/{sid}"
    routes = [
        Route("/", index, methods=["GET"]),
        Route("/static/{name}", static, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/api/options", options, methods=["GET"]),
        Route("/api/sessions", create_session, methods=["POST"]),
        Route(sid, session_resource, methods=["GET", "DELETE"]),
        Route(f"{sid}/step", step, methods=["POST"]),
        Route(f"{sid}/weight", set_weight, methods=["POST"]),
        Route(f"{sid}/reset", reset, methods=["POST"]),
        Route(f"{sid}/explain", explain, methods=["GET"]),
        Route(f"{sid}/export/model", export_model, methods=["GET"]),
        Route(f"{sid}/export/weights", export_weights, methods=["GET"]),
        Route(f"{sid}/export/script", export_script, methods=["GET"]),
        Route(f"{sid}/export/data", export_data, methods=["GET"]),
        Route("/api/uploads", upload, methods=["POST"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(HostOriginGuard, allowed_hosts=list(allowed_hosts)),
        ],
        exception_handlers={
            ApiError: api_error,
            HTTPException: http_error,
            ClientDisconnect: client_gone,
        },
    )
    if isinstance(max_upload_bytes, bool) or not isinstance(max_upload_bytes, int):
        raise TypeError(f"max_upload_bytes must be a whole number, got {max_upload_bytes!r}")
    if max_upload_bytes < 1:
        raise ValueError(f"max_upload_bytes must be ≥ 1, got {max_upload_bytes}")
    app.state.max_upload_bytes = max_upload_bytes
    app.state.store = store if store is not None else Store()
    app.state.static = static_table()
    return app
