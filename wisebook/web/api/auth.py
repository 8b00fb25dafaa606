"""Login and logout."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy.orm import Session

from ...db import models
from ...ledger.errors import InvalidInput
from ...services import auth, books, mail, throttle, users
from ..audit import AUDIT_COMPANY, AUDIT_USER
from ..problems import problem
from ..security import CSRF_COOKIE, CSRF_REFUSED, SESSION_COOKIE, csrf_refused
from . import json_body, json_response


def login_help(request: Request) -> dict[str, Any]:
    """How to log in (GET answers 200 so that smoke tests with ``curl -f`` pass)."""
    return {
        "methode": "POST",
        "corps": {"email": "adresse e-mail", "password": "mot de passe", "societe": "id (facultatif)"},
        "reponse": {"token": "jeton à envoyer en « Authorization: Bearer … »", "expire_le": "date ISO"},
    }


MAX_FAILURES = 5  # one account from one address, in a minute (OWASP: lock the pair)
ADDRESS_FAILURES = 20  # one address, whatever the account (an office behind one NAT address)
ACCOUNT_FAILURES = 50  # one account from anywhere; a browser that logged into it still gets in
DEVICE_COOKIE = "wisebook_appareil"


def _account(email: str) -> str:
    return hashlib.sha256(users.normalize_email(email).encode()).hexdigest()[:32]


def _throttle_keys(request: Request, email: str) -> dict[str, str]:
    """The counters a login attempt counts against: the pair account × address, the address,
    the account."""
    account, address = _account(email), request.client_addr or "inconnue"
    return {
        "paire": f"connexion:paire:{account}:{address}",
        "adresse": f"connexion:ip:{address}",
        "compte": f"connexion:compte:{account}",
    }


def _device_value(request: Request, email: str) -> str:
    """The signed value a browser keeps once it has logged into this account."""
    account = _account(email)
    secret = request.registry.wisebook_settings.secret_key.encode()
    return account + "." + hmac.new(secret, f"appareil|{account}".encode(), hashlib.sha256).hexdigest()[:32]


def known_device(request: Request, email: str) -> bool:
    """Whether this browser logged into this account before (its device cookie)."""
    sent = request.cookies.get(DEVICE_COOKIE, "")
    return bool(sent) and hmac.compare_digest(sent.encode(), _device_value(request, email).encode())


def remember_device(request: Request, response: Response, email: str) -> None:
    """After a successful login: this browser is known to the account for a year."""
    response.set_cookie(
        DEVICE_COOKIE,
        _device_value(request, email),
        max_age=365 * 86400,
        httponly=True,
        samesite="Lax",
        secure=request.scheme == "https",
        path="/",
    )


def _count_failure(request: Request, keys: dict[str, str], email: str) -> None:
    """Count a failed login; at the fifth on an existing account, tell its owner by mail."""
    limiter = request.registry.wisebook_limiter
    counts = {name: limiter.fail(key) for name, key in keys.items()}
    if counts["compte"] != MAX_FAILURES:
        return
    with Session(request.registry.db_engine) as session:
        user = users.find_by_email(session, email) if isinstance(email, str) else None
        address = user.email if user is not None and user.is_active else None
    if address is not None:
        mail.send(
            request.registry.wisebook_settings,
            address,
            "WiseBook : connexions bloquées sur votre compte",
            f"Cinq tentatives de connexion ont échoué sur votre compte en une minute (dernière depuis "
            f"l'adresse {request.client_addr}). Depuis cette adresse, les connexions à votre compte "
            "sont refusées jusqu'à la fin de cette minute ; votre navigateur habituel n'est pas "
            "bloqué.\n\nSi ce n'était pas vous, changez votre mot de passe et prévenez votre "
            "administrateur.",
        )


RESET_PURPOSE, RESET_TTL = "reinitialisation", 3600


def send_reset_link(request: Request, email: str) -> Refusal | None:
    """Mail a one-use reset link after commit if the account exists and is active; a refusal
    when this address asked too often, else None (the same whether the account exists)."""
    limiter = request.registry.wisebook_limiter
    key = f"reinitialisation:ip:{request.client_addr or 'inconnue'}"
    count, left = limiter.count(key)
    if count >= MAX_FAILURES:
        return Refusal(429, f"Trop de demandes. Réessayez dans {left} s.", left)
    request.add_response_callback(lambda _request, _response: limiter.fail(key))
    user = users.find_by_email(request.db, email)
    if user is not None and user.is_active:
        settings = request.registry.wisebook_settings
        token = mail.make_link_token(settings.secret_key, RESET_PURPOSE, user, RESET_TTL)
        mail.send_after_commit(
            request.tm.get(),
            settings,
            user.email,
            "WiseBook : réinitialisation de votre mot de passe",
            "Pour choisir un nouveau mot de passe (lien valable une heure, une seule fois) :\n\n"
            f"{settings.public_url}/reinitialisation/?jeton={token}\n\n"
            "Jeton pour l'API (POST /api/v1/auth/reinitialisation/confirmation/) :\n"
            f"{token}\n\nSi vous n'avez rien demandé, ignorez ce courriel.",
        )
    return None


def reset_request(request: Request) -> Response:
    """Mail a one-use reset link if the account exists; the same 202 either way."""
    data = json_body(request, "DemandeReinitialisation")
    refused = send_reset_link(request, data["email"])
    if refused is not None:
        return problem(429, refused.message, headers={"Retry-After": str(refused.retry_after)})
    return json_response(
        {"detail": "Si un compte existe à cette adresse, un courriel de réinitialisation part."}, status=202
    )


def reset_confirm(request: Request) -> Response:
    """Set a new password from a reset link; every token and session of the user ends."""
    data = json_body(request, "ConfirmationReinitialisation")
    settings = request.registry.wisebook_settings
    user = mail.read_link_token(request.db, settings.secret_key, RESET_PURPOSE, data["jeton"])
    if not user.is_active:
        raise InvalidInput("Compte désactivé.", field="jeton")
    users.set_password(request.db, user, data["nouveau"])
    auth.revoke_all(request.db, user.id)
    return Response(status=204)


@dataclass(frozen=True)
class Refusal:
    """Why a login attempt is refused: the status, the message, how long to wait (429)."""

    status: int
    message: str
    retry_after: int | None = None


def check_login(request: Request, email: str, password: str) -> models.User | Refusal:
    """The user whose password this is, or why not — for the API and the login page alike.

    As OWASP advises, failures lock the pair account × address: five in a minute refuse
    that address for that account (429) until the minute ends, the right password included.
    One address is refused after twenty failures on any accounts, and one account after fifty
    from anywhere, except from a browser that logged into it before (its device cookie): a
    stranger can neither keep the owner out nor lock an office behind one NAT address. An
    unknown address and a wrong password get the same answer after the same work. Any address
    may also ask at most WISEBOOK_LOGIN_REQUESTS_PER_MINUTE times a minute (60).
    """
    limiter = request.registry.wisebook_limiter
    address_key = f"connexion:requetes:{request.client_addr or 'inconnue'}"
    count, left = limiter.count(address_key)
    if count >= request.registry.wisebook_settings.login_requests_per_minute:
        return Refusal(
            429, f"Trop de demandes de connexion depuis cette adresse. Réessayez dans {left} s.", left
        )
    request.add_response_callback(lambda _request, _response: limiter.fail(address_key))
    keys = _throttle_keys(request, email)
    limits = {"paire": MAX_FAILURES, "adresse": ADDRESS_FAILURES}
    if not known_device(request, email):
        limits["compte"] = ACCOUNT_FAILURES
    for name, most in limits.items():
        count, left = limiter.count(keys[name])
        if count >= most:
            return Refusal(429, f"Trop de tentatives de connexion. Réessayez dans {left} s.", left)
    user = users.authenticate(request.db, email, password)
    if user is None:
        # Counted once the request's own transaction has ended (rolled back, as a refusal is):
        # the counter must outlive it, and SQLite would wait on the request's write lock.
        request.add_response_callback(lambda _request, _response: _count_failure(request, keys, email))
        return Refusal(401, "Adresse e-mail ou mot de passe incorrect.")
    return user


def open_browser_session(
    request: Request, user: models.User, company: books.CompanyContext | None
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


def login(request: Request) -> Response:
    """Check the password (argon2id) and issue a revocable token; also set the session cookie."""
    data = json_body(request, "Connexion")
    found = check_login(request, data["email"], data["password"])
    if isinstance(found, Refusal):
        headers = {"Retry-After": str(found.retry_after)} if found.retry_after is not None else None
        code = "trop_de_tentatives" if found.status == 429 else "identifiants"
        return problem(found.status, found.message, headers=headers, code=code)
    user = found
    company = books.company_for_user(request.db, user.id, data.get("societe"))
    if data.get("societe") is not None and company is None:
        raise InvalidInput("Vous n'êtes pas membre de cette société.", field="societe")
    settings = request.registry.wisebook_settings
    token, expires = auth.issue_token(
        request.db,
        user.id,
        company.id if company else None,
        settings.jwt_secret_key,
        settings.token_ttl_seconds,
    )
    opened = open_browser_session(request, user, company)
    response = json_response(
        {
            "token": token,
            "expire_le": expires,
            "csrf": opened.csrf,
            "utilisateur": {"id": user.id, "email": user.email, "langue": user.language},
            "societe": {"id": company.id, "nom": company.name, "role": company.role} if company else None,
        }
    )
    set_session_cookies(request, response, opened)
    remember_device(request, response, user.email)
    return response


def _anonymous(request: Request) -> Response:
    if request.environ.get(CSRF_REFUSED):
        return csrf_refused()
    return problem(
        401, "Jeton absent, expiré ou révoqué.", headers={"WWW-Authenticate": 'Bearer realm="wisebook"'}
    )


def forget(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


def logout(request: Request) -> Response:
    """End the caller's browser session or revoke its token, at once (no company role needed)."""
    identity = request.wisebook_identity
    if identity is None:
        return _anonymous(request)
    if identity.api_key_id is not None:
        return problem(403, "Une clé d'API ne se déconnecte pas : un administrateur la révoque.")
    if identity.session_id is not None:
        auth.revoke_session(request.db, identity.session_id)
    else:
        auth.revoke_token(request.db, identity.jti)
    return forget(Response(status=204))


