"""Default configuration of the portal app; every key can be overridden, and every key is checked.

Order (later wins): these defaults, the installation's settings (``RADIANT_SECRET_KEY`` sets
``SECRET_KEY``), the ``RADIANT_*`` variables that are portal or Flask settings
(``RADIANT_PORTAL_TIMEZONE`` sets ``PORTAL_TIMEZONE``; no other variable reaches the app's
config, so Znuny's password and the webhook secret never do), then the mapping passed to
:func:`~radiant_ext.portal.create_app`.

:class:`PortalConfig` says what each key of :data:`DEFAULTS` accepts; the app factory refuses
to build an app whose merged configuration breaks it (:func:`validate_portal_config`), and a
``RADIANT_PORTAL_…`` (or ``RADIANT_SESSION_…``, ``RADIANT_BABEL_…``…) variable that names no key
of :data:`DEFAULTS` (:func:`portal_env`), so ``radiant-ext serve`` stops at once with one line
instead of serving pages that fail later. ``docs/settings.md`` lists them all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from radiant_ext._zones import TimeZoneName
from radiant_ext.config import ENV_PREFIX, Number, Settings, WholeNumber, shown_value
from radiant_ext.errors import InvalidSettingsError, SettingProblem

__all__ = ["DEFAULTS", "ENV_KEY_PREFIXES", "PortalConfig", "portal_env",
           "validate_portal_config"]

DEFAULTS: dict[str, Any] = {
    # Cookies: the signed Flask cookie holds only a random portal-session id, the CSRF token
    # and the language; the GI session id stays on the server (design.md, "Key flows").
    "SESSION_COOKIE_NAME": "radiant_portal",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    # The cookie's Domain and Path attributes (None: the host, the application root).
    "SESSION_COOKIE_DOMAIN": None,
    "SESSION_COOKIE_PATH": None,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "PORTAL_LANGUAGE_COOKIE": "radiant_lang",
    "PORTAL_SESSION_IDLE_SECONDS": 8 * 3600,
    # A session ends this long after login, however active (radiant_ext.portal.sessions).
    "PORTAL_SESSION_LIFETIME_SECONDS": 12 * 3600,
    # Where portal sessions and the login limiter's counts live: "database" (the store's,
    # shared by every host on PostgreSQL), "sqlite" (a file under the data dir, shared by the
    # workers of one host), "memory" (one process only), or "auto": the store's database when
    # it is PostgreSQL, else the file.
    "PORTAL_SESSION_BACKEND": "auto",
    # How often (seconds) a page re-checks that Znuny still knows the customer's GI session.
    "PORTAL_SESSION_CHECK_SECONDS": 60,
    # How often (seconds) page views write the session's last activity (idle expiry).
    "PORTAL_SESSION_TOUCH_SECONDS": 60,
    # Login rate limiting: failures allowed per login and per client address in the window,
    # and the longest progressive delay of a login name (radiant_ext.portal.auth.ratelimit).
    "PORTAL_LOGIN_MAX_FAILURES": 5,
    "PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "PORTAL_LOGIN_WINDOW_SECONDS": 300,
    "PORTAL_LOGIN_MAX_DELAY_SECONDS": 60,
    # The webhook's throttle of failed authentications per address (None: the webhook's own
    # defaults, 10 failures within 60 s; docs/webhook.md).
    "PORTAL_WEBHOOK_AUTH_FAILURES": None,
    "PORTAL_WEBHOOK_AUTH_WINDOW_SECONDS": None,
    # Attachments.
    "PORTAL_MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    "PORTAL_MAX_ATTACHMENTS": 5,
    "PORTAL_ALLOWED_EXTENSIONS": [
        "pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "csv", "log",
        "doc", "docx", "xls", "xlsx", "odt", "ods",
    ],
    "PORTAL_REOPEN_WINDOW_DAYS": 7,
    # Where the login page's "Forgot your password?" leads (radiant_ext.portal.auth.password):
    # "znuny" (the configured Znuny's CustomerLostPassword), an http(s) URL, or "off".
    "PORTAL_PASSWORD_RESET_URL": "znuny",
    # Catch-all customer companies whose users are strangers to each other: no company view.
    "PORTAL_PRIVATE_COMPANIES": ["public"],
    "PORTAL_PAGE_SIZE": 25,
    "PORTAL_TIMEZONE": "Europe/Moscow",
    "PORTAL_HSTS_SECONDS": 31536000,
    # Reverse proxies in front of the portal that set X-Forwarded-For/-Proto/-Host (nginx: 1).
    # Without it, every client behind the proxy shares one address for login rate limiting.
    "PORTAL_TRUSTED_PROXIES": 0,
    # Languages offered; every portal string exists in each.
    "BABEL_DEFAULT_LOCALE": "en",
    "PORTAL_LANGUAGES": ["en", "ru"],
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # Guest feedback on the stores' public pages (docs/feedback.md): the Znuny customer (an
    # e-mail address) of feedback without the shopper's e-mail (None: it is required), accepted
    # submissions per client address and per store within the window, the longest text and
    # the largest photo.
    "PORTAL_FEEDBACK_GUEST_CUSTOMER": None,
    "PORTAL_FEEDBACK_PER_ADDRESS": 5,
    "PORTAL_FEEDBACK_PER_STORE": 100,
    "PORTAL_FEEDBACK_WINDOW_SECONDS": 3600,
    "PORTAL_FEEDBACK_MAX_CHARS": 2000,
    "PORTAL_FEEDBACK_PHOTO_BYTES": 5 * 1024 * 1024,
}

ENV_KEY_PREFIXES = ("PORTAL_", "SESSION_", "PERMANENT_", "BABEL_", "PREFERRED_", "WTF_",
                    "RATELIMIT_")
"""``RADIANT_<key>`` variables with these key prefixes are portal (Flask) settings."""

_DAY = 24 * 3600
_LANGUAGES = ("en", "ru")  # the portal's translations: every string exists in each

CookieName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
Seconds = Annotated[WholeNumber, Field(ge=1, le=30 * _DAY)]
Interval = Annotated[WholeNumber, Field(ge=0, le=10 ** 9)]  # 10**9: practically never
Language = Literal["en", "ru"]


def _allowed(text: str) -> dict[str, Any]:
    return {"allowed": text}


class PortalConfig(BaseModel):
    """What each key of :data:`DEFAULTS` accepts (field names are the config keys)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    SESSION_COOKIE_NAME: CookieName = Field(
        json_schema_extra=_allowed("a cookie name: 1-64 letters, digits, _ . -"))
    SESSION_COOKIE_HTTPONLY: bool = Field(json_schema_extra=_allowed("true or false"))
    SESSION_COOKIE_SAMESITE: Literal["Lax", "Strict", "None"] | None = Field(
        json_schema_extra=_allowed('"Lax", "Strict", "None" (with a secure cookie) or null'))
    SESSION_COOKIE_SECURE: bool = Field(
        json_schema_extra=_allowed("true or false (false only for plain-HTTP tests)"))
    SESSION_COOKIE_DOMAIN: Annotated[str, Field(pattern=r"^\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")
                                     ] | None = Field(
        json_schema_extra=_allowed("null (the portal's host) or a domain such as example.com"))
    SESSION_COOKIE_PATH: Annotated[str, Field(pattern=r"^/[^\s;,]*$")] | None = Field(
        json_schema_extra=_allowed("null (the application root) or a path starting with /"))
    PERMANENT_SESSION_LIFETIME: Annotated[timedelta, Field(gt=timedelta(0),
                                                           le=timedelta(days=366))] = Field(
        json_schema_extra=_allowed("whole seconds (or an ISO 8601 duration such as PT12H), "
                                   "more than 0 and at most a year"))
    PORTAL_LANGUAGE_COOKIE: CookieName = Field(
        json_schema_extra=_allowed("a cookie name: 1-64 letters, digits, _ . -"))
    PORTAL_SESSION_IDLE_SECONDS: Seconds = Field(
        json_schema_extra=_allowed("whole seconds from 1 to 2592000 (30 days)"))
    PORTAL_SESSION_LIFETIME_SECONDS: Seconds = Field(
        json_schema_extra=_allowed("whole seconds from 1 to 2592000 (30 days)"))
    PORTAL_SESSION_BACKEND: Literal["auto", "database", "sqlite", "memory"] = Field(
        json_schema_extra=_allowed("auto, database, sqlite or memory"))
    PORTAL_SESSION_CHECK_SECONDS: Interval = Field(
        json_schema_extra=_allowed("whole seconds from 0 (every page) to 1000000000"))
    PORTAL_SESSION_TOUCH_SECONDS: Interval = Field(
        json_schema_extra=_allowed("whole seconds from 0 (every page) to 1000000000"))
    PORTAL_LOGIN_MAX_FAILURES: Annotated[WholeNumber, Field(ge=1, le=1000)] = Field(
        json_schema_extra=_allowed("a whole number from 1 to 1000"))
    PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS: Annotated[WholeNumber, Field(ge=1, le=100000)] = (
        Field(json_schema_extra=_allowed("a whole number from 1 to 100000")))
    PORTAL_LOGIN_WINDOW_SECONDS: Annotated[WholeNumber, Field(ge=1, le=_DAY)] = Field(
        json_schema_extra=_allowed("whole seconds from 1 to 86400"))
    PORTAL_LOGIN_MAX_DELAY_SECONDS: Annotated[Number, Field(ge=1, le=3600)] = Field(
        json_schema_extra=_allowed("seconds from 1 to 3600"))
    PORTAL_WEBHOOK_AUTH_FAILURES: Annotated[WholeNumber, Field(ge=1, le=100000)] | None = Field(
        json_schema_extra=_allowed("null (10) or a whole number from 1 to 100000"))
    PORTAL_WEBHOOK_AUTH_WINDOW_SECONDS: Annotated[Number, Field(gt=0, le=_DAY)] | None = Field(
        json_schema_extra=_allowed("null (60) or seconds, more than 0 and at most 86400"))
    PORTAL_MAX_ATTACHMENT_BYTES: Annotated[WholeNumber, Field(ge=1, le=1024 ** 3)] = Field(
        json_schema_extra=_allowed("a whole number of bytes from 1 to 1073741824"))
    PORTAL_MAX_ATTACHMENTS: Annotated[WholeNumber, Field(ge=0, le=100)] = Field(
        json_schema_extra=_allowed("a whole number from 0 (no attachments) to 100"))
    PORTAL_ALLOWED_EXTENSIONS: list[Annotated[str, Field(pattern=r"^[A-Za-z0-9]{1,16}$")]] = (
        Field(json_schema_extra=_allowed('a JSON list of file name extensions without the dot, '
                                         'e.g. ["pdf", "png"]')))
    PORTAL_REOPEN_WINDOW_DAYS: Annotated[WholeNumber, Field(ge=0, le=3650)] = Field(
        json_schema_extra=_allowed("a whole number of days from 0 to 3650"))
    PORTAL_PASSWORD_RESET_URL: Literal["znuny", "off"] | Annotated[
        str, Field(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2000)] = Field(
        json_schema_extra=_allowed('"znuny" (the configured Znuny\'s own password page), '
                                   '"off" (no link) or an http:// or https:// URL'))
    PORTAL_PRIVATE_COMPANIES: list[Annotated[str, Field(min_length=1, max_length=200)]] = Field(
        json_schema_extra=_allowed('a JSON list of customer company ids, e.g. ["public"]'))
    PORTAL_PAGE_SIZE: Annotated[WholeNumber, Field(ge=1, le=500)] = Field(
        json_schema_extra=_allowed("a whole number from 1 to 500"))
    PORTAL_TIMEZONE: TimeZoneName = Field(
        json_schema_extra=_allowed("an IANA time zone name such as Europe/Moscow"))
    PORTAL_HSTS_SECONDS: Annotated[WholeNumber, Field(ge=0, le=2 * 366 * _DAY)] = Field(
        json_schema_extra=_allowed("whole seconds from 0 (no HSTS header) to 63244800"))
    PORTAL_TRUSTED_PROXIES: Annotated[WholeNumber, Field(ge=0, le=10)] = Field(
        json_schema_extra=_allowed("a whole number of proxies from 0 to 10"))
    BABEL_DEFAULT_LOCALE: Language = Field(
        json_schema_extra=_allowed("en or ru, one of PORTAL_LANGUAGES"))
    PORTAL_LANGUAGES: Annotated[list[Language], Field(min_length=1)] = Field(
        json_schema_extra=_allowed('a JSON list of en and/or ru, e.g. ["en", "ru"]'))
    WTF_CSRF_TIME_LIMIT: Annotated[WholeNumber, Field(ge=1, le=30 * _DAY)] | None = Field(
        json_schema_extra=_allowed("whole seconds from 1 to 2592000, or null (as long as the "
                                   "session)"))

    PORTAL_FEEDBACK_GUEST_CUSTOMER: Annotated[
        str, Field(pattern=r"^[^@\s\x00-\x1f\x7f<>\"',;]+@[^@\s\x00-\x1f\x7f<>\"',;]+$",
                   max_length=200)] | None = Field(
        json_schema_extra=_allowed("null (feedback needs an e-mail address) or an e-mail "
                                   "address, e.g. feedback-guest@shop.example"))
    PORTAL_FEEDBACK_PER_ADDRESS: Annotated[WholeNumber, Field(ge=1, le=10000)] = Field(
        json_schema_extra=_allowed("a whole number from 1 to 10000"))
    PORTAL_FEEDBACK_PER_STORE: Annotated[WholeNumber, Field(ge=1, le=1000000)] = Field(
        json_schema_extra=_allowed("a whole number from 1 to 1000000"))
    PORTAL_FEEDBACK_WINDOW_SECONDS: Annotated[WholeNumber, Field(ge=1, le=7 * _DAY)] = Field(
        json_schema_extra=_allowed("whole seconds from 1 to 604800"))
    PORTAL_FEEDBACK_MAX_CHARS: Annotated[WholeNumber, Field(ge=10, le=4000)] = Field(
        json_schema_extra=_allowed("a whole number of characters from 10 to 4000"))
    PORTAL_FEEDBACK_PHOTO_BYTES: Annotated[WholeNumber, Field(ge=1, le=1024 ** 3)] = Field(
        json_schema_extra=_allowed("a whole number of bytes from 1 to 1073741824"))

    @model_validator(mode="after")
    def _default_language_is_offered(self) -> Self:
        if self.BABEL_DEFAULT_LOCALE not in self.PORTAL_LANGUAGES:
            raise ValueError("BABEL_DEFAULT_LOCALE: not one of PORTAL_LANGUAGES")
        return self


