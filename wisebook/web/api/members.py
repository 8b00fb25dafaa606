"""Inviting someone to the company (administrators), and accepting an invitation."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.services.access import invitations
from wisebook.services.access.permissions import Permission
from wisebook.web.api import json_body, json_response


def present(sent: invitations.Sent) -> dict[str, Any]:
    """An invitation as the API shows it: the same whether the address has an account."""
    return {"email": sent.email, "role": sent.role, "etat": "en_attente", "expire_le": sent.expires_at}


def invite(request: Request) -> Response:
    """Invite an address to the company with a role; nothing is granted until it accepts."""
    data = json_body(request, "Invitation")
    return json_response(
        present(
            invitations.invite_and_mail(
                request.db,
                request.tm.get(),
                request.registry.wisebook_settings,
                request.company.id,
                data["email"],
                data["role"],
                request.wisebook_identity.user_id,
            )
        ),
        201,
    )


def accept(request: Request) -> Response:
    """Accept an invitation: a new password for a new account, or the account's own."""
    data = json_body(request, "AcceptationInvitation")
    invitations.accept(request.db, data["jeton"], data["password"])
    return Response(status=204)


def includeme(config: Any) -> None:
    """Inviting is administration; accepting is public (the mailed token is the proof)."""
    config.add_view(invite, route_name="invitations", request_method="POST", permission=Permission.ADMIN)
    config.add_view(accept, route_name="invitation_accept", request_method="POST")
