"""Security headers on every response; no inline script is ever allowed. Static files never
rewrite the session cookie."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

__all__ = ["CONTENT_SECURITY_POLICY", "StaticKeepsCookie", "init_app"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


def _add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.endpoint != "static":
        # Pages show personal data: never keep them in shared caches or the back-forward cache.
        headers.setdefault("Cache-Control", "no-store")
    if current_app.config["SESSION_COOKIE_SECURE"] and current_app.config["PORTAL_HSTS_SECONDS"]:
        headers.setdefault(
            "Strict-Transport-Security", f"max-age={current_app.config['PORTAL_HSTS_SECONDS']}"
        )
    return response


class StaticKeepsCookie(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that a static file's response never sets it.

    The session is permanent and refreshed on every response, so each response carries the
    cookie as its request saw it. A stylesheet requested with the home page's cookie and
    answered after the next page would put that older cookie back, and the form the next page
    issued (its reference is kept in the session) would be refused as opened in another
    session. Static files never change the session, so they leave the cookie alone.
    """

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """Whether the response sets the cookie: never for a static file."""
        endpoint = request.endpoint or ""
        if endpoint == "static" or endpoint.endswith(".static"):
            return False
        return super().should_set_cookie(app, session)


def init_app(app: Flask) -> None:
    """Add the security headers to every response of ``app``; static files keep the cookie."""
    app.session_interface = StaticKeepsCookie()
    app.after_request(_add_headers)