def change_password(request: Request) -> Response:
    """Change one's password; every token of the user is revoked, this one included."""
    identity = request.wisebook_identity
    if identity is None:
        return _anonymous(request)
    if identity.api_key_id is not None:
        return problem(403, "Une clé d'API n'a pas de mot de passe.")
    data = json_body(request, "ChangementMotDePasse")
    user = request.db.get(models.User, identity.user_id)
    users.change_password(request.db, user, data["ancien"], data["nouveau"])
    auth.revoke_all(request.db, user.id)
    return forget(Response(status=204))


def includeme(config: Any) -> None:
    """Login is public (and throttled); logout needs a valid token."""
    settings = config.registry.wisebook_settings
    config.registry.wisebook_limiter = (
        throttle.RedisLimiter(settings.redis_url)
        if settings.redis_url
        else throttle.DatabaseLimiter(config.registry.db_engine)
    )
    config.add_view(login_help, route_name="login", request_method="GET", renderer="json")
    config.add_view(login, route_name="login", request_method="POST")
    config.add_view(logout, route_name="logout", request_method="POST")
    config.add_view(change_password, route_name="password", request_method="POST")
    config.add_view(reset_request, route_name="password_reset", request_method="POST")
    config.add_view(reset_confirm, route_name="password_reset_confirm", request_method="POST")
