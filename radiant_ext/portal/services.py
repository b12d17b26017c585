"""Access to the app's service bundle and to per-request resources.

Per-request resources (a database session, say) are opened on first use through
:func:`request_resource`, kept on :data:`flask.g`, and closed in the app's teardown — also when
the view raised.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g

from radiant_ext.portal.ports import PortalServices
from radiant_ext.portal.sessions import SessionStore

__all__ = ["init_app", "remember_language", "request_resource", "services", "session_store"]

log = logging.getLogger(__name__)
T = TypeVar("T")


def services() -> PortalServices:
    """The :class:`PortalServices` of the current app."""
    return cast(PortalServices, current_app.extensions["radiant_portal"]["services"])


def remember_language(login: str, language: str) -> None:
    """Record the language ``login`` uses the portal in (:attr:`PortalServices.languages`);
    a failure is logged, never shown: it only decides the language of later reminders."""
    record = services().languages
    if record is None:
        return
    try:
        record(login, language)
    except Exception:  # noqa: BLE001 - the page goes on
        log.warning("the language of %s was not recorded", login, exc_info=True)


def session_store() -> SessionStore:
    """The server-side session store of the current app."""
    return cast(SessionStore, current_app.extensions["radiant_portal"]["sessions"])


def request_resource(name: str, factory: Callable[[], T], close: Callable[[T], Any]) -> T:
    """Return this request's resource ``name``, opening it with ``factory`` on first use.

    :param name: key of the resource within the request.
    :param factory: opens the resource.
    :param close: called with the resource when the request ends.
    """
    opened: dict[str, tuple[Any, Callable[[Any], Any]]] = g.setdefault("radiant_resources", {})
    if name not in opened:
        opened[name] = (factory(), close)
    return cast(T, opened[name][0])


def _close_resources(exc: BaseException | None) -> None:
    opened: dict[str, tuple[Any, Callable[[Any], Any]]] = g.pop("radiant_resources", {})
    for name, (resource, close) in opened.items():
        try:
            close(resource)
        except Exception:  # one failing close must not keep the others open
            log.exception("closing per-request resource %s failed", name)


def init_app(app: Flask, bundle: PortalServices, store: SessionStore) -> None:
    """Attach ``bundle`` and ``store`` to ``app`` and close request resources in teardown."""
    app.extensions["radiant_portal"] = {"services": bundle, "sessions": store}
    app.teardown_appcontext(_close_resources)
