"""The login policy: when an attempt is refused, what a failure counts against, the device a
browser proves, and the password-reset link — for the API and the pages alike.

As OWASP advises, failures lock the pair account × address: five in a minute refuse that
address for that account (429) until the minute ends, the right password included. One address
is refused after twenty failures on any accounts, and one account after fifty from anywhere,
except from a browser that logged into it before (its device value): a stranger can neither keep
the owner out nor lock an office behind one NAT address. Any address may also ask at most
WISEBOOK_LOGIN_REQUESTS_PER_MINUTE times a minute (60).

The counters are the caller's to bump *after* its transaction (a refusal rolls back, and the
count must outlive it): these functions read, decide and count, they never choose the moment.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from wisebook.services.access import users
from wisebook.services.access.throttle import Limiter
from wisebook.services.platform import mail
from wisebook.settings import Settings

MAX_FAILURES = 5  # one account from one address, in a minute (OWASP: lock the pair)
ADDRESS_FAILURES = 20  # one address, whatever the account (an office behind one NAT address)
ACCOUNT_FAILURES = 50  # one account from anywhere; a browser that logged into it still gets in
RESET_PURPOSE, RESET_TTL = "reinitialisation", 3600


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is refused: the status, the message, how long to wait (429)."""

    status: int
    message: str
    retry_after: int | None = None


def _account(email: str) -> str:
    return hashlib.sha256(users.normalize_email(email).encode()).hexdigest()[:32]


def _address(address: str | None) -> str:
    return address or "inconnue"


def failure_keys(email: str, address: str | None) -> dict[str, str]:
    """The counters a login attempt counts against: the pair account × address, the address,
    the account."""
    account, where = _account(email), _address(address)
    return {
        "paire": f"connexion:paire:{account}:{where}",
        "adresse": f"connexion:ip:{where}",
        "compte": f"connexion:compte:{account}",
    }


def request_key(address: str | None) -> str:
    """The counter of every login request from one address."""
    return f"connexion:requetes:{_address(address)}"


def device_value(secret_key: str, email: str) -> str:
    """The signed value a browser keeps once it has logged into this account."""
    account = _account(email)
    return (
        account
        + "."
        + hmac.new(secret_key.encode(), f"appareil|{account}".encode(), hashlib.sha256).hexdigest()[:32]
    )


def is_known_device(secret_key: str, email: str, sent: str) -> bool:
    """Whether ``sent`` is the device value of this account (its browser logged in before)."""
    return bool(sent) and hmac.compare_digest(sent.encode(), device_value(secret_key, email).encode())


def refuse_requests(limiter: Limiter, per_minute: int, address: str | None) -> Refusal | None:
    """A refusal when this address asked to log in too often this minute."""
    count, left = limiter.count(request_key(address))
    if count >= per_minute:
        return Refusal(
            429, f"Trop de demandes de connexion depuis cette adresse. Réessayez dans {left} s.", left
        )
    return None


def refuse_failures(limiter: Limiter, keys: dict[str, str], known_device: bool) -> Refusal | None:
    """A refusal when the pair, the address or (from an unknown browser) the account failed
    too often this minute."""
    limits = {"paire": MAX_FAILURES, "adresse": ADDRESS_FAILURES}
    if not known_device:
        limits["compte"] = ACCOUNT_FAILURES
    for name, most in limits.items():
        count, left = limiter.count(keys[name])
        if count >= most:
            return Refusal(429, f"Trop de tentatives de connexion. Réessayez dans {left} s.", left)
    return None


WRONG_PASSWORD = Refusal(401, "Adresse e-mail ou mot de passe incorrect.")


def count_failure(
    engine: Engine,
    limiter: Limiter,
    settings: Settings,
    keys: dict[str, str],
    email: Any,
    address: str | None,
) -> None:
    """Count a failed login; at the fifth on an existing account, tell its owner by mail."""
    counts = {name: limiter.fail(key) for name, key in keys.items()}
    if counts["compte"] != MAX_FAILURES:
        return
    with Session(engine) as session:
        user = users.find_by_email(session, email) if isinstance(email, str) else None
        owner = user.email if user is not None and user.is_active else None
    if owner is not None:
        mail.send(
            settings,
            owner,
            "WiseBook : connexions bloquées sur votre compte",
            f"Cinq tentatives de connexion ont échoué sur votre compte en une minute (dernière depuis "
            f"l'adresse {address}). Depuis cette adresse, les connexions à votre compte "
            "sont refusées jusqu'à la fin de cette minute ; votre navigateur habituel n'est pas "
            "bloqué.\n\nSi ce n'était pas vous, changez votre mot de passe et prévenez votre "
            "administrateur.",
        )


def reset_key(address: str | None) -> str:
    """The counter of reset requests from one address."""
    return f"reinitialisation:ip:{_address(address)}"


def refuse_reset(limiter: Limiter, address: str | None) -> Refusal | None:
    """A refusal when this address asked for reset links too often this minute."""
    count, left = limiter.count(reset_key(address))
    if count >= MAX_FAILURES:
        return Refusal(429, f"Trop de demandes. Réessayez dans {left} s.", left)
    return None


def mail_reset_link(session: Session, transaction: Any, settings: Settings, email: str) -> None:
    """Mail a one-use reset link once ``transaction`` commits, if the account exists and is
    active (nothing tells the caller whether it does)."""
    user = users.find_by_email(session, email)
    if user is None or not user.is_active:
        return
    token = mail.make_link_token(settings.secret_key, RESET_PURPOSE, user, RESET_TTL)
    mail.send_after_commit(
        transaction,
        settings,
        user.email,
        "WiseBook : réinitialisation de votre mot de passe",
        "Pour choisir un nouveau mot de passe (lien valable une heure, une seule fois) :\n\n"
        f"{settings.public_url}/reinitialisation/?jeton={token}\n\n"
        "Jeton pour l'API (POST /api/v1/auth/reinitialisation/confirmation/) :\n"
        f"{token}\n\nSi vous n'avez rien demandé, ignorez ce courriel.",
    )
