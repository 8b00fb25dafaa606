"""First configuration of WiseBook: company, fiscal year, chart, journals, first admin."""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput
from wisebook.services.access import invitations, members, users
from wisebook.services.books import companies, years


@dataclass(frozen=True)
class SetupResult:
    """What setup made, or found already made."""

    company_id: int
    fiscal_year: str
    admin_email: str
    created: bool


def setup(
    session: Session,
    *,
    company_name: str,
    country: str,
    currency: str | None,
    fiscal_year: int,
    admin_email: str,
    admin_password: str,
    rccm: str | None = None,
    tax_number: str | None = None,
) -> SetupResult:
    """What the setup wizard does. Idempotent: the same call again changes nothing."""
    email = users.check_email(admin_email)
    users.check_password(admin_password)
    company = session.scalars(
        select(models.Company).where(models.Company.name == company_name.strip())
    ).one_or_none()
    created = company is None
    if company is None:
        company = new_company(session, company_name, country, currency, rccm, tax_number)
    elif company.country != country.strip().upper() or (currency and company.currency != currency.upper()):
        raise Conflict(
            f"La société « {company.name} » existe déjà avec le pays {company.country} "
            f"et la devise {company.currency}.",
            field="societe",
        )
    fy_code = str(fiscal_year)
    fy = session.scalars(
        select(models.FiscalYear).where(
            models.FiscalYear.company_id == company.id, models.FiscalYear.code == fy_code
        )
    ).one_or_none()
    if fy is None:
        years.create_fiscal_year(session, company.id, fiscal_year)
        created = True
    user = users.find_by_email(session, email)
    if user is None:
        user = users.create_user(session, email, admin_password)  # the company's admin, not the operator
        created = True
    elif users.authenticate(session, email, admin_password) is None:
        raise InvalidInput(
            f"L'utilisateur {email} existe déjà avec un autre mot de passe.", field="admin_email"
        )
    if session.get(models.Membership, (user.id, company.id)) is None:
        members.add_member(session, company.id, user.id, "admin")
        created = True
    session.flush()
    return SetupResult(company.id, fy_code, email, created)


def new_company(
    session: Session,
    name: str,
    country: str,
    currency: str | None,
    rccm: str | None = None,
    tax_number: str | None = None,
) -> models.Company:
    """A company with its chart, journals and registration numbers (no fiscal year yet)."""
    company = companies.create_company(session, name, country, currency)
    if rccm or tax_number:
        session.add(
            models.CompanyIdentifiers(
                company_id=company.id,
                rccm=(rccm or "").strip()[:50] or None,
                tax_number=(tax_number or "").strip()[:50] or None,
            )
        )
        session.flush()
    return company


@dataclass(frozen=True)
class NewDossier:
    """A company the operator created, and the invitation of its first administrator."""

    company_id: int
    name: str
    country: str
    currency: str
    fiscal_year: str
    invitation: invitations.Sent


def create_dossier(
    session: Session,
    *,
    company_name: str,
    country: str,
    currency: str | None,
    fiscal_year: int,
    admin_email: str,
    operator_id: int | None,
    rccm: str | None = None,
    tax_number: str | None = None,
) -> NewDossier:
    """What the operator does for a new client: a company (a dossier) with its first fiscal
    year, and its first administrator invited (they accept, as any invitee does)."""
    users.check_email(admin_email)
    company = new_company(session, company_name, country, currency, rccm, tax_number)
    years.create_fiscal_year(session, company.id, fiscal_year)
    sent = invitations.invite(session, company.id, admin_email, "admin", operator_id)
    return NewDossier(company.id, company.name, company.country, company.currency, str(fiscal_year), sent)


def is_done(session: Session) -> bool:
    """Whether a company exists (the wizard's start page then sends users to log in)."""
    return session.scalars(select(models.Company.id).limit(1)).first() is not None


CODE_FILE = "code-assistant"


def setup_code(data_dir: Path) -> str:
    """The one-time code the setup wizard asks for, made once (0600 under the data dir) and
    shown to whoever installs: printed by ``wisebook-ctl serve`` and ``setup-code``."""
    path = data_dir / CODE_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")  # 16 letters and digits
    code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(code + "\n")
    return code


def code_matches(data_dir: Path, typed: str) -> bool:
    """Whether ``typed`` is the wizard's code (case, spaces and dashes aside)."""
    path = data_dir / CODE_FILE
    if not path.exists():
        return False
    expected = path.read_text(encoding="ascii").strip().replace("-", "")
    given = "".join(ch for ch in typed.upper() if ch.isalnum())
    return hmac.compare_digest(expected.encode(), given.encode("ascii", "replace"))


def forget_code(data_dir: Path) -> None:
    """The code has served: it opens nothing any more."""
    (data_dir / CODE_FILE).unlink(missing_ok=True)
