"""The portal's app factory.

``gunicorn "radiant_ext.portal:create_app()"`` serves production; nothing is read or connected
at import time, only inside :func:`create_app`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from radiant_ext.config import Settings, load_settings, mask_url
from radiant_ext.errors import ConfigError, RadiantError
from radiant_ext.portal import (
    approvals,
    assets,
    auth,
    errors,
    i18n,
    request_store,
    security,
    widgets,
)
from radiant_ext.portal import services as services_mod
from radiant_ext.portal.catalog import views as catalog_views
from radiant_ext.portal.defaults import DEFAULTS, portal_env, validate_portal_config
from radiant_ext.portal.extensions import csrf
from radiant_ext.portal.ports import PortalServices
from radiant_ext.portal.requests import views as requests_views
from radiant_ext.portal.sessions import MemorySessionStore, SessionStore, SqliteSessionStore

if TYPE_CHECKING:
    from radiant_ext.portal.auth.ratelimit import FailureLog
    from radiant_ext.runtime import Runtime

__all__ = ["RUNTIME_KEY", "create_app", "session_backend"]

RUNTIME_KEY = "radiant_runtime"
"""``app.extensions`` key of the worker's :class:`~radiant_ext.runtime.Runtime` (``None``
when the services were passed in, as tests do)."""

log = logging.getLogger(__name__)


def create_app(settings: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the portal.

    Configuration, later wins: :data:`~radiant_ext.portal.defaults.DEFAULTS`, the
    installation's :class:`~radiant_ext.config.Settings` (TOML file and ``RADIANT_*``
    variables), ``RADIANT_*`` variables read by Flask's ``from_prefixed_env``, then
    ``settings`` when it is a mapping. A mapping may carry ``RADIANT_SETTINGS`` (a
    :class:`Settings`), ``PORTAL_SERVICES`` (a :class:`PortalServices`) and
    ``PORTAL_SESSION_STORE`` (a :class:`~radiant_ext.portal.sessions.SessionStore`).

    Every key of :data:`~radiant_ext.portal.defaults.DEFAULTS` is checked once merged, before
    anything connects (:func:`~radiant_ext.portal.defaults.validate_portal_config`): an invalid
    value stops the factory with one line, so ``radiant-ext serve`` refuses to start instead of
    serving pages that fail later.

    :param settings: a :class:`Settings`, a mapping of Flask config keys, or ``None``.
    Every refusal is one :class:`~radiant_ext.errors.RadiantError` whose text is one line
    naming what to set, raised without the validation report that led to it.

    :raises InvalidSettingsError: a setting that cannot be used (one line naming it).
    :raises ConfigError: when no secret key is configured outside testing and debugging.
    :raises StoreError: when the local store cannot be reached or does not exist yet (one
        line, no traceback).
    """
    app = Flask(__name__)
    overrides: Mapping[str, Any] = {} if isinstance(settings, Settings) else settings or {}
    try:
        radiant = _radiant_settings(settings, overrides)
    except ConfigError as exc:
        raise exc from None  # its one line says it all; pydantic's report would follow it
    app.config.update(DEFAULTS)
    app.config["RADIANT_SETTINGS"] = radiant  # read by the reports and webhook blueprints
    app.config.update(_config_from_settings(radiant))
    app.config.update(portal_env())
    app.config.update(overrides)
    app.config.update(validate_portal_config(app.config))
    if not app.config.get("REPORTS_SETTINGS"):  # the [reports] table, before anything connects
        from radiant_ext.reports import report_settings

        report_settings(radiant)
    if not app.config.get("ADMIN_SETTINGS"):  # the [admin] table, before anything connects
        from radiant_ext.portal.admin import admin_settings

        admin_settings(radiant)
    _check_secret_key(app)
    if not app.config.get("PORTAL_SERVICES"):
        _check_store_exists(radiant)
    app.config["MAX_CONTENT_LENGTH"] = (
        app.config["PORTAL_MAX_ATTACHMENT_BYTES"] * app.config["PORTAL_MAX_ATTACHMENTS"]
        + 1024 * 1024
    )
    # The composition root of a portal worker: one engine, one agent client, one plugin
    # manager, shared by the portal's services, its sessions, the webhook and the reports.
    runtime = None if app.config.get("PORTAL_SERVICES") else _runtime(radiant)
    app.extensions[RUNTIME_KEY] = runtime
    with _store_errors(radiant):
        bundle = app.config.get("PORTAL_SERVICES") or _build_services(radiant, runtime)
        store = app.config.get("PORTAL_SESSION_STORE") or _session_store(app, radiant, runtime)
    _init_subsystems(app, bundle, store, _failure_log(app, radiant, runtime))
    _init_companions(app, radiant, runtime, bundle)
    i18n.add_blueprint_translations(app)
    proxies = int(app.config["PORTAL_TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    return app


@contextmanager
def _store_errors(radiant: Settings) -> Iterator[None]:
    """The first connection to the store (and the session file) happens here: a database
    that cannot be reached, or a data folder that cannot be written, is one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from radiant_ext.store import StoreError

    try:
        yield
    except RadiantError:
        raise
    except SQLAlchemyError as exc:
        reason = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["?"])[0]
        url = mask_url(radiant.effective_database_url)
        raise StoreError(f"cannot use the database {url}: {reason}") from exc
    except OSError as exc:
        raise ConfigError(f"cannot use the data folder {radiant.data_dir} (RADIANT_DATA_DIR): "
                          f"{exc.strerror or exc}") from exc


def _radiant_settings(
    settings: Settings | Mapping[str, Any] | None, overrides: Mapping[str, Any]
) -> Settings:
    if isinstance(settings, Settings):
        return settings
    given = overrides.get("RADIANT_SETTINGS")
    return given if isinstance(given, Settings) else load_settings()


def _config_from_settings(radiant: Settings) -> dict[str, Any]:
    config: dict[str, Any] = {
        "BABEL_DEFAULT_LOCALE": radiant.default_language,
        "PORTAL_REOPEN_WINDOW_DAYS": radiant.reopen_window_days,
        "PORTAL_MAX_ATTACHMENT_BYTES": radiant.max_attachment_bytes,
    }
    if radiant.secret_key.get_secret_value():
        config["SECRET_KEY"] = radiant.secret_key.get_secret_value()
    return config


def _check_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not (app.testing or app.debug or app.config.get("PORTAL_DEMO")):
        raise ConfigError(
            "the portal needs a secret key: set RADIANT_SECRET_KEY (a long random string, "
            "the same for every worker)"
        )
    log.warning("no RADIANT_SECRET_KEY: using a random key; sessions end with this process")
    app.config["SECRET_KEY"] = secrets.token_urlsafe(48)


def _check_store_exists(radiant: Settings) -> None:
    """An SQLite store must exist before the portal starts: connecting would create an empty
    file that hides where the data is (``radiant-ext db upgrade`` creates it)."""
    from radiant_ext.store import StoreError
    from radiant_ext.store.engine import sqlite_file

    path = sqlite_file(radiant.effective_database_url)
    if path is not None and not path.exists():
        raise StoreError(f"no local store at {path}: run `radiant-ext db upgrade` before "
                         "starting the portal, or set RADIANT_DATA_DIR (or "
                         "RADIANT_DATABASE_URL) to an existing store")


def _runtime(radiant: Settings) -> Runtime:
    from radiant_ext.runtime import Runtime

    return Runtime(radiant)


def session_backend(config: Mapping[str, Any], radiant: Settings) -> str:
    """Where the portal's sessions (and the login limiter's counts) live: ``database``,
    ``sqlite`` or ``memory``. ``auto`` (the default) takes the store's database when it is
    shared by several hosts (PostgreSQL), else a session file beside the SQLite store."""
    backend = str(config.get("PORTAL_SESSION_BACKEND") or "auto")
    if backend != "auto":
        return backend
    return "sqlite" if radiant.effective_database_url.startswith("sqlite") else "database"


def _session_store(app: Flask, radiant: Settings, runtime: Runtime | None) -> SessionStore:
    idle = app.config["PORTAL_SESSION_IDLE_SECONDS"]
    backend = session_backend(app.config, radiant)
    if backend == "memory":
        return MemorySessionStore(idle)
    if backend == "database":
        from radiant_ext.portal.sessions import DatabaseSessionStore

        # the session row is read on the request's one connection (request_store)
        engine = (runtime or _runtime(radiant)).engine
        return DatabaseSessionStore(request_store.RequestSessions(engine), idle)
    return SqliteSessionStore(radiant.data_dir / "portal-sessions.sqlite3", idle)


def _build_services(radiant: Settings, runtime: Runtime | None) -> PortalServices:
    from radiant_ext.portal.adapters import build_services

    return build_services(radiant, runtime)


def _init_companions(app: Flask, radiant: Settings, runtime: Runtime | None,
                     bundle: PortalServices) -> None:
    """The other areas' pages served by the portal: Znuny's webhook and the reports, on the
    worker's runtime (its plugins and its store) when the portal has one."""
    from radiant_ext.reports import blueprint as reports_blueprint
    from radiant_ext.webhook import init_webhook

    if runtime is None:
        init_webhook(app, settings=radiant)  # after csrf.init_app: the endpoint is exempt
    else:
        from radiant_ext.store import claim_announcement
        from radiant_ext.webhook import router_for

        sessions = runtime.sessions
        from radiant_ext.portal.admin.health import webhook_failure_recorder

        service = init_webhook(app, settings=radiant,
                               router=router_for(runtime.plugins, sessions),
                               announcements=lambda ticket: claim_announcement(sessions, ticket),
                               failures=webhook_failure_recorder(sessions))
        bundle.closers.insert(0, service.close)
        app.config.setdefault("REPORTS_ENGINE", runtime.engine)
        app.config.setdefault("REPORTS_PLUGINS", runtime.plugins)
    app.register_blueprint(reports_blueprint)
    _init_satisfaction(app, radiant, runtime)
    from radiant_ext.portal.admin import init_admin  # the admin area (docs/admin.md)

    init_admin(app, plugins=runtime.plugins if runtime else None,
               engine=runtime.engine if runtime else None)
    from radiant_ext.portal.feedback import init_feedback  # guest feedback (docs/feedback.md)

    init_feedback(app, runtime.engine if runtime else None)


def _init_satisfaction(app: Flask, radiant: Settings, runtime: Runtime | None) -> None:
    """The rating form of solved requests and the rating link (docs/satisfaction.md), on
    the worker's store, agent client and catalogs (off when the services were passed in)."""
    from radiant_ext.portal.satisfaction import SatisfactionService, init_satisfaction

    service = None
    if runtime is not None:
        plugins = runtime.plugins
        service = SatisfactionService(
            runtime.sessions, runtime.client,
            lambda: {i.id: i for i in plugins.catalog_items(include_disabled=True)},
            # the key the satisfaction-invite job signs links with, else the portal's
            radiant.secret_key.get_secret_value() or str(app.config["SECRET_KEY"]),
            radiant.satisfaction_link_days)
    init_satisfaction(app, service)


def _failure_log(app: Flask, radiant: Settings, runtime: Runtime | None) -> FailureLog | None:
    """Failed logins are counted where the sessions are: in the database for every host."""
    if runtime is None or session_backend(app.config, radiant) != "database":
        return None
    from radiant_ext.portal.auth.ratelimit import DatabaseFailureLog

    return DatabaseFailureLog(runtime.sessions)


def _init_subsystems(app: Flask, bundle: PortalServices, store: SessionStore,
                     failures: FailureLog | None) -> None:
    csrf.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    assets.init_app(app)
    widgets.init_app(app)
    services_mod.init_app(app, bundle, store)
    request_store.init_app(app)
    auth.init_app(app, failures)
    catalog_views.init_app(app)
    requests_views.init_app(app)
    approvals.init_app(app)
    for blueprint in bundle.blueprints:
        app.register_blueprint(blueprint)
    if bundle.template_folders:
        assert app.jinja_loader is not None
        app.jinja_loader = ChoiceLoader(
            [app.jinja_loader, *(FileSystemLoader(p) for p in bundle.template_folders)]
        )
