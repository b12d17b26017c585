"""Route overrides from the installation's settings (``znuny_routes``), validated by operation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from responses import matchers

from radiant_ext.client import Route, ZnunyClient
from radiant_ext.client import errors as e
from radiant_ext.config import Settings, load_settings
from radiant_ext.errors import ConfigError

ZNUNY = "http://znuny.test/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
SID = "S" * 32


def settings(**kw: Any) -> Settings:
    # routes are under test here: the session travels in the body (no header probe)
    return Settings(znuny_url="http://znuny.test", znuny_user="radiant",
                    znuny_password="radiant-demo", znuny_route_set="znuny",
                    znuny_session_in_header=False, **kw)


def test_a_post_search_route_from_settings_enables_dynamic_field_search(mocked: Any) -> None:
    client = ZnunyClient.from_settings(
        settings(znuny_routes={"TicketSearchPOST": "POST /Ticket/Search"}), session_id=SID)
    mocked.add("POST", ZNUNY + "/Ticket/Search", json={"TicketID": ["31"]},
               match=[matchers.json_params_matcher(
                   {"SessionID": SID, "DynamicField_RadiantRequestID": {"Equals": "RQ-1"}})])
    assert client.ticket_search(dynamic_fields={"RadiantRequestID": "RQ-1"}) == [31]
    without = ZnunyClient.from_settings(settings(), session_id=SID)
    with pytest.raises(e.RouteNotConfiguredError, match="TicketSearchPOST"):
        without.ticket_search(dynamic_fields={"RadiantRequestID": "RQ-1"})


def test_routes_come_from_the_environment_and_from_toml(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("RADIANT_ZNUNY_ROUTES", '{"SessionRemove": "delete /Session/:SessionID"}')
    client = ZnunyClient.from_settings(load_settings(znuny_user="radiant",
                                                     znuny_route_set="otrs6"))
    assert client.routes.route("SessionRemove") == Route("DELETE", "/Session/:SessionID")
    monkeypatch.delenv("RADIANT_ZNUNY_ROUTES")
    toml = tmp_path / "radiant.toml"
    toml.write_text('znuny_user = "radiant"\nznuny_route_set = "otrs6"\n[znuny_routes]\n'
                    'TicketHistoryGet = "GET /Ticket/History/:TicketID"\n')
    monkeypatch.setenv("RADIANT_CONFIG", str(toml))
    client = ZnunyClient.from_settings(load_settings())
    assert client.routes.route("TicketHistoryGet").template == "/Ticket/History/:TicketID"
    assert client.routes.route("TicketGet").template == "/Ticket/:TicketID"  # untouched


@pytest.mark.parametrize(("routes", "message"), [
    ({"TicketSearchPOST": "FETCH /Ticket/Search"}, "TicketSearchPOST.*FETCH"),
    ({"TicketSearchPOST": "POST Ticket/Search"}, "TicketSearchPOST.*must start with '/'"),
    ({"TicketUpdate": "POST"}, "TicketUpdate.*METHOD /path"),
    ({"TicketSearchPost": "POST /Ticket/Search"}, "unknown operation 'TicketSearchPost'"),
])
def test_unusable_routes_are_refused_when_settings_load(
    routes: dict[str, str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("RADIANT_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(ConfigError, match=f"znuny_routes.*{message}"):
        load_settings(znuny_routes=routes)
    # settings built without validation still cannot make a client with them
    unchecked = settings().model_copy(update={"znuny_routes": routes})
    with pytest.raises(e.RouteNotConfiguredError, match=message):
        ZnunyClient.from_settings(unchecked)


def test_routes_keyword_is_applied_on_top_of_the_settings() -> None:
    client = ZnunyClient.from_settings(
        settings(znuny_routes={"TicketSearchPOST": "POST /Ticket/Search",
                               "TicketUpdate": "PATCH /Ticket/:TicketID"}),
        routes={"TicketUpdate": ("PUT", "/Ticket/:TicketID")})
    assert client.routes.route("TicketSearchPOST") == Route("POST", "/Ticket/Search")
    assert client.routes.route("TicketUpdate") == Route("PUT", "/Ticket/:TicketID")


def test_bad_route_given_to_the_client_names_the_operation() -> None:
    with pytest.raises(e.RouteNotConfiguredError, match="TicketGet.*GETT"):
        ZnunyClient("http://znuny.test", session_id=SID, routes={"TicketGet": ("GETT", "/x")})
