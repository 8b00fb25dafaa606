"""The books' frame: companies, memberships, fiscal years and periods, journals, the chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from wisebook.data.syscohada import chart as official_chart
from wisebook.db import models
from wisebook.ledger import accounts as chart_rules
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.money import CURRENCIES
from wisebook.ledger.periods import fiscal_year_bounds, monthly_periods
from wisebook.ledger.text import is_digits
from wisebook.services.access.permissions import ROLE_PERMISSIONS, Permission

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

DEFAULT_JOURNALS = (
    ("ACH", "Achats", "achats"),
    ("VTE", "Ventes", "ventes"),
    ("BQ", "Banque", "tresorerie"),
    ("CAI", "Caisse", "tresorerie"),
    ("OD", "Opérations diverses", "divers"),
    ("AN", "À-nouveaux", "a_nouveaux"),
)
JOURNAL_KINDS = ("achats", "ventes", "tresorerie", "divers", "a_nouveaux")


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
    return CompanyContext(company.id, company.name, company.currency, role)


def add_member(session: Session, company_id: int, user_id: int, role: str) -> None:
    """Give ``user_id`` a role in a company (or change it)."""
    if role not in models.ROLES:
        raise InvalidInput(f"Rôle inconnu : {role}.", field="role")
    membership = session.get(models.Membership, (user_id, company_id))
    if membership is None:
        session.add(models.Membership(user_id=user_id, company_id=company_id, role=role))
    else:
        membership.role = role
    session.flush()


@dataclass(frozen=True)
class Member:
    """A user's access to a company."""

    user_id: int
    email: str
    role: str
    active: bool


def list_members(session: Session, company_id: int) -> list[Member]:
    """The company's members, by e-mail."""
    rows = session.execute(
        select(models.User.id, models.User.email, models.Membership.role, models.User.is_active)
        .join(models.Membership, models.Membership.user_id == models.User.id)
        .where(models.Membership.company_id == company_id)
        .order_by(models.User.email)
    )
    return [Member(*row) for row in rows]


def _membership(session: Session, company_id: int, user_id: int) -> models.Membership:
    found = session.get(models.Membership, (user_id, company_id), with_for_update=True)
    if found is None:
        raise NotFound("Utilisateur inconnu dans cette société.", field="utilisateur")
    return found


def _keeps_an_admin(session: Session, company_id: int, leaving: models.Membership) -> None:
    """Refuse what would leave the company without an administrator."""
    if leaving.role != "admin":
        return
    others = session.scalar(
        select(func.count())
        .select_from(models.Membership)
        .where(
            models.Membership.company_id == company_id,
            models.Membership.role == "admin",
            models.Membership.user_id != leaving.user_id,
        )
    )
    if not others:
        raise Conflict("La société garde au moins un administrateur.", field="role")


def change_role(session: Session, company_id: int, user_id: int, role: str, by_user_id: int) -> None:
    """A member's new role; one's own stays (another administrator changes it)."""
    if role not in models.ROLES:
        raise InvalidInput(f"Rôle inconnu : {role}.", field="role")
    membership = _membership(session, company_id, user_id)
    if user_id == by_user_id and role != membership.role:
        raise Conflict("Votre propre rôle se change par un autre administrateur.", field="role")
    if role != "admin":
        _keeps_an_admin(session, company_id, membership)
    membership.role = role
    session.flush()


def remove_member(session: Session, company_id: int, user_id: int, by_user_id: int) -> None:
    """Take a member's access to the company away (the user and their writes stay)."""
    if user_id == by_user_id:
        raise Conflict("Vous ne pouvez pas retirer votre propre accès.", field="utilisateur")
    membership = _membership(session, company_id, user_id)
    _keeps_an_admin(session, company_id, membership)
    session.delete(membership)
    session.flush()


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


def load_chart(session: Session, company_id: int) -> int:
    """Copy the official SYSCOHADA chart into a company, in one bulk insert."""
    rows = official_chart()
    postable = chart_rules.postable_codes(r.code for r in rows)
    session.execute(
        insert(models.Account),
        [
            {
                "company_id": company_id,
                "code": r.code,
                "label": r.label,
                "account_class": r.account_class,
                "nature": r.nature,
                "lettrable": r.lettrable,
                "postable": r.code in postable,
            }
            for r in rows
        ],
    )
    return len(rows)


