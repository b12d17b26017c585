"""A phone-sized Chromium (360 px) files HR's "New employee" at the head office and finds it
as one request in "My requests": its four parts named under it with how many are done, none
of them a row of its own; the request's page lists the parts, a part's page leads back —
against the sandbox, through a real HTTP server, no script needed. Screenshots go to
``$RADIANT_TEST_ARTIFACTS`` or the test's folder."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from radiant_ext.client import AgentCredentials, TicketChanges, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.store import Outbox, make_engine, session_scope
from radiant_ext.sync.bundles import run_bundles
from radiant_ext.sync.tickets import pull_tickets
from tests._browser import artifacts, chromium, portal_on_sandbox
from tests.portal.test_bundles_sandbox import _part_tickets, _run

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _ticket_of(settings: Settings, reference: str) -> int:
    engine = make_engine(settings.effective_database_url)
    try:
        with session_scope(engine) as s:
            found = s.scalar(select(Outbox.ticket_id).where(Outbox.request_id == reference))
    finally:
        engine.dispose()
    assert found is not None, reference
    return int(found)


def _own_link(ticket_id: int) -> str:
    """A list row's own link to ``ticket_id`` (not one to a part named under a row)."""
    href = f'[href="/requests/{ticket_id}"]'
    return f"td > a{href}, td > .row-request > a{href}"


def test_a_new_employee_is_one_request_with_its_parts_on_a_phone(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    shots = artifacts(tmp_path, "bundles-browser")
    with portal_on_sandbox(tmp_path / "world") as served, chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="en-US",
                                java_script_enabled=False)
        page.goto(f"{served.url}/login")
        page.get_by_label("Login").fill("office-anna")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
        page.wait_for_load_state("networkidle")  # the home page's session cookie is set
        page.goto(f"{served.url}/new/hr.new-employee")
        page.wait_for_load_state("networkidle")
        reference = page.locator("input[name=request_id]").input_value()
        page.get_by_label("Full name").fill("Ivan Novikov")
        page.get_by_label("Position").fill("Cashier")
        page.get_by_label("First working day").fill(
            (date.today() + timedelta(days=20)).isoformat())  # the form wants a future day
        page.get_by_role("button", name="Send request").click()
        expect(page.get_by_role("heading", name="Request received")).to_be_visible()
        # the page refreshes itself (no script) until Znuny has the parent
        expect(page.locator(".confirmation p").first).to_contain_text("has the number",
                                                                      timeout=20_000)
        _run(served.settings, run_bundles)  # the parts
        parts = [tid for tid, _ in _part_tickets(served.settings, reference).values()]
        assert len(parts) == 4 and all(parts)
        agent = ZnunyClient(served.znuny_url,
                            credentials=AgentCredentials("radiant", "radiant-demo"))
        agent.ticket_update(parts[0], ticket=TicketChanges(state="closed successful"))
        agent.close()
        _run(served.settings, pull_tickets)
        parent = _ticket_of(served.settings, reference)

        page.goto(f"{served.url}/requests")
        row = page.locator("table.requests tbody tr").filter(
            has=page.locator(_own_link(parent)))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("1 of 4 parts done")
        expect(row.locator(".row-parts li")).to_have_count(4)
        expect(row.locator(".row-parts")).to_contain_text("IT account and workstation: "
                                                          "Ivan Novikov")
        for part in parts:  # named under the parent, never a request of its own
            expect(page.locator(_own_link(part))).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "1-my-requests-360.png", full_page=True)

        row.locator(_own_link(parent)).click()
        section = page.locator("#parts")
        expect(section).to_contain_text("1 of 4 parts done")
        expect(section.locator("li.part")).to_have_count(4)
        expect(section.locator("li.part-done")).to_have_count(1)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "2-request-360.png", full_page=True)

        section.locator(f'a[href="/requests/{parts[1]}"]').click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            "IT account and workstation: Ivan Novikov")
        back = page.locator(".bundle-parent")
        expect(back).to_contain_text("Part of request")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "3-part-360.png", full_page=True)
        back.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("New employee")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{served.url}/requests")
        page.screenshot(path=shots / "4-my-requests-1280.png", full_page=True)
