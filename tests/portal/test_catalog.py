"""Home (tiles, search), the request form, submission and the confirmation page."""

from __future__ import annotations

import io
import re
from typing import Any

from flask.testing import FlaskClient


def _form(client: FlaskClient, item: str = "it.pos-down") -> tuple[str, str]:
    html = client.get(f"/new/{item}").get_data(as_text=True)
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', html)
    ref = re.search(r'id="request_id" name="request_id" type="hidden" value="([^"]+)"', html)
    assert token and ref, html
    return token.group(1), ref.group(1)


def _corrected(client: FlaskClient, response: Any, item: str = "it.pos-down") -> Any:
    """A form sent with mistakes redirects to itself (post/redirect/get): the page the
    browser then shows, with the answers and the messages."""
    assert response.status_code == 303, response.status_code
    assert response.headers["Location"] == f"/new/{item}"
    return client.get(response.headers["Location"])


def _post(client: FlaskClient, item: str = "it.pos-down", **extra: Any) -> Any:
    token, ref = _form(client, item)
    data = {"csrf_token": token, "request_id": ref, "f_register": "K-7",
            "f_symptom": "frozen", "description": "Screen is black", **extra}
    return client.post(f"/new/{item}", data=data, content_type="multipart/form-data")


def test_home_shows_tiles_grouped_by_department(customer_client: FlaskClient) -> None:
    html = customer_client.get("/").get_data(as_text=True)
    assert '<h2 id="dept-it">IT</h2>' in html and '<h2 id="dept-hr">HR</h2>' in html
    assert html.index("Cash register does not work") < html.index('id="dept-hr"')
    assert 'href="/new/hr.vacation"' in html


def test_a_company_the_directory_does_not_know_sees_requests_for_everyone_and_a_note(
    client: FlaskClient, login_as: Any, desk: Any
) -> None:
    login_as("new-store-clerk")
    html = client.get("/").get_data(as_text=True)
    assert "Your company (store-042) is not in our store directory yet" in html
    assert 'href="/new/hr.vacation"' in html and "Cash register" not in html
    assert "No catalogs are available to you yet." not in html
    desk.open_to_everyone = set()  # nothing open to everyone: still the note, not a blank page
    html = client.get("/").get_data(as_text=True)
    assert "is not in our store directory yet" in html
    assert "ask your administrator to add your store" in html
    assert "No catalogs are available to you yet." not in html
    ru = client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Вашей компании (store-042) пока нет в нашем справочнике магазинов" in ru


def test_a_known_company_sees_no_directory_note(customer_client: FlaskClient) -> None:
    html = customer_client.get("/").get_data(as_text=True)
    assert "store directory" not in html


def test_search_matches_titles_and_help_texts(customer_client: FlaskClient) -> None:
    html = customer_client.get("/?q=paid+leave").get_data(as_text=True)
    assert "Vacation request" in html and "Cash register" not in html
    html = customer_client.get("/?q=TILL").get_data(as_text=True)  # a keyword, any case
    assert "Cash register does not work" in html and "Vacation" not in html
    html = customer_client.get("/?q=submarine").get_data(as_text=True)
    assert "Nothing matches “submarine”." in html


