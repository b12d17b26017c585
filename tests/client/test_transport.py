"""Retries, timeouts, bad answers and configuration errors — each one clear typed exception."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from responses import matchers
from urllib3.exceptions import MaxRetryError, NewConnectionError

from radiant_ext.client import (
    AgentCredentials,
    NewArticle,
    NewTicket,
    RetryPolicy,
    ZnunyClient,
)
from radiant_ext.client import errors as e

ROOT = "http://znuny.test/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
SID = "S" * 32


def make(**kw: Any) -> ZnunyClient:
    client = ZnunyClient("http://znuny.test", session_id=SID,
                         credentials=AgentCredentials("agent1", "secret-pw"), **kw)
    client._sleep = lambda s: None  # type: ignore[method-assign]
    return client


def new_ticket() -> tuple[NewTicket, NewArticle]:
    return (NewTicket(title="t", queue="IT", state="new", priority="3 normal",
                      customer_user="cust1"),
            NewArticle(subject="s", body="b", content_type="text/plain; charset=utf-8"))


def refused() -> requests.ConnectionError:
    return requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "refused")))


# -- retry policy ----------------------------------------------------------------------------


def test_search_is_retried_after_a_dropped_connection(kit: Any, mocked: Any) -> None:
    delays: list[float] = []
    client = make(retry=RetryPolicy(attempts=3, backoff=0.5))
    client._sleep = delays.append  # type: ignore[method-assign]
    mocked.add("GET", ROOT + "/Ticket", body=kit.no_answer())
    mocked.add("GET", ROOT + "/Ticket", body=kit.no_answer())
    mocked.add("GET", ROOT + "/Ticket", json={"TicketID": ["4"]})
    assert client.ticket_search() == [4]
    assert delays == [0.5, 1.0]


def test_retries_stop_after_the_configured_attempts(kit: Any, mocked: Any) -> None:
    client = make(retry=RetryPolicy(attempts=2))
    mocked.add("GET", ROOT + "/Ticket/8", body=requests.ReadTimeout("slow"))
    with pytest.raises(e.ZnunyTimeoutError):
        client.ticket_get(8)
    assert len(mocked.calls) == 2


def test_ticket_create_is_never_retried_after_a_read_timeout(mocked: Any) -> None:
    client = make(retry=RetryPolicy(attempts=5))
    mocked.add("POST", ROOT + "/Ticket", body=requests.ReadTimeout("slow"))
    with pytest.raises(e.ZnunyTimeoutError) as info:
        client.ticket_create(*new_ticket())
    assert info.value.maybe_committed is True
    assert len(mocked.calls) == 1


def test_ticket_create_is_not_retried_when_the_answer_is_lost(kit: Any, mocked: Any) -> None:
    client = make(retry=RetryPolicy(attempts=5))
    mocked.add("POST", ROOT + "/Ticket", body=kit.no_answer())
    with pytest.raises(e.NoResponseError):
        client.ticket_create(*new_ticket())
    # (the other calls ask whether the silence means a missing web service: it does not)
    assert [c.request.url for c in mocked.calls].count(ROOT + "/Ticket") == 1


def test_ticket_create_is_retried_when_the_connection_was_refused(mocked: Any) -> None:
    client = make(retry=RetryPolicy(attempts=3))
    mocked.add("POST", ROOT + "/Ticket", body=refused())
    mocked.add("POST", ROOT + "/Ticket",
               json={"TicketID": "9", "TicketNumber": "N", "ArticleID": "10"})
    assert client.ticket_create(*new_ticket()).ticket_id == 9
    assert len(mocked.calls) == 2


def test_gateway_errors_are_retried_only_for_reads(mocked: Any) -> None:
    client = make(retry=RetryPolicy(attempts=3))
    mocked.add("GET", ROOT + "/Ticket", status=503, body="busy")
    mocked.add("GET", ROOT + "/Ticket", json={"TicketID": ["1"]})
    assert client.ticket_search() == [1]
    mocked.add("PATCH", ROOT + "/Ticket/1", status=503, body="busy")
    from radiant_ext.client import TicketChanges

    with pytest.raises(e.HTTPStatusError) as info:
        client.ticket_update(1, ticket=TicketChanges(state="open"))
    assert info.value.status == 503
    assert [c.request.method for c in mocked.calls] == ["GET", "GET", "PATCH"]


# -- bad answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (200, "this is not json", "text/plain", e.NonJSONResponseError),
        (200, "<html><body>Proxy login</body></html>", "text/html", e.NonJSONResponseError),
        (200, "[1, 2]", "application/json", e.ResponseValidationError),
        (502, "<html><head><title>502 Bad Gateway</title></head></html>", "text/html",
         e.HTMLErrorPageError),
        (500, "<!DOCTYPE html><html>Internal Server Error</html>", "text/html",
         e.HTMLErrorPageError),
        (413, "Request Entity Too Large", "text/plain", e.PayloadTooLargeError),
        (500, "something broke", "text/plain", e.ServerError),
        (500, '{"faultcode":"Server","faultstring":"TicketCreate: DB failed"}', "text/plain",
         e.ServerFaultError),
        (401, "Unauthorized", "text/plain", e.HTTPStatusError),
    ],
)
def test_bad_answers_raise_one_typed_error(
    mocked: Any, status: int, body: str, content_type: str, expected: type[Exception]
) -> None:
    mocked.add("POST", ROOT + "/Ticket", status=status, body=body, content_type=content_type)
    with pytest.raises(expected) as info:
        make(retry=RetryPolicy(attempts=1)).ticket_create(*new_ticket())
    assert type(info.value) is expected
    assert info.value.operation == "TicketCreate"
    assert str(info.value)


def test_ticket_answer_of_the_wrong_shape_is_a_validation_error(mocked: Any) -> None:
    mocked.add("GET", ROOT + "/Ticket/1", json={"Ticket": [{"Title": "no id"}]})
    with pytest.raises(e.ResponseValidationError, match="TicketID"):
        make().ticket_get(1)


def test_unmapped_error_code_is_an_operation_error(mocked: Any) -> None:
    mocked.add("GET", ROOT + "/Ticket/1",
               json={"Error": {"ErrorCode": "TicketGet.Weird", "ErrorMessage": "odd"}})
    with pytest.raises(e.OperationError) as info:
        make().ticket_get(1)
    assert type(info.value) is e.OperationError and info.value.code == "TicketGet.Weird"


def test_error_codes_from_the_docs_map_to_specific_classes() -> None:
    cases = {
        "TicketGet.NotTicketData": e.NotFoundError,
        "TicketUpdate.EmptyRequest": e.InvalidRequestError,
        "TicketHistoryGet.WrongStructure": e.InvalidRequestError,
        "Webservice.InvalidConfiguration": e.ServerConfigurationError,
        "TimeAccountingGet.NoPermission": e.PermissionDeniedError,
    }
    for code, cls in cases.items():
        error = e.error_from_response("X", 200, f'{{"Error": {{"ErrorCode": "{code}"}}}}')
        assert type(error) is cls, code


# -- configuration ---------------------------------------------------------------------------


def test_unknown_route_set_is_a_config_error() -> None:
    with pytest.raises(e.UnknownRouteSetError, match="otrs6, znuny, znuny-r2a"):
        ZnunyClient("http://x", route_set="otrs5", session_id=SID)


def test_missing_credentials_is_a_config_error() -> None:
    with pytest.raises(e.MissingCredentialsError):
        ZnunyClient("http://x")
    with pytest.raises(e.MissingCredentialsError):
        ZnunyClient("http://x", session_id=SID, auth_mode="credentials")


def test_unknown_operation_in_overrides_is_a_config_error() -> None:
    with pytest.raises(e.RouteNotConfiguredError, match="TicketDelete"):
        make(routes={"TicketDelete": ("DELETE", "/Ticket/:TicketID")})


def test_dynamic_field_search_without_post_route_is_refused_before_sending(mocked: Any) -> None:
    with pytest.raises(e.RouteNotConfiguredError, match="TicketSearchPOST"):
        make().ticket_search(dynamic_fields={"RadiantRequestID": "abc"})
    assert len(mocked.calls) == 0


def test_ready2adopt_searches_dynamic_fields_on_its_post_route(mocked: Any) -> None:
    client = make(route_set="znuny-r2a")
    mocked.add("POST", "http://znuny.test/znuny/nph-genericinterface.pl/Webservice/"
               "GenericTicketConnectorREST/Ticket/Search", json={"TicketID": ["7"]},
               match=[matchers.json_params_matcher(
                   {"SessionID": SID, "DynamicField_RadiantRequestID": {"Like": "r-*"}})])
    assert client.ticket_search(dynamic_fields={"RadiantRequestID": {"Like": "r-*"}}) == [7]


def test_query_reaches_znuny_as_requests_would_encode_it(mocked: Any) -> None:
    title = "a b&c+d/ü%20*=?#"
    mocked.add("GET", ROOT + "/Ticket", json={"TicketID": ["4"]})
    assert make().ticket_search(title=title, queues=["IT", "Sales & Co"]) == [4]
    params = [("SessionID", SID), ("Title", title), ("Queues", "IT"), ("Queues", "Sales & Co")]
    expected = requests.Request("GET", ROOT + "/Ticket", params=params).prepare().url
    sent = mocked.calls[0].request
    assert sent.url == expected
    assert sent.headers["Accept"] == "application/json"


def test_cookies_netrc_login_headers_and_redirects_work_as_in_requests(
    mocked: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    netrc = tmp_path / "netrc"
    netrc.write_text("machine znuny.test login proxy-user password proxy-pw\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    mocked.add("GET", ROOT + "/Ticket", json={"TicketID": ["4"]},
               headers={"Set-Cookie": "lb=node-2; Path=/"})
    mocked.add("POST", ROOT + "/Ticket", status=307, headers={"Location": ROOT + "/Ticket2"})
    mocked.add("POST", ROOT + "/Ticket2", json={"TicketID": "9", "TicketNumber": "2026",
                                                "ArticleID": "11"})
    client = make(header_auth=True)
    assert client.ticket_search() == [4]
    assert client.ticket_create(*new_ticket()).ticket_id == 9
    first, post, moved = (call.request for call in mocked.calls)
    assert first.headers["Authorization"] == requests.auth._basic_auth_str(
        "proxy-user", "proxy-pw")
    assert "Cookie" not in first.headers and post.headers["Cookie"] == "lb=node-2"
    assert post.headers["X-OTRS-Header-SessionID"] == SID
    assert post.headers["User-Agent"] == "radiant-ext"
    assert post.headers["Content-Type"] == "application/json; charset=utf-8"
    assert moved.body == post.body and json.loads(moved.body)["Ticket"]["Title"] == "t"


def test_tls_options_reach_the_http_session() -> None:
    client = make(verify="/etc/ssl/ca.pem", cert=("/c.pem", "/k.pem"), pool_size=3)
    with client._transport.session() as session:
        assert session.verify == "/etc/ssl/ca.pem"
        assert session.cert == ("/c.pem", "/k.pem")
    with pytest.raises(ValueError, match="pool_size"):
        make(pool_size=0)


def test_logs_name_operation_status_and_duration_but_no_secret(
    mocked: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="radiant_ext.client")
    mocked.add("GET", ROOT + "/Ticket", json={"TicketID": ["1"]})
    mocked.add("GET", ROOT + "/Ticket/1", body=requests.ConnectionError(
        f"Max retries exceeded with url: /Ticket/1?SessionID={SID}"))
    client = make(retry=RetryPolicy(attempts=1))
    client.ticket_search()
    with pytest.raises(e.ZnunyConnectionError) as info:
        client.ticket_get(1)
    assert "TicketSearch -> HTTP 200 in" in caplog.text
    assert SID not in caplog.text and "secret-pw" not in caplog.text
    assert SID not in str(info.value)


# -- real sockets ----------------------------------------------------------------------------


@pytest.fixture
def silent_server() -> Iterator[tuple[str, list[str]]]:
    """A TCP server on 127.0.0.1 that reads a request and then either hangs or hangs up."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    mode: list[str] = ["close"]
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            conn.recv(65536)
            if mode[0] == "hang":
                stop.wait(2)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", mode
    stop.set()
    thread.join()
    server.close()


