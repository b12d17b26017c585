"""``describe()``: the answer of the Znuny package's ``RadiantMeta::Describe`` as typed models.

The answers in ``data/radiant-meta-*.json`` were recorded on real servers with the package
installed (``tests/live/test_znuny_package.py`` checks them against the servers' databases):
Znuny 7.0.9 provisioned with the department catalogs, and a stock ((OTRS)) 6.0.30.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

from radiant_ext.client import (
    CustomerCredentials,
    RetryPolicy,
    ZnunyClient,
    ZnunyMeta,
)
from radiant_ext.client import errors as e

DATA = Path(__file__).parent / "data"
SID = "S" * 32
ZNUNY = "http://znuny.test/znuny/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"
OTRS = "http://znuny.test/otrs/nph-genericinterface.pl/Webservice/GenericTicketConnectorREST"


def recorded(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"radiant-meta-{version}.json").read_text())
    return data


def client(route_set: str = "znuny-r2a", **kw: Any) -> ZnunyClient:
    kw.setdefault("session_id", SID)
    return ZnunyClient("http://znuny.test", route_set=route_set, retry=RetryPolicy(attempts=1),
                       **kw)


def test_znuny_7_answer_with_the_catalogs(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{ZNUNY}/Radiant/Meta", json=recorded("7.0.9"),
                match=[matchers.json_params_matcher({"SessionID": SID})])
    meta = client().describe()
    assert (meta.product, meta.version, meta.package_version) == ("Znuny", "7.0.9", "1.0.0")
    assert meta.sections == {"Queues", "Services", "SLAs", "Types", "Priorities", "States",
                             "Agents", "CustomerCompanies", "DynamicFields"}
    assert {"IT", "IT::Stores", "Postmaster"} <= meta.valid_queues
    assert ("IT::Cash register", "POS critical") in meta.valid_service_slas
    pos = next(s for s in meta.slas if s.name == "POS critical")
    assert (pos.first_response_time, pos.solution_time, pos.calendar) == (30, 240, "")
    cash = next(s for s in meta.services if s.name == "IT::Cash register")
    assert cash.for_every_customer and cash.customer_users == ["<DEFAULT>"]
    assert {"Incident", "Service Request"} <= meta.valid_types
    assert "3 normal" in meta.valid_priorities
    assert {"RadiantRequestID", "RadiantCategory", "RadiantStore", "RadiantDeadline"} <= \
        meta.valid_dynamic_fields("Ticket")
    deadline = meta.dynamic_field("RadiantDeadline")
    assert deadline is not None and deadline.field_type == "DateTime"
    radiant = meta.agent("radiant")
    assert radiant is not None and radiant.full_name == "Radiant Companion"
    assert "users" in radiant.rw_groups
    assert meta.agent_names["it-agent"] == "It Agent"
    assert meta.company_names["store-007"] == "store-007"
    closed = {s.name: s.type for s in meta.states}["closed successful"]
    assert closed == "closed"
    assert "added operation(s) RadiantMetaDescribe to web service GenericTicketConnectorREST" in \
        meta.package_notes


def test_otrs6_stock_answer(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{OTRS}/Radiant/Meta", json=recorded("6.0.30"))
    meta = client("otrs6").describe()
    assert (meta.product, meta.version) == ("OTRS", "6.0.30")
    assert meta.valid_queues == {"Postmaster", "Raw", "Junk", "Misc"}
    assert not meta.services and not meta.slas
    assert meta.package_notes[0] == "install:"


def test_include_asks_for_sections_and_unknown_names_are_refused(
    mocked: responses.RequestsMock,
) -> None:
    answer = {k: v for k, v in recorded("7.0.9").items() if k not in (
        "Services", "SLAs", "Types", "Priorities", "States", "Agents", "CustomerCompanies",
        "DynamicFields")}
    mocked.post(f"{ZNUNY}/Radiant/Meta", json=answer,
                match=[matchers.json_params_matcher({"SessionID": SID, "Include": ["Queues"]})])
    meta = client().describe(include=["Queues"])
    assert meta.sections == {"Queues"} and meta.queues and not meta.agents
    with pytest.raises(ValueError, match="Nope"):
        client().describe(include=["Queues", "Nope"])


def test_loosely_typed_answers_are_read() -> None:
    meta = ZnunyMeta.model_validate({
        "Schema": "1", "Version": "6.5.4",
        "Queues": {"ID": "4", "Name": "Misc", "Valid": "1", "GroupID": "1", "Group": "users"},
        "Services": [{"ID": "2", "Name": "IT", "Valid": "0", "CustomerUsers": "<DEFAULT>"}],
        "SLAs": [{"ID": 1, "Name": "S", "Valid": 1, "Services": None, "FirstResponseTime": "",
                  "Calendar": 2, "CalendarName": "Stores"}],
        "Agents": [{"ID": "1", "Login": "root@localhost", "Valid": "1",
                    "Groups": {"rw": "admin"}}],
    })
    assert meta.queues[0].id == 4 and meta.queues[0].valid is True
    assert meta.services[0].customer_users == ["<DEFAULT>"] and meta.valid_services == set()
    assert meta.slas[0].services == [] and meta.slas[0].first_response_time == 0
    assert meta.slas[0].calendar == "2"
    assert meta.agents[0].rw_groups == ["admin"] and meta.agents[0].full_name == "root@localhost"
    assert meta.sections == {"Queues", "Services", "SLAs", "Agents"}


def test_customers_are_refused(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{ZNUNY}/Radiant/Meta", json={"Error": {
        "ErrorCode": "RadiantMeta.AccessDenied",
        "ErrorMessage": "RadiantMeta: only agents may read the metadata."}})
    with pytest.raises(e.PermissionDeniedError):
        client(session_id=None, credentials=CustomerCredentials("c", "p"),
               auth_mode="credentials").describe()


def test_without_the_package_the_route_is_missing(mocked: responses.RequestsMock) -> None:
    mocked.post(f"{ZNUNY}/Radiant/Meta", status=500, content_type="text/plain",
                body="HTTP::REST Error while determine Operation for request URI '/Radiant/Meta'.")
    with pytest.raises(e.RouteNotFoundError):
        client().describe()


def test_a_route_override_moves_the_operation(mocked: responses.RequestsMock) -> None:
    mocked.get(f"{ZNUNY}/Meta", json=recorded("7.0.9"),
               match=[matchers.query_param_matcher({"SessionID": SID})])
    assert client(routes={"RadiantMetaDescribe": "GET /Meta"}).describe().queues
