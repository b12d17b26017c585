"""``ZnunyClient``: typed operations of the GenericTicketConnector web service.

Operation methods are thin: build Znuny's request from a model, call ``_request`` (see
:mod:`radiant_ext.client._core`), validate the answer into a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from radiant_ext.client._base import collector_paused, format_znuny_datetime
from radiant_ext.client._core import ClientCore, _decode
from radiant_ext.client._paging import iter_search
from radiant_ext.client.credentials import AgentCredentials
from radiant_ext.client.errors import (
    NotFoundError,
    PermissionDeniedError,
    ResponseValidationError,
    RouteNotConfiguredError,
)
from radiant_ext.client.meta import META_SECTIONS, ZnunyMeta
from radiant_ext.client.models import (
    DynamicFieldValue,
    HistoryEntry,
    NewArticle,
    NewAttachment,
    NewTicket,
    SessionInfo,
    Ticket,
    TicketAnswer,
    TicketChanges,
    TicketCreated,
    TicketUpdated,
    one_or_many,
)
from radiant_ext.client.routes import PACKAGE_ROUTES, parse_route_overrides
from radiant_ext.client.search import TicketSearchFilter

if TYPE_CHECKING:
    from radiant_ext.config import Settings

__all__ = ["TICKET_NUMBER_ROUTE_PLACEHOLDER", "ZnunyClient"]

M = TypeVar("M", bound=BaseModel)

#: What goes into a ``:TicketID`` route segment when a ticket is updated by number only:
#: Znuny takes ``TicketNumber`` from the body and ignores the segment (contract otrs-ce-6 061).
TICKET_NUMBER_ROUTE_PLACEHOLDER = "999999"

DynamicFieldsArg = (
    Mapping[str, str | list[str] | datetime | None]
    | Sequence[DynamicFieldValue]
    | DynamicFieldValue
)
AttachmentsArg = Sequence[NewAttachment] | NewAttachment
ArticleArg = NewArticle | Sequence[NewArticle]


def _validate(model: type[M], data: Any, operation: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ResponseValidationError(
            f"unexpected {operation} answer: {exc.error_count()} problem(s): "
            f"{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}",
            operation=operation, status=200,
        ) from exc


def _tickets(operation: str, response: requests.Response) -> list[Ticket]:
    """TicketGet's tickets, validated straight from the answer's UTF-8 bytes.

    Any other answer (an error, a body that is not JSON, a ticket that does not validate, another
    charset) is decoded and validated ticket by ticket as every other answer is, which raises
    the error it stands for — with the same message as ever.
    """
    if response.status_code == 200 and (response.encoding or "utf-8").lower() in _UTF8:
        try:
            with collector_paused():
                answer = TicketAnswer.model_validate_json(response.content)
        except ValidationError:
            pass
        else:
            if "error" not in answer.model_fields_set:
                return answer.tickets
    data = _decode(operation, response)
    raw = data.get("Ticket", [])
    items = raw if isinstance(raw, list) else [raw]
    return [_validate(Ticket, item, operation) for item in items]


_UTF8 = ("utf-8", "utf8")


def _df_payload(fields: DynamicFieldsArg) -> Any:
    """Znuny's ``DynamicField`` value: a single field as object, several as list."""
    if isinstance(fields, DynamicFieldValue):
        return fields.to_znuny()
    if isinstance(fields, Mapping):
        return [
            {"Name": name, "Value": format_znuny_datetime(v) if isinstance(v, datetime) else v}
            for name, v in fields.items()
        ]
    return [f.to_znuny() for f in fields]


