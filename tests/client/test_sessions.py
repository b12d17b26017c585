"""Sessions: lazy login, reuse, one transparent renewal, credentials and header modes, threads."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
import requests
from responses import matchers

from radiant_ext.client import AgentCredentials, CustomerCredentials, RetryPolicy, ZnunyClient
from radiant_ext.client import errors as e

OTRS = "otrs-ce-6"
A1 = "WZQEnF1IQMHPHAnrhnqlJCIy2KyPzj9o"
EXPIRED = "KYtJUOjfAui7PXVCHWc7fwluVo3Ucxk4"
SEARCH_URL = "http://znuny.test/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST/Ticket"
SESSION_URL = "http://znuny.test/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST/Session"


def agent_client(**kw: Any) -> ZnunyClient:
    return ZnunyClient("http://znuny.test", route_set="otrs6",
                       credentials=AgentCredentials("agent1", "<password>"),
                       retry=RetryPolicy(attempts=1), **kw)


def test_first_call_logs_in_once_and_reuses_the_session(kit: Any, mocked: Any) -> None:
    client = agent_client()
    assert client.session_id is None
    kit.register(mocked, kit.load(OTRS, "001-SessionCreate-agent"))
    kit.register(mocked, kit.load(OTRS, "038-TicketGet-single"))
    kit.register(mocked, kit.load(OTRS, "076-TicketSearch-all-default"))
    assert client.ticket_get(8).ticket_id == 8
    assert client.ticket_search()[0] == 12
    assert client.session_id == A1
    assert [c.request.method for c in mocked.calls] == ["POST", "GET", "GET"]


def test_expired_session_is_renewed_once_and_the_call_repeated(kit: Any, mocked: Any) -> None:
    # contract 106-108: an idle-expired session answers TicketGet.AuthFail
    client = agent_client(session_id=EXPIRED)
    kit.register(mocked, kit.load(OTRS, "107-TicketGet-error-expired-session"))
    kit.register(mocked, kit.load(OTRS, "001-SessionCreate-agent"))
    kit.register(mocked, kit.load(OTRS, "038-TicketGet-single"))
    assert client.ticket_get(8).ticket_number == "2026112210000077"
    assert client.session_id == A1
    assert len(mocked.calls) == 3


def test_session_killed_by_ip_check_is_renewed(kit: Any, mocked: Any) -> None:
    # contract 109-111: a session used from another address is deleted by Znuny
    client = agent_client(session_id="sN39BFtM6VGCpBHVGqZLGaD5ehXGHSah")
    kit.register(mocked, kit.load(OTRS, "110-TicketSearch-error-session-used-from-other-ip"))
    kit.register(mocked, kit.load(OTRS, "001-SessionCreate-agent"))
    kit.register(mocked, kit.load(OTRS, "076-TicketSearch-all-default"))
    assert len(client.ticket_search()) == 12


def test_renewal_happens_only_once(kit: Any, mocked: Any) -> None:
    client = agent_client(session_id=EXPIRED)
    kit.register(mocked, kit.load(OTRS, "107-TicketGet-error-expired-session"))
    kit.register(mocked, kit.load(OTRS, "001-SessionCreate-agent"))
    mocked.add("GET", SEARCH_URL + "/8", json={"Error": {"ErrorCode": "TicketGet.AuthFail",
                                                          "ErrorMessage": "no"}},
               match=[matchers.query_param_matcher({"SessionID": A1})])
    with pytest.raises(e.AuthenticationError) as info:
        client.ticket_get(8)
    assert info.value.code == "TicketGet.AuthFail"
    assert len(mocked.calls) == 3


def test_wrong_password_during_renewal_raises_the_login_error(kit: Any, mocked: Any) -> None:
    client = agent_client(session_id=EXPIRED)
    kit.register(mocked, kit.load(OTRS, "107-TicketGet-error-expired-session"))
    kit.register(mocked, kit.load(OTRS, "008-SessionCreate-error-wrong-password"))
    with pytest.raises(e.AuthenticationError) as info:
        client.ticket_get(8)
    assert info.value.code == "SessionCreate.AuthFail"


def test_ticket_create_is_repeated_after_auth_fail_because_nothing_was_created(
    kit: Any, mocked: Any
) -> None:
    from radiant_ext.client import NewArticle, NewTicket

    client = agent_client(session_id="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
    kit.register(mocked, kit.load(OTRS, "037-TicketCreate-error-invalid-session"))
    kit.register(mocked, kit.load(OTRS, "001-SessionCreate-agent"))
    mocked.add("POST", SEARCH_URL, json={"TicketID": "20", "TicketNumber": "2026112210000200",
                                         "ArticleID": 30},
               match=[matchers.json_params_matcher({"SessionID": A1}, strict_match=False)])
    created = client.ticket_create(
        NewTicket(title="t", queue="IT", state="new", priority="3 normal", type="Incident",
                  customer_user="cust1"),
        NewArticle(subject="s", body="b", content_type="text/plain; charset=utf8"))
    assert created.ticket_id == 20


def test_session_get_of_the_current_session_logs_in_first(kit: Any, mocked: Any) -> None:
    client = agent_client()
    kit.register(mocked, kit.load(OTRS, "001-SessionCreate-agent"))
    kit.register(mocked, kit.load(OTRS, "006-SessionGet-agent"))
    assert client.session_get().user_login == "agent1"


def test_customer_credentials_log_in_as_customer_user(kit: Any, mocked: Any) -> None:
    client = ZnunyClient("http://znuny.test", credentials=CustomerCredentials("cust1",
                                                                              "<password>"))
    kit.register(mocked, kit.load(OTRS, "002-SessionCreate-customer"))
    assert client.session_create() == "9WY6JPRVXiiFAII4rx0D7gMmSjVkVNaO"


def test_header_auth_with_credentials_keeps_the_password_out_of_the_url(mocked: Any) -> None:
    client = agent_client(auth_mode="credentials", header_auth=True)
    mocked.add("GET", SEARCH_URL, json={"TicketID": ["3"]},
               match=[matchers.query_param_matcher({"Queues": "IT"}),
                      matchers.header_matcher({"X-OTRS-Header-UserLogin": "agent1",
                                               "X-OTRS-Header-Password": "<password>"})])
    assert client.ticket_search(queues="IT") == [3]
    assert "password" not in mocked.calls[0].request.url.lower()


def test_session_remove_needs_credentials_and_a_route() -> None:
    only_session = ZnunyClient("http://znuny.test", route_set="znuny-r2a", session_id=A1)
    with pytest.raises(e.MissingCredentialsError):
        only_session.session_remove(A1)
    no_route = agent_client()
    with pytest.raises(e.RouteNotConfiguredError, match="SessionRemove"):
        no_route.session_remove(A1)


def test_session_remove_forgets_the_current_session(mocked: Any) -> None:
    client = ZnunyClient("http://znuny.test", route_set="znuny-r2a", session_id=A1,
                         credentials=AgentCredentials("agent1", "pw"))
    mocked.add("DELETE", "http://znuny.test/znuny/nph-genericinterface.pl/Webservice/"
               f"GenericTicketConnectorREST/Session/{A1}", json={"Success": 1},
               match=[matchers.json_params_matcher({"UserLogin": "agent1", "Password": "pw"})])
    client.session_remove()
    assert client.session_id is None


def test_threads_share_one_login_but_not_connections(mocked: Any) -> None:
    logins: list[int] = []

    def login(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        logins.append(1)
        return 200, {}, json.dumps({"SessionID": "S" * 32})

    mocked.add_callback("POST", SESSION_URL, callback=login)
    mocked.add("GET", SEARCH_URL, json={"TicketID": ["1"]},
               match=[matchers.query_param_matcher({"SessionID": "S" * 32})])
    client = agent_client(pool_size=4)
    barrier = threading.Barrier(8)
    results: list[list[int]] = []
    in_use: set[int] = set()
    overlapping: list[int] = []

    def work() -> None:
        barrier.wait()
        with client._transport.session() as session:  # held while the others run
            in_use.add(id(session))
            barrier.wait()
            overlapping.append(len(in_use))
        results.append(client.ticket_search())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[1]] * 8
    assert len(logins) == 1
    assert overlapping == [8] * 8  # eight requests at once never share a connection
    assert client._transport.idle == 4  # pool_size connections stay open for reuse
    client.close()
    assert client._transport.idle == 0


def test_concurrent_auth_failures_renew_the_session_once(mocked: Any) -> None:
    logins: list[int] = []

    def login(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        logins.append(1)
        return 200, {}, json.dumps({"SessionID": "N" * 32})

    def search(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        if "SessionID=" + "O" * 32 in (request.url or ""):
            return 200, {}, json.dumps({"Error": {"ErrorCode": "TicketSearch.AuthFail",
                                                  "ErrorMessage": "Authorization failing!"}})
        return 200, {}, json.dumps({"TicketID": ["5"]})

    mocked.add_callback("POST", SESSION_URL, callback=login)
    mocked.add_callback("GET", SEARCH_URL, callback=search)
    client = agent_client(session_id="O" * 32)
    barrier = threading.Barrier(6)
    results: list[list[int]] = []

    def work() -> None:
        barrier.wait()
        results.append(client.ticket_search())

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[5]] * 6
    assert len(logins) == 1


def test_from_settings_uses_the_companion_agent(mocked: Any, monkeypatch: Any) -> None:
    from radiant_ext.config import Settings

    settings = Settings(znuny_url="http://znuny.test", znuny_user="radiant",
                        znuny_password="radiant-demo", znuny_route_set="znuny")
    client = ZnunyClient.from_settings(settings)
    mocked.add("POST", "http://znuny.test/znuny/nph-genericinterface.pl/Webservice/"
               "GenericTicketConnectorREST/Session", json={"SessionID": "X" * 32},
               match=[matchers.json_params_matcher({"UserLogin": "radiant",
                                                    "Password": "radiant-demo"})])
    assert client.session_create() == "X" * 32
    with pytest.raises(e.MissingCredentialsError):
        ZnunyClient.from_settings(Settings(znuny_user=""))



