"""Flask extension objects, bound to an app only inside the app factory.

Flask-Babel is not here: its ``Babel`` object caches loaded catalogs, so each app gets its
own (:func:`radiant_ext.portal.i18n.init_app`) and two apps in one process (tests, a plugin
adding catalogs) never see each other's translations.
"""

from __future__ import annotations

from flask_wtf.csrf import CSRFProtect

__all__ = ["csrf"]

csrf = CSRFProtect()
