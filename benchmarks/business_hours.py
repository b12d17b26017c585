"""Business hours of many open tickets, as the pages of open tickets count them.

    python benchmarks/business_hours.py [--tickets 1069] [--rounds 7]

``--tickets`` open tickets (1,069: the report benchmark's million-ticket cache) entered their
step at random instants over the last 20 days before a fixed now; each round asks every
contender for all of them, in a rotating order, on a calendar built afresh (the built-in
``default`` calendar: Mon–Fri 08:00–18:00 Europe/Moscow, Russia's holidays):

* ``steps-now`` — ``_BusinessHours.hours`` as ``steps-now`` and ``time-per-step`` use it
  (each ticket's first day summed over that day's working intervals, the rest walked once per
  day and kept);
* ``between per ticket`` — ``BusinessCalendar.between(since, now)`` for each ticket, a walk
  of the calendar from the ticket's entry to now.

Both give the same hours (checked every round). min / median / max ms per round.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

from _measure import footer, header, rotations, spread

from radiant_ext.plugins.calendar import DEFAULT_CALENDAR, BusinessCalendar
from radiant_ext.reports.steps import _BusinessHours

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _steps_now(sinces: list[datetime]) -> list[float]:
    calendar, hours = BusinessCalendar(DEFAULT_CALENDAR), _BusinessHours(NOW)
    return [hours.hours(calendar, since) for since in sinces]


def _between(sinces: list[datetime]) -> list[float]:
    calendar = BusinessCalendar(DEFAULT_CALENDAR)
    return [calendar.between(since, NOW).total_seconds() / 3600 for since in sinces]


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
        found = {}
        for name in order:
            started = time.perf_counter()
            found[name] = contenders[name](sinces)
            times[name].append((time.perf_counter() - started) * 1000)
        if any(abs(a - b) > 1e-9 for a, b in zip(*found.values(), strict=True)):
            raise SystemExit("the contenders disagree")
    print(f"{args.tickets:,} open tickets, {args.rounds} rounds; ms per round, min / median / max")
    for name, values in times.items():
        print(f"  {name:<20} {spread(values)}")
    footer()


if __name__ == "__main__":
    main()
