"""Fixtures for the client tests: recorded exchanges replayed through strict ``responses`` mocks.

A contract case is a dict:

``call``     ``lambda client: …`` — the client call that produces the recorded request;
``check``    ``lambda result: bool`` — what the parsed result must satisfy, or
``raises``   ``(ExceptionClass, "ErrorCode" or None)`` — the exact exception type and code;
``client``   extra ``ZnunyClient`` keyword arguments;
``headers``  request headers the recorded request carried (matched);
``extra``    further files of the same folder the call also sends (matched exactly);
``fed``      a reason why a client cannot produce the recorded request: then the recorded
             *answer* is fed to ``call`` (method and path matched, query/body not).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from http.client import RemoteDisconnected
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import responses
from responses import matchers
from urllib3.exceptions import ProtocolError

from radiant_ext.client import AgentCredentials, CustomerCredentials, RetryPolicy, ZnunyClient

CONTRACT = Path(__file__).resolve().parents[2].parent / "shared" / "contract"
BASE = "http://znuny.test"
FOLDER_ROUTE_SETS = {"otrs-ce-6": "otrs6", "znuny": "znuny"}
#: The second web service of the znuny recording: 7.2 development routes plus two added ones.
EXTRA_ROUTES = {
    "TicketUpdate": ("PATCH", "/Ticket/:TicketID"),
    "TicketSearchPOST": ("POST", "/Ticket/Search"),
    "SessionRemove": ("DELETE", "/Session/:SessionID"),
}

Case = dict[str, Any]


def load(folder: str, name: str) -> dict[str, Any]:
    """One recorded exchange (``name`` with or without ``.json``)."""
    path = CONTRACT / folder / (name if name.endswith(".json") else f"{name}.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def contract_files(folder: str) -> list[str]:
    """Every exchange file of a folder, sorted."""
    return sorted(p.name for p in (CONTRACT / folder).glob("*.json"))


def query_of(path: str) -> dict[str, Any]:
    """The query of a recorded path, parsed the way ``responses`` parses a request's."""
    params: dict[str, Any] = {}
    pairs = parse_qsl(urlsplit(path).query, keep_blank_values=True)
    for key, group in groupby(pairs, lambda kv: kv[0]):
        values = [v for _, v in group]
        params[key] = values[0] if len(values) == 1 else values
    return params


def _no_body(request: requests.PreparedRequest) -> tuple[bool, str]:
    return (not request.body, f"expected no body, got {request.body!r}")


def no_answer() -> requests.ConnectionError:
    """What requests raises when the server closes the connection without any answer."""
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", RemoteDisconnected("Remote end closed connection"))
    )


def register(
    mock: responses.RequestsMock,
    exchange: dict[str, Any],
    *,
    exact: bool = True,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer the recorded request with the recorded response; ``exact`` matches query/body."""
    url = BASE + urlsplit(exchange["path"]).path
    match: list[Callable[..., Any]] = []
    if exact:
        match.append(matchers.query_param_matcher(query_of(exchange["path"])))
        body = exchange["request_body"]
        match.append(matchers.json_params_matcher(body) if isinstance(body, dict) else _no_body)
        if headers:
            match.append(matchers.header_matcher(headers))
    response = exchange["response_body"]
    if exchange["status"] is None:
        mock.add(exchange["method"], url, body=no_answer(), match=match)
        return
    found = re.search(r"response Content-Type: ([^\]]+)\]", exchange["notes"])
    content_type = found.group(1) if found else "application/json; charset=UTF-8"
    text = response if isinstance(response, str) else json.dumps(response)
    mock.add(exchange["method"], url, body=text.encode("utf-8"), status=exchange["status"],
             content_type=content_type, match=match)


def make_client(folder: str, exchange: dict[str, Any], **overrides: Any) -> ZnunyClient:
    """A client configured like the one that made the recording (route set, auth, service)."""
    path = urlsplit(exchange["path"]).path
    query = query_of(exchange["path"])
    body = exchange["request_body"] if isinstance(exchange["request_body"], dict) else {}
    kwargs: dict[str, Any] = {"route_set": FOLDER_ROUTE_SETS[folder],
                              "retry": RetryPolicy(attempts=1)}
    found = re.search(r"/Webservice/([^/]+)/", path)
    if found:
        kwargs["webservice"] = found.group(1)
        if found.group(1) == "GenericTicketConnectorRESTExtra":
            kwargs["routes"] = EXTRA_ROUTES
    operation = exchange["operation"]
    source = {**query, **body}
    sid = source.get("SessionID")
    if sid and operation not in ("SessionGet", "SessionRemove"):
        kwargs["session_id"] = sid
    for key, cls in (("UserLogin", AgentCredentials), ("CustomerUserLogin", CustomerCredentials)):
        if key in source and (operation.startswith("Session") or "Password" in source):
            kwargs["credentials"] = cls(source[key], source.get("Password", "<password>"))
            if operation not in ("SessionCreate", "SessionRemove"):
                kwargs["auth_mode"] = "credentials"
    if "credentials" not in kwargs and "session_id" not in kwargs:
        kwargs["session_id"] = "session-not-sent"
    kwargs.update(overrides)
    return ZnunyClient(BASE, **kwargs)


def run_case(folder: str, name: str, case: Case) -> None:
    """Replay one contract case (see the module docstring)."""
    exchange = load(folder, name)
    client = make_client(folder, exchange, **case.get("client", {}))
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        register(mock, exchange, exact=not case.get("fed"), headers=case.get("headers"))
        for extra in case.get("extra", ()):
            register(mock, load(folder, extra))
        if "raises" in case:
            cls, code = case["raises"]
            with pytest.raises(cls) as info:
                case["call"](client)
            assert type(info.value) is cls, f"{type(info.value).__name__} is not {cls.__name__}"
            assert getattr(info.value, "code", None) == code
        else:
            result = case["call"](client)
            assert case["check"](result), f"unexpected result: {result!r}"


def check_listing(folder: str, cases: dict[str, Case], total: int, fed: int) -> None:
    """Every file of ``folder`` has exactly one case; ``fed`` of them cannot be produced by a
    client (answer fed to the nearest call, with the reason), the rest are sent exactly."""
    files = contract_files(folder)
    assert len(files) == total
    assert sorted(cases) == files
    for name, case in cases.items():
        assert ("check" in case) != ("raises" in case), name
        if "fed" in case:
            assert len(case["fed"]) > 20, f"{name}: say why a client cannot produce it"
    exact = [n for n, c in cases.items() if "fed" not in c]
    assert len(exact) == total - fed


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    """A strict mock: every registered answer must be requested."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def contract() -> Path:
    """The shared/contract folder (the suite cannot run without it)."""
    if not CONTRACT.is_dir():
        pytest.fail(f"shared/contract not found at {CONTRACT}")
    return CONTRACT


class Kit:
    """The helpers above, handed to test modules as the ``kit`` fixture (conftest modules
    cannot be imported under ``--import-mode=importlib``)."""

    base = BASE
    load = staticmethod(load)
    register = staticmethod(register)
    make_client = staticmethod(make_client)
    run_case = staticmethod(run_case)
    contract_files = staticmethod(contract_files)
    check_listing = staticmethod(check_listing)
    no_answer = staticmethod(no_answer)
    query_of = staticmethod(query_of)


@pytest.fixture
def kit() -> Kit:
    """Contract helpers (see :class:`Kit`)."""
    return Kit()
