"""Parallel batches in the ticket pull (``RADIANT_SYNC_PULL_PARALLEL_BATCHES``): several
``TicketGet`` batches are fetched at once, written in the order of change, and a pull that
dies between them resumes from the last batch written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from radiant_ext.config import Settings, load_settings
from radiant_ext.errors import InvalidSettingsError
from radiant_ext.store import TicketCache, get_cursor, session_scope
from radiant_ext.sync import JobContext
from radiant_ext.sync.tickets import FULL_PULL_CHECKPOINT, full_resync, pull_tickets


def _cached(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).select_from(TicketCache)) or 0)


def test_settings_default_to_one_batch_and_refuse_out_of_range_values(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_settings().sync_pull_parallel_batches == 1
    monkeypatch.setenv("RADIANT_SYNC_PULL_PARALLEL_BATCHES", "4")
    assert load_settings().sync_pull_parallel_batches == 4
    for bad in ("0", "17", "2.5", "many"):
        monkeypatch.setenv("RADIANT_SYNC_PULL_PARALLEL_BATCHES", bad)
        with pytest.raises(InvalidSettingsError) as caught:
            load_settings()
        text = str(caught.value)
        assert "\n" not in text and "RADIANT_SYNC_PULL_PARALLEL_BATCHES" in text
        assert "from 1 to 16" in text


def test_parallel_batches_fetch_four_hundred_at_once_and_write_each_hundred(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        settings: Settings) -> None:
    for n in range(650):
        znuny.add_ticket(Title=f"t{n}")
    asked: list[tuple[int, int, int]] = []
    real_get_many = znuny.ticket_get_many

    def get_many(ids: list[int], **flags: Any) -> Any:
        asked.append((len(ids), flags["chunk_size"], flags["workers"]))
        return real_get_many(ids, **flags)

    znuny.ticket_get_many = get_many
    written: list[int] = []
    ctx = make_ctx(settings=settings.model_copy(update={"sync_pull_parallel_batches": 4}),
                   progress=lambda _what, done, _total: written.append(done))
    assert full_resync(ctx)["pulled"] == 650
    assert asked == [(400, 100, 4), (250, 100, 4)]
    assert written == [100, 100, 100, 100, 100, 100, 50]
    assert _cached(engine) == 650


def test_a_pull_that_dies_in_a_parallel_fetch_resumes_after_the_batches_written(
        engine: Engine, znuny: Any, make_ctx: Callable[..., JobContext],
        settings: Settings) -> None:
    settings = settings.model_copy(update={"sync_pull_parallel_batches": 2,
                                           "sync_pull_overlap_seconds": 0})
    for n in range(500):
        znuny.add_ticket(Title=f"t{n}")
        znuny.tick()
    fetched: list[int] = []
    real_get_many = znuny.ticket_get_many

    def dying_get_many(ids: list[int], **flags: Any) -> Any:
        if fetched:  # the second fetch of two batches fails
            raise KeyboardInterrupt
        fetched.extend(ids)
        return real_get_many(ids, **flags)

    znuny.ticket_get_many = dying_get_many
    with pytest.raises(KeyboardInterrupt):
        pull_tickets(make_ctx(settings=settings))
    assert _cached(engine) == 200
    with session_scope(engine) as s:
        assert get_cursor(s, FULL_PULL_CHECKPOINT) is not None

    znuny.ticket_get_many = real_get_many
    counts = pull_tickets(make_ctx(settings=settings))
    assert counts["resumed"] == 1 and counts["pulled"] < 500
    assert _cached(engine) == 500
