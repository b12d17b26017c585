"""Implementations of the portal's ports with the client, the plugins and the store.

:func:`build_services` wires them from :class:`~radiant_ext.config.Settings`; the app factory
calls it when no ``PORTAL_SERVICES`` are configured.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from radiant_ext.client import Ticket
from radiant_ext.config import Settings
from radiant_ext.plugins.models import RecentIncidents
from radiant_ext.portal.adapters.agents import AgentNames
from radiant_ext.portal.adapters.approvals import StoreApprovals
from radiant_ext.portal.adapters.auth import ZnunyCustomerAuth, customer_from_session
from radiant_ext.portal.adapters.bundles import StoreBundles
from radiant_ext.portal.adapters.catalog import PluginCatalog
from radiant_ext.portal.adapters.listing import AutoLister, CacheLister, LiveLister
from radiant_ext.portal.adapters.submission import OutboxSubmission, build_ticket
from radiant_ext.portal.adapters.tickets import ZnunyTickets
from radiant_ext.portal.ports import Customer, PortalServices, TicketMove
from radiant_ext.portal.request_store import RequestSessions

if TYPE_CHECKING:
    from radiant_ext.runtime import Runtime

__all__ = [
    "AgentNames",
    "AutoLister",
    "CacheLister",
    "LiveLister",
    "OutboxSubmission",
    "PluginCatalog",
    "ZnunyCustomerAuth",
    "ZnunyTickets",
    "build_services",
    "build_ticket",
    "cache_writer",
    "customer_from_session",
    "language_recorder",
    "move_recorder",
    "state_times",
]


def build_services(settings: Settings, runtime: Runtime | None = None) -> PortalServices:
    """Connect the portal to Znuny, the plugins and the local store described by ``settings``.

    The store must be migrated (``radiant-ext db upgrade``).

    :param runtime: the worker's runtime (engine, agent client, plugins); one is built from
        ``settings`` when not given. Closing the services closes it.

    :raises radiant_ext.store.MigrationError: when the store's schema is not current.
    """
    from radiant_ext.client import CustomerCredentials, ZnunyClient
    from radiant_ext.runtime import Runtime
    from radiant_ext.store import check_schema, make_engine
    from radiant_ext.sync.outbox import RetryPolicy

    runtime = runtime or Runtime(settings)  # the worker's engine, agent client and plugins
    check_schema(runtime.engine)
    sessions = runtime.sessions
    agent = runtime.client
    closers: list[Callable[[], object]] = [runtime.close]

    def customer_client(credentials: CustomerCredentials) -> ZnunyClient:
        return ZnunyClient.from_settings(settings, credentials=credentials)

    plugins = runtime.plugins
    agent_name: Callable[[str], str] = str
    if settings.znuny_db_url is not None:  # agents' names live only in Znuny's database
        znuny_db = make_engine(settings.znuny_db_url.get_secret_value())
        closers.append(znuny_db.dispose)
        agent_name = AgentNames(znuny_db)
    # a list page's reads share the request's one connection with the session row
    tickets = ZnunyTickets(agent, AutoLister(RequestSessions(runtime.engine),
                                             LiveLister(agent)), agent_name,
                           changed=cache_writer(sessions), state_since=state_times(sessions),
                           expect_move=move_recorder(sessions))
    submissions = OutboxSubmission(
        sessions, agent, plugins.ticket_created,
        wait_seconds=settings.portal_submit_wait_seconds,
        retry=RetryPolicy.backing_off(settings.outbox_retry_seconds,
                                      settings.outbox_retry_max_seconds))
    closers.insert(0, submissions.close)  # finish the sends before the client closes
    return PortalServices(
        auth=ZnunyCustomerAuth(customer_client, agent),
        catalog=PluginCatalog(plugins, _recent_incidents(sessions)),
        submissions=submissions,
        tickets=tickets,
        blueprints=plugins.portal_blueprints(),
        template_folders=[str(p) for p in plugins.template_folders()],
        closers=closers,
        languages=language_recorder(sessions),
        approvals=StoreApprovals(sessions, agent, plugins, settings.default_time_zone),
        bundles=StoreBundles(sessions, plugins),
    )


def cache_writer(sessions: sessionmaker[Session]) -> Callable[[Ticket], None]:
    """Write one ticket, as Znuny has it now, into the ticket cache (no plugin is told)."""
    from radiant_ext.sync.tickets import upsert_tickets

    def write(ticket: Ticket) -> None:
        with sessions.begin() as session:
            upsert_tickets(session, [ticket])

    return write


def state_times(sessions: sessionmaker[Session]) -> Callable[[int, str], datetime | None]:
    """When a ticket entered a state, as the ticket cache knows it (``None``: the cache has
    the ticket in another state, or not at all)."""
    from sqlalchemy import select

    from radiant_ext.store import TicketCache

    def since(ticket_id: int, state: str) -> datetime | None:
        with sessions() as session:
            row = session.execute(select(TicketCache.state, TicketCache.state_since)
                                  .where(TicketCache.ticket_id == ticket_id)).first()
        return row.state_since if row is not None and row.state == state else None

    return since


def move_recorder(sessions: sessionmaker[Session]
                  ) -> Callable[[Customer, int, TicketMove], None]:
    """Record in the store, before a requester's move is sent, that it is theirs (the
    workflow guard lets it through) and the language they use (reminders to them use it)."""
    from radiant_ext.store import expect_customer_move, remember_language

    def record(customer: Customer, ticket_id: int, move: TicketMove) -> None:
        now = datetime.now(UTC)
        with sessions.begin() as session:
            expect_customer_move(session, ticket_id, move.from_state, move.to_state,
                                 customer.login, now)
            remember_language(session, customer.login, move.language, now)

    return record


def language_recorder(sessions: sessionmaker[Session]) -> Callable[[str, str], None]:
    """Record the language a customer uses the portal in (at login)."""
    from radiant_ext.store import remember_language

    def record(login: str, language: str) -> None:
        with sessions.begin() as session:
            remember_language(session, login, language, datetime.now(UTC))

    return record


def _recent_incidents(sessions: sessionmaker[Session]) -> RecentIncidents:
    from radiant_ext.store import session_scope
    from radiant_ext.webhook import recent_incidents_from_store

    return recent_incidents_from_store(lambda: session_scope(sessions))
