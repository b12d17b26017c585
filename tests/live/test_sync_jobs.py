"""Every sync job runs against the real server, and the ticket pull caches what was filed.

The jobs run once each, in the order ``radiant-ext sync`` declares them (``BUILTIN_JOBS``), the
way ``radiant-ext sync run <job>`` runs them: outbox-drain, ticket-pull, email-classify,
deadline-watch, catalog-check, satisfaction-record, satisfaction-invite, report-rollups. The pull
starts where an installation that has been syncing starts: its cursor at the session's start (a
first, full pull would read every ticket the server ever had). Before the jobs run, a request is
filed through the portal and an e-mail arrives that the webhook does not route (it answers 500
for it; ((OTRS)) 6.0 has no webhook): the e-mail classification — the safety net — routes it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from radiant_ext.client import ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.store import (
    Outbox,
    OutboxState,
    TicketCache,
    get_cursor,
    make_engine,
    session_scope,
    set_cursor,
)
from radiant_ext.store.models import JobRun, JobRunStatus
from radiant_ext.sync import BUILTIN_JOBS, JobContext, run_job
from radiant_ext.sync.tickets import CURSOR
from tests._live import LiveServer
from tests.live._mail import DaemonRetry, find_ticket_by_title, mail
from tests.live._portal import DecisionLog, Simulator, file_request, login
from tests.live._webhook import WebhookSlot

pytestmark = pytest.mark.live

JOBS = ("outbox-drain", "ticket-pull", "email-classify", "deadline-watch", "catalog-check",
        "satisfaction-record", "satisfaction-invite", "report-rollups", "bundle-parts")


def _filed_tickets(settings: Settings) -> dict[str, int]:
    """Every request this session's portal filed: reference → ticket id."""
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            rows = s.execute(select(Outbox.request_id, Outbox.ticket_id)
                             .where(Outbox.state == OutboxState.SENT)).all()
            return {ref: int(tid) for ref, tid in rows if tid is not None}
    finally:
        engine.dispose()


def test_every_sync_job_runs_and_the_pull_caches_the_filed_tickets(
    server: LiveServer, portal: Flask, settings: Settings, agent: ZnunyClient,
    simulator: Simulator, decisions: DecisionLog, webhook: WebhookSlot,
    daemon_retry: DaemonRetry, run_marker: str, session_started: datetime,
) -> None:
    assert tuple(spec.id for spec in BUILTIN_JOBS) == JOBS
    client = login(portal, server.customer, server.customer_password)
    item = simulator.visible_items(server.customer_company, "hr")[0]
    filed = file_request(client, simulator, decisions, item.id,
                         customer=server.customer, company=server.customer_company,
                         marker=f"{run_marker}-sync")

    marker = f"{run_marker}-classify"
    recorder = None if webhook.release_lacks_it else webhook.require()
    if recorder is not None:
        recorder.label(marker, "webhook down, e-mail classification")
        recorder.fail(marker, 99)  # the companion's webhook is down for this mail
    server.postmaster(mail(server.customer_email,
                           f"The display case fridge in store 007 is warm [{marker}]",
                           "The refrigerator of the display case shows +12 degrees.", marker))
    mailed = find_ticket_by_title(agent, marker)
    assert not agent.ticket_get(mailed, dynamic_fields=True).dynamic_fields.get(
        "RadiantCategory"), "nothing routed the mail yet"
    daemon_retry.settle(agent)  # its ticket is the daemon's to route, not the safety net's

    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        if get_cursor(s, CURSOR) is None:
            set_cursor(s, CURSOR, session_started - timedelta(minutes=5))

    runs: dict[str, JobRun] = {}
    for spec in BUILTIN_JOBS:
        runs[spec.id] = run_job(JobContext.from_settings(settings), spec.id, spec.func)
        print(f"{server.version} {spec.id}: {runs[spec.id].status} {runs[spec.id].counts}")
    if recorder is not None:
        recorder.fail(marker, 0)  # back: the daemon's retries now hear "already classified"
    failed = {job: run.error for job, run in runs.items() if run.status != JobRunStatus.OK}
    assert not failed, failed
    assert runs["ticket-pull"].counts["pulled"] >= 2
    assert runs["email-classify"].counts["classified"] >= 1
    assert runs["email-classify"].counts.get("failed", 0) == 0
    assert runs["deadline-watch"].counts.get("failed", 0) == 0
    assert runs["satisfaction-record"].counts.get("failed", 0) == 0
    assert runs["satisfaction-invite"].counts.get("failed", 0) == 0
    catalog = runs["catalog-check"].counts
    assert catalog["broken"] == 0 and catalog["checked"] == len(
        simulator.plugins.catalog_items(include_disabled=True)), catalog

    # the safety net routed the mail as the plugins decide, with an internal note
    ticket = agent.ticket_get(mailed, all_articles=True, dynamic_fields=True)
    decision = simulator.for_email(ticket)
    assert (ticket.dynamic_fields.get("RadiantCategory"), ticket.queue, ticket.type,
            ticket.service or None, ticket.sla or None) == (
        decision.item_id, decision.queue, decision.type, decision.service, decision.sla)
    assert ticket.dynamic_fields.get("RadiantStore") == server.customer_company
    notes = [a for a in ticket.articles if a.subject == "Classified automatically"]
    assert len(notes) == 1 and not notes[0].is_visible_for_customer

    # the pull cached every ticket the portal filed, as Znuny has it now
    references = _filed_tickets(settings)
    assert filed.reference in references
    tickets = {t.ticket_id: t for t in agent.ticket_get_many(sorted(references.values()),
                                                             dynamic_fields=True)}
    with session_scope(engine) as s:
        for reference, ticket_id in references.items():
            row = s.get(TicketCache, ticket_id)
            assert row is not None, f"ticket {ticket_id} ({reference}) is not cached"
            fields = tickets[ticket_id].dynamic_fields
            assert row.changed is not None, f"ticket {ticket_id} was never pulled"
            assert (row.request_id, row.store, row.category) == (
                reference, fields.get("RadiantStore"), fields.get("RadiantCategory"))
            deadline = row.promised_deadline
            assert deadline is not None
            assert deadline.strftime("%Y-%m-%d %H:%M:%S") == fields.get("RadiantDeadline")
        row = s.get(TicketCache, mailed)
        assert row is not None and row.category == decision.item_id
    engine.dispose()
