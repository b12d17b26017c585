"""Customer login through a GI customer ``SessionCreate``; liveness through ``SessionGet``."""

from __future__ import annotations

from collections.abc import Callable

from radiant_ext.client import CustomerCredentials, SessionInfo, ZnunyClient
from radiant_ext.client.errors import (
    AuthenticationError,
    SessionInvalidError,
    ZnunyConnectionError,
    ZnunyError,
)
from radiant_ext.portal.ports import Customer, InvalidCredentials, UpstreamUnavailable

__all__ = ["ZnunyCustomerAuth", "customer_from_session"]


def customer_from_session(info: SessionInfo, login: str) -> Customer:
    """The :class:`Customer` a customer session describes (contract otrs-ce-6 007)."""
    data = info.data
    name = str(data.get("UserFullname") or "").strip() or " ".join(
        str(data.get(k) or "") for k in ("UserFirstname", "UserLastname")
    ).strip()
    return Customer(
        login=str(data.get("UserLogin") or login),
        customer_id=info.customer_id or "",
        full_name=name,
        email=str(data.get("UserEmail") or ""),
    )


class ZnunyCustomerAuth:
    """:class:`~radiant_ext.portal.ports.CustomerAuthPort` over the GI.

    :param customer_client: builds a client that logs in with the given customer credentials.
    :param agent: the companion's client, used for ``SessionGet`` (it needs no login).
    """

    def __init__(
        self,
        customer_client: Callable[[CustomerCredentials], ZnunyClient],
        agent: ZnunyClient,
    ) -> None:
        self._customer_client = customer_client
        self._agent = agent

    def login(self, login: str, password: str) -> tuple[str, Customer]:
        client = self._customer_client(CustomerCredentials(login, password))
        try:
            session_id = client.session_create()
            info = client.session_get(session_id)
        except AuthenticationError as exc:
            raise InvalidCredentials(login) from exc
        except ZnunyConnectionError as exc:
            raise UpstreamUnavailable(str(exc)) from exc
        except ZnunyError as exc:
            raise UpstreamUnavailable(f"SessionCreate failed: {exc}") from exc
        finally:
            client.close()
        if not info.is_customer:
            raise InvalidCredentials(login)
        return session_id, customer_from_session(info, login)

    def alive(self, gi_session_id: str) -> bool:
        try:
            info = self._agent.session_get(gi_session_id)
        except (SessionInvalidError, AuthenticationError):
            return False
        except ZnunyError as exc:
            raise UpstreamUnavailable(str(exc)) from exc
        return info.is_customer
