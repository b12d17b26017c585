"""The report pages: a Flask blueprint the portal registers with one line.

``app.register_blueprint(radiant_ext.reports.blueprint)`` adds ``/reports/`` (menu),
``/reports/<name>`` (chart, data table, filters), ``/reports/<name>/export.<csv|xlsx|json>``
and the agents' ``/reports/login``. Configuration comes from the app's ``RADIANT_SETTINGS``
(or the installation's settings); tests may set ``REPORTS_ENGINE``, ``REPORTS_SETTINGS``,
``REPORTS_DIRECTORY``, ``REPORTS_AGENT_AUTH`` and ``REPORTS_CLOCK`` in ``app.config``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from flask import Blueprint, Flask, current_app, g, session
from flask.blueprints import BlueprintSetupState
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from radiant_ext.config import Settings, load_settings
from radiant_ext.portal.sessions import (
    COOKIE_KEYS,
    PortalSession,
    SessionEnd,
    resume_session,
    session_policy,
)
from radiant_ext.reports.access import (
    AgentAuth,
    ReportViewer,
    agent_auth_from,
    resolve_viewer,
    znuny_agent_auth,
)
from radiant_ext.reports.context import ItemDirectory, directory_from_settings
from radiant_ext.reports.errors import ReportError
from radiant_ext.reports.i18n import translate
from radiant_ext.reports.names import with_znuny_names
from radiant_ext.reports.settings import ReportSettings, report_settings

__all__ = ["ReportsState", "blueprint", "can_change_settings", "current_agent", "current_viewer",
           "page_language", "report_text", "reports_state"]

log = logging.getLogger(__name__)
blueprint = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates",
                      static_folder="static", static_url_path="/static")
_LOCK = threading.Lock()
AGENT_KEY = COOKIE_KEYS["agent"]
"""The cookie key holding the agent's session key in the portal's session store."""


@dataclass
class ReportsState:
    """What the pages share across requests in one app."""

    settings: ReportSettings
    engine: Engine
    directory: ItemDirectory
    agent_auth: AgentAuth
    clock: Callable[[], datetime]

    def session(self) -> Session:
        """A new read-only ORM session on the store."""
        return Session(self.engine)

    def departments(self, session: Session) -> list[str]:
        """Departments to offer: the catalog's and those the cache's items belong to."""
        from radiant_ext.reports.context import ReportContext, ReportFilter
        from radiant_ext.reports.rollup_read import present_keys

        ctx = ReportContext(session, ReportFilter(), self.settings, self.directory,
                            self.clock())
        categories = present_keys(ctx, "item")
        found = {self.directory.department_of(c)
                 for c in (ctx.categories() if categories is None else categories)}
        return sorted(found | set(self.directory.departments))

    def open_items(self, session: Session) -> list[str]:
        """Catalog items to offer on the pages of open tickets: the catalog's and those of the
        open tickets (never reading the closed ones: ``reports.steps.open_items``)."""
        from radiant_ext.reports.context import ReportContext, ReportFilter
        from radiant_ext.reports.steps import open_items

        present = open_items(ReportContext(session, ReportFilter(), self.settings,
                                           self.directory, self.clock()))
        return sorted({c for c in present if c} | set(self.directory.items))

    def stores(self, session: Session) -> list[str]:
        """Stores to offer: the chain's and those present in the cache (from the roll-ups'
        month cells when they are built: the stores a store filter can select)."""
        from sqlalchemy import select

        from radiant_ext.reports.context import ReportContext, ReportFilter
        from radiant_ext.reports.rollup_read import present_keys
        from radiant_ext.store import TicketCache

        ctx = ReportContext(session, ReportFilter(), self.settings, self.directory,
                            self.clock())
        present = present_keys(ctx, "store")
        if present is None:  # two index-only scans instead of one over COALESCE(...)
            present = {*session.scalars(select(TicketCache.store).distinct()),
                       *session.scalars(select(TicketCache.customer_id).distinct())}
        return sorted({s for s in present if s} | set(self.directory.stores))


def _radiant_settings(app: Flask) -> Settings:
    given = app.config.get("RADIANT_SETTINGS")
    return given if isinstance(given, Settings) else load_settings()


def _build_state(app: Flask) -> ReportsState:
    cfg = app.config
    radiant: Settings | None = None

    def settings() -> Settings:
        nonlocal radiant
        radiant = radiant or _radiant_settings(app)
        return radiant

    engine = cfg.get("REPORTS_ENGINE")
    if engine is None:
        from radiant_ext.store import make_engine

        engine = make_engine(settings().effective_database_url)
    return ReportsState(
        settings=cfg.get("REPORTS_SETTINGS") or report_settings(settings()),
        engine=engine,
        directory=cfg.get("REPORTS_DIRECTORY") or (
            with_znuny_names(ItemDirectory.from_plugins(cfg["REPORTS_PLUGINS"]), settings())
            if cfg.get("REPORTS_PLUGINS") else directory_from_settings(settings())),
        agent_auth=(agent_auth_from(cfg["REPORTS_AGENT_AUTH"]) if cfg.get("REPORTS_AGENT_AUTH")
                    else znuny_agent_auth(settings())),
        clock=cfg.get("REPORTS_CLOCK") or (lambda: datetime.now(UTC)),
    )


@blueprint.app_context_processor
def _navigation() -> dict[str, Any]:
    """``can_see_reports()`` for the portal's menu: whether to link to ``/reports/``."""

    def can_see_reports() -> bool:
        return current_viewer() is not None

    return {"can_see_reports": can_see_reports}