def _write_payload(
    article: ArticleArg | None,
    dynamic_fields: DynamicFieldsArg,
    attachments: AttachmentsArg,
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if article is not None:
        payload["Article"] = one_or_many(article)
    if dynamic_fields:
        payload["DynamicField"] = _df_payload(dynamic_fields)
    if attachments:
        payload["Attachment"] = one_or_many(attachments)
    return payload


def _get_flags(
    *,
    all_articles: bool,
    dynamic_fields: bool,
    attachments: bool,
    attachment_contents: bool,
    extended: bool,
    article_limit: int | None,
    article_order: Literal["ASC", "DESC"] | None,
    article_sender_types: Sequence[str] | None,
    html_body_as_attachment: bool,
) -> dict[str, Any]:
    flags: dict[str, Any] = {}
    if all_articles:
        flags["AllArticles"] = 1
    if article_limit is not None:
        flags["ArticleLimit"] = article_limit
    if article_order is not None:
        flags["ArticleOrder"] = article_order
    if article_sender_types:
        flags["ArticleSenderType"] = list(article_sender_types)
    if dynamic_fields:
        flags["DynamicFields"] = 1
    if attachments:
        flags["Attachments"] = 1
    if not attachment_contents:
        flags["GetAttachmentContents"] = 0
    if extended:
        flags["Extended"] = 1
    if html_body_as_attachment:
        flags["HTMLBodyAsAttachment"] = 1
    return flags


def _filter(search: TicketSearchFilter | None, filters: dict[str, Any]) -> TicketSearchFilter:
    if search is not None and filters:
        raise TypeError("give a TicketSearchFilter or keyword filters, not both")
    return search if search is not None else TicketSearchFilter(**filters)


class ZnunyClient(ClientCore):
    """A typed client for Znuny's / OTRS CE 6's GenericTicketConnector REST web service.

    :param base_url: scheme and host (and port) of Znuny's web server.
    :param webservice: web service name (or give ``webservice_id``).
    :param route_set: ``"otrs6"``, ``"znuny"``, ``"znuny-r2a"`` or a :class:`RouteSet`.
    :param routes: per-operation overrides, ``{"TicketSearchPOST": ("POST", "/Ticket/Search")}``
        (or ``"POST /Ticket/Search"``).
    :param script_path: ``otrs/`` or ``znuny/``; defaults to the route set's.
    :param credentials: :class:`AgentCredentials` or :class:`CustomerCredentials`.
    :param session_id: start with this existing session (renewed with ``credentials`` if set).
    :param auth_mode: ``"session"`` (SessionCreate once, then SessionID) or ``"credentials"``
        (login and password in every request).
    :param header_auth: send SessionID / login / password as ``X-OTRS-Header-*`` headers
        (keeps secrets out of URLs and Znuny's access log): ``True``, ``False`` or ``"auto"``
        (asked of the server once per endpoint: Znuny 6.5 and 7.0 read them, OTRS 6.0 does
        not). ``from_settings`` takes ``RADIANT_ZNUNY_SESSION_IN_HEADER`` (default auto).
    :param timeout: seconds, or ``(connect, read)``.
    :param retry: :class:`RetryPolicy`; writes are retried only when nothing was sent.
    :param verify: TLS verification: ``True``, ``False`` or a CA-bundle path.
    :param cert: client certificate path, or ``(cert, key)``.
    :param pool_size: idle keep-alive connections kept for reuse (shared by all threads).
    :raises MissingCredentialsError: with neither credentials nor a session id.
    :raises UnknownRouteSetError: for an unknown route set name.
    """

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ZnunyClient:
        """A client configured from :class:`radiant_ext.config.Settings` (keywords override).

        ``settings.znuny_routes`` (operation → ``"METHOD /path"``) are route overrides; a
        ``routes=`` keyword is applied on top of them, operation by operation.

        :raises RouteNotConfiguredError: naming the operation whose route cannot be used.
        """
        password = settings.znuny_password.get_secret_value()
        routes = parse_route_overrides(settings.znuny_routes)
        routes.update(parse_route_overrides(overrides.pop("routes", None) or {}))
        kwargs: dict[str, Any] = {
            "webservice": settings.znuny_webservice,
            "route_set": settings.znuny_route_set,
            "routes": routes or None,
            "script_path": settings.znuny_script_path or None,
            "timeout": settings.znuny_timeout,
            "verify": settings.znuny_verify_tls,
            "header_auth": settings.znuny_session_in_header,
            "credentials": (
                AgentCredentials(settings.znuny_user, password) if settings.znuny_user else None
            ),
        }
        kwargs.update(overrides)
        return cls(settings.znuny_url, **kwargs)

    def __enter__(self) -> ZnunyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- sessions -------------------------------------------------------------------------

    def session_create(self) -> str:
        """Log in with the configured credentials and use the new session from now on."""
        sid = self._login()
        with self._session_lock:
            self._session_id = sid
        return sid

    def session_get(self, session_id: str | None = None) -> SessionInfo:
        """What Znuny knows about a session (default: the client's current one).

        :raises SessionInvalidError: when the session does not exist (any more).
        """
        sid = session_id or self._current_session()
        data = self._request("SessionGet", {"SessionID": sid}, auth="none")
        return _validate(SessionInfo, data, "SessionGet")

    def session_remove(self, session_id: str | None = None) -> None:
        """Delete a session (default: the current one); Znuny only, needs a route for it.

        SessionRemove authenticates with login and password (contract znuny 047–050).
        """
        self.routes.route("SessionRemove")
        self._need_credentials("SessionRemove")
        sid = session_id or self._session_id
        if sid is None:
            return
        self._request("SessionRemove", {"SessionID": sid}, auth="credentials")
        with self._session_lock:
            if self._session_id == sid:
                self._session_id = None

    # -- tickets --------------------------------------------------------------------------

    def ticket_create(
        self,
        ticket: NewTicket,
        article: ArticleArg | None = None,
        dynamic_fields: DynamicFieldsArg = (),
        attachments: AttachmentsArg = (),
    ) -> TicketCreated:
        """Create a ticket. Never retried once sent: Znuny has no idempotency key.

        A single model is sent as a JSON object, a sequence as a list (Znuny accepts both;
        several articles need Znuny ≥ 7.0.19). Attachments need an article.
        """
        payload = {"Ticket": ticket.to_znuny(), **_write_payload(
            article, dynamic_fields, attachments)}
        return _validate(TicketCreated, self._request("TicketCreate", payload), "TicketCreate")

    def ticket_get(
        self,
        ticket_id: int,
        *,
        all_articles: bool = False,
        dynamic_fields: bool = False,
        attachments: bool = False,
        attachment_contents: bool = True,
        extended: bool = False,
        article_limit: int | None = None,
        article_order: Literal["ASC", "DESC"] | None = None,
        article_sender_types: Sequence[str] | None = None,
        html_body_as_attachment: bool = False,
    ) -> Ticket:
        """One ticket. Znuny reports unknown IDs as :class:`PermissionDeniedError`."""
        flags = _get_flags(
            all_articles=all_articles, dynamic_fields=dynamic_fields, attachments=attachments,
            attachment_contents=attachment_contents, extended=extended,
            article_limit=article_limit, article_order=article_order,
            article_sender_types=article_sender_types,
            html_body_as_attachment=html_body_as_attachment,
        )
        tickets = self._get_batch("TicketGet", {"TicketID": str(ticket_id), **flags})
        if not tickets:
            raise NotFoundError(f"no ticket {ticket_id} in the answer", operation="TicketGet")
        return tickets[0]

    def _get_batch(self, operation: str, payload: Mapping[str, Any]) -> list[Ticket]:
        return self._request_as(operation, payload, _tickets)

    def ticket_get_many(
        self,
        ticket_ids: Iterable[int],
        *,
        chunk_size: int = 100,
        workers: int = 1,
        list_route: bool = False,
        repeat_ids: bool = False,
        skip_denied: bool = True,
        **flags: Any,
    ) -> list[Ticket]:
        """Several tickets in batches of ``chunk_size`` (one request per batch).

        100 IDs keep a URL under 1 KB (Apache's limit is 8 KB) and cost no more server time
        per ticket than smaller batches; see docs/performance.md.

        Znuny fails a whole batch when one ID is not accessible (contract otrs-ce-6 049);
        such a batch is retried ID by ID, and denied IDs are skipped (or raise, with
        ``skip_denied=False``). The result keeps the order of ``ticket_ids``.

        :param workers: batches fetched at the same time (threads; each has its own
            keep-alive connection). Keep it at or below the server's worker count.
        :param list_route: use the ``TicketGetList`` route (``/TicketList?TicketID=…``)
            instead of ``/Ticket/1,2,3``.
        :param repeat_ids: on the list route, repeat ``TicketID=`` instead of a comma list.
        :param flags: the keyword flags of :meth:`ticket_get`.
        """
        if chunk_size < 1 or workers < 1:
            raise ValueError("chunk_size and workers must be at least 1")
        ids = [int(i) for i in ticket_ids]
        options = _get_flags(**{**_DEFAULT_FLAGS, **flags})
        operation = "TicketGetList" if list_route else "TicketGet"
        self.routes.route(operation)
        chunks = [ids[start:start + chunk_size] for start in range(0, len(ids), chunk_size)]

        def fetch(chunk: list[int]) -> list[Ticket]:
            return self._get_chunk(operation, chunk, options, list_route and repeat_ids,
                                   skip_denied)

        with collector_paused():  # once for all batches: see collector_paused
            if workers == 1 or len(chunks) < 2:
                batches = [fetch(chunk) for chunk in chunks]
            else:
                with ThreadPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
                    batches = list(pool.map(fetch, chunks))
        return [ticket for batch in batches for ticket in batch]

    def _get_chunk(
        self, operation: str, chunk: list[int], options: dict[str, Any], repeat: bool,
        skip_denied: bool,
    ) -> list[Ticket]:
        id_value: Any = [str(i) for i in chunk] if repeat else ",".join(str(i) for i in chunk)
        try:
            return self._get_batch(operation, {"TicketID": id_value, **options})
        except PermissionDeniedError:
            if len(chunk) == 1 and skip_denied:
                return []
            if len(chunk) == 1:
                raise
            return self._one_by_one(operation, chunk, options, skip_denied)

    def _one_by_one(
        self, operation: str, ids: list[int], options: dict[str, Any], skip_denied: bool
    ) -> list[Ticket]:
        tickets: list[Ticket] = []
        for ticket_id in ids:
            try:
                tickets.extend(self._get_batch(operation, {"TicketID": str(ticket_id),
                                                           **options}))
            except PermissionDeniedError:
                if not skip_denied:
                    raise
        return tickets

    def ticket_get_by_number(self, ticket_number: str, **flags: Any) -> Ticket:
        """The ticket with this number (a search, then a get).

        :raises NotFoundError: when no visible ticket has the number.
        """
        ids = self.ticket_search(ticket_number=ticket_number, limit=1)
        if not ids:
            raise NotFoundError(f"no ticket with number {ticket_number}",
                                operation="TicketSearch")
        return self.ticket_get(ids[0], **flags)

    def ticket_update(
        self,
        ticket_id: int | None = None,
        *,
        ticket_number: str | None = None,
        ticket: TicketChanges | None = None,
        article: ArticleArg | None = None,
        dynamic_fields: DynamicFieldsArg = (),
        attachments: AttachmentsArg = (),
    ) -> TicketUpdated:
        """Change a ticket (by id or number): fields, pending time, article, DFs, attachments.

        Not atomic on Znuny's side and never retried once sent.
        """
        if ticket_id is None and not ticket_number:
            raise ValueError("ticket_update needs ticket_id or ticket_number")
        route = self.routes.route("TicketUpdate")
        payload: dict[str, Any] = {}
        if ticket_id is not None:
            payload["TicketID"] = str(ticket_id)
        elif "TicketID" in route.params:
            payload["TicketID"] = TICKET_NUMBER_ROUTE_PLACEHOLDER
        if ticket_number:
            payload["TicketNumber"] = ticket_number
        if ticket is not None:
            payload["Ticket"] = ticket.to_znuny()
        payload.update(_write_payload(article, dynamic_fields, attachments))
        return _validate(TicketUpdated, self._request("TicketUpdate", payload), "TicketUpdate")

    def ticket_history(self, ticket_id: int) -> list[HistoryEntry]:
        """The history rows of one ticket (agents only; customers get AuthenticationError)."""
        data = self._request("TicketHistoryGet", {"TicketID": str(ticket_id)})
        entries: list[HistoryEntry] = []
        blocks = data.get("TicketHistory", [])
        for block in blocks if isinstance(blocks, list) else [blocks]:
            rows = block.get("History", []) if isinstance(block, dict) else []
            for row in rows if isinstance(rows, list) else [rows]:
                entries.append(_validate(HistoryEntry, row, "TicketHistoryGet"))
        return entries

    # -- metadata (the Znuny package RadiantExt) ------------------------------------------

    def describe(self, include: Iterable[str] | None = None) -> ZnunyMeta:
        """Znuny's queues, services, SLAs, types, priorities, states, agents, customer
        companies and dynamic fields, from the operation ``RadiantMeta::Describe`` of the
        companion's Znuny package (docs/znuny-package.md). Agents only.

        :param include: only these sections (:data:`~radiant_ext.client.meta.META_SECTIONS`
            names, e.g. ``["Queues", "SLAs"]``); default: all.
        :raises RouteNotFoundError: the web service has no such operation (package not
            installed, or installed into another web service).
        :raises PermissionDeniedError: the client logs in as a customer.
        :raises ValueError: for an unknown section name.
        """
        payload: dict[str, Any] = {}
        if include is not None:
            names = list(include)
            unknown = [n for n in names if n not in META_SECTIONS]
            if unknown or not names:
                raise ValueError(f"unknown metadata sections {unknown}; known: "
                                 + ", ".join(META_SECTIONS))
            payload["Include"] = names
        operation = "RadiantMetaDescribe"
        route = (self.routes.route(operation) if self.routes.has(operation)
                 else PACKAGE_ROUTES[operation])
        data = self._request(operation, payload, route=route)
        return _validate(ZnunyMeta, data, "RadiantMetaDescribe")

    # -- search ---------------------------------------------------------------------------

    def ticket_search(
        self, search: TicketSearchFilter | None = None, **filters: Any
    ) -> list[int]:
        """Ticket IDs matching the filters (snake_case, see :class:`TicketSearchFilter`).

        Dynamic-field conditions need a JSON body: they use the ``TicketSearch`` route if it
        is not a GET, else ``TicketSearchPOST``; without either, RouteNotConfiguredError.
        """
        query = _filter(search, filters)
        route = self.routes.route("TicketSearch")
        if query.needs_body and route.method == "GET":
            if not self.routes.has("TicketSearchPOST"):
                raise RouteNotConfiguredError(
                    f"dynamic-field search needs a POST search route; route set "
                    f"{self.routes.name!r} has only GET {route.template} (Znuny ignores GET "
                    "bodies). Add routes={'TicketSearchPOST': ('POST', '/Ticket/Search')}"
                )
            route = self.routes.route("TicketSearchPOST")
        data = self._request("TicketSearch", query.to_znuny(), route=route)
        raw = data.get("TicketID", [])
        ids = raw if isinstance(raw, list) else [raw]
        try:
            return [int(i) for i in ids]
        except (TypeError, ValueError) as exc:
            raise ResponseValidationError(
                "TicketSearch answered with a non-numeric TicketID", operation="TicketSearch",
                status=200,
            ) from exc

    def iter_ticket_search(
        self,
        search: TicketSearchFilter | None = None,
        *,
        page_size: int = 500,
        key: Literal["created", "changed"] = "created",
        **filters: Any,
    ) -> Iterator[int]:
        """Every matching ticket ID, page by page (keyset paging, see docs/client.md).

        GI has no offset: each page asks for tickets created (or last changed) at or after
        the last ticket of the previous page, oldest first, and drops IDs already yielded.
        """
        query = _filter(search, filters)
        return iter_search(self, query, page_size=page_size, key=key)


_DEFAULT_FLAGS: dict[str, Any] = {
    "all_articles": False,
    "dynamic_fields": False,
    "attachments": False,
    "attachment_contents": True,
    "extended": False,
    "article_limit": None,
    "article_order": None,
    "article_sender_types": None,
    "html_body_as_attachment": False,
}
