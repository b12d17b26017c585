"""Assets served outside ``/static/``: the favicon browsers ask for at ``/favicon.ico``.

Browsers fetch ``/favicon.ico`` on every page whatever the page links to; the pages also link
the SVG icon. Both ship in the package's ``static`` folder (no CDN).
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, send_from_directory
from flask.typing import ResponseReturnValue

__all__ = ["FAVICON_MAX_AGE", "bp", "init_app"]

bp = Blueprint("assets", __name__)

FAVICON_MAX_AGE = 7 * 24 * 3600
"""How long browsers may keep the favicon (seconds)."""


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    """The portal's icon, as the ICO file browsers ask for by default."""
    assert current_app.static_folder is not None
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=FAVICON_MAX_AGE)


def init_app(app: Flask) -> None:
    """Register the favicon route."""
    app.register_blueprint(bp)