def create_fiscal_year(
    session: Session, company_id: int, year: int, start_month: int = 1
) -> models.FiscalYear:
    """An open fiscal year of twelve monthly periods, with a number counter per journal."""
    start, end = fiscal_year_bounds(year, start_month)
    code = str(year)
    existing = session.scalars(
        select(models.FiscalYear).where(models.FiscalYear.company_id == company_id)
    ).all()
    for fy in existing:
        if fy.code == code:
            raise Conflict(f"L'exercice {code} existe déjà.", field="annee")
        if fy.start_date <= end and start <= fy.end_date:
            raise InvalidInput(f"L'exercice chevauche l'exercice {fy.code}.", field="annee")
    fiscal_year = models.FiscalYear(
        company_id=company_id, code=code, start_date=start, end_date=end, status="ouvert"
    )
    session.add(fiscal_year)
    session.flush()
    session.execute(
        insert(models.Period),
        [
            {
                "fiscal_year_id": fiscal_year.id,
                "number": p.number,
                "start_date": p.start,
                "end_date": p.end,
                "locked": False,
            }
            for p in monthly_periods(start, end)
        ],
    )
    journal_ids = session.scalars(
        select(models.Journal.id).where(models.Journal.company_id == company_id)
    ).all()
    for journal_id in journal_ids:
        session.add(
            models.JournalCounter(journal_id=journal_id, fiscal_year_id=fiscal_year.id, last_number=0)
        )
    session.flush()
    return fiscal_year


def list_fiscal_years(session: Session, company_id: int) -> list[models.FiscalYear]:
    """The company's fiscal years, oldest first."""
    return list(
        session.scalars(
            select(models.FiscalYear)
            .where(models.FiscalYear.company_id == company_id)
            .order_by(models.FiscalYear.start_date)
        )
    )


def get_fiscal_year(session: Session, company_id: int, ref: str | int) -> models.FiscalYear:
    """A fiscal year by id or by code (``2026``)."""
    query = select(models.FiscalYear).where(models.FiscalYear.company_id == company_id)
    text = str(ref)
    row = session.scalars(query.where(models.FiscalYear.code == text)).one_or_none()
    if row is None and is_digits(text) and len(text) < 10:
        row = session.scalars(query.where(models.FiscalYear.id == int(text))).one_or_none()
    if row is None:
        raise NotFound(f"Exercice introuvable : {ref}.", field="exercice")
    return row


def current_fiscal_year(session: Session, company_id: int, today: dt.date | None = None) -> models.FiscalYear:
    """The open fiscal year containing ``today``, else the latest open one, else the latest."""
    today = today or dt.date.today()
    years = list_fiscal_years(session, company_id)
    if not years:
        raise NotFound("Aucun exercice : créez-en un.", field="exercice")
    for fy in years:
        if fy.start_date <= today <= fy.end_date:
            return fy
    open_years = [fy for fy in years if fy.status == "ouvert"]
    return (open_years or years)[-1]


def lock_periods(
    session: Session,
    company_id: int,
    fiscal_year_ref: str | int,
    *,
    number: int | None = None,
    until: dt.date | None = None,
    locked: bool = True,
) -> models.FiscalYear:
    """Lock (or unlock) one month, or every month of the fiscal year ending on or before
    ``until``; the fiscal year, its periods refreshed. A closed year is not touched."""
    fy = get_fiscal_year(session, company_id, fiscal_year_ref)
    if fy.status != "ouvert":
        raise Conflict(f"L'exercice {fy.code} est clôturé : ses périodes le sont toutes.", field="exercice")
    if (number is None) == (until is None):
        raise InvalidInput("Donnez une période (numéro) ou une date (jusqu_au).", field="periode")
    where = [models.Period.fiscal_year_id == fy.id]
    if number is not None:
        where.append(models.Period.number == number)
    else:
        assert until is not None
        if until < fy.start_date or until > fy.end_date:
            raise InvalidInput(
                f"Date hors de l'exercice {fy.code} ({fy.start_date:%d/%m/%Y} – {fy.end_date:%d/%m/%Y}).",
                field="jusqu_au",
            )
        # Locking "up to" a date locks the months ended by then; unlocking "up to" it
        # reopens the months from the one holding that date onwards.
        where.append(models.Period.end_date <= until if locked else models.Period.end_date >= until)
    result = session.execute(update(models.Period).where(*where).values(locked=locked))
    if result.rowcount == 0:  # type: ignore[attr-defined]
        field = "periode" if number is not None else "jusqu_au"
        raise InvalidInput("Aucune période ne correspond.", field=field)
    session.flush()
    session.refresh(fy)
    for period in fy.periods:
        session.refresh(period)
    return fy


