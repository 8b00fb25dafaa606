"""The browser's side of logging in, for the API and the pages alike: the login policy's
counters bumped once the request's transaction has ended, the session and CSRF cookies, the
device cookie, the reset link. The policy itself is ``services.access.login``."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.services.access import auth, login, throttle, users
from wisebook.services.books import companies
from wisebook.web.security import CSRF_COOKIE, SESSION_COOKIE
from wisebook.web.tweens.audit import AUDIT_COMPANY, AUDIT_USER

DEVICE_COOKIE = "wisebook_appareil"
Refusal = login.Refusal


def _after(request: Request, action: Any) -> None:
    """Run ``action`` once the request's transaction has ended (committed or rolled back): a
    counter must outlive a refusal's rollback, and SQLite would wait on the request's write lock."""
    request.add_response_callback(lambda _request, _response: action())


def known_device(request: Request, email: str) -> bool:
    """Whether this browser logged into this account before (its device cookie)."""
    secret = request.registry.wisebook_settings.secret_key
    return login.is_known_device(secret, email, request.cookies.get(DEVICE_COOKIE, ""))


def remember_device(request: Request, response: Response, email: str) -> None:
    """After a successful login: this browser is known to the account for a year."""
    response.set_cookie(
        DEVICE_COOKIE,
        login.device_value(request.registry.wisebook_settings.secret_key, email),
        max_age=365 * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.scheme == "https",
        path="/",
    )


def check_login(request: Request, email: str, password: str) -> models.User | Refusal:
    """The user whose password this is, or why not (``services.access.login``'s policy)."""
    limiter, settings, address = (
        request.registry.wisebook_limiter,
        request.registry.wisebook_settings,
        request.client_addr,
    )
    refused = login.refuse_requests(limiter, settings.login_requests_per_minute, address)
    if refused is not None:
        return refused
    _after(request, lambda: limiter.fail(login.request_key(address)))
    keys = login.failure_keys(email, address)
    refused = login.refuse_failures(limiter, keys, known_device(request, email))
    if refused is not None:
        return refused
    user = users.authenticate(request.db, email, password)
    if user is None:
        engine = request.registry.db_engine
        _after(request, lambda: login.count_failure(engine, limiter, settings, keys, email, address))
        return login.WRONG_PASSWORD
    return user


def send_reset_link(request: Request, email: str) -> Refusal | None:
    """Mail a one-use reset link after commit if the account exists and is active; a refusal
    when this address asked too often, else None (the same whether the account exists)."""
    limiter, address = request.registry.wisebook_limiter, request.client_addr
    refused = login.refuse_reset(limiter, address)
    if refused is not None:
        return refused
    _after(request, lambda: limiter.fail(login.reset_key(address)))
    login.mail_reset_link(request.db, request.tm.get(), request.registry.wisebook_settings, email)
    return None


def open_browser_session(
    request: Request, user: models.User, company: companies.CompanyContext | None
) -> auth.NewSession:
    """Open a browser session for a login (the one the browser came with is revoked)."""
    request.environ[AUDIT_USER] = user.id
    request.environ[AUDIT_COMPANY] = company.id if company else None
    return auth.open_session(
        request.db,
        user.id,
        company.id if company else None,
        request.client_addr,
        request.cookies.get(SESSION_COOKIE),
    )


def set_session_cookies(request: Request, response: Response, opened: auth.NewSession) -> None:
    """The session cookie (HttpOnly) and the CSRF cookie the page's script reads."""
    secure = request.scheme == "https"
    lifetime = request.registry.wisebook_settings.session_absolute_seconds
    response.set_cookie(
        SESSION_COOKIE,
        opened.cookie,
        max_age=lifetime,
        httponly=True,
        samesite="Lax",
        secure=secure,
        path="/",
    )
    response.set_cookie(
        CSRF_COOKIE, opened.csrf, max_age=lifetime, httponly=False, samesite="Strict", secure=secure, path="/"
    )


def forget(response: Response) -> Response:
    """The browser's session and CSRF cookies removed."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def includeme(config: Any) -> None:
    """The login counters' store: Redis in the appliance, the database in the embedded profile."""
    settings = config.registry.wisebook_settings
    config.registry.wisebook_limiter = (
        throttle.RedisLimiter(settings.redis_url)
        if settings.redis_url
        else throttle.DatabaseLimiter(config.registry.db_engine)
    )
