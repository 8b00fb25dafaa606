"""Login and logout."""

from __future__ import annotations

import hashlib
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from ...db import models
from ...ledger.errors import InvalidInput
from ...services import auth, books, throttle, users
from ..audit import AUDIT_COMPANY, AUDIT_USER
from ..problems import problem
from ..security import COOKIE_NAME
from . import json_body, json_response


def login_help(request: Request) -> dict[str, Any]:
    """How to log in (GET answers 200 so that smoke tests with ``curl -f`` pass)."""
    return {
        "methode": "POST",
        "corps": {"email": "adresse e-mail", "password": "mot de passe", "societe": "id (facultatif)"},
        "reponse": {"token": "jeton à envoyer en « Authorization: Bearer … »", "expire_le": "date ISO"},
    }


MAX_FAILURES = 5  # per client address and per account, in a minute


def _throttle_keys(request: Request, email: str) -> list[str]:
    """The counters a login attempt counts against: its client address and the account asked."""
    account = hashlib.sha256(users.normalize_email(email).encode()).hexdigest()[:32]
    return [f"connexion:ip:{request.client_addr or 'inconnue'}", f"connexion:compte:{account}"]


def login(request: Request) -> Response:
    """Check the password (argon2id) and issue a revocable token; also set the session cookie.

    Five failures in a minute from one address, or against one account, refuse further
    attempts (429 with Retry-After) until the minute ends, the right password included; an
    unknown address and a wrong password get the same answer after the same work.
    """
    data = json_body(request, "Connexion")
    limiter = request.registry.wisebook_limiter
    keys = _throttle_keys(request, data["email"])
    for key in keys:
        count, left = limiter.count(key)
        if count >= MAX_FAILURES:
            return problem(
                429,
                f"Trop de tentatives de connexion. Réessayez dans {left} s.",
                headers={"Retry-After": str(left)},
                code="trop_de_tentatives",
            )
    user = users.authenticate(request.db, data["email"], data["password"])
    if user is None:
        # Counted once the request's own transaction has ended (rolled back, as a refusal is):
        # the counter must outlive it, and SQLite would wait on the request's write lock.
        request.add_response_callback(lambda _request, _response: [limiter.fail(k) for k in keys])
        return problem(401, "Adresse e-mail ou mot de passe incorrect.", code="identifiants")
    company = books.company_for_user(request.db, user.id, data.get("societe"))
    if data.get("societe") is not None and company is None:
        raise InvalidInput("Vous n'êtes pas membre de cette société.", field="societe")
    request.environ[AUDIT_USER] = user.id
    request.environ[AUDIT_COMPANY] = company.id if company else None
    settings = request.registry.wisebook_settings
    token, expires = auth.issue_token(
        request.db,
        user.id,
        company.id if company else None,
        settings.jwt_secret_key,
        settings.token_ttl_seconds,
    )
    response = json_response(
        {
            "token": token,
            "expire_le": expires,
            "utilisateur": {"id": user.id, "email": user.email, "langue": user.language},
            "societe": {"id": company.id, "nom": company.name, "role": company.role} if company else None,
        }
    )
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=settings.token_ttl_seconds,
        httponly=True,
        samesite="Lax",
        secure=request.scheme == "https",
        path="/",
    )
    return response


def logout(request: Request) -> Response:
    """Revoke the caller's token at once (needs a valid token, no company role)."""
    identity = request.wisebook_identity
    if identity is None:
        return problem(
            401, "Jeton absent, expiré ou révoqué.", headers={"WWW-Authenticate": 'Bearer realm="wisebook"'}
        )
    auth.revoke_token(request.db, identity.jti)
    response = Response(status=204)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


def change_password(request: Request) -> Response:
    """Change one's password; every token of the user is revoked, this one included."""
    identity = request.wisebook_identity
    if identity is None:
        return problem(
            401, "Jeton absent, expiré ou révoqué.", headers={"WWW-Authenticate": 'Bearer realm="wisebook"'}
        )
    data = json_body(request, "ChangementMotDePasse")
    user = request.db.get(models.User, identity.user_id)
    users.change_password(request.db, user, data["ancien"], data["nouveau"])
    auth.revoke_all(request.db, user.id)
    response = Response(status=204)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


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
