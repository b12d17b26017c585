"""Languages: the locale selector, the language switcher and date formatting helpers.

The customer's choice is kept in a long-lived cookie (so it survives logout) and mirrored in
the session; without a choice the browser's ``Accept-Language`` decides.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import DateTimePattern, get_timezone, get_timezone_location, parse_pattern
from babel.dates import format_datetime as babel_format_datetime
from flask import Blueprint, Flask, current_app, g, redirect, request, session
from flask.typing import ResponseReturnValue
from flask_babel import Babel, get_locale, gettext

from radiant_ext.portal.navigation import safe_next
from radiant_ext.portal.numbers import group_number
from radiant_ext.portal.states import priority_label, state_label

__all__ = [
    "add_blueprint_translations",
    "bp",
    "current_language",
    "format_deadline",
    "format_when",
    "init_app",
    "state_label",
    "store_zone",
]

bp = Blueprint("i18n", __name__)

_LANG_COOKIE_AGE = 365 * 24 * 3600


def current_language() -> str:
    """The language of this request: session, cookie, browser, then the default."""
    offered: list[str] = current_app.config["PORTAL_LANGUAGES"]
    for candidate in (
        session.get("lang"),
        request.cookies.get(current_app.config["PORTAL_LANGUAGE_COOKIE"]),
    ):
        if candidate in offered:
            return str(candidate)
    best = request.accept_languages.best_match(offered)
    return str(best or current_app.config["BABEL_DEFAULT_LOCALE"])


def _timezone() -> str:
    return str(current_app.config["PORTAL_TIMEZONE"])


@lru_cache(maxsize=256)
def _zone(name: str) -> tzinfo:
    """The time zone ``name`` (looked up once per name)."""
    return get_timezone(name)


@lru_cache(maxsize=64)
def _pattern(pattern: str) -> DateTimePattern:
    """A date pattern, parsed once."""
    return parse_pattern(pattern)


@lru_cache(maxsize=1024)
def _city(zone: str, locale: str) -> str:
    """The city a zone is named by in ``locale`` ("Yekaterinburg", "Екатеринбург")."""
    return str(get_timezone_location(_zone(zone), locale=locale, return_city=True))


@lru_cache(maxsize=4096)
def _offset(offset: timedelta, locale: str) -> str:
    """An offset from UTC as ``locale`` writes it ("GMT+05:00"): the same for every time of
    that offset, so it is formatted once per offset."""
    return str(babel_format_datetime(datetime(2000, 1, 1, tzinfo=UTC), "ZZZZ",
                                     tzinfo=timezone(offset), locale=locale))


def _in_zone(value: datetime, pattern: str, zone: str | None) -> str:
    """``value`` in ``zone`` (default: the portal's), followed by the zone it is shown in:
    "Mon 7 Dec, 14:00 (Yekaterinburg, GMT+05:00)" — every shown time carries its zone.

    A list page shows two times per row: the zone, the pattern, the city name and the offset
    text are looked up once and kept, so a row costs one formatting of the time itself."""
    name = zone or _timezone()
    locale = get_locale() or Locale.parse("en")
    code = str(locale)
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(_zone(name))
    text = _pattern(pattern).apply(local, locale)
    return f"{text} ({_city(name, code)}, {_offset(local.utcoffset() or timedelta(), code)})"


def format_deadline(value: datetime | None, zone: str | None = None) -> str:
    """A deadline as people say it, in ``zone`` (the store's) or the portal's time zone:
    "Tue 23 Nov, 10:00 (Moscow, GMT+03:00)"."""
    if value is None:
        return str(gettext("no deadline"))
    return _in_zone(value, "EEE d MMM, HH:mm", zone)


def store_zone(store_id: str | None) -> str | None:
    """The time zone of a store of the directory (``None``: unknown, the portal's is used).

    Read once per page from the catalog port.
    """
    if not store_id:
        return None
    zones = g.get("_store_zones")
    if zones is None:
        from radiant_ext.portal.services import services

        zones = g._store_zones = dict(services().catalog.store_zones())
    zone = zones.get(store_id)
    return str(zone) if zone else None


def format_when(value: datetime | None, zone: str | None = None) -> str:
    """A timestamp for lists and articles, with the zone it is shown in."""
    if value is None:
        return ""
    return _in_zone(value, "d MMM yyyy, HH:mm", zone)


@bp.post("/language")
def switch_language() -> ResponseReturnValue:
    """Remember the chosen language and go back to the page the customer was on."""
    lang = request.form.get("lang", "")
    target = safe_next(request.form.get("next"))
    response = redirect(target)
    if lang in current_app.config["PORTAL_LANGUAGES"]:
        session["lang"] = lang
        response.set_cookie(
            current_app.config["PORTAL_LANGUAGE_COOKIE"],
            lang,
            max_age=_LANG_COOKIE_AGE,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def add_blueprint_translations(app: Flask) -> None:
    """Merge the catalogs of blueprints that ship a ``translations`` folder beside their code.

    Call after every blueprint is registered: reports and plugin pages bring their own
    Russian strings, and Flask-Babel merges catalogs from all listed folders.
    """
    directories: list[str] = app.extensions["babel"].translation_directories
    for blueprint in app.blueprints.values():
        folder = Path(blueprint.root_path) / "translations"
        if folder.is_dir() and str(folder) not in directories:
            directories.append(str(folder))


def init_app(app: Flask) -> None:
    """Bind Flask-Babel to ``app`` and register the switcher and template helpers."""
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(app.root_path) + "/translations"
    )
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["PORTAL_TIMEZONE"]
    Babel(app, locale_selector=current_language, timezone_selector=_timezone)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(current_language=current_language, store_zone=store_zone)
    app.jinja_env.filters["deadline"] = format_deadline
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["state_label"] = state_label
    app.jinja_env.filters["ticket_number"] = group_number
    app.jinja_env.filters["priority_label"] = priority_label
