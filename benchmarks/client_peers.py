"""The contenders of ``client_vs_peers.py``: each library's way of creating, searching, fetching
and updating tickets, and the read-back that checks every update round changed the tickets.

Every update round sets title, state and priority to values the tickets do not have yet: the
state alternates between open and new (tickets are created new), the priority runs through
4 high, 2 low, 5 very high, 1 very low (created as 3 normal), the title gets the round's number.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from typing import Any

import requests

AGENT, PASSWORD = "radiant", "radiant-demo"
CUSTOMER, QUEUE, TYPE = "demo-customer", "IT", "Incident"
WS = "GenericTicketConnectorREST"
PEER_WS = "BenchmarkPeerREST"
PEER_ROUTES = [
    ("SessionCreate", "Session::SessionCreate", "/Session", ("POST",)),
    ("ticket-create", "Ticket::TicketCreate", "/ticket-create", ("POST",)),
    ("ticket-get", "Ticket::TicketGet", "/ticket-get", ("POST",)),
    ("ticket-search", "Ticket::TicketSearch", "/ticket-search", ("POST",)),
    ("ticket-update", "Ticket::TicketUpdate", "/ticket-update", ("PUT",)),
]
STATES = ("open", "new")
PRIORITIES = ("4 high", "2 low", "5 very high", "1 very low")
CHUNK = 100  # radiant_ext's default chunk_size


@dataclass
class Target:
    """Where the contenders work and as whom (the sandbox's defaults; main() may change it)."""

    script: str = "otrs/"
    webservice: str = WS
    agent: str = AGENT
    password: str = PASSWORD
    queue: str = QUEUE
    type: str = TYPE
    customer: str = CUSTOMER


TARGET = Target()


def endpoint(url: str, webservice: str | None = None) -> str:
    return (f"{url}/{TARGET.script}nph-genericinterface.pl/Webservice/"
            f"{webservice or TARGET.webservice}")


class Contender:
    """One library's way of doing each phase; subclasses fill in the steps."""

    name = ""
    phases: tuple[str, ...] = ("create", "search", "fetch", "update")

    def __init__(self, url: str, n: int, u: int) -> None:
        self.url, self.n, self.u = url, n, u
        self.marker = f"bench-{type(self).__name__}-{int(time.time())}"
        self.ids: list[int] = []
        self.notes: list[str] = []
        self.span = range(n)  #: the tickets the next create() makes (a slice per round)

    def title(self, i: int) -> str:
        return f"{self.marker} {i:05d}"

    def change(self, round_: int, ticket_id: int) -> tuple[str, str, str]:
        """Title, state and priority that update round ``round_`` gives ``ticket_id``."""
        return (f"{self.marker} #{ticket_id} round {round_}", STATES[round_ % 2],
                PRIORITIES[round_ % len(PRIORITIES)])

    def setup(self) -> None: ...
    def setup_fetch(self) -> None: ...
    def create(self) -> None: ...
    def search(self) -> None: ...
    def fetch(self) -> None: ...
    def update(self, round_: int) -> None: ...
    def close(self) -> None: ...


def read_back(url: str, lib: Contender, round_: int) -> tuple[int, int]:
    """How many of the round's updated tickets now have its title, state and priority."""
    session = requests.Session()
    login = {"UserLogin": TARGET.agent, "Password": TARGET.password}
    sid = session.post(endpoint(url) + "/Session", json=login).json()["SessionID"]
    updated = lib.ids[: lib.u]
    changed = 0
    for start in range(0, len(updated), CHUNK):
        chunk = updated[start:start + CHUNK]
        answer = session.get(endpoint(url) + "/Ticket/" + ",".join(map(str, chunk)),
                             params={"SessionID": sid}).json()
        for ticket in answer.get("Ticket", []):
            got = (ticket["Title"], ticket["State"], ticket["Priority"])
            changed += got == lib.change(round_, int(ticket["TicketID"]))
    session.close()
    return changed, len(updated)


class Radiant(Contender):
    name = "radiant_ext"

    def setup(self) -> None:
        from radiant_ext.client import AgentCredentials, ZnunyClient

        self.client = ZnunyClient(
            self.url, webservice=TARGET.webservice, route_set="otrs6", script_path=TARGET.script,
            credentials=AgentCredentials(TARGET.agent, TARGET.password), timeout=60)
        self.client.session_create()  # like the others: log in before anything is measured

    def create(self) -> None:
        from radiant_ext.client import NewArticle, NewTicket

        for i in self.span:
            self.client.ticket_create(
                NewTicket(title=self.title(i), queue=TARGET.queue, state="new", priority="3 normal",
                          type=TARGET.type, customer_user=TARGET.customer),
                NewArticle(subject="benchmark", body=f"ticket {i}",
                           content_type="text/plain; charset=utf-8",
                           communication_channel="Internal", sender_type="agent"))

    def search(self) -> None:
        self.ids = self.client.ticket_search(title=f"{self.marker}*", limit=self.n)

    def fetch(self) -> None:
        tickets = self.client.ticket_get_many(self.ids, all_articles=True)  # the defaults
        assert len(tickets) == self.n and all(t.articles for t in tickets)

    def update(self, round_: int) -> None:
        from radiant_ext.client import TicketChanges

        for ticket_id in self.ids[: self.u]:
            title, state, priority = self.change(round_, ticket_id)
            self.client.ticket_update(ticket_id, ticket=TicketChanges(
                title=title, state=state, priority=priority))

    def close(self) -> None:
        self.client.close()


class RadiantParallel(Radiant):
    """The option: ``ticket_get_many(workers=N)``, fetching radiant_ext's tickets."""

    name = "radiant_ext workers=4"
    phases = ("fetch",)
    workers = 4
    source: Radiant | None = None

    def fetch(self) -> None:
        assert self.source is not None
        self.ids = self.source.ids
        tickets = self.client.ticket_get_many(self.ids, all_articles=True, workers=self.workers)
        assert len(tickets) == self.n and all(t.articles for t in tickets)


class Bare(Contender):
    """The floor: requests.Session + json.loads, radiant_ext's requests without a library."""

    name = "bare requests + json"

    def setup(self) -> None:
        self.session = requests.Session()
        self.base = endpoint(self.url)
        self.sid = self.session.post(self.base + "/Session", json={
            "UserLogin": TARGET.agent, "Password": TARGET.password}).json()["SessionID"]

    def create(self) -> None:
        for i in self.span:
            answer = json.loads(self.session.post(self.base + "/Ticket", json={
                "SessionID": self.sid,
                "Ticket": {"Title": self.title(i), "Queue": TARGET.queue, "State": "new",
                           "Priority": "3 normal", "Type": TARGET.type,
                           "CustomerUser": TARGET.customer},
                "Article": {"Subject": "benchmark", "Body": f"ticket {i}",
                            "ContentType": "text/plain; charset=utf-8",
                            "CommunicationChannel": "Internal", "SenderType": "agent"},
            }).content)
            assert "TicketID" in answer, answer

    def search(self) -> None:
        answer = json.loads(self.session.get(self.base + "/Ticket", params={
            "SessionID": self.sid, "Title": f"{self.marker}*", "Limit": self.n}).content)
        self.ids = [int(i) for i in answer.get("TicketID", [])]

    def fetch(self) -> None:
        tickets: list[Any] = []
        for start in range(0, len(self.ids), CHUNK):
            chunk = ",".join(map(str, self.ids[start:start + CHUNK]))
            response = self.session.get(self.base + "/Ticket/" + chunk,
                                        params={"SessionID": self.sid, "AllArticles": 1})
            tickets += json.loads(response.content)["Ticket"]
        assert len(tickets) == self.n and all(t["Article"] for t in tickets)

    def update(self, round_: int) -> None:
        for ticket_id in self.ids[: self.u]:
            title, state, priority = self.change(round_, ticket_id)
            answer = json.loads(self.session.patch(f"{self.base}/Ticket/{ticket_id}", json={
                "SessionID": self.sid,
                "Ticket": {"Title": title, "State": state, "Priority": priority}}).content)
            assert "Error" not in answer, answer

    def close(self) -> None:
        self.session.close()


class PyOTRS(Contender):
    name = "PyOTRS"

    def setup(self) -> None:
        import pyotrs  # type: ignore[import-not-found]

        self.pyotrs = pyotrs
        self.client = pyotrs.Client(
            self.url, TARGET.agent, TARGET.password, request_timeout=60,
            session_id_file=tempfile.mktemp(), use_legacy_sessions=True,
            webservice_path=f"/{TARGET.script}nph-genericinterface.pl/Webservice/")
        self.client.session_create()

    def create(self) -> None:
        for i in self.span:
            ticket = self.pyotrs.Ticket.create_basic(
                Title=self.title(i), Queue=TARGET.queue, State="new", Priority="3 normal",
                Type=TARGET.type, CustomerUser=TARGET.customer)
            article = self.pyotrs.Article({
                "Subject": "benchmark", "Body": f"ticket {i}", "ContentType":
                "text/plain; charset=utf-8", "CommunicationChannel": "Internal",
                "SenderType": "agent"})
            self.client.ticket_create(ticket=ticket, article=article)

    def search(self) -> None:
        self.ids = [int(i) for i in self.client.ticket_search(Title=f"{self.marker}*",
                                                              Limit=self.n)]

    def setup_fetch(self) -> None:
        """Its documented way, all IDs in one list: tried once, outside the measurements."""
        try:
            self.client.ticket_get_by_list(self.ids, articles=True, dynamic_fields=False)
            self.chunk = len(self.ids) or 1
        except self.pyotrs.lib.HTTPError as exc:
            self.notes.append("fetch: ticket_get_by_list with all IDs failed ("
                              + str(exc).splitlines()[1] + "); measured with 100-ID lists "
                              "chunked by the caller (the failed attempt not counted)")
            self.chunk = CHUNK

    def fetch(self) -> None:
        tickets = []
        for start in range(0, len(self.ids), self.chunk):
            tickets += self.client.ticket_get_by_list(self.ids[start:start + self.chunk],
                                                      articles=True, dynamic_fields=False)
        assert len(tickets) == self.n

    def update(self, round_: int) -> None:
        for ticket_id in self.ids[: self.u]:
            title, state, priority = self.change(round_, ticket_id)
            self.client.ticket_update(ticket_id, Title=title, State=state, Priority=priority)


class PyZnuny(Contender):
    name = "pyznuny"

    def setup(self) -> None:
        from pyznuny.ticket.client import TicketClient  # type: ignore[import-not-found]

        self.client = TicketClient(endpoint(self.url), username=TARGET.agent,
                                   password=TARGET.password, timeout=60)
        self.client.register_endpoint("ticket_search", "GET", "/Ticket")
        self.notes.append("search: no search in pyznuny; raw request() on an added endpoint")

    def create(self) -> None:
        for i in self.span:
            self.client.ticket.create(
                Ticket={"Title": self.title(i), "Queue": TARGET.queue, "State": "new",
                        "Priority": "3 normal", "Type": TARGET.type,
                        "CustomerUser": TARGET.customer},
                Article={"Subject": "benchmark", "Body": f"ticket {i}",
                         "ContentType": "text/plain; charset=utf-8", "SenderType": "agent"})

    def search(self) -> None:
        response = self.client.request("ticket_search", params={
            "SessionID": self.client.session_id, "Title": f"{self.marker}*", "Limit": self.n})
        self.ids = [int(i) for i in response.json().get("TicketID", [])]

    def fetch(self) -> None:
        for ticket_id in self.ids:
            ticket = self.client.ticket.get(ticket_id, all_articles=1).json()["Ticket"][0]
            assert ticket["Article"]

    def update(self, round_: int) -> None:
        for ticket_id in self.ids[: self.u]:
            title, state, priority = self.change(round_, ticket_id)
            self.client.ticket.update(ticket_id, Ticket={
                "Title": title, "State": state, "Priority": priority})

    def close(self) -> None:
        self.client.close()


class SoftoftZnuny(Contender):
    """``znuny`` (Softoft, httpx + asyncio); otobo-znuny below is its successor's API."""

    name = "znuny"

    def connect(self) -> tuple[Any, Any]:
        """The package's module of models and its client class."""
        import znuny  # type: ignore[import-not-found]

        return znuny, znuny.ZnunyClient

    def setup(self) -> None:
        import httpx

        self.z, client_class = self.connect()
        op = self.z.TicketOperation
        config = self.z.ClientConfig(
            base_url=f"{self.url}/otrs/nph-genericinterface.pl", webservice_name=PEER_WS,
            operation_url_map={op.CREATE: "ticket-create", op.GET: "ticket-get",
                               op.SEARCH: "ticket-search", op.UPDATE: "ticket-update"})
        self.client = client_class(config, client=httpx.AsyncClient(timeout=60))
        self.client.login(self.z.BasicAuth(user_login=TARGET.agent, password=TARGET.password))
        self.loop = asyncio.new_event_loop()
        self.notes.append("own web service (POST get, PUT update); create/update raise "
                          "RuntimeError without IncludeTicketData: caught, tickets are changed; "
                          "fetch: one get per ID, asyncio.gather bounded to 8 at a time")

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def create(self) -> None:
        z = self.z
        for i in self.span:
            ticket = z.TicketCreate(
                title=self.title(i), queue=z.IdName(name=TARGET.queue), state=z.IdName(name="new"),
                priority=z.IdName(name="3 normal"), type=z.IdName(name=TARGET.type),
                customer_user=TARGET.customer,
                article=z.Article(subject="benchmark", body=f"ticket {i}"))
            try:
                self.run(self.client.create_ticket(ticket))
            except RuntimeError:
                pass  # "create returned no Ticket": the sandbox, like stock Znuny, sends IDs only

    def search(self) -> None:
        search = self.z.TicketSearch(titles=[f"{self.marker}*"], limit=self.n)
        self.ids = [int(i) for i in self.run(self.client.search_tickets(search))]

    def fetch(self) -> None:
        # its search_and_get gathers one get per ID with no bound; 1,000 at once overran the
        # sandbox (HTTP 500s), so the gather is bounded to the server's 8 threads here
        gate = asyncio.Semaphore(8)

        async def one(ticket_id: int) -> Any:
            async with gate:
                return await self.client.get_ticket(ticket_id)

        async def fetch_all() -> list[Any]:
            return await asyncio.gather(*(one(i) for i in self.ids), return_exceptions=True)

        results = self.run(fetch_all())
        failed = [r for r in results if isinstance(r, BaseException)]
        assert not failed, f"{len(failed)} gets failed, first: {failed[0]!r}"
        assert len(results) == self.n

    def update(self, round_: int) -> None:
        z = self.z
        for ticket_id in self.ids[: self.u]:
            title, state, priority = self.change(round_, ticket_id)
            try:
                self.run(self.client.update_ticket(z.TicketUpdate(
                    id=ticket_id, title=title, state=z.IdName(name=state),
                    priority=z.IdName(name=priority))))
            except RuntimeError:
                pass  # "update returned no Ticket"; the read-back checks the change

    def close(self) -> None:
        self.run(self.client.aclose())
        self.loop.close()


class OtoboZnuny(SoftoftZnuny):
    """``otobo-znuny`` (Softoft's Pydantic-v2 client for OTOBO and Znuny), same web service."""

    name = "otobo-znuny"

    def connect(self) -> tuple[Any, Any]:
        from types import SimpleNamespace

        from otobo_znuny.clients.otobo_client import (  # type: ignore[import-not-found]
            OTOBOZnunyClient,
        )
        from otobo_znuny.domain_models import (  # type: ignore[import-not-found]
            basic_auth_model,
            otobo_client_config,
            ticket_models,
            ticket_operation,
        )

        models = SimpleNamespace(
            TicketOperation=ticket_operation.TicketOperation,
            ClientConfig=otobo_client_config.ClientConfig, BasicAuth=basic_auth_model.BasicAuth,
            TicketCreate=ticket_models.TicketCreate, TicketUpdate=ticket_models.TicketUpdate,
            TicketSearch=ticket_models.TicketSearch, IdName=ticket_models.IdName,
            Article=ticket_models.Article)
        return models, OTOBOZnunyClient
