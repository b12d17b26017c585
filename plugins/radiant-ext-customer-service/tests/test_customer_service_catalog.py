"""Customer service: public feedback and complaints, contact check, store from the form."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_customer_service

from radiant_ext.plugins import Plugins, RequestContext, Viewer, make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False,
                                       plugins=[radiant_ext_customer_service],
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def test_only_outside_customers_see_feedback_and_complaint(plugins: Plugins) -> None:
    public = [i.id for i in plugins.catalog_items(viewer=Viewer(company="public"))]
    assert public == ["customer-service.feedback", "customer-service.complaint"]
    assert plugins.catalog_items(viewer=Viewer(company="store-007")) == []
    for item in plugins.catalog_items():
        assert item.routing.queue == "Customer Service"
        assert item.routing.type == "Feedback"
        assert item.routing.sla == "Customer Service standard"


def test_complaint_without_email_or_phone_is_refused(plugins: Plugins) -> None:
    item = plugins.item("customer-service.complaint")
    values = {"store": "store-005", "topic": "price", "message": "Wrong price on the receipt"}
    errors = plugins.validate(item, values)
    assert [(e.field, e.code) for e in errors] == [("email", "contact_required")]
    assert "телефон" in errors[0].get("ru")
    assert plugins.validate(item, {**values, "phone": "+7 495 123-45-67"}) == []
    bad = plugins.validate(item, {**values, "email": "not-an-address"})
    assert [(e.field, e.code) for e in bad] == [("email", "invalid")]


def test_feedback_does_not_need_contact_details(plugins: Plugins) -> None:
    item = plugins.item("customer-service.feedback")
    assert plugins.validate(item, {"message": "Friendly staff in Kazan, thank you"}) == []


def test_safety_complaint_about_flagship_store_from_the_form(plugins: Plugins) -> None:
    item = plugins.item("customer-service.complaint")
    d = plugins.route(item, RequestContext(
        fields={"store": "store-002", "topic": "safety", "message": "Broken glass on the floor"},
        customer_company="public",
        submitted_at=datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))))
    assert d.store_id == "store-002"
    assert [r.id for r in d.rules_fired] == ["health-or-safety", "flagship-store"]
    assert d.priority == "5 very high"
    assert d.dynamic_fields()["RadiantStore"] == "store-002"
