"""The admin area against the sandbox Znuny: a department admin enables their catalog for
some stores (with its history), previews it as a clerk, tries a routing case and requeues a
parked request; and cannot do any of it for another department."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from radiant_ext.config import Settings, load_settings
from radiant_ext.portal.admin import AdminSettingsError, admin_settings
from radiant_ext.store import Outbox, OutboxState, TicketCache, make_engine, session_scope
from tests.admin.conftest import admin_login, customer_login, token


def _scope_it_to_store_007(client: FlaskClient) -> None:
    html = client.get("/admin/departments/it").get_data(as_text=True)
    response = client.post("/admin/departments/it", data={
        "csrf_token": token(html), "enabled": "y", "audience": "some",
        "companies": "store-007"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]


def _park(settings: Settings, request_id: str, category: str) -> None:
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        s.add(Outbox(request_id=request_id, state=OutboxState.PARKED,
                     customer_user="demo-customer", title=f"parked {category}",
                     category=category, payload={},
                     last_error="InvalidRequestError: Queue 'IT::Stores' is invalid"))
    engine.dispose()


def _state(settings: Settings, request_id: str) -> OutboxState:
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        found = s.scalar(select(Outbox.state).where(Outbox.request_id == request_id))
    engine.dispose()
    assert found is not None
    return found


def test_agents_log_in_with_znuny_and_see_only_their_departments(portal: Flask) -> None:
    anonymous = portal.test_client().get("/admin/")
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]
    _, wrong = admin_login(portal, "it-agent", "wrong")
    assert wrong.status_code == 401
    it, response = admin_login(portal, "it-agent")
    assert response.status_code == 302
    page = it.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/departments/it"' in page
    assert 'href="/admin/departments/hr"' not in page
    companion, _ = admin_login(portal, "demo-agent")
    page = companion.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/departments/it"' in page and 'href="/admin/departments/hr"' in page
    nobody, response = admin_login(portal, "acct-agent")
    refused = nobody.get("/admin/")
    assert refused.status_code == 403
    assert "not an admin of any department" in refused.get_data(as_text=True)
    mine = it.get("/admin/").get_data(as_text=True)
    out = it.post("/admin/logout", data={"csrf_token": token(mine)})
    assert out.status_code == 302
    assert it.get("/admin/").status_code == 302  # back to the login: the session ended


def test_enabling_for_some_stores_is_recorded_and_applied_to_the_portal(
        portal: Flask) -> None:
    it, _ = admin_login(portal, "it-agent")
    _scope_it_to_store_007(it)
    page = it.get("/admin/departments/it").get_data(as_text=True)
    history = page.split("History", 1)[1]
    assert "it-agent" in history
    assert "enabled, for everyone" in history and "enabled, for store-007" in history
    assert "(Moscow, GMT+03:00)" in history  # every shown time carries its zone
    clerk_007 = customer_login(portal, "demo-customer").get("/").get_data(as_text=True)
    assert 'href="/new/it.pos-down"' in clerk_007
    flagship = customer_login(portal, "flagship-clerk")
    assert 'href="/new/it.pos-down"' not in flagship.get("/").get_data(as_text=True)
    assert flagship.get("/new/it.pos-down").status_code == 404


def test_bad_scope_input_is_a_form_error(portal: Flask) -> None:
    it, _ = admin_login(portal, "it-agent")
    html = it.get("/admin/departments/it").get_data(as_text=True)
    unknown = it.post("/admin/departments/it", data={
        "csrf_token": token(html), "enabled": "y", "audience": "some",
        "companies": "store-999"})
    assert unknown.status_code == 400
    assert "store-999 is not in the store directory" in unknown.get_data(as_text=True)
    nothing = it.post("/admin/departments/it", data={
        "csrf_token": token(html), "enabled": "y", "audience": "some"})
    assert nothing.status_code == 400 and "Choose at least one" in nothing.get_data(as_text=True)
    no_token = it.post("/admin/departments/it", data={"enabled": "y", "audience": "everyone"})
    assert no_token.status_code == 400


def test_preview_shows_the_catalog_as_the_clerk_sees_it_in_either_language(
        portal: Flask) -> None:
    it, _ = admin_login(portal, "it-agent")
    _scope_it_to_store_007(it)
    english = it.get("/admin/preview?department=it&store=store-007&lang=en")
    text = english.get_data(as_text=True)
    assert english.status_code == 200
    assert 'data-item="it.pos-down"' in text and "Expected by" in text
    assert "(Yekaterinburg, GMT+05:00)" in text  # the store's zone, shown with the deadline
    russian = it.get("/admin/preview?department=it&store=store-007&lang=ru")
    assert "Не работает касса" in russian.get_data(as_text=True)
    outside = it.get("/admin/preview?department=it&store=store-001&lang=en")
    assert 'data-item="it.pos-down"' not in outside.get_data(as_text=True)
    assert "not enabled for store-001" in outside.get_data(as_text=True)


def test_routing_form_shows_decision_rules_deadline_and_a_link_to_share(
        portal: Flask) -> None:
    it, _ = admin_login(portal, "it-agent")
    url = "/admin/routing?item=it.pos-down&store=store-001&at=2026-11-20T17:50&recent=0&run=1"
    page = it.get(url).get_data(as_text=True)
    assert "flagship-store" in page  # the rule that fired, with why
    assert "2026-11-20 18:50:00 UTC" in page and "(Moscow, GMT+03:00)" in page
    share = re.search(r'class="share" href="([^"]+)"', page)
    assert share and "item=it.pos-down" in share.group(1)
    colleague, _ = admin_login(portal, "demo-agent")
    shared = colleague.get(share.group(1).replace("&amp;", "&").split("localhost", 1)[-1])
    assert "2026-11-20 18:50:00 UTC" in shared.get_data(as_text=True)
    bad = it.get("/admin/routing?item=it.pos-down&store=store-001&at=noon&run=1")
    assert bad.status_code == 400 and "YYYY-MM-DD HH:MM" in bad.get_data(as_text=True)


def test_requeue_sends_a_parked_request_again_and_refuses_to_file_twice(
        portal: Flask, settings: Settings) -> None:
    _park(settings, "RQ-IT-PARKED", "it.pos-down")
    it, _ = admin_login(portal, "it-agent")
    page = it.get("/admin/health").get_data(as_text=True)
    assert "RQ-IT-PARKED" in page and "Queue &#39;IT::Stores&#39; is invalid" in page
    assert "Nothing is wrong" not in page
    response = it.post("/admin/outbox/RQ-IT-PARKED/requeue", data={"csrf_token": token(page)})
    assert response.status_code == 302
    assert _state(settings, "RQ-IT-PARKED") != OutboxState.PARKED
    _park(settings, "RQ-IT-FILED", "it.pos-down")
    engine = make_engine(settings.effective_database_url)
    with session_scope(engine) as s:
        s.add(TicketCache(ticket_id=990001, ticket_number="2026112010000099",
                          request_id="RQ-IT-FILED"))
    engine.dispose()
    twice = it.post("/admin/outbox/RQ-IT-FILED/requeue", data={"csrf_token": token(page)})
    assert twice.status_code == 403 and "file it twice" in twice.get_data(as_text=True)
    assert _state(settings, "RQ-IT-FILED") == OutboxState.PARKED


def test_health_says_plainly_when_nothing_is_wrong(portal: Flask, settings: Settings) -> None:
    from radiant_ext.sync.lease import LEADER_LEASE, Lease

    hr, _ = admin_login(portal, "hr-agent")
    page = hr.get("/admin/health").get_data(as_text=True)
    assert "Nothing is wrong" not in page  # no scheduler runs: the outbox is not drained
    assert "No scheduler is running" in page and "when a scheduler runs" in page
    engine = make_engine(settings.effective_database_url)
    assert Lease(engine, LEADER_LEASE, holder="sync-host-1", ttl=300).acquire()
    engine.dispose()
    page = hr.get("/admin/health").get_data(as_text=True)
    assert "Nothing is wrong" in page and "sync-host-1" in page
    assert "(Moscow, GMT+03:00)" in page  # the next runs, in the portal's zone


@pytest.mark.parametrize("lang", ["ru"])
def test_pages_in_russian(portal: Flask, lang: str) -> None:
    it, _ = admin_login(portal, "it-agent")
    html = it.get("/admin/").get_data(as_text=True)
    it.post("/language", data={"csrf_token": token(html), "lang": lang, "next": "/admin/"})
    page = it.get("/admin/").get_data(as_text=True)
    assert "Отделы" in page and "Departments" not in page


# -- an HR admin cannot touch IT ------------------------------------------------------------

def test_hr_admin_cannot_see_or_change_it(portal: Flask, settings: Settings) -> None:
    hr, _ = admin_login(portal, "hr-agent")
    page = hr.get("/admin/departments/hr").get_data(as_text=True)
    csrf = token(page)
    refused = hr.get("/admin/departments/it")
    assert refused.status_code == 403
    assert "not an admin of the department it" in refused.get_data(as_text=True)
    change = hr.post("/admin/departments/it", data={"csrf_token": csrf, "audience": "everyone"})
    assert change.status_code == 403
    companion, _ = admin_login(portal, "demo-agent")
    it_page = companion.get("/admin/departments/it").get_data(as_text=True)
    assert "Nobody has changed this department yet" in it_page  # nothing was saved
    assert hr.get("/admin/preview?department=it&store=store-007").status_code == 403
    assert hr.get("/admin/routing?item=it.pos-down&store=store-001&run=1").status_code == 403
    _park(settings, "RQ-IT-HR", "it.pos-down")
    assert "RQ-IT-HR" not in hr.get("/admin/health").get_data(as_text=True)
    requeue = hr.post("/admin/outbox/RQ-IT-HR/requeue", data={"csrf_token": csrf})
    assert requeue.status_code == 403
    assert _state(settings, "RQ-IT-HR") == OutboxState.PARKED


def test_admin_settings_typos_are_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AdminSettingsError, match=r"admin\.department_admin: Extra inputs"):
        admin_settings(load_settings(data_dir=tmp_path, admin={"department_admin": {}}))
    from radiant_ext.portal.admin import AdminSettings

    with pytest.raises(AdminSettingsError, match="unknown department 'itt' .known: hr, it"):
        AdminSettings(department_admins={"itt": ["x"]}).check_departments(["it", "hr"])


def test_health_runs_the_znuny_setup_check_on_request(portal: Flask) -> None:
    it, _ = admin_login(portal, "it-agent")
    assert "gi.session" not in it.get("/admin/health").get_data(as_text=True)
    page = it.get("/admin/health?znuny=1").get_data(as_text=True)
    assert "gi.session" in page and "logged in" in page  # the sandbox's GI answered
    assert "webhook.secret" in page


def test_health_lists_webhook_calls_that_failed(portal: Flask) -> None:
    import base64

    settings_ = portal.config["RADIANT_SETTINGS"]
    assert settings_.webhook_secret.get_secret_value() == ""  # no secret: every call refused
    wrong = base64.b64encode(b"znuny:guess").decode()
    answer = portal.test_client().post("/-/znuny/webhook", json={"Event": {}},
                                       headers={"Authorization": f"Basic {wrong}"})
    assert answer.status_code in (401, 403, 503)
    it, _ = admin_login(portal, "it-agent")
    page = it.get("/admin/health").get_data(as_text=True)
    assert 'class="webhook-failure"' in page
    assert f">{answer.status_code}<" in page
    assert "Nothing is wrong" not in page


def test_a_shared_case_opened_by_a_colleague_not_logged_in_comes_back_after_login(
        portal: Flask) -> None:
    case = "/admin/routing?item=it.pos-down&store=store-001&at=2026-11-20T17:50&run=1"
    colleague = portal.test_client()
    to_login = colleague.get(case)
    assert to_login.status_code == 302 and "/admin/login" in to_login.headers["Location"]
    html = colleague.get(to_login.headers["Location"]).get_data(as_text=True)
    back = colleague.post("/admin/login", data={
        "csrf_token": token(html), "login": "demo-agent", "password": "demo",
        "next": re.search(r'name="next" type="hidden" value="([^"]+)"', html)
        .group(1).replace("&amp;", "&")})  # type: ignore[union-attr]
    assert back.status_code == 302 and back.headers["Location"].endswith(case)
    assert "2026-11-20 18:50:00 UTC" in colleague.get(case).get_data(as_text=True)
    fresh = colleague.get("/admin/login").get_data(as_text=True)
    evil = colleague.post("/admin/login", data={
        "csrf_token": token(fresh), "login": "demo-agent", "password": "demo",
        "next": "https://evil.example/admin/"})
    assert evil.headers["Location"].endswith("/admin/")
    assert "evil" not in evil.headers["Location"]
