"""What Znuny 7.0.19 does with an invoker answer: the write-back keys, in the order it runs them.

This is the receiving side of ``shared/contract/znuny-webhook/README.md`` ("Write-back keys
honoured by 7.0.19", "Error answers, timeouts, retries"), written as pure functions so the
sandbox can play Znuny's part and tests can check our own answers:

* keys are read only from a **20x** answer whose body parses as JSON (204 and ``text/*``
  answers are successes that apply nothing; any other status, an empty body or invalid JSON
  is an error that applies nothing — files 13-18, 20);
* keys run in **sorted key order**; unknown keys are skipped;
* ``OTRS_TicketDynamicFieldSet_<Field>`` matches anywhere in the key, case-insensitively
  (``m{OTRS_TicketDynamicFieldSet_(.*)}xmsi`` in ``Invoker/Ticket/Generic.pm``); the other
  keys match exactly;
* the **first key that fails stops all keys after it**, and what ran before stays applied
  (files 07, 12).

:func:`plan_writeback` applies the structural checks Znuny makes before touching the ticket
(``OTRS_TicketArticleAdd`` without ``HistoryType``/``HistoryComment`` fails, file 07).
Checks that need Znuny's data — an unknown queue (file 12), an unknown dynamic field, which
Znuny skips silently (file 10) — belong to whoever applies the actions:
:func:`apply_writeback` runs a callback per action and stops at the first failure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "WRITEBACK_OPERATIONS",
    "WriteBackAction",
    "WriteBackOutcome",
    "WriteBackPlan",
    "apply_writeback",
    "plan_writeback",
    "writeback_actions",
]

_DF_KEY = re.compile(r"OTRS_TicketDynamicFieldSet_(.*)", re.IGNORECASE | re.DOTALL)

_SCALAR_KEYS = {
    "OTRS_TicketTitleUpdate": "TitleUpdate",
    "OTRS_TicketServiceSet": "ServiceSet",
    "OTRS_TicketTypeSet": "TypeSet",
    "OTRS_TicketQueueSet": "QueueSet",
    "OTRS_TicketSLASet": "SLASet",
    "OTRS_TicketCustomerSet": "CustomerSet",
    "OTRS_TicketStateSet": "StateSet",
    "OTRS_TicketOwnerSet": "OwnerSet",
    "OTRS_TicketResponsibleSet": "ResponsibleSet",
    "OTRS_TicketPrioritySet": "PrioritySet",
}
_OTHER_KEYS = {
    "OTRS_TicketHistoryAdd": "HistoryAdd",
    "OTRS_TicketArticleAdd": "ArticleAdd",
    "OTRS_TicketCreate": "TicketCreate",
    "OTRS_AsynchronousInvokerExecution": "AsynchronousInvokerExecution",
    "OTRS_TicketArticleCreateEvent": "ArticleCreateEvent",
}

WRITEBACK_OPERATIONS = frozenset(
    {"DynamicFieldSet", *_SCALAR_KEYS.values(), *_OTHER_KEYS.values()}
)
"""Every :attr:`WriteBackAction.operation` name."""


@dataclass(frozen=True)
class WriteBackAction:
    """One key Znuny will run against the triggering ticket, as user 1.

    :param key: the key exactly as it was in the answer.
    :param operation: ``DynamicFieldSet``, ``PrioritySet``, ``ArticleAdd``… (without the
        ``OTRS_Ticket`` prefix; see :data:`WRITEBACK_OPERATIONS`).
    :param value: the key's JSON value, unchanged.
    :param field: the dynamic field name for ``DynamicFieldSet``, else ``None``.
    """

    key: str
    operation: str
    value: Any
    field: str | None = None


@dataclass(frozen=True)
class WriteBackPlan:
    """The outcome of reading an answer the way Znuny does.

    :param actions: the actions Znuny runs, in order, before any failure.
    :param error: Znuny's error for the whole call (``Response code '500'.``, ``Error while
        parsing JSON data.``, ``No content provided.``), ``None`` on success.
    :param failed: the first action that fails its structural check; it and every key after
        it are not run.
    :param failure: why :attr:`failed` fails.
    """

    actions: tuple[WriteBackAction, ...] = ()
    error: str | None = None
    failed: WriteBackAction | None = None
    failure: str | None = None

    @property
    def success(self) -> bool:
        """``True`` when Znuny reports the invoker call as successful."""
        return self.error is None and self.failed is None


@dataclass(frozen=True)
class WriteBackOutcome:
    """What :func:`apply_writeback` did: the actions applied and the one that failed."""

    applied: tuple[WriteBackAction, ...]
    failed: WriteBackAction | None = None


def _is_text(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _df_problem(value: Any) -> str | None:
    ok = value is None or _is_text(value) or (
        isinstance(value, list) and all(_is_text(v) for v in value)
    )
    return None if ok else "a dynamic field value must be text or a list of text"


def _article_problem(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "OTRS_TicketArticleAdd needs an object"
    # Generic.pm checks Subject and Body; ArticleCreate then needs HistoryType/-Comment (file 07).
    missing = [k for k in ("Subject", "Body") if value.get(k) is None]
    missing += [k for k in ("HistoryType", "HistoryComment") if not value.get(k)]
    return f"OTRS_TicketArticleAdd needs {', '.join(missing)}" if missing else None


def _history_problem(value: Any) -> str | None:
    if not isinstance(value, dict) or value.get("HistoryType") is None:
        return "OTRS_TicketHistoryAdd needs an object with HistoryType"
    return None


def _async_problem(value: Any) -> str | None:
    ok = isinstance(value, list) and bool(value)
    ok = ok and all(isinstance(v, dict) and v for v in value)
    return None if ok else "OTRS_AsynchronousInvokerExecution needs an array of objects"


def _name_problem(value: Any) -> str | None:
    return None if _is_text(value) and str(value) != "" else "a non-empty name is needed"


_PROBLEMS: dict[str, Callable[[Any], str | None]] = {
    "DynamicFieldSet": _df_problem,
    "ArticleAdd": _article_problem,
    "HistoryAdd": _history_problem,
    "TicketCreate": lambda v: None if isinstance(v, dict) else "OTRS_TicketCreate needs an object",
    "AsynchronousInvokerExecution": _async_problem,
    "ArticleCreateEvent": lambda v: None,
    "TitleUpdate": lambda v: None if _is_text(v) else "a title must be text",
}


def _problem(action: WriteBackAction) -> str | None:
    """Return why Znuny would fail ``action`` before looking at its data, or ``None``."""
    check = _PROBLEMS.get(action.operation, _name_problem)
    problem = check(action.value)
    return f"{action.key}: {problem}" if problem else None


def _action_for(key: str, value: Any) -> WriteBackAction | None:
    match = _DF_KEY.search(key)
    if match:
        # An empty field name finds no field: Znuny skips the key.
        return WriteBackAction(key, "DynamicFieldSet", value, match.group(1)) if match.group(
            1
        ) else None
    operation = _SCALAR_KEYS.get(key) or _OTHER_KEYS.get(key)
    return WriteBackAction(key, operation, value) if operation else None


def _transport_error(status: int, content_type: str | None, body: str) -> str | None:
    if not 200 <= status <= 209:
        return f"Response code '{status}'."
    if status != 204 and not body:
        return "No content provided."
    return None


def plan_writeback(
    status: int, content_type: str | None, body: bytes | str | None
) -> WriteBackPlan:
    """Read an invoker answer as Znuny 7.0.19 does and list the write-back it runs.

    :param status: the HTTP status of the answer.
    :param content_type: its ``Content-Type`` header (``None`` when absent).
    :param body: the raw body.
    :return: the plan; :attr:`WriteBackPlan.actions` in the order Znuny runs them.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    error = _transport_error(status, content_type, text)
    if error:
        return WriteBackPlan(error=error)
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if status == 204 or mime.startswith("text/"):
        return WriteBackPlan()  # success; a text answer is wrapped as {Body: text} (file 15)
    try:
        data = json.loads(text)
    except ValueError:
        return WriteBackPlan(error="Error while parsing JSON data.")
    if data is None or data is False or data == 0 or data == "":
        return WriteBackPlan(error="Error while parsing JSON data.")
    if not isinstance(data, dict):
        return WriteBackPlan()
    actions: list[WriteBackAction] = []
    for key in sorted(data):
        action = _action_for(key, data[key])
        if action is None:
            continue
        problem = _problem(action)
        if problem:
            return WriteBackPlan(tuple(actions), failed=action, failure=problem)
        actions.append(action)
    return WriteBackPlan(tuple(actions))


def writeback_actions(
    status: int, content_type: str | None, body: bytes | str | None
) -> list[WriteBackAction]:
    """Return the ordered actions of :func:`plan_writeback` (empty on any error)."""
    return list(plan_writeback(status, content_type, body).actions)


def apply_writeback(
    actions: Iterable[WriteBackAction], apply: Callable[[WriteBackAction], bool]
) -> WriteBackOutcome:
    """Run ``apply`` on each action in order, stopping at the first failure, without rollback.

    :param actions: usually :attr:`WriteBackPlan.actions`.
    :param apply: performs one action; returns ``False`` (or raises) when Znuny would fail it —
        an unknown queue, state, priority, agent. For ``DynamicFieldSet`` on a field that does
        not exist it must return ``True``: Znuny skips such keys silently.
    :return: the applied actions and the failed one.
    """
    applied: list[WriteBackAction] = []
    for action in actions:
        try:
            ok = apply(action)
        except Exception:  # the Perl side logs and stops; so do we
            ok = False
        if not ok:
            return WriteBackOutcome(tuple(applied), action)
        applied.append(action)
    return WriteBackOutcome(tuple(applied))
