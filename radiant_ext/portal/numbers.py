"""Ticket numbers for people: shown in groups of four, accepted with or without spaces.

Znuny's date-based ticket numbers have 16 digits (``2026120510000012``), too long to read or
say aloud. Pages show them in groups of four — separate elements spaced by CSS, so a copied
number is the plain digits Znuny knows — and every search box accepts both the grouped form
(spaces, thin spaces, no-break spaces, dashes) and the plain one.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

__all__ = ["GROUP", "group_number", "plain_number"]

GROUP = 4
"""Digits per group."""

_SEPARATORS = re.compile(r"[\s\u2009\u202f\u00a0-]+")
_DIGITS = re.compile(r"^\d{9,}$")


def plain_number(text: str) -> str:
    """``text`` without the separators of a grouped number when it is one
    (``"2026 1205 1000 0012"`` → ``"2026120510000012"``), else ``text`` stripped."""
    squeezed = _SEPARATORS.sub("", text.strip())
    return squeezed if _DIGITS.match(squeezed) else text.strip()


def group_number(number: str) -> Markup:
    """A ticket number as HTML in groups of :data:`GROUP` digits.

    Numbers of eight digits or fewer, and references that are not all digits
    (``RQ-20261123-7KQ2M9XA``), are shown as they are.
    """
    if not _DIGITS.match(number):
        return Markup('<span class="number">') + escape(number) + Markup("</span>")
    # Digits only (and at most the newline ``$`` lets through): nothing to escape, so the
    # HTML is built as plain text once — lists call this for every row.
    inner = "".join(f'<span class="g">{number[i:i + GROUP]}</span>'
                    for i in range(0, len(number), GROUP))
    return Markup(f'<span class="number" data-number="{number}">{inner}</span>')
