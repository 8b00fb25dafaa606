"""Inviting a user to the company (administrators), and accepting an invitation."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from ...db import models
from ...services import auth, books, mail, users
from ...services.permissions import Permission
from . import json_body, json_response

INVITE_PURPOSE, INVITE_TTL = "invitation", 7 * 24 * 3600


def invite_member(request: Request, email: str, role: str) -> tuple[models.User, bool]:
    """Give ``email`` a role in the company and mail them after commit: a new user gets a
    link to choose a password; (the user, new?)."""
    company = request.company
    user, new = users.invite(request.db, email)
    books.add_member(request.db, company.id, user.id, role)
    settings = request.registry.wisebook_settings
    if new:
        token = mail.make_link_token(settings.secret_key, INVITE_PURPOSE, user, INVITE_TTL)
        body = (
            f"Vous êtes invité(e) à tenir les livres de {company.name} dans WiseBook (rôle : {role}).\n\n"
            f"Choisissez votre mot de passe (lien valable sept jours) :\n{settings.public_url}/invitation/?jeton={token}\n\n"
            f"Jeton pour l'API (POST /api/v1/invitations/acceptation/) :\n{token}\n"
        )
    else:
        body = (
            f"Vous avez désormais accès à {company.name} dans WiseBook (rôle : {role}). "
            f"Connectez-vous : {settings.public_url}/connexion/\n"
        )
    mail.send_after_commit(
        request.tm.get(), settings, user.email, f"WiseBook : invitation — {company.name}", body
    )
    return user, new


def invite(request: Request) -> Response:
    """Give an email a role in the company; a new user gets a link to choose a password."""
    data = json_body(request, "Invitation")
    user, new = invite_member(request, data["email"], data["role"])
    return json_response({"email": user.email, "role": data["role"], "nouvel_utilisateur": new}, status=201)


def accept(request: Request) -> Response:
    """Choose one's password from an invitation link; the account becomes active."""
    data = json_body(request, "AcceptationInvitation")
    settings = request.registry.wisebook_settings
    user = mail.read_link_token(request.db, settings.secret_key, INVITE_PURPOSE, data["jeton"])
    users.set_password(request.db, user, data["password"], activate=True)
    auth.revoke_all(request.db, user.id)
    return Response(status=204)


def includeme(config: Any) -> None:
    """Inviting is administration; accepting is public (the signed link is the proof)."""
    config.add_view(invite, route_name="invitations", request_method="POST", permission=Permission.ADMIN)
    config.add_view(accept, route_name="invitation_accept", request_method="POST")
