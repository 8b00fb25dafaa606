"""Inviting someone to the company (administrators), and accepting an invitation."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from ...services import invitations, mail
from ...services.permissions import Permission
from . import json_body, json_response


def send_invitation(request: Request, company_id: int, email: str, role: str) -> invitations.Sent:
    """Invite ``email`` to a company and mail the link once the transaction commits."""
    sent = invitations.invite(request.db, company_id, email, role, request.wisebook_identity.user_id)
    mail_invitation(request, sent)
    return sent


def mail_invitation(request: Request, sent: invitations.Sent) -> None:
    """Mail an invitation's link once (and only if) the transaction commits."""
    settings = request.registry.wisebook_settings
    subject, body = invitations.mail_text(sent, settings.public_url)
    mail.send_after_commit(request.tm.get(), settings, sent.email, subject, body)


def present(sent: invitations.Sent) -> dict[str, Any]:
    """An invitation as the API shows it: the same whether the address has an account."""
    return {"email": sent.email, "role": sent.role, "etat": "en_attente", "expire_le": sent.expires_at}


def invite(request: Request) -> Response:
    """Invite an address to the company with a role; nothing is granted until it accepts."""
    data = json_body(request, "Invitation")
    return json_response(
        present(send_invitation(request, request.company.id, data["email"], data["role"])), 201
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
