"""The request pages without rough edges: the favicon, the closing step and one state name,
store filters limited to what the viewer sees, grouped ticket numbers."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from radiant_ext.portal.numbers import group_number, plain_number
from radiant_ext.portal.ports import Customer
from radiant_ext.portal.scoping import visible_stores
from tests.portal.conftest import CUSTOMERS, csrf_token


def test_the_favicon_is_served_at_the_address_browsers_ask_for(client: FlaskClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    response.close()
    login = client.get("/login").get_data(as_text=True)
    svg = re.search(r'<link rel="icon" href="([^"]+\.svg)"', login)
    assert svg
    icon = client.get(svg.group(1))
    assert icon.status_code == 200 and b"<svg" in icon.data
    icon.close()


def test_closing_asks_first_and_says_solved_everywhere(
    customer_client: FlaskClient, desk: Any
) -> None:
    ticket = desk.add_ticket(CUSTOMERS["demo-customer"], "Printer jams")
    tid = ticket.summary.ticket_id
    detail = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert f'href="/requests/{tid}/close"' in detail  # a link to the question, not a POST
    token = csrf_token(customer_client, f"/requests/{tid}/close")
    unconfirmed = customer_client.post(f"/requests/{tid}/close", data={"csrf_token": token})
    assert unconfirmed.status_code == 302
    assert unconfirmed.headers["Location"].endswith(f"/requests/{tid}/close")
    assert ticket.summary.state_type == "new"
    question = customer_client.get(f"/requests/{tid}/close").get_data(as_text=True)
    assert "Mark the request as solved?" in question and "“Solved”" in question
    done = customer_client.post(f"/requests/{tid}/close",
                                data={"csrf_token": token, "confirm": "yes"},
                                follow_redirects=True).get_data(as_text=True)
    assert ticket.summary.state == "closed successful"
    assert "marked as solved" in done and "<dd>Solved</dd>" in done
    listed = customer_client.get("/requests?state=closed").get_data(as_text=True)
    assert 'data-label="State">Solved<' in listed
    assert customer_client.get(f"/requests/{tid}/close").status_code == 302  # already closed


def test_closing_step_in_russian(customer_client: FlaskClient, desk: Any) -> None:
    tid = desk.add_ticket(CUSTOMERS["demo-customer"], "T").summary.ticket_id
    customer_client.set_cookie("radiant_lang", "ru")
    html = customer_client.get(f"/requests/{tid}/close").get_data(as_text=True)
    assert "Отметить заявку как решённую?" in html and "«Решена»" in html


def test_state_names_come_from_one_table_with_types_for_custom_states(
    customer_client: FlaskClient, desk: Any
) -> None:
    me = CUSTOMERS["demo-customer"]
    desk.add_ticket(me, "A", state="new", state_type="new")
    desk.add_ticket(me, "B", state="waiting for parts", state_type="pending reminder")
    html = customer_client.get("/requests?state=all").get_data(as_text=True)
    states = re.findall(r'data-label="State">([^<]*)<', html)
    assert sorted(states) == ["New", "Waiting"]


def test_a_store_clerk_is_not_offered_other_stores(
    customer_client: FlaskClient, desk: Any
) -> None:
    html = customer_client.get("/requests/company").get_data(as_text=True)
    assert 'name="store"' not in html  # one store: nothing to choose
    assert "Store 001 Moscow Tverskaya" not in html


def test_head_office_is_offered_every_store(login_as: Any, client: FlaskClient) -> None:
    login_as("office-anna")
    html = client.get("/requests/company").get_data(as_text=True)
    options = re.findall(r'<option value="(store-\d+)"', html)
    assert options == ["store-001", "store-007"]


def test_visible_stores_follow_what_the_customer_may_see() -> None:
    stores = {"store-001": "Flagship", "store-007": "Kazan"}
    assert visible_stores(Customer("c", "store-007"), stores) == {"store-007": "Kazan"}
    assert visible_stores(Customer("o", "head-office"), stores) == stores
    assert visible_stores(Customer("g", "public", company_visible=False), stores) == {}


def test_ticket_numbers_are_grouped_but_copy_as_digits(
    customer_client: FlaskClient, desk: Any
) -> None:
    ticket = desk.add_ticket(CUSTOMERS["demo-customer"], "Printer jams")
    number = ticket.summary.ticket_number
    html = customer_client.get("/requests").get_data(as_text=True)
    groups = "".join(f'<span class="g">{number[i:i + 4]}</span>' for i in range(0, 16, 4))
    assert f'<span class="number" data-number="{number}">{groups}</span>' in html
    assert str(group_number("RQ-20261123-7KQ2M9XA")) == \
        '<span class="number">RQ-20261123-7KQ2M9XA</span>'


def test_grouped_and_plain_numbers_are_the_same_number() -> None:
    assert plain_number("2026 1205\u20091000\u00a00012") == "2026120510000012"
    assert plain_number(" 2026-1205-1000-0012 ") == "2026120510000012"
    assert plain_number("cash register 2") == "cash register 2"


def test_my_requests_can_be_searched_by_title_or_number(
    customer_client: FlaskClient, desk: Any
) -> None:
    me = CUSTOMERS["demo-customer"]
    jam = desk.add_ticket(me, "Receipt printer jams").summary
    desk.add_ticket(me, "Door stuck")
    html = customer_client.get("/requests?q=printer").get_data(as_text=True)
    assert "Receipt printer jams" in html and "Door stuck" not in html
    assert 'name="q" value="printer"' in html
    grouped = " ".join(jam.ticket_number[i:i + 4] for i in range(0, 16, 4))
    by_number = customer_client.get("/requests", query_string={"q": grouped})
    text = by_number.get_data(as_text=True)
    assert "Receipt printer jams" in text and "Door stuck" not in text
    none = customer_client.get("/requests?q=scanner").get_data(as_text=True)
    assert "No requests match “scanner”." in none
    customer_client.set_cookie("radiant_lang", "ru")
    russian = customer_client.get("/requests?q=scanner").get_data(as_text=True)
    assert "Искать в своих заявках" in russian and "Нет заявок по запросу «scanner»." in russian


def test_the_priority_is_shown_where_the_item_allows(
    customer_client: FlaskClient, desk: Any
) -> None:
    me = CUSTOMERS["demo-customer"]
    till = desk.add_ticket(me, "Till down", category="it.pos-down", priority="4 high")
    leave = desk.add_ticket(me, "Leave", category="hr.vacation", priority="2 low")
    listed = customer_client.get("/requests").get_data(as_text=True)
    assert '<th scope="col">Priority</th>' in listed
    assert 'data-label="Priority">High<' in listed and ">Low<" not in listed
    detail = customer_client.get(f"/requests/{till.summary.ticket_id}").get_data(as_text=True)
    assert "<dt>Priority</dt><dd>High</dd>" in detail
    other = customer_client.get(f"/requests/{leave.summary.ticket_id}").get_data(as_text=True)
    assert "<dt>Priority</dt>" not in other
    customer_client.set_cookie("radiant_lang", "ru")
    russian = customer_client.get(f"/requests/{till.summary.ticket_id}").get_data(as_text=True)
    assert "<dt>Приоритет</dt><dd>Высокий</dd>" in russian


def test_a_list_without_such_items_has_no_priority_column(
    customer_client: FlaskClient, desk: Any
) -> None:
    desk.add_ticket(CUSTOMERS["demo-customer"], "Leave", category="hr.vacation")
    assert "Priority" not in customer_client.get("/requests").get_data(as_text=True)


def test_priority_names_become_words_and_custom_ones_stay() -> None:
    from radiant_ext.portal.states import priority_label

    assert [priority_label(f"{n} x") for n in range(1, 6)] == \
        ["Very low", "Low", "Normal", "High", "Very high"]
    assert priority_label("urgent-vip") == "urgent-vip"
    assert priority_label("10 emergency") == "10 emergency"
