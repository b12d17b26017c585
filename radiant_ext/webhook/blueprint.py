"""The Flask endpoint Znuny's invoker posts to: ``POST /-/znuny/webhook[/<anything>]``.

The portal registers it with one line, ``init_webhook(app, settings=settings)``. The endpoint
is a machine endpoint: exempt from CSRF, authenticated by HTTP Basic (``webhook_user`` /
``webhook_secret``) or the ``X-Radiant-Webhook-Secret`` header, both compared in constant
time. Statuses::

    200  {} or write-back keys      (routed, ignored, unknown event acknowledged)
    400  {"error": reason}          body is not JSON / not an invoker payload
    401  {"error": reason}          no or wrong credentials, or no secret configured
    429  {"error": reason}          too many failed authentications from this address
                                    (``Retry-After`` says when to try again)
    413  {"error": reason}          body larger than max_body_bytes
    415  {"error": reason}          Content-Type is not JSON
    503  {"error": reason}          plugins or the local store cannot be loaded

Failed authentications are counted per client address (:mod:`.throttle`): after
``max_auth_failures`` within ``auth_window_seconds`` the address is answered 429 without its
credentials being checked. An address that has authenticated correctly is never throttled.

Znuny applies nothing from a non-20x answer, and the ticket operation that fired the event
still succeeds, so every refusal is safe for the ticket.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import RequestEntityTooLarge

from radiant_ext.config import Settings
from radiant_ext.errors import RadiantError
from radiant_ext.store.models import utcnow
from radiant_ext.webhook.errors import (
    PayloadTooLarge,
    UnsupportedContent,
    WebhookAuthError,
    WebhookError,
)
from radiant_ext.webhook.factory import router_from_settings, store_exists
from radiant_ext.webhook.moves import GUARDED_EVENT, guard_state_update
from radiant_ext.webhook.payload import (
    WebhookPayload,
    decode_body,
    event_name,
    is_known_event,
    validate_payload,
)
from radiant_ext.webhook.routing import TicketRouter, WebhookResult, ignored
from radiant_ext.webhook.throttle import AuthThrottle

__all__ = [
    "EXTENSION_KEY",
    "SECRET_HEADER",
    "WEBHOOK_PATH",
    "WebhookConfig",
    "WebhookService",
    "handle_webhook",
    "init_webhook",
    "webhook_blueprint",
]

log = logging.getLogger("radiant_ext.webhook")

WEBHOOK_PATH = "/-/znuny/webhook"
SECRET_HEADER = "X-Radiant-Webhook-Secret"
EXTENSION_KEY = "radiant_webhook"
ANNOUNCED_MEMORY = 10_000  # ticket ids remembered against repeated TicketCreate calls

webhook_blueprint = Blueprint("radiant_webhook", __name__)


@dataclass(frozen=True)
class WebhookConfig:
    """Who may call the endpoint and how much it reads.

    :param user: the Basic-auth user Znuny's requester sends (``BasicAuthUser``).
    :param secret: the Basic-auth password, also accepted in :data:`SECRET_HEADER`; empty
        disables the endpoint (every call gets 401).
    :param max_body_bytes: larger bodies get 413 without being read.
    :param max_auth_failures: failed authentications one client address may make within
        ``auth_window_seconds`` before it gets 429 (app config
        ``PORTAL_WEBHOOK_AUTH_FAILURES``).
    :param auth_window_seconds: how long a failure counts (app config
        ``PORTAL_WEBHOOK_AUTH_WINDOW_SECONDS``).
    """

    user: str
    secret: str = field(repr=False)
    max_body_bytes: int = 32 * 1024 * 1024
    max_auth_failures: int = 10
    auth_window_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> WebhookConfig:
        """Build from ``Settings.webhook_user`` / ``Settings.webhook_secret``."""
        values: dict[str, Any] = {
            "user": settings.webhook_user,
            "secret": settings.webhook_secret.get_secret_value(),
        }
        values.update(overrides)
        return cls(**values)


@dataclass
class WebhookService:
    """Per-app state: the config and the router (built on first use when not given)."""

    config: WebhookConfig
    router: TicketRouter | None = None
    settings: Settings | None = None
    throttle: AuthThrottle | None = None

    def __post_init__(self) -> None:
        if self.throttle is None:
            self.throttle = AuthThrottle(self.config.max_auth_failures,
                                         self.config.auth_window_seconds)

    announcements: Callable[[int], bool] | None = None
    """Claims a ticket's announcement in the store (``claim_announcement``), so that of all
    hosts one tells the plugins; built from ``settings`` on first use when not given."""
    failures: Callable[[int, str], None] | None = None
    """Records a call the endpoint refused or could not serve (status, reason) where the
    admin area's health page reads it; ``None``: only logged."""
    workflow_store: sessionmaker[Session] | None = None
    """The store where refused workflow moves are recorded; built from ``settings`` on first
    use when not given (no store: the ticket pull checks the moves)."""
    clock: Callable[[], datetime] = utcnow
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _announced: OrderedDict[int, None] = field(default_factory=OrderedDict, repr=False)
    _claims_ready: bool = field(default=False, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    def get_router(self) -> TicketRouter:
        """Return the router, built from the settings on first use (see ``factory.py``)."""
        with self._lock:
            if self.router is None:
                from radiant_ext.config import load_settings

                self.router = router_from_settings(self.settings or load_settings())
            return self.router

    def first_announcement(self, ticket_id: int) -> bool:
        """Remember ``ticket_id`` as announced; ``False`` if it already was.

        Znuny's daemon may send the same ``TicketCreate`` again (a retry after a timeout on
        its side, possibly to another portal host), which routes the ticket again; the
        plugins still hear of it once: this process remembers it, and the store's database
        (shared by every host) decides between processes. When the store cannot be reached
        the plugins are told rather than never.
        """
        with self._lock:
            if ticket_id in self._announced:
                return False
            self._announced[ticket_id] = None
            if len(self._announced) > ANNOUNCED_MEMORY:
                self._announced.popitem(last=False)
        claim = self._claims()
        if claim is None:
            return True
        try:
            return claim(ticket_id)
        except SQLAlchemyError as exc:
            log.warning("cannot record the announcement of ticket %s in the store: %s",
                        ticket_id, exc)
            return True

    def _claims(self) -> Callable[[int], bool] | None:
        with self._lock:
            if self.announcements is None and not self._claims_ready:
                sessions = self._store()
                if sessions is not None:
                    from radiant_ext.store import claim_announcement

                    self.announcements = lambda ticket_id: claim_announcement(sessions,
                                                                              ticket_id)
            self._claims_ready = True
            return self.announcements

    def _store(self) -> sessionmaker[Session] | None:
        """Sessions of the installation's store (opened once), ``None`` without one; call
        with the lock held."""
        if self.workflow_store is None and self._engine is None and \
                self.settings is not None and store_exists(self.settings):
            from radiant_ext.store import make_engine, make_session_factory

            self._engine = make_engine(self.settings.effective_database_url)
            self.workflow_store = make_session_factory(self._engine)
        return self.workflow_store

    def moves_store(self) -> sessionmaker[Session] | None:
        """Where refused workflow moves are recorded (see :attr:`workflow_store`)."""
        with self._lock:
            return self._store()

    def close(self) -> None:
        """Release the store connection the announcements opened (if any)."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def authenticate(config: WebhookConfig) -> None:
    """Check the request's credentials against ``config``.

    :raises WebhookAuthError: with the reason (never the credentials themselves).
    """
    if not config.secret:
        raise WebhookAuthError("webhook secret is not configured (RADIANT_WEBHOOK_SECRET)")
    header = request.headers.get(SECRET_HEADER)
    if header is not None:
        if not _same(header, config.secret):
            raise WebhookAuthError(f"wrong {SECRET_HEADER}")
        return
    auth = request.authorization
    if auth is None or auth.type != "basic":
        raise WebhookAuthError("no credentials (HTTP Basic or a secret header is required)")
    user_ok = _same(auth.username or "", config.user)
    secret_ok = _same(auth.password or "", config.secret)
    if not (user_ok & secret_ok):  # both compared, no short cut
        raise WebhookAuthError("wrong user or secret")


def read_body(config: WebhookConfig) -> bytes:
    """Read the JSON body, refusing other content types and oversized bodies."""
    mime = (request.mimetype or "").lower()
    if mime != "application/json" and not mime.endswith("+json"):
        raise UnsupportedContent(f"Content-Type must be application/json, got {mime or 'none'}")
    length = request.content_length
    if length is not None and length > config.max_body_bytes:
        raise PayloadTooLarge(f"body of {length} bytes exceeds {config.max_body_bytes}")
    try:
        raw = request.stream.read(config.max_body_bytes + 1)
    except RequestEntityTooLarge as exc:  # the app's own MAX_CONTENT_LENGTH is lower
        raise PayloadTooLarge(f"body exceeds the application's limit: {exc.description}") from exc
    if len(raw) > config.max_body_bytes:
        raise PayloadTooLarge(f"body exceeds {config.max_body_bytes} bytes")
    return raw


def handle_webhook(service: WebhookService) -> WebhookResult:
    """Authenticate, parse and route the current request.

    :raises WebhookError: to be answered with its status.
    """
    authenticate(service.config)
    data = decode_body(read_body(service.config))
    name = event_name(data)
    if not is_known_event(name):
        return ignored(f"unknown event {name} acknowledged")
    if data.get("Ticket") == {}:
        return ignored("the ticket no longer exists")  # TicketDeepGet found nothing
    payload = validate_payload(data)
    router = service.get_router()
    if name == GUARDED_EVENT:
        return guard_state_update(service.moves_store(), router.plugins, payload,
                                  service.clock())
    result = router.handle(payload)
    if result.outcome == "routed" and not _announce(service, router, payload, result):
        result = replace(result, reason=f"{result.reason}; the plugins were told before")
    return result


def _announce(
    service: WebhookService, router: TicketRouter, payload: WebhookPayload, result: WebhookResult
) -> bool:
    """Call the plugins' ``ticket_created`` once for a ticket this answer routes.

    :returns: ``False`` when they were told about the ticket before (by any host).
    """
    ticket_created = getattr(router.plugins, "ticket_created", None)
    ticket = payload.ticket
    if ticket_created is None:
        return True
    if not service.first_announcement(ticket.ticket_id):
        return False
    decision = result.decision
    ticket_created(ticket.ticket_id, ticket.ticket_number,
                   item=decision.item_id if decision else None, decision=decision)
    return True


def _json(body: dict[str, Any], status: int) -> Response:
    # Sorted like Znuny runs the keys, so the debugger shows them in the order applied.
    text = json.dumps(body, ensure_ascii=False, sort_keys=True)
    return Response(text, status, mimetype="application/json")


def _header_safe(text: str) -> str:
    """``text`` fit for a header: printable ASCII (a reason may quote the payload)."""
    printable = "".join(c if c.isprintable() else " " for c in text)
    return printable.encode("ascii", "backslashreplace").decode("ascii")[:300]


@webhook_blueprint.post(WEBHOOK_PATH)
@webhook_blueprint.post(f"{WEBHOOK_PATH}/<path:rest>")
def receive(rest: str = "") -> Response:
    """Answer one invoker call (see the module docstring for the statuses)."""
    service: WebhookService = current_app.extensions[EXTENSION_KEY]
    throttle = service.throttle
    assert throttle is not None
    address = request.remote_addr or "unknown"
    wait = throttle.retry_after(address)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        log.warning("webhook request refused (429): too many failed authentications from %s",
                    address)
        response = _json({"error": f"too many failed authentications from this address; "
                                   f"try again in {seconds} s"}, 429)
        response.headers["Retry-After"] = str(seconds)
        return response
    try:
        result = handle_webhook(service)
    except WebhookError as exc:
        log.warning("webhook request refused (%s): %s", exc.status, exc)
        _record_failure(service, exc.status, str(exc))
        response = _json({"error": str(exc)}, exc.status)
        if isinstance(exc, WebhookAuthError):
            if service.config.secret:  # no secret configured is no one's guess
                throttle.failed(address)
            response.headers["WWW-Authenticate"] = 'Basic realm="radiant webhook"'
        else:
            throttle.succeeded(address)  # authenticated, then refused for the body
        return response
    except RadiantError as exc:  # plugins or the local store not usable: configuration
        throttle.succeeded(address)
        log.error("webhook cannot route: %s", exc)
        _record_failure(service, 503, f"webhook not ready: {exc}")
        return _json({"error": f"webhook not ready: {exc}"}, 503)
    throttle.succeeded(address)
    log.info("webhook ticket %s %s: %s", result.ticket_id, result.outcome, result.reason)
    response = _json(result.answer, 200)
    response.headers["X-Radiant-Webhook"] = f"{result.outcome}; {_header_safe(result.reason)}"
    return response


def _record_failure(service: WebhookService, status: int, reason: str) -> None:
    """Hand a failed call to :attr:`WebhookService.failures`; never fails the answer."""
    if service.failures is None:
        return
    try:
        service.failures(status, reason[:500])
    except Exception as exc:  # noqa: BLE001 - the answer to Znuny matters more
        log.warning("cannot record the webhook failure in the store: %s", exc)


def init_webhook(
    app: Flask,
    *,
    settings: Settings | None = None,
    router: TicketRouter | None = None,
    config: WebhookConfig | None = None,
    announcements: Callable[[int], bool] | None = None,
    failures: Callable[[int, str], None] | None = None,
    workflow_store: sessionmaker[Session] | None = None,
) -> WebhookService:
    """Register the webhook endpoint on ``app``, exempt from CSRF.

    Calling it again on the same app (the portal registers it; a test or an embedding
    application may then pass its own router) replaces the configuration and keeps the
    one registered endpoint.

    :param app: the portal app (call after ``csrf.init_app(app)`` when CSRF is on).
    :param settings: credentials and blocked plugins; loaded from the environment if omitted.
    :param router: a ready router (tests, or a portal that shares its ``Plugins``).
    :param config: overrides the credentials taken from ``settings``.
    :param announcements: claims a ticket's announcement in the store shared by every host
        (``claim_announcement`` over the portal's store); built from ``settings`` when not
        given.
    :param failures: records a refused or failed call (status, reason) for the admin area.
    :param workflow_store: the store where refused workflow moves are recorded (built from
        ``settings`` when not given).
    :return: the service stored in ``app.extensions["radiant_webhook"]``.
    """
    if settings is None and config is None:
        from radiant_ext.config import load_settings

        settings = load_settings()
    if config is None:
        assert settings is not None
        config = WebhookConfig.from_settings(settings)
    config = replace(config, **_throttle_config(app))
    service = WebhookService(config=config, router=router, settings=settings,
                             announcements=announcements, failures=failures,
                             workflow_store=workflow_store)
    first = EXTENSION_KEY not in app.extensions
    app.extensions[EXTENSION_KEY] = service
    if first:
        app.register_blueprint(webhook_blueprint)
    for csrf in _csrf_extensions(app):
        csrf.exempt(webhook_blueprint)
    return service


def _throttle_config(app: Flask) -> dict[str, Any]:
    """Throttle settings given in the app's config (``PORTAL_WEBHOOK_AUTH_FAILURES`` ≥ 1,
    ``PORTAL_WEBHOOK_AUTH_WINDOW_SECONDS`` > 0)."""
    found: dict[str, Any] = {}
    if app.config.get("PORTAL_WEBHOOK_AUTH_FAILURES") is not None:
        found["max_auth_failures"] = int(app.config["PORTAL_WEBHOOK_AUTH_FAILURES"])
    if app.config.get("PORTAL_WEBHOOK_AUTH_WINDOW_SECONDS") is not None:
        found["auth_window_seconds"] = float(app.config["PORTAL_WEBHOOK_AUTH_WINDOW_SECONDS"])
    return found


def _csrf_extensions(app: Flask) -> list[Any]:
    """The app's CSRFProtect, and the portal's shared one even if not bound yet.

    Exempting the portal's instance too keeps the endpoint working whichever order the
    portal's factory calls ``csrf.init_app`` and :func:`init_webhook` in.
    """
    found = [app.extensions.get("csrf")]
    try:
        from radiant_ext.portal.extensions import csrf as portal_csrf
    except ImportError:  # pragma: no cover - the portal is part of the package
        portal_csrf = None
    found.append(portal_csrf)
    unique: list[Any] = []
    for item in found:
        if item is not None and all(item is not u for u in unique):
            unique.append(item)
    return unique
