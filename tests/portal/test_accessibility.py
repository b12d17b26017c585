"""Every page is labelled for screen readers: one h1, labelled controls, landmarks, language."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from flask.testing import FlaskClient


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.ids: list[str] = []
        self.h1 = 0
        self.tags: set[str] = set()
        self.lang = ""
        self.images_without_alt = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "h1":
            self.h1 += 1
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag == "img" and "alt" not in a:
            self.images_without_alt += 1
        if tag in ("input", "select", "textarea") and a.get("type") not in (
                "hidden", "submit", "button"):
            self.controls.append(a)


def _pages(desk: Any) -> list[str]:
    import importlib

    people = importlib.import_module(type(desk).__module__).CUSTOMERS
    ticket = desk.add_ticket(people["demo-customer"], "T")
    closed = desk.add_ticket(people["demo-customer"], "C", state="closed successful",
                             state_type="closed")
    closed.closed_at = ticket.summary.created
    return ["/", "/?q=zzz", "/new/it.pos-down", "/new/hr.vacation", "/new/accounting.expense",
            "/requests", "/requests/company", f"/requests/{ticket.summary.ticket_id}",
            f"/requests/{closed.summary.ticket_id}", "/requests/404404"]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_pages_are_labelled_for_screen_readers(
    customer_client: FlaskClient, desk: Any, lang: str
) -> None:
    customer_client.set_cookie("radiant_lang", lang)
    for path in _pages(desk):
        page = _Page()
        page.feed(customer_client.get(path).get_data(as_text=True))
        assert page.lang == lang, path
        assert page.h1 == 1, f"{path}: {page.h1} h1 headings"
        assert {"main", "header", "footer"} <= page.tags, path
        assert len(page.ids) == len(set(page.ids)), f"{path}: duplicate ids"
        assert page.images_without_alt == 0, path
        for control in page.controls:
            labelled = control.get("id") in page.label_for or control.get("aria-label")
            assert labelled, f"{path}: unlabelled {control}"
            described = control.get("aria-describedby", "").split()
            assert set(described) <= set(page.ids), f"{path}: describedby nothing {control}"
            assert control.get("aria-invalid", "true") == "true", f"{path}: {control}"


def test_login_page_is_labelled(client: FlaskClient) -> None:
    page = _Page()
    page.feed(client.get("/login").get_data(as_text=True))
    assert page.h1 == 1 and len(page.controls) == 2
    assert all(c["id"] in page.label_for for c in page.controls)
    assert not any("aria-describedby" in c or "aria-invalid" in c for c in page.controls)
    assert {c.get("autocomplete") for c in page.controls} == {"username", "current-password"}
