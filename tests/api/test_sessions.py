"""Browser sessions: server-side, rotated at login, timed out, revocable, CSRF on every write."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, sale
from wisebook.db import models

LOGIN = "/api/v1/auth/login/"


def browser_login(testapp):
    """Log in as a browser does: the cookies stay in the test app's jar; the CSRF token is returned."""
    response = testapp.post_json(LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=200)
    return response


def cookie(response, name):
    return next(h for k, h in response.headerlist if k == "Set-Cookie" and h.startswith(f"{name}="))


def test_login_opens_a_session_with_safe_cookies(testapp, books, session):
    response = browser_login(testapp)
    session_cookie = cookie(response, "wisebook_session").lower()
    assert "httponly" in session_cookie and "samesite=lax" in session_cookie and "path=/" in session_cookie
    csrf_cookie = cookie(response, "wisebook_csrf").lower()
    assert "httponly" not in csrf_cookie and "samesite=strict" in csrf_cookie
    https = testapp.post_json(
        LOGIN,
        {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        extra_environ={"wsgi.url_scheme": "https"},
    )
    assert "secure" in cookie(https, "wisebook_session").lower()
    value = testapp.cookies["wisebook_session"]
    stored = session.scalars(select(models.BrowserSession.token_hash)).all()
    assert value not in stored and len(stored) == 2  # only digests are kept


def test_a_session_reads_but_writes_only_with_its_csrf_token(testapp, books):
    csrf = browser_login(testapp).json["csrf"]
    assert testapp.get("/api/v1/comptes/", status=200).json["resultats"]
    refused = testapp.post_json("/api/v1/ecritures/", sale(), status=403)
    assert refused.json["type"].endswith("/csrf")
    testapp.post_json("/api/v1/ecritures/", sale(), headers={"X-CSRF-Token": "faux"}, status=403)
    testapp.post_json("/api/v1/ecritures/", sale(), headers={"X-CSRF-Token": csrf}, status=201)
    testapp.delete("/api/v1/ecritures/1/", status=403)  # DELETE too
    testapp.post_json("/api/v1/auth/logout/", {}, status=403)  # and logout: no forced logout


def test_the_session_id_is_rotated_at_login(testapp, books):
    browser_login(testapp)
    before = testapp.cookies["wisebook_session"]
    browser_login(testapp)  # the browser sends its old session along
    after = testapp.cookies["wisebook_session"]
    assert before != after
    testapp.set_cookie("wisebook_session", before)
    testapp.get("/api/v1/comptes/", status=401)  # the old id is worthless now
    testapp.set_cookie("wisebook_session", after)
    testapp.get("/api/v1/comptes/", status=200)


def test_idle_and_absolute_timeouts(testapp, books, engine, app):
    settings = app.registry.wisebook_settings
    browser_login(testapp)
    testapp.get("/api/v1/comptes/", status=200)
    now = dt.datetime.now(dt.UTC)
    with Session(engine) as s, s.begin():
        s.execute(
            update(models.BrowserSession).values(
                last_seen_at=now - dt.timedelta(seconds=settings.session_idle_seconds + 5)
            )
        )
    testapp.get("/api/v1/comptes/", status=401)  # idle too long
    browser_login(testapp)
    with Session(engine) as s, s.begin():
        s.execute(
            update(models.BrowserSession).values(
                created_at=now - dt.timedelta(seconds=settings.session_absolute_seconds + 5), last_seen_at=now
            )
        )
    testapp.get("/api/v1/comptes/", status=401)  # in use, but open too long


def test_logout_ends_the_session_and_a_password_change_ends_them_all(testapp, books):
    csrf = browser_login(testapp).json["csrf"]
    testapp.post_json("/api/v1/auth/logout/", {}, headers={"X-CSRF-Token": csrf}, status=204)
    testapp.get("/api/v1/comptes/", status=401)
    api_token = testapp.post_json(LOGIN, {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}).json["token"]
    testapp.cookiejar.clear()  # the API client's login opened a session too; the browser's is next
    first = browser_login(testapp)
    testapp.post_json(
        "/api/v1/auth/mot-de-passe/",
        {"ancien": ADMIN_PASSWORD, "nouveau": "encore-un-autre-secret-2028"},
        headers={"X-CSRF-Token": first.json["csrf"]},
        status=204,
    )
    testapp.get("/api/v1/comptes/", status=401)
    testapp.get("/api/v1/comptes/", headers={"Authorization": f"Bearer {api_token}"}, status=401)
