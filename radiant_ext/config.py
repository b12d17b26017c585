"""Settings: one TOML file plus ``RADIANT_*`` environment variables (pydantic-settings).

Precedence, highest first: keyword arguments, environment variables (``RADIANT_ZNUNY_URL``…),
the TOML file named by ``RADIANT_CONFIG`` (or ``radiant.toml`` in the working directory),
defaults. Secrets are :class:`pydantic.SecretStr` so they never show up in ``repr`` or logs.

Every setting is validated when the settings load (:func:`load_settings`, which every command
calls before it does anything): types, ranges, time zones, URLs, database drivers, folders. A
refused setting is an :class:`~radiant_ext.errors.InvalidSettingsError` whose text is one line
naming the setting, the value as given (never a secret's) and what is allowed. Each field says
what it allows in ``json_schema_extra["allowed"]`` (:func:`allowed_values`); ``docs/settings.md``
lists them all.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from radiant_ext._zones import TimeZoneName
from radiant_ext.errors import ConfigError, InvalidSettingsError, SettingProblem

__all__ = [
    "ENV_PREFIX",
    "Number",
    "Settings",
    "WholeNumber",
    "allowed_values",
    "env_name",
    "load_settings",
    "mask_url",
    "shown_value",
    "writable_folder",
]

ENV_PREFIX = "RADIANT_"
"""Prefix of the environment variables; ``RADIANT_ZNUNY_URL`` sets ``znuny_url``."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SECRET_WORDS = re.compile(r"secret|pas|key|token|pw|cred|auth", re.IGNORECASE)
"""An unknown key that may hold a secret (a misspelt password): its value is not shown."""


def _toml_path() -> Path:
    return Path(os.environ.get("RADIANT_CONFIG", "radiant.toml"))


# -- value checks shared by several fields ----------------------------------------------------


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would take true for 1
        raise ValueError("a number is needed, not true/false")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_a_bool)]
"""An ``int`` setting: ``"7"`` and ``7.0`` are 7; ``7.5``, ``true`` and ``"abc"`` are refused."""
Number = Annotated[float, BeforeValidator(_not_a_bool)]
"""A ``float`` setting (finite: the settings refuse ``nan`` and ``inf``); ``true`` is refused."""


def _plain_text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains a control character (line break, tab…)")
    return value


def _secret_text(value: SecretStr) -> SecretStr:
    if _CONTROL.search(value.get_secret_value()):  # the message never repeats the secret
        raise ValueError("contains a control character (line break, tab…)")
    return value


def _http_url(value: str) -> str:
    if _CONTROL.search(value) or " " in value:
        raise ValueError("contains spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http:// or https:// URL with a host name")
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number in range
    except ValueError:
        raise ValueError("the port is not a number from 1 to 65535") from None
    if parts.query or parts.fragment:
        raise ValueError("has a query string or #fragment")
    return value


def _optional_http_url(value: str) -> str:
    return _http_url(value) if value else value


def _script_path(value: str) -> str:
    if value and not re.fullmatch(r"/?([A-Za-z0-9._~-]+/)*[A-Za-z0-9._~-]*", value):
        raise ValueError("not a URL path such as znuny/ or otrs/")
    if any(part in (".", "..") for part in value.split("/")):
        raise ValueError("has . or .. in it")
    return value


def _existing_folder(value: Path) -> Path:
    if not value.is_dir():
        raise ValueError(f"the folder {str(value)!r} does not exist")
    return value


def _writable_folder(value: Path) -> Path:
    """The data folder: created when missing (the product's own), and must take a file."""
    if value.exists() and not value.is_dir():
        raise ValueError("exists and is not a folder")
    try:
        value.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=value, prefix=".radiant-write-check-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ValueError(f"cannot create or write files in it ({reason})") from None
    return value


