"""``setup_check``: verify the Znuny side of an installation, piece by piece.

Each check returns a :class:`Finding`; nothing raises for a problem it found. What is checked
(docs/znuny-setup.md has the steps that fix each finding):

``webhook.secret``             RADIANT_WEBHOOK_SECRET is set and not trivially short
``gi.session``                 the GI web service answers and the agent can log in
``gi.search``                  a ticket search works with that session
``gi.search-dynamic-fields``   a dynamic-field search works (needs a POST search route)
``db.connection``              the optional read-only metadata connection opens
``db.agent``                   the agent account exists and is valid
``db.dynamic-field.<Name>``    each Radiant* field exists, on tickets, with the right type

GI checks need ``RADIANT_ZNUNY_URL``/``_USER``/``_PASSWORD``; database checks run only when
``RADIANT_ZNUNY_DB_URL`` is set (the GI cannot list dynamic fields).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import bindparam, text
from sqlalchemy.exc import SQLAlchemyError

from radiant_ext.config import Settings
from radiant_ext.errors import RadiantError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["REQUIRED_DYNAMIC_FIELDS", "Finding", "setup_check", "setup_check_safely"]

REQUIRED_DYNAMIC_FIELDS = {
    "RadiantRequestID": "Text",
    "RadiantCategory": "Text",
    "RadiantStore": "Text",
    "RadiantDeadline": "DateTime",
    "RadiantParent": "Text",
}
"""Ticket dynamic fields the companion reads and writes, with their Znuny field type."""

Status = Literal["ok", "warning", "error", "skipped"]
_SETUP = "docs/znuny-setup.md"


@dataclass(frozen=True)
class Finding:
    """The result of one check.

    :param check: stable id such as ``gi.session`` or ``db.dynamic-field.RadiantDeadline``.
    :param status: ``ok``, ``warning`` (works, but should be fixed), ``error`` (broken) or
        ``skipped`` (could not be checked, e.g. no database URL).
    :param message: what was found, one line.
    :param hint: what to do about it (empty when ok).
    """

    check: str
    status: Status
    message: str
    hint: str = ""

    def __str__(self) -> str:
        hint = f" — {self.hint}" if self.hint else ""
        return f"[{self.status}] {self.check}: {self.message}{hint}"


def _secret_finding(settings: Settings) -> Finding:
    secret = settings.webhook_secret.get_secret_value()
    if not secret:
        return Finding("webhook.secret", "error", "RADIANT_WEBHOOK_SECRET is empty; the "
                       "webhook refuses every call", f"set it and the same password in the "
                       f"RadiantWebhook web service ({_SETUP}, steps 5 and 7)")
    if len(secret) < 16:
        return Finding("webhook.secret", "warning", f"the webhook secret has {len(secret)} "
                       "characters", "use at least 16 random characters")
    return Finding("webhook.secret", "ok", f"webhook user {settings.webhook_user!r}, secret set")


def _gi_problem(exc: RadiantError, settings: Settings, hint: str) -> tuple[str, str]:
    """Return message and hint for a failed GI check; ``hint`` is the check's default."""
    from radiant_ext.client import errors

    if isinstance(exc, errors.AuthenticationError):
        return (f"Znuny refused the login of agent {settings.znuny_user!r}",
                f"check the agent, its password and that it is valid ({_SETUP}, step 3)")
    if isinstance(exc, errors.WebserviceNotFoundError):
        return (f"Znuny has no valid web service {settings.znuny_webservice!r} at "
                f"{exc.endpoint or settings.znuny_url}: it closes the connection without an "
                "answer for it, while its web server answers (not a network problem)",
                "set RADIANT_ZNUNY_WEBSERVICE to the web service's name in Admin -> Web "
                f"Services and make it valid, or import it ({_SETUP}, steps 1 or 2M)")
    if isinstance(exc, errors.ZnunyConnectionError):
        return (f"cannot reach {settings.znuny_url}: {exc}",
                "check RADIANT_ZNUNY_URL and the network path to Znuny's web server")
    if isinstance(exc, errors.HTMLErrorPageError | errors.RouteNotFoundError):
        return (f"web service {settings.znuny_webservice!r} does not answer with route set "
                f"{settings.znuny_route_set!r}: {exc}",
                f"import the deploy/znuny/ file that matches RADIANT_ZNUNY_ROUTE_SET and check "
                f"RADIANT_ZNUNY_SCRIPT_PATH ({_SETUP}, steps 2M and 5)")
    return str(exc), hint


def _gi_findings(settings: Settings, client: Any) -> list[Finding]:
    out: list[Finding] = []
    checks: list[tuple[str, Callable[[], object], str]] = [
        ("gi.session", client.session_create,
         f"install the package or import deploy/znuny/, and check the agent and password "
         f"({_SETUP}, steps 1-3)"),
        ("gi.search", lambda: client.ticket_search(limit=1),
         f"give the agent rw on the queues it serves ({_SETUP}, step 3)"),
        ("gi.search-dynamic-fields",
         lambda: client.ticket_search(limit=1, dynamic_fields={"RadiantRequestID": {"Empty": 0}}),
         "use route set znuny-r2a with GenericTicketConnectorREST.znuny.yml, or add the POST "
         "/Ticket/Search route; duplicate-free outbox delivery depends on it"),
    ]
    for check, call, hint in checks:
        try:
            result = call()
        except RadiantError as exc:
            out.append(Finding(check, "error", *_gi_problem(exc, settings, hint)))
            break  # later GI checks need this one
        detail = _session_detail(client) if check == "gi.session" \
            else f"{_count(result)} ticket(s) found"
        out.append(Finding(check, "ok", f"{settings.znuny_webservice}: {detail}"))
    return out


