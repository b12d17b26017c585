"""The maintenance catalog: the service company's hours in each store's local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import radiant_ext_maintenance

from radiant_ext.plugins import Plugins, RequestContext, make_plugin_manager
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR


@pytest.fixture
def plugins() -> Plugins:
    return Plugins(make_plugin_manager(load_entrypoints=False, plugins=[radiant_ext_maintenance],
                                       catalog_dirs=[DEMO_CATALOG_DIR]))


def test_maintenance_registers_display_case_lighting_hvac_and_door(plugins: Plugins) -> None:
    assert [i.id for i in plugins.catalog_items()] == [
        "maintenance.display-case", "maintenance.lighting", "maintenance.hvac",
        "maintenance.door-lock", "maintenance.workplace", "maintenance.fit-out"]
    # "New store opening" needs IT's and legal's items: left out while they are not installed
    services = {"Maintenance::Display case", "Maintenance::Lighting", "Maintenance::HVAC",
                "Maintenance::Door and lock"}
    *faults, workplace, fit_out = plugins.catalog_items()
    # a new colleague's desk and a new store's fit-out are the team's own work, not the
    # service company's contract
    for own in (workplace, fit_out):
        assert (own.routing.queue, own.routing.sla) == ("Maintenance", None)
    assert (workplace.deadline.business_hours, fit_out.deadline.business_hours) == (24, 80)
    for item in faults:
        assert item.routing.queue == "Maintenance"
        assert item.routing.service in services
        assert item.routing.sla == "Maintenance contract"
        assert item.deadline.business_hours == 6


def test_deadline_uses_the_stores_local_working_hours(plugins: Plugins) -> None:
    item = plugins.item("maintenance.lighting")
    # 07:00 UTC on a Wednesday: 10:00 in Moscow, 14:00 in Novosibirsk (store-006).
    at = datetime(2026, 11, 25, 7, 0, tzinfo=ZoneInfo("UTC"))
    moscow = plugins.route(item, RequestContext(store_id="store-004", fields={"area": "storage"},
                                                submitted_at=at))
    novosibirsk = plugins.route(item, RequestContext(store_id="store-006",
                                                     fields={"area": "storage"}, submitted_at=at))
    assert moscow.deadline.astimezone(ZoneInfo("Europe/Moscow")).hour == 16
    nsk = novosibirsk.deadline.astimezone(ZoneInfo("Asia/Novosibirsk"))
    assert (nsk.day, nsk.hour) == (25, 20)


def test_unlockable_door_is_very_high_with_two_hours(plugins: Plugins) -> None:
    item = plugins.item("maintenance.door-lock")
    saturday_14 = datetime(2026, 11, 28, 14, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    d = plugins.route(item, RequestContext(store_id="store-008", fields={"cannot_lock": "no"},
                                           submitted_at=saturday_14))
    assert d.priority == "5 very high"
    # Saturday closes at 15:00: one hour then, one hour from Monday 08:00.
    assert d.deadline.astimezone(ZoneInfo("Europe/Moscow")) == datetime(
        2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert d.rules_fired[0].effect == (
        "priority 3 normal → 5 very high; deadline 6 → 2 business hours")