def list_journals(session: Session, company_id: int) -> list[models.Journal]:
    """The company's journals, by code."""
    return list(
        session.scalars(
            select(models.Journal)
            .where(models.Journal.company_id == company_id)
            .order_by(models.Journal.code)
        )
    )


def create_journal(session: Session, company_id: int, code: str, label: str, kind: str) -> models.Journal:
    """A new journal, with its counters for every fiscal year."""
    code = code.strip().upper()
    if not (2 <= len(code) <= 8 and code.isalnum() and code.isascii()):
        raise InvalidInput("Le code journal compte 2 à 8 lettres ou chiffres.", field="code")
    if kind not in JOURNAL_KINDS:
        raise InvalidInput(f"Type de journal inconnu : {kind}.", field="type")
    if not label.strip():
        raise InvalidInput("Le libellé est obligatoire.", field="libelle")
    exists = session.scalars(
        select(models.Journal).where(models.Journal.company_id == company_id, models.Journal.code == code)
    ).first()
    if exists:
        raise Conflict(f"Le journal {code} existe déjà.", field="code")
    journal = models.Journal(company_id=company_id, code=code, label=label.strip(), kind=kind)
    session.add(journal)
    session.flush()
    for fy in list_fiscal_years(session, company_id):
        session.add(models.JournalCounter(journal_id=journal.id, fiscal_year_id=fy.id, last_number=0))
    session.flush()
    return journal


def list_accounts(
    session: Session,
    company_id: int,
    account_class: int | None = None,
    q: str | None = None,
) -> list[models.Account]:
    """The chart, by number; filtered by class and by a number prefix or label words."""
    query = select(models.Account).where(models.Account.company_id == company_id)
    if account_class is not None:
        query = query.where(models.Account.account_class == account_class)
    if q:
        text = q.strip()
        if is_digits(text):
            query = query.where(models.Account.code.startswith(text))
        else:
            query = query.where(models.Account.label.ilike(f"%{_escape_like(text)}%", escape="\\"))
    return list(session.scalars(query.order_by(models.Account.code)))


def postable_accounts(session: Session, company_id: int) -> list[tuple[str, str]]:
    """(number, label) of every account that takes entries, by number: the entry form's
    list, read as plain rows (no ORM objects for the whole chart)."""
    acc = models.Account
    rows = session.execute(
        select(acc.code, acc.label)
        .where(acc.company_id == company_id, acc.postable.is_(True))
        .order_by(acc.code)
    )
    return [(code, label) for code, label in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def add_sub_account(session: Session, company_id: int, code: str, label: str) -> models.Account:
    """A sub-account under an existing account; its parent becomes a heading.

    A parent that already has posted or draft lines keeps them, so it cannot become a
    heading: the accountant moves them first.
    """
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise InvalidInput("Le libellé compte de 1 à 200 caractères.", field="libelle")
    codes = session.scalars(select(models.Account.code).where(models.Account.company_id == company_id)).all()
    parent_code = chart_rules.check_new_sub_account(code, codes)
    parent = session.scalars(
        select(models.Account).where(
            models.Account.company_id == company_id, models.Account.code == parent_code
        )
    ).one()
    if parent.postable:
        used = session.scalars(
            select(models.Line.id).where(models.Line.account_id == parent.id).limit(1)
        ).first()
        if used is not None:
            raise Conflict(
                f"Le compte {parent.code} porte déjà des écritures : il ne peut pas recevoir de sous-compte.",
                field="numero",
            )
        parent.postable = False
    account = models.Account(
        company_id=company_id,
        code=code,
        label=label,
        account_class=chart_rules.account_class(code),
        nature=parent.nature,
        lettrable=parent.lettrable,
        postable=True,
    )
    session.add(account)
    session.flush()
    return account
