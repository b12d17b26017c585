"""The webhook with the installed department plugins (radiant-ext-it and the others)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from radiant_ext.plugins import Plugins, make_plugin_manager
from radiant_ext.webhook import TicketRouter, validate_payload


@pytest.fixture(scope="module")
def router() -> TicketRouter:
    plugins = Plugins(make_plugin_manager(load_entrypoints=True))
    assert "it.pos-down" in {item.id for item in plugins.catalog_items()}
    return TicketRouter(plugins)


def _email(kit: Any, title: str, body: str, company: str, user: str) -> dict[str, Any]:
    """The recorded PostMaster payload (file 05) with another mail in it."""
    payload = copy.deepcopy(kit.load_recording("05-TicketCreate-email-postmaster.json"))
    ticket = payload["request"]["body"]["Ticket"]
    ticket.update(Title=title, CustomerID=company, CustomerUserID=user)
    for article in [ticket["Article"], *ticket["Articles"]]:
        article.update(Subject=title, Body=body)
    data: dict[str, Any] = payload["request"]["body"]
    return data


def test_cash_register_mail_naming_a_store_becomes_a_pos_incident(
    router: TicketRouter, kit: Any
) -> None:
    # The sender's company (acme, from the recording) is neither a store nor a company the
    # catalogs name, so every item is a candidate and the store comes from the text.
    body = _email(kit, "Cash register in store 12 does not work",
                  "The cash register in store 12 does not work since the morning.",
                  "acme", "cust1")
    result = router.handle(validate_payload(body))
    answer = result.answer
    assert answer["otrs_TicketDynamicFieldSet_RadiantCategory"] == "it.pos-down"
    assert answer["OTRS_TicketQueueSet"] == "IT::Stores"
    assert answer["OTRS_TicketServiceSet"] == "IT::Cash register"
    assert answer["OTRS_TicketSLASet"] == "POS critical"
    assert answer["OTRS_TicketTypeSet"] == "Incident"
    assert answer["OTRS_TicketPrioritySet"] == "4 high"
    assert answer["OTRS_TicketDynamicFieldSet_RadiantStore"] == "store-012"
    assert answer["OTRS_TicketOwnerSet"] in {"it-agent", "demo-agent"}
    # created Mon 2026-11-23 05:46:22 UTC = 08:46 Moscow; 4 business hours later = 12:46 Moscow
    assert answer["OTRS_TicketDynamicFieldSet_RadiantDeadline"] == "2026-11-23 09:46:22"


def test_a_clerk_of_the_store_gets_the_same_routing(router: TicketRouter, kit: Any) -> None:
    body = _email(kit, "Cash register does not work", "The cash register does not start.",
                  "store-012", "clerk-012-1")
    answer = router.handle(validate_payload(body)).answer
    assert answer["otrs_TicketDynamicFieldSet_RadiantCategory"] == "it.pos-down"
    assert answer["OTRS_TicketDynamicFieldSet_RadiantStore"] == "store-012"
    assert answer["OTRS_TicketQueueSet"] == "IT::Stores"


def test_cash_register_mail_from_a_flagship_store_outranks_a_standard_store(
    router: TicketRouter, kit: Any
) -> None:
    flagship = _email(kit, "Касса не работает", "Касса номер 2 не включается.",
                      "store-001", "flagship-clerk")
    standard = _email(kit, "Касса не работает", "Касса номер 2 не включается.",
                      "store-007", "demo-customer")
    high = router.handle(validate_payload(flagship)).answer
    normal = router.handle(validate_payload(standard)).answer
    assert high["OTRS_TicketPrioritySet"] == "5 very high"
    assert normal["OTRS_TicketPrioritySet"] == "4 high"
    assert "flagship-store" in high["OTRS_TicketArticleAdd"]["Body"]
    assert high["OTRS_TicketDynamicFieldSet_RadiantStore"] == "store-001"


def test_office_printer_mail_is_routed_below_the_cash_register(
    router: TicketRouter, kit: Any
) -> None:
    body = _email(kit, "Office printer jams", "The printer on the 3rd floor jams.",
                  "head-office", "office-anna")
    answer = router.handle(validate_payload(body)).answer
    assert answer["otrs_TicketDynamicFieldSet_RadiantCategory"] == "it.office-printer"
    assert answer["OTRS_TicketPrioritySet"] < "4 high"


def test_a_stranger_naming_a_flagship_store_gets_no_store_and_no_raised_priority(
    router: TicketRouter, kit: Any
) -> None:
    body = _email(kit, "Cash register in store 001 does not work",
                  "The cash register in store 001 does not work.", "store-001",
                  "stranger@example.com")
    body["Ticket"]["CustomerUser"] = {}  # Znuny knows no customer user with this address
    answer = router.handle(validate_payload(body)).answer
    assert answer["otrs_TicketDynamicFieldSet_RadiantCategory"] == "it.pos-down"
    assert answer["OTRS_TicketQueueSet"] == "IT::Stores"  # still triaged where it belongs
    assert "OTRS_TicketDynamicFieldSet_RadiantStore" not in answer
    assert answer["OTRS_TicketPrioritySet"] == "3 normal"
    assert "not a known customer user" in answer["OTRS_TicketArticleAdd"]["Body"]
    body["Ticket"]["CustomerUser"] = {"UserLogin": "clerk-001-1", "ValidID": 1}
    known = router.handle(validate_payload(body)).answer
    assert known["OTRS_TicketDynamicFieldSet_RadiantStore"] == "store-001"
    assert known["OTRS_TicketPrioritySet"] == "5 very high"
