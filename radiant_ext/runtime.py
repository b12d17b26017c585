"""The composition root of one process: built once from the settings, shared by its parts.

A :class:`Runtime` holds the store's engine, **one** long-lived agent client (its GI session
reused and renewed by the client, removed at :meth:`Runtime.close`; sent in the
``X-OTRS-Header-SessionID`` header as ``RADIANT_ZNUNY_SESSION_IN_HEADER`` says) and the
plugins. The sync scheduler hands every job run a context over it, so a hundred job runs use
one Znuny session, not a hundred; the portal's services take their agent client from it.

Everything is built on first use, under a lock: a process that never talks to Znuny never logs
in, and two threads asking at once get the same client.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from radiant_ext.config import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from radiant_ext.client import ZnunyClient
    from radiant_ext.plugins import Plugins
    from radiant_ext.sync.context import JobContext

__all__ = ["Runtime"]

log = logging.getLogger(__name__)


class Runtime:
    """One process's engine, agent client and plugins (see the module docs).

    :param settings: the installation's settings.
    :param engine: an engine to use instead of one built from the settings (not disposed by
        :meth:`close` then).
    """

    def __init__(self, settings: Settings, *, engine: Engine | None = None) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self._engine = engine
        self._owns_engine = engine is None
        self._sessions: sessionmaker[Session] | None = None
        self._client: ZnunyClient | None = None
        self._plugins: Plugins | None = None

    @property
    def engine(self) -> Engine:
        """The local store's engine."""
        with self._lock:
            if self._engine is None:
                from radiant_ext.store import make_engine

                self._engine = make_engine(self.settings.effective_database_url)
            return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The local store's session factory."""
        with self._lock:
            if self._sessions is None:
                from radiant_ext.store import make_session_factory

                self._sessions = make_session_factory(self.engine)
            return self._sessions

    @property
    def client(self) -> ZnunyClient:
        """The companion's one agent client of this process."""
        with self._lock:
            if self._client is None:
                from radiant_ext.client import ZnunyClient

                self._client = ZnunyClient.from_settings(self.settings)
            return self._client

    @property
    def plugins(self) -> Plugins:
        """The plugins, with the store directory and the switches kept in the store."""
        with self._lock:
            if self._plugins is None:
                from radiant_ext.plugins import DatabaseEnablement, plugins_from_settings
                from radiant_ext.store import session_scope

                engine = self.engine
                # a read of the switches is reused for two seconds: routing one request
                # reads them several times (docs/performance.md)
                self._plugins = plugins_from_settings(
                    self.settings,
                    enablement=DatabaseEnablement(lambda: session_scope(engine), max_age=2.0))
            return self._plugins

    def job_context(self, **kwargs: Any) -> JobContext:
        """A context for one job run over this runtime's engine, client and plugins."""
        from radiant_ext.sync.context import JobContext

        kwargs.setdefault("client_factory", lambda: self.client)
        kwargs.setdefault("plugins_factory", lambda: self.plugins)
        return JobContext(settings=self.settings, engine=self.engine, owns_client=False,
                          **kwargs)

    def close(self) -> None:
        """End the agent's Znuny session (where the route set can), close connections."""
        with self._lock:
            client, self._client = self._client, None
            engine, self._engine = self._engine, None
            self._sessions = None
        if client is not None:
            from radiant_ext.client.errors import ZnunyError

            try:
                # no session: nothing to end (and no route detection started on the way out)
                if client.session_id is not None and client.routes.has("SessionRemove"):
                    client.session_remove()
            except ZnunyError as exc:  # Znuny ends it after its idle time anyway
                log.info("could not end the Znuny session: %s", exc)
            finally:
                client.close()
        if engine is not None and self._owns_engine:
            engine.dispose()
