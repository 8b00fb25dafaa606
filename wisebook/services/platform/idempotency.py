"""Idempotency-Key: a retried POST gets the first answer, never a second entry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput


class KeyInFlight(Exception):
    """Another request with the same key committed first; the web layer retries this one."""


@dataclass(frozen=True)
class Replay:
    """The stored first answer."""

    status: int
    body: str


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What must be identical for a retry to count as the same request."""
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


def begin(session: Session, user_id: int, key: str, fingerprint: str) -> Replay | models.IdempotencyKey:
    """The stored answer for this key, or a new reservation to complete with ``finish``."""
    if not 1 <= len(key) <= 255:
        raise InvalidInput("Idempotency-Key compte de 1 à 255 caractères.", field="Idempotency-Key")
    row = session.scalars(
        select(models.IdempotencyKey).where(
            models.IdempotencyKey.user_id == user_id, models.IdempotencyKey.key == key
        )
    ).one_or_none()
    if row is not None:
        if row.request_hash != fingerprint:
            raise InvalidInput(
                "Cette Idempotency-Key a déjà servi pour une autre requête.", field="Idempotency-Key"
            )
        return Replay(row.status or 200, row.body or "")
    row = models.IdempotencyKey(user_id=user_id, key=key, request_hash=fingerprint)
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise KeyInFlight(key) from exc
    return row


def finish(row: models.IdempotencyKey, status: int, body: str) -> None:
    """Record the answer given, in the same transaction as the work it describes."""
    row.status = status
    row.body = body
