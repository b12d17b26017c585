"""What every job receives: settings, the store, a lazily built client and plugins, progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.config import Settings
from radiant_ext.store import make_engine, make_session_factory, utcnow

if TYPE_CHECKING:
    from radiant_ext.plugins import Plugins
    from radiant_ext.sync.ports import HelpDesk

__all__ = ["JobContext", "ProgressCallback", "no_progress"]

ProgressCallback = Callable[[str, int, "int | None"], None]
"""``(task description, items just done, total or None)``; a rich progress bar in the CLI."""


def no_progress(_task: str, _advance: int, _total: int | None) -> None:
    """Progress callback that shows nothing (the scheduler's default)."""


@dataclass
class JobContext:
    """Everything a job needs; jobs build nothing global and are safe to run again.

    :param settings: the installation's settings.
    :param engine: the store.
    :param client_factory: returns a ready :class:`~radiant_ext.sync.ports.HelpDesk` (the
        companion's :class:`radiant_ext.client.ZnunyClient`).
    :param plugins_factory: returns the :class:`radiant_ext.plugins.Plugins` wrapper.
    :param progress: progress callback.
    :param now: clock (tests pass a fake one).
    :param owns_client: close the client with the context (``False``: the client is the
        process's, :class:`radiant_ext.runtime.Runtime`, and outlives the run).
    """

    settings: Settings
    engine: Engine
    client_factory: Callable[[], HelpDesk] | None = None
    plugins_factory: Callable[[], Plugins] | None = None
    progress: ProgressCallback = no_progress
    now: Callable[[], datetime] = utcnow
    owns_client: bool = True
    sessions: sessionmaker[Session] = field(init=False)
    _client: HelpDesk | None = field(default=None, init=False, repr=False)
    _plugins: Plugins | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.sessions = make_session_factory(self.engine)

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> JobContext:
        """Build a context for ``settings``: its store, its Znuny client, its plugins."""
        engine = kwargs.pop("engine", None) or make_engine(settings.effective_database_url)
        kwargs.setdefault("client_factory", lambda: _default_client(settings))
        kwargs.setdefault("plugins_factory", lambda: _default_plugins(settings, engine))
        return cls(settings=settings, engine=engine, **kwargs)

    @property
    def client(self) -> HelpDesk:
        """The Znuny client, built on first use and closed by :meth:`close`."""
        if self._client is None:
            if self.client_factory is None:
                from radiant_ext.sync.errors import SyncError

                raise SyncError("this job needs Znuny but no client is configured")
            self._client = self.client_factory()
        return self._client

    @property
    def plugins(self) -> Plugins:
        """The plugins wrapper, built on first use."""
        if self._plugins is None:
            if self.plugins_factory is None:
                from radiant_ext.sync.errors import SyncError

                raise SyncError("this job needs the plugins but none are configured")
            self._plugins = self.plugins_factory()
        return self._plugins

    def close(self) -> None:
        """Close the client if this context built and owns it (the engine stays open)."""
        if self._client is not None and self.owns_client:
            self._client.close()
        self._client = None


def _default_client(settings: Settings) -> HelpDesk:
    from radiant_ext.client import ZnunyClient

    return ZnunyClient.from_settings(settings)


def _default_plugins(settings: Settings, engine: Engine) -> Plugins:
    """The same plugins, store directory and defaults as the portal and the webhook."""
    from radiant_ext.plugins import DatabaseEnablement, plugins_from_settings
    from radiant_ext.store import session_scope

    return plugins_from_settings(
        settings, enablement=DatabaseEnablement(lambda: session_scope(engine)))
