"""A phone-sized Chromium (360 px) follows a software defect waiting for the requester's test:
the progress line, "Still broken" sent without a reason (the box marked and focused), then
"It works — complete it" — against the sandbox, through a real HTTP server, no script needed.
Screenshots go to ``$RADIANT_TEST_ARTIFACTS`` or the test's folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from radiant_ext.client import AgentCredentials, TicketChanges, ZnunyClient
from tests._browser import artifacts, chromium, portal_on_sandbox
from tests.portal.test_with_sandbox import _file_pos_request, _login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_client_testing_confirmed_on_a_phone(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    shots = artifacts(tmp_path, "moves-browser")
    with portal_on_sandbox(tmp_path / "world") as served, chromium() as browser:
        agent = ZnunyClient(served.znuny_url,
                            credentials=AgentCredentials("radiant", "radiant-demo"))
        client, _ = _login(served.app, "demo-customer")
        _, ticket_id = _file_pos_request(client)
        agent.ticket_update(
            ticket_id, dynamic_fields={"RadiantCategory": "it.software-defect"},
            ticket=TicketChanges(state="client testing",
                                 pending_time=datetime.now(UTC) + timedelta(days=2)))
        agent.close()
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="en-US",
                                java_script_enabled=False)
        page.goto(f"{served.url}/login")
        page.get_by_label("Login").fill("demo-customer")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{served.url}/requests/{ticket_id}")
        current = page.locator(".step-current")
        expect(current).to_contain_text("Waiting for your test")
        expect(page.locator(".progress-now")).to_contain_text("GMT+05:00")
        expect(page.get_by_text("Waiting for you", exact=True)).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "1-client-testing-360.png", full_page=True)

        page.get_by_role("button", name="Still broken").click()  # no reason given
        reason = page.locator("#reason-in-progress")
        expect(reason).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_text("Please say why.")).to_be_visible()
        page.screenshot(path=shots / "2-reason-missing-360.png", full_page=True)

        page.get_by_role("button", name="It works — complete it").click()
        expect(page.get_by_text("Done: It works — complete it.")).to_be_visible()
        expect(page.locator(".step-current")).to_contain_text("Completed")
        expect(page.locator("#moves-title")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "3-completed-360.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=shots / "4-completed-1280.png", full_page=True)
