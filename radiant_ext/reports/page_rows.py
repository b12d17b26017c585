"""How many rows a report's own page shows: a page is read by a person, an export by a program.

A report whose rows follow the data (a device per row, a store × item × month per row) lists
every row in its exports, the CLI and the library, but on its page and print view only the
first ones of its order, with a note saying how many are left out (docs/reports.md, "Limits").
"""

from __future__ import annotations

__all__ = ["PAGE_ENDPOINTS", "page_limit"]

PAGE_ENDPOINTS = frozenset({"reports.report", "reports.print_view"})
"""The report views a person reads (the page and its print view)."""


def page_limit(rows: int) -> int | None:
    """``rows`` while a report page or its print view is being answered; ``None`` (every row)
    for exports, the CLI and the library."""
    from flask import has_request_context, request

    if has_request_context() and request.endpoint in PAGE_ENDPOINTS:
        return rows
    return None
