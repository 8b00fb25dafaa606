"""Users: argon2id password hashes, authentication without user enumeration."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput

# OWASP Password Storage Cheat Sheet: argon2id with one of its five configurations it holds
# equivalent (46 MiB × 1, 19 × 2, 12 × 3, 9 × 4, 7 × 5 iterations, 1 lane): the least memory
# costs the least CPU here (a web process maps a hash's memory afresh each time, see
# cli.processes.give_large_blocks_back): ~21 ms a verify where 19 MiB × 2 took ~33. A hash
# made with other parameters is made again at its user's next login.
HASHER = PasswordHasher(time_cost=5, memory_cost=7 * 1024, parallelism=1)
_DUMMY_HASH = HASHER.hash("wisebook-no-such-user")
MIN_PASSWORD_LENGTH = 10


def normalize_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def check_email(email: str) -> str:
    """A plausible email address, normalized."""
    value = normalize_email(email)
    local, _, domain = value.partition("@")
    if not local or "." not in domain or len(value) > 254 or " " in value:
        raise InvalidInput(f"Adresse e-mail invalide : « {email} ».", field="email")
    return value


def check_password(password: str) -> str:
    """A password long enough to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Le mot de passe compte au moins {MIN_PASSWORD_LENGTH} caractères.", field="password"
        )
    return password


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return HASHER.hash(password)


def find_by_email(session: Session, email: str) -> models.User | None:
    """The user with this email, if any."""
    return session.scalars(
        select(models.User).where(models.User.email == normalize_email(email))
    ).one_or_none()


def create_user(
    session: Session, email: str, password: str, *, superuser: bool = False, language: str = "fr"
) -> models.User:
    """A new active user; the email must be free."""
    email = check_email(email)
    check_password(password)
    if find_by_email(session, email) is not None:
        raise InvalidInput(f"Un utilisateur {email} existe déjà.", field="email")
    user = models.User(
        email=email,
        password_hash=hash_password(password),
        is_superuser=superuser,
        language=language,
        is_active=True,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> models.User | None:
    """The active user with these credentials, else None; the same work is done either way."""
    user = find_by_email(session, email) if isinstance(email, str) else None
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or not user.is_active:
        return None
    if HASHER.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    return user


def count_users(session: Session) -> int:
    """How many users exist (the setup page needs to know whether any does)."""
    return session.scalar(select(func.count()).select_from(models.User)) or 0


def change_password(session: Session, user: models.User, current: str, new: str) -> None:
    """Set a new password after checking the current one (InvalidInput when it is wrong)."""
    try:
        HASHER.verify(user.password_hash, current)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        raise InvalidInput("Le mot de passe actuel est incorrect.", field="ancien") from None
    check_password(new)
    if current == new:
        raise InvalidInput("Le nouveau mot de passe doit différer de l'actuel.", field="nouveau")
    user.password_hash = hash_password(new)
    session.flush()


def set_password(session: Session, user: models.User, new: str, *, activate: bool = False) -> None:
    """Set a password without the old one (reset link, invitation); checks its strength."""
    check_password(new)
    user.password_hash = hash_password(new)
    if activate:
        user.is_active = True
    session.flush()
