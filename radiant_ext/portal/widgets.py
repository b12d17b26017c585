"""Template helpers for form fields: focus on the first error, and what a file input takes.

Every form renders its fields through ``macros.html``'s ``render_field``: a field with an
error gets ``aria-invalid``, the ``invalid`` class (a red border) and its messages, and the
first such field of the page gets ``autofocus`` — so the cursor lands on the first thing to
fix without JavaScript. A file input says which types and sizes it takes before anything is
chosen.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from flask import Flask, current_app, g, url_for
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

__all__ = ["FALLBACK_ICON", "accepted_extensions", "claim_autofocus", "file_hint", "icon_names",
           "icon_url", "init_app", "size_label"]

FALLBACK_ICON = "help"
"""The icon of a catalog item or department whose icon the portal does not ship."""


def claim_autofocus() -> bool:
    """``True`` for the first field with an error on this page, ``False`` after that."""
    if getattr(g, "_autofocus_claimed", False):
        return False
    g._autofocus_claimed = True
    return True


def accepted_extensions(extensions: Iterable[str] = ()) -> list[str]:
    """The file types an upload field takes: the portal's list, narrowed by the field's own
    (a catalog field's ``extensions``), as :func:`~radiant_ext.portal.uploads.read_uploads`
    checks them."""
    allowed = [e.lower() for e in current_app.config["PORTAL_ALLOWED_EXTENSIONS"]]
    narrower = {e.lower().lstrip(".") for e in extensions}
    return sorted(e for e in set(allowed) if not narrower or e in narrower)


def size_label(size: int) -> str:
    """A size in bytes as people write it in the page's language (``10 MB``, ``1,5 МБ``):
    whole numbers from 10 up, one decimal below."""
    for factor, unit in ((1024 * 1024, _("MB")), (1024, _("KB"))):
        if size >= factor:
            value = size / factor
            shown = format_decimal(round(value, 1 if value < 10 else 0),
                                   format="#,##0.#" if value < 10 else "#,##0")
            return f"{shown} {unit}"
    byte = _("B")
    return f"{format_decimal(size)} {byte}"


def file_hint(extensions: Iterable[str] = ()) -> str:
    """What a file input takes, shown beside it: how many files, how large, which types."""
    count = int(current_app.config["PORTAL_MAX_ATTACHMENTS"])
    return str(ngettext(
        "Up to %(num)d file of %(size)s. Types: %(types)s.",
        "Up to %(num)d files, %(size)s each. Types: %(types)s.", count,
        size=size_label(int(current_app.config["PORTAL_MAX_ATTACHMENT_BYTES"])),
        types=", ".join(accepted_extensions(extensions))))


@cache
def icon_names(folder: str) -> frozenset[str]:
    """The icons shipped in ``folder`` (``static/icons``), read once."""
    return frozenset(p.stem for p in Path(folder).glob("*.svg"))


def icon_url(name: str) -> str:
    """The address of a catalog icon: ``static/icons/<name>.svg``, or the fallback icon for a
    name the portal does not ship (a plugin may name one of a newer version)."""
    assert current_app.static_folder is not None
    known = icon_names(str(Path(current_app.static_folder) / "icons"))
    return url_for("static", filename=f"icons/{name if name in known else FALLBACK_ICON}.svg")


def init_app(app: Flask) -> None:
    """Make the helpers available to every template."""
    app.jinja_env.globals.update(claim_autofocus=claim_autofocus, file_hint=file_hint,
                                 accepted_extensions=accepted_extensions, icon_url=icon_url)
    app.jinja_env.filters["filesize"] = size_label
