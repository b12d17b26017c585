"""A typed client for Znuny's / OTRS CE 6's GenericInterface (GenericTicketConnectorREST).

>>> client = ZnunyClient("https://znuny.example", route_set="znuny",
...                      credentials=AgentCredentials("radiant", "secret"))  # doctest: +SKIP
>>> client.ticket_get(42, all_articles=True).articles[0].subject  # doctest: +SKIP

See docs/client.md for route sets, sessions, retries, paging and the error tree.
"""

from __future__ import annotations

from radiant_ext.client import errors
from radiant_ext.client._transport import RetryPolicy
from radiant_ext.client.client import TICKET_NUMBER_ROUTE_PLACEHOLDER, ZnunyClient
from radiant_ext.client.credentials import AgentCredentials, Credentials, CustomerCredentials
from radiant_ext.client.meta import (
    META_SECTIONS,
    MetaAgent,
    MetaCustomerCompany,
    MetaDynamicField,
    MetaNamed,
    MetaQueue,
    MetaService,
    MetaSLA,
    MetaState,
    ZnunyMeta,
)
from radiant_ext.client.models import (
    Article,
    Attachment,
    DynamicFieldValue,
    HistoryEntry,
    NewArticle,
    NewAttachment,
    NewTicket,
    PendingTime,
    SessionInfo,
    Ticket,
    TicketChanges,
    TicketCreated,
    TicketUpdated,
)
from radiant_ext.client.routes import OPERATIONS, ROUTE_SETS, Route, RouteSet
from radiant_ext.client.search import DynamicFieldFilter, TicketSearchFilter

__all__ = [
    "AgentCredentials",
    "Article",
    "Attachment",
    "Credentials",
    "CustomerCredentials",
    "DynamicFieldFilter",
    "DynamicFieldValue",
    "HistoryEntry",
    "META_SECTIONS",
    "MetaAgent",
    "MetaCustomerCompany",
    "MetaDynamicField",
    "MetaNamed",
    "MetaQueue",
    "MetaSLA",
    "MetaService",
    "MetaState",
    "NewArticle",
    "NewAttachment",
    "NewTicket",
    "OPERATIONS",
    "PendingTime",
    "ROUTE_SETS",
    "RetryPolicy",
    "Route",
    "RouteSet",
    "SessionInfo",
    "TICKET_NUMBER_ROUTE_PLACEHOLDER",
    "Ticket",
    "TicketChanges",
    "TicketCreated",
    "TicketSearchFilter",
    "TicketUpdated",
    "ZnunyClient",
    "ZnunyMeta",
    "errors",
]
