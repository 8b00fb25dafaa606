"""The tiers register: create, change, find and read a company's tiers, with their balances.

A tiers is kept on a collective account of class 4 that its kind allows (a client on 41…, a
fournisseur on 40…, a salarié on 42…, another tiers on any class-4 account); the default is
the chart's usual one. Its balance is that of its lines on that account in the open years
(the à-nouveaux carry a closed year's open lines); ``du`` is what of it is still unlettered
and ``echu`` the part of that whose payment term has passed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, FieldError, InvalidInput, NotFound
from wisebook.ledger.text import fold
from wisebook.services.tiers import identifiers

KINDS = models.PARTNER_KINDS
#: The collective accounts a kind may use (by prefix), and the one proposed.
ACCOUNTS = {
    "client": ("41", "4111"),
    "fournisseur": ("40", "4011"),
    "salarie": ("42", "422"),
    "autre": ("4", "4711"),
}
MAX_PAGE = 200
#: The names the API and the pages give a tiers' fields (those its faults are said under), and
#: the register's.
FIELD_NAMES = {
    "nom": "name",
    "type": "kind",
    "compte": "account",
    "pays": "country",
    "numero_fiscal": "tax_number",
    "rccm": "rccm",
    "adresse": "address",
    "email": "email",
    "telephone": "phone",
    "comptes_bancaires": "bank_accounts",
    "delai_paiement": "payment_days",
    "archive": "archived",
}


def kind_of_account(code: str) -> str:
    """The kind of tiers a collective account keeps: 40 suppliers, 41 customers, 42 staff."""
    return {"40": "fournisseur", "41": "client", "42": "salarie"}.get(code[:2], "autre")


def new_code_fault(code: str, account: str) -> str | None:
    """Why a tiers code met in a file cannot be registered from it on ``account``, or None."""
    if not _CODE.fullmatch(code):
        return f"code tiers {code} : lettres, chiffres, . _ - seulement, 40 caractères au plus"
    if not account.startswith("4"):
        return f"le tiers {code} ne se crée pas sur le compte {account} : un compte de tiers (classe 4) est attendu"
    return None


_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,39}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Details:
    """What a tiers is made of, as the API and the form give it (None: not given)."""

    name: str | None = None
    kind: str | None = None
    account: str | None = None
    country: str | None = None
    tax_number: str | None = None
    rccm: str | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    bank_accounts: list[str] | None = None
    payment_days: int | None = None
    archived: bool | None = None
    given: frozenset[str] = field(default_factory=frozenset)  # the fields sent, for PATCH


@dataclass(frozen=True)
class Balances:
    """A tiers' figures in minor units: debit − credit on its account in the open years."""

    balance: int
    due: int
    overdue: int


def _clean(text: str | None, limit: int) -> str | None:
    text = " ".join((text or "").split())
    return text[:limit] or None


def _account(session: Session, company_id: int, kind: str, code: str | None) -> models.Account:
    prefix, default = ACCOUNTS[kind]
    code = (code or default).strip()
    found = session.scalars(
        select(models.Account).where(models.Account.company_id == company_id, models.Account.code == code)
    ).one_or_none()
    if found is None:
        raise InvalidInput(f"Compte {code} introuvable dans le plan comptable.", field="compte")
    if not code.startswith(prefix) or not found.postable:
        raise InvalidInput(
            f"Un tiers « {kind} » se tient sur un compte collectif {prefix}… qui reçoit des écritures, pas {code}.",
            field="compte",
        )
    return found


