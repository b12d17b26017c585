"""A shopper's phone (Chromium at 360 px) opens a store's feedback page from its poster and
sends feedback with a photo, in English and in Russian, without an account — against the
sandbox Znuny through a real HTTP server. Screenshots go to ``$RADIANT_TEST_ARTIFACTS``
(``feedback-browser/``) or the test's temporary folder."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from radiant_ext.config import Settings, load_settings
from radiant_ext.portal import create_app
from radiant_ext.store import Outbox, OutboxState, make_engine, session_scope, upgrade_database
from radiant_ext.store.feedback import set_feedback_enabled
from radiant_ext_sandbox import create_app as sandbox_app
from radiant_ext_sandbox import serve_in_thread
from tests.portal.test_feedback import png

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    from werkzeug.serving import make_server

    data = tmp_path_factory.mktemp("feedback-browser")
    znuny = serve_in_thread(sandbox_app(data / "sandbox", seed="retail"))
    settings = load_settings(znuny_url=znuny.url, znuny_user="radiant",
                             znuny_password="radiant-demo", data_dir=data, database_url="",
                             catalog_dirs=[data / "sandbox" / "stores"])
    engine = make_engine(settings.effective_database_url)
    upgrade_database(engine)
    with session_scope(engine) as s:
        set_feedback_enabled(s, "store-012", True, actor="test")
    engine.dispose()
    app = create_app({"RADIANT_SETTINGS": settings, "SECRET_KEY": "browser-test",
                      "SESSION_COOKIE_SECURE": False, "PORTAL_HSTS_SECONDS": 0,
                      "PORTAL_FEEDBACK_GUEST_CUSTOMER": "feedback-guest@shop.example"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", settings
    server.shutdown()
    server.server_close()
    app.extensions["radiant_portal"]["services"].close()
    znuny.stop()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("RADIANT_TEST_ARTIFACTS", tmp_path)) / "feedback-browser"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
    served: tuple[str, Settings], artifacts: Path, tmp_path: Path,
) -> None:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import expect, sync_playwright

    url, settings = served
    photo = tmp_path / "shelf.png"
    photo.write_bytes(png())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 360, "height": 740}, locale="en-US")
        poster = page.goto(f"{url}/feedback/store-012/poster.svg")
        assert poster is not None and poster.ok
        page.goto(f"{url}/feedback/store-012/poster")
        expect(page.get_by_role("img")).to_be_visible()
        page.screenshot(path=artifacts / "1-poster-360.png", full_page=True)

        page.goto(f"{url}/feedback/store-012")
        expect(page.get_by_role("heading", name="How did we do?")).to_be_visible()
        page.screenshot(path=artifacts / "2-form-en-360.png", full_page=True)
        page.get_by_role("button", name="Send feedback").click()  # nothing filled in
        expect(page.get_by_role("alert").first).to_contain_text("Please correct")
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
        page.screenshot(path=artifacts / "3-thanks-en-360.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        row = _filed(settings, reference.group(0))
        assert row.state == OutboxState.SENT and row.customer_user == "olga.shopper@example.com"

        page.get_by_role("link", name="Send more feedback").click()
        page.get_by_role("button", name="Русский").click()
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.get_by_role("heading", name="Как мы справились?")).to_be_visible()
        page.get_by_label("Что случилось?").fill("Очень громкая музыка в торговом зале.")
        page.get_by_label("Ответ не нужен (анонимно)").check()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=artifacts / "4-form-ru-360.png", full_page=True)
        page.get_by_role("button", name="Отправить отзыв").click()
        expect(page.get_by_role("heading", name="Спасибо")).to_be_visible()
        expect(page.locator(".confirmation")).to_contain_text("Вы не просили ответа")
        page.screenshot(path=artifacts / "5-thanks-ru-360.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        browser.close()
    assert len(list(artifacts.glob("*.png"))) == 5
