"""The reports' own words: titles, descriptions, column labels, filter messages.

They are msgids of the ``reports`` gettext domain
(``translations/ru/LC_MESSAGES/reports.po`` beside this module), marked in the code with
:func:`W_` so ``pybabel extract -k W_`` finds them (see ``docs/portal.md``, Translations).
Template text around them is the portal's Flask-Babel ``_()`` (``messages.po``); these
strings are data — they also head CSV and XLSX columns, in English — so the pages translate
them with the ``report_text`` filter, which never applies ``%`` formatting ("Share %").
They are a domain of their own because a few read differently in a report than on the
portal's pages ("Open" is the count *Открыто* here, the state *Открытые* there).
"""

from __future__ import annotations

from importlib import resources

from radiant_ext import i18n

__all__ = ["DOMAIN", "W_", "translate"]

DOMAIN = "reports"

i18n.register_domain(DOMAIN, resources.files("radiant_ext.reports").joinpath("translations"))


def W_(text: str) -> str:  # noqa: N802 - the gettext-style marker name pybabel looks for
    """Mark ``text`` as a report word for extraction; returns it unchanged (English)."""
    return text


def translate(text: str, language: str) -> str:
    """``text`` in ``language`` (``ru``), or unchanged when there is no translation."""
    return i18n.gettext(DOMAIN, language, text)