PlainText = Annotated[str, AfterValidator(_plain_text)]
SecretText = Annotated[SecretStr, AfterValidator(_secret_text)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_plain_text)]
Seconds = Annotated[WholeNumber, Field(ge=1, le=7 * 24 * 3600)]
Hours = Annotated[Number, Field(gt=0, le=10 * 365 * 24)]
ExistingFolder = Annotated[Path, AfterValidator(_existing_folder)]
PluginName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]


def _allowed(text: str) -> dict[str, Any]:
    return {"allowed": text}


_STORE_URLS = ("empty (SQLite file radiant.sqlite3 in the data folder), sqlite:///<file in an "
               "existing folder>, or postgresql://user:password@host/database (driver psycopg "
               "3; postgres:// and postgresql+psycopg:// mean the same)")


class Settings(BaseSettings):
    """Everything an installation configures."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="ignore", validate_default=True, allow_inf_nan=False
    )

    # -- Znuny GenericInterface -------------------------------------------------------------
    znuny_url: Annotated[str, AfterValidator(_http_url)] = Field(
        "http://127.0.0.1:8081",
        description="Base URL of Znuny's web server, without the script path.",
        json_schema_extra=_allowed("an http:// or https:// URL with a host name, without query "
                                   "string, e.g. https://znuny.example.com"),
    )
    znuny_script_path: Annotated[str, AfterValidator(_script_path)] = Field(
        "", description="Script alias such as otrs/ or znuny/; empty: from the route set "
        "(auto: znuny/, then otrs/).",
        json_schema_extra=_allowed("empty (found on its own), or a URL path such as znuny/ or "
                                   "otrs/"),
    )
    znuny_webservice: Name = Field(
        "GenericTicketConnectorREST", description="The GenericInterface web service's name.",
        json_schema_extra=_allowed("the web service's name in Admin -> Web Services (1-200 "
                                   "characters, no control characters)"),
    )
    znuny_route_set: Literal["auto", "otrs6", "znuny", "znuny-r2a"] = Field(
        "auto", description="The web service's routes; auto: asked of the server once per "
        "process (docs/client.md).",
        json_schema_extra=_allowed("auto, otrs6, znuny or znuny-r2a"),
    )
    znuny_user: PlainText = Field(
        "", description="Agent login the companion uses.",
        json_schema_extra=_allowed("an agent login without control characters (empty: none)"),
    )
    znuny_password: SecretText = Field(
        SecretStr(""), description="The agent's password.",
        json_schema_extra=_allowed("text without control characters"),
    )
    znuny_timeout: Number = Field(
        15.0, gt=0, le=600, description="Seconds to wait for Znuny's answer.",
        json_schema_extra=_allowed("a number of seconds, more than 0 and at most 600"),
    )
    znuny_verify_tls: bool | str = Field(
        True, description="TLS certificate check: true, false, or the path of a CA bundle.",
        json_schema_extra=_allowed("true, false, or the path of an existing CA bundle file"),
    )
    znuny_session_in_header: bool | Literal["auto"] = Field(
        False, description="Send the agent's SessionID (and, where credentials are sent, the "
        "login and password) in X-OTRS-Header-* headers instead of the URL query string or "
        "the body. auto: when the server reads them (Znuny 6.1 and later; asked once per "
        "process with one request that logs nobody in); true: always; false (the default: "
        "see docs/settings.md): never.",
        json_schema_extra=_allowed("auto, true or false"),
    )
    znuny_routes: dict[str, str] = Field(
        default_factory=dict,
        description='Route overrides by GI operation, "METHOD /path" (e.g. TicketSearchPOST = '
        '"POST /Ticket/Search"); see docs/client.md.',
        json_schema_extra=_allowed('a JSON object of GI operation -> "METHOD /path", e.g. '
                                   '{"TicketSearchPOST": "POST /Ticket/Search"}'),
    )
    znuny_db_url: SecretStr | None = Field(
        None, description="Optional read-only connection to Znuny's database (metadata).",
        json_schema_extra=_allowed("empty, or an SQLAlchemy URL whose driver is installed, e.g. "
                                   "postgresql://user:password@host/znuny (psycopg 3)"),
    )

    # -- local store ------------------------------------------------------------------------
    data_dir: Path = Field(
        Path("radiant-data"), description="The local store's folder (SQLite store, portal "
        "sessions); created when missing.",
        json_schema_extra=_allowed("a folder this user can write in, or one it can create"),
    )
    database_url: str = Field(
        "", description="SQLAlchemy URL; empty = SQLite in data_dir.",
        json_schema_extra=_allowed(_STORE_URLS),
    )

    # -- sync (radiant-ext sync) ------------------------------------------------------------
    sync_lease_seconds: WholeNumber = Field(
        30, ge=2, le=3600,
        description="Leader lease; a standby `radiant-ext sync` takes over after it.",
        json_schema_extra=_allowed("a whole number of seconds from 2 to 3600"),
    )
    sync_intervals: dict[Name, Seconds] = Field(
        default_factory=dict, description="Seconds between runs by job id (overrides defaults).",
        json_schema_extra=_allowed('a JSON object of job id -> whole seconds from 1 to 604800, '
                                   'e.g. {"ticket-pull": 60}; ids as `radiant-ext sync status` '
                                   'lists them'),
    )
    sync_stop_seconds: Number = Field(
        5.0, ge=0, le=60,
        description="On SIGTERM or Ctrl-C, how long `radiant-ext sync` lets running jobs "
                    "finish before it exits anyway (their runs then show as interrupted).",
        json_schema_extra=_allowed("a number of seconds from 0 to 60"),
    )
    outbox_retry_seconds: Number = Field(
        15.0, gt=0, le=86400, description="First outbox retry delay.",
        json_schema_extra=_allowed("a number of seconds, more than 0 and at most 86400"),
    )
    portal_submit_wait_seconds: Number = Field(
        0.0, ge=0, le=10,
        description="How long the portal's confirmation may wait for Znuny to file a request "
                    "(0: not at all — the confirmation shows the reference at once and the "
                    "number when Znuny has answered). A wait holds a web thread that Znuny's "
                    "webhook call may need: keep it 0 when the webhook is served by the same "
                    "workers.",
        json_schema_extra=_allowed("a number of seconds from 0 to 10"))
    outbox_retry_max_seconds: Number = Field(
        1800.0, gt=0, le=7 * 86400, description="Longest retry delay.",
        json_schema_extra=_allowed("a number of seconds, at least outbox_retry_seconds and at "
                                   "most 604800"),
    )
    sync_pull_overlap_seconds: WholeNumber = Field(
        120, ge=0, le=86400, description="Ticket pull overlap window.",
        json_schema_extra=_allowed("a whole number of seconds from 0 to 86400"),
    )
    sync_pull_parallel_batches: WholeNumber = Field(
        1, ge=1, le=16,
        description="TicketGet batches (100 tickets each) the ticket pull fetches at the same "
                    "time, each on a connection of its own. More only helps while Znuny has "
                    "idle web workers and cores; see docs/sync.md.",
        json_schema_extra=_allowed("a whole number from 1 to 16"),
    )
    deadline_warn_share: Number = Field(
        0.75, gt=0, lt=1, description="Warn at this share.",
        json_schema_extra=_allowed("a number between 0 and 1, e.g. 0.75"),
    )
    state_limits_hours: dict[Name, Hours] = Field(
        default_factory=lambda: {"pending reminder": 72.0},
        description="Flag tickets staying longer than this in a state (state name → hours).",
        json_schema_extra=_allowed('a JSON object of state name -> hours (more than 0), e.g. '
                                   '{"pending reminder": 72}'),
    )

    # -- portal -----------------------------------------------------------------------------
    secret_key: SecretText = Field(
        SecretStr(""), description="Signs the portal's session cookie and CSRF tokens.",
        json_schema_extra=_allowed("a long random string without control characters (the "
                                   "portal refuses to start without one)"),
    )
    default_language: Literal["en", "ru"] = Field(
        "en", description="The portal's language when the browser states no preference.",
        json_schema_extra=_allowed("en or ru"),
    )
    reopen_window_days: WholeNumber = Field(
        7, ge=0, le=3650, description="How long after closing a customer may reopen.",
        json_schema_extra=_allowed("a whole number of days from 0 to 3650"),
    )
    public_url: Annotated[str, AfterValidator(_optional_http_url)] = Field(
        "", description="The portal's public address, for links sent by e-mail (rating "
        "links); empty: no rating links are sent.",
        json_schema_extra=_allowed("empty, or an http:// or https:// URL with a host name, "
                                   "e.g. https://help.example.com"),
    )
    satisfaction_link_days: WholeNumber = Field(
        14, ge=1, le=365, description="How long a rating link works after it is sent.",
        json_schema_extra=_allowed("a whole number of days from 1 to 365"),
    )
    max_attachment_bytes: WholeNumber = Field(
        10 * 1024 * 1024, ge=1, le=1024 ** 3, description="Largest accepted file.",
        json_schema_extra=_allowed("a whole number of bytes from 1 to 1073741824"),
    )
    webhook_user: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^:]*$"),
                            AfterValidator(_plain_text)] = Field(
        "znuny", description="The user name Znuny's webhook sends (HTTP Basic).",
        json_schema_extra=_allowed("a user name without ':' or control characters"),
    )
    webhook_secret: SecretText = Field(
        SecretStr(""), description="The password Znuny's webhook sends.",
        json_schema_extra=_allowed("text without control characters; 16 random characters or "
                                   "more (empty: the webhook refuses every call)"),
    )

    # -- catalogs, stores and plugins -------------------------------------------------------
    catalog_dirs: list[ExistingFolder] = Field(
        default_factory=list,
        description="Folders of catalog YAML files; their `stores:` (with the stores' "
        "calendars) make up the store directory (docs/catalogs.md, Stores).",
        json_schema_extra=_allowed('a JSON list of existing folders, e.g. '
                                   '["/etc/radiant/catalogs"]'),
    )
    blocked_plugins: list[PluginName] = Field(
        default_factory=list, description="Department plugins not to load.",
        json_schema_extra=_allowed('a JSON list of plugin names (letters, digits, _ . -), '
                                   'e.g. ["legal"]'),
    )
    default_time_zone: TimeZoneName = Field(
        "Europe/Moscow",
        description="Time zone of a store whose directory entry names none, and of a store "
        "the directory does not know.",
        json_schema_extra=_allowed("an IANA time zone name such as Europe/Moscow"),
    )

    head_office_companies: list[PluginName] = Field(
        default_factory=lambda: ["head-office"],
        description="Customer companies of the head office: a department enabled for the "
        "head office only is shown to their customers (docs/admin.md).",
        json_schema_extra=_allowed('a JSON list of customer company ids, e.g. '
                                   '["head-office"]'),
    )

    # -- admin area -------------------------------------------------------------------------
    admin: dict[str, Any] = Field(
        default_factory=dict,
        description="The [admin] table: companion admins and department admins of the "
        "portal's admin area (validated by radiant_ext.portal.admin.AdminSettings; see "
        "docs/admin.md).",
        json_schema_extra=_allowed("a TOML table (or JSON object) as docs/admin.md describes; "
                                   "checked when the portal starts"),
    )

    # -- reports ----------------------------------------------------------------------------
    reports: dict[str, Any] = Field(
        default_factory=dict,
        description="The [reports] table: managers per company, time zone, penalty rules "
        "(validated by radiant_ext.reports.ReportSettings; see docs/reports.md).",
        json_schema_extra=_allowed("a TOML table (or JSON object) as docs/reports.md "
                                   "describes; checked when the portal or a report starts"),
    )

    @field_validator("znuny_routes")
    @classmethod
    def _check_znuny_routes(cls, value: dict[str, str]) -> dict[str, str]:
        if value:  # the client's own parser names the operation whose route is unusable
            from radiant_ext.client.routes import parse_route_overrides

            try:
                parse_route_overrides(value)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
        return value

    @field_validator("znuny_verify_tls", mode="before")
    @classmethod
    def _check_verify_tls(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        word = value.strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        if not Path(value).expanduser().is_file():
            raise ValueError("neither true/false nor an existing CA bundle file")
        return str(Path(value).expanduser())

    @field_validator("znuny_session_in_header", mode="before")
    @classmethod
    def _check_session_in_header(cls, value: Any) -> Any:
        if isinstance(value, str):
            word = value.strip().lower()
            if word == "auto":
                return "auto"
            if word in _TRUE or word in _FALSE:
                return word in _TRUE
            raise ValueError("neither auto, true nor false")
        return value

    @field_validator("znuny_db_url", mode="before")
    @classmethod
    def _empty_db_url_is_none(cls, value: Any) -> Any:
        if value == "" or (isinstance(value, SecretStr) and not value.get_secret_value()):
            return None
        return value

    @field_validator("znuny_db_url")
    @classmethod
    def _check_znuny_db_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            from radiant_ext.store.engine import database_url_problem

            problem = database_url_problem(value.get_secret_value(), store=False)
            if problem:
                raise ValueError(problem)  # never contains the URL (nor its password)
        return value

    @field_validator("data_dir")
    @classmethod
    def _check_data_dir(cls, value: Path) -> Path:
        return _writable_folder(value)

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        from radiant_ext.store.engine import database_url_problem, sqlite_file

        problem = database_url_problem(value, store=True)
        if problem:
            raise ValueError(problem)
        path = sqlite_file(value)
        if path is not None:
            folder = path.parent
            data_dir = info.data.get("data_dir")
            own = data_dir is not None and folder.resolve() == Path(data_dir).resolve()
            if not own and not folder.is_dir():
                raise ValueError(f"the folder {str(folder)!r} of the SQLite file does not "
                                 "exist (only the data folder is created on its own)")
        return value

    @field_validator("outbox_retry_max_seconds")
    @classmethod
    def _check_retry_max(cls, value: float, info: ValidationInfo) -> float:
        first = info.data.get("outbox_retry_seconds")
        if first is not None and value < first:
            raise ValueError(f"less than outbox_retry_seconds ({first:g})")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            file_secret_settings,
            TomlConfigSettingsSource(settings_cls, toml_file=_toml_path()),
        )

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy URL in use: ``database_url`` or SQLite under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'radiant.sqlite3').resolve()}"


# -- loading, and one line per refused setting ------------------------------------------------


def env_name(field: str) -> str:
    """The environment variable of the setting ``field`` (``znuny_url`` → ``RADIANT_ZNUNY_URL``)."""
    return ENV_PREFIX + field.upper()


def allowed_values(field: str) -> str:
    """What the setting ``field`` accepts, in words (as ``docs/settings.md`` lists it)."""
    extra = Settings.model_fields[field].json_schema_extra
    return str(extra.get("allowed", "")) if isinstance(extra, dict) else ""


def mask_url(text: str) -> str:
    """``text`` with the password of a ``scheme://user:password@host`` URL replaced by ``***``."""
    return re.sub(r"(://[^/@:\s]*):[^@/\s]*@", r"\1:***@", text)


