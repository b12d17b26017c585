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

A walk may leave out the parts of bundle requests, which the list shows under their parent
(:attr:`Walk.nest_parts`): a part still of the login (the company) it was filed for, as its
parent is. Each arm's index range is read on past them, checked by the ticket id through the
outbox's ``ticket_id`` index and ``bundle_part``'s unique request id, and the arm's login or
company, which its index holds: the list's index still serves the walk and the count.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
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
    null,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import iterate

from radiant_ext.store import BundlePartRow, Outbox, TicketCache

__all__ = ["COUNT_LIMIT", "SCAN_LIMIT", "Arms", "Found", "InvalidCursor", "Key", "Walk",
           "decode", "encode", "page_keys"]

COUNT_LIMIT = 1000
"""The most rows a list counts; past it the page says "more than 1,000 requests"."""
SCAN_LIMIT = 2000
"""The most rows per arm a page checks against a filter no index serves (text search)."""

SORT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "created": TicketCache.list_created, "deadline": TicketCache.promised_deadline,
    "state": TicketCache.state, "number": TicketCache.ticket_number,
}
_NULLABLE = {"deadline"}
"""Sorts with rows without a value (a second group, walked after the others)."""
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
    nest_parts: bool = False
    """Leave out the parts of bundle requests still of the login (in a company arm, the
    company) they were filed for, in the walk and the count: the list shows them under
    their parent, filed for the same."""

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


def _not_a_nested_part(scope: str) -> ColumnElement[bool]:
    """The ticket is no part of a bundle request filed for the login (``scope``
    ``list_login``) or the company (``customer_id``) it is of now (two lookups by unique
    keys; the few parts an agent gave to someone else are listed on their own)."""
    same = (func.lower(Outbox.customer_user) == TicketCache.list_login
            if scope == "list_login" else BundlePartRow.customer_id == TicketCache.customer_id)
    return ~select(literal(1)).select_from(Outbox).join(
        BundlePartRow, BundlePartRow.request_id == Outbox.request_id).where(
        Outbox.ticket_id == TicketCache.ticket_id, same).exists()


def _phase_query(sort: str, arm: Sequence[str], number: int, null: bool, at_cursor: bool,
                 descending: bool, nest: bool = False) -> Any:
    """One arm's rows of one group (with or without a sort value), after the cursor
    (``:cv``, ``:cid``) if it is in this group, in walk order, as (sort value, id); with
    ``nest``, without the parts the list shows under their parent."""
    column, tid = SORT_COLUMNS[sort], TicketCache.ticket_id
    where = _equal(arm, f"a{number}_")
    if nest:
        where.append(_not_a_nested_part(arm[0]))
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


_ROW_COLUMNS = (TicketCache.ticket_number, TicketCache.title, TicketCache.state,
                TicketCache.state_type, TicketCache.category, TicketCache.store,
                TicketCache.customer_id, TicketCache.customer_user_id, TicketCache.created,
                TicketCache.promised_deadline, TicketCache.priority)
"""What a list row shows (besides the id), read with the keys in the same query."""


def _tagged(query: Any, tag: int) -> Any:
    """``query``'s rows as a member of one UNION ALL: ``tag``, the sort value ``v``, the
    ``ticket_id`` and the list row's columns (looked up by primary key for the few rows found)."""
    sub = query.subquery()
    value, tid = list(sub.c)[:2]
    return select(literal(tag, Integer).label("tag"), value.label("v"), tid.label("ticket_id"),
                  *_ROW_COLUMNS).select_from(
        sub.join(TicketCache, TicketCache.ticket_id == tid))


