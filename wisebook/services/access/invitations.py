"""Invitations to a company: an administrator (or the operator, for a new company's first
administrator) names an address and a role; nothing is granted until the address's owner
accepts, with a new password when the address has no account yet, or with the password of
their account when it has one. The one who invites learns nothing about the address: the
answer and the mail say the same either way."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput
from wisebook.services.access import members, users
from wisebook.services.platform import mail
from wisebook.settings import Settings

TTL = dt.timedelta(days=7)
INVALID = "Lien invalide, déjà utilisé ou expiré : demandez une nouvelle invitation."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Sent:
    """An invitation just made: what to tell the inviter, and the token to mail (once)."""

    email: str
    role: str
    company_name: str
    expires_at: dt.datetime
    token: str


def invite(session: Session, company_id: int, email: str, role: str, invited_by_id: int | None) -> Sent:
    """A pending invitation of ``email`` to the company with ``role`` (replacing an earlier
    one of the same address); a member already is a Conflict (the inviter sees the members)."""
    email = users.check_email(email)
    if role not in models.ROLES:
        raise InvalidInput(f"Rôle inconnu : {role}.", field="role")
    member = session.execute(
        select(models.Membership.user_id)
        .join(models.User, models.User.id == models.Membership.user_id)
        .where(models.Membership.company_id == company_id, models.User.email == email)
    ).first()
    if member is not None:
        raise Conflict(f"{email} est déjà membre de cette société.", field="email")
    session.execute(
        delete(models.Invitation).where(
            models.Invitation.company_id == company_id, models.Invitation.email == email
        )
    )
    token = secrets.token_urlsafe(32)
    expires = _now() + TTL
    session.add(
        models.Invitation(
            company_id=company_id,
            email=email,
            role=role,
            token_hash=_digest(token),
            invited_by_id=invited_by_id,
            expires_at=expires,
        )
    )
    session.flush()
    company = session.get(models.Company, company_id)
    return Sent(email, role, company.name if company else "", expires, token)


@dataclass(frozen=True)
class Pending:
    """What a valid invitation link shows its reader (the address's owner)."""

    invitation_id: int
    company_id: int
    company_name: str
    email: str
    role: str
    has_account: bool


def read(session: Session, token: str) -> Pending:
    """The invitation a mailed token opens; InvalidInput (field jeton) when it is unknown,
    accepted already or expired."""
    if not token or len(token) > 200:
        raise InvalidInput(INVALID, field="jeton")
    found = session.execute(
        select(models.Invitation, models.Company.name)
        .join(models.Company, models.Company.id == models.Invitation.company_id)
        .where(models.Invitation.token_hash == _digest(token))
    ).one_or_none()
    if found is None:
        raise InvalidInput(INVALID, field="jeton")
    invitation, company_name = found
    expires = invitation.expires_at
    if (expires if expires.tzinfo else expires.replace(tzinfo=dt.UTC)) < _now():
        raise InvalidInput(INVALID, field="jeton")
    account = users.find_by_email(session, invitation.email)
    return Pending(
        invitation.id,
        invitation.company_id,
        company_name,
        invitation.email,
        invitation.role,
        account is not None,
    )


def accept(session: Session, token: str, password: str) -> models.User:
    """Accept: a new account with ``password``, or the existing account whose password it is;
    the membership is granted and the invitation spent. The user."""
    pending = read(session, token)
    user = users.find_by_email(session, pending.email)
    if user is None:
        user = users.create_user(session, pending.email, password)
    elif users.authenticate(session, pending.email, password) is None:
        raise InvalidInput(
            "Mot de passe incorrect : saisissez celui de votre compte WiseBook.", field="password"
        )
    members.add_member(session, pending.company_id, user.id, pending.role)
    session.execute(delete(models.Invitation).where(models.Invitation.id == pending.invitation_id))
    session.flush()
    return user


def pending_for(session: Session, company_id: int) -> list[tuple[str, str, dt.datetime]]:
    """The company's invitations not yet accepted: (email, role, expiry), by e-mail."""
    rows = session.execute(
        select(models.Invitation.email, models.Invitation.role, models.Invitation.expires_at)
        .where(models.Invitation.company_id == company_id)
        .order_by(models.Invitation.email)
    )
    return [(email, role, expires) for email, role, expires in rows]


def mail_text(sent: Sent, public_url: str) -> tuple[str, str]:
    """The invitation's subject and body: the same whether the address has an account."""
    link = f"{public_url}/invitation/?jeton={sent.token}"
    body = (
        f"Vous êtes invité(e) à tenir les livres de {sent.company_name} dans WiseBook "
        f"(rôle : {sent.role}).\n\n"
        f"Pour accepter (lien valable sept jours) :\n{link}\n\n"
        "Si vous avez déjà un compte WiseBook à cette adresse, le lien vous demandera son mot de "
        "passe ; sinon, vous choisirez le vôtre.\n\n"
        f"Jeton pour l'API (POST /api/v1/invitations/acceptation/) :\n{sent.token}\n\n"
        "Vous n'attendiez pas cette invitation ? Ignorez ce message : rien n'est accordé sans vous.\n"
    )
    return f"WiseBook : invitation — {sent.company_name}", body


def mail_after_commit(transaction: Any, settings: Settings, sent: Sent) -> None:
    """Mail an invitation's link once (and only if) ``transaction`` commits."""
    subject, body = mail_text(sent, settings.public_url)
    mail.send_after_commit(transaction, settings, sent.email, subject, body)


def invite_and_mail(
    session: Session,
    transaction: Any,
    settings: Settings,
    company_id: int,
    email: str,
    role: str,
    by_user_id: int,
) -> Sent:
    """Invite ``email`` to a company with ``role`` and mail the link once the transaction commits."""
    sent = invite(session, company_id, email, role, by_user_id)
    mail_after_commit(transaction, settings, sent)
    return sent
