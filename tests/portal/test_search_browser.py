"""Search as you type and "I can't find what I need" in a phone-sized Chromium, against the
sandbox with the installed department plugins, through a real HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests._browser import artifacts, chromium, portal_on_sandbox

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def portal_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with portal_on_sandbox(tmp_path_factory.mktemp("search-browser")) as served:
        yield served.url


def test_results_follow_the_typing_and_a_description_is_filed_without_a_category(
    portal_url: str, tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    shots = artifacts(tmp_path, "search-browser")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="en-US")
        page.goto(f"{portal_url}/login")
        page.get_by_label("Login").fill("demo-customer")
        page.get_by_label("Password").fill("demo")
        page.get_by_label("Password").press("Enter")
        search = page.get_by_label("Search the catalog")
        search.press_sequentially("касса не печатает чек", delay=20)  # no Enter: as you type
        first = page.locator("#search-results .result").first
        expect(first.get_by_role("link")).to_have_text("Receipt printer")
        expect(first.locator(".result-dept")).to_have_text("IT")
        assert page.url.rstrip("/") == portal_url.rstrip("/")  # nothing was submitted
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "1-as-you-type-360.png", full_page=True)

        search.fill("")
        search.press_sequentially("submarine periscope", delay=20)
        expect(page.locator("#search-results [data-results-heading]")).to_have_text(
            "Nothing matches “submarine periscope”.")
        page.get_by_role("link", name="I can't find what I need").click()
        text = page.get_by_label("Describe what you need in your own words")
        expect(text).to_have_value("submarine periscope")
        text.fill("The music in the sales floor is far too loud")
        page.get_by_role("button", name="Find matching requests").click()
        page.screenshot(path=shots / "2-cant-find-360.png", full_page=True)
        page.get_by_role("button", name="None of these: send my description as it is").click()
        expect(page.get_by_role("heading", name="Request received")).to_be_visible()
        expect(page.locator(".confirmation p").first).to_contain_text("has the number",
                                                                      timeout=20_000)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{portal_url}/?q=forgot+password")
        expect(page.locator("#search-results .result a").first).to_have_text("Password reset")
        page.screenshot(path=shots / "3-results-1280.png", full_page=True)
