"""The customer portal: a Flask app factory with one blueprint per feature.

``gunicorn "radiant_ext.portal:create_app()"`` runs it in production; see ``docs/portal.md``.
"""

from __future__ import annotations

from radiant_ext.portal.app import create_app

__all__ = ["create_app"]