def _count_member(arms: tuple[tuple[str, ...], ...], limit: int, nest: bool = False) -> Any:
    """The count as a member of the page's UNION ALL (tag -1, the count as the id): the rows
    the arms hold together, up to ``limit`` per arm (parameters ``c<arm>_<n>``); with
    ``nest``, not the parts nested under their parent."""
    parts = [select(TicketCache.ticket_id).where(
        *_equal(arm, f"c{a}_"),
        *([_not_a_nested_part(arm[0])] if nest else [])).limit(limit)
             .subquery() for a, arm in enumerate(arms)]
    ids = [select(part.c.ticket_id) for part in parts]
    union = ids[0].union(*ids[1:]) if len(ids) > 1 else ids[0]
    total = select(func.count()).select_from(union.subquery()).scalar_subquery()
    return select(literal(-1, Integer), null(), total, *(null() for _c in _ROW_COLUMNS))


def _groups(sort: str, cursor_null: bool | None, backward: bool) -> list[bool]:
    """The groups (``True``: rows without a sort value) a walk reads, in walk order."""
    groups = [False, True] if sort in _NULLABLE else [False]
    if backward:
        groups.reverse()
    return groups[groups.index(cursor_null):] if cursor_null is not None else groups


@dataclass(frozen=True)
class _Shape:
    """What the SQL of one page query depends on (its values are parameters)."""

    sort: str
    descending: bool
    arms: tuple[tuple[str, ...], ...]
    residual: tuple[str, ...]
    words: int
    number: bool
    backward: bool
    n: int
    scan: int
    nest: bool = False


def _merged(shape: _Shape, group: bool, at_cursor: bool, descending: bool) -> Any:
    """The first ``n`` keys of all arms together (a ticket in two arms once), in walk order:
    each arm's first ``n`` from its index, merged by the database."""
    parts = [_phase_query(shape.sort, arm, number, group, at_cursor, descending,
                          shape.nest).limit(shape.n).subquery()
             for number, arm in enumerate(shape.arms)]
    keys = [select(list(p.c)[0].label("v"), list(p.c)[1].label("i")) for p in parts]
    union = keys[0].union(*keys[1:]) if len(keys) > 1 else keys[0]
    value, tid = union.selected_columns.v, union.selected_columns.i
    return union.order_by(*(c.desc() if descending else c.asc() for c in (value, tid))
                          ).limit(shape.n)


def _also_member(ids: Any) -> Any:
    """The ids ``ids`` selects (one column; ordered and limited there) as a member of the
    page's UNION ALL (tag -2, the id as the ticket id)."""
    sub = ids.subquery()
    return select(literal(-2, Integer), null(), list(sub.c)[0],
                  *(null() for _c in _ROW_COLUMNS))


@lru_cache(maxsize=512)
def _statement(shape: _Shape, group: bool, at_cursor: bool, which: tuple[int, ...],
               counts: tuple[tuple[str, ...], ...] | None, count_limit: int,
               also: Any = None) -> Any:
    """One UNION ALL of the first ``n`` matches of the arms ``which`` in ``group`` (tag ``4 *
    arm + 2 * group``), with conditions checked on the walk also the last row the scan
    reaches (the same tag + 1), with ``counts`` the count (tag -1), and with ``also`` the ids
    it selects (tag -2): built once per shape."""
    direction = shape.descending != shape.backward
    where = _residual_where(shape.residual, shape.words, shape.number)
    if not where:  # merged in SQL: only the page's rows are looked up
        members = [_tagged(_merged(shape, group, at_cursor, direction), 2 * int(group))]
        which = ()
    else:
        members = []
    for number in which:
        query = _phase_query(shape.sort, shape.arms[number], number, group, at_cursor,
                             direction, shape.nest)
        tag = 4 * number + 2 * int(group)
        members.append(_tagged(_residual_query(
            shape.sort, query, where, direction, shape.n, shape.scan), tag))
        members.append(_tagged(query.offset(shape.scan - 1).limit(1), tag + 1))
    if counts is not None:
        members.append(_count_member(counts, count_limit, shape.nest))
    if also is not None:
        members.append(_also_member(also))
    return members[0].union_all(*members[1:]) if len(members) > 1 else members[0]


