"""The home page's ranked search, the search-as-you-type endpoint and "I can't find it"."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient

from radiant_ext.portal.catalog.finding import GENERAL_QUEUE, GENERAL_TYPE, _Window


def _results(html: str) -> list[str]:
    return re.findall(r'<li class="result">\s*<a href="/new/([^"?]+)', html)


def test_the_home_search_ranks_items_by_meaning_with_their_department(
    customer_client: FlaskClient,
) -> None:
    html = customer_client.get("/?q=paid+leave").get_data(as_text=True)
    assert _results(html) == ["hr.vacation"]
    assert '<span class="result-dept">HR</span>' in html
    assert 'id="dept-it"' not in html  # the results replace the tiles
    # forms of a word, a typo, the other language's title, a keyword
    assert _results(customer_client.get("/?q=vacatoin").get_data(as_text=True)) \
        == ["hr.vacation"]
    assert _results(customer_client.get("/?q=касса").get_data(as_text=True)) \
        == ["it.pos-down"]
    assert _results(customer_client.get("/?q=tills").get_data(as_text=True))[0] \
        == "it.pos-down"


def test_a_search_that_finds_nothing_offers_i_cant_find_it(customer_client: FlaskClient) -> None:
    html = customer_client.get("/?q=submarine").get_data(as_text=True)
    assert "Nothing matches “submarine”." in html and _results(html) == []
    assert 'href="/cant-find?q=submarine"' in html
    home = customer_client.get("/").get_data(as_text=True)
    assert 'href="/cant-find" data-cant-find>I can\'t find what I need</a>' in home


def test_search_json_returns_ranked_items_for_the_script(customer_client: FlaskClient) -> None:
    answer = customer_client.get("/search.json?q=forgot+password").get_json()
    assert answer["query"] == "forgot password"
    assert answer["results"][0] == {
        "id": "it.password", "title": "Password reset", "summary": "Forgot password",
        "department": "IT", "url": "/new/it.password"}
    assert answer["cant_find"] == "/cant-find?q=forgot+password"
    assert customer_client.get("/search.json?q=").get_json()["results"] == []
    ru = customer_client.get("/search.json?q=till", headers={"Accept-Language": "ru"})
    assert ru.get_json()["results"][0]["title"] == "Касса не работает"


def test_search_never_shows_an_item_the_customer_may_not_see(
    client: FlaskClient, login_as: Any,
) -> None:
    login_as("new-store-clerk")  # a company the catalogs do not know: only HR is open
    assert client.get("/search.json?q=till").get_json()["results"] == []
    assert _results(client.get("/?q=till+касса").get_data(as_text=True)) == []
    ids = [r["id"] for r in client.get("/search.json?q=vacation").get_json()["results"]]
    assert ids == ["hr.vacation"]


def test_search_json_needs_a_login(client: FlaskClient) -> None:
    answer = client.get("/search.json?q=till")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_too_many_searches_get_a_429_with_retry_after(
    app: Flask, customer_client: FlaskClient,
) -> None:
    now = [1000.0]
    app.config["SEARCH_CLOCK"] = lambda: now[0]
    app.extensions["radiant_finding"] = (_Window(3, 60.0), _Window(1, 3600.0))
    for _ in range(3):
        assert customer_client.get("/search.json?q=till").status_code == 200
    refused = customer_client.get("/search.json?q=till")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Too many searches" in refused.get_json()["error"]
    now[0] += 61
    assert customer_client.get("/search.json?q=till").status_code == 200


def test_cant_find_suggests_three_items_carrying_the_text_to_their_forms(
    customer_client: FlaskClient,
) -> None:
    text = "my till is frozen and I forgot the password"
    html = customer_client.get(f"/cant-find?text={quote(text)}").get_data(as_text=True)
    assert "Did you mean …?" in html
    links = re.findall(r'<li class="result">\s*<a href="([^"]+)"', html)
    assert 1 <= len(links) <= 3
    assert links[0].startswith("/new/it.") and "text=my+till+is+frozen" in links[0]
    form = customer_client.get(links[0].replace("&amp;", "&")).get_data(as_text=True)
    assert re.search(r'name="description">\s*' + re.escape(text) + "</textarea>", form)
    assert "None of these: send my description as it is" in html


def _cant_find_form(client: FlaskClient, text: str) -> dict[str, str]:
    html = client.get(f"/cant-find?text={quote(text)}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert token and ref, html
    return {"csrf_token": token.group(1), "request_id": ref.group(1), "text": text}


def test_cant_find_files_the_text_without_a_category_and_never_takes_routing_from_the_form(
    customer_client: FlaskClient, desk: Any,
) -> None:
    text = "The music in the store is too loud\nsecond line"
    data = _cant_find_form(customer_client, text)
    sent = customer_client.post("/cant-find", data={**data, "queue": "VIP", "priority": "5"})
    assert sent.status_code == 302 and sent.headers["Location"] == \
        f"/submitted/{data['request_id']}"
    draft = desk.outbox[-1]
    decision = draft.routing.decision
    assert (decision.queue, decision.type, decision.priority) == \
        (GENERAL_QUEUE, GENERAL_TYPE, "3 normal")
    assert draft.item.id == "" and draft.customer.login == "demo-customer"
    assert draft.title == "The music in the store is too loud"
    assert draft.body.startswith(text)
    assert draft.routing.deadline is not None and draft.routing.deadline.tzinfo is not None
    page = customer_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Request without a category" in page


def test_cant_find_refuses_a_post_without_csrf_or_text(
    customer_client: FlaskClient, desk: Any,
) -> None:
    data = _cant_find_form(customer_client, "something odd")
    no_token = customer_client.post("/cant-find", data={**data, "csrf_token": ""})
    assert no_token.status_code == 400
    empty = customer_client.post("/cant-find", data={**data, "text": "  "})
    assert empty.status_code == 400 and "This field is required." in empty.get_data(True)
    foreign = customer_client.post("/cant-find", data={**data, "request_id": "RQ-FOREIGN-1"})
    assert foreign.status_code == 400 and "opened in another session" in foreign.get_data(True)
    assert desk.outbox == []
    long = customer_client.get("/cant-find?text=" + "x" * 2001).get_data(as_text=True)
    assert "Please keep it under 2000 characters." in long and "None of these" not in long


def test_cant_find_is_in_russian(customer_client: FlaskClient) -> None:
    html = customer_client.get("/cant-find?text=касса", headers={"Accept-Language": "ru"})
    page = html.get_data(as_text=True)
    assert "Не нашли нужное" in page and "Вы имели в виду" in page
    assert "Ничего из этого: отправить описание как есть" in page


def test_search_departments_keeps_the_matching_items_best_department_first() -> None:
    from radiant_ext.portal.catalog.views import search_departments
    from radiant_ext.portal.ports import CatalogItemView, DepartmentView

    till = CatalogItemView("it.till", "it", "Cash register down", keywords=("till",))
    mail = CatalogItemView("it.mail", "it", "E-mail problem")
    leave = CatalogItemView("hr.leave", "hr", "Vacation request", help="Paid leave, a till day")
    departments = [DepartmentView("hr", "HR", (leave,)), DepartmentView("it", "IT", (till, mail))]
    found = search_departments(departments, "till")
    assert [(d.id, [i.id for i in d.items]) for d in found] == \
        [("it", ["it.till"]), ("hr", ["hr.leave"])]
    assert search_departments(departments, "  ") == departments
    assert search_departments(departments, "submarine") == []


def test_a_catalogs_general_item_takes_the_description_instead_of_filing_it_uncategorised(
    customer_client: FlaskClient, desk: Any, monkeypatch: Any,
) -> None:
    from dataclasses import replace

    from radiant_ext.portal.ports import CatalogItemView

    departments = desk._departments

    def with_general(language: str) -> Any:
        found = departments(language)
        other = CatalogItemView("it.other", "it", "Something else")
        return [replace(found[0], items=(*found[0].items, other)), *found[1:]]

    monkeypatch.setattr(desk, "_departments", with_general)
    html = customer_client.get("/cant-find?text=odd+noise").get_data(as_text=True)
    assert "None of these: continue with “Something else”" in html
    assert 'href="/new/it.other?text=odd+noise"' in html
    assert "send my description as it is" not in html
    token = re.search(r'name="csrf_token" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"',
        customer_client.get("/cant-find").get_data(as_text=True))
    assert token
    posted = customer_client.post("/cant-find", data={
        "csrf_token": token.group(1), "request_id": "RQ-ANY-1", "text": "odd noise"})
    assert posted.status_code == 302
    assert posted.headers["Location"] == "/new/it.other?text=odd+noise"
    assert desk.outbox == []
