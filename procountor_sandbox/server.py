"""Run the sandbox with werkzeug's threaded server, in the foreground or a thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from werkzeug.serving import BaseWSGIServer, make_server

from . import defaults
from .app import SandboxApp, SandboxConfig
from .store import Store


@dataclass
class SandboxHandle:
    """A running sandbox: ``url`` is the host root (no /api), ``state`` the store."""

    url: str
    app: SandboxApp
    server: BaseWSGIServer
    thread: threading.Thread

    @property
    def state(self) -> Store:
        return self.app.store

    def stop(self, timeout: float = 10) -> None:
        self.app.stopping.set()  # ends injected sleeps
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout)


def create_server(host: str = defaults.HOST, port: int = defaults.PORT, **options):
    """(server, app); ``options`` are SandboxConfig fields."""
    app = SandboxApp(SandboxConfig(**options))
    server = make_server(host, port, app, threaded=True)
    # Requests still sleeping in a fault must not hold up server_close().
    server.block_on_close = False
    return server, app


def server_url(server: BaseWSGIServer, host: str) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{server.server_port}"


def listen_address(server: BaseWSGIServer) -> str:
    """The address and port the server's socket is really bound to (``0.0.0.0:8899``)."""
    host, port = server.socket.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def startup_line(server: BaseWSGIServer, host: str) -> str:
    """The line printed at start: the real listening address, then the URL to use."""
    address = listen_address(server)
    bound_host = address.rsplit(":", 1)[0].strip("[]")
    everywhere = " (every interface)" if bound_host in ("0.0.0.0", "::") else ""
    url = server_url(server, host)
    return (
        f"Procountor sandbox listening on {address}{everywhere}: "
        f"serving on {url} (API root {url}/api)"
    )


def start_in_thread(host: str = "127.0.0.1", port: int = 0, **options) -> SandboxHandle:
    """Start a sandbox on ``host:port`` (0 = a free port) in a daemon thread."""
    server, app = create_server(host, port, **options)
    thread = threading.Thread(target=server.serve_forever, name="procountor-sandbox", daemon=True)
    thread.start()
    return SandboxHandle(url=server_url(server, host), app=app, server=server, thread=thread)
