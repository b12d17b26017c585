"""Who the client logs in as: an agent or a customer user (passwords never in ``repr``)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AgentCredentials", "Credentials", "CustomerCredentials"]


@dataclass(frozen=True)
class _Login:
    login: str
    password: str = field(repr=False)

    #: Znuny's request key for this kind of login.
    login_key = ""

    def as_payload(self) -> dict[str, str]:
        """``{"UserLogin": …, "Password": …}`` as SessionCreate and per-request auth expect."""
        return {self.login_key: self.login, "Password": self.password}


@dataclass(frozen=True)
class AgentCredentials(_Login):
    """An agent login (``UserLogin``); the companion normally uses one dedicated agent."""

    login_key = "UserLogin"


@dataclass(frozen=True)
class CustomerCredentials(_Login):
    """A customer-user login (``CustomerUserLogin``); see genericinterface.md §5 for limits."""

    login_key = "CustomerUserLogin"


Credentials = AgentCredentials | CustomerCredentials
