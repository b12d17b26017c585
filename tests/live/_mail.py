"""E-mails into Znuny's PostMaster, and the journey of a webhook call the daemon retries."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest

from radiant_ext.client import ZnunyClient
from tests._live import unavailable
from tests.live._portal import wait_for

__all__ = ["RETRY_WAIT", "DaemonRetry", "find_ticket_by_title", "mail"]

RETRY_WAIT = 180.0
"""Seconds after the failed call within which the daemon's retry must have routed the ticket
(``RadiantWebhook.yml``: first retry after 60 s)."""


def mail(sender: str, subject: str, body: str, message_id: str) -> bytes:
    """A plain-text e-mail as a mail server hands it to the PostMaster."""
    return (f"From: Live Customer <{sender}>\nTo: help-desk@localhost\nSubject: {subject}\n"
            f"Message-ID: <{message_id}@radiant-live.test>\nMIME-Version: 1.0\n"
            f"Content-Type: text/plain; charset=utf-8\n\n{body}\n").encode()


def find_ticket_by_title(agent: ZnunyClient, marker: str, timeout: float = 20) -> int:
    """The one ticket whose title contains ``marker``."""
    def search() -> list[int]:
        return agent.ticket_search(title=f"%{marker}%")

    ids = wait_for(f"the ticket titled …{marker}…", search, timeout)
    assert len(ids) == 1, f"{len(ids)} tickets carry {marker}"
    return int(ids[0])


@dataclass
class DaemonRetry:
    """A mail whose first webhook call failed, and a follow-up, waiting for the retry.

    Started as early as the session allows (the daemon retries after a minute), finished by
    whoever needs it first.
    """

    reason: str = ""
    """Why the journey cannot run here; empty when it runs."""
    release_lacks_it: bool = False
    """The reason is the release's (no invoker): skip. Otherwise the server is not as it
    should be: skip, or fail when live tests are required."""
    marker: str = ""
    ticket_id: int = 0
    ticket_number: str = ""
    failed_at: float = 0.0
    routed: Any = None

    def require(self) -> None:
        """Skip (or fail) the calling test when the journey cannot run."""
        if self.reason:
            if self.release_lacks_it:
                pytest.skip(self.reason)
            unavailable(self.reason)

    def settle(self, agent: ZnunyClient) -> None:
        """Wait for the retry if the journey runs (so nothing else routes its ticket first)."""
        if not self.reason:
            self.wait(agent)

    def wait(self, agent: ZnunyClient) -> Any:
        """The ticket once the daemon's retry has routed it."""
        self.require()
        if self.routed is None:
            def categorised() -> Any:
                ticket = agent.ticket_get(self.ticket_id, dynamic_fields=True)
                return ticket if ticket.dynamic_fields.get("RadiantCategory") else None

            left = self.failed_at + RETRY_WAIT - time.monotonic()
            self.routed = wait_for("the daemon's retry of the webhook call", categorised,
                                   max(left, 1.0), every=2.0)
        return self.routed
