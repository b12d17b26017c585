"""Open tickets past their step's limits in business hours, as ``steps-now`` counts them.

    python benchmarks/business_hours.py [--tickets 1069] [--rounds 7]

``--tickets`` open tickets (1,069: the report benchmark's million-ticket cache) entered their
step at random instants over the last 20 days before a fixed now; each round asks every
contender how many of them are past a reminder limit (8 business hours) and an escalation
limit (16), in a rotating order, on a calendar built afresh (the built-in ``default``
calendar: Mon–Fri 08:00–18:00 Europe/Moscow, Russia's holidays):

* ``steps-now`` — ``_PastLimits.past`` as ``steps-now`` uses it (one walk back from now per
  calendar and limit, then a comparison per ticket);
* ``between per ticket`` — ``BusinessCalendar.between(since, now)`` for each ticket, a walk
  of the calendar from the ticket's entry to now, compared with each limit.

Both give the same counts (checked every round). min / median / max ms per round.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta

from _measure import footer, header, rotations, spread, stopwatch

from radiant_ext.plugins.calendar import DEFAULT_CALENDAR, BusinessCalendar
from radiant_ext.reports.steps import _PastLimits

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LIMITS = (8.0, 16.0)


def _steps_now(sinces: list[datetime]) -> list[int]:
    calendar, past = BusinessCalendar(DEFAULT_CALENDAR), _PastLimits(NOW)
    return [sum(past.past(calendar, limit, since) for since in sinces) for limit in LIMITS]


def _between(sinces: list[datetime]) -> list[int]:
    calendar = BusinessCalendar(DEFAULT_CALENDAR)
    hours = [calendar.between(since, NOW).total_seconds() / 3600 for since in sinces]
    return [sum(h >= limit for h in hours) for limit in LIMITS]


def main() -> None:
    """Run the rounds and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1069)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(1)
    sinces = [NOW - timedelta(minutes=rng.randrange(1, 60 * 24 * 20))
              for _ in range(args.tickets)]
    contenders = {"steps-now": _steps_now, "between per ticket": _between}
    header()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _, order in rotations(list(contenders), args.rounds):
        found: dict[str, list[int]] = {}
        for name in order:
            with stopwatch(times[name]):
                found[name] = contenders[name](sinces)
        if len({tuple(counts) for counts in found.values()}) != 1:
            raise SystemExit(f"the contenders disagree: {found}")
    print(f"{args.tickets:,} open tickets, {found['steps-now']} past {LIMITS} business hours, "
          f"{args.rounds} rounds; ms per round, min / median / max")
    for name, values in times.items():
        print(f"  {name:<20} {spread([v * 1000 for v in values])}")
    footer()


if __name__ == "__main__":
    main()
