"""The one place where Znuny's ticket states become the words a requester reads.

Znuny reports a ticket's state name (``closed successful``, or a name an administrator made
up) and its state type (``new``, ``open``, ``closed``, ``pending reminder``…). The portal
shows neither raw: :func:`state_label` maps the stock state names, then — for states of an
installation's own — their type, to a translated label; every page (lists, detail, the
closing step and its message) uses it, so a request the customer closed reads "Solved"
everywhere. :func:`priority_label` does the same for Znuny's priority names (``4 high``),
shown where a catalog item allows (``show_priority``).
"""

from __future__ import annotations

from flask import g, has_request_context
from flask_babel import LazyString, get_locale, lazy_gettext

__all__ = ["SOLVED", "priority_label", "state_label"]

SOLVED = lazy_gettext("Solved")
"""What a request closed by its requester (``closed successful``) is called everywhere."""

_BY_NAME: dict[str, LazyString] = {
    "queued": lazy_gettext("Saved, being filed"),
    "new": lazy_gettext("New"),
    "open": lazy_gettext("In progress"),
    "closed successful": SOLVED,
    "closed unsuccessful": lazy_gettext("Closed without solution"),
    "pending reminder": lazy_gettext("Waiting"),
    "pending auto close+": lazy_gettext("Solved, closing soon"),
    "pending auto close-": lazy_gettext("Closing soon"),
    "merged": lazy_gettext("Merged"),
    "removed": lazy_gettext("Removed"),
    "waiting for approval": lazy_gettext("Waiting for approval"),
}
"""Znuny's stock state names (and ``queued``: saved here, not filed yet; ``waiting for
approval``: the Radiant package's state of requests waiting for their approver)."""

_BY_TYPE: dict[str, LazyString] = {
    "new": _BY_NAME["new"],
    "open": _BY_NAME["open"],
    "closed": lazy_gettext("Done"),
    "pending reminder": _BY_NAME["pending reminder"],
    "pending auto": _BY_NAME["pending auto close-"],
    "merged": _BY_NAME["merged"],
    "removed": _BY_NAME["removed"],
}
"""A state an installation added is named after its type."""


def state_label(state: str, state_type: str = "") -> str:
    """The requester's word for a ticket state, in the customer's language.

    :param state: Znuny's state name (``closed successful``).
    :param state_type: its state type, naming states Znuny does not ship.
    :returns: the label; a state of an unknown name and type keeps its name, capitalised.

    Only the one label asked for is translated: lists call this for every row.
    """
    label = _BY_NAME.get(state.casefold())  # not ``or``: a lazy string's truth translates it
    if label is None:
        label = _BY_TYPE.get(state_type.casefold())
    return _text(label) if label is not None else state[:1].upper() + state[1:]


def _text(label: LazyString) -> str:
    """``label`` in the request's language, translated once per request and language (a
    list of 25 rows shows a handful of different states)."""
    if not has_request_context():
        return str(label)
    language = str(get_locale())
    memo: tuple[str, dict[int, str]] | None = g.get("_state_labels")
    if memo is None or memo[0] != language:
        memo = g._state_labels = (language, {})
    text = memo[1].get(id(label))
    if text is None:
        text = memo[1][id(label)] = str(label)
    return text


_PRIORITIES: dict[str, LazyString] = {
    "1": lazy_gettext("Very low"),
    "2": lazy_gettext("Low"),
    "3": lazy_gettext("Normal"),
    "4": lazy_gettext("High"),
    "5": lazy_gettext("Very high"),
}
"""By the level Znuny's stock priority names start with (``1 very low`` … ``5 very high``)."""


def priority_label(priority: str) -> str:
    """The requester's word for a priority; a name without a stock level keeps its name."""
    level = priority.strip()[:1]
    label = _PRIORITIES.get(level) if priority[1:2] in (" ", "") else None
    return str(label) if label is not None else priority
