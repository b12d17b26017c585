"""Every portal string exists in Russian, and the shipped .mo matches the .po."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from radiant_ext.portal.i18n import format_when
from radiant_ext.portal.states import state_label

PORTAL = Path(__file__).resolve().parents[2] / "radiant_ext" / "portal"
PO = PORTAL / "translations" / "ru" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def _key(message_id: object) -> str:
    """A message's id: the singular of a plural message."""
    return str(message_id[0] if isinstance(message_id, tuple | list) else message_id)


def _forms(string: object) -> list[str]:
    return [str(s) for s in string] if isinstance(string, tuple | list) else [str(string)]


def _catalog() -> dict[str, list[str]]:
    with PO.open("rb") as fh:
        return {_key(m.id): _forms(m.string) for m in read_po(fh) if m.id}


def _catalog_ids() -> dict[str, str]:
    return {k: " | ".join(v) for k, v in _catalog().items()}


def _source_ids() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PORTAL), method_map, keywords=keywords
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_msgid_has_a_russian_translation() -> None:
    missing = sorted(k for k, v in _catalog().items() if not all(f.strip() for f in v))
    assert not missing, f"untranslated: {missing}"


def test_every_string_in_code_and_templates_is_in_the_catalog() -> None:
    source = _source_ids()
    assert len(source) > 80
    missing = sorted(source - set(_catalog_ids()))
    assert not missing, f"run pybabel extract/update: {missing}"


def test_compiled_catalog_matches_the_po_file() -> None:
    with MO.open("rb") as fh:
        compiled = {_key(m.id): _forms(m.string) for m in read_mo(fh) if m.id}
    assert compiled == _catalog()


def test_placeholders_survive_translation() -> None:
    import re

    for msgid, forms in _catalog().items():
        for text in forms:
            assert sorted(re.findall(r"%\(\w+\)\w", msgid)) == sorted(
                re.findall(r"%\(\w+\)\w", text)), msgid


def test_pages_render_in_russian(customer_client: FlaskClient) -> None:
    customer_client.set_cookie("radiant_lang", "ru")
    for path in ("/", "/requests", "/requests/company", "/new/it.pos-down"):
        html = customer_client.get(path).get_data(as_text=True)
        assert '<html lang="ru">' in html, path
        for english in ("My requests", "Log out", "New request"):
            assert english not in html, (path, english)


def test_form_validation_messages_are_russian_too(customer_client: FlaskClient) -> None:
    import re

    customer_client.set_cookie("radiant_lang", "ru")
    html = customer_client.get("/new/it.pos-down").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    ref = re.search(r'name="request_id" type="hidden" value="([^"]+)"', html)
    assert token and ref
    response = customer_client.post("/new/it.pos-down", data={
        "csrf_token": token.group(1), "request_id": ref.group(1)}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and len(response.history) == 1  # post/redirect/get
    assert "This field is required." not in page
    errors = re.findall(r'<ul class="errors"[^>]*>\s*<li>([^<]+)</li>', page)
    assert errors and all(re.search("[а-яА-Я]", e) for e in errors), errors


# -- the report pages' catalog (merged into the portal's by the app factory) ----------------

REPORTS = PORTAL.parent / "reports"
REPORTS_PO = REPORTS / "translations" / "ru" / "LC_MESSAGES" / "messages.po"


def _po(path: Path) -> dict[str, str]:
    with path.open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh) if m.id}


def _report_source_ids() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
    return {
        message if isinstance(message, str) else message[0]
        for _f, _l, message, _c, _x in extract_from_dir(str(REPORTS), method_map,
                                                         keywords=keywords)
    }


def test_every_report_msgid_has_a_russian_translation() -> None:
    source = _report_source_ids()
    assert len(source) > 20
    catalog = _po(REPORTS_PO)
    missing = sorted(source - {k for k, v in catalog.items() if v.strip()})
    assert not missing, f"report strings without Russian: {missing}"
    with REPORTS_PO.with_suffix(".mo").open("rb") as fh:
        compiled = {str(m.id): str(m.string) for m in read_mo(fh) if m.id}
    assert compiled == catalog, "run pybabel compile -d radiant_ext/reports/translations"


