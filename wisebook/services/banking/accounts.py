"""A company's bank and mobile-money accounts: each kept on its ledger account (a bank under
52, a mobile-money wallet under 55) with the journal its movements are entered in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.banking import KINDS
from wisebook.ledger.errors import Conflict, FieldError, InvalidInput, NotFound
from wisebook.services.banking.formats import check_profile
from wisebook.services.tiers import identifiers

#: Where each kind of account sits in the chart (SYSCOHADA: 52 banks, 55 electronic money).
LEDGER_PREFIXES = {"banque": ("52",), "mobile_money": ("55",)}
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?")


@dataclass(frozen=True)
class BankDetails:
    """A bank account as typed (the API's fields in English); ``profile`` its CSV columns."""

    name: str | None = None
    bank: str | None = None
    iban: str | None = None
    bic: str | None = None
    currency: str | None = None
    kind: str | None = None
    account: str | None = None
    journal: str | None = None
    profile: dict[str, Any] | None = None
    given: frozenset[str] = field(default_factory=frozenset)


def _clean(text: str | None, limit: int) -> str | None:
    return " ".join((text or "").split())[:limit] or None


def create_bank_account(session: Session, company_id: int, details: BankDetails) -> models.BankAccount:
    """A new bank account; every fault of the form said at once, nothing written on one."""
    company = session.get(models.Company, company_id)
    assert company is not None
    found = models.BankAccount(company_id=company_id, currency=company.currency, kind="banque")
    _apply(session, company, found, details, new=True)
    taken = session.scalar(
        select(models.BankAccount.name).where(
            models.BankAccount.company_id == company_id,
            (models.BankAccount.name == found.name) | (models.BankAccount.account_id == found.account_id),
        )
    )
    if taken is not None:
        raise Conflict(
            f"Le compte bancaire « {taken} » porte déjà ce nom ou ce compte du plan : un compte du plan par compte bancaire.",
            field="nom" if taken == found.name else "compte",
        )
    session.add(found)
    session.flush()
    return found


def update_bank_account(
    session: Session, company_id: int, bank_account_id: int, details: BankDetails
) -> models.BankAccount:
    """Change what ``details.given`` names (its profile, its journal, its names)."""
    found = get_bank_account(session, company_id, bank_account_id)
    company = session.get(models.Company, company_id)
    assert company is not None
    _apply(session, company, found, details, new=False)
    session.flush()
    return found


def _apply(
    session: Session, company: models.Company, found: models.BankAccount, details: BankDetails, *, new: bool
) -> None:
    faults: list[FieldError] = []
    given = details.given | ({"name", "account", "journal"} if new else set())

    def noted(check: Any, *args: Any) -> Any:
        try:
            return check(*args)
        except InvalidInput as exc:
            faults.extend(exc.errors)
            return None

    if "name" in given:
        name = _clean(details.name, 100)
        if not name:
            faults.append(
                FieldError("nom", "Le nom du compte bancaire est obligatoire (BICICI courant, Wave…).")
            )
        found.name = name or found.name
    if "bank" in given:
        found.bank = _clean(details.bank, 100)
    if "kind" in given:
        if details.kind not in KINDS:
            faults.append(FieldError("type", f"Type attendu : {', '.join(KINDS)}."))
        else:
            found.kind = details.kind
    if "currency" in given and details.currency:
        currency = details.currency.strip().upper()
        if currency != company.currency:
            faults.append(
                FieldError(
                    "devise",
                    f"Les comptes bancaires se tiennent en {company.currency}, la devise de la société "
                    "(les comptes en devises viennent avec la gestion des devises).",
                )
            )
        found.currency = company.currency
    if "iban" in given:
        text = (details.iban or "").strip()
        found.iban = noted(identifiers.check_bank_account, text, "iban") if text else None
    if "bic" in given:
        bic = "".join((details.bic or "").split()).upper()
        if bic and not _BIC.fullmatch(bic):
            faults.append(FieldError("bic", "BIC attendu : 8 ou 11 caractères (SGCICIAB, ECOCCIABXXX)."))
        found.bic = bic or None
    if "account" in given or ("kind" in given and not new):
        code = (details.account or "").strip()
        account = None
        if not code and new:
            faults.append(FieldError("compte", "Le compte du plan est obligatoire (5211, 552…)."))
        elif code:
            account = session.scalars(
                select(models.Account).where(
                    models.Account.company_id == company.id, models.Account.code == code
                )
            ).one_or_none()
        elif found.account_id:
            account = session.get(models.Account, found.account_id)
        if account is not None:
            prefixes = LEDGER_PREFIXES[found.kind if found.kind in KINDS else "banque"]
            if not account.postable or not account.code.startswith(prefixes):
                faults.append(
                    FieldError(
                        "compte",
                        f"Un compte « {found.kind} » se tient sur un compte du plan {prefixes[0]}… qui reçoit "
                        f"des écritures, pas {account.code}.",
                    )
                )
            else:
                found.account_id = account.id
        elif code:
            faults.append(FieldError("compte", f"Compte {code} introuvable dans le plan comptable."))
    if "journal" in given:
        code = (details.journal or "BQ").strip().upper()
        journal = session.scalars(
            select(models.Journal).where(models.Journal.company_id == company.id, models.Journal.code == code)
        ).one_or_none()
        if journal is None or journal.kind != "tresorerie":
            faults.append(FieldError("journal", f"Journal de trésorerie attendu (BQ, CAI…), pas {code}."))
        else:
            found.journal_id = journal.id
    if "profile" in given:
        found.profile = noted(check_profile, details.profile) if details.profile else None
    if faults:
        raise InvalidInput("Le compte bancaire n'est pas valide.", errors=faults)


def get_bank_account(session: Session, company_id: int, bank_account_id: int) -> models.BankAccount:
    """One of the company's bank accounts, or NotFound."""
    found = session.get(models.BankAccount, bank_account_id)
    if found is None or found.company_id != company_id:
        raise NotFound(f"Compte bancaire introuvable : {bank_account_id}.")
    return found


def list_bank_accounts(session: Session, company_id: int) -> list[models.BankAccount]:
    """The company's bank accounts by name."""
    query = select(models.BankAccount).where(models.BankAccount.company_id == company_id)
    return list(session.scalars(query.order_by(models.BankAccount.name)))