def _env_name(key: str) -> str:
    return ENV_PREFIX + key


def _allowed_values(key: str) -> str:
    extra = PortalConfig.model_fields[key].json_schema_extra
    return str(extra.get("allowed", "")) if isinstance(extra, dict) else ""


def _raw_env(key: str) -> str | None:
    return os.environ.get(_env_name(key))


def portal_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``RADIANT_*`` variables that are portal or Flask settings (``RADIANT_PORTAL_…``,
    ``RADIANT_SESSION_COOKIE_SECURE``…), parsed as JSON where they are JSON, as Flask's
    ``from_prefixed_env`` does. Everything else — the Znuny password, the webhook secret,
    database URLs — stays in the typed :class:`~radiant_ext.config.Settings` (as secrets),
    never in ``app.config``; ``RADIANT_PORTAL_SUBMIT_WAIT_SECONDS`` is such a setting.

    :raises InvalidSettingsError: for a variable with a portal prefix that names no key of
        :data:`DEFAULTS` (a typo would otherwise be ignored).
    """
    found: dict[str, Any] = {}
    unknown: list[SettingProblem] = []
    for name, raw in sorted((os.environ if environ is None else environ).items()):
        key = name.removeprefix(ENV_PREFIX)
        if key == name or not key.startswith(ENV_KEY_PREFIXES):
            continue
        if key.lower() in Settings.model_fields:  # a typed setting (RADIANT_PORTAL_SUBMIT_…)
            continue
        if key not in DEFAULTS:
            unknown.append(SettingProblem(
                name, shown_value(raw), "unknown portal setting",
                "the RADIANT_PORTAL_… and other portal keys listed in docs/settings.md"))
            continue
        try:
            found[key] = json.loads(raw)
        except ValueError:
            found[key] = raw
    if unknown:
        raise InvalidSettingsError(unknown)
    return found


def validate_portal_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Check every key of :data:`DEFAULTS` in ``config``; return them normalised.

    :raises InvalidSettingsError: one line naming each refused key (as its ``RADIANT_…``
        variable), the value as given and what is allowed.
    """
    values = {key: config[key] for key in DEFAULTS if key in config}
    try:
        checked = PortalConfig.model_validate({**DEFAULTS, **values})
    except ValidationError as exc:
        problems: dict[str, list[str]] = {}
        for err in exc.errors(include_url=False):
            loc = [str(p) for p in err.get("loc", ())]
            msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
            key = loc[0] if loc else ""
            if not key and msg.startswith("BABEL_DEFAULT_LOCALE: "):
                key, msg = "BABEL_DEFAULT_LOCALE", msg.removeprefix("BABEL_DEFAULT_LOCALE: ")
            inner = ".".join(p for p in loc[1:] if p != "[key]")
            problems.setdefault(key, []).append(f"{inner}: {msg}" if inner else msg)
        raise InvalidSettingsError([
            _problem(key, "; ".join(dict.fromkeys(reasons)), config)
            for key, reasons in problems.items()]) from exc
    return checked.model_dump()


def _problem(key: str, reason: str, config: Mapping[str, Any]) -> SettingProblem:
    if key not in PortalConfig.model_fields:
        return SettingProblem(key or "portal settings", None, reason, "")
    raw = _raw_env(key)
    if raw is not None:
        return SettingProblem(_env_name(key), shown_value(raw), reason, _allowed_values(key))
    return SettingProblem(f"{_env_name(key)} ({key})", shown_value(config.get(key)), reason,
                          _allowed_values(key))
