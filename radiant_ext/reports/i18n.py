"""The reports' own words: titles, descriptions, column labels, filter messages.

They are msgids of the ``reports`` gettext domain
(``translations/ru/LC_MESSAGES/reports.po`` beside this module), marked in the code with
:func:`W_` so ``pybabel extract -k W_`` finds them (see ``docs/portal.md``, Translations).
Template text around them is the portal's Flask-Babel ``_()`` (``messages.po``); these
strings are data — a table carries them in English (the command line's JSON and CSV), and
:func:`localize` turns a table into the viewer's language for the pages and their downloads;
the templates translate the report list with the ``report_text`` filter, which never applies
``%`` formatting ("Share %").
They are a domain of their own because a few read differently in a report than on the
portal's pages ("Open" is the count *Открыто* here, the state *Открытые* there).
"""

from __future__ import annotations

from dataclasses import replace
from importlib import resources

from radiant_ext import i18n
from radiant_ext.reports.model import Note, ReportTable

__all__ = ["DOMAIN", "W_", "localize", "note_text", "translate"]

DOMAIN = "reports"

i18n.register_domain(DOMAIN, resources.files("radiant_ext.reports").joinpath("translations"))


def W_(text: str) -> str:  # noqa: N802 - the gettext-style marker name pybabel looks for
    """Mark ``text`` as a report word for extraction; returns it unchanged (English)."""
    return text


def translate(text: str, language: str) -> str:
    """``text`` in ``language`` (``ru``), or unchanged when there is no translation."""
    return i18n.gettext(DOMAIN, language, text)


def note_text(note: str | Note, language: str, *, admin: bool) -> str:
    """A note in ``language``; ``admin``: the reader can change the settings, so a note that
    names a setting says so (everyone else reads the plain sentence)."""
    if isinstance(note, str):
        return translate(note, language)
    from radiant_ext.reports.formatting import format_param

    msgid = note.admin_text if admin and note.admin_text else note.text
    params = {k: format_param(v, language) for k, v in note.params.items()}
    return i18n.Message(msgid=msgid, params=params, domain=DOMAIN).get(language)


def localize(table: ReportTable, language: str, *, admin: bool = False) -> ReportTable:
    """``table`` in ``language``: title, column labels, notes and the values of ``words``
    columns translated; figures, names and ids unchanged."""
    words = [i for i, c in enumerate(table.columns) if c.words]
    rows = table.rows
    if words:
        rows = [tuple(translate(v, language) if i in words and isinstance(v, str) else v
                      for i, v in enumerate(row)) for row in rows]
    return replace(
        table, title=translate(table.title, language),
        columns=tuple(replace(c, label=translate(c.label, language)) for c in table.columns),
        rows=rows, notes=[note_text(n, language, admin=admin) for n in table.notes])
