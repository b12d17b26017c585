"""Znuny's side of the webhook call, for a Znuny stand-in (the sandbox) and for tests.

:func:`invoker_payload` turns a ticket as ``TicketGet`` returns it (``AllArticles=1``,
``DynamicFields=1``, ``Attachments=1``) into the body a ``Ticket::Generic`` invoker posts
(``shared/contract/znuny-webhook/README.md``, "What arrives"); :func:`call_invoker` posts it
with the headers Znuny 7.0.19 sends and returns what :func:`~.znuny_writeback.plan_writeback`
reads — a timeout or a refused connection becomes the status 500 Znuny reports (file 20).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["INVOKER_HEADERS", "InvokerAnswer", "call_invoker", "invoker_payload"]

INVOKER_HEADERS = {
    "TE": "deflate,gzip;q=0.3",
    "Connection": "TE, close",
    "User-Agent": "REST::Client/273",
    "Content-Type": "application/json; charset=UTF-8",
}
"""Headers of every recorded invoker request (besides Authorization, Host, Content-Length)."""


def _flat_dynamic_fields(fields: Any) -> dict[str, Any]:
    if isinstance(fields, Mapping):
        fields = [fields]
    out: dict[str, Any] = {}
    for entry in fields or []:
        if isinstance(entry, Mapping) and entry.get("Name"):
            out[f"DynamicField_{entry['Name']}"] = entry.get("Value")
    return out


def _article_list(ticket: Mapping[str, Any]) -> list[dict[str, Any]]:
    articles = ticket.get("Article") or []
    return [dict(a) for a in (articles if isinstance(articles, list) else [articles])]


def invoker_payload(
    event: Mapping[str, Any],
    ticket: Mapping[str, Any],
    *,
    article_id: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a ``Ticket::Generic`` request body from a GI ``TicketGet`` ticket.

    :param event: the event data, e.g. ``{"Event": "TicketCreate", "TicketID": 4}``
        (``ArticleCreate`` adds ``ArticleID`` and ``OldTicketData``).
    :param ticket: one element of ``TicketGet``'s ``Ticket`` list, with its articles and
        dynamic fields.
    :param article_id: the triggering article (``ArticleCreate``); default: the first one.
    :param extra: further ticket keys TicketDeepGet adds (``QueueData``, ``OwnerData``,
        ``CustomerUser``, ``CustomerCompany``…), merged as given.
    :return: ``{"Event": ..., "Ticket": ...}`` with flat ``DynamicField_<Name>`` keys,
        ``Articles`` (without attachments) and ``Article`` (the triggering one, with them).
    """
    articles = _article_list(ticket)
    out: dict[str, Any] = {k: v for k, v in ticket.items() if k not in ("Article", "DynamicField")}
    for key in ("Service", "SLA"):
        if not out.get(key):
            out.pop(key, None)
            out[f"{key}ID"] = out.get(f"{key}ID") or ""
            out[f"{key}Data"] = {}
    out.update(_flat_dynamic_fields(ticket.get("DynamicField")))
    out["Articles"] = [
        {k: v for k, v in a.items() if k not in ("Attachment", "DynamicField")} for a in articles
    ]
    trigger = next((a for a in articles if a.get("ArticleID") == article_id), None)
    trigger = trigger or (articles[0] if articles else None)
    if trigger is not None:
        out["Article"] = {k: v for k, v in trigger.items() if k != "DynamicField"}
    out.update(extra or {})
    return {"Event": dict(event), "Ticket": out}


@dataclass(frozen=True)
class InvokerAnswer:
    """What came back, in the form :func:`~.znuny_writeback.plan_writeback` takes."""

    status: int
    content_type: str | None
    body: bytes


def call_invoker(
    url: str,
    payload: Mapping[str, Any],
    *,
    user: str,
    password: str,
    timeout: float = 30.0,
) -> InvokerAnswer:
    """POST ``payload`` like Znuny's HTTP::REST requester (Basic auth sent pre-emptively).

    :param url: Host + Controller, e.g. ``http://127.0.0.1:5000/-/znuny/webhook/ticket-create``.
    :param timeout: the web service's ``Timeout`` in seconds.
    :return: the answer; no answer in time, or no connection, is status 500 with the reason
        as the body, which Znuny treats like any other error (nothing applied).
    """
    import requests

    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        response = requests.post(url, data=body, headers=INVOKER_HEADERS, auth=(user, password),
                                 timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        return InvokerAnswer(500, "text/plain", b"read timeout")
    except requests.RequestException as exc:
        return InvokerAnswer(500, "text/plain", f"Can't connect: {exc}".encode())
    return InvokerAnswer(response.status_code, response.headers.get("Content-Type"),
                         response.content)
