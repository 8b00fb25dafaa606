"""API keys: ``wbk_<prefix>_<secret>``, shown once; looked up by prefix, checked by digest."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput, NotFound
from wisebook.services.access.auth import aware
from wisebook.services.books.companies import CompanyContext

PREFIX = "wbk_"
KEY_ROLES = ("comptable", "assistant", "lecteur", "auditeur")  # never admin: keys make no keys


@dataclass(frozen=True)
class KeyIdentity:
    """A valid key: its own principal (id and name), in its company with its role, bounded by
    its creator's role there now."""

    key_id: int
    name: str
    company: CompanyContext
    created_by_id: int


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    session: Session, company_id: int, name: str, role: str, created_by_id: int
) -> tuple[models.ApiKey, str]:
    """A new key and its full value (the only time it is seen)."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("Le nom de la clé compte de 1 à 100 caractères.", field="nom")
    if role not in KEY_ROLES:
        raise InvalidInput(f"Rôle possible pour une clé : {', '.join(KEY_ROLES)}.", field="role")
    prefix, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = models.ApiKey(
        company_id=company_id,
        name=name,
        prefix=prefix,
        key_hash=_digest(secret),
        role=role,
        created_by_id=created_by_id,
    )
    session.add(key)
    session.flush()
    return key, f"{PREFIX}{prefix}_{secret}"


def check_key(session: Session, value: str) -> KeyIdentity | None:
    """The identity of a live key, else None (the same answer for any kind of wrong key)."""
    if not value.startswith(PREFIX):
        return None
    prefix, _, secret = value[len(PREFIX) :].partition("_")
    row = session.execute(
        select(models.ApiKey, models.Company, models.Membership.role)
        .join(models.Company, models.Company.id == models.ApiKey.company_id)
        .join(  # the creator still a member: a key ends with its creator's access
            models.Membership,
            (models.Membership.company_id == models.ApiKey.company_id)
            & (models.Membership.user_id == models.ApiKey.created_by_id),
        )
        .where(models.ApiKey.prefix == prefix)
    ).one_or_none()
    if row is None or not secret:
        return None
    key, company, creator_role = row
    if key.revoked_at is not None or not hmac.compare_digest(key.key_hash, _digest(secret)):
        return None
    now = dt.datetime.now(dt.UTC)
    if key.last_used_at is None or now - aware(key.last_used_at) > dt.timedelta(minutes=1):
        key.last_used_at = now
    context = CompanyContext(
        company.id, company.name, company.currency, key.role, creator_role, company.chart_version
    )
    return KeyIdentity(key.id, key.name, context, key.created_by_id)


def list_keys(session: Session, company_id: int) -> list[models.ApiKey]:
    """The company's keys, newest first (their secrets are not kept)."""
    return list(
        session.scalars(
            select(models.ApiKey)
            .where(models.ApiKey.company_id == company_id)
            .order_by(models.ApiKey.id.desc())
        )
    )


def revoke_key(session: Session, company_id: int, key_id: int) -> None:
    """Revoke one of the company's keys (404 for another company's)."""
    key = session.get(models.ApiKey, key_id)
    if key is None or key.company_id != company_id:
        raise NotFound("Clé d'API introuvable.")
    if key.revoked_at is None:
        key.revoked_at = dt.datetime.now(dt.UTC)
