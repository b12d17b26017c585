"""The item of the stores' public feedback pages (docs/feedback.md): offered to the page's
guest company only, routed to Customer Service, with the store from the page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_customer_service

from radiant_ext.plugins import Plugins, RequestContext, Viewer, make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR

ITEM = "customer-service.shopper-feedback"


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False,
                                       plugins=[radiant_ext_customer_service],
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def test_only_the_guest_page_sees_the_shopper_item(plugins: Plugins) -> None:
    assert [i.id for i in plugins.catalog_items(viewer=Viewer(company="shoppers"))] == [ITEM]
    for company in ("public", "store-012", "head-office"):
        assert ITEM not in [i.id for i in plugins.catalog_items(viewer=Viewer(company=company))]


def test_shopper_feedback_goes_to_customer_service_with_the_store(plugins: Plugins) -> None:
    item = plugins.item(ITEM)
    decision = plugins.route(item, RequestContext(
        store_id="store-012", customer_company="shoppers",
        fields={"store": "store-012", "message": "The milk shelf was empty at 9 am."},
        submitted_at=datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))))
    assert (decision.queue, decision.type, decision.service) == (
        "Customer Service", "Feedback", "Customer Service::Feedback")
    assert decision.dynamic_fields()["RadiantStore"] == "store-012"
    assert decision.dynamic_fields()["RadiantCategory"] == ITEM


def test_the_shopper_item_checks_its_fields_in_russian_too(plugins: Plugins) -> None:
    item = plugins.item(ITEM)
    errors = plugins.validate(item, {"message": "short", "email": "not-an-address",
                                     "store": "store-012"})
    assert sorted((e.field, e.code) for e in errors) == [("email", "invalid"),
                                                         ("message", "too_short"),
                                                         ("topic", "required")]
    unknown = plugins.validate(item, {"message": "Friendly staff, thank you!",
                                      "topic": "weather", "store": "store-012"})
    assert [(e.field, e.code) for e in unknown] == [("topic", "invalid_choice")]
    assert plugins.validate(item, {"message": "Friendly staff, thank you!", "topic": "praise",
                                   "email": "olga@example.com", "store": "store-012"}) == []
    topic = next(f for f in item.fields if f.id == "topic")
    assert [o.value for o in topic.options] == [
        "product", "staff", "store", "prices", "delivery", "praise", "other"]
    assert item.translate("Store (cleanliness, queues)", "ru") == "Магазин (чистота, очереди)"
    assert item.translate(item.title, "ru") == "Отзыв покупателя"
