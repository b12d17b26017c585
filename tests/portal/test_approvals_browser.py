"""A phone-sized Chromium (360 px) decides a vacation request waiting for the store manager:
the page fits the screen, "Decline" without a reason marks the box, then with one the request
is declined — against the sandbox, through a real HTTP server, no script needed. Screenshots
go to ``$RADIANT_TEST_ARTIFACTS`` or the test's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._browser import artifacts, chromium, portal_on_sandbox
from tests.portal.test_approvals_sandbox import _filed

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_the_store_manager_declines_on_a_phone(tmp_path: Path) -> None:
    from playwright.sync_api import expect

    shots = artifacts(tmp_path, "approvals-browser")
    with portal_on_sandbox(tmp_path / "world") as served, chromium() as browser:
        _filed(served.app)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="en-US",
                                java_script_enabled=False)
        page.goto(f"{served.url}/login")
        page.get_by_label("Login").fill("store-manager")
        page.get_by_label("Password").fill("demo")
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Approvals").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Waiting for my approval")
        expect(page.locator(".approval")).to_contain_text("Daria Kassirova")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "1-waiting-360.png", full_page=True)

        page.get_by_role("button", name="Decline").click()  # no reason given
        expect(page.locator("textarea[aria-invalid=true]")).to_have_count(1)
        expect(page.get_by_text("Please say why you decline it")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "2-reason-missing-360.png", full_page=True)

        page.locator("textarea[aria-invalid=true]").fill("Inventory that week")
        page.get_by_role("button", name="Decline").click()
        expect(page.get_by_text("Declined: the requester is told why.")).to_be_visible()
        expect(page.get_by_text("Nothing waits for your approval.")).to_be_visible()
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=shots / "3-declined-1280.png", full_page=True)
