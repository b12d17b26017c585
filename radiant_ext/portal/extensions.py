"""Flask extension objects, bound to an app only inside the app factory."""

from __future__ import annotations

from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

__all__ = ["babel", "csrf"]

babel = Babel()
csrf = CSRFProtect()
