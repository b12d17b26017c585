"""The texts a requester receives when their request waits on them longer than its workflow
step allows (``remind_after``): English msgids of the ``radiant_ext`` domain, Russian in its
``.po``. The step watch (``radiant_ext.sync.step_limits``) sends them through Znuny."""

from __future__ import annotations

from datetime import datetime

from radiant_ext.i18n import Message, message
from radiant_ext.plugins.calendar import BusinessCalendar
from radiant_ext.plugins.workflow import Step, Workflow

__all__ = ["reminder_body", "reminder_subject", "shown_time"]


def shown_time(when: datetime, calendar: BusinessCalendar) -> str:
    """``when`` in the calendar's zone, with the zone: ``2026-11-27 13:00 (Europe/Moscow)``."""
    return f"{when.astimezone(calendar.tz):%Y-%m-%d %H:%M} ({calendar.tz.key})"


def reminder_subject(number: str) -> Message:
    """The reminder's subject."""
    return message("Your request {number} is waiting for you", number=number)


def reminder_body(flow: Workflow, step: Step, number: str, since: str,
                  language: str) -> str:
    """The reminder in ``language``: for a step waiting on the requester, the fix to
    confirm and the actions the request's page offers (the step's requester moves)."""
    label = flow.translate(step.label, language)
    actions = " / ".join(f"«{flow.translate(m.label or flow.step(m.to).label, language)}»"
                         for m in flow.moves if m.from_ == step.id and m.by == "customer")
    return message(
        "Please confirm the fix: your request {number} has been at the step {step} since "
        "{since}. Please check it and tell us on the request's page: {actions}. Thank you!",
        number=number, step=label, since=since, actions=actions).get(language)
