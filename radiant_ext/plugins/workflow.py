"""Workflows: the steps a request of a catalog item passes through, and who moves it on.

A :class:`Workflow` lists its :class:`Step` s — each a Znuny ticket state with its state type
and the label the requester sees (an English msgid of the item's gettext domain, like every
catalog text) — and the :class:`Move` s between them: from which step to which, made by whom
(``agent`` in Znuny, ``customer`` in the portal), whether a reason is required. A step may
say how long a ticket may stay in it, in business hours of the item's calendar, before a
reminder (``remind_after``) and then an escalation (``escalate_after``).

An item that declares no workflow has :data:`DEFAULT_WORKFLOW`: new → open → closed
successful, as a helpdesk user expects. The questions later stages ask — may this actor move
a ticket from state A to state B, what can come next — are answered by :meth:`Workflow.check`,
:meth:`Workflow.allows` and :meth:`Workflow.next_moves`, which depend on nothing but the
workflow. See ``docs/catalogs.md``, "Workflows".
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from radiant_ext.errors import RadiantError
from radiant_ext.i18n import CORE_DOMAIN, Message, gettext, message
from radiant_ext.plugins.calendar import BusinessCalendar

__all__ = [
    "DEFAULT_WORKFLOW",
    "STATE_TYPES",
    "Actor",
    "Move",
    "MoveRefusedError",
    "Step",
    "Workflow",
]

STATE_TYPES = ("new", "open", "closed", "pending reminder", "pending auto", "removed", "merged")
"""Znuny's ticket state types (table ``ticket_state_type``)."""

Actor = Literal["agent", "customer"]
"""Who makes a move: an agent in Znuny, or the requester in the portal."""

StateType = Literal["new", "open", "closed", "pending reminder", "pending auto", "removed",
                    "merged"]
BusinessHours = Annotated[float, Field(gt=0, le=10_000)]
"""Business hours of the item's calendar (at most 10,000: about five working years)."""
STEP_ID = r"^[a-z][a-z0-9-]{0,39}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Step(_Model):
    """One step: the Znuny state a ticket is in and what the requester sees.

    ``waiting_on`` is who acts next (left out: the agent; a closed step waits on nobody).
    """

    id: str = Field(pattern=STEP_ID)
    state: str = Field(min_length=1, max_length=200, description="Znuny state name.")
    state_type: StateType
    label: str = Field(min_length=1, description="What the requester sees (English msgid).")
    waiting_on: Actor | None = None
    remind_after: BusinessHours | None = None
    escalate_after: BusinessHours | None = None

    @property
    def closed(self) -> bool:
        """Whether the ticket is closed in this step (state type ``closed``)."""
        return self.state_type == "closed"

    @property
    def acts_next(self) -> Actor | None:
        """Who acts next: ``waiting_on``, else the agent; ``None`` in a closed step."""
        return None if self.closed else (self.waiting_on or "agent")

    @model_validator(mode="after")
    def _limits(self) -> Step:
        if self.closed and (self.waiting_on or self.remind_after or self.escalate_after):
            raise ValueError(f"step {self.id!r} is closed: it waits on nobody and has no "
                             "remind_after or escalate_after")
        if (self.remind_after is not None and self.escalate_after is not None
                and self.escalate_after <= self.remind_after):
            raise ValueError(f"step {self.id!r}: escalate_after ({self.escalate_after:g} h) "
                             f"must come after remind_after ({self.remind_after:g} h)")
        return self

    def due(self, calendar: BusinessCalendar, entered: datetime
            ) -> tuple[datetime | None, datetime | None]:
        """When a ticket that entered the step at ``entered`` (aware) is due a reminder and
        an escalation, counted in ``calendar``'s business hours (``None``: never)."""
        def at(hours: float | None) -> datetime | None:
            return None if hours is None else calendar.add(entered, timedelta(hours=hours))

        return at(self.remind_after), at(self.escalate_after)


class Move(_Model):
    """A move from one step to another (``from``/``to`` step ids) by one actor.

    ``label`` is the button or action name (English msgid); ``reason_required``: the actor
    must say why (e.g. "Still broken").
    """

    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    by: Actor
    label: str | None = Field(None, min_length=1)
    reason_required: bool = False


class MoveRefusedError(RadiantError):
    """A move the workflow does not allow; :meth:`get` is the reason to show (en/ru).

    Not a configuration error: the workflow is fine, the move asked for is not on it.

    ``reason`` is the English message; the step labels it names are translated by
    :meth:`get` in the workflow's domain.
    """

    def __init__(self, reason: Message, workflow: Workflow | None = None) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.workflow = workflow

    def get(self, language: str) -> str:
        """The reason in ``language`` (``en`` or ``ru``), step labels translated too."""
        flow = self.workflow
        params = {k: flow.translate(str(v), language) if flow and k in ("from_", "to") else v
                  for k, v in self.reason.params.items()}
        return self.reason.model_copy(update={"params": params}).get(language)


