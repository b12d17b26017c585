"""A page per department: its request types as tiles, at ``/d/<department>``.

The home page starts with the departments as tiles; on a phone that is all it shows, and a
tap opens the department's page, so nobody scrolls past every catalog to reach the last one.
"""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from radiant_ext.portal.auth import login_required
from radiant_ext.portal.catalog.views import bp, offered_departments

__all__ = ["department"]


@bp.get("/d/<department>")
@login_required
def department(department: str) -> ResponseReturnValue:
    """The request types one department offers the customer; 404 for a department that is
    unknown, switched off or offers the customer nothing."""
    found = next((d for d in offered_departments() if d.id == department), None)
    if found is None:
        abort(404)
    return render_template("catalog/department.html", dept=found)
