"""A shopper's phone (Chromium at 360 px) opens a store's feedback page from its poster and
sends feedback with a photo, in English and in Russian, without an account — against the
sandbox Znuny through a real HTTP server. Screenshots go to ``$RADIANT_TEST_ARTIFACTS``
(``feedback-browser/``) or the test's temporary folder."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from radiant_ext.config import Settings
from radiant_ext.store import Outbox, OutboxState, make_engine, session_scope
from radiant_ext.store.feedback import set_feedback_enabled
from tests._browser import artifacts, chromium, portal_on_sandbox
from tests.portal.test_feedback import png

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _store_012_open(engine: Engine) -> None:
    with session_scope(engine) as s:
        set_feedback_enabled(s, "store-012", True, actor="test")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    with portal_on_sandbox(
        tmp_path_factory.mktemp("feedback-browser"), prepare=_store_012_open,
        config={"PORTAL_FEEDBACK_GUEST_CUSTOMER": "feedback-guest@shop.example"},
    ) as served:
        yield served.url, served.settings


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return artifacts(tmp_path, "feedback-browser")


def _filed(settings: Settings, reference: str) -> Outbox:
    engine = make_engine(settings.effective_database_url)
    deadline = time.monotonic() + 20
    try:
        while True:
            with session_scope(engine) as s:
                row = s.scalars(select(Outbox).where(Outbox.request_id == reference)).one()
                s.expunge(row)
            if row.state != OutboxState.SENDING or time.monotonic() > deadline:
                return row
            time.sleep(0.1)
    finally:
        engine.dispose()


def test_a_shopper_sends_feedback_from_a_phone_in_english_and_russian(
    served: tuple[str, Settings], shots: Path, tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    url, settings = served
    photo = tmp_path / "shelf.png"
    photo.write_bytes(png())
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="en-US")
        poster = page.goto(f"{url}/feedback/store-012/poster.svg")
        assert poster is not None and poster.ok
        page.goto(f"{url}/feedback/store-012/poster")
        expect(page.get_by_role("img")).to_be_visible()
        page.screenshot(path=shots / "1-poster-360.png", full_page=True)

        page.goto(f"{url}/feedback/store-012")
        expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
        page.screenshot(path=shots / "2-form-en-360.png", full_page=True)
        page.get_by_role("button", name="Send feedback").click()  # nothing filled in
        expect(page.get_by_role("alert").first).to_contain_text("Please correct")
        expect(page.get_by_text("Choose what your feedback is about.")).to_be_visible()
        page.get_by_label("What is it about?").select_option(label="Product")
        page.get_by_label("What happened?").fill("The milk shelf was empty at 9 am.")
        page.get_by_label("Order or receipt number (optional)").fill("A-1042")
        page.get_by_label("Photo (optional)").set_input_files(str(photo))
        page.get_by_label("By e-mail").check()
        page.get_by_label("Your e-mail").fill("olga.shopper@example.com")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"the form scrolls sideways on a phone ({width}px)"
        page.get_by_role("button", name="Send feedback").click()
        expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
        reference_text = page.locator(".confirmation .reference").inner_text()
        reference = re.search(r"RQ-[A-Z0-9-]+", reference_text)
        assert reference, reference_text
        page.screenshot(path=shots / "3-thanks-en-360.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        row = _filed(settings, reference.group(0))
        assert row.state == OutboxState.SENT and row.customer_user == "olga.shopper@example.com"
        assert row.form_values is not None and row.form_values["topic"] == "product"

        page.get_by_role("link", name="Send more feedback").click()
        page.get_by_role("button", name="Русский").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.get_by_role("heading", name="Как мы справились?")).to_be_visible()
        page.get_by_label("О чём ваш отзыв?").select_option(label="Магазин (чистота, очереди)")
        page.get_by_label("Что случилось?").fill("Очень громкая музыка в торговом зале.")
        page.get_by_label("Ответ не нужен (анонимно)").check()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=shots / "4-form-ru-360.png", full_page=True)
        page.get_by_role("button", name="Отправить отзыв").click()
        expect(page.get_by_role("heading", name="Спасибо")).to_be_visible()
        expect(page.locator(".confirmation")).to_contain_text("Вы не просили ответа")
        page.screenshot(path=shots / "5-thanks-ru-360.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert len(list(shots.glob("*.png"))) == 5