def _checked(session: Session, company: models.Company, partner: models.Partner, details: Details) -> None:
    """Apply ``details`` to ``partner``, every fault said at once, nothing applied on one."""
    faults: list[FieldError] = []

    def noted(check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except InvalidInput as exc:
            faults.extend(exc.errors)
            return None

    given = details.given
    if "name" in given:
        name = _clean(details.name, 200)
        if not name:
            faults.append(FieldError("nom", "Le nom du tiers est obligatoire."))
        partner.name = name or partner.name
    if "kind" in given and details.kind not in KINDS:
        faults.append(FieldError("type", f"Type attendu : {', '.join(KINDS)}."))
    kind = details.kind if details.kind in KINDS else partner.kind
    if "country" in given:
        country = (details.country or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            faults.append(FieldError("pays", "Pays attendu en deux lettres (CI, SN, FR…)."))
        else:
            partner.country = country
    if kind in KINDS and ("kind" in given or "account" in given):
        account = noted(_account, session, company.id, kind, details.account)
        if account is not None:
            partner.kind, partner.account_id = kind, account.id
    if "tax_number" in given:
        text = (details.tax_number or "").strip()
        partner.tax_number = (
            noted(identifiers.check_tax_number, partner.country or company.country, text) if text else None
        )
    if "rccm" in given:
        text = (details.rccm or "").strip()
        partner.rccm = noted(identifiers.check_rccm, text) if text else None
    if "address" in given:
        partner.address = _clean(details.address, 300)
    if "email" in given:
        email = _clean(details.email, 200)
        if email and not _EMAIL.fullmatch(email):
            faults.append(FieldError("email", "Adresse électronique attendue (nom@domaine.ci)."))
        partner.email = email
    if "phone" in given:
        phone = _clean(details.phone, 40)
        if phone and not re.fullmatch(r"\+?[0-9 ()./\-]{6,40}", phone):
            faults.append(FieldError("telephone", "Numéro de téléphone attendu (+225 07 00 00 00 00)."))
        partner.phone = phone
    if "bank_accounts" in given:
        accounts = details.bank_accounts or []
        if len(accounts) > 5:
            faults.append(FieldError("comptes_bancaires", "Cinq comptes bancaires au plus."))
        partner.bank_accounts = [
            found
            for n, text in enumerate(accounts[:5])
            if (found := noted(identifiers.check_bank_account, text, f"comptes_bancaires[{n}]"))
        ]
    if "payment_days" in given:
        days = details.payment_days
        if days is None or not 0 <= days <= 365:
            faults.append(FieldError("delai_paiement", "Délai de paiement en jours, de 0 à 365."))
        else:
            partner.payment_days = days
    if "archived" in given and details.archived is not None:
        partner.archived = details.archived
    if faults:
        raise InvalidInput("Le tiers n'est pas valide.", errors=faults)
    partner.search = fold(
        " ".join(filter(None, (partner.code, partner.name, partner.tax_number, partner.rccm)))
    )


def create_partner(session: Session, company_id: int, code: str, details: Details) -> models.Partner:
    """A new tiers: its code (letters, digits, . _ -; the one lines carry), name and kind at
    least; the account defaults to the kind's, the country to the company's."""
    company = session.get(models.Company, company_id)
    assert company is not None
    code = (code or "").strip()
    if not _CODE.fullmatch(code):
        raise InvalidInput(
            "Code de tiers attendu : lettres, chiffres, . _ -, 40 caractères au plus.", field="code"
        )
    kind = details.kind or "client"
    partner = models.Partner(
        company_id=company_id,
        code=code,
        name="",
        kind=kind if kind in KINDS else "client",
        country=company.country,
        bank_accounts=[],
        payment_days=0,
        archived=False,
    )
    wanted = details.given | {"name", "kind", "account"}
    if details.country and "country" in details.given:
        partner.country = details.country.strip().upper()
    _checked(
        session, company, partner, Details(**{**details.__dict__, "kind": kind, "given": frozenset(wanted)})
    )
    taken = session.scalar(
        select(func.count())
        .select_from(models.Partner)
        .where(models.Partner.company_id == company_id, models.Partner.code == code)
    )
    if taken:
        raise Conflict(f"Le tiers {code} existe déjà.", field="code")
    session.add(partner)
    session.flush()
    return partner


def update_partner(session: Session, company_id: int, code: str, details: Details) -> models.Partner:
    """Change what ``details.given`` names; the code stays (its lines carry it)."""
    partner = get_partner(session, company_id, code)
    company = session.get(models.Company, company_id)
    assert company is not None
    _checked(session, company, partner, details)
    session.flush()
    return partner


def get_partner(session: Session, company_id: int, code: str) -> models.Partner:
    found = session.scalars(
        select(models.Partner).where(models.Partner.company_id == company_id, models.Partner.code == code)
    ).one_or_none()
    if found is None:
        raise NotFound(f"Tiers introuvable : {code}.", field="code")
    return found


def list_partners(
    session: Session,
    company_id: int,
    kind: str | None = None,
    q: str | None = None,
    limit: int = 100,
    after: str | None = None,
    archived: bool = False,
    account: str | None = None,
) -> tuple[list[models.Partner], str | None]:
    """A page of tiers by code after ``after``: of a kind, matching ``q`` in their code, name
    or identifiers (accents and capitals ignored), that a line on ``account`` may name (kept
    on it or on an account above it); the next page's cursor."""
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"La limite va de 1 à {MAX_PAGE}.", field="limite")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"Type attendu : {', '.join(KINDS)}.", field="type")
    p = models.Partner
    query = select(p).where(p.company_id == company_id)
    if not archived:
        query = query.where(p.archived.is_(False))
    if kind is not None:
        query = query.where(p.kind == kind)
    if account:
        above = [account[:n] for n in range(1, min(len(account), 12) + 1)]
        query = query.join(models.Account, models.Account.id == p.account_id).where(
            models.Account.code.in_(above)
        )
    for word in fold(q or "").split()[:5]:
        query = query.where(p.search.contains(word, autoescape=True))
    if after is not None:
        query = query.where(p.code > after)
    found = list(session.scalars(query.order_by(p.code).limit(limit + 1)))
    if len(found) > limit:
        return found[:limit], found[limit - 1].code
    return found, None


