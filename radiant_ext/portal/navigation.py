"""Helpers for "where to go next" redirects that cannot be abused as open redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["safe_next"]


def safe_next(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a local path on this site, otherwise ``default``.

    A target with a control character (CR/LF, NUL, a tab) is refused as a whole: a browser
    never sends one, and werkzeug refuses it in a header.

    :param target: a path from a ``next`` parameter, untrusted.
    :param default: where to go when ``target`` is missing or points elsewhere.
    """
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    if not target.isprintable():  # CR/LF, NUL, tabs: never into a Location header
        return default
    return target
