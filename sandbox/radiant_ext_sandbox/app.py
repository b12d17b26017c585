"""``create_app`` and ``serve_in_thread``: the sandbox as a WSGI app and as a test server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import Sandbox, make_engine
from radiant_ext_sandbox.errors import SandboxError
from radiant_ext_sandbox.invoker import InvokerConfig
from radiant_ext_sandbox.seeds import SEEDS
from radiant_ext_sandbox.timeutil import Clock
from radiant_ext_sandbox.transport import GenericInterface

__all__ = ["SandboxError", "SandboxServer", "create_app", "invoker_config", "serve_in_thread"]


def invoker_config(
    url: str | None,
    user: str = "znuny",
    password: str = "",
    timeout: float = 30.0,
    events: Iterable[str] = ("TicketCreate",),
) -> InvokerConfig | None:
    """An :class:`InvokerConfig` (``None`` without a URL); bad values raise SandboxError."""
    if not url:
        return None
    try:
        return InvokerConfig(
            url=url, user=user, password=password, timeout=timeout, events=frozenset(events)
        )
    except ValueError as exc:
        raise SandboxError(str(exc)) from exc


def create_app(
    data_dir: Path | str,
    seed: str | None = None,
    test_controls: bool = False,
    *,
    invoker: InvokerConfig | None = None,
    invoker_url: str | None = None,
    invoker_user: str = "znuny",
    invoker_password: str = "",
    invoker_timeout: float = 30.0,
    invoker_events: Iterable[str] = ("TicketCreate",),
) -> GenericInterface:
    """Open (and on first use seed) the sandbox database in ``data_dir``; return the WSGI app.

    :param data_dir: folder of ``sandbox.sqlite`` (created if missing).
    :param seed: ``retail``, ``lab`` or ``znuny-lab``; applied only to an empty database.
    :param test_controls: serve ``/__sandbox__/`` (session ageing, clock, faults, invoker, mail).
    :param invoker: a synchronous ``Ticket::Generic`` invoker to call (or give ``invoker_url``,
        ``invoker_user``, ``invoker_password``, ``invoker_timeout`` seconds and
        ``invoker_events``, default ``TicketCreate`` only).
    """
    invoker = invoker or invoker_config(
        invoker_url, invoker_user, invoker_password, invoker_timeout, invoker_events
    )
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
    if stored == "retail":
        _export_demo_stores(Path(data_dir))
    return GenericInterface(
        Sandbox(engine=engine, test_controls=test_controls), seed=stored or "", invoker=invoker
    )


def _export_demo_stores(data_dir: Path) -> None:
    """Put the retail world's store directory beside its database, in ``stores/``.

    The companion names that folder in ``catalog_dirs`` to know the sandbox's stores (tiers,
    time zones, trading hours); the customer companies in Znuny are the same stores.
    """
    from radiant_ext_sandbox.seeds.retail import DEMO_STORES_FILE

    target = data_dir / "stores" / DEMO_STORES_FILE.name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(DEMO_STORES_FILE.read_text(encoding="utf-8"), encoding="utf-8")


class _Handler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Znuny with KeepAlive on

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        """Stay quiet in tests and benchmarks."""


class SandboxServer:
    """A sandbox served by a background thread; ``.url`` is its base URL."""

    def __init__(self, server: BaseWSGIServer, app: GenericInterface) -> None:
        self._server = server
        self.app = app  # e.g. ``server.app.set_invoker(...)`` once the receiver's URL is known
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
    """Serve ``app`` (or ``create_app(**kwargs)``) on ``host:port`` (0 = any free port).

    With ``app`` given, only the invoker keywords of :func:`create_app` are accepted; they
    configure ``app``'s invoker.
    """
    if app is None:
        app = create_app(**kwargs)
    elif kwargs:
        unknown = set(kwargs) - {
            "invoker",
            "invoker_url",
            "invoker_user",
            "invoker_password",
            "invoker_timeout",
            "invoker_events",
        }
        if unknown:
            raise TypeError(f"unexpected arguments with an app: {', '.join(sorted(unknown))}")
        given = kwargs.pop("invoker", None)
        app.set_invoker(
            given or invoker_config(**{k.removeprefix("invoker_"): v for k, v in kwargs.items()})
        )
    server = make_server(host, port, app, threaded=True, request_handler=_Handler)
    return SandboxServer(server, app)