def _session_detail(client: Any) -> str:
    """``logged in``, with the route set and URL the client uses (found on its own with
    ``RADIANT_ZNUNY_ROUTE_SET=auto``)."""
    try:
        return f"logged in (route set {client.routes.name}, {client.endpoint})"
    except (AttributeError, RadiantError):  # a stand-in client in tests
        return "logged in"


def _count(result: object) -> int:
    return len(result) if isinstance(result, list) else 0


def _db_findings(settings: Settings, engine: Engine) -> list[Finding]:
    names = sorted(REQUIRED_DYNAMIC_FIELDS)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT name, field_type, object_type, valid_id FROM dynamic_field "
                     "WHERE name IN :names").bindparams(bindparam("names", expanding=True)),
                {"names": names},
            ).all()
            agent = conn.execute(text("SELECT valid_id FROM users WHERE login = :login"),
                                 {"login": settings.znuny_user}).first()
    except SQLAlchemyError as exc:
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["?"])[0]
        return [Finding("db.connection", "error", f"cannot read Znuny's tables: {reason}",
                        f"grant SELECT as in {_SETUP}, step 8")]
    out = [Finding("db.connection", "ok", "Znuny's metadata tables are readable")]
    out.append(_agent_finding(settings.znuny_user, agent[0] if agent else None))
    found = {str(r[0]): (str(r[1]), str(r[2]), int(r[3])) for r in rows}
    for name in names:
        out.append(_field_finding(name, found.get(name)))
    return out


def _agent_finding(login: str, valid_id: int | None) -> Finding:
    if valid_id is None:
        return Finding("db.agent", "error", f"no agent {login!r} in Znuny",
                       f"create it ({_SETUP}, step 3)")
    if int(valid_id) != 1:
        return Finding("db.agent", "error", f"agent {login!r} is not valid",
                       "set it valid in Admin -> Agents")
    return Finding("db.agent", "ok", f"agent {login!r} exists and is valid")


def _field_finding(name: str, row: tuple[str, str, int] | None) -> Finding:
    check, wanted = f"db.dynamic-field.{name}", REQUIRED_DYNAMIC_FIELDS[name]
    hint = f"create it as in {_SETUP}, steps 1 or 6"
    if row is None:
        return Finding(check, "error", f"dynamic field {name} does not exist", hint)
    field_type, object_type, valid_id = row
    if object_type != "Ticket":
        return Finding(check, "error", f"{name} is a {object_type} field, not a Ticket field",
                       hint)
    if field_type != wanted:
        return Finding(check, "error", f"{name} has type {field_type}, needs {wanted}", hint)
    if valid_id != 1:
        return Finding(check, "error", f"{name} is not valid", "set it valid")
    return Finding(check, "ok", f"{name} ({wanted}, Ticket) exists")


def setup_check(
    settings: Settings, *, client: Any | None = None, db_engine: Engine | None = None
) -> list[Finding]:
    """Check every piece of the Znuny setup this process can reach.

    :param settings: the installation's settings.
    :param client: a :class:`radiant_ext.client.ZnunyClient` to use; built from ``settings``
        (and closed again) when omitted.
    :param db_engine: an engine on Znuny's database; built from ``RADIANT_ZNUNY_DB_URL``
        when omitted and the URL is set.
    :return: findings in check order; never raises for a problem it finds.
    """
    findings = [_secret_finding(settings)]
    if not settings.znuny_user:
        findings.append(Finding("gi.session", "error", "RADIANT_ZNUNY_USER is empty",
                                f"create the agent 'radiant' ({_SETUP}, step 3) and set it"))
    elif client is not None:
        findings += _gi_findings(settings, client)
    else:
        findings += _gi_findings_own_client(settings)
    findings += _db_part(settings, db_engine)
    return findings


def _gi_findings_own_client(settings: Settings) -> list[Finding]:
    from radiant_ext.client import ZnunyClient

    try:
        client = ZnunyClient.from_settings(settings)
    except RadiantError as exc:
        return [Finding("gi.session", "error", f"the client cannot be configured: {exc}",
                        "check the RADIANT_ZNUNY_* settings")]
    try:
        return _gi_findings(settings, client)
    finally:
        client.close()


def _db_part(settings: Settings, engine: Engine | None) -> list[Finding]:
    if engine is not None:
        return _db_findings(settings, engine)
    if settings.znuny_db_url is None:
        return [Finding("db.connection", "skipped", "RADIANT_ZNUNY_DB_URL is not set: the "
                        "agent and the dynamic fields were not checked",
                        f"optional read-only user, {_SETUP}, step 8")]
    from radiant_ext.store import make_engine

    own = make_engine(settings.znuny_db_url.get_secret_value())
    try:
        return _db_findings(settings, own)
    finally:
        own.dispose()


def setup_check_safely(settings: Settings) -> list[Finding]:
    """:func:`setup_check`, with a check that cannot run at all (an unusable database URL,
    say) as one ``error`` finding instead of an exception: what ``radiant-ext check`` and
    the admin area's health page show."""
    try:
        return setup_check(settings)
    except (RadiantError, SQLAlchemyError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        return [Finding("znuny", "error", f"the setup check could not run: {first}",
                        "check the RADIANT_ZNUNY_* settings")]
