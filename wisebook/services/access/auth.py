"""API tokens: signed JWTs whose ``jti`` is recorded, so logout revokes them at once."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import jwt
from sqlalchemy import Integer, Select, and_, bindparam, func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from wisebook.db import models, notices, rows
from wisebook.services.books.companies import CompanyContext

ALGORITHM = "HS256"
ISSUER = "wisebook"


@dataclass(frozen=True)
class Identity:
    """Who a valid token speaks for."""

    user_id: int
    jti: str
    company_id: int | None
    expires_at: dt.datetime
    session_id: int | None = None  # set when the caller came with a browser session
    api_key_id: int | None = None  # set when the caller is an integration's API key
    api_key_name: str | None = None
    operator: bool = False  # the installation's operator (never through an API key)


@dataclass(frozen=True)
class Caller:
    """A checked credential: who it speaks for and, read in the same query, their membership in
    the company asked for (else their first company), or None when they have none there."""

    identity: Identity
    company: CompanyContext | None
    csrf: str = ""  # a browser session's CSRF token


def _with_membership(query: Select[Any], user_id: Any, wanted: Any) -> Select[Any]:
    """``query`` (one credential row) with the user's membership in ``wanted`` (an expression
    that may be NULL: then their first company by id) joined on, as one row."""
    member, company = models.Membership, models.Company
    on = and_(member.user_id == user_id, or_(wanted.is_(None), member.company_id == wanted))
    return (
        query.add_columns(company.id, company.name, company.currency, company.chart_version, member.role)
        .outerjoin(member, on)
        .outerjoin(company, company.id == member.company_id)
        .order_by(member.company_id)
        .limit(1)
    )


#: The two credential reads, built once (a request pays neither their construction nor their
#: cache key) and run as Core: no ORM entity is loaded to check who is calling.
_TOKEN = _with_membership(
    select(models.AuthToken.revoked_at, models.User.is_active, models.User.is_superuser)
    .join(models.User, models.User.id == models.AuthToken.user_id)
    .where(models.AuthToken.jti == bindparam("jti")),
    models.AuthToken.user_id,
    bindparam("wanted", type_=Integer),
)
_SESSION_COLUMNS = (
    models.BrowserSession.id,
    models.BrowserSession.user_id,
    models.BrowserSession.company_id,
    models.BrowserSession.created_at,
    models.BrowserSession.last_seen_at,
    models.BrowserSession.revoked_at,
    models.BrowserSession.csrf_token,
)
_SESSION = _with_membership(
    select(*_SESSION_COLUMNS, models.User.is_active, models.User.is_superuser)
    .join(models.User, models.User.id == models.BrowserSession.user_id)
    .where(models.BrowserSession.token_hash == bindparam("digest")),
    models.BrowserSession.user_id,
    func.coalesce(bindparam("wanted", type_=Integer), models.BrowserSession.company_id),
)


def _membership_of(row: Any) -> CompanyContext | None:
    company_id, name, currency, version, role = row[-5:]
    return (
        None
        if company_id is None
        else CompanyContext(company_id, name, currency, role, chart_version=version)
    )


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


@dataclass(frozen=True)
class _Claims:
    user_id: int
    jti: str
    company_id: int | None
    expires: dt.datetime


@functools.lru_cache(maxsize=4096)
def _claims(token: str, secret: str) -> _Claims | None:
    """A token's claims once its signature, issuer and claims are checked (None otherwise):
    kept per token string, so a token pays its HMAC once per process, not once per request.
    Its expiry is checked again at each use, and its revocation read from the database."""
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
    company = claims.get("societe")
    return _Claims(
        user_id=int(claims["sub"]),
        jti=str(claims["jti"]),
        company_id=int(company) if isinstance(company, int) else None,
        expires=dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC),
    )


class _Kept(NamedTuple):
    caller: Caller | None
    epoch: int
    until: float  # float-ok: time.monotonic(), seconds


class CallerMemory:
    """The callers this process has checked, each kept ``seconds`` at most and only while the
    database's notices are heard and the epoch has not moved (``db.notices``): a revoked
    token, a deactivated user, a changed membership or company move it. The next request of a
    token reads nothing from the database."""

    def __init__(self, listener: notices.Listener, seconds: float, size: int = 4096):  # float-ok: seconds
        self.listener, self.seconds, self.size = listener, seconds, size
        self._kept: dict[tuple[str, int | None], _Kept] = {}

    def get(self, key: tuple[str, int | None]) -> _Kept | None:
        kept = self._kept.get(key)
        listener = self.listener
        if kept is None or not listener.live or kept.epoch != listener.epoch or kept.until < time.monotonic():
            return None
        return kept

    def epoch(self) -> int | None:
        """The epoch to keep what is read now with (read before reading), None when nothing
        may be kept."""
        return self.listener.epoch if self.listener.live else None

    def keep(self, key: tuple[str, int | None], caller: Caller | None, epoch: int) -> None:
        if len(self._kept) >= self.size:
            self._kept.clear()  # a bound, not a policy: clients of one office hold a few tokens
        self._kept[key] = _Kept(caller, epoch, time.monotonic() + self.seconds)


@functools.lru_cache(maxsize=8)
def caller_memory(engine: Engine, seconds: float) -> CallerMemory | None:  # float-ok: seconds
    """This process's memory of checked callers for ``engine``'s database; None on SQLite, or
    when ``seconds`` is 0."""
    listener = notices.listener(engine) if seconds > 0 else None
    return None if listener is None else CallerMemory(listener, seconds)


def check_token(
    session: Session,
    token: str,
    secret: str,
    company_id: int | None = None,
    memory: CallerMemory | None = None,
) -> Caller | None:
    """The caller of a valid, unexpired, unrevoked token for an active user, else None; their
    company is ``company_id`` if given, else the token's (one query for both). With a
    ``memory``, a caller checked a moment ago is taken from it."""
    claims = _claims(token, secret)
    if claims is None or claims.expires <= dt.datetime.now(dt.UTC):
        return None
    wanted = company_id if company_id is not None else claims.company_id
    key = (claims.jti, wanted)
    kept = memory.get(key) if memory is not None else None
    if kept is not None:
        return kept.caller
    epoch = memory.epoch() if memory is not None else None
    found = rows(session, _TOKEN, jti=claims.jti, wanted=wanted)
    row = found[0] if found else None
    caller = None
    if row is not None and row.revoked_at is None and row.is_active:
        identity = Identity(
            user_id=claims.user_id,
            jti=claims.jti,
            company_id=claims.company_id,
            expires_at=claims.expires,
            operator=bool(row.is_superuser),
        )
        caller = Caller(identity, _membership_of(row))
    if memory is not None and epoch is not None:
        memory.keep(key, caller, epoch)
    return caller


def revoke_token(session: Session, jti: str) -> None:
    """Revoke one token (logout)."""
    session.execute(
        update(models.AuthToken)
        .where(models.AuthToken.jti == jti, models.AuthToken.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )


def revoke_all(session: Session, user_id: int) -> int:
    """Revoke every live token and browser session of a user (password change or reset)."""
    result = session.execute(
        update(models.AuthToken)
        .where(models.AuthToken.user_id == user_id, models.AuthToken.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    sessions = _revoke_sessions(session, models.BrowserSession.user_id == user_id)
    return int(result.rowcount) + sessions  # type: ignore[attr-defined]


# --- browser sessions ------------------------------------------------------------------------


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class NewSession:
    """A session just opened: the cookie value (shown once) and its CSRF token."""

    cookie: str
    csrf: str


def open_session(
    session: Session, user_id: int, company_id: int | None, client_addr: str | None, replaced: str | None
) -> NewSession:
    """A new session for a login; the session the browser came with, if any, is revoked
    (rotation: a session id known before login is worthless after it)."""
    if replaced:
        _revoke_sessions(session, models.BrowserSession.token_hash == _digest(replaced))
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        models.BrowserSession(
            token_hash=_digest(cookie),
            user_id=user_id,
            company_id=company_id,
            csrf_token=csrf,
            client_addr=(client_addr or "")[:64] or None,
        )
    )
    session.flush()
    return NewSession(cookie, csrf)


def check_session(
    session: Session, cookie: str, idle: int, absolute: int, company_id: int | None = None
) -> Caller | None:
    """The caller of a live session, else None; their company is ``company_id`` if given, else
    the session's (one query for both). Touches the session's last use once a minute."""
    found = rows(session, _SESSION, digest=_digest(cookie), wanted=company_id)
    row = found[0] if found else None
    if row is None:
        return None
    now = dt.datetime.now(dt.UTC)
    created, seen = aware(row.created_at), aware(row.last_seen_at)
    if row.revoked_at is not None or not row.is_active:
        return None
    if now - seen > dt.timedelta(seconds=idle) or now - created > dt.timedelta(seconds=absolute):
        return None
    if now - seen > dt.timedelta(seconds=60):  # one write a minute at most, not one per request
        _touch(session, row.id, now)
    identity = Identity(
        user_id=row.user_id,
        jti="",
        company_id=row.company_id,
        expires_at=min(seen + dt.timedelta(seconds=idle), created + dt.timedelta(seconds=absolute)),
        session_id=row.id,
        operator=bool(row.is_superuser),
    )
    return Caller(identity, _membership_of(row), row.csrf_token)


def _touch(session: Session, session_id: int, now: dt.datetime) -> None:
    """Record a session's last use. On SQLite a long write may hold the file: then the next
    request touches it (a savepoint keeps the request's transaction whole). PostgreSQL waits
    for the row, and a read without a transaction (web.reads) has no savepoint to take."""
    touch = (
        update(models.BrowserSession).where(models.BrowserSession.id == session_id).values(last_seen_at=now)
    )
    if session.get_bind().dialect.name != "sqlite":
        session.execute(touch)
        return
    try:
        with session.begin_nested():
            session.execute(touch)
    except OperationalError:
        pass


def aware(moment: dt.datetime) -> dt.datetime:
    """A datetime read back from the database, in UTC (SQLite gives them back naive)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def revoke_session(session: Session, session_id: int) -> None:
    """End one browser session (logout)."""
    _revoke_sessions(session, models.BrowserSession.id == session_id)


def _revoke_sessions(session: Session, where: Any) -> int:
    result = session.execute(
        update(models.BrowserSession)
        .where(where, models.BrowserSession.revoked_at.is_(None))
        .values(revoked_at=dt.datetime.now(dt.UTC))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
