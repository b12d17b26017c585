"""Checks on uploaded attachments: count, size and type, with messages a customer understands."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext
from werkzeug.datastructures import FileStorage

from radiant_ext.portal.ports import AttachmentData

__all__ = ["clean_filename", "read_uploads"]


def clean_filename(raw: str) -> str:
    """A file name safe to store and to send back: no path, no control characters or quotes.

    Unlike :func:`werkzeug.utils.secure_filename` it keeps non-ASCII letters, so
    ``счёт.pdf`` stays ``счёт.pdf``.
    """
    base = raw.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>:|?*')
    return kept.strip(" .")[:200] or "attachment"


def _size_label(limit: int) -> str:
    return f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit} B"


def read_uploads(
    files: Iterable[FileStorage], extensions: Iterable[str] = ()
) -> tuple[list[AttachmentData], list[str]]:
    """Read the uploaded files that pass the limits; return them and one message per problem.

    The content type is derived from the file name, never taken from the browser.

    :param files: the uploads of one form field.
    :param extensions: narrower allowed extensions (a catalog field's); the portal's list
        still applies.
    """
    limit: int = current_app.config["PORTAL_MAX_ATTACHMENT_BYTES"]
    allowed = {e.lower() for e in current_app.config["PORTAL_ALLOWED_EXTENSIONS"]}
    narrower = {e.lower().lstrip(".") for e in extensions}
    if narrower:
        allowed &= narrower
    most: int = current_app.config["PORTAL_MAX_ATTACHMENTS"]
    accepted: list[AttachmentData] = []
    problems: list[str] = []
    chosen = [f for f in files if f and f.filename]
    if len(chosen) > most:
        problems.append(gettext("Attach at most %(count)d files.", count=most))
        return [], problems
    for upload in chosen:
        name = clean_filename(upload.filename or "")
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext not in allowed:
            problems.append(
                gettext(
                    "%(name)s: this type of file is not accepted. Allowed: %(types)s.",
                    name=upload.filename,
                    types=", ".join(sorted(allowed)),
                )
            )
            continue
        content = upload.stream.read(limit + 1)
        if len(content) > limit:
            problems.append(
                gettext(
                    "%(name)s is larger than %(limit)s.",
                    name=upload.filename,
                    limit=_size_label(limit),
                )
            )
            continue
        if not content:
            problems.append(gettext("%(name)s is empty.", name=upload.filename))
            continue
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        accepted.append(AttachmentData(name, ctype, content))
    return accepted, problems
