"""Who may see reports, and which figures.

* **Agents** log in on the reports' own login page with their Znuny agent login and
  password (a GenericInterface ``SessionCreate``). The GI session is kept on the server, in
  the portal's session store, and asked about with ``SessionGet`` at most every
  ``PORTAL_SESSION_CHECK_SECONDS``: when Znuny no longer knows it (removed, expired) or the
  agent is no longer valid, the reports are closed to that browser. If ``reports.agents``
  lists logins, only those are let in. Agents see every company.
* **Customer managers** are portal customers whose login is listed for their own company in
  ``reports.managers`` (``{"store-007": ["store-manager"]}``). They see only tickets whose
  customer company is their own; the store filter is not offered to them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from radiant_ext.reports.errors import ReportError
from radiant_ext.reports.settings import ReportSettings

if TYPE_CHECKING:
    from radiant_ext.client import ZnunyClient
    from radiant_ext.config import Settings

__all__ = [
    "AgentAuth",
    "PasswordCheck",
    "ReportViewer",
    "ZnunyAgentAuth",
    "agent_auth_from",
    "resolve_viewer",
    "znuny_agent_auth",
]

log = logging.getLogger(__name__)


class AgentAuth(Protocol):
    """Agent logins for the reports, and whether they still stand."""

    def login(self, login: str, password: str) -> str | None:
        """Open an agent session: its GI session id, or ``None`` when the login or the
        password is wrong. :raises ReportError: when Znuny cannot be reached."""

    def alive(self, gi_session_id: str, login: str) -> bool:
        """Whether Znuny still knows the session as a valid agent ``login``.
        :raises ReportError: when Znuny cannot be reached."""


PasswordCheck = Callable[[str, str], bool]
"""``(login, password) -> accepted``: the simple form ``REPORTS_AGENT_AUTH`` may take."""


class _CheckedOnce:
    """An :class:`AgentAuth` from a :data:`PasswordCheck` (tests, benchmarks): it has no
    session in Znuny to ask about later, so a session ends only at logout or its lifetime."""

    def __init__(self, check: PasswordCheck) -> None:
        self._check = check

    def login(self, login: str, password: str) -> str | None:
        return "" if self._check(login, password) else None

    def alive(self, gi_session_id: str, login: str) -> bool:
        return True


def agent_auth_from(value: Any) -> AgentAuth:
    """``value`` as an :class:`AgentAuth`: one already, or a :data:`PasswordCheck`."""
    if callable(getattr(value, "login", None)) and callable(getattr(value, "alive", None)):
        return value  # type: ignore[no-any-return]
    if callable(value):
        return _CheckedOnce(value)
    raise TypeError("REPORTS_AGENT_AUTH must be an AgentAuth or a (login, password) callable")


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


class ZnunyAgentAuth:
    """:class:`AgentAuth` over Znuny's GenericInterface.

    ``login`` is the agent's own ``SessionCreate``; ``alive`` is a ``SessionGet`` through the
    companion's client (it needs no login): the session must exist, belong to an agent
    (``UserType`` ``User``) of that login and, where Znuny says, the agent be valid.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._checker: ZnunyClient | None = None

    def login(self, login: str, password: str) -> str | None:
        from radiant_ext.client import AgentCredentials, ZnunyClient
        from radiant_ext.client.errors import AuthenticationError, ZnunyError

        client = ZnunyClient.from_settings(
            self._settings, credentials=AgentCredentials(login, password))
        try:
            return client.session_create()
        except AuthenticationError:
            return None
        except ZnunyError as exc:
            log.warning("agent login for reports failed: %s", exc)
            raise ReportError("the help desk cannot be reached right now") from exc
        finally:
            client.close()

    def alive(self, gi_session_id: str, login: str) -> bool:
        from radiant_ext.client.errors import (
            AuthenticationError,
            SessionInvalidError,
            ZnunyError,
        )

        try:
            info = self._client().session_get(gi_session_id)
        except (SessionInvalidError, AuthenticationError):
            return False
        except ZnunyError as exc:
            raise ReportError("the help desk cannot be reached right now") from exc
        valid = str(info.data.get("ValidID", "1")) == "1"
        return info.user_type == "User" and info.user_login == login and valid

    def _client(self) -> ZnunyClient:
        from radiant_ext.client import ZnunyClient

        with self._lock:
            if self._checker is None:
                self._checker = ZnunyClient.from_settings(self._settings)
            return self._checker


def znuny_agent_auth(settings: Settings) -> AgentAuth:
    """An :class:`AgentAuth` that asks Znuny (see :class:`ZnunyAgentAuth`)."""
    return ZnunyAgentAuth(settings)
