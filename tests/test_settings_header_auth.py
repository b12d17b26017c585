"""``RADIANT_ZNUNY_SESSION_IN_HEADER``: the agent's SessionID travels in a header, not the URL.

Issue 19, point 7: with the SessionID in query strings every GET filled Znuny's access log with
live sessions. ``auto`` (the default) asks the server once whether it reads
``X-OTRS-Header-*`` (Znuny ≥ 6.1 does, ((OTRS)) 6.0 does not) with a SessionCreate that carries
only ``X-OTRS-Header-Password`` — no login, so nobody's password is tried.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from radiant_ext.client import (
    AgentCredentials,
    NewArticle,
    NewTicket,
    RetryPolicy,
    ZnunyClient,
)
from radiant_ext.client._detect import HEADER_PROBE, detect_header_auth
from radiant_ext.client.routes import Route
from radiant_ext.config import Settings
from radiant_ext.runtime import Runtime

ENDPOINT = "http://znuny.test/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


class Recorder:
    """What the client put on the wire: (operation, method, URL, query, headers)."""

    def __init__(self, client: ZnunyClient) -> None:
        self.sent: list[tuple[str, str, str, list[tuple[str, str]], dict[str, str]]] = []
        send = client._transport.send

        def recording(operation: str, method: str, url: str, **kw: Any) -> Any:
            self.sent.append((operation, method, url, list(kw.get("params") or []),
                              dict(kw.get("headers") or {})))
            return send(operation, method, url, **kw)

        client._transport.send = recording  # type: ignore[method-assign]

    def urls_with_session(self, sid: str) -> list[str]:
        return [f"{url}?{query}" for _, _, url, query, _ in self.sent
                if sid in url or any(sid in v for _, v in query)]


@pytest.fixture(scope="module")
def retail(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sandbox as Znuny 7 (reads X-OTRS-Header-*)."""
    from radiant_ext_sandbox import serve_in_thread

    server = serve_in_thread(data_dir=Path(tmp_path_factory.mktemp("retail")), seed="retail")
    yield str(server.url)
    server.stop()


