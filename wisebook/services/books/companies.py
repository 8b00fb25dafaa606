"""Companies: the OHADA countries they are kept in, their creation, the one a user works in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.money import CURRENCIES
from wisebook.services.access.permissions import ROLE_PERMISSIONS, Permission
from wisebook.services.books.chart import load_chart
from wisebook.services.books.journals import DEFAULT_JOURNALS
from wisebook.services.tiers.identifiers import tax_number_kind

#: OHADA member states and their currency (ISO 3166 alpha-2 → ISO 4217).
OHADA_COUNTRIES: dict[str, tuple[str, str]] = {
    "BJ": ("Bénin", "XOF"),
    "BF": ("Burkina Faso", "XOF"),
    "CI": ("Côte d'Ivoire", "XOF"),
    "GW": ("Guinée-Bissau", "XOF"),
    "ML": ("Mali", "XOF"),
    "NE": ("Niger", "XOF"),
    "SN": ("Sénégal", "XOF"),
    "TG": ("Togo", "XOF"),
    "CM": ("Cameroun", "XAF"),
    "CF": ("Centrafrique", "XAF"),
    "CG": ("Congo", "XAF"),
    "GA": ("Gabon", "XAF"),
    "GQ": ("Guinée équatoriale", "XAF"),
    "TD": ("Tchad", "XAF"),
    "KM": ("Comores", "KMF"),
    "GN": ("Guinée", "GNF"),
    "CD": ("République démocratique du Congo", "CDF"),
}


@dataclass(frozen=True)
class CompanyContext:
    """The company a request works in, and the caller's role there. For an API key, ``role``
    is the key's and ``creator_role`` its creator's role now: the key can do what both allow,
    so lowering or removing the creator lowers or ends what their keys do."""

    id: int
    name: str
    currency: str
    role: str
    creator_role: str | None = None
    chart_version: int = 0  # the chart's version (companies.chart_version) when it was read

    @property
    def permissions(self) -> frozenset[Permission]:
        """What the caller may do in this company."""
        granted = ROLE_PERMISSIONS[self.role]
        return granted & ROLE_PERMISSIONS[self.creator_role] if self.creator_role else granted


def get_company(session: Session, company_id: int) -> models.Company:
    """A company by id, or NotFound."""
    company = session.get(models.Company, company_id)
    if company is None:
        raise NotFound("Société introuvable.", field="societe")
    return company


def company_for_user(session: Session, user_id: int, company_id: int | None) -> CompanyContext | None:
    """The company the user works in (the one asked for, else their first) with their role."""
    query = (
        select(models.Company, models.Membership.role)
        .join(models.Membership, models.Membership.company_id == models.Company.id)
        .where(models.Membership.user_id == user_id)
        .order_by(models.Company.id)
        .limit(1)
    )
    if company_id is not None:
        query = query.where(models.Company.id == company_id)
    row = session.execute(query).one_or_none()
    if row is None:
        return None
    company, role = row
    return CompanyContext(
        company.id, company.name, company.currency, role, chart_version=company.chart_version
    )


@dataclass(frozen=True)
class CompanySummary:
    """A company as the operator's list shows it."""

    company_id: int
    name: str
    country: str
    currency: str
    members: int
    created_at: dt.datetime


def list_companies(session: Session) -> list[CompanySummary]:
    """Every company of the installation, by name (the operator's view; no books read)."""
    members = (
        select(func.count())
        .select_from(models.Membership)
        .where(models.Membership.company_id == models.Company.id)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            models.Company.id,
            models.Company.name,
            models.Company.country,
            models.Company.currency,
            members,
            models.Company.created_at,
        ).order_by(models.Company.name)
    )
    return [CompanySummary(*row) for row in rows]


def create_company(session: Session, name: str, country: str, currency: str | None) -> models.Company:
    """A company with its chain head, the SYSCOHADA chart and the default journals."""
    name = name.strip()
    if not 2 <= len(name) <= 200:
        raise InvalidInput("Le nom de la société compte de 2 à 200 caractères.", field="societe")
    country = country.strip().upper()
    if country not in OHADA_COUNTRIES:
        raise InvalidInput(f"Pays hors de l'espace OHADA : {country}.", field="pays")
    currency = (currency or OHADA_COUNTRIES[country][1]).strip().upper()
    if currency not in CURRENCIES:
        raise InvalidInput(f"Devise non prise en charge : {currency}.", field="devise")
    if session.scalars(select(models.Company).where(models.Company.name == name)).first():
        raise Conflict(f"La société « {name} » existe déjà.", field="societe")
    company = models.Company(name=name, country=country, currency=currency)
    session.add(company)
    session.flush()
    load_chart(session, company.id)
    for code, label, kind in DEFAULT_JOURNALS:
        session.add(models.Journal(company_id=company.id, code=code, label=label, kind=kind))
    session.flush()
    return company


def identifiers(session: Session, company_id: int) -> str:
    """The company's registration numbers as a document heads them: ``RCCM … · NCC …``."""
    found = session.execute(
        select(models.Company.country, models.CompanyIdentifiers.rccm, models.CompanyIdentifiers.tax_number)
        .join(models.CompanyIdentifiers, models.CompanyIdentifiers.company_id == models.Company.id)
        .where(models.Company.id == company_id)
    ).first()
    if found is None:
        return ""
    country, rccm, tax_number = found
    parts = [f"RCCM {rccm}"] if rccm else []
    if tax_number:
        parts.append(f"{tax_number_kind(country).name} {tax_number}")
    return " · ".join(parts)


@dataclass(frozen=True)
class CompanySettings:
    """What a company's members read of it, and what its administrators set."""

    id: int
    name: str
    country: str
    currency: str
    rccm: str | None
    tax_number: str | None
    tax_number_name: str
    partners_required: bool


def company_settings(session: Session, company_id: int) -> CompanySettings:
    """The company's identity and settings."""
    company = get_company(session, company_id)
    numbers = session.get(models.CompanyIdentifiers, company_id)
    return CompanySettings(
        company.id,
        company.name,
        company.country,
        company.currency,
        numbers.rccm if numbers else None,
        numbers.tax_number if numbers else None,
        tax_number_kind(company.country).name,
        company.partners_required,
    )


def set_partners_required(session: Session, company_id: int, required: bool) -> CompanySettings:
    """Make the tiers mandatory (or not) on lines of lettrable 40/41 accounts, from now on:
    the entries already posted stay as they are."""
    get_company(session, company_id).partners_required = required
    session.flush()
    return company_settings(session, company_id)
