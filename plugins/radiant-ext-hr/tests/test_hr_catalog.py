"""The HR catalog loads, routes to HR and checks vacation dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_hr

from radiant_ext.plugins import Plugins, RequestContext, Viewer, make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

MSK = ZoneInfo("Europe/Moscow")


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False, plugins=[radiant_ext_hr],
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def test_hr_registers_vacation_certificate_and_onboarding(plugins: Plugins) -> None:
    assert [i.id for i in plugins.catalog_items()] == [
        "hr.vacation-request", "hr.certificate-of-employment", "hr.onboarding"]


def test_hr_routes_to_the_hr_queue_services_and_sla(plugins: Plugins) -> None:
    services = {"HR::Vacation request", "HR::Certificate of employment", "HR::Onboarding"}
    for item in plugins.catalog_items():
        assert item.routing.queue == "HR"
        assert item.routing.type == "Service Request"
        assert item.routing.service in services
        assert item.routing.sla == "HR standard"
        assert item.routing.owner == "hr-agent"


def test_vacation_must_start_at_least_two_weeks_ahead(plugins: Plugins) -> None:
    item = plugins.item("hr.vacation-request")
    soon = (date.today() + timedelta(days=3)).isoformat()
    later = (date.today() + timedelta(days=30)).isoformat()
    errors = plugins.validate(item, {"first_day": soon, "days": "14"})
    assert [(e.field, e.code) for e in errors] == [("first_day", "too_early")]
    assert plugins.validate(item, {"first_day": later, "days": "14"}) == []
    errors = plugins.validate(item, {"first_day": later, "days": "40"})
    assert [(e.field, e.code) for e in errors] == [("days", "too_large")]


def test_visa_certificate_gets_a_shorter_deadline(plugins: Plugins) -> None:
    item = plugins.item("hr.certificate-of-employment")
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=MSK)
    plain = plugins.route(item, RequestContext(fields={"purpose": "bank"}, submitted_at=monday_9))
    visa = plugins.route(item, RequestContext(
        fields={"purpose": "visa", "urgent_for_visa": "yes"}, submitted_at=monday_9))
    assert plain.deadline.astimezone(MSK) == datetime(2026, 11, 24, 15, 0, tzinfo=MSK)
    assert visa.deadline.astimezone(MSK) == datetime(2026, 11, 23, 17, 0, tzinfo=MSK)
    assert [r.id for r in visa.rules_fired] == ["visa-appointment"]


def test_hr_is_not_offered_to_outside_customers(plugins: Plugins) -> None:
    assert plugins.catalog_items(viewer=Viewer(company="public")) == []
    assert len(plugins.catalog_items(viewer=Viewer(company="head-office"))) == 3
