"""A token's signature is checked once per process (kept per token string), but its expiry and
its revocation are checked at every use."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL
from wisebook.db import models
from wisebook.services.access import auth

SECRET = "un-secret-de-test-assez-long-pour-hs256-0123456789"


def test_a_kept_token_is_still_refused_once_revoked_or_expired(engine, books):
    with Session(engine) as s, s.begin():
        user_id = s.scalar(select(models.User.id).where(models.User.email == ADMIN_EMAIL))
        live, _ = auth.issue_token(s, user_id, None, SECRET, ttl_seconds=3600)
        stale, _ = auth.issue_token(s, user_id, None, SECRET, ttl_seconds=-1)
    with Session(engine) as s:
        first = auth.check_token(s, live, SECRET)
        assert first is not None and first.identity.user_id == user_id
        assert auth.check_token(s, live, SECRET) == first  # the second use: from what was kept
        assert auth.check_token(s, stale, SECRET) is None
        assert auth.check_token(s, live + "x", SECRET) is None  # another string, another signature
    with Session(engine) as s, s.begin():
        auth.revoke_token(s, first.identity.jti)
    with Session(engine) as s:
        assert auth.check_token(s, live, SECRET) is None
