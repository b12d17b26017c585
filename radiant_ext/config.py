"""Settings: one TOML file plus ``RADIANT_*`` environment variables (pydantic-settings).

Precedence, highest first: keyword arguments, environment variables (``RADIANT_ZNUNY_URL``…),
the TOML file named by ``RADIANT_CONFIG`` (or ``radiant.toml`` in the working directory),
defaults. Secrets are :class:`pydantic.SecretStr` so they never show up in ``repr`` or logs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from radiant_ext._zones import TimeZoneName
from radiant_ext.errors import ConfigError

__all__ = ["Settings", "load_settings"]


def _toml_path() -> Path:
    return Path(os.environ.get("RADIANT_CONFIG", "radiant.toml"))


class Settings(BaseSettings):
    """Everything an installation configures."""

    model_config = SettingsConfigDict(
        env_prefix="RADIANT_", extra="ignore", validate_default=True
    )

    # -- Znuny GenericInterface -------------------------------------------------------------
    znuny_url: str = Field(
        "http://127.0.0.1:8081",
        description="Base URL of Znuny's web server, without the script path.",
    )
    znuny_script_path: str = Field(
        "", description="Script alias such as otrs/ or znuny/; empty: from the route set "
        "(auto: znuny/, then otrs/)."
    )
    znuny_webservice: str = "GenericTicketConnectorREST"
    znuny_route_set: Literal["auto", "otrs6", "znuny", "znuny-r2a"] = Field(
        "auto", description="The web service's routes; auto: asked of the server once per "
        "process (docs/client.md)."
    )
    znuny_user: str = Field("", description="Agent login the companion uses.")
    znuny_password: SecretStr = SecretStr("")
    znuny_timeout: float = Field(15.0, gt=0)
    znuny_verify_tls: bool | str = True
    znuny_routes: dict[str, str] = Field(
        default_factory=dict,
        description='Route overrides by GI operation, "METHOD /path" (e.g. TicketSearchPOST = '
        '"POST /Ticket/Search"); see docs/client.md.',
    )
    znuny_db_url: SecretStr | None = Field(
        None, description="Optional read-only connection to Znuny's database (metadata)."
    )

    # -- local store ------------------------------------------------------------------------
    data_dir: Path = Path("radiant-data")
    database_url: str = Field("", description="SQLAlchemy URL; empty = SQLite in data_dir.")

    # -- sync (radiant-ext sync) ------------------------------------------------------------
    sync_lease_seconds: int = Field(
        30, ge=2, description="Leader lease; a standby `radiant-ext sync` takes over after it."
    )
    sync_intervals: dict[str, int] = Field(
        default_factory=dict, description="Seconds between runs by job id (overrides defaults)."
    )
    outbox_retry_seconds: float = Field(15.0, gt=0, description="First outbox retry delay.")
    portal_submit_wait_seconds: float = Field(
        0.0, ge=0, le=10,
        description="How long the portal's confirmation may wait for Znuny to file a request "
                    "(0: not at all — the confirmation shows the reference at once and the "
                    "number when Znuny has answered). A wait holds a web thread that Znuny's "
                    "webhook call may need: keep it 0 when the webhook is served by the same "
                    "workers.")
    outbox_retry_max_seconds: float = Field(1800.0, gt=0, description="Longest retry delay.")
    sync_pull_overlap_seconds: int = Field(120, ge=0, description="Ticket pull overlap window.")
    deadline_warn_share: float = Field(0.75, gt=0, lt=1, description="Warn at this share.")
    state_limits_hours: dict[str, float] = Field(
        default_factory=lambda: {"pending reminder": 72.0},
        description="Flag tickets staying longer than this in a state (state name → hours).",
    )

    # -- portal -----------------------------------------------------------------------------
    secret_key: SecretStr = SecretStr("")
    default_language: Literal["en", "ru"] = "en"
    reopen_window_days: int = Field(7, ge=0)
    max_attachment_bytes: int = Field(10 * 1024 * 1024, gt=0)
    webhook_user: str = "znuny"
    webhook_secret: SecretStr = SecretStr("")

    # -- catalogs, stores and plugins -------------------------------------------------------
    catalog_dirs: list[Path] = Field(
        default_factory=list,
        description="Folders of catalog YAML files; their `stores:` (with the stores' "
        "calendars) make up the store directory (docs/catalogs.md, Stores).",
    )
    blocked_plugins: list[str] = Field(default_factory=list)
    default_time_zone: TimeZoneName = Field(
        "Europe/Moscow",
        description="Time zone of a store whose directory entry names none, and of a store "
        "the directory does not know.",
    )

    # -- reports ----------------------------------------------------------------------------
    reports: dict[str, Any] = Field(
        default_factory=dict,
        description="The [reports] table: managers per company, time zone, penalty rules "
        "(validated by radiant_ext.reports.ReportSettings; see docs/reports.md).",
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


def load_settings(**overrides: Any) -> Settings:
    """Build :class:`Settings`; validation problems become one readable :class:`ConfigError`."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc
