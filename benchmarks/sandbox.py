"""Time the sandbox Znuny: seeding N historical tickets, then searches and writes over HTTP.

Usage::

    python benchmarks/sandbox.py [--tickets 100000] [--rounds 5]

A retail sandbox in a temporary folder is seeded with ``radiant-ext sandbox seed --tickets N``
(timed as a whole process), then served by ``radiant-ext sandbox`` itself on 127.0.0.1 (its
own threaded server, as a developer runs it). The companion's client, logged in once (agent
``radiant``, who sees every queue, and customer ``clerk-012-1`` for the customer search), sends
each request once per round over its keep-alive connection; the requests take turns in a
rotating order, round after round. Prints ms min / median / max per request with its hit count,
the load average before and after, the machine and the command.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _measure import footer, header, load, rotations, spread

from radiant_ext.client import (
    AgentCredentials,
    CustomerCredentials,
    NewArticle,
    NewTicket,
    TicketChanges,
    ZnunyClient,
)
from radiant_ext.client.errors import ZnunyError

RADIANT_EXT = str(Path(sys.executable).with_name("radiant-ext"))
POST_SEARCH = {"TicketSearchPOST": ("POST", "/Ticket/Search")}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    proc = subprocess.Popen([RADIANT_EXT, "sandbox", "--data", str(folder), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    probe = ZnunyClient(url, credentials=AgentCredentials("radiant", "radiant-demo"))
    deadline = time.monotonic() + 120
    while True:
        try:
            probe.session_create()
            return proc, url
        except ZnunyError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("the sandbox did not start") from None
            time.sleep(0.1)


def requests(agent: ZnunyClient, customer: ZnunyClient) -> dict[str, Callable[[], int]]:
    """Each request by name; each returns its number of hits."""
    since = datetime.now(UTC) - timedelta(days=30)
    some = agent.ticket_search(limit=50)
    counter = iter(range(10**9))

    def create() -> int:
        agent.ticket_create(
            NewTicket(title=f"bench {next(counter)}", queue="IT::Stores", state="new",
                      priority="3 normal", type="Incident", customer_user="clerk-012-1",
                      service="IT::Cash register", sla="POS critical"),
            NewArticle(subject="till", body="The till froze.", communication_channel="Internal",
                       content_type="text/plain; charset=utf-8"),
            dynamic_fields={"RadiantStore": "store-012"})
        return 1

    def update() -> int:
        agent.ticket_update(some[0], ticket=TicketChanges(state="open"), article=NewArticle(
            subject="note", body="Looked at it.", communication_channel="Internal",
            content_type="text/plain; charset=utf-8"))
        return 1

    return {
        "all visible, default sort (Limit 500)": lambda: len(agent.ticket_search(limit=500)),
        "Queues=IT::Stores": lambda: len(agent.ticket_search(queues="IT::Stores", limit=500)),
        "States=new&States=open": lambda: len(agent.ticket_search(states=["new", "open"],
                                                                  limit=500)),
        "CustomerID=store-012": lambda: len(agent.ticket_search(customer_id="store-012",
                                                                limit=500)),
        "changed in 30 days, SortBy=Changed Up, Limit 100": lambda: len(agent.ticket_search(
            ticket_last_change_time_newer_date=since, sort_by="Changed", order_by="Up",
            limit=100)),
        "Title=*printer*": lambda: len(agent.ticket_search(title="*printer*", limit=500)),
        "Services + Types": lambda: len(agent.ticket_search(
            services="IT::Cash register", types="Incident", limit=500)),
        "customer clerk-012-1 (own + company)": lambda: len(customer.ticket_search(limit=500)),
        "Fulltext=crumpled, Limit 50": lambda: len(agent.ticket_search(fulltext="crumpled",
                                                                       limit=50)),
        "POST search DynamicField RadiantStore, Limit 100": lambda: len(agent.ticket_search(
            dynamic_fields={"RadiantStore": "store-012"}, limit=100)),
        "TicketGet 50 ids, AllArticles + DynamicFields": lambda: len(agent.ticket_get_many(
            some, all_articles=True, dynamic_fields=True)),
        "TicketCreate (service, SLA, dynamic field)": create,
        "TicketUpdate (state + article)": update,
    }


def main(argv: list[str] | None = None) -> None:
    """Seed, serve, time every request ``--rounds`` times; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    logging.getLogger("radiant_ext").setLevel(logging.ERROR)  # refused logins while it starts
    header("sandbox served by `radiant-ext sandbox`")
    folder = Path(tempfile.mkdtemp(prefix="radiant-bench-sandbox-"))
    try:
        _seed(folder, args.tickets)
        proc, url = _serve(folder)
        try:
            _time(url, args.rounds)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        footer()


def _seed(folder: Path, tickets: int) -> None:
    before, started = load(), time.perf_counter()
    done = subprocess.run([RADIANT_EXT, "sandbox", "--data", str(folder), "seed", "--tickets",
                           str(tickets)], check=True, capture_output=True, text=True)
    print(f"radiant-ext sandbox seed --tickets {tickets}: {time.perf_counter() - started:.1f} s "
          f"wall, load {before} -> {load()}: {done.stdout.strip()}")


def _time(url: str, rounds: int) -> None:
    agent = ZnunyClient(url, credentials=AgentCredentials("radiant", "radiant-demo"),
                        webservice="GenericTicketConnectorRESTExtra", routes=POST_SEARCH)
    customer = ZnunyClient(url, credentials=CustomerCredentials("clerk-012-1", "demo"))
    agent.session_create()
    customer.session_create()
    todo = requests(agent, customer)
    millis: dict[str, list[float]] = {name: [] for name in todo}
    hits: dict[str, int] = {}
    for _, order in rotations(list(todo), rounds):
        for name in order:
            started = time.perf_counter()
            hits[name] = todo[name]()
            millis[name].append((time.perf_counter() - started) * 1000)
    print(f"request | ms min / median / max over {rounds} rounds | hits")
    for name in todo:
        print(f"{name} | {spread(millis[name], '{:.0f}')} | {hits[name]}")


if __name__ == "__main__":
    main()