class Workflow(_Model):
    """The steps and moves of an item's requests; the first step (or ``start``) is where a
    new request begins."""

    steps: list[Step] = Field(min_length=1, max_length=50)
    moves: list[Move] = Field(default_factory=list, max_length=300)
    start: str | None = None
    domain: str = Field(CORE_DOMAIN, description="gettext domain of its labels (set on load).")

    @model_validator(mode="after")
    def _valid(self) -> Workflow:
        _unique([s.id for s in self.steps], "step ids")
        _unique([s.state for s in self.steps], "Znuny states (one step per state)")
        ids = {s.id for s in self.steps}
        if self.start is not None and self.start not in ids:
            raise ValueError(f"start names unknown step {self.start!r}")
        for move in self.moves:
            for end in (move.from_, move.to):
                if end not in ids:
                    raise ValueError(f"move {move.from_} → {move.to} names unknown step "
                                     f"{end!r}; steps: {', '.join(sorted(ids))}")
            if move.from_ == move.to:
                raise ValueError(f"move {move.from_} → {move.to} goes nowhere")
        _unique([f"{m.from_} → {m.to} by {m.by}" for m in self.moves], "moves")
        self._check_shape()
        return self

    def _check_shape(self) -> None:
        if not any(s.closed for s in self.steps):
            raise ValueError("no closed step: a workflow needs a step whose state_type is "
                             "'closed', where requests end")
        unreachable = [s.id for s in self.steps if s.id not in self._reachable()]
        if unreachable:
            raise ValueError(f"steps no move leads to from {self.first.id!r}: "
                             f"{', '.join(unreachable)}")
        for step in self.steps:
            actor = step.acts_next
            if actor and not any(m.from_ == step.id and m.by == actor for m in self.moves):
                raise ValueError(f"step {step.id!r} waits on the {actor}, but no move out of "
                                 f"it is the {actor}'s")

    def _reachable(self) -> set[str]:
        seen, todo = {self.first.id}, deque([self.first.id])
        while todo:
            here = todo.popleft()
            for move in self.moves:
                if move.from_ == here and move.to not in seen:
                    seen.add(move.to)
                    todo.append(move.to)
        return seen

    @property
    def first(self) -> Step:
        """The step a new request begins in."""
        return self.step(self.start) if self.start else self.steps[0]

    @property
    def states(self) -> dict[str, StateType]:
        """Znuny state name → the state type the workflow expects."""
        return {s.state: s.state_type for s in self.steps}

    def step(self, step_id: str) -> Step:
        """The step with ``step_id``.

        :raises KeyError: no such step.
        """
        found = next((s for s in self.steps if s.id == step_id), None)
        if found is None:
            raise KeyError(step_id)
        return found

    def step_for_state(self, state: str) -> Step | None:
        """The step of Znuny state ``state``, or ``None`` when the workflow has none."""
        return next((s for s in self.steps if s.state == state), None)

    def next_moves(self, state: str, by: Actor | None = None) -> list[Move]:
        """The moves out of the step of ``state`` (of one actor when ``by`` is given), in
        the order declared; empty for a state outside the workflow."""
        step = self.step_for_state(state)
        if step is None:
            return []
        return [m for m in self.moves if m.from_ == step.id and (by is None or m.by == by)]

    def check(self, from_state: str, to_state: str, by: Actor) -> Move:
        """The move of ``by`` from state ``from_state`` to ``to_state``.

        :raises MoveRefusedError: either state is outside the workflow, or no such move is
            ``by``'s (the reason says which).
        """
        for state in (from_state, to_state):
            if self.step_for_state(state) is None:
                raise MoveRefusedError(message(
                    "The state {state} is not a step of this request's workflow.", state=state),
                    self)
        found = [m for m in self.next_moves(from_state) if m.to == self.states_step(to_state)]
        mine = next((m for m in found if m.by == by), None)
        if mine is not None:
            return mine
        src, dst = self.label_of(from_state), self.label_of(to_state)
        if not found:
            reason = message("A request cannot go from {from_} to {to}.", from_=src, to=dst)
        elif by == "customer":
            reason = message("Only the support team can move a request from {from_} to {to}.",
                             from_=src, to=dst)
        else:
            reason = message("Only the requester can move a request from {from_} to {to}.",
                             from_=src, to=dst)
        raise MoveRefusedError(reason, self)

    def allows(self, from_state: str, to_state: str, by: Actor) -> bool:
        """Whether ``by`` may move a ticket from ``from_state`` to ``to_state``."""
        try:
            self.check(from_state, to_state, by)
        except MoveRefusedError:
            return False
        return True

    def states_step(self, state: str) -> str | None:
        """The id of the step of Znuny state ``state``, or ``None``."""
        step = self.step_for_state(state)
        return step.id if step else None

    def label_of(self, state: str) -> str:
        """The English label of the step of ``state`` (the state itself when none)."""
        step = self.step_for_state(state)
        return step.label if step else state

    def translate(self, text: str, language: str) -> str:
        """A label of the workflow (a step's or a move's) in ``language``."""
        return gettext(self.domain, language, text)


def _unique(values: list[str], what: str) -> None:
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        raise ValueError(f"duplicate {what}: {', '.join(dupes)}")


def _default() -> Workflow:
    """new → open → closed successful; the requester may reopen a solved request."""
    new, work, done = (message("Submitted").msgid, message("In progress").msgid,
                       message("Solved").msgid)
    return Workflow(
        steps=[Step(id="new", state="new", state_type="new", label=new),
               Step(id="open", state="open", state_type="open", label=work),
               Step(id="solved", state="closed successful", state_type="closed", label=done)],
        moves=[Move(from_="new", to="open", by="agent", label=message("Start work").msgid),
               Move(from_="new", to="solved", by="agent", label=message("Solve").msgid),
               Move(from_="open", to="solved", by="agent", label=message("Solve").msgid),
               Move(from_="solved", to="open", by="customer", reason_required=True,
                    label=message("It is not solved").msgid)])


DEFAULT_WORKFLOW = _default()
"""The workflow of every item that declares none."""
