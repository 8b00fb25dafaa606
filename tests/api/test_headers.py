"""Security headers hold on pages, API answers, errors and refusals alike."""

from __future__ import annotations

import pytest

#: What every answer must carry, written out by hand (not read from the code that sends it).
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health/", 200),
        ("GET", "/connexion/", 200),
        ("GET", "/", 303),  # signed out: to the login page
        ("GET", "/api/v1/comptes/", 401),
        ("GET", "/api/v1/nulle-part/", 404),
    ],
)
def test_every_answer_carries_the_security_headers(testapp, books, method, path, status):
    response = testapp.request(path, method=method, status=status)
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    if path.startswith("/api/"):
        assert response.headers["Cache-Control"] == "no-store"


def test_an_oversized_body_is_refused_with_the_headers(testapp, books, app):
    limit = app.registry.wisebook_settings.max_body_bytes
    response = testapp.post(
        "/api/v1/ecritures/", b"x" * (limit + 1), headers={"Content-Type": "application/json"}, status=413
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_https_answers_ask_for_strict_transport(testapp, books):
    response = testapp.get("/health/", extra_environ={"wsgi.url_scheme": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
