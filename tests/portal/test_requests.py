"""Request lists and detail: scoping, internal articles, attachments, reply, close, reopen."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient


def _customers(desk: Any) -> dict[str, Any]:
    import importlib

    conftest = importlib.import_module(type(desk).__module__)
    return dict(conftest.CUSTOMERS)


def _token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_my_requests_lists_own_tickets_with_overdue_highlighted(
    customer_client: FlaskClient, desk: Any
) -> None:
    people = _customers(desk)
    late = datetime.now(UTC) - timedelta(hours=2)
    desk.add_ticket(people["demo-customer"], "Printer jams", deadline=late)
    desk.add_ticket(people["store-manager"], "Manager request")
    desk.add_ticket(people["flagship-clerk"], "Flagship secret")
    html = customer_client.get("/requests").get_data(as_text=True)
    assert "Printer jams" in html
    assert "Manager request" not in html and "Flagship secret" not in html
    assert '<tr class="overdue">' in html and "overdue" in html
    assert "Store 007 Kazan" in html  # store names from the directory


def test_states_are_shown_in_the_customers_language(
    customer_client: FlaskClient, desk: Any
) -> None:
    me = _customers(desk)["demo-customer"]
    desk.add_ticket(me, "Done", state="closed successful", state_type="closed")
    english = customer_client.get("/requests?state=closed").get_data(as_text=True)
    assert ">Solved<" in english
    customer_client.set_cookie("radiant_lang", "ru")
    russian = customer_client.get("/requests?state=closed").get_data(as_text=True)
    assert ">Решена<" in russian


def test_company_requests_include_colleagues_but_not_other_stores(
    customer_client: FlaskClient, desk: Any
) -> None:
    people = _customers(desk)
    desk.add_ticket(people["store-manager"], "Manager request")
    desk.add_ticket(people["flagship-clerk"], "Flagship secret")
    html = customer_client.get("/requests/company").get_data(as_text=True)
    assert "Manager request" in html and "Flagship secret" not in html
    assert 'name="store"' not in html  # their own store only: nothing to choose


def test_state_filter_and_paging(app: Flask, customer_client: FlaskClient, desk: Any) -> None:
    app.config["PORTAL_PAGE_SIZE"] = 2
    me = _customers(desk)["demo-customer"]
    for n in range(3):
        desk.add_ticket(me, f"Open {n}", created=datetime(2026, 11, 20 + n, tzinfo=UTC))
    desk.add_ticket(me, "Done", state="closed successful", state_type="closed")
    page1 = customer_client.get("/requests").get_data(as_text=True)
    assert "Open 2" in page1 and "Open 1" in page1 and "Open 0" not in page1
    assert "Page 1 of 2 (3 requests)" in page1 and 'rel="next"' in page1
    page2 = customer_client.get("/requests?page=2").get_data(as_text=True)
    assert "Open 0" in page2 and "Done" not in page2
    closed = customer_client.get("/requests?state=closed").get_data(as_text=True)
    assert "Done" in closed and "Open 0" not in closed
    bad = customer_client.get("/requests?state=evil&sort=drop&page=x")
    assert bad.status_code == 200


def test_detail_shows_public_articles_only(customer_client: FlaskClient, desk: Any) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "Till frozen", body="It froze")
    desk.add_article(ticket, "INTERNAL: replace board, cost 300", visible=False)
    desk.add_article(ticket, "We are on our way", visible=True)
    html = customer_client.get(f"/requests/{ticket.summary.ticket_id}").get_data(as_text=True)
    assert "It froze" in html and "We are on our way" in html
    assert "INTERNAL" not in html and "cost 300" not in html
    assert "demo-agent" in html  # the owner
    assert "Tue 24 Nov, 12:00 (Yekaterinburg, GMT+05:00)" in html


def test_article_html_is_sanitised(customer_client: FlaskClient, desk: Any) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "Mail")
    desk.add_article(
        ticket,
        '<p onclick="x()">Hi <b>there</b><script>alert(1)</script>'
        '<a href="javascript:alert(2)">bad</a><img src="http://evil/x.png"></p>',
        visible=True, content_type="text/html",
    )
    html = customer_client.get(f"/requests/{ticket.summary.ticket_id}").get_data(as_text=True)
    assert "<b>there</b>" in html
    assert "<script>alert" not in html and "onclick" not in html
    assert "javascript:" not in html and "evil/x.png" not in html


def test_plain_text_articles_are_escaped(customer_client: FlaskClient, desk: Any) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "T", body="<script>x</script>")
    html = customer_client.get(f"/requests/{ticket.summary.ticket_id}").get_data(as_text=True)
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_foreign_ticket_is_404_not_403(customer_client: FlaskClient, desk: Any) -> None:
    other = desk.add_ticket(_customers(desk)["flagship-clerk"], "Flagship secret")
    tid = other.summary.ticket_id
    for path in (f"/requests/{tid}", f"/requests/{tid}/files/1/1", "/requests/999999"):
        response = customer_client.get(path)
        assert response.status_code == 404, path
        assert "Flagship secret" not in response.get_data(as_text=True)
    token = _token(customer_client, "/")
    for action in ("reply", "close", "reopen"):
        response = customer_client.post(
            f"/requests/{tid}/{action}", data={"csrf_token": token, "body": "hi",
                                               "reason": "hi"})
        assert response.status_code == 404, action
    assert desk.replies == [] and other.summary.state == "new"


def test_attachments_download_only_from_public_articles(
    customer_client: FlaskClient, desk: Any
) -> None:
    from radiant_ext.portal.ports import AttachmentData

    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "T")
    public = desk.add_article(ticket, "see file", visible=True,
                              files=[AttachmentData("report.pdf", "application/pdf", b"%PDF")])
    hidden = desk.add_article(ticket, "internal", visible=False,
                              files=[AttachmentData("quote.pdf", "application/pdf", b"$$$")])
    tid = ticket.summary.ticket_id
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "report.pdf" in html and "quote.pdf" not in html
    ok = customer_client.get(f"/requests/{tid}/files/{public.view.article_id}/1")
    assert ok.status_code == 200 and ok.data == b"%PDF"
    assert "attachment" in ok.headers["Content-Disposition"]
    assert ok.headers["Content-Security-Policy"].startswith("sandbox")
    denied = customer_client.get(f"/requests/{tid}/files/{hidden.view.article_id}/1")
    assert denied.status_code == 404


def test_reply_with_attachment(customer_client: FlaskClient, desk: Any) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "T")
    tid = ticket.summary.ticket_id
    response = customer_client.post(
        f"/requests/{tid}/reply",
        data={"csrf_token": _token(customer_client, f"/requests/{tid}"), "body": "Still broken",
              "attachments": [(io.BytesIO(b"log"), "till.log")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert desk.replies[-1][1] == "Still broken"
    assert desk.replies[-1][2][0].filename == "till.log"
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "Your message was added." in html and "Still broken" in html


def test_empty_reply_and_bad_attachment_are_form_errors(
    customer_client: FlaskClient, desk: Any
) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "T")
    tid = ticket.summary.ticket_id
    token = _token(customer_client, f"/requests/{tid}")
    empty = customer_client.post(f"/requests/{tid}/reply", data={"csrf_token": token})
    assert empty.status_code == 303  # back to the request page (post/redirect/get)
    assert empty.headers["Location"] == f"/requests/{tid}#reply-title"
    page = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "This field is required." in page
    bad = customer_client.post(
        f"/requests/{tid}/reply",
        data={"csrf_token": token, "body": "x", "attachments": [(io.BytesIO(b"x"), "a.bat")]},
        content_type="multipart/form-data", follow_redirects=True,
    )
    text = bad.get_data(as_text=True)
    assert "a.bat: this type" in text and "please attach them again" in text
    assert re.search(r">\s*x</textarea>", text)  # the message typed is still there
    assert desk.replies == []


def test_reply_without_csrf_is_refused(customer_client: FlaskClient, desk: Any) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "T")
    response = customer_client.post(f"/requests/{ticket.summary.ticket_id}/reply",
                                    data={"body": "x"})
    assert response.status_code == 400 and desk.replies == []


def test_close_then_reopen_within_the_window(customer_client: FlaskClient, desk: Any) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "T")
    tid = ticket.summary.ticket_id
    token = _token(customer_client, f"/requests/{tid}")
    customer_client.post(f"/requests/{tid}/close", data={"csrf_token": token, "confirm": "yes"})
    assert ticket.summary.state_type == "closed"
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "marked as solved" in html and "Reopen the request" in html
    assert "Send reply" not in html
    response = customer_client.post(f"/requests/{tid}/reopen",
                                    data={"csrf_token": token, "reason": "Broke again"})
    assert response.status_code == 302 and ticket.summary.state == "open"


def test_reply_to_a_closed_request_is_refused(customer_client: FlaskClient, desk: Any) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "T", state="closed successful",
                             state_type="closed", closed_at=datetime.now(UTC))
    tid = ticket.summary.ticket_id
    response = customer_client.post(
        f"/requests/{tid}/reply", data={"csrf_token": _token(customer_client, "/"), "body": "x"})
    assert response.status_code == 302 and desk.replies == []
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "Reopen it to add a message." in html


def test_reopen_after_the_window_is_refused(
    app: Flask, customer_client: FlaskClient, desk: Any
) -> None:
    app.config["PORTAL_REOPEN_WINDOW_DAYS"] = 7
    ticket = desk.add_ticket(
        _customers(desk)["demo-customer"], "Old", state="closed successful",
        state_type="closed", closed_at=datetime.now(UTC) - timedelta(days=8))
    tid = ticket.summary.ticket_id
    html = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "Reopen the request" not in html and "please file a new request" in html
    response = customer_client.post(
        f"/requests/{tid}/reopen",
        data={"csrf_token": _token(customer_client, "/"), "reason": "again"})
    assert response.status_code == 302 and ticket.summary.state_type == "closed"


def test_znuny_down_on_detail_is_503(customer_client: FlaskClient, desk: Any) -> None:
    ticket = desk.add_ticket(_customers(desk)["demo-customer"], "T")
    desk.down = True
    response = customer_client.get(f"/requests/{ticket.summary.ticket_id}")
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)


def test_outside_customers_never_see_each_others_requests(
    client: FlaskClient, login_as: Any, desk: Any
) -> None:
    people = _customers(desk)
    stranger = desk.add_ticket(people["other-guest"], "My broken order")
    mine = desk.add_ticket(people["guest-customer"], "Where is my refund")
    assert login_as("guest-customer").status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "My company&#39;s requests" not in home and "/requests/company" not in home
    assert client.get("/requests/company").headers["Location"] == "/requests"
    listed = client.get("/requests").get_data(as_text=True)
    assert "Where is my refund" in listed and "My broken order" not in listed
    assert client.get(f"/requests/{stranger.summary.ticket_id}").status_code == 404
    assert client.get(f"/requests/{mine.summary.ticket_id}").status_code == 200