def test_connection_closed_without_answer_is_no_response_error(
    silent_server: tuple[str, list[str]]
) -> None:
    url, _ = silent_server
    client = ZnunyClient(url, session_id=SID, retry=RetryPolicy(attempts=1))
    with pytest.raises(e.NoResponseError) as info:
        client.ticket_get(1)
    assert info.value.status is None and info.value.maybe_committed


def test_read_timeout_is_a_timeout_error(silent_server: tuple[str, list[str]]) -> None:
    url, mode = silent_server
    mode[0] = "hang"
    client = ZnunyClient(url, session_id=SID, timeout=(1.0, 0.3), retry=RetryPolicy(attempts=1))
    started = time.monotonic()
    with pytest.raises(e.ZnunyTimeoutError):
        client.ticket_create(*new_ticket())
    assert time.monotonic() - started < 2


def test_refused_connection_is_a_connection_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    client = ZnunyClient(f"http://127.0.0.1:{port}", session_id=SID,
                         retry=RetryPolicy(attempts=1))
    with pytest.raises(e.ZnunyConnectionError) as info:
        client.ticket_get(1)
    assert type(info.value) is e.ZnunyConnectionError and not info.value.maybe_committed


class _KeepAliveHandler(BaseHTTPRequestHandler):
    """Answers ``GET …/Ticket/1,2,3`` with those tickets over HTTP/1.1 keep-alive."""

    protocol_version = "HTTP/1.1"
    connections: list[int]

    def setup(self) -> None:
        super().setup()
        self.connections.append(1)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        ids = self.path.split("?")[0].rsplit("/", 1)[-1].split(",")
        time.sleep(0.02)  # long enough for parallel batches to overlap
        body = json.dumps({"Ticket": [{"TicketID": i, "TicketNumber": f"n{i}"}
                                      for i in ids]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def keep_alive_server() -> Iterator[tuple[str, list[int]]]:
    connections: list[int] = []
    handler = type("Handler", (_KeepAliveHandler,), {"connections": connections})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", connections
    server.shutdown()
    server.server_close()
    thread.join()


def test_connections_are_reused_across_calls_and_parallel_batches(
    keep_alive_server: tuple[str, list[int]]
) -> None:
    url, connections = keep_alive_server
    client = ZnunyClient(url, session_id=SID, pool_size=4)
    for _ in range(3):
        assert client.ticket_get(7).ticket_id == 7
    assert len(connections) == 1  # sequential calls: one keep-alive connection
    for _ in range(5):
        tickets = client.ticket_get_many(range(1, 41), chunk_size=5, workers=4)
        assert [t.ticket_id for t in tickets] == list(range(1, 41))
    # each call runs on new threads, yet at most `workers` connections are ever opened
    assert 2 <= len(connections) <= 4
    assert client._transport.opened == len(connections)
    client.close()
