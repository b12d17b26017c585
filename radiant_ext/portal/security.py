"""Security headers on every response; no inline script is ever allowed."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

__all__ = ["CONTENT_SECURITY_POLICY", "init_app"]

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


def init_app(app: Flask) -> None:
    """Add the security headers to every response of ``app``."""
    app.after_request(_add_headers)
