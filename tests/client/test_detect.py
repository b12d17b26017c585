"""``route_set="auto"``: script path and route set asked of the server, once.

The answers are Znuny's: a JSON error where a route exists (the probes carry no valid
credentials), HTTP 500 "Error while determine Operation" where it does not, and the web
server's 404 page under a script path Znuny is not served from.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import responses

from radiant_ext.client import AgentCredentials, RetryPolicy, ZnunyClient
from radiant_ext.client import errors as e
from radiant_ext.config import load_settings

BASE = "http://znuny.test"
WS = "/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
AUTH_FAIL = {"Error": {"ErrorCode": "SessionCreate.AuthFail", "ErrorMessage": "x"}}
NO_ROUTE = "HTTP::REST Error while determine Operation for request URI '/x'."


def _client(**kw: Any) -> ZnunyClient:
    kw.setdefault("credentials", AgentCredentials("radiant", "pw"))
    return ZnunyClient(BASE, route_set="auto", retry=RetryPolicy(attempts=1), **kw)


def _server(mock: responses.RequestsMock, path: str, routes: set[tuple[str, str]]) -> None:
    """A Znuny under ``path`` with the given (method, route) pairs; 404 under other paths."""
    other = "otrs" if path == "znuny" else "znuny"
    mock.add(responses.POST, f"{BASE}/{other}{WS}/Session", status=404,
             content_type="text/html", body="<html>Not Found</html>")
    for method, route in [("POST", "/Session"), ("DELETE", "/Session/radiant-route-probe"),
                          ("POST", "/TicketUpdate"), ("POST", "/Ticket/Search")]:
        url = f"{BASE}/{path}{WS}{route}"
        if (method, route.replace("radiant-route-probe", ":SessionID")) in routes or \
                route == "/Session":
            mock.add(method, url, json=AUTH_FAIL)
        else:
            mock.add(method, url, status=500, content_type="text/plain", body=NO_ROUTE)


def test_znuny_7_with_the_companion_file_is_r2a_under_znuny() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _server(mock, "znuny", {("DELETE", "/Session/:SessionID"), ("POST", "/TicketUpdate"),
                                ("POST", "/Ticket/Search")})
        client = _client()
        assert client.routes.name == "znuny-r2a"
        assert client._endpoint == f"{BASE}/znuny{WS}"
        probes = len(mock.calls)
        assert client.routes.name == "znuny-r2a" and len(mock.calls) == probes  # asked once
        assert probes == 2


def test_znuny_6_5_is_r2a_under_otrs() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _server(mock, "otrs", {("DELETE", "/Session/:SessionID"), ("POST", "/Ticket/Search")})
        client = _client()
        assert client.routes.name == "znuny-r2a"
        assert client._endpoint == f"{BASE}/otrs{WS}"


def test_otrs6_gets_the_post_search_it_has() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _server(mock, "otrs", {("POST", "/Ticket/Search")})
        routes = _client().routes
        assert routes.name == "otrs6"
        assert routes.route("TicketSearchPOST").template == "/Ticket/Search"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _server(mock, "otrs", set())
        assert not _client().routes.has("TicketSearchPOST")


def test_the_znuny_sample_routes() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _server(mock, "znuny", {("POST", "/TicketUpdate")})
        assert _client().routes.name == "znuny"


def test_overrides_apply_on_top_and_a_script_path_is_the_only_one_tried() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        _server(mock, "znuny", {("DELETE", "/Session/:SessionID")})
        client = _client(script_path="znuny/", routes={"TicketHistoryGet": "GET /H/:TicketID"})
        assert client.routes.route("TicketHistoryGet").template == "/H/:TicketID"
        assert all("/otrs/" not in call.request.url for call in mock.calls)


def test_no_web_service_is_a_configuration_error() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for path in ("znuny", "otrs"):
            mock.add(responses.POST, f"{BASE}/{path}{WS}/Session", status=500,
                     content_type="text/plain", body="Could not find valid web service")
        with pytest.raises(e.RouteNotConfiguredError, match="GenericTicketConnectorREST.*"
                                                            "/znuny/ or /otrs/"):
            _ = _client().routes


def test_a_server_that_cannot_be_reached_is_asked_again_later() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, f"{BASE}/znuny{WS}/Session",
                 body=requests.ConnectionError("refused"))
        client = _client()
        with pytest.raises(e.ZnunyConnectionError):
            client.session_create()
        mock.replace(responses.POST, f"{BASE}/znuny{WS}/Session", json={"SessionID": "S" * 32})
        mock.add(responses.DELETE, f"{BASE}/znuny{WS}/Session/radiant-route-probe",
                 json=AUTH_FAIL)
        assert client.session_create() == "S" * 32
        assert client.routes.name == "znuny-r2a"


def test_the_settings_default_is_auto(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("RADIANT_ZNUNY_ROUTE_SET", raising=False)
    assert load_settings(znuny_user="radiant").znuny_route_set == "auto"
    assert ZnunyClient.from_settings(load_settings(znuny_user="radiant",
                                                   znuny_password="x"))._auto


def _silent() -> requests.ConnectionError:
    from http.client import RemoteDisconnected

    from urllib3.exceptions import ProtocolError

    return requests.ConnectionError(
        ProtocolError("Connection aborted.", RemoteDisconnected("Remote end closed connection")))


def test_a_web_service_znuny_lacks_is_named() -> None:
    """Znuny answers nothing for an unknown or invalid web service (contract otrs-ce-6 105);
    asked again on a connection of its own it stays silent while Apache answers its root."""
    nope = WS.replace("GenericTicketConnectorREST", "Nope")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, f"{BASE}/znuny{nope}/Session", body=_silent())
        mock.add(responses.POST, f"{BASE}/otrs{nope}/Session", status=404,
                 content_type="text/html", body="<html>Not Found</html>")
        mock.add(responses.GET, f"{BASE}/", status=404, body="<html>Not Found</html>")
        with pytest.raises(e.WebserviceNotFoundError, match="no valid web service 'Nope'") as info:
            _ = _client(webservice="Nope").routes
        probes = [c.request for c in mock.calls]
    assert info.value.endpoint == f"{BASE}/znuny{nope}"
    # the second question went on a connection of its own, closed at once
    assert [r.headers.get("Connection") for r in probes if r.method == "GET"] == ["close"]


def test_a_call_to_a_web_service_znuny_lacks_is_not_retried() -> None:
    nope = WS.replace("GenericTicketConnectorREST", "Nope")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, f"{BASE}/znuny{nope}/Session", body=_silent())
        mock.add(responses.GET, f"{BASE}/", status=404, body="<html>Not Found</html>")
        client = ZnunyClient(BASE, route_set="znuny-r2a", webservice="Nope",
                             credentials=AgentCredentials("radiant", "pw"),
                             retry=RetryPolicy(attempts=3, backoff=0))
        with pytest.raises(e.WebserviceNotFoundError) as info:
            client.session_create()
        methods = [c.request.method for c in mock.calls]
    assert isinstance(info.value, e.NoResponseError)  # the outbox still treats it as unreachable
    assert info.value.operation == "SessionCreate"
    assert methods == ["POST", "POST", "GET"]  # the call, the same again, the web server


def test_silence_from_a_server_that_is_down_stays_a_no_response_error() -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, f"{BASE}/znuny{WS}/Session", body=_silent())
        mock.add(responses.GET, f"{BASE}/", body=requests.ConnectionError("refused"))
        client = ZnunyClient(BASE, route_set="znuny-r2a",
                             credentials=AgentCredentials("radiant", "pw"),
                             retry=RetryPolicy(attempts=1))
        with pytest.raises(e.NoResponseError) as info:
            client.session_create()
    assert type(info.value) is e.NoResponseError
