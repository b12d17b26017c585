"""Time-zone names shared by the settings and catalog models.

``TimeZoneName`` is a ``str`` field type that accepts only IANA zone names
:class:`zoneinfo.ZoneInfo` knows, e.g. ``"Europe/Moscow"``.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

__all__ = ["TimeZoneName", "known_time_zone"]


def known_time_zone(value: str) -> str:
    """Return ``value`` if it names a known time zone.

    :raises ValueError: ``unknown time zone '<value>'`` otherwise.
    """
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


TimeZoneName = Annotated[str, AfterValidator(known_time_zone)]
"""A time-zone name checked with :func:`known_time_zone`."""
