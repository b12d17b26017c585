"""Default configuration of the portal app; every key can be overridden.

Order (later wins): these defaults, the installation's settings (``RADIANT_SECRET_KEY`` sets
``SECRET_KEY``), the ``RADIANT_*`` variables that are portal or Flask settings
(``RADIANT_PORTAL_TIMEZONE`` sets ``PORTAL_TIMEZONE``; no other variable reaches the app's
config, so Znuny's password and the webhook secret never do), then the mapping passed to
:func:`~radiant_ext.portal.create_app`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

__all__ = ["DEFAULTS"]

DEFAULTS: dict[str, Any] = {
    # Cookies: the signed Flask cookie holds only a random portal-session id, the CSRF token
    # and the language; the GI session id stays on the server (design.md, "Key flows").
    "SESSION_COOKIE_NAME": "radiant_portal",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": True,
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
    "PORTAL_LANGUAGE_COOKIE": "radiant_lang",
    "PORTAL_SESSION_IDLE_SECONDS": 8 * 3600,
    # Where portal sessions live: "sqlite" (a file under the data dir, shared by the workers
    # of one host) or "memory" (one process only).
    "PORTAL_SESSION_BACKEND": "sqlite",
    # How often (seconds) a page re-checks that Znuny still knows the customer's GI session.
    "PORTAL_SESSION_CHECK_SECONDS": 60,
    # How often (seconds) page views write the session's last activity (idle expiry).
    "PORTAL_SESSION_TOUCH_SECONDS": 60,
    # Login rate limiting: failures allowed per login and per client address in the window.
    "PORTAL_LOGIN_MAX_FAILURES": 5,
    "PORTAL_LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
    "PORTAL_LOGIN_WINDOW_SECONDS": 300,
    # Attachments.
    "PORTAL_MAX_ATTACHMENT_BYTES": 10 * 1024 * 1024,
    "PORTAL_MAX_ATTACHMENTS": 5,
    "PORTAL_ALLOWED_EXTENSIONS": [
        "pdf", "png", "jpg", "jpeg", "gif", "webp", "txt", "csv", "log",
        "doc", "docx", "xls", "xlsx", "odt", "ods",
    ],
    "PORTAL_REOPEN_WINDOW_DAYS": 7,
    # Catch-all customer companies whose users are strangers to each other: no company view.
    "PORTAL_PRIVATE_COMPANIES": ["public"],
    "PORTAL_PAGE_SIZE": 25,
    "PORTAL_TIMEZONE": "Europe/Moscow",
    "PORTAL_HSTS_SECONDS": 31536000,
    # Reverse proxies in front of the portal that set X-Forwarded-For/-Proto/-Host (nginx: 1).
    # Without it, every client behind the proxy shares one address for login rate limiting.
    "PORTAL_TRUSTED_PROXIES": 0,
    # Languages offered; every portal string exists in each.
    "BABEL_DEFAULT_LOCALE": "en",
    "PORTAL_LANGUAGES": ["en", "ru"],
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
}
