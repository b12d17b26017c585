"""A phone-sized Chromium files a cash-register request, follows it, replies, and switches to
Russian — against the sandbox, through a real HTTP server. Screenshots are saved (in
``$RADIANT_TEST_ARTIFACTS`` or the test's temporary folder) for people to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._browser import artifacts, chromium, portal_on_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with portal_on_sandbox(tmp_path_factory.mktemp("browser")) as served:
        yield served.url


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return artifacts(tmp_path, "portal-browser")


def test_phone_user_files_follows_and_answers_a_request(
    portal_url: str, shots: Path
) -> None:
    from playwright.sync_api import expect

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="en-US")
        page.goto(f"{portal_url}/login")
        page.keyboard.press("Tab")  # keyboard users meet the skip link first
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.get_by_label("Login").fill("demo-customer")
        page.get_by_label("Password").fill("demo")
        page.get_by_label("Password").press("Enter")
        expect(page.get_by_role("heading", name="What do you need help with?")).to_be_visible()
        page.screenshot(path=shots / "1-home-360.png", full_page=True)
        header = page.locator(".site-header").bounding_box()
        assert header and header["height"] <= 740 * 0.15, f"the header takes {header}"

        # a phone shows the departments first; the department's page has its request types
        expect(page.locator('a[href="/new/it.pos-down"]').first).to_be_hidden()
        page.locator('a[href="/d/it"]').click()
        expect(page.get_by_role("heading", name="IT")).to_be_visible()
        page.locator('a[href="/new/it.pos-down"]').click()
        page.get_by_role("button", name="Send request").click()  # nothing filled in
        expect(page.locator("#f_register")).to_be_focused()  # the first mistake, no script
        expect(page.locator("#f_register")).to_have_attribute("aria-invalid", "true")
        border = page.locator("#f_register").evaluate("e => getComputedStyle(e).borderTopColor")
        assert border == "rgb(180, 35, 24)", border  # the red of every field with a mistake
        promise = page.locator("#promise")
        expect(promise).to_contain_text("Expected by")
        page.locator("#f_register").fill("2")
        page.locator("#f_impact").select_option(index=1)
        expect(promise).to_contain_text(")")  # the promise names its time zone
        before = promise.inner_text()
        page.locator("#f_impact").select_option(value="whole-store")  # 2 hours, not 4
        expect(promise).not_to_have_text(before)
        promised = promise.inner_text()
        page.locator("#f_description").fill("Register 2 freezes at payment")
        page.screenshot(path=shots / "2-form-360.png", full_page=True)
        page.get_by_role("button", name="Send request").click()
        expect(page.get_by_role("heading", name="Request received")).to_be_visible()
        expect(page.locator(".confirmation .promise")).to_have_text(promised)
        # the page shows the reference at once and refreshes itself until Znuny's number
        expect(page.locator(".confirmation p").first).to_contain_text("has the number",
                                                                      timeout=20_000)
        expect(page.locator(".confirmation .promise")).to_have_text(promised)
        number = page.locator(".confirmation p").first.inner_text().split()[-1].rstrip(".")
        page.screenshot(path=shots / "3-confirmation-360.png", full_page=True)
        page.go_back()  # the form with the mistake was a redirect: no "resend" page
        expect(page.get_by_role("button", name="Send request")).to_be_visible()

        page.get_by_role("link", name="My requests").first.click()
        row = page.locator("tr", has_text=number)
        expect(row).to_be_visible()
        expect(row.locator('td[data-label="Deadline"]')).not_to_be_empty()
        page.screenshot(path=shots / "4-list-360.png", full_page=True)

        row.get_by_role("link").click()
        page.get_by_label("Your message").fill("It also beeps twice")
        page.get_by_role("button", name="Send reply").click()
        expect(page.get_by_text("Your message was added.")).to_be_visible()
        expect(page.get_by_text("It also beeps twice")).to_be_visible()

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the page scrolls sideways on a phone ({width}px)"

        page.get_by_role("button", name="Русский").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        main_nav = page.get_by_role("navigation", name="Главное меню")
        expect(main_nav.get_by_role("link", name="Мои заявки")).to_be_visible()
        page.screenshot(path=shots / "5-detail-ru-360.png", full_page=True)

        page.set_viewport_size({"width": 1280, "height": 800})
        main_nav.get_by_role("link", name="Мои заявки").click()
        expect(page.get_by_role("heading", name="Мои заявки")).to_be_visible()
        page.screenshot(path=shots / "6-list-ru-desktop.png", full_page=True)
    assert len(list(shots.glob("*.png"))) == 6
