"""Outgoing mail over SMTP (EMAIL_* settings), sent only once the transaction that wanted it
has committed; and signed one-use links for password resets and invitations."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import smtplib
import time
from email.message import EmailMessage
from typing import Any

from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput
from wisebook.settings import Settings

log = logging.getLogger(__name__)


def send(settings: Settings, to: str, subject: str, body: str) -> bool:
    """Send one plain-text mail; False (logged, never raised) when it cannot leave."""
    if not settings.email_host:
        log.warning("courriel non envoyé (EMAIL_HOST non configuré) : %s", subject)
        return False
    message = EmailMessage()
    message["From"] = settings.email_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(settings.email_host, settings.email_port, timeout=10) as smtp:
            if settings.email_starttls:
                smtp.starttls()
            if settings.email_user and settings.email_password:
                smtp.login(settings.email_user, settings.email_password)
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("courriel non envoyé à un destinataire (%s) : %s", type(exc).__name__, subject)
        return False
    return True


def send_after_commit(transaction: Any, settings: Settings, to: str, subject: str, body: str) -> None:
    """Send when (and only if) ``transaction`` commits: no mail about what did not happen."""
    transaction.addAfterCommitHook(lambda committed: committed and send(settings, to, subject, body))


# --- signed links ------------------------------------------------------------------------------


def _signature(secret: str, purpose: str, user: models.User, expires: int) -> str:
    # The password hash is signed too: once the password is set, the link is spent.
    message = f"{purpose}|{user.id}|{expires}|{user.password_hash}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def make_link_token(secret: str, purpose: str, user: models.User, ttl_seconds: int) -> str:
    """A token for one user and one purpose, valid ``ttl_seconds``, spent by a password change."""
    expires = int(time.time()) + ttl_seconds
    raw = f"{user.id}.{expires}.{_signature(secret, purpose, user, expires)}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def read_link_token(session: Session, secret: str, purpose: str, token: str) -> models.User:
    """The user a valid token is for; InvalidInput (field jeton) otherwise."""
    invalid = InvalidInput("Lien invalide, déjà utilisé ou expiré : demandez-en un autre.", field="jeton")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        user_id, expires, signature = raw.split(".")
        user: models.User | None = session.get(models.User, int(user_id))
        deadline = int(expires)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid from None
    if user is None or deadline < time.time():
        raise invalid
    if not hmac.compare_digest(signature, _signature(secret, purpose, user, deadline)):
        raise invalid
    return user
