"""Translations outside the Flask pages: gettext catalogs read with Babel, no framework.

Every text the product shows is an English msgid translated through a gettext catalog
(``.po``); this module serves the catalogs the Flask pages do not load themselves:

* the built-in messages of the plugins layer — form checks, routing notes — in the
  ``radiant_ext`` domain (``radiant_ext/translations/ru/LC_MESSAGES/radiant_ext.po``);
* each department plugin's catalog texts and messages, in the plugin's own domain (its
  package name, ``translations/ru/LC_MESSAGES/<package>.po`` inside the package; registered
  by :class:`radiant_ext.plugins.CatalogPackage`);
* a catalog directory's files (``<dir>/translations/ru/LC_MESSAGES/<file stem>.po``);
* the reports' own words (``reports`` domain, see :mod:`radiant_ext.reports.i18n`).

The ``.po`` files are read directly (compiled in memory on first use and cached), so a
department plugin ships no ``.mo`` that could go stale. English is the msgid itself.

Code that decides something (a rule fired, a form value refused) returns a :class:`Message` —
the English msgid, named parameters and the domain — and the page translates it for its
viewer with :meth:`Message.get`. Parameters are filled in *after* translation with
``str.format`` (``{store}``), so a translation keeps the msgid's placeholders.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "CORE_DOMAIN",
    "LANGUAGES",
    "Message",
    "gettext",
    "message",
    "po_path",
    "register_domain",
    "supported_language",
    "translations",
]

CORE_DOMAIN = "radiant_ext"
"""The domain of the plugins layer's own messages (form checks, routing notes)."""

LANGUAGES = ("en", "ru")
"""The languages every text exists in; English is the msgid."""

Params = Mapping[str, str | int | float]

_DOMAINS: dict[str, tuple[Traversable, str]] = {}
_CACHE: dict[tuple[str, str], NullTranslations] = {}
_LOCK = threading.Lock()


def register_domain(domain: str, directory: Traversable | str | Path,
                    filename: str | None = None) -> None:
    """Declare where ``domain``'s catalogs live: ``<directory>/<lang>/LC_MESSAGES/<name>.po``.

    :param filename: the ``.po`` file's stem when it differs from ``domain``.
    """
    folder = Path(directory) if isinstance(directory, str | Path) else directory
    with _LOCK:
        _DOMAINS[domain] = (folder, filename or domain)
        for key in [k for k in _CACHE if k[0] == domain]:
            del _CACHE[key]


def po_path(domain: str, language: str) -> Traversable | None:
    """The ``.po`` file of ``domain`` in ``language``, or ``None`` for an unknown domain."""
    found = _DOMAINS.get(domain)
    if found is None:
        return None
    folder, name = found
    return folder.joinpath(language, "LC_MESSAGES", f"{name}.po")


def _load(domain: str, language: str) -> NullTranslations:
    path = po_path(domain, language)
    if path is None or not path.is_file():
        return NullTranslations()
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as pybabel compile does
    buffer.seek(0)
    return Translations(buffer, domain=domain)


def translations(domain: str, language: str) -> NullTranslations:
    """The translations of ``domain`` into ``language`` (English: the msgids unchanged)."""
    language = supported_language(language)
    key = (domain, language)
    found = _CACHE.get(key)
    if found is None:
        loaded = NullTranslations() if language == "en" else _load(domain, language)
        with _LOCK:
            found = _CACHE.setdefault(key, loaded)
    return found


def gettext(domain: str, language: str, msgid: str) -> str:
    """``msgid`` in ``language``; no formatting at all (``"Share %"`` stays as it is)."""
    if not msgid:
        return msgid
    return translations(domain, language).ugettext(msgid)


def supported_language(language: str | None) -> str:
    """The supported language ``language`` stands for: ``ru`` for any Russian tag, else
    ``en``."""
    return "ru" if (language or "").lower().startswith("ru") else "en"


def _format(text: str, params: Params) -> str:
    if not params:
        return text
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


class Message(BaseModel):
    """A text to show: an English msgid, its named parameters and its translation domain.

    ``str(message)`` is the English text (logs, the command line, Znuny notes for agents);
    :meth:`get` is the text in a viewer's language.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    msgid: str = Field(min_length=1)
    params: dict[str, str | int | float] = Field(default_factory=dict)
    domain: str = CORE_DOMAIN

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        # a plain string is an English text without parameters (decisions stored before
        # messages carried their domain read back this way)
        return {"msgid": value} if isinstance(value, str) else value

    def get(self, language: str) -> str:
        """The text in ``language`` (``en`` or ``ru``), parameters filled in."""
        return _format(gettext(self.domain, language, self.msgid), self.params)

    @property
    def english(self) -> str:
        """The English text, parameters filled in."""
        return _format(self.msgid, self.params)

    def __str__(self) -> str:
        return self.english


def message(msgid: str, /, domain: str = CORE_DOMAIN, **params: str | int | float) -> Message:
    """A :class:`Message`; ``message`` is also the keyword ``pybabel extract`` looks for."""
    return Message(msgid=msgid, params=params, domain=domain)


register_domain(CORE_DOMAIN, resources.files("radiant_ext").joinpath("translations"))