def test_catalog_is_shown_in_russian(customer_client: FlaskClient) -> None:
    html = customer_client.get("/", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert "Касса не работает" in html and "С чем вам помочь?" in html


def test_form_shows_fields_help_and_the_promised_deadline(
    customer_client: FlaskClient,
) -> None:
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    assert 'name="f_register"' in html and 'name="f_symptom"' in html
    assert "Try this first" in html and "Restart the register" in html
    # 07:00 UTC in the store's time zone, which is named with it
    assert "Expected by Tue 24 Nov, 12:00 (Yekaterinburg, GMT+05:00)" in html
    assert 'enctype="multipart/form-data"' in html


def test_unknown_catalog_item_is_404(customer_client: FlaskClient) -> None:
    assert customer_client.get("/new/it.no-such-thing").status_code == 404


def test_submit_files_the_request_and_confirms_number_and_deadline(
    customer_client: FlaskClient, desk: Any
) -> None:
    response = _post(customer_client)
    assert response.status_code == 302
    draft = desk.outbox[-1]
    assert draft.customer.login == "demo-customer"
    assert draft.fields == {"register": "K-7", "symptom": "frozen"}
    assert "Screen is black" in draft.body and "Register number: K-7" in draft.body
    assert "What happens? Frozen" in draft.body  # the option the customer saw
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    ticket = next(iter(desk.tickets.values()))
    assert ticket.summary.ticket_number in page
    assert "Expected by Tue 24 Nov, 12:00 (Yekaterinburg, GMT+05:00)" in page


def test_submitting_twice_keeps_one_reference(customer_client: FlaskClient, desk: Any) -> None:
    token, ref = _form(customer_client)
    data = {"csrf_token": token, "request_id": ref, "f_register": "K-7", "f_symptom": "frozen"}
    customer_client.post("/new/it.pos-down", data=data)
    customer_client.post("/new/it.pos-down", data=data)
    assert [d.request_id for d in desk.outbox] == [ref, ref]  # the outbox dedupes by key


def test_missing_required_field_is_a_form_error(customer_client: FlaskClient, desk: Any) -> None:
    response = _post(customer_client, f_register="")
    response = _corrected(customer_client, response)
    html = response.get_data(as_text=True)
    assert "Please correct the marked fields." in html
    assert 'aria-invalid="true"' in html and "This field is required." in html
    assert desk.outbox == []


def test_item_rules_from_plugins_become_field_errors(
    customer_client: FlaskClient, desk: Any
) -> None:
    token, ref = _form(customer_client, "hr.vacation")
    response = customer_client.post(
        "/new/hr.vacation", data={"csrf_token": token, "request_id": ref, "f_days": "40"})
    response = _corrected(customer_client, response, "hr.vacation")
    assert "At most 28 days." in response.get_data(as_text=True)
    assert desk.outbox == []


def test_submit_without_csrf_token_is_refused(customer_client: FlaskClient, desk: Any) -> None:
    _, ref = _form(customer_client)
    response = customer_client.post(
        "/new/it.pos-down", data={"request_id": ref, "f_register": "K-7", "f_symptom": "frozen"})
    assert response.status_code == 400
    assert desk.outbox == []


def test_oversized_attachment_is_refused_with_a_clear_message(
    customer_client: FlaskClient, desk: Any
) -> None:
    big = (io.BytesIO(b"x" * 2048), "photo.png")
    response = _post(customer_client, attachments=[big])
    response = _corrected(customer_client, response)
    assert "photo.png is larger than 1 KB." in response.get_data(as_text=True)
    assert desk.outbox == []


def test_forbidden_attachment_type_is_refused(customer_client: FlaskClient, desk: Any) -> None:
    response = _post(customer_client, attachments=[(io.BytesIO(b"MZ..."), "tool.exe")])
    response = _corrected(customer_client, response)
    assert "tool.exe: this type of file is not accepted." in response.get_data(as_text=True)
    assert desk.outbox == []


def test_too_many_attachments_are_refused(customer_client: FlaskClient, desk: Any) -> None:
    files = [(io.BytesIO(b"a"), f"n{i}.txt") for i in range(4)]
    response = _post(customer_client, attachments=files)
    response = _corrected(customer_client, response)
    assert "Attach at most 3 files." in response.get_data(as_text=True)


def test_request_larger_than_the_upload_limit_gets_413(customer_client: FlaskClient) -> None:
    body = b"--b\r\n" + b"x" * (5 * 1024 * 1024) + b"\r\n--b--\r\n"
    response = customer_client.post(
        "/new/it.pos-down", data=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413
    assert "Upload too large" in response.get_data(as_text=True)


def test_attachments_are_passed_with_a_type_from_the_name(
    customer_client: FlaskClient, desk: Any
) -> None:
    response = _post(customer_client, attachments=[(io.BytesIO(b"%PDF-1"), "счёт.pdf")])
    assert response.status_code == 302
    (file,) = desk.outbox[-1].attachments
    assert (file.filename, file.content_type, file.content) == (
        "счёт.pdf", "application/pdf", b"%PDF-1")


def test_znuny_down_at_submit_gives_a_reference_and_the_promise(
    customer_client: FlaskClient, desk: Any
) -> None:
    desk.down = True
    response = _post(customer_client)
    assert response.status_code == 302
    page = customer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "your request is saved and will be filed automatically" in page
    assert f"Your reference: {desk.outbox[-1].request_id}" in page
    assert "Expected by Tue 24 Nov, 12:00 (Yekaterinburg, GMT+05:00)" in page


def test_confirmation_of_someone_elses_reference_is_404(customer_client: FlaskClient) -> None:
    assert customer_client.get("/submitted/RQ-20261123-AAAAAAAA").status_code == 404


def test_rules_about_the_whole_request_are_shown_above_the_form(
    customer_client: FlaskClient, desk: Any
) -> None:
    original = desk.validate

    def whole_request(*args: Any) -> dict[str, str]:
        return {"__request__": "Only one open cash-register request per store."}

    desk.validate = whole_request
    try:
        response = _post(customer_client)
    finally:
        desk.validate = original
    response = _corrected(customer_client, response)
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html and "Only one open cash-register request" in html
    assert desk.outbox == []


def test_money_amounts_and_dates_are_accepted_with_their_bounds_shown(
    customer_client: FlaskClient, desk: Any
) -> None:
    from datetime import date, timedelta

    html = customer_client.get("/new/accounting.expense").get_data(as_text=True)
    today = date.today()
    assert 'step="any"' in html and 'min="0.01"' in html
    assert f'max="{today.isoformat()}"' in html
    assert f'min="{(today - timedelta(days=30)).isoformat()}"' in html
    token, ref = _form(customer_client, "accounting.expense")
    response = customer_client.post("/new/accounting.expense", data={
        "csrf_token": token, "request_id": ref, "f_amount": "1234.50",
        "f_spent_on": today.isoformat()})
    assert response.status_code == 302
    assert desk.outbox[-1].fields == {"amount": "1234.5", "spent_on": today.isoformat()}
    bad = customer_client.post("/new/accounting.expense", data={
        "csrf_token": token, "request_id": ref, "f_amount": "lots", "f_spent_on": "yesterday"})
    bad = _corrected(customer_client, bad, "accounting.expense")
    assert "Not a valid decimal value." in bad.get_data(as_text=True)
    assert "Not a valid date value." in bad.get_data(as_text=True)


def _hidden(html: str) -> dict[str, str]:
    """Every hidden input of the page's form, as a browser sends them back."""
    return dict(re.findall(r'<input[^>]*?name="([^"]+)" type="hidden" value="([^"]*)"', html))


def test_an_answer_that_changes_the_promise_is_shown_before_anything_is_sent(
    customer_client: FlaskClient, desk: Any
) -> None:
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    assert "Expected by Tue 24 Nov, 12:00 (Yekaterinburg" in html
    answers = {"f_register": "K-7", "f_symptom": "no-power"}
    # without JavaScript: "Recalculate" shows the promise for the answers, sends nothing
    again = customer_client.post("/new/it.pos-down",
                                 data={**_hidden(html), **answers, "recalculate": "1"})
    again = _corrected(customer_client, again)
    page = again.get_data(as_text=True)
    assert desk.outbox == []
    assert "Expected by Tue 24 Nov, 10:00 (Yekaterinburg" in page
    # sending with the old promise on the page: not sent, shown again with the new one
    stale = customer_client.post("/new/it.pos-down", data={**_hidden(html), **answers})
    stale = _corrected(customer_client, stale)
    assert desk.outbox == []
    assert "Your answers change when we can promise" in stale.get_data(as_text=True)
    # sending what the page now promises: filed, and confirmed with exactly that promise
    sent = customer_client.post("/new/it.pos-down",
                                data={**_hidden(stale.get_data(as_text=True)), **answers})
    assert sent.status_code == 302 and len(desk.outbox) == 1
    confirmation = customer_client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Expected by Tue 24 Nov, 10:00 (Yekaterinburg, GMT+05:00)" in confirmation


def test_the_promise_is_kept_from_when_the_form_was_opened(
    customer_client: FlaskClient, desk: Any
) -> None:
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    hidden = _hidden(html)
    forged = {**hidden, "opened": "1.0"}  # a customer cannot backdate the form
    customer_client.post("/new/it.pos-down",
                         data={**forged, "f_register": "K-7", "f_symptom": "frozen"})
    sent = customer_client.post("/new/it.pos-down",
                                data={**hidden, "f_register": "K-7", "f_symptom": "frozen"})
    assert sent.status_code == 302


def test_the_page_script_gets_the_promise_for_the_answers_as_json(
    customer_client: FlaskClient, desk: Any
) -> None:
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    answer = customer_client.post(
        "/new/it.pos-down", headers={"Accept": "application/json"},
        data={**_hidden(html), "f_symptom": "no-power", "recalculate": "1"}).get_json()
    assert answer["promise"] == "Expected by Tue 24 Nov, 10:00 (Yekaterinburg, GMT+05:00)"
    assert answer["promised"] == "2026-11-24T05:00:00+00:00"
    assert desk.outbox == []
