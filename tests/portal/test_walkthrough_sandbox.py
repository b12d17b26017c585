"""The demo's workflow walk (docs/sandbox.md, "Walk through a workflow") with the real adapters
against the retail sandbox: demo-customer files a software defect, ``sandbox move`` plays the
agent through the workflow's states to the requester's test, the ticket pull lets the moves
stand, and "It works — complete it" closes the ticket in Znuny."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from radiant_ext.cli.portal import WORKFLOW_WAY
from radiant_ext.client import ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.store import WorkflowEvent, make_engine, session_scope
from radiant_ext.sync import JobContext
from radiant_ext.sync.tickets import pull_tickets
from radiant_ext_sandbox import create_app as sandbox_app
from tests import _sandbox
from tests.portal import test_with_sandbox as with_sandbox
from tests.portal.test_with_sandbox import _login, _numbered_confirmation, _token

# the fixtures of the portal on the sandbox (test_with_sandbox.py, tests/_sandbox.py)
agent = with_sandbox.agent
portal = with_sandbox.portal
settings = with_sandbox.settings
sandbox_dir = _sandbox.sandbox_dir
znuny = _sandbox.znuny


def _file_defect(client: FlaskClient) -> tuple[int, str]:
    """File IT's Software defect as the logged-in customer; its ticket id and number."""
    html = client.get("/new/it.software-defect").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    data = {"csrf_token": _token(html), "request_id": ref.group(1) if ref else "",
            "f_steps": "Price export stops at page 2"}
    for name in ("f_system", "f_urgency"):
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', html, re.S)
        assert select_html, name
        data[name] = re.findall(r'<option value="([^"]+)"', select_html.group(0))[0]
    response = client.post("/new/it.software-defect", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = _numbered_confirmation(client, response.headers["Location"])
    link = re.search(r'href="/requests/(\d+)"', page)
    assert link
    detail = client.get(f"/requests/{link.group(1)}").get_data(as_text=True)
    number = re.search(r"\b(\d{4}) ?(\d{4}) ?(\d{4}) ?(\d{4})\b", detail)
    assert number
    return int(link.group(1)), "".join(number.groups())


def _pull(settings: Settings, agent: ZnunyClient) -> None:
    ctx = JobContext.from_settings(settings, client_factory=lambda: agent, owns_client=False)
    pull_tickets(ctx)
    ctx.engine.dispose()


def test_the_defect_walk_from_filing_to_completed(
    portal: Flask, agent: ZnunyClient, settings: Settings, sandbox_dir: Path
) -> None:
    client, _ = _login(portal, "demo-customer")
    ticket_id, number = _file_defect(client)
    _pull(settings, agent)  # the scheduler has seen it as filed
    page = client.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert re.search(r'step-current"[^>]*>Submitted', page) and "It works" not in page
    for state in WORKFLOW_WAY:  # as the banner's loop runs the command, each on its own
        moved = sandbox_app(sandbox_dir).agent_move(number, state)
        assert moved["TicketID"] == ticket_id and moved["State"] == state
    _pull(settings, agent)
    assert agent.ticket_get(ticket_id).state == "client testing"  # the moves stand
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            assert s.scalars(select(WorkflowEvent.kind).where(
                WorkflowEvent.ticket_id == ticket_id, WorkflowEvent.kind == "refused")).all() \
                == []
    finally:
        engine.dispose()
    page = client.get(f"/requests/{ticket_id}").get_data(as_text=True)
    assert re.search(r'step-current"[^>]*>Waiting for your test', page)
    assert "It works — complete it" in page and "Still broken" in page
    response = client.post(f"/requests/{ticket_id}/move/completed",
                           data={"csrf_token": _token(page)})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Done: It works — complete it." in page
    assert agent.ticket_get(ticket_id).state == "closed successful"
