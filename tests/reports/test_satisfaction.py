"""The satisfaction reports: ratings next to SLA compliance and volume, scoped for managers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from radiant_ext.reports.context import ItemDirectory, ReportFilter
from radiant_ext.reports.export import to_csv
from radiant_ext.reports.i18n import translate
from radiant_ext.reports.registry import run_report
from radiant_ext.store import SatisfactionRating, TicketCache, make_engine, upgrade_database

NOW = datetime(2026, 12, 5, 8, tzinfo=UTC)
DIRECTORY = ItemDirectory(items={"it.pos-down": ("it", "POS down"), "hr.leave": ("hr", "Leave")},
                          departments={"it": "IT", "hr": "HR"},
                          stores={"store-007": "Store 007", "store-001": "Flagship"})


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    upgrade_database(engine)
    tickets = [  # item, store, owner, rating, comment, solved late, created days ago
        ("it.pos-down", "store-007", "ivan", 2, "Took two days", False, 3),
        ("it.pos-down", "store-007", "ivan", None, "", True, 3),
        ("it.pos-down", "store-007", "petr", 1, "Nobody called back", True, 40),
        ("hr.leave", "store-001", "olga", 5, "", False, 3),
    ]
    with Session(engine) as s:
        for i, (item, store, owner, rating, comment, late, days) in enumerate(tickets, 1):
            created = NOW - timedelta(days=days)
            s.add(TicketCache(
                ticket_id=i, ticket_number=str(1000 + i), title="t", state="closed successful",
                state_type="closed", customer_id=store, customer_user_id="u", store=store,
                category=item, owner=owner, created=created, changed=NOW,
                closed=created + timedelta(hours=30 if late else 2),
                promised_deadline=created + timedelta(hours=24)))
            if rating is not None:
                s.add(SatisfactionRating(
                    ticket_id=i, ticket_number=str(1000 + i), item=item, store=store,
                    department=item.split(".")[0], owner=owner, rating=rating, comment=comment,
                    rated_at=created + timedelta(days=1), rated_by="u", via="portal",
                    follow_up="", attempts=0, last_error=""))
        s.commit()
        yield s
    engine.dispose()


def _run(session: Session, name: str, f: ReportFilter | None = None) -> list[dict[str, object]]:
    return run_report(name, session, f or ReportFilter(), directory=DIRECTORY, now=NOW).records()


def test_per_item_average_rating_sits_next_to_sla_and_volume(session: Session) -> None:
    pos = next(r for r in _run(session, "satisfaction-items") if r["key"] == "it.pos-down")
    assert pos["label"] == "POS down"
    assert (pos["tickets"], pos["rated"], pos["average"], pos["poor"]) == (3, 2, 1.5, 2)
    assert pos["solution_rate"] == pytest.approx(33.3)  # one of three solved in time


def test_per_department_store_owner_and_month(session: Session) -> None:
    departments = {r["label"]: r for r in _run(session, "satisfaction-departments")}
    assert departments["IT"]["average"] == 1.5 and departments["HR"]["average"] == 5.0
    stores = {r["label"]: r["tickets"] for r in _run(session, "satisfaction-stores")}
    assert stores == {"Store 007": 3, "Flagship": 1}
    owners = {r["key"]: r["average"] for r in _run(session, "satisfaction-owners")}
    assert owners == {"ivan": 2.0, "petr": 1.0, "olga": 5.0}
    months = {r["key"]: (r["tickets"], r["rated"]) for r in _run(session, "satisfaction-months")}
    assert months == {"2026-10": (1, 1), "2026-12": (3, 2)}


def test_worst_comments_come_first_with_their_time_zone(session: Session) -> None:
    rows = _run(session, "satisfaction-comments")
    assert [r["comment"] for r in rows] == ["Nobody called back", "Took two days"]
    assert rows[0]["rating"] == 1 and rows[0]["rated_at"].tzinfo.key == "Europe/Moscow"


def test_a_manager_sees_only_the_own_store(session: Session) -> None:
    scoped = ReportFilter().scoped("store-001")
    assert [r["key"] for r in _run(session, "satisfaction-items", scoped)] == ["hr.leave"]
    assert _run(session, "satisfaction-comments", scoped) == []


def test_csv_export_and_russian_words(session: Session) -> None:
    table = run_report("satisfaction-items", session, ReportFilter(), directory=DIRECTORY,
                       now=NOW)
    lines = to_csv(table).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Key,Name,Tickets,Rated,Average rating,Poor ratings (1-2),")
    assert lines[1].startswith("it.pos-down,POS down,3,2,1.5,2,")
    assert [translate(c.label, "ru") for c in table.columns][4:6] == [
        "Средняя оценка", "Низкие оценки (1–2)"]