def balances(
    session: Session, company_id: int, partners: list[models.Partner], today: dt.date, overdue: bool = True
) -> dict[str, Balances]:
    """Each tiers' balance, due and overdue amounts on its own account in the open years: the
    balance and what is unlettered from the sub-ledger's balances, the overdue part from the
    unlettered lines older than the tiers' payment term."""
    if not partners:
        return {}
    pb, fy = models.PartnerBalance, models.FiscalYear
    codes = [p.code for p in partners]
    by_key = {(p.code, p.account_id): p for p in partners}
    sums: dict[str, list[int]] = {p.code: [0, 0, 0] for p in partners}
    for code, account_id, net, open_amount in session.execute(
        select(pb.partner, pb.account_id, func.sum(pb.debit - pb.credit), func.sum(pb.open_amount))
        .join(fy, fy.id == pb.fiscal_year_id)
        .where(  # the accounts named too: the table's key (account, tiers, month) finds the rows
            pb.account_id.in_({p.account_id for p in partners}),
            pb.partner.in_(codes),
            pb.company_id == company_id,
            fy.status == "ouvert",
        )
        .group_by(pb.partner, pb.account_id)
    ):
        if (code, account_id) in by_key:
            sums[code][0] += int(net or 0)
            sums[code][1] += int(open_amount or 0)
    line, ent, link = models.Line, models.Entry, models.ReconciliationLine
    for partner in partners if overdue else ():  # a line's query each: for one tiers's page
        if not sums[partner.code][1]:
            continue
        late = session.scalar(
            select(func.sum(line.debit - line.credit))
            .join(ent, ent.id == line.entry_id)
            .join(fy, fy.id == ent.fiscal_year_id)
            .outerjoin(link, link.line_id == line.id)
            .where(
                line.account_id == partner.account_id,
                line.partner == partner.code,
                line.entry_date < today - dt.timedelta(days=partner.payment_days),
                ent.status == models.POSTED,
                fy.status == "ouvert",
                link.line_id.is_(None),
            )
        )
        sums[partner.code][2] = int(late or 0)
    return {code: Balances(*values) for code, values in sums.items()}


def account_codes(session: Session, account_ids: list[int]) -> dict[int, str]:
    """The numbers of some accounts, by id."""
    if not account_ids:
        return {}
    acc = models.Account
    return dict(session.execute(select(acc.id, acc.code).where(acc.id.in_(set(account_ids)))).tuples().all())


def names_of(session: Session, company_id: int, codes: set[str]) -> dict[str, str]:
    """The names of some tiers, by code (those registered)."""
    if not codes:
        return {}
    p = models.Partner
    query = select(p.code, p.name).where(p.company_id == company_id, p.code.in_(sorted(codes)))
    return dict(session.execute(query).tuples().all())


def names(session: Session, company_id: int) -> dict[str, str]:
    """Every tiers' name by its code (a report's rows name their tiers)."""
    p = models.Partner
    return dict(session.execute(select(p.code, p.name).where(p.company_id == company_id)).tuples().all())
