"""API tokens: signed JWTs whose ``jti`` is recorded, so logout revokes them at once."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import jwt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import models

ALGORITHM = "HS256"
ISSUER = "wisebook"


@dataclass(frozen=True)
class Identity:
    """Who a valid token speaks for."""

    user_id: int
    jti: str
    company_id: int | None
    expires_at: dt.datetime


def issue_token(
    session: Session, user_id: int, company_id: int | None, secret: str, ttl_seconds: int
) -> tuple[str, dt.datetime]:
    """A new token for ``user_id``, recorded for revocation; returns it and its expiry."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    expires = now + dt.timedelta(seconds=ttl_seconds)
    jti = secrets.token_hex(16)
    session.add(models.AuthToken(jti=jti, user_id=user_id, issued_at=now, expires_at=expires))
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "jti": jti,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "societe": company_id,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def check_token(session: Session, token: str, secret: str) -> Identity | None:
    """The identity of a valid, unexpired, unrevoked token for an active user, else None."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.PyJWTError:
        return None
    row = session.execute(
        select(models.AuthToken.revoked_at, models.User.is_active)
        .join(models.User, models.User.id == models.AuthToken.user_id)
        .where(models.AuthToken.jti == str(claims["jti"]))
    ).one_or_none()
    if row is None or row.revoked_at is not None or not row.is_active:
        return None
    company = claims.get("societe")
    return Identity(
        user_id=int(claims["sub"]),
        jti=str(claims["jti"]),
        company_id=int(company) if isinstance(company, int) else None,
        expires_at=dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC),
    )


def revoke_token(session: Session, jti: str) -> None:
    """Revoke one token (logout)."""
    session.execute(
        update(models.AuthToken)
        .where(models.AuthToken.jti == jti, models.AuthToken.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )


def revoke_all(session: Session, user_id: int) -> int:
    """Revoke every live token of a user (password change or reset); how many were live."""
    result = session.execute(
        update(models.AuthToken)
        .where(models.AuthToken.user_id == user_id, models.AuthToken.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
