"""``create_app`` and ``serve_in_thread``: the sandbox as a WSGI app and as a test server."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from radiant_ext.errors import RadiantError
from radiant_ext.sandbox import schema as s
from radiant_ext.sandbox.db import Sandbox, make_engine
from radiant_ext.sandbox.seeds import SEEDS
from radiant_ext.sandbox.timeutil import Clock
from radiant_ext.sandbox.transport import GenericInterface


class SandboxError(RadiantError):
    """The sandbox cannot start as asked (unknown seed, seed over a different one …)."""


def create_app(
    data_dir: Path | str, seed: str | None = None, test_controls: bool = False
) -> GenericInterface:
    """Open (and on first use seed) the sandbox database in ``data_dir``; return the WSGI app.

    :param data_dir: folder of ``sandbox.sqlite`` (created if missing).
    :param seed: ``retail``, ``lab`` or ``znuny-lab``; applied only to an empty database.
    :param test_controls: serve ``/__sandbox__/`` (session ageing, clock, faults).
    """
    if seed is not None and seed not in SEEDS:
        raise SandboxError(f"unknown seed {seed!r} (choose from {', '.join(sorted(SEEDS))})")
    engine = make_engine(Path(data_dir))
    with engine.begin() as conn:
        raw = conn.execute(
            select(s.sandbox_setting.c.value).where(s.sandbox_setting.c.name == "seed")
        ).scalar()
        stored = json.loads(raw) if raw else None
        if conn.execute(select(s.users.c.id).limit(1)).first() is None:
            stored = seed or "retail"
            SEEDS[stored](conn, Clock())
        elif seed is not None and stored is not None and stored != seed:
            raise SandboxError(f"{data_dir} already holds the {stored!r} seed, not {seed!r}")
    app = GenericInterface(Sandbox(engine=engine, test_controls=test_controls), seed=stored or "")
    return app


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Znuny with KeepAlive on

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Stay quiet in tests and benchmarks."""


class SandboxServer:
    """A sandbox served by a background thread; ``.url`` is its base URL."""

    def __init__(self, server: BaseWSGIServer) -> None:
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        self.url = f"http://{server.host}:{server.port}"

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve_in_thread(
    app: GenericInterface | None = None, host: str = "127.0.0.1", port: int = 0, **kwargs: Any
) -> SandboxServer:
    """Serve ``app`` (or ``create_app(**kwargs)``) on ``host:port`` (0 = any free port)."""
    if app is None:
        app = create_app(**kwargs)
    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    return SandboxServer(server)
