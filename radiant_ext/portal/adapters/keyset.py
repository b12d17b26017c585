"""Keyset pages of the ticket cache: a list page costs the same at any size of the cache.

A page is found by walking composite indexes (``TicketCache.__table_args__``) from a cursor
— the sort value and ticket id of the row before it — instead of counting and skipping the
rows of earlier pages. A list is the union of a few *arms*, each one index range read in
order: the customer's own tickets (``list_login``), in the company list also the company's
(``customer_id``), each for open, closed or both (``list_open``), with the category or store
filter in the index where the sort is ``created``. The arms' first rows are merged here.

Rows without a sort value (no deadline) come after all others in both directions; ties in
the sort value are broken by the ticket id, in the same direction.

Limits, named for the page to show:

* :data:`SCAN_LIMIT` — a filter the index cannot serve (the text search; the category or
  store with another sort than ``created``) is checked on at most this many rows per arm and
  page; a page that found fewer matches stops there and "Next page" searches on.
* :data:`COUNT_LIMIT` — the count stops here (the page says "more than 1,000").
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cmp_to_key, lru_cache
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import iterate

from radiant_ext.store import TicketCache

__all__ = ["COUNT_LIMIT", "SCAN_LIMIT", "Found", "InvalidCursor", "Key", "Walk", "count",
           "decode", "encode", "page_keys", "rows_of"]

COUNT_LIMIT = 1000
"""The most rows a list counts; past it the page says "more than 1,000 requests"."""
SCAN_LIMIT = 2000
"""The most rows per arm a page checks against a filter no index serves (text search)."""

SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "created": TicketCache.created, "deadline": TicketCache.promised_deadline,
    "state": TicketCache.state, "number": TicketCache.ticket_number,
}
_NULLABLE = {"created", "deadline"}
_DATES = {"created", "deadline"}


class InvalidCursor(ValueError):
    """A page cursor that is not one this list issued (damaged, or for another sort)."""


@dataclass(frozen=True)
class Key:
    """A row's place in a list: its sort value (``None`` in the last group, ``null``) and id."""

    null: bool
    value: Any
    ticket_id: int


@dataclass(frozen=True)
class Walk:
    """How to walk one list: its sort, direction, arms and the conditions checked on the way.

    Conditions are ``(column, value)`` pairs, equal to match; the SQL is built once per
    shape (which columns, how many words, ...) and cached, the values are parameters.

    :param arms: per arm, the conditions its index serves (scope, open flag, a filter).
    :param residual: conditions checked on the walked rows (bounded by :data:`SCAN_LIMIT`).
    :param words: words every matching title holds (lower case), checked on the walk too.
    :param number: digits a matching ticket number holds instead (with ``words``).
    """

    sort: str
    descending: bool
    arms: tuple[tuple[tuple[str, Any], ...], ...]
    residual: tuple[tuple[str, Any], ...] = ()
    words: tuple[str, ...] = ()
    number: str = ""

    @property
    def filtered(self) -> bool:
        """Whether rows are checked on the walk (and the walk bounded)."""
        return bool(self.residual or self.words)


