"""Helpers for "where to go next" redirects that cannot be abused as open redirects."""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["safe_next"]


def safe_next(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a local path on this site, otherwise ``default``.

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
    return target
