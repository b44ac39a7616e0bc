"""Running the playground: uvicorn on 127.0.0.1 and a free port, and the browser opened on it.

``chainrule playground [--port N] [--no-browser]`` calls :func:`playground_command`.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Iterator
from typing import Any

LOOPBACK = "127.0.0.1"
STARTING = "interrupted while starting"  # the KeyboardInterrupt of a Ctrl-C before serving


def bind(host: str = LOOPBACK, port: int | None = None) -> socket.socket:
    """A listening socket on ``host``: on ``port``, or on a free port the system picks (None/0)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say so, and without it
    # each response waits ~40 ms for a delayed ACK (Nagle), capping the page at ~12 updates/s
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port or 0))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    return sock


def make_server(
    sock: socket.socket, app: Any = None, log_level: str = "warning", **options: Any
) -> Any:
    """A uvicorn Server for ``app`` (the playground by default, made with ``options`` such as
    ``max_upload_bytes``) on an already bound socket."""
    import uvicorn

    from chainrule.playground.app import create_app
    from chainrule.playground.guard import loopback_hosts

    host, port = sock.getsockname()[:2]
    if app is None:
        loopback = host in ("127.0.0.1", "::1") or host.startswith("127.")
        app = create_app(allowed_hosts=loopback_hosts(port) if loopback else ["*"], **options)
    config = uvicorn.Config(app, log_level=log_level, lifespan="off", ws="none")
    return uvicorn.Server(config)


def one_blas_thread() -> bool:
    """Limit BLAS to one thread in this process (threadpoolctl, where installed); True if done.

    The playground's matrices are small (at most 4096 × 65 by 65 × 20): a second BLAS thread
    cannot help them, and on a busy machine its hand-offs made the 6 × 16 network's update three
    times slower (benchmarks/bench_playground.py). Only ``chainrule playground`` calls this."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return False
    threadpool_limits(1, user_api="blas")
    return True


def serve(
    host: str = LOOPBACK,
    port: int | None = None,
    open_browser: bool = True,
    ready: Any = None,
    **options: Any,
) -> None:
    """Serve the playground until interrupted. ``ready(url)`` is called once it listens;
    ``options`` go to :func:`~chainrule.playground.app.create_app` (``max_upload_bytes``).

    Ctrl-C once it serves stops it (uvicorn shuts down, then re-raises the signal, which ends
    here: a normal return). Ctrl-C before it serves raises ``KeyboardInterrupt(STARTING)``.
    """
    one_blas_thread()
    sock = bind(host, port)
    actual = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{actual}/"
    server: Any = None

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            threading.Event().wait(0.05)
        print(f"chainrule playground: {url}  (Ctrl-C stops it)", flush=True)
        if ready is not None:
            ready(url)
        if open_browser:
            webbrowser.open(url)

    try:
        server = make_server(sock, **options)
        threading.Thread(target=announce, daemon=True).start()
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        if server is None or not server.started:
            raise KeyboardInterrupt(STARTING) from None
    finally:
        sock.close()


@contextlib.contextmanager
def running(host: str = LOOPBACK, port: int | None = None, app: Any = None) -> Iterator[str]:
    """Serve in a background thread for the length of a ``with`` block; yields the page's URL.

    Example:
        >>> with running() as url:
        ...     httpx.get(url + "api/options")
    """
    sock = bind(host, port)
    server = make_server(sock, app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the playground server did not start")
        time.sleep(0.01)
    shown = f"[{host}]" if ":" in host else host
    try:
        yield f"http://{shown}:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def playground_command(port: int | None, open_browser: bool, **options: Any) -> int:
    """``chainrule playground [--port N] [--no-browser] [--max-upload-bytes N]``: serve on
    127.0.0.1 (a free port unless ``port``) until Ctrl-C. Exit status as the rest of the CLI: 0
    when it stops, 1 when it cannot run (a missing package, a port in use), 2 for a bad
    ``--port``, 130 for a Ctrl-C before it serves; errors are one line, ``chainrule playground:
    error: …``, on stderr."""

    def error(message: str) -> None:
        print(f"chainrule playground: error: {message}", file=sys.stderr)

    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as err:
        error(f"the playground needs {err.name}: pip install 'chainrule[playground]'")
        return 1
    except KeyboardInterrupt:
        return _interrupted()
    if port is not None and not 0 <= port <= 65535:
        error(f"--port must be a port number 0..65535 (0: a free one), got {port}")
        return 2
    try:
        serve(LOOPBACK, port, open_browser, **options)
    except OSError as err:
        error(
            f"cannot listen on {LOOPBACK}:{port}: {err.strerror or err}; "
            "leave out --port to take a free one"
        )
        return 1
    except KeyboardInterrupt as err:
        if err.args == (STARTING,):
            return _interrupted()
    return 0


def _interrupted() -> int:
    """Ctrl-C before the server serves: one line on stderr, exit status 130 (128 + SIGINT)."""
    print(f"chainrule playground: {STARTING}", file=sys.stderr, flush=True)
    return 130