@blueprint.record_once
def _check_settings(state: BlueprintSetupState) -> None:
    """Refuse to start with an invalid ``[reports]`` table (one line, at app creation)."""
    radiant = state.app.config.get("RADIANT_SETTINGS")
    if isinstance(radiant, Settings) and not state.app.config.get("REPORTS_SETTINGS"):
        report_settings(radiant)


def reports_state() -> ReportsState:
    """The current app's :class:`ReportsState`, built on first use."""
    ext: dict[str, Any] = current_app.extensions.setdefault("radiant_reports", {})
    if "state" not in ext:
        with _LOCK:
            if "state" not in ext:
                ext["state"] = _build_state(current_app)
    return cast(ReportsState, ext["state"])


def page_language() -> str:
    """The language of this page (``en`` or ``ru``), as the portal chose it."""
    from flask_babel import get_locale

    locale = get_locale()
    return "ru" if locale is not None and locale.language == "ru" else "en"


@blueprint.app_template_filter("report_text")
def report_text(text: object) -> str:
    """Template filter: a report string in the page's language (see :mod:`.i18n`)."""
    return translate(str(text), page_language())


@blueprint.app_template_filter("report_date")
def report_date(day: object) -> str:
    """Template filter: an ISO day (``2026-11-23``) as the page's language writes it."""
    from radiant_ext.reports.formatting import format_value

    return format_value(str(day), "date", page_language())


def can_change_settings(viewer: ReportViewer) -> bool:
    """Whether ``viewer`` administers the installation (a companion admin of the ``[admin]``
    table, who can change the settings): only they read hints that name settings."""
    if viewer.kind != "agent":
        return False
    from radiant_ext.portal.admin.views import current_admin

    role = current_admin()
    return role is not None and role.companion and role.login == viewer.login


def current_viewer() -> ReportViewer | None:
    """The agent or customer manager behind this request, or ``None``."""
    customer = g.get("customer")
    return resolve_viewer(
        reports_state().settings, agent=current_agent(),
        customer_login=getattr(customer, "login", None),
        customer_company=getattr(customer, "customer_id", None),
    )


def current_agent() -> str | None:
    """The login of the agent logged in on the reports' login, once per request.

    The agent's session is the portal's kind of session (see
    :func:`radiant_ext.portal.sessions.resume_session`): it ends at logout, after
    ``PORTAL_SESSION_LIFETIME_SECONDS`` whatever the activity, and when Znuny, asked at most
    every ``PORTAL_SESSION_CHECK_SECONDS``, no longer knows the agent's GI session.
    """
    if "reports_agent" in g:
        return cast(str | None, g.reports_agent)
    login: str | None = None
    key = session.get(AGENT_KEY)
    if key and isinstance(key, str):
        from radiant_ext.portal.services import session_store

        found = resume_session(session_store(), key, kind="agent",
                               policy=session_policy(current_app.config), alive=_agent_alive)
        if isinstance(found, SessionEnd):
            session.pop(AGENT_KEY, None)
        else:
            login = found.customer.login
    elif key is not None:
        session.pop(AGENT_KEY, None)
    g.reports_agent = login
    return login


def _agent_alive(entry: PortalSession) -> bool | None:
    try:
        return reports_state().agent_auth.alive(entry.gi_session_id, entry.customer.login)
    except ReportError:
        log.warning("cannot check the agent's Znuny session; keeping the reports session")
        return None


from radiant_ext.reports import pages as _pages  # noqa: E402,F401  (registers the routes)
