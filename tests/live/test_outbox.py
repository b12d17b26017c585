"""Requests filed while Znuny's web server is down are filed exactly once when it is back.

Apache of the live server is stopped with ``scripts/znuny-server stop VERSION`` (the database
and Znuny's daemon keep running), three requests are submitted through the portal — each
confirmed with its reference — then Apache is started again and the outbox drain, the job
``radiant-ext sync`` runs every 20 seconds, files them. Znuny then holds exactly one ticket per
request reference (``RadiantRequestID``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from radiant_ext.client import ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.store import Outbox, OutboxState, make_engine, make_session_factory, utcnow
from radiant_ext.store.models import JobRunStatus
from radiant_ext.sync import JobContext, drain_outbox, run_job
from tests._live import LiveServer, unavailable
from tests.live._portal import Simulator, form_page, form_values, login, wait_for

pytestmark = pytest.mark.live

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "znuny-server"
REQUESTS = 3


def _server_command(action: str, version: str) -> None:
    done = subprocess.run([str(SCRIPT), action, version], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, f"znuny-server {action} {version}: {done.stderr[-2000:]}"


@pytest.fixture
def apache_stopped(server: LiveServer) -> Iterator[None]:
    """Znuny's Apache stopped for the test, started again whatever happens."""
    if os.geteuid() != 0:
        unavailable("stopping Znuny's Apache needs root (scripts/znuny-server stop)")
    _server_command("stop", server.version)
    try:
        yield
    finally:
        _server_command("start", server.version)


def _pending_rows(settings: Settings, references: list[str]) -> dict[str, Outbox]:
    engine = make_engine(settings.effective_database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = session.scalars(select(Outbox).where(Outbox.request_id.in_(references)))
            return {row.request_id: row for row in rows}
    finally:
        engine.dispose()


def test_requests_filed_while_znuny_is_down_are_filed_once_when_it_returns(
    request: pytest.FixtureRequest, server: LiveServer, portal: Flask, settings: Settings,
    agent: ZnunyClient, simulator: Simulator, run_marker: str,
) -> None:
    client = login(portal, server.customer, server.customer_password)
    item = simulator.visible_items(server.customer_company, "it")[0]
    values, files = form_values(item, f"{run_marker}-outbox")
    assert not files
    forms = [client.get(f"/new/{item.id}").get_data(as_text=True) for _ in range(REQUESTS)]

    references: list[str] = []
    request.getfixturevalue("apache_stopped")
    for number, html in enumerate(forms, 1):
        form = form_page(html)
        reference = form.values["request_id"]
        data = {**form.values, **{f"f_{k}": v for k, v in values.items()}}
        if "description" in form.names:
            data["description"] = f"Filed while Znuny is down, {number} of {REQUESTS}"
        response = client.post(f"/new/{item.id}", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert f"Your reference: {reference}" in page, page[-2000:]
        assert "has the number" not in page
        references.append(reference)

    def all_waiting() -> bool:  # the portal's sender threads gave up: nothing is in flight
        rows = _pending_rows(settings, references)
        return len(rows) == REQUESTS and all(r.state == OutboxState.PENDING
                                             for r in rows.values())

    wait_for("the requests to wait in the outbox", all_waiting, 30)
    listed = client.get("/requests").get_data(as_text=True)
    assert all(ref in listed for ref in references), "waiting requests are listed"

    _server_command("start", server.version)  # the fixture's start is then a no-op

    later = utcnow() + timedelta(hours=1)  # past the rows' retry time: the next run of the job
    context = JobContext.from_settings(settings, now=lambda: later)
    run = run_job(context, "outbox-drain", drain_outbox)
    assert run.status == JobRunStatus.OK, run.error
    assert run.counts.get("sent", 0) + run.counts.get("found", 0) == REQUESTS, run.counts

    rows = _pending_rows(settings, references)
    for reference in references:
        found = agent.ticket_search(dynamic_fields={"RadiantRequestID": reference})
        assert len(found) == 1, f"{reference}: {len(found)} tickets"
        ticket = agent.ticket_get(found[0], dynamic_fields=True)
        assert ticket.customer_user_id == server.customer
        assert ticket.dynamic_fields["RadiantCategory"] == item.id
        row = rows[reference]
        assert (row.state, row.ticket_id) == (OutboxState.SENT, ticket.ticket_id)

    # the last confirmation page now shows the number
    page = client.get(f"/submitted/{references[-1]}").get_data(as_text=True)
    assert "has the number" in page

