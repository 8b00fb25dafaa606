"""Rules for the statement lines the books do not hold yet (fees, agios, mobile-money
commissions): each such line becomes a posted entry on the bank's journal — the bank's ledger
account against the rule's account and tiers — matched to it at once. Applied to a bank
account's open lines in one transaction: all of them, or nothing and the reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger import entries as entry_rules
from wisebook.ledger.banking import RULE_DIRECTIONS, Proposal, Rule, fold, rule_for
from wisebook.ledger.errors import Conflict, FieldError, InvalidInput, LedgerError
from wisebook.ledger.money import from_minor, parse_amount, to_minor
from wisebook.services.banking import matching
from wisebook.services.banking.accounts import get_bank_account
from wisebook.services.books.companies import CompanyContext
from wisebook.services.entries import posting


@dataclass(frozen=True)
class RuleDetails:
    """A rule as typed (the API's fields in English)."""

    name: str | None = None
    contains: str | None = None
    direction: str | None = None
    amount_min: Any = None
    amount_max: Any = None
    account: str | None = None
    partner: str | None = None
    journal: str | None = None
    label: str | None = None
    bank_account_id: int | None = None
    given: frozenset[str] = field(default_factory=frozenset)


def create_rule(session: Session, company_id: int, details: RuleDetails) -> models.BankRule:
    """A new rule, every fault said at once, nothing written on one."""
    company = session.get(models.Company, company_id)
    assert company is not None
    faults: list[FieldError] = []
    name = " ".join((details.name or "").split())[:100]
    if not name:
        faults.append(FieldError("nom", "Le nom de la règle est obligatoire (Frais de tenue de compte…)."))
    contains = " ".join(fold(details.contains or "").split())[:100]
    if len(contains) < 2:
        faults.append(FieldError("contient", "Les mots que le libellé contient (deux lettres au moins)."))
    direction = details.direction or "tous"
    if direction not in RULE_DIRECTIONS:
        faults.append(FieldError("sens", f"Sens attendu : {', '.join(RULE_DIRECTIONS)}."))
    bounds: list[int | None] = []
    for key, value in (("montant_min", details.amount_min), ("montant_max", details.amount_max)):
        try:
            bounds.append(
                None
                if value in (None, "")
                else to_minor(parse_amount(value, company.currency, key), company.currency)
            )
        except InvalidInput as exc:
            faults.extend(exc.errors)
            bounds.append(None)
    low, high = bounds
    if low is not None and high is not None and low > high:
        faults.append(FieldError("montant_max", "Le montant maximal est au moins le minimal."))
    account = session.scalars(
        select(models.Account).where(
            models.Account.company_id == company_id, models.Account.code == (details.account or "")
        )
    ).one_or_none()
    if account is None or not account.postable:
        faults.append(
            FieldError(
                "compte", f"Compte du plan qui reçoit des écritures attendu, pas « {details.account or ''} »."
            )
        )
    partner = (details.partner or "").strip() or None
    if partner is not None and account is not None:
        collective = session.scalar(
            select(models.Account.code)
            .join(models.Partner, models.Partner.account_id == models.Account.id)
            .where(models.Partner.company_id == company_id, models.Partner.code == partner)
        )
        fault = entry_rules.partner_fault(partner, account.code, collective, required=False)
        if fault is not None:
            faults.append(FieldError("tiers", entry_rules.sentence(fault)))
    journal_id = None
    if details.journal:
        journal = session.scalars(
            select(models.Journal).where(
                models.Journal.company_id == company_id, models.Journal.code == details.journal.upper()
            )
        ).one_or_none()
        if journal is None or journal.kind != "tresorerie":
            faults.append(
                FieldError("journal", f"Journal de trésorerie attendu (BQ, CAI…), pas {details.journal}.")
            )
        else:
            journal_id = journal.id
    if details.bank_account_id is not None:
        try:
            get_bank_account(session, company_id, details.bank_account_id)
        except LedgerError as exc:
            faults.append(FieldError("banque", exc.message))
    if faults:
        raise InvalidInput("La règle n'est pas valide.", errors=faults)
    assert account is not None
    taken = session.scalar(
        select(models.BankRule.id).where(
            models.BankRule.company_id == company_id, models.BankRule.name == name
        )
    )
    if taken is not None:
        raise Conflict(f"Une règle s'appelle déjà « {name} ».", field="nom")
    rule = models.BankRule(
        company_id=company_id,
        bank_account_id=details.bank_account_id,
        name=name,
        contains=contains,
        direction=direction,
        amount_min=low,
        amount_max=high,
        account_id=account.id,
        partner=partner,
        journal_id=journal_id,
        label=" ".join((details.label or "").split())[:255] or None,
    )
    session.add(rule)
    session.flush()
    return rule


def list_rules(session: Session, company_id: int) -> list[models.BankRule]:
    """The company's rules, in the order they are tried."""
    query = select(models.BankRule).where(models.BankRule.company_id == company_id)
    return list(session.scalars(query.order_by(models.BankRule.id)))


def apply_rules(
    session: Session,
    company: CompanyContext,
    bank_account_id: int,
    user_id: int,
    line_ids: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Each open statement line (or those of ``line_ids``) that a rule meets becomes a posted
    entry matched to it; what was made, line by line. A line whose entry cannot be posted
    (its period locked…) refuses the whole: nothing is written, and it is named."""
    bank = get_bank_account(session, company.id, bank_account_id)
    stored = [r for r in list_rules(session, company.id) if r.bank_account_id in (None, bank.id)]
    if not stored:
        return []
    rules = [Rule(r.id, r.contains, r.direction, r.amount_min, r.amount_max) for r in stored]
    by_id = {r.id: r for r in stored}
    codes = dict(
        session.execute(
            select(models.Account.id, models.Account.code).where(
                models.Account.id.in_({r.account_id for r in stored} | {bank.account_id})
            )
        )
        .tuples()
        .all()
    )
    journals = dict(
        session.execute(
            select(models.Journal.id, models.Journal.code).where(
                models.Journal.id.in_({r.journal_id for r in stored if r.journal_id} | {bank.journal_id})
            )
        )
        .tuples()
        .all()
    )
    made: list[dict[str, Any]] = []
    for row in matching.open_bank_lines(session, bank.id, line_ids):
        line = matching.bank_side(row)
        rule = rule_for(line, rules)
        if rule is None:
            continue
        stored_rule = by_id[rule.id]
        amount = from_minor(abs(row.amount), bank.currency)
        money_in = row.amount > 0
        zero = Decimal(0)
        draft = entry_rules.EntryDraft(
            journal=journals[stored_rule.journal_id or bank.journal_id],
            date=row.line_date,
            label=(stored_rule.label or row.label or stored_rule.name)[:255],
            reference=(row.reference or None),
            lines=(
                entry_rules.LineDraft(
                    codes[bank.account_id],
                    row.label[:255],
                    amount if money_in else zero,
                    zero if money_in else amount,
                ),
                entry_rules.LineDraft(
                    codes[stored_rule.account_id],
                    row.label[:255],
                    zero if money_in else amount,
                    amount if money_in else zero,
                    stored_rule.partner,
                ),
            ),
        )
        try:
            entry = posting.create_entry(session, company, draft, user_id, post=True)
        except LedgerError as exc:
            reasons = "; ".join(e.message for e in exc.errors) or exc.message
            raise InvalidInput(
                f"La ligne du relevé du {row.line_date:%d/%m/%Y} « {row.label} » ne peut pas être passée par la "
                f"règle « {stored_rule.name} » : {reasons} Rien n'a été écrit.",
                field="lignes",
            ) from exc
        ledger_id = session.scalars(
            select(models.Line.id).where(
                models.Line.entry_id == entry.id, models.Line.account_id == bank.account_id
            )
        ).one()
        matching.insert_matches(
            session,
            company.id,
            bank.id,
            [Proposal((row.id,), (ledger_id,), 100, ("règle",))],
            "regle",
            user_id,
        )
        made.append(
            {"ligne": row.id, "ecriture": entry.id, "numero": entry.number, "regle": stored_rule.name}
        )
    return made
