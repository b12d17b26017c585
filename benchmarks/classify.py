"""Time the catalogs: loading them, routing, validating and classifying a request or an e-mail.

Usage::

    python benchmarks/classify.py [--rounds 5] [--calls 2000] [--starts 5]

With the department plugins installed in the venv (``pip install -e plugins/*/``) and the
demo's store directory as ``catalog_dirs`` (``radiant_ext.plugins.demo.DEMO_CATALOG_DIR``, 30
stores, as ``radiant-ext demo`` configures it):

* **cold** (each in a fresh process, ``--starts`` times): ``import radiant_ext.plugins``;
  ``make_plugin_manager()`` plus collecting departments, items and the store directory
  (parses every catalog YAML file and the store file); the first ``Plugins.classify()``, which
  builds the catalog search's index of the items;
* **per call** (in this process, ``--calls`` calls per figure, ``--rounds`` rounds; the
  operations take turns in a rotating order): ``Plugins.route()`` for ``it.pos-down`` at the
  flagship ``store-001`` on Friday 17:50 Moscow time, ``Plugins.validate()`` of its five
  fields, ``classify_by_keywords()`` over every item and ``Plugins.classify()`` (department
  switches from an in-memory store, company-visible items first) for a till mail that matches
  and for a mail that matches nothing.

Prints min / median / max per figure, the load average before and after, the machine and the
command.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from _measure import footer, header, load, rotations, spread

from radiant_ext.plugins import EmailTicket, MemoryEnablement, Plugins, RequestContext
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.plugins.manager import make_plugin_manager
from radiant_ext.plugins.routing import classify_by_keywords

TILL_MAIL = EmailTicket(ticket_id=1, title="Till 3 frozen",
                        body="The cash register froze and will not take card payments.",
                        customer_id="store-001")
NOTHING_MAIL = EmailTicket(ticket_id=2, title="Hello",
                           body="Just saying thanks for the lovely weekend party.",
                           customer_id="store-001")
FIELDS = {"register": "3", "impact": "whole-store", "serial": "POS-001-03",
          "description": "The till froze during a sale.", "photo": ""}

COLD = """
import json, time
t0 = time.perf_counter()
import radiant_ext.plugins as rp
from radiant_ext.plugins.demo import DEMO_CATALOG_DIR
from radiant_ext.plugins.manager import make_plugin_manager
t1 = time.perf_counter()
p = rp.Plugins(make_plugin_manager(catalog_dirs=[DEMO_CATALOG_DIR]))
p.departments(include_disabled=True); p.catalog_items(); p.stores()
t2 = time.perf_counter()
p.classify(rp.EmailTicket(ticket_id=1, title="Till 3 frozen", body="The till froze."))
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first classify": t3 - t2,
                  "items": len(p.catalog_items()), "stores": len(p.stores())}))
"""


def cold(starts: int) -> dict[str, list[float]]:
    """Each start a fresh interpreter; return the seconds of each step, and the counts."""
    out: dict[str, list[float]] = {}
    for _ in range(starts):
        done = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True,
                              check=True)
        for name, value in json.loads(done.stdout).items():
            out.setdefault(name, []).append(value)
    return out


def operations(plugins: Plugins) -> dict[str, Callable[[], object]]:
    """The per-call figures, by name."""
    item = plugins.item("it.pos-down")
    request = RequestContext(
        store_id="store-001", fields=FIELDS, customer_user="clerk-001-1",
        customer_company="store-001",
        submitted_at=datetime(2026, 11, 27, 17, 50, tzinfo=ZoneInfo("Europe/Moscow")))
    items = plugins.catalog_items()
    return {
        "Plugins.route()": lambda: plugins.route(item, request),
        "Plugins.validate()": lambda: plugins.validate(item, FIELDS, store_id="store-001"),
        "classify_by_keywords(), till mail": lambda: classify_by_keywords(TILL_MAIL, items),
        "classify_by_keywords(), no match": lambda: classify_by_keywords(NOTHING_MAIL, items),
        "Plugins.classify(), till mail": lambda: plugins.classify(TILL_MAIL),
        "Plugins.classify(), no match": lambda: plugins.classify(NOTHING_MAIL),
    }


def per_call(plugins: Plugins, calls: int, rounds: int) -> dict[str, list[float]]:
    """Microseconds per call of each operation, one figure per round."""
    ops = operations(plugins)
    for op in ops.values():
        op()  # warm: the search index, the calendars
    micro: dict[str, list[float]] = {name: [] for name in ops}
    for _, order in rotations(list(ops), rounds):
        for name in order:
            started = time.perf_counter()
            for _ in range(calls):
                ops[name]()
            micro[name].append((time.perf_counter() - started) / calls * 1e6)
    return micro


def main(argv: list[str] | None = None) -> None:
    """Measure the cold start, then the per-call figures; print both tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args(argv)
    header()
    plugins = Plugins(make_plugin_manager(catalog_dirs=[DEMO_CATALOG_DIR]),
                      enablement=MemoryEnablement())
    print(f"{len(plugins.catalog_items())} catalog items of "
          f"{len(plugins.departments(include_disabled=True))} departments, "
          f"{len(plugins.stores())} stores")
    first = cold(args.starts)
    print(f"cold, {args.starts} fresh processes (ms min / median / max), load {load()}:")
    for name in ("import", "load", "first classify"):
        print(f"  {name} | {spread([v * 1000 for v in first[name]], '{:.0f}')}")
    micro = per_call(plugins, args.calls, args.rounds)
    print(f"per call, {args.calls} calls x {args.rounds} rounds (µs min / median / max), "
          f"load {load()}:")
    for name, values in micro.items():
        print(f"  {name} | {spread(values, '{:.0f}')}")
    footer()


if __name__ == "__main__":
    main()
