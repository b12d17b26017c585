"""A run over the live tickets reads their copies in ``report_live``, never the cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from radiant_ext.reports.context import LIVE_ONLY, count_if, is_open, live_copies, store_key
from radiant_ext.store import ReportLive, SatisfactionRating, TicketCache
from radiant_ext.store.rollups import LIVE_COPIED, WATCHED_COLUMNS


def test_every_watched_cache_column_has_its_copy() -> None:
    """The copies are what the dirty triggers watch: a change of any of them is taken in
    before a page reads the copies."""
    live = ReportLive.__table__.c
    assert set(LIVE_COPIED) == set(WATCHED_COLUMNS) - {"ticket_id"}
    for name, copy in LIVE_COPIED.items():
        assert type(live[copy].type) is type(TicketCache.__table__.c[name].type)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()],
                         ids=["sqlite", "postgresql"])
def test_a_live_query_reads_report_live_alone(dialect: object) -> None:
    t, r = TicketCache, SatisfactionRating
    stmt = (select(store_key(), func.count(), count_if(is_open()), func.count(r.rating))
            .select_from(t).outerjoin(r, r.ticket_id == t.ticket_id)
            .where(t.created >= datetime(2026, 1, 1, tzinfo=UTC), LIVE_ONLY)
            .group_by(store_key()))
    sql = str(live_copies(stmt).compile(dialect=dialect))  # type: ignore[arg-type]
    assert "ticket_cache" not in sql
    assert "FROM report_live LEFT OUTER JOIN satisfaction_rating" in sql
    assert "coalesce(report_live.ticket_store, report_live.customer_id)" in sql
    assert "ticket_id IN" not in sql  # the restriction to live ids is the table itself


def test_a_column_without_a_copy_is_an_error_not_a_read_of_the_cache() -> None:
    with pytest.raises(LookupError, match="no copy of ticket_cache.title"):
        live_copies(select(TicketCache.category, TicketCache.title).where(LIVE_ONLY))
