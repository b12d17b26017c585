"""The transport reads the environment once per host (proxies, no-proxy list) and answers whole,
however large; tickets are fetched with the cycle collector held back, and it is restored."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from radiant_ext.client import ZnunyClient
from radiant_ext.client._transport import Transport
from radiant_ext.client.models import TicketAnswer

SID = "S" * 32
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                   "all_proxy", "NO_PROXY", "no_proxy")


class _Handler(BaseHTTPRequestHandler):
    """Answers ``GET …/Ticket/1,2,3`` (directly or as a proxy) and notes the request line."""

    protocol_version = "HTTP/1.1"
    seen: list[str]
    article_body = "x"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.seen.append(self.path)
        ids = self.path.split("?")[0].rsplit("/", 1)[-1].split(",")
        body = json.dumps({"Ticket": [
            {"TicketID": i, "TicketNumber": f"n{i}", "Created": "2026-12-04 09:26:10",
             "Article": [{"ArticleID": i, "Body": self.article_body}]} for i in ids
        ]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str], type[_Handler]]]:
    seen: list[str] = []
    handler = type("Handler", (_Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen, handler
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_proxy_from_the_environment_is_used_and_read_once(
    server: tuple[str, list[str], type[_Handler]], monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy, seen, _ = server
    monkeypatch.setenv("HTTP_PROXY", proxy)
    client = ZnunyClient("http://znuny.invalid", session_id=SID)
    assert client.ticket_get(7).ticket_id == 7
    monkeypatch.delenv("HTTP_PROXY")  # later changes are not seen: read on the first request
    assert client.ticket_get(8).ticket_id == 8
    assert [path.split("?")[0] for path in seen] == [
        "http://znuny.invalid/otrs/nph-genericinterface.pl/Webservice/"
        f"GenericTicketConnectorREST/Ticket/{n}" for n in (7, 8)
    ]
    client.close()


def test_hosts_in_no_proxy_are_reached_directly(
    server: tuple[str, list[str], type[_Handler]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, seen, _ = server
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with ZnunyClient(url, session_id=SID) as client:
        assert client.ticket_get(3).ticket_id == 3
    assert seen[0].startswith("/otrs/")


def test_answers_larger_than_one_read_arrive_whole(
    server: tuple[str, list[str], type[_Handler]]
) -> None:
    url, _, handler = server
    handler.article_body = "ü" * 20_000  # 100 tickets: ~4 MB, several reads of 1 MiB
    with ZnunyClient(url, session_id=SID) as client:
        tickets = client.ticket_get_many(range(1, 101), all_articles=True)
    assert [t.ticket_id for t in tickets] == list(range(1, 101))
    assert all(t.articles[0].body == "ü" * 20_000 for t in tickets)


@pytest.fixture
def collector_state() -> Iterator[None]:
    was = gc.isenabled()
    yield
    gc.enable() if was else gc.disable()


def test_the_collector_is_held_back_while_tickets_are_fetched_and_restored_after(
    server: tuple[str, list[str], type[_Handler]], collector_state: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, _, _ = server
    states: list[tuple[str, bool]] = []
    validate = TicketAnswer.model_validate_json
    send = Transport.send

    def watched(data: bytes) -> TicketAnswer:
        states.append(("build", gc.isenabled()))
        return validate(data)

    def sending(self: Transport, *args: Any, **kwargs: Any) -> Any:
        states.append(("send", gc.isenabled()))
        return send(self, *args, **kwargs)

    monkeypatch.setattr(TicketAnswer, "model_validate_json", watched)
    monkeypatch.setattr(Transport, "send", sending)
    with ZnunyClient(url, session_id=SID) as client:
        gc.enable()
        client.ticket_get_many(range(1, 41), chunk_size=5, workers=4)
        assert gc.isenabled()
        assert sorted(states) == [("build", False)] * 8 + [("send", False)] * 8
        states.clear()
        client.ticket_get(1)  # one ticket: held back while it is built only
        assert states == [("send", True), ("build", False)] and gc.isenabled()
        gc.disable()  # a program that runs without the collector keeps it off
        client.ticket_get_many(range(1, 11), chunk_size=5, workers=2)
        assert not gc.isenabled()
