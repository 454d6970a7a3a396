"""Per-request id, CSP nonce and security headers on every response."""

from __future__ import annotations

import secrets
import uuid

from flask import Flask, Response, g, request


def csp_nonce() -> str:
    """The nonce for this request's inline scripts (created on first use)."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.before_request
    def _request_id() -> None:
        g.request_id = uuid.uuid4().hex

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers["Content-Security-Policy"] = content_security_policy(csp_nonce())
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        # same-origin: other sites never learn our URLs, but our own form posts carry a
        # Referer, which Flask-WTF's CSRF check requires over HTTPS (WTF_CSRF_SSL_STRICT).
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if g.get("request_id"):
            headers["X-Request-ID"] = g.request_id
        if request.endpoint != "static":
            # Any page may show personal data: never keep a copy in a browser or proxy cache.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        if app.config.get("HSTS"):
            headers["Strict-Transport-Security"] = "max-age=63072000; includeSubDomains"
        return response