def encode(sort: str, descending: bool, key: Key) -> str:
    """The URL form of ``key`` in a list sorted by ``sort`` (base64 of a small JSON array)."""
    value = key.value.isoformat() if isinstance(key.value, datetime) else key.value
    raw = json.dumps([sort, "d" if descending else "a", int(key.null), value, key.ticket_id],
                     separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, sort: str, descending: bool) -> Key:
    """The key ``token`` names; :class:`InvalidCursor` if it is damaged or from another sort."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        got_sort, order, null, value, ticket_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InvalidCursor("damaged page link") from exc
    if got_sort != sort or order != ("d" if descending else "a"):
        raise InvalidCursor("page link of another sort")
    if null not in (0, 1) or type(ticket_id) is not int or not 0 <= ticket_id < 2**63:
        raise InvalidCursor("damaged page link")
    if null:
        return Key(True, None, ticket_id)
    if not isinstance(value, str) or len(value) > 255:
        raise InvalidCursor("damaged page link")
    if sort in _DATES:
        try:
            return Key(False, datetime.fromisoformat(value), ticket_id)
        except ValueError as exc:
            raise InvalidCursor("damaged page link") from exc
    return Key(False, value, ticket_id)


def _compare(descending: bool, nulls_first: bool) -> Any:
    """A comparison of keys in walk order (``cmp_to_key``)."""
    def compare(a: Key, b: Key) -> int:
        if a.null != b.null:
            return -1 if a.null == nulls_first else 1
        pair_a = (0, a.ticket_id) if a.null else (a.value, a.ticket_id)
        pair_b = (0, b.ticket_id) if b.null else (b.value, b.ticket_id)
        less = -1 if pair_a < pair_b else (1 if pair_a > pair_b else 0)
        return -less if descending else less
    return compare


def _like(text: str) -> str:
    """``text`` inside a LIKE pattern, its ``%``, ``_`` and ``/`` taken literally."""
    return "%" + text.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _equal(columns: Sequence[str], prefix: str) -> list[ColumnElement[bool]]:
    return [getattr(TicketCache, c) == bindparam(f"{prefix}{i}") for i, c in enumerate(columns)]


def _phase_query(sort: str, arm: Sequence[str], number: int, null: bool, at_cursor: bool,
                 descending: bool) -> Any:
    """One arm's rows of one group (with or without a sort value), after the cursor
    (``:cv``, ``:cid``) if it is in this group, in walk order, as (sort value, id)."""
    column, tid = SORT_COLUMNS[sort], TicketCache.ticket_id
    where = _equal(arm, f"a{number}_")
    if sort in _NULLABLE:
        where.append(column.is_(None) if null else column.is_not(None))
    if at_cursor:
        cid = bindparam("cid", type_=tid.type)
        if null:
            where.append(tid < cid if descending else tid > cid)
        else:
            pair = tuple_(column, tid)
            at = tuple_(bindparam("cv", type_=column.type), cid)
            where.append(pair < at if descending else pair > at)
    order = [tid] if null else [column, tid]
    return select(column, tid).where(*where).order_by(
        *(c.desc() if descending else c.asc() for c in order))




def _residual_where(residual: Sequence[str], words: int,
                    number: bool) -> list[ColumnElement[bool]]:
    """The conditions checked on the walk (``:r0`` …, ``:w0`` …, ``:num``)."""
    where = _equal(residual, "r")
    if words:
        title = func.lower(TicketCache.title)
        text = and_(*(title.like(bindparam(f"w{i}"), escape="/") for i in range(words)))
        where.append(or_(TicketCache.ticket_number.like(bindparam("num"), escape="/"), text)
                     if number else text)
    return where


def _scanned(where: Sequence[ColumnElement[bool]], sort: str) -> list[Any]:
    """The sort column, the id and the columns ``where`` reads, once each."""
    table = TicketCache.__table__
    keys = dict.fromkeys([SORT_COLUMNS[sort].key, "ticket_id"])
    for condition in where:
        keys.update(dict.fromkeys(e.key for e in iterate(condition)
                                  if isinstance(e, Column) and e.table is table))
    return [table.c[key] for key in keys]


def _residual_query(sort: str, query: Any, where: Sequence[ColumnElement[bool]],
                    descending: bool, n: int, scan: int) -> Any:
    """``query``'s first ``scan`` rows (a derived table, which no planner merges into the
    outer filter) that match ``where``, in walk order. Only the columns ``where`` reads are
    scanned: for a text search in the default sort, the index holds them all."""
    scanned = query.with_only_columns(*_scanned(where, sort)).limit(scan).subquery()
    adapt = ClauseAdapter(scanned).traverse
    column, tid = scanned.c[SORT_COLUMNS[sort].key], scanned.c.ticket_id
    return select(column, tid).where(*(adapt(c) for c in where)).order_by(
        *(c.desc() if descending else c.asc() for c in (column, tid))).limit(n)


def _tagged(query: Any, tag: int) -> Any:
    """``query``'s (sort value, id) rows with ``tag``, as a member of one UNION ALL."""
    sub = query.subquery()
    value, tid = list(sub.c)[:2]
    return select(literal(tag, Integer).label("tag"), value.label("v"), tid.label("i"))


def _groups(sort: str, cursor_null: bool | None, backward: bool) -> list[bool]:
    """The groups (``True``: rows without a sort value) a walk reads, in walk order."""
    groups = [False, True] if sort in _NULLABLE else [False]
    if backward:
        groups.reverse()
    return groups[groups.index(cursor_null):] if cursor_null is not None else groups


@lru_cache(maxsize=512)
def _walk_statement(sort: str, descending: bool, arms: tuple[tuple[str, ...], ...],
                    residual: tuple[str, ...], words: int, number: bool,
                    cursor_null: bool | None, backward: bool, n: int, scan: int) -> Any:
    """One UNION ALL of every arm's and group's first ``n`` matches (tag ``4 * arm + 2 *
    group``) and, with conditions checked on the walk, of the last row the scan reaches
    (the same tag + 1): a page in one round trip, built once per shape."""
    direction = descending != backward
    where = _residual_where(residual, words, number)
    members = []
    for number_, arm in enumerate(arms):
        for null in _groups(sort, cursor_null, backward):
            query = _phase_query(sort, arm, number_, null, cursor_null == null, direction)
            tag = 4 * number_ + 2 * int(null)
            if where:
                members.append(_tagged(_residual_query(
                    sort, query, where, direction, n, scan), tag))
                members.append(_tagged(query.offset(scan - 1).limit(1), tag + 1))
            else:
                members.append(_tagged(query.limit(n), tag))
    return members[0].union_all(*members[1:]) if len(members) > 1 else members[0]


