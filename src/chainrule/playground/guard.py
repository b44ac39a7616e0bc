"""Who may talk to the playground: its own Host names, and its own origin for a change of state.

Two attacks from a web page elsewhere, and the answer to each (403, JSON ``{"error", "field"}``):

- **DNS rebinding**: a name the attacker controls is made to resolve to 127.0.0.1, so the
  browser sends the page's requests to the playground with ``Host: evil.example``. Only the
  Host values the server serves are answered: ``127.0.0.1:PORT``, ``localhost:PORT`` and
  ``[::1]:PORT`` when it serves on a loopback port (:func:`loopback_hosts`).
- **Cross-site form posts**: an HTML form elsewhere may POST ``text/plain`` without a CORS
  preflight. A POST, PUT, PATCH or DELETE whose ``Origin`` (or, without one, ``Referer``) is
  present and is not this server's own origin is refused. Requests that carry neither (curl,
  scripts) pass: browsers always send ``Origin`` on a cross-site POST.

A client that disconnects before its body has arrived is logged as one line
(:func:`client_gone`), not as a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": 80, "https": 443}
log = logging.getLogger("chainrule.playground")


def split_host(value: str, scheme: str = "http") -> tuple[str, int | None]:
    """``"Name:port"`` → ``("name", port)``; the scheme's port when none is given; ``("", None)``
    for a value that is not a host (IPv6 addresses are written in brackets, as in a URL)."""
    value = value.strip().lower()
    if value.startswith("["):
        name, bracket, rest = value.partition("]")
        name, port = name + bracket, rest.removeprefix(":")
        if not bracket or (rest and not rest.startswith(":")):
            return "", None
    else:
        name, _, port = value.partition(":")
    if port and not (port.isdigit() and int(port) <= 65535):
        return "", None
    return name, int(port) if port else DEFAULT_PORTS.get(scheme)


def loopback_hosts(port: int) -> list[str]:
    """The Host values of a server on a loopback address and ``port``."""
    return [f"{name}:{port}" for name in LOOPBACK_NAMES]


class HostOriginGuard:
    """Answers 403 to a Host not in ``allowed_hosts`` and to a cross-origin change of state.

    ``allowed_hosts``: ``"name:port"`` (that port only), ``"name"`` (any port), or ``"*"`` (any
    Host; the origin check still applies).
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        hosts = list(allowed_hosts)
        self.any_host = "*" in hosts
        self.hosts = {split_host(h, scheme="") for h in hosts if h != "*"}  # (name, port | None)

    def host_allowed(self, host: str, scheme: str) -> bool:
        name, port = split_host(host, scheme)
        if not name:
            return False
        return self.any_host or (name, port) in self.hosts or (name, None) in self.hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        host, scheme = headers.get("host", ""), scope.get("scheme", "http")
        refusal = None
        if not self.host_allowed(host, scheme):
            refusal = (f"this server does not answer for the host {host[:100]!r}; open the "
                       "playground at the address it printed (127.0.0.1 or localhost)")  # fmt: skip
        elif scope["method"] in UNSAFE_METHODS:
            source = headers.get("origin") or headers.get("referer")
            if source is not None and not same_origin(source, host, scheme):
                refusal = (f"a request from {source[:100]!r} may not change the playground; "
                           "only its own page may")  # fmt: skip
        if refusal is not None:
            response = JSONResponse({"error": refusal, "field": None}, status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def same_origin(source: str, host: str, scheme: str) -> bool:
    """Whether the URL ``source`` (an Origin or a Referer) is this server's scheme://host."""
    try:
        parts = urlsplit(source.strip())
    except ValueError:
        return False
    if parts.scheme != scheme or not parts.netloc or "@" in parts.netloc:
        return False
    mine = split_host(host, scheme)
    return bool(mine[0]) and split_host(parts.netloc, parts.scheme) == mine


async def client_gone(request: Request, exc: Exception) -> Response:
    """A client that disconnected before sending its whole body: one log line, no traceback.
    (Nobody is left to read the response.)"""
    client = f"{request.client.host}:{request.client.port}" if request.client else "a client"
    log.warning(
        "chainrule playground: %s disconnected during %s %s; the request was dropped",
        client,
        request.method,
        request.url.path,
    )
    return Response(status_code=400)
