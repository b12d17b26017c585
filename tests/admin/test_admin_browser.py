"""The "done when" walk of the admin area in Chromium at tablet size: the IT admin logs in
with their Znuny account, enables IT for store 007 only (the history shows it), previews the
catalog as store 007's clerk in Russian, tries a routing case, requeues a parked request —
and is refused HR. Screenshots go to ``$RADIANT_TEST_ARTIFACTS/admin-browser/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from radiant_ext.config import Settings
from radiant_ext.store import Outbox, OutboxState, make_engine, session_scope
from tests._browser import artifacts, chromium, portal_on_sandbox
from tests.admin.conftest import ADMIN, NOW

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _parked_it_request(engine: Engine) -> None:
    with session_scope(engine) as s:
        s.add(Outbox(request_id="RQ-PARKED-IT", state=OutboxState.PARKED,
                     customer_user="demo-customer", title="Register 2 frozen",
                     category="it.pos-down", payload={},
                     last_error="InvalidRequestError: Queue 'IT::Stores' is invalid"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    with portal_on_sandbox(tmp_path_factory.mktemp("admin-browser"), admin=ADMIN,
                           config={"ADMIN_CLOCK": lambda: NOW},
                           prepare=_parked_it_request) as served:
        yield served.url, served.settings


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    return artifacts(tmp_path, "admin-browser")


def test_department_admin_does_everything_in_the_browser_and_nothing_for_another(
        served: tuple[str, Settings], shots: Path) -> None:
    from playwright.sync_api import expect

    url, settings = served
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 768, "height": 1024}, locale="en-US")
        page.goto(f"{url}/admin/")
        page.get_by_label("Agent login").fill("it-agent")
        page.get_by_label("Password").fill("demo")
        page.get_by_label("Password").press("Enter")
        expect(page.get_by_role("heading", name="Departments")).to_be_visible()
        expect(page.get_by_role("link", name="HR")).to_have_count(0)

        page.locator('a[href="/admin/departments/it"]').click()
        page.get_by_label("Only the customers chosen below").check()
        page.get_by_label("These stores or companies").fill("store-007")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Saved.")).to_be_visible()
        history = page.locator("table.admin tbody tr").first
        expect(history).to_contain_text("it-agent")
        expect(history).to_contain_text("enabled, for store-007")
        page.screenshot(path=shots / "1-department-768.png", full_page=True)

        page.get_by_role("link", name="Preview this catalog as a customer").click()
        page.get_by_label("A clerk of this store").fill("store-007")
        page.get_by_label("Русский").check()
        page.get_by_role("button", name="Show the catalog").click()
        item = page.locator('[data-item="it.pos-down"]')
        expect(item).to_contain_text("Ожидаемый срок")
        expect(item).to_contain_text("GMT+05:00")  # Yekaterinburg: the store's zone
        expect(page.get_by_text("Не работает касса")).to_be_visible()
        page.screenshot(path=shots / "2-preview-ru-768.png", full_page=True)

        page.get_by_role("link", name="Routing").click()
        page.get_by_label("Catalog item").select_option("it.pos-down")
        page.get_by_label("Store", exact=True).fill("store-001")
        page.get_by_label("Filed at").fill("2026-11-20T17:50")
        page.get_by_role("button", name="Show the decision").click()
        decision = page.locator("section", has_text="Decision")
        expect(decision).to_contain_text("flagship-store")
        expect(decision).to_contain_text("2026-11-20 18:50:00 UTC")
        shared = page.locator("a.share").get_attribute("href") or ""
        assert "item=it.pos-down" in shared and "store=store-001" in shared
        page.screenshot(path=shots / "3-routing-768.png", full_page=True)

        page.get_by_role("link", name="Health").click()
        row = page.locator("tr", has_text="RQ-PARKED-IT")
        expect(row).to_contain_text("Queue 'IT::Stores' is invalid")
        row.get_by_role("button", name="Send again").click()
        expect(page.get_by_text("RQ-PARKED-IT is pending again")).to_be_visible()
        expect(page.get_by_text("No request is parked.", exact=True)).to_be_visible()
        page.screenshot(path=shots / "4-health-768.png", full_page=True)

        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 768, f"the page scrolls sideways on a tablet ({width}px)"
        page.set_viewport_size({"width": 360, "height": 740})
        for path in ("/admin/", "/admin/departments/it", "/admin/routing", "/admin/health"):
            page.goto(f"{url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 360, f"{path} scrolls sideways on a phone ({width}px)"
        page.screenshot(path=shots / "5-health-360.png", full_page=True)

        refused = page.goto(f"{url}/admin/departments/hr")
        assert refused is not None and refused.status == 403
        expect(page.get_by_text("You are not an admin of the department hr.")).to_be_visible()

    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        state = s.query(Outbox.state).filter(Outbox.request_id == "RQ-PARKED-IT").scalar()
    engine.dispose()
    assert state == OutboxState.PENDING