def _parameters(walk: Walk, cursor: Key | None) -> dict[str, Any]:
    values: dict[str, Any] = {f"a{a}_{i}": v for a, arm in enumerate(walk.arms)
                              for i, (_c, v) in enumerate(arm)}
    values.update((f"r{i}", v) for i, (_c, v) in enumerate(walk.residual))
    values.update((f"w{i}", _like(w)) for i, w in enumerate(walk.words))
    if walk.number:
        values["num"] = _like(walk.number)
    if cursor is not None:
        values.update(cid=cursor.ticket_id, **({} if cursor.null else {"cv": cursor.value}))
    return values


def _arm_keys(walk: Walk, number: int, found: dict[int, list[Key]], cursor: Key | None,
              backward: bool, n: int) -> tuple[list[Key], Key | None]:
    """One arm's matches in walk order, and where the scan stopped it first (else ``None``)."""
    keys: list[Key] = []
    for null in _groups(walk.sort, cursor.null if cursor else None, backward):
        tag = 4 * number + 2 * int(null)
        got = found.get(tag, [])
        keys += got
        if len(got) >= n:
            break
        stop = found.get(tag + 1)
        if stop:
            return keys, stop[0]
    return keys, None


@dataclass(frozen=True)
class Found:
    """Keys of one page in list order, and where the neighbouring pages start."""

    keys: list[Key]
    more: Key | None
    """Where the walk goes on (the next page after it), if it does."""
    limited: bool
    """Whether :data:`SCAN_LIMIT` ended the walk before a full page was found."""


def page_keys(s: Session, walk: Walk, cursor: Key | None, backward: bool, n: int) -> Found:
    """The keys of ``n`` rows after ``cursor`` (before it, ``backward``) in walk order."""
    compare = _compare(walk.descending != backward, nulls_first=backward)
    statement = _walk_statement(
        walk.sort, walk.descending, tuple(tuple(c for c, _v in arm) for arm in walk.arms),
        tuple(c for c, _v in walk.residual), len(walk.words), bool(walk.number),
        cursor.null if cursor else None, backward, n + 1, SCAN_LIMIT)
    found: dict[int, list[Key]] = {}
    for tag, value, ticket_id in s.execute(statement, _parameters(walk, cursor)):
        found.setdefault(tag, []).append(Key(bool(tag & 2), value, ticket_id))
    keys: dict[int, Key] = {}
    stops: list[Key] = []
    for number in range(len(walk.arms)):
        arm, stop = _arm_keys(walk, number, found, cursor, backward, n + 1)
        keys.update((k.ticket_id, k) for k in arm)
        if stop is not None:
            stops.append(stop)
    ordered = sorted(keys.values(), key=cmp_to_key(compare))
    stop = min(stops, key=cmp_to_key(compare)) if stops else None
    if stop is not None:
        ordered = [k for k in ordered if compare(k, stop) <= 0]
    if len(ordered) > n:
        return Found(ordered[:n], ordered[n - 1], False)
    return Found(ordered, stop, stop is not None)


@lru_cache(maxsize=64)
def _count_statement(arms: tuple[tuple[str, ...], ...], limit: int) -> Any:
    parts = [select(TicketCache.ticket_id).where(*_equal(arm, f"a{a}_")).limit(limit)
             .subquery() for a, arm in enumerate(arms)]
    ids = [select(part.c.ticket_id) for part in parts]
    union = ids[0].union(*ids[1:]) if len(ids) > 1 else ids[0]
    return select(func.count()).select_from(union.subquery())


def count(s: Session, arms: tuple[tuple[tuple[str, Any], ...], ...]) -> int:
    """How many rows the arms hold together, counted up to :data:`COUNT_LIMIT` + 1 per arm
    (a result above :data:`COUNT_LIMIT` means "more than that")."""
    statement = _count_statement(tuple(tuple(c for c, _v in arm) for arm in arms),
                                 COUNT_LIMIT + 1)
    values = {f"a{a}_{i}": v for a, arm in enumerate(arms) for i, (_c, v) in enumerate(arm)}
    return int(s.scalar(statement, values) or 0)


_ROW_COLUMNS = (TicketCache.ticket_id, TicketCache.ticket_number, TicketCache.title,
                TicketCache.state, TicketCache.state_type, TicketCache.category,
                TicketCache.store, TicketCache.customer_id, TicketCache.customer_user_id,
                TicketCache.created, TicketCache.promised_deadline, TicketCache.priority)
_ROWS = select(*_ROW_COLUMNS).where(
    TicketCache.ticket_id.in_(bindparam("ids", expanding=True)))


def rows_of(s: Session, ids: Sequence[int]) -> dict[int, Any]:
    """The list columns of the tickets ``ids`` (named like ``TicketCache``'s), by id."""
    return {r.ticket_id: r for r in s.execute(_ROWS, {"ids": list(ids)})} if ids else {}