def test_report_strings_shared_with_the_portal_read_the_same() -> None:
    portal, reports = _catalog_ids(), _po(REPORTS_PO)
    differing = {k: (portal[k], reports[k]) for k in portal.keys() & reports.keys()
                 if portal[k] != reports[k]}
    assert not differing  # the merged catalog must not change the portal's own pages


def test_report_pages_render_in_russian(customer_client: FlaskClient) -> None:
    customer_client.set_cookie("radiant_lang", "ru")
    forbidden = customer_client.get("/reports/")
    html = forbidden.get_data(as_text=True)
    assert forbidden.status_code == 403
    assert "Отчёты доступны агентам службы поддержки" in html
    assert "Reports are open" not in html
    login = customer_client.get("/reports/login").get_data(as_text=True)
    assert "Отчёты: вход для агентов" in login and "странице входа для клиентов" in login


# -- the reports' own words (the ``reports`` domain, read by radiant_ext.i18n) --------------

REPORT_WORDS_PO = REPORTS / "translations" / "ru" / "LC_MESSAGES" / "reports.po"


def _report_words() -> set[str]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    keywords = {"W_": None, "report_text": None}
    return {
        message if isinstance(message, str) else message[0]
        for _f, _l, message, _c, _x in extract_from_dir(str(REPORTS), method_map,
                                                         keywords=keywords)
    }


def test_every_report_word_has_a_russian_translation() -> None:
    words = _report_words()
    assert len(words) > 80 and "Share %" in words and "Tickets per department" in words
    catalog = _po(REPORT_WORDS_PO)
    missing = sorted(words - {k for k, v in catalog.items() if v.strip()})
    assert not missing, f"report words without Russian (pybabel extract -k W_): {missing}"


# -- every gettext catalog the product ships ------------------------------------------------
# (which texts each must hold: above for the pages and the reports,
# tests/plugins/test_catalog_translations.py for the catalogs and the built-in messages)

ROOT = PORTAL.parents[1]
SHIPPED_PO = sorted([*ROOT.glob("radiant_ext/**/*.po"),
                     *ROOT.glob("plugins/*/radiant_ext_*/translations/*/LC_MESSAGES/*.po")])


def test_every_shipped_catalog_is_fully_translated_with_its_placeholders() -> None:
    import re

    names = {p.name for p in SHIPPED_PO}
    assert {"messages.po", "reports.po", "radiant_ext.po", "radiant_ext_legal.po"} <= names
    assert len(SHIPPED_PO) >= 10  # portal, report pages, report words, core, six plugins
    placeholder = re.compile(r"%\(\w+\)s|\{[^{}]*\}")
    for path in SHIPPED_PO:
        with path.open("rb") as fh:
            entries = [m for m in read_po(fh) if m.id]
        assert entries, path
        for m in entries:
            assert not m.fuzzy, (path, m.id)
            for form in _forms(m.string):
                assert form.strip(), (path, m.id)
                assert sorted(placeholder.findall(_key(m.id))) == sorted(
                    placeholder.findall(form)) or isinstance(m.id, tuple | list), (path, m.id)


def test_labels_and_times_follow_the_language_within_one_request(app: Flask) -> None:
    """State labels and zone names are kept per request once looked up; a message sent in
    another language from the same request (``force_locale``) still reads in that one, and
    the offset follows summer time."""
    winter = datetime(2026, 1, 15, 12, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 12, tzinfo=UTC)
    with app.test_request_context(headers={"Accept-Language": "ru"}):
        assert state_label("closed successful") == "Решена"
        assert format_when(winter, "Europe/London") == "15 янв. 2026, 12:00 (Лондон, GMT+00:00)"
        with force_locale("en"):
            assert state_label("closed successful") == "Solved"
            assert state_label("my own state", "closed") == "Done"
            assert format_when(winter, "Europe/London") == "15 Jan 2026, 12:00 (London, GMT+00:00)"
            assert (format_when(summer, "Europe/London")
                    == "15 Jul 2026, 13:00 (London, GMT+01:00)")
        assert state_label("closed successful") == "Решена"
        assert format_when(summer, "Asia/Yekaterinburg") == (
            "15 июл. 2026, 17:00 (Екатеринбург, GMT+05:00)")