@pytest.fixture(scope="module")
def otrs6(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sandbox as ((OTRS)) CE 6 (reads no X-OTRS-Header-*)."""
    from radiant_ext_sandbox import serve_in_thread

    server = serve_in_thread(data_dir=Path(tmp_path_factory.mktemp("lab")), seed="lab")
    yield str(server.url)
    server.stop()


def test_auto_sends_the_session_in_a_header_where_znuny_reads_it(retail: str) -> None:
    with ZnunyClient(retail, route_set="znuny-r2a",
                     webservice="GenericTicketConnectorRESTReady2Adopt",
                     credentials=AgentCredentials("radiant", "radiant-demo"),
                     header_auth="auto") as client:
        wire = Recorder(client)
        client.ticket_search(limit=1)
        created = client.ticket_create(
            NewTicket(title="Till 3 is down", queue="IT::Stores", state="new",
                      priority="3 normal", type="Incident", customer_user="demo-customer"),
            NewArticle(subject="Till", body="down", content_type="text/plain; charset=utf-8",
                       communication_channel="Internal", sender_type="agent"))
        assert client.ticket_get(created.ticket_id).title == "Till 3 is down"
        sid = client.session_id
        assert sid and client.uses_header_auth is True
    assert wire.urls_with_session(sid) == [], "the SessionID is in a URL"
    ops = [op for op, *_ in wire.sent]
    assert ops == ["SessionCreate", "header probe", "TicketSearch", "TicketCreate", "TicketGet"]
    probe = wire.sent[1]
    assert probe[4]["X-OTRS-Header-Password"] == HEADER_PROBE
    assert not any("Login" in h for h in probe[4]), "the probe never names a user"
    assert all(headers.get("X-OTRS-Header-SessionID") == sid
               for op, _, _, _, headers in wire.sent[2:])
    with ZnunyClient(retail, route_set="znuny-r2a",
                     webservice="GenericTicketConnectorRESTReady2Adopt",
                     credentials=AgentCredentials("radiant", "radiant-demo"),
                     header_auth="auto") as again:  # another client of the process: no probe
        wire = Recorder(again)
        again.ticket_search(limit=1)
        assert again.uses_header_auth is True
    assert [op for op, *_ in wire.sent] == ["SessionCreate", "TicketSearch"]


def test_auto_keeps_the_query_string_where_the_server_reads_no_headers(otrs6: str) -> None:
    with ZnunyClient(otrs6, route_set="otrs6",
                     credentials=AgentCredentials("agent1", "lab-password"),
                     header_auth="auto") as client:
        wire = Recorder(client)
        client.ticket_search(limit=1)
        assert client.uses_header_auth is False
    ops = [op for op, *_ in wire.sent]
    assert ops == ["SessionCreate", "header probe", "TicketSearch"]
    assert wire.sent[2][3][0] == ("SessionID", client.session_id)


def test_on_sends_headers_without_asking_and_off_never(retail: str) -> None:
    for setting, expected in ((True, True), (False, False)):
        with ZnunyClient(retail, route_set="znuny-r2a",
                         webservice="GenericTicketConnectorRESTReady2Adopt",
                         credentials=AgentCredentials("radiant", "radiant-demo"),
                         header_auth=setting) as client:
            wire = Recorder(client)
            client.ticket_search(limit=1)
            assert [op for op, *_ in wire.sent] == ["SessionCreate", "TicketSearch"]
            assert ("X-OTRS-Header-SessionID" in wire.sent[1][4]) is expected


def test_a_search_without_filters_sends_no_empty_body_with_the_session_in_a_header(
        retail: str) -> None:
    """Znuny answers a POST whose body is ``{}`` with "Unsupported request content structure."
    (HTTP 500, seen on Znuny 7.0.9): with the session in a header, a call with no other
    parameter must send no body at all."""
    with ZnunyClient(retail, route_set="znuny-r2a",
                     webservice="GenericTicketConnectorRESTReady2Adopt",
                     credentials=AgentCredentials("radiant", "radiant-demo"),
                     header_auth=True) as client:
        bodies: list[tuple[str, str, bytes | None]] = []
        send = client._transport.send

        def recording(operation: str, method: str, url: str, **kw: Any) -> Any:
            bodies.append((operation, method, kw.get("body")))
            return send(operation, method, url, **kw)

        client._transport.send = recording  # type: ignore[method-assign]
        assert isinstance(client.ticket_search(), list)  # not "Unsupported request content"
        assert ("TicketSearch", "POST", None) in bodies


def _probe_answer(code: str, message: str) -> dict[str, Any]:
    return {"Error": {"ErrorCode": code, "ErrorMessage": message}}


@pytest.mark.parametrize(("status", "answer", "read"), [
    (200, _probe_answer("SessionCreate.AuthFail", "SessionCreate: Authorization failing!"),
     True),
    (200, _probe_answer("SessionCreate.MissingParameter",
                        "SessionCreate: Password parameter is missing!"), False),
    (500, None, False),
])
def test_the_probe_reads_the_answer_of_session_create(
        status: int, answer: dict[str, Any] | None, read: bool) -> None:
    from radiant_ext.client._transport import Transport

    with responses.RequestsMock() as mocked:
        mocked.add("POST", ENDPOINT + "/Session", status=status,
                   body=json.dumps(answer) if answer else "HTTP::REST Error",
                   match=[responses.matchers.header_matcher(
                       {"X-OTRS-Header-Password": HEADER_PROBE})])
        transport = Transport(timeout=5.0, verify=True, cert=None, pool_size=2,
                              user_agent="test")
        assert detect_header_auth(transport, ENDPOINT, Route("POST", "/Session")) is read
        body = json.loads(mocked.calls[0].request.body or b"{}")
        assert set(body) == {"SessionID"}, "no login, no password in the body"


def test_the_companion_client_follows_the_setting(tmp_path: Path) -> None:
    base = {"data_dir": tmp_path, "znuny_user": "radiant", "znuny_password": "x"}
    runtime = Runtime(Settings(**base))
    assert runtime.client.header_auth is False, "off by default (docs/settings.md)"
    runtime.close()
    runtime = Runtime(Settings(**base, znuny_session_in_header="auto"))
    assert runtime.client.header_auth == "auto"
    runtime.close()


def test_a_client_refuses_an_unknown_header_mode() -> None:
    with pytest.raises(ValueError, match="header_auth"):
        ZnunyClient("http://znuny.test", route_set="otrs6", session_id="s",
                    header_auth="sometimes", retry=RetryPolicy(attempts=1))  # type: ignore[arg-type]
