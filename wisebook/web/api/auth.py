"""Login and logout, the reset link and password changes (JSON)."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput
from wisebook.services.access import auth, users
from wisebook.services.access.login import RESET_PURPOSE
from wisebook.services.books import companies
from wisebook.services.platform import mail
from wisebook.web import sessions
from wisebook.web.api import json_body, json_response
from wisebook.web.problems import problem
from wisebook.web.security import csrf_refused, csrf_was_refused


def login_help(request: Request) -> dict[str, Any]:
    """How to log in (GET answers 200 so that smoke tests with ``curl -f`` pass)."""
    return {
        "methode": "POST",
        "corps": {"email": "adresse e-mail", "password": "mot de passe", "societe": "id (facultatif)"},
        "reponse": {"token": "jeton à envoyer en « Authorization: Bearer … »", "expire_le": "date ISO"},
    }


def reset_request(request: Request) -> Response:
    """Mail a one-use reset link if the account exists; the same 202 either way."""
    data = json_body(request, "DemandeReinitialisation")
    refused = sessions.send_reset_link(request, data["email"])
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


def login(request: Request) -> Response:
    """Check the password (argon2id) and issue a revocable token; also set the session cookie."""
    data = json_body(request, "Connexion")
    found = sessions.check_login(request, data["email"], data["password"])
    if isinstance(found, sessions.Refusal):
        headers = {"Retry-After": str(found.retry_after)} if found.retry_after is not None else None
        code = "trop_de_tentatives" if found.status == 429 else "identifiants"
        return problem(found.status, found.message, headers=headers, code=code)
    user = found
    company = companies.company_for_user(request.db, user.id, data.get("societe"))
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
    opened = sessions.open_browser_session(request, user, company)
    response = json_response(
        {
            "token": token,
            "expire_le": expires,
            "csrf": opened.csrf,
            "utilisateur": {"id": user.id, "email": user.email, "langue": user.language},
            "societe": {"id": company.id, "nom": company.name, "role": company.role} if company else None,
        }
    )
    sessions.set_session_cookies(request, response, opened)
    sessions.remember_device(request, response, user.email)
    return response


def _anonymous(request: Request) -> Response:
    if csrf_was_refused(request):
        return csrf_refused()
    return problem(
        401, "Jeton absent, expiré ou révoqué.", headers={"WWW-Authenticate": 'Bearer realm="wisebook"'}
    )


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
    return sessions.forget(Response(status=204))


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
    return sessions.forget(Response(status=204))


def includeme(config: Any) -> None:
    """Login is public (and throttled); logout needs a valid token."""
    config.add_view(login_help, route_name="login", request_method="GET", renderer="json")
    config.add_view(login, route_name="login", request_method="POST")
    config.add_view(logout, route_name="logout", request_method="POST")
    config.add_view(change_password, route_name="password", request_method="POST")
    config.add_view(reset_request, route_name="password_reset", request_method="POST")
    config.add_view(reset_confirm, route_name="password_reset_confirm", request_method="POST")
