"""Bundles with the real adapters against the sandbox Znuny, the store on SQLite and on
PostgreSQL: HR's "New employee" files a parent in HR and four parts in four departments'
queues, each with its own routing and deadline and the parent's number; Znuny down at
filing loses no part and files none twice; the requester sees the parts and their progress
on the parent's page; the parent closes once every part is closed, once; a part whose
department is switched off stops the form."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from radiant_ext.client import TicketChanges, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.portal.ports import CatalogItemView, Customer, RequestDraft, RoutingPreview
from radiant_ext.store import ApprovalRequest, Outbox, make_engine, session_scope, utcnow
from radiant_ext.store.bundles import BundlePartRow
from radiant_ext.sync import JobContext
from radiant_ext.sync.bundles import PARENT_FIELD, run_bundles
from radiant_ext.sync.drain import drain_outbox
from radiant_ext.sync.tickets import pull_tickets
from tests import _sandbox
from tests.portal import test_with_sandbox as with_sandbox
from tests.portal.test_with_sandbox import _login, _numbered_confirmation, _token

agent = with_sandbox.agent
portal = with_sandbox.portal
faults = _sandbox.faults
sandbox_dir = _sandbox.sandbox_dir
znuny = _sandbox.znuny


settings = _sandbox.settings_both_stores

PARTS = {  # part item → (queue, priority, owner)
    "hr.onboarding": ("HR", "3 normal", "hr-agent"),
    "it.new-workstation": ("IT", "2 low", "demo-agent"),
    "maintenance.workplace": ("Maintenance", "2 low", "maint-agent"),
    "accounting.payroll-entry": ("Accounting", "3 normal", "acct-agent"),
}


def _new_employee(client: FlaskClient, wait: bool = True,
                  employee: str = "Ivan Novikov") -> tuple[str, str]:
    """File "New employee"; return the confirmation page (once numbered) and the reference."""
    html = client.get("/new/hr.new-employee").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert ref, html[:2000]
    first = (date.today() + timedelta(days=20)).isoformat()
    response = client.post("/new/hr.new-employee", data={
        "csrf_token": _token(html), "request_id": ref.group(1), "f_employee": employee,
        "f_position": "Cashier", "f_start_date": first, "f_store": "store-007",
        "f_description": "Starts in store 7"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    if not wait:
        return "", ref.group(1)
    return _numbered_confirmation(client, response.headers["Location"]), ref.group(1)


def _run(settings: Settings, job: Callable[[JobContext], object], hours: float = 0) -> object:
    later = utcnow() + timedelta(hours=hours)
    ctx = JobContext.from_settings(settings, now=lambda: later)
    try:
        return job(ctx)
    finally:
        ctx.close()


def _part_tickets(settings: Settings, reference: str) -> dict[str, tuple[int | None, int]]:
    """Part item → (its ticket id, how many outbox rows it has)."""
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            parts = s.scalars(select(BundlePartRow).where(
                BundlePartRow.request_id.like(f"{reference}-P%")).order_by(BundlePartRow.number)).all()
            return {p.item: (s.scalar(select(Outbox.ticket_id).where(
                Outbox.request_id == p.request_id)), s.scalar(select(func.count()).where(
                    Outbox.request_id == p.request_id)) or 0) for p in parts}
    finally:
        engine.dispose()


def _filed(portal: Flask, settings: Settings) -> tuple[FlaskClient, int, str]:
    client, _ = _login(portal, "office-anna")
    page, reference = _new_employee(client)
    link = re.search(r'href="/requests/(\d+)"', page)
    assert link, page[:2000]
    return client, int(link.group(1)), reference


def test_the_parent_and_four_parts_are_filed_in_their_departments(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    client, parent_id, reference = _filed(portal, settings)
    parent = agent.ticket_get(parent_id, dynamic_fields=True)
    assert parent.queue == "HR" and parent.title == "New employee"
    page = client.get(f"/requests/{parent_id}").get_data(as_text=True)
    assert "Parts of this request" in page and page.count("to be filed") == 4
    counts = _run(settings, run_bundles)
    assert isinstance(counts, dict) and counts["filed"] == 4
    tickets = _part_tickets(settings, reference)
    assert set(tickets) == set(PARTS)
    deadlines = set()
    for item, (ticket_id, rows) in tickets.items():
        assert ticket_id is not None and rows == 1
        ticket = agent.ticket_get(ticket_id, all_articles=True, dynamic_fields=True)
        assert (ticket.queue, ticket.priority, ticket.owner) == PARTS[item], item
        assert ticket.customer_user_id == "office-anna"
        fields = ticket.dynamic_fields
        assert fields[PARENT_FIELD] == parent.ticket_number
        assert fields["RadiantCategory"] == item
        deadlines.add(fields["RadiantDeadline"])
        assert f"of request {parent.ticket_number}." in ticket.articles[0].body
        assert "Ivan Novikov" in ticket.title and "Ivan Novikov" in ticket.articles[0].body
    assert len(deadlines) > 1  # each part's own deadline
    again = _run(settings, run_bundles)
    assert isinstance(again, dict) and again["filed"] == 0
    page = client.get(f"/requests/{parent_id}").get_data(as_text=True)
    assert "to be filed" not in page and "0 of 4 parts done" in page
    for ticket_id, _ in tickets.values():  # each part links to its own page
        assert f'href="/requests/{ticket_id}"' in page
        assert client.get(f"/requests/{ticket_id}").status_code == 200
    for name in ("HR", "IT", "Maintenance", "Accounting"):
        assert name in page


def test_znuny_down_at_filing_files_every_part_later_exactly_once(
        portal: Flask, agent: ZnunyClient, settings: Settings,
        faults: Callable[..., None]) -> None:
    client, _ = _login(portal, "office-anna")
    employee = f"Olga {uuid.uuid4().hex[:8]}"  # the sandbox is shared by both stores' runs
    faults("down")
    try:
        _, reference = _new_employee(client, wait=False, employee=employee)
        _run(settings, run_bundles)  # the parent is not in Znuny: no part is filed
        assert _part_tickets(settings, reference) == {item: (None, 0) for item in PARTS}
    finally:
        faults("none")
    _run(settings, drain_outbox, hours=1)  # the parent
    faults("down")
    try:
        counts = _run(settings, run_bundles)  # the parts wait in the outbox
        assert isinstance(counts, dict) and counts["queued"] == 4
    finally:
        faults("none")
    assert all(t == (None, 1) for t in _part_tickets(settings, reference).values())
    for _ in range(2):
        _run(settings, drain_outbox, hours=2)
        _run(settings, run_bundles, hours=2)
    tickets = _part_tickets(settings, reference)
    assert all(tid is not None and rows == 1 for tid, rows in tickets.values())
    titles = ["Employment contract", "IT account and workstation", "Desk and chair",
              "Payroll entry"]
    for (ticket_id, _), title in zip(tickets.values(), titles, strict=True):
        found = agent.ticket_search(title=f"{title}: {employee}")
        assert found == [ticket_id], title  # one ticket per part in Znuny


def test_the_parent_closes_once_all_parts_are_closed(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    client, parent_id, reference = _filed(portal, settings)
    _run(settings, run_bundles)
    tickets = [tid for tid, _ in _part_tickets(settings, reference).values()]
    for ticket_id in tickets[:3]:
        assert ticket_id is not None
        agent.ticket_update(ticket_id, ticket=TicketChanges(state="closed successful"))
    _run(settings, pull_tickets)
    _run(settings, run_bundles)
    assert agent.ticket_get(parent_id).state_type != "closed"
    page = client.get(f"/requests/{parent_id}").get_data(as_text=True)
    assert "3 of 4 parts done" in page
    assert tickets[3] is not None
    agent.ticket_update(tickets[3], ticket=TicketChanges(state="closed successful"))
    _run(settings, pull_tickets)
    counts = _run(settings, run_bundles)
    assert isinstance(counts, dict) and counts["closed"] == 1
    parent = agent.ticket_get(parent_id, all_articles=True)
    assert parent.state == "closed successful"
    assert parent.articles[-1].body.startswith("All parts of this request are done:")
    articles = len(parent.articles)
    counts = _run(settings, run_bundles)
    assert isinstance(counts, dict) and counts["closed"] == 0
    assert len(agent.ticket_get(parent_id, all_articles=True).articles) == articles


def test_a_part_whose_department_is_switched_off_stops_the_form(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    plugins = portal.extensions["radiant_portal"]["services"].bundles._plugins
    plugins.set_department_enabled("maintenance", False, actor="admin")
    try:
        client, _ = _login(portal, "office-anna")
        html = client.get("/new/hr.new-employee").get_data(as_text=True)
        ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
        assert ref
        response = client.post("/new/hr.new-employee", data={
            "csrf_token": _token(html), "request_id": ref.group(1),
            "f_employee": "Ivan Novikov", "f_position": "Cashier",
            "f_start_date": (date.today() + timedelta(days=20)).isoformat()},
            follow_redirects=True)
        page = response.get_data(as_text=True)
        assert "The Maintenance part of this request cannot be filed now" in page
        assert _part_tickets(settings, ref.group(1)) == {}
    finally:
        plugins.set_department_enabled("maintenance", True, actor="admin")


def test_a_bundle_waiting_for_approval_files_its_parts_only_once_approved(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    _, _, reference = _filed(portal, settings)
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:  # as the portal records an item with an approval
            s.add(ApprovalRequest(
                request_id=reference, item="hr.new-employee", requester="office-anna",
                role="department-head:hr", approvers=["hr-head"], approver_keys="|hr-head|",
                waiting_state="waiting for approval"))
        counts = _run(settings, run_bundles)
        assert isinstance(counts, dict) and counts["filed"] == 0
        assert _part_tickets(settings, reference) == {item: (None, 0) for item in PARTS}
        with session_scope(engine) as s:
            row = s.scalars(select(ApprovalRequest).where(
                ApprovalRequest.request_id == reference)).one()
            row.decision = "declined"
        _run(settings, run_bundles)
        assert _part_tickets(settings, reference) == {item: (None, 0) for item in PARTS}
        with session_scope(engine) as s:
            row = s.scalars(select(ApprovalRequest).where(
                ApprovalRequest.request_id == reference)).one()
            row.decision = "approved"
    finally:
        engine.dispose()
    counts = _run(settings, run_bundles)
    assert isinstance(counts, dict) and counts["filed"] == 4


def test_a_new_store_opening_files_its_parts_in_it_maintenance_and_legal(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    client, _ = _login(portal, "office-anna")
    html = client.get("/new/maintenance.store-opening").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert ref, html[:2000]
    response = client.post("/new/maintenance.store-opening", data={
        "csrf_token": _token(html), "request_id": ref.group(1), "f_store": "store-012",
        "f_opening_date": (date.today() + timedelta(days=60)).isoformat(),
        "f_registers": "4", "f_landlord": "Mall Invest LLC", "f_notes": "Corner unit"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    page = _numbered_confirmation(client, response.headers["Location"])
    assert re.search(r'href="/requests/(\d+)"', page), page[:2000]
    _run(settings, run_bundles)
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            ids = s.scalars(select(Outbox.ticket_id).where(
                Outbox.request_id.like(f"{ref.group(1)}-P%")).order_by(Outbox.request_id)).all()
    finally:
        engine.dispose()
    tickets = [agent.ticket_get(t, dynamic_fields=True) for t in ids if t is not None]
    assert [(t.queue, t.title) for t in tickets] == [
        ("IT::Stores", "Network and cash registers: store-012"),
        ("Maintenance", "Display cases: store-012"),
        ("Maintenance", "Lighting: store-012"),
        ("Legal", "Lease contract: store-012")]
    assert tickets[0].dynamic_fields["RadiantStore"] == "store-012"


def test_in_russian_the_parts_and_their_tickets_are_russian(
        portal: Flask, agent: ZnunyClient, settings: Settings) -> None:
    client, _ = _login(portal, "office-anna")
    token = _token(client.get("/").get_data(as_text=True))
    assert client.post("/language", data={"lang": "ru", "next": "/",
                                          "csrf_token": token}).status_code in (302, 303)
    page, reference = _new_employee(client, employee="Pyotr Rus")
    link = re.search(r'href="/requests/(\d+)"', page)
    assert link, page[:2000]
    _run(settings, run_bundles)
    page = client.get(f"/requests/{link.group(1)}").get_data(as_text=True)
    assert "Части заявки" in page and "Готово 0 из 4 частей" in page
    assert "Трудовой договор: Pyotr Rus" in page and "Отдел кадров" in page
    first, _ = _part_tickets(settings, reference)["hr.onboarding"]
    assert first is not None
    ticket = agent.ticket_get(first, all_articles=True)
    assert ticket.articles[0].body.startswith("Часть 1 из 4 заявки ")
    assert "ФИО: Pyotr Rus" in ticket.articles[0].body


def _draft(reference: str, employee: str) -> RequestDraft:
    return RequestDraft(
        request_id=reference, customer=Customer(login="office-anna", customer_id="head-office"),
        item=CatalogItemView(id="hr.new-employee", department="hr", title="New employee"),
        title="New employee", body="", routing=RoutingPreview(None),
        fields={"employee": employee, "position": "Cashier", "start_date": "2027-03-01"})


def test_a_corrected_form_replaces_the_parts_until_the_parent_is_stored(
        portal: Flask, settings: Settings) -> None:
    bundles = portal.extensions["radiant_portal"]["services"].bundles
    assert bundles.file(_draft("RQ-20270101-CORRECTD", "Ivan Nvikov"))
    assert bundles.file(_draft("RQ-20270101-CORRECTD", "Ivan Novikov"))  # corrected
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            s.add(Outbox(request_id="RQ-20270101-CORRECTD", payload={},
                         customer_user="office-anna", title="New employee"))
        assert bundles.file(_draft("RQ-20270101-CORRECTD", "Someone Else"))  # a double click
        with session_scope(engine) as s:
            titles = s.scalars(select(BundlePartRow.title).where(
                BundlePartRow.request_id.like("RQ-20270101-CORRECTD-P%"))).all()
    finally:
        engine.dispose()
    assert len(titles) == 4 and all(t.endswith(": Ivan Novikov") for t in titles)
    assert not bundles.file(replace(_draft("RQ-20270101-SINGLEXX", "x"),
                                    item=CatalogItemView(id="hr.onboarding", department="hr",
                                                         title="Onboarding")))
