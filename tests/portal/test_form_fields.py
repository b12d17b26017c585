"""Every input marks its error the same way, the first error gets the focus, and a file input
says what it takes before anything is chosen."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from tests.portal.conftest import CUSTOMERS, csrf_token


def _inputs(html: str) -> dict[str, str]:
    """Each input, select or textarea tag by its name."""
    return {m.group(2): m.group(0) for m in re.finditer(
        r'<(input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>', html)}


def _request_form(client: FlaskClient, item: str, **answers: str) -> str:
    html = client.get(f"/new/{item}").get_data(as_text=True)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert ref
    data = {"csrf_token": csrf_token(client, f"/new/{item}"), "request_id": ref.group(1),
            **answers}
    return client.post(f"/new/{item}", data=data,
                       follow_redirects=True).get_data(as_text=True)


def test_number_text_and_select_errors_are_marked_alike_and_the_first_gets_focus(
    customer_client: FlaskClient,
) -> None:
    html = _request_form(customer_client, "accounting.expense", f_amount="lots",
                         f_spent_on="")
    tags = _inputs(html)
    for name in ("f_amount", "f_spent_on"):
        assert 'aria-invalid="true"' in tags[name] and 'class="invalid"' in tags[name], name
        assert f'aria-describedby="{name}-errors"' in tags[name]
    assert "autofocus" in tags["f_amount"] and "autofocus" not in tags["f_spent_on"]
    assert html.count("autofocus") == 1
    text = _request_form(customer_client, "it.pos-down", f_register="", f_symptom="")
    tags = _inputs(text)
    assert 'class="invalid"' in tags["f_register"] and "autofocus" in tags["f_register"]
    assert 'class="invalid"' in tags["f_symptom"] and "autofocus" not in tags["f_symptom"]
    assert 'class="invalid"' not in tags["description"]


def test_a_reply_without_text_is_marked_on_its_field(
    customer_client: FlaskClient, desk: Any
) -> None:
    tid = desk.add_ticket(CUSTOMERS["demo-customer"], "T").summary.ticket_id
    token = csrf_token(customer_client, f"/requests/{tid}")
    html = customer_client.post(f"/requests/{tid}/reply", data={"csrf_token": token, "body": ""},
                                follow_redirects=True).get_data(as_text=True)
    body = _inputs(html)["body"]
    assert 'aria-invalid="true"' in body and 'class="invalid"' in body and "autofocus" in body


def test_file_inputs_say_which_files_they_take_before_anything_is_chosen(
    customer_client: FlaskClient, desk: Any
) -> None:
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    hint = re.search(r'<p class="hint" id="attachments-help">([^<]*)</p>', html)
    assert hint, "the attachments field has its hint"
    assert "Up to 3 files, 1 KB each." in hint.group(1) and "pdf, png" in hint.group(1)
    assert 'accept=".csv,.doc,' in _inputs(html)["attachments"]
    tid = desk.add_ticket(CUSTOMERS["demo-customer"], "T").summary.ticket_id
    detail = customer_client.get(f"/requests/{tid}").get_data(as_text=True)
    assert "Up to 3 files, 1 KB each. Types: csv, doc" in detail
    customer_client.set_cookie("radiant_lang", "ru")
    russian = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    assert "До 3 файлов, не больше 1 КБ каждый. Типы: csv, doc" in russian


def test_a_catalog_file_field_names_only_its_own_types(app: Any) -> None:
    from radiant_ext.portal.catalog.forms import build_request_form
    from radiant_ext.portal.ports import CatalogItemView, FieldView

    item = CatalogItemView("it.scan", "it", "Scan", fields=(
        FieldView("photo", "Photo", "file", extensions=("png", "JPG", "exe")),))
    with app.test_request_context("/new/it.scan"):
        form = build_request_form(item)(meta={"csrf": False})
        html = str(app.jinja_env.from_string(
            '{% from "macros.html" import render_field %}{{ render_field(form.f_photo) }}'
        ).render(form=form))
    assert "Types: jpg, png." in html and 'accept=".jpg,.png"' in html  # exe: not allowed


def test_a_mistake_about_the_whole_form_takes_the_focus_when_no_field_has_one(
    customer_client: FlaskClient,
) -> None:
    html = customer_client.post("/new/it.pos-down", data={  # a reference never issued here
        "csrf_token": csrf_token(customer_client, "/new/it.pos-down"),
        "request_id": "RQ-20261123-FOREIGN1", "f_register": "K-7", "f_symptom": "frozen"},
        follow_redirects=True).get_data(as_text=True)
    alert = re.search(r'<div class="form-errors" role="alert"[^>]*>', html)
    assert alert and "autofocus" in alert.group(0) and 'tabindex="-1"' in alert.group(0)
    assert html.count("autofocus") == 1
    assert "Please correct the marked fields." not in html  # no field is marked
    fields = _request_form(customer_client, "it.pos-down", f_register="")
    alert = re.search(r'<div class="form-errors" role="alert"[^>]*>', fields)
    assert alert is None or "autofocus" not in alert.group(0)


def test_sizes_are_written_in_the_page_language(app: Any) -> None:
    from radiant_ext.portal.widgets import size_label

    with app.test_request_context("/", headers={"Accept-Language": "ru"}):
        from flask_babel import refresh
        refresh()
        assert size_label(1536) == "1,5 КБ"
        assert size_label(20 * 1024 * 1024) == "20 МБ"
        assert size_label(512) == "512 Б"
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        refresh()
        assert size_label(1536) == "1.5 KB"
        assert size_label(15 * 1024 * 1024 + 1) == "15 MB"