def _parameters(walk: Walk, cursor: Key | None, counts: Arms | None) -> dict[str, Any]:
    values: dict[str, Any] = {f"a{a}_{i}": v for a, arm in enumerate(walk.arms)
                              for i, (_c, v) in enumerate(arm)}
    values.update((f"c{a}_{i}", v) for a, arm in enumerate(counts or ())
                  for i, (_c, v) in enumerate(arm))
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
    for group in _groups(walk.sort, cursor.null if cursor else None, backward):
        tag = 4 * number + 2 * int(group)
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
    rows: dict[int, Any]
    """The list columns of the rows found (``TicketCache``'s names), by ticket id."""
    total: int | None = None
    """The count (above :data:`COUNT_LIMIT`: more than that), if asked for."""
    also: list[int] | None = None
    """The ids the ``also`` query of :func:`page_keys` selected, if there was one."""


Arms = tuple[tuple[tuple[str, Any], ...], ...]


def page_keys(s: Session, walk: Walk, cursor: Key | None, backward: bool, n: int,
              counts: Arms | None = None,
              also: tuple[Any, dict[str, Any]] | None = None) -> Found:
    """The keys of ``n`` rows after ``cursor`` (before it, ``backward``) in walk order, their
    rows, and the count of the ``counts`` arms: one query, a second only at the end of the
    rows with a sort value (to read those without).

    :param also: another query's ids to read in the same round trip — a select of one
        integer column (the same object for the same shape: statements are cached by it) and
        its parameters (named apart from the page's); :attr:`Found.also` holds them.
    """
    shape = _Shape(walk.sort, walk.descending,
                   tuple(tuple(c for c, _v in arm) for arm in walk.arms),
                   tuple(c for c, _v in walk.residual), len(walk.words), bool(walk.number),
                   backward, n + 1, SCAN_LIMIT, walk.nest_parts)
    values = _parameters(walk, cursor, counts)
    groups = _groups(walk.sort, cursor.null if cursor else None, backward)
    found: dict[int, list[Key]] = {}
    rows: dict[int, Any] = {}
    total = None
    also_ids: list[int] | None = None
    if also is not None:
        values.update(also[1])
        also_ids = []
    arms = len(walk.arms) if walk.filtered else 1  # unfiltered: merged in SQL, as one
    which = tuple(range(arms))
    for step, group in enumerate(groups):
        statement = _statement(shape, group, cursor is not None and step == 0, which,
                               None if step or counts is None else
                               tuple(tuple(c for c, _v in arm) for arm in counts),
                               COUNT_LIMIT + 1, None if step or also is None else also[0])
        for row in s.execute(statement, values):
            if row[0] == -2:
                assert also_ids is not None
                also_ids.append(int(row[2]))
                continue
            if row[0] < 0:
                total = int(row[2])
                continue
            found.setdefault(row[0], []).append(Key(bool(row[0] & 2), row[1], row[2]))
            rows[row[2]] = row
        which = tuple(a for a in which
                      if len(found.get(4 * a + 2 * int(group), [])) < n + 1
                      and not found.get(4 * a + 2 * int(group) + 1))
        if not which:
            break
    return replace(_merge(walk, arms, found, rows, total, cursor, backward, n), also=also_ids)


def _merge(walk: Walk, arms: int, found: dict[int, list[Key]], rows: dict[int, Any],
           total: int | None, cursor: Key | None, backward: bool, n: int) -> Found:
    """The arms' keys merged in walk order and cut at the first scan's stop."""
    compare = _compare(walk.descending != backward, nulls_first=backward)
    keys: dict[int, Key] = {}
    stops: list[Key] = []
    for number in range(arms):
        arm, stop = _arm_keys(walk, number, found, cursor, backward, n + 1)
        keys.update((k.ticket_id, k) for k in arm)
        if stop is not None:
            stops.append(stop)
    ordered = sorted(keys.values(), key=cmp_to_key(compare))
    stop = min(stops, key=cmp_to_key(compare)) if stops else None
    if stop is not None:
        ordered = [k for k in ordered if compare(k, stop) <= 0]
    if len(ordered) > n:
        return Found(ordered[:n], ordered[n - 1], False, rows, total)
    return Found(ordered, stop, stop is not None, rows, total)
