"""Who may use the admin area: the ``[admin]`` table of the settings.

::

    [admin]
    companion_admins = ["radiant-admin"]          # see and change every department
    department_admins = { hr = ["hr-agent"], it = ["it-agent", "demo-agent"] }

Logins are Znuny agent logins; an agent proves who they are with their Znuny password on
``/admin/login`` (the reports' agent login, shared). A key the table does not know, or a
department no installed plugin declares, stops the portal with one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from radiant_ext.errors import ConfigError

if TYPE_CHECKING:
    from radiant_ext.config import Settings

__all__ = ["AdminRole", "AdminSettings", "AdminSettingsError", "admin_settings"]


class AdminSettingsError(ConfigError):
    """The ``[admin]`` table cannot be used (one line naming the problem)."""


class AdminSettings(BaseModel):
    """The validated ``[admin]`` table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    companion_admins: list[str] = Field(
        default_factory=list, description="Agent logins that see and change everything.")
    department_admins: dict[str, list[str]] = Field(
        default_factory=dict, description="Department id → agent logins of its admins.")

    def role(self, login: str | None) -> AdminRole | None:
        """The role of agent ``login``, ``None`` when it administers nothing."""
        if not login:
            return None
        if login in self.companion_admins:
            return AdminRole(login, companion=True)
        mine = frozenset(d for d, logins in self.department_admins.items() if login in logins)
        return AdminRole(login, companion=False, departments=mine) if mine else None

    def check_departments(self, known: Iterable[str]) -> None:
        """Refuse a department no installed plugin declares (a typo would give nobody
        rights, silently).

        :raises AdminSettingsError: naming the first unknown department and the known ones.
        """
        known = sorted(known)
        unknown = sorted(set(self.department_admins) - set(known))
        if unknown:
            raise AdminSettingsError(
                f"invalid admin settings: admin.department_admins: unknown department "
                f"{unknown[0]!r} (known: {', '.join(known) or 'none'})")


@dataclass(frozen=True)
class AdminRole:
    """An agent of the admin area: a companion admin, or the admin of some departments."""

    login: str
    companion: bool = False
    departments: frozenset[str] = frozenset()

    def may(self, department: str) -> bool:
        """Whether this agent may see and change ``department``."""
        return self.companion or department in self.departments

    def mine(self, departments: Iterable[str]) -> list[str]:
        """The ``departments`` this agent may see, in their order."""
        return [d for d in departments if self.may(d)]


def admin_settings(settings: Settings) -> AdminSettings:
    """Validate ``settings.admin``.

    :raises AdminSettingsError: with every problem on one line.
    """
    try:
        return AdminSettings.model_validate(settings.admin)
    except ValidationError as exc:
        problems = "; ".join(
            f"admin.{'.'.join(str(p) for p in err['loc']) or 'table'}: {err['msg']}"
            for err in exc.errors())
        raise AdminSettingsError(
            f"invalid admin settings: {problems} (allowed: companion_admins = [agent logins], "
            "department_admins = {department = [agent logins]}; docs/admin.md)") from exc
