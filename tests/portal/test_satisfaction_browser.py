"""A phone-sized Chromium (360 px) rates solved requests in English and in Russian, and the
store's manager finds the rating in the satisfaction report — against the sandbox, through a
real HTTP server. Screenshots go to ``$RADIANT_TEST_ARTIFACTS`` or the test's folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from radiant_ext.client import AgentCredentials, NewArticle, TicketChanges, ZnunyClient
from radiant_ext.config import Settings
from radiant_ext.sync.context import JobContext
from radiant_ext.sync.tickets import pull_tickets
from tests._browser import artifacts, chromium, portal_on_sandbox
from tests.portal.test_with_sandbox import _file_pos_request, _login

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with portal_on_sandbox(tmp_path_factory.mktemp("satisfaction-browser"),
                           reports={"managers": {"store-007": ["store-manager"]}}) as served:
        agent = ZnunyClient(served.znuny_url,
                            credentials=AgentCredentials("radiant", "radiant-demo"))
        try:
            yield {"url": served.url, "app": served.app, "agent": agent,
                   "settings": served.settings}
        finally:
            agent.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return artifacts(tmp_path, "satisfaction-browser")


def _solved_request(app: Flask, agent: ZnunyClient) -> int:
    client, _ = _login(app, "demo-customer")
    _, ticket_id = _file_pos_request(client)
    agent.ticket_update(ticket_id, ticket=TicketChanges(state="closed successful"),
                        article=NewArticle(subject="Fixed", body="The register works again.",
                                           content_type="text/plain; charset=utf-8",
                                           communication_channel="Internal",
                                           is_visible_for_customer=True, sender_type="agent"))
    return ticket_id


def _pull(settings: Settings, agent: ZnunyClient) -> None:
    ctx = JobContext.from_settings(settings, client_factory=lambda: agent, owns_client=False)
    pull_tickets(ctx)
    ctx.engine.dispose()


def test_rating_at_phone_width_in_english_and_russian(
    world: dict[str, Any], shots: Path
) -> None:
    from playwright.sync_api import expect

    url, app, agent = world["url"], world["app"], world["agent"]
    first, second = _solved_request(app, agent), _solved_request(app, agent)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="en-US")
        page.goto(f"{url}/login")
        page.get_by_label("Login").fill("demo-customer")
        page.get_by_label("Password").fill("demo")
        page.get_by_label("Password").press("Enter")
        page.goto(f"{url}/requests/{first}")
        expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
        page.get_by_label("4 — good").check()
        page.get_by_label("Comment (optional)").fill("Fixed on the same day")
        page.screenshot(path=shots / "1-rating-form-en-360.png", full_page=True)
        page.get_by_role("button", name="Send my rating").click()
        expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
        expect(page.get_by_text("Your rating: 4 of 5")).to_be_visible()
        expect(page.locator(".satisfaction .note")).to_contain_text("GMT+05:00")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "2-rated-en-360.png", full_page=True)

        page.get_by_role("button", name="Русский").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        page.goto(f"{url}/requests/{second}")
        expect(page.get_by_role("heading", name="Как мы справились?")).to_be_visible()
        page.get_by_role("button", name="Отправить оценку").click()  # nothing chosen
        expect(page.get_by_text("Выберите оценку от 1 до 5.")).to_be_visible()
        page.get_by_label("2 — плохо").check()
        page.get_by_label("Комментарий (необязательно)").fill("Ждали два дня")
        page.screenshot(path=shots / "3-rating-form-ru-360.png", full_page=True)
        page.get_by_role("button", name="Отправить оценку").click()
        expect(page.get_by_text("Ваша оценка: 2 из 5")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "4-rated-ru-360.png", full_page=True)

        _pull(world["settings"], agent)
        manager = browser.new_page(viewport={"width": 360, "height": 740}, locale="ru-RU")
        manager.goto(f"{url}/login")
        manager.locator("#login").fill("store-manager")
        manager.locator("#password").fill("demo")
        manager.locator("#password").press("Enter")
        manager.goto(f"{url}/reports/satisfaction-items")
        table = manager.locator("table").first
        expect(table).to_contain_text("Средняя оценка")
        expect(table).to_contain_text("Решено в срок, %")
        expect(table.locator("tr", has_text="Не работает касса")  # the item's Russian title
               ).to_contain_text("3")  # (4 + 2) / 2
        manager.screenshot(path=shots / "5-report-ru-360.png", full_page=True)
        manager.goto(f"{url}/reports/satisfaction-comments")
        expect(manager.locator("table").first).to_contain_text("Ждали два дня")
