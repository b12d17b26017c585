"""The progress line of a request: the steps of its item's workflow as the requester sees them.

The line is built from the workflow alone (:mod:`radiant_ext.plugins.workflow`):

* the **main path** is the walk from the first step that always takes the first move declared
  out of a step to a step not yet on the walk, until a closed step (or none is left): a
  workflow lists its main path's moves first. The IT defect process reads *Submitted → In
  review → Approved for action → … → Client testing → Completed*; the default workflow
  *Submitted → In progress → Solved*;
* **done** are the steps before the current one: the main path's when the current step is on
  it, else the shortest way from the first step to the current one (a side step such as
  *Needs estimate* shows *Submitted, In review* done);
* **next** is the first step of the same walk on from the current step (skipping steps already
  on the line), **later** the rest of that walk; a closed current step has nothing ahead.

A ticket whose state is not a step of the workflow has no line (the page shows its state as
before) — except a request waiting for its approval (:func:`awaiting_approval`): the wait is
the current stage, the workflow's main path lies ahead.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from radiant_ext.plugins.workflow import Actor, Move, Step, Workflow

__all__ = ["APPROVAL_STAGE", "Progress", "Stage", "awaiting_approval", "customer_moves",
           "done_path", "main_path", "progress"]

APPROVAL_STAGE = "approval"
"""The stage id of the wait for approval, before the workflow's first step."""

Status = Literal["done", "current", "next", "later"]


@dataclass(frozen=True)
class Stage:
    """One step on the line, with its label in the requester's language."""

    step_id: str
    label: str
    status: Status


@dataclass(frozen=True)
class Progress:
    """The line of one ticket: its stages, since when it is in the current one, who acts."""

    stages: tuple[Stage, ...]
    since: datetime | None
    waiting_on: Actor | None

    @property
    def current(self) -> Stage:
        """The stage the ticket is in."""
        return next(s for s in self.stages if s.status == "current")


def _walk(flow: Workflow, start: str, avoid: set[str]) -> list[str]:
    """From ``start`` (included), the first declared move to a step not yet walked or avoided,
    until a closed step or a dead end."""
    walked = [start]
    seen = set(avoid) | {start}
    while not flow.step(walked[-1]).closed:
        ahead = next((m.to for m in flow.moves if m.from_ == walked[-1] and m.to not in seen),
                     None)
        if ahead is None:
            break
        walked.append(ahead)
        seen.add(ahead)
    return walked


def main_path(flow: Workflow) -> list[str]:
    """The step ids of the workflow's main path (module docstring)."""
    return _walk(flow, flow.first.id, set())


def done_path(flow: Workflow, current: str) -> list[str]:
    """The step ids counted done before ``current``: the main path's, or the shortest way."""
    path = main_path(flow)
    if current in path:
        return path[:path.index(current)]
    came_from: dict[str, str | None] = {flow.first.id: None}
    todo = deque([flow.first.id])
    while todo and current not in came_from:
        here = todo.popleft()
        for move in flow.moves:
            if move.from_ == here and move.to not in came_from:
                came_from[move.to] = here
                todo.append(move.to)
    way: list[str] = []
    back = came_from.get(current)
    while back is not None:
        way.insert(0, back)
        back = came_from[back]
    return way


def progress(flow: Workflow, state: str, since: datetime | None,
             language: str) -> Progress | None:
    """The line of a ticket in Znuny state ``state`` (``None``: not a step of ``flow``)."""
    step: Step | None = flow.step_for_state(state)
    if step is None:
        return None
    done = done_path(flow, step.id)
    ahead = [] if step.closed else _walk(flow, step.id, set(done))[1:]

    def stage(step_id: str, status: Status) -> Stage:
        return Stage(step_id, flow.translate(flow.step(step_id).label, language), status)

    stages = ([stage(s, "done") for s in done] + [stage(step.id, "current")]
              + [stage(s, "next" if n == 0 else "later") for n, s in enumerate(ahead)])
    return Progress(tuple(stages), since, step.acts_next)


def awaiting_approval(flow: Workflow, label: str, since: datetime | None,
                      language: str) -> Progress:
    """The line of a request waiting for its approval: the wait (``label``, translated) is
    current, the main path from the workflow's first step lies ahead; who acts is neither
    the requester nor the service desk (``waiting_on`` ``None``)."""
    ahead = main_path(flow)
    stages = [Stage(APPROVAL_STAGE, label, "current")] + [
        Stage(s, flow.translate(flow.step(s).label, language), "next" if n == 0 else "later")
        for n, s in enumerate(ahead)]
    return Progress(tuple(stages), since, None)


def customer_moves(flow: Workflow, state: str) -> list[Move]:
    """The moves the requester may make out of the step of ``state``, as declared."""
    return flow.next_moves(state, "customer")