def shown_value(value: Any, limit: int = 120) -> str:
    """``value`` as an error message shows it: quoted, on one line, shortened, passwords of
    URLs masked."""
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        text = repr(mask_url(value))
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(value)
        text = mask_url(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def writable_folder(path: Path, setting: str) -> Path:
    """``path``, created when missing, once a file can be written in it (as ``data_dir`` is
    checked) — for folders given on the command line, e.g. ``radiant-ext demo --data``.

    :raises InvalidSettingsError: one line naming ``setting`` and the folder.
    """
    try:
        return _writable_folder(path)
    except ValueError as exc:
        raise InvalidSettingsError([SettingProblem(
            setting, shown_value(path), str(exc), allowed_values("data_dir"))]) from None


def _is_secret(field: str) -> bool:
    return "SecretStr" in str(Settings.model_fields[field].annotation)


def _env_value(field: str) -> str | None:
    wanted = env_name(field).lower()
    for name, value in os.environ.items():
        if name.lower() == wanted:
            return value
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    """The TOML file's table; a missing file is an empty one."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read the settings file {path}: "
                          f"{exc.strerror or type(exc).__name__}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"the settings file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the settings file {path} is not valid TOML: {exc} (allowed: "
                          "key = value lines as docs/settings.md shows)") from None


class _Sources:
    """Where each setting came from, to name it and show its value as given."""

    def __init__(self, overrides: Mapping[str, Any], toml: Mapping[str, Any],
                 toml_path: Path) -> None:
        self.overrides = overrides
        self.toml = toml
        self.toml_path = toml_path

    def problem(self, field: str, reason: str, given: Any = None) -> SettingProblem:
        env = _env_value(field)
        source = ""
        if field in self.overrides:
            setting, value = f"{env_name(field)} ({field})", self.overrides[field]
        elif env is not None:
            setting, value = env_name(field), env
        elif field in self.toml:
            setting, value = field, self.toml[field]
            source = str(self.toml_path)
        else:
            setting, value = f"{env_name(field)} ({field})", given
        if isinstance(value, SecretStr) or _is_secret(field):
            shown = None
        else:
            shown = shown_value(value)
        return SettingProblem(setting, shown, reason, allowed_values(field), source)


def _reason(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    # a dict item's key error is located (field, key, "[key]"): the key alone is enough
    inner = [f"[{p}]" if isinstance(p, int) else (str(p) or '""')
             for p in err.get("loc", ())[1:] if p != "[key]"]
    return f"{'.'.join(inner)}: {msg}" if inner else msg


def _validation_problems(exc: ValidationError, sources: _Sources) -> list[SettingProblem]:
    by_field: dict[str, list[Mapping[str, Any]]] = {}
    for err in exc.errors(include_url=False):
        loc = err.get("loc") or ("settings",)
        by_field.setdefault(str(loc[0]), []).append(err)
    problems = []
    for field, errors in by_field.items():
        if field not in Settings.model_fields:
            problems.append(SettingProblem(field, None, "; ".join(_reason(e) for e in errors),
                                           ""))
            continue
        reasons = "; ".join(dict.fromkeys(_reason(e) for e in errors))
        given = errors[0].get("input") if len(errors[0].get("loc", ())) == 1 else None
        problems.append(sources.problem(field, reasons, given))
    return problems


def load_settings(**overrides: Any) -> Settings:
    """Build and validate :class:`Settings` (``overrides`` win over everything else).

    :raises InvalidSettingsError: naming every refused setting, on one line.
    :raises ConfigError: when the TOML file cannot be read or parsed.
    """
    path = _toml_path()
    toml = _read_toml(path)
    sources = _Sources(overrides, toml, path)
    unknown = sorted(set(toml) - set(Settings.model_fields))
    if unknown:
        raise InvalidSettingsError([
            SettingProblem(key, None if _SECRET_WORDS.search(key) else shown_value(toml[key]),
                           "unknown setting", "the settings listed in docs/settings.md",
                           str(path))
            for key in unknown])
    try:
        return Settings(**overrides)
    except SettingsError as exc:  # an environment value that is not the JSON it must be
        found = re.search(r'field "(\w+)"', str(exc))
        field = found.group(1) if found else ""
        if field not in Settings.model_fields:
            raise ConfigError(f"invalid settings: {exc}") from None
        cause = exc.__cause__
        reason = "not valid JSON" + (f" ({cause})" if isinstance(cause, ValueError) else "")
        raise InvalidSettingsError([sources.problem(field, reason)]) from exc
    except ValidationError as exc:
        raise InvalidSettingsError(_validation_problems(exc, sources)) from exc
