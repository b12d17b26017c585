"""Checks on uploaded attachments: count, size and type, with messages a customer understands."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from radiant_ext.portal.ports import AttachmentData
from radiant_ext.portal.widgets import size_label

__all__ = ["clean_filename", "read_uploads"]


def clean_filename(raw: str) -> str:
    """A file name safe to store and to send back: no path, no control characters or quotes.

    Unlike :func:`werkzeug.utils.secure_filename` it keeps non-ASCII letters, so
    ``счёт.pdf`` stays ``счёт.pdf``.
    """
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    # A line break or tab (a mailed name folded over lines) becomes a space, not nothing.
    kept = "".join(ch if ch.isprintable() else " " for ch in base if ch not in '"<>:|?*')
    return " ".join(kept.split()).strip(" .")[:200] or "attachment"


def read_uploads(
    files: Iterable[FileStorage], extensions: Iterable[str] = ()
) -> tuple[list[AttachmentData], list[str]]:
    """Read the uploaded files that pass the limits; return them and one message per problem.

    The content type is derived from the file name, never taken from the browser.

    :param files: the uploads of one form field.
    :param extensions: narrower allowed extensions (a catalog field's); the portal's list
        still applies.
    """
    allowed = {e.lower() for e in current_app.config["PORTAL_ALLOWED_EXTENSIONS"]}
    narrower = {e.lower().lstrip(".") for e in extensions}
    if narrower:
        allowed &= narrower
    most: int = current_app.config["PORTAL_MAX_ATTACHMENTS"]
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > most:
        return [], [gettext("Attach at most %(count)d files.", count=most)]
    accepted: list[AttachmentData] = []
    problems: list[str] = []
    for upload in chosen:
        result = _read_one(upload, allowed, current_app.config["PORTAL_MAX_ATTACHMENT_BYTES"])
        if isinstance(result, str):
            problems.append(result)
        else:
            accepted.append(result)
    return accepted, problems


def _read_one(upload: FileStorage, allowed: set[str], limit: int) -> AttachmentData | str:
    """The file, or the message explaining why it is refused."""
    name = clean_filename(upload.filename or "")
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in allowed:
        return str(gettext(
            "%(name)s: this type of file is not accepted. Allowed: %(types)s.",
            name=upload.filename, types=", ".join(sorted(allowed)),
        ))
    content = upload.stream.read(limit + 1)
    if len(content) > limit:
        return str(gettext("%(name)s is larger than %(limit)s.", name=upload.filename,
                           limit=size_label(limit)))
    if not content:
        return str(gettext("%(name)s is empty.", name=upload.filename))
    ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return AttachmentData(name, ctype, content)
