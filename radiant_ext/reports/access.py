"""Who may see reports, and which figures.

* **Agents** log in on the reports' own login page with their Znuny agent login and
  password (checked by a GenericInterface ``SessionCreate``; the session is removed at once).
  If ``reports.agents`` lists logins, only those are let in. Agents see every company.
* **Customer managers** are portal customers whose login is listed for their own company in
  ``reports.managers`` (``{"store-007": ["store-manager"]}``). They see only tickets whose
  customer company is their own; the store filter is not offered to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from radiant_ext.errors import RadiantError
from radiant_ext.reports.errors import ReportError
from radiant_ext.reports.settings import ReportSettings

if TYPE_CHECKING:
    from radiant_ext.config import Settings

__all__ = ["AgentAuth", "ReportViewer", "resolve_viewer", "znuny_agent_auth"]

log = logging.getLogger(__name__)

AgentAuth = Callable[[str, str], bool]
"""``(login, password) -> accepted``; raises :class:`ReportError` when Znuny is unreachable."""


@dataclass(frozen=True)
class ReportViewer:
    """Someone allowed to see reports; ``company`` limits a manager to their own figures."""

    login: str
    kind: Literal["agent", "manager"]
    company: str | None = None


def resolve_viewer(settings: ReportSettings, *, agent: str | None, customer_login: str | None,
                   customer_company: str | None) -> ReportViewer | None:
    """The viewer behind a request, or ``None`` when it may not see reports.

    :param agent: the agent login remembered by the reports' login, if any.
    :param customer_login: the logged-in portal customer, if any.
    :param customer_company: that customer's company (customer id).
    """
    if agent and (not settings.agents or agent in settings.agents):
        return ReportViewer(agent, "agent")
    if customer_login and customer_company:
        company = settings.managed_company(customer_login, customer_company)
        if company:
            return ReportViewer(customer_login, "manager", company)
    return None


def znuny_agent_auth(settings: Settings) -> AgentAuth:
    """An :data:`AgentAuth` that asks Znuny (agent ``SessionCreate``) about the password."""

    def check(login: str, password: str) -> bool:
        from radiant_ext.client import AgentCredentials, ZnunyClient
        from radiant_ext.client.errors import AuthenticationError, ZnunyError

        client = ZnunyClient.from_settings(
            settings, credentials=AgentCredentials(login, password))
        try:
            client.session_create()
        except AuthenticationError:
            return False
        except ZnunyError as exc:
            log.warning("agent login for reports failed: %s", exc)
            raise ReportError("the help desk cannot be reached right now") from exc
        try:
            client.session_remove()  # tidy up where the route set has SessionRemove
        except RadiantError:
            pass
        finally:
            client.close()
        return True

    return check
