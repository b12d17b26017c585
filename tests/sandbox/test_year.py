"""The demo's year of history: the patterns it promises, the same year for the same seed, once."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from radiant_ext_sandbox import schema as s
from radiant_ext_sandbox.db import make_engine
from radiant_ext_sandbox.seeds import year as shape
from radiant_ext_sandbox.year import YearTicket, generate_year, history_of

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday, 12:00 in Moscow
END = NOW.replace(tzinfo=None)
TICKETS = 1500


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[YearTicket]]:
    """A retail sandbox with a year of 1,500 requests ending at NOW."""
    folder = tmp_path_factory.mktemp("year")
    tickets = generate_year(folder, NOW, tickets=TICKETS, seed=7)
    assert tickets is not None
    return folder, tickets


def _tickets(year: tuple[Path, list[YearTicket]]) -> list[YearTicket]:
    return year[1]


def _moscow(t: YearTicket) -> dt.datetime:
    return t.created + dt.timedelta(hours=3)


def test_the_year_ends_at_now_and_spans_a_year(year: tuple[Path, list[YearTicket]]) -> None:
    tickets = _tickets(year)
    created = [t.created for t in tickets]
    assert len(tickets) == TICKETS
    assert END - dt.timedelta(days=2) < max(created) <= END
    assert END - dt.timedelta(days=366) < min(created) < END - dt.timedelta(days=350)
    assert all(t.first_response is None or t.first_response <= END for t in tickets)
    assert all(t.solved is None or not t.state.startswith("closed") or t.solved <= END
               for t in tickets)


def test_monday_brings_the_weekend_and_holidays_are_quiet(
        year: tuple[Path, list[YearTicket]]) -> None:
    weekdays = Counter(_moscow(t).weekday() for t in _tickets(year))
    assert weekdays[0] > 2 * weekdays[6]  # Monday vs Sunday
    assert weekdays[0] > 1.2 * weekdays[2]  # Monday vs Wednesday
    per_day = Counter(_moscow(t).date() for t in _tickets(year))
    days = [END.date() - dt.timedelta(days=n) for n in range(1, 365)]
    holidays = [per_day[d] for d in days if shape.is_holiday(d) and d.weekday() < 5]
    workdays = [per_day[d] for d in days if not shape.is_holiday(d) and d.weekday() < 5]
    assert statistics.mean(holidays) < 0.5 * statistics.mean(workdays)


def test_one_price_tag_printer_model_breaks_far_more_often(
        year: tuple[Path, list[YearTicket]]) -> None:
    models = Counter(t.form["model"] for t in _tickets(year)
                     if t.item.id == "it.price-tag-printer")
    assert set(models) == set(shape.PRICE_TAG_MODELS)
    others = [n for m, n in models.items() if m != shape.BAD_MODEL]
    assert models[shape.BAD_MODEL] >= 3 * statistics.median(models.values())
    assert models[shape.BAD_MODEL] > 3 * max(others)


def test_flagship_stores_file_more_and_are_promised_less_time(
        year: tuple[Path, list[YearTicket]]) -> None:
    flagship = {"store-001", "store-002", "store-003"}
    stores = Counter(t.store for t in _tickets(year))
    assert min(stores[f] for f in flagship) > statistics.median(stores.values())

    def hours(t: YearTicket) -> float:
        return (t.deadline - t.created).total_seconds() / 3600

    receipt = [t for t in _tickets(year) if t.item.id == "it.receipt-printer"]
    quick = statistics.median(hours(t) for t in receipt if t.store in flagship)
    usual = statistics.median(hours(t) for t in receipt if t.store not in flagship)
    assert quick < usual


def test_some_deadlines_are_missed_late_or_still_open(
        year: tuple[Path, list[YearTicket]]) -> None:
    tickets = _tickets(year)
    solved_late = [t for t in tickets if t.solved and t.solved <= END and t.solved > t.deadline]
    open_late = [t for t in tickets if not t.state.startswith("closed") and t.deadline < END]
    assert 0.05 < len(solved_late) / len(tickets) < 0.3
    assert len(open_late) >= 5
    on_time = [t for t in tickets if t.solved and t.solved <= t.deadline]
    assert len(on_time) > 0.6 * len(tickets)


def test_every_department_several_owners_ratings_and_guest_feedback(
        year: tuple[Path, list[YearTicket]]) -> None:
    tickets = _tickets(year)
    departments = {t.item.id.split(".")[0] for t in tickets}
    assert departments == {"it", "hr", "maintenance", "customer-service", "accounting", "legal"}
    assert len({t.owner for t in tickets}) >= 6
    rated = [t.rating for t in tickets if t.rating is not None]
    assert len(rated) > 0.2 * len(tickets) and {r.rating for r in rated} == {1, 2, 3, 4, 5}
    late = [t.rating.rating for t in tickets if t.rating and t.late]
    kept = [t.rating.rating for t in tickets if t.rating and not t.late]
    assert statistics.mean(late) < statistics.mean(kept)
    topics = {t.form["topic"] for t in tickets if t.item.id == "customer-service.shopper-feedback"}
    assert len(topics) >= 5


def test_the_database_holds_the_year_once(year: tuple[Path, list[YearTicket]]) -> None:
    folder, tickets = year
    assert history_of(folder) == {"tickets": TICKETS, "seed": 7, "now": "2026-11-23 09:00:00"}
    assert generate_year(folder, NOW + dt.timedelta(days=3), tickets=TICKETS, seed=7) is None
    engine = make_engine(folder)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(s.ticket)).scalar() == TICKETS
        numbers = conn.execute(select(func.count(s.ticket.c.tn.distinct()))).scalar()
    engine.dispose()
    assert numbers == TICKETS
    assert len({t.id for t in tickets}) == TICKETS


def test_the_same_seed_gives_the_same_year(tmp_path: Path,
                                          year: tuple[Path, list[YearTicket]]) -> None:
    again = generate_year(tmp_path, NOW, tickets=TICKETS, seed=7)
    assert again == _tickets(year)
    other = generate_year(tmp_path / "other", NOW, tickets=TICKETS, seed=8)
    assert other != _tickets(year)


def test_the_year_files_catalog_items_as_the_catalogs_route_them() -> None:
    from radiant_ext.plugins import Plugins, make_plugin_manager

    items = {i.id: i for i in Plugins(make_plugin_manager()).catalog_items(include_disabled=True)}
    for item in shape.ITEMS:
        known = items.get(item.id)
        assert known is not None, f"{item.id} is no catalog item"
        routing = known.routing
        assert (item.service, item.queue, item.kind) == (
            routing.service, routing.queue, routing.type), item.id
        assert known.deadline is not None and item.hours == known.deadline.business_hours
        owners = set(routing.owner_pool) | ({routing.owner} if routing.owner else set())
        assert set(item.owners) <= owners | {"demo-agent"}, item.id
