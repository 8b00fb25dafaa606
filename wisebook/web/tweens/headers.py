"""Security headers on every answer, so they hold without nginx (the embedded profile).

nginx sets the same in the appliance; the application sets them too rather than trust
that it always sits behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def security_headers_tween_factory(
    handler: Callable[[Request], Response], registry: Any
) -> Callable[[Request], Response]:
    """Add the headers to every response, errors and refusals included."""

    def tween(request: Request) -> Response:
        response = handler(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.path_info.startswith("/api/"):
            # Books are confidential: no shared or browser cache keeps an answer.
            response.headers.setdefault("Cache-Control", "no-store")
        if request.scheme == "https":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    return tween


def includeme(config: Any) -> None:
    """Outermost of the application's tweens: even a 413 carries the headers."""
    config.add_tween(
        "wisebook.web.tweens.headers.security_headers_tween_factory",
        over="wisebook.web.tweens.limits.body_limit_tween_factory",
    )
