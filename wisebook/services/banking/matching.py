"""Rapprochement: statement lines matched to posted lines of the bank's ledger account —
proposals scored by ``ledger.banking.propose``, a match made by hand (its sums must agree),
undone, or every proposal above a threshold accepted at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.banking import (
    AUTOMATIC,
    DATE_WINDOW,
    OpenBankLine,
    OpenLedgerLine,
    Proposal,
    fold,
    match_fault,
    propose,
)
from wisebook.ledger.errors import Conflict, FieldError, InvalidInput, NotFound
from wisebook.services.banking.accounts import get_bank_account

_BL, _L, _E = models.BankLine, models.Line, models.Entry
_BMS, _BML = models.BankMatchStatementLine, models.BankMatchLedgerLine


def open_bank_lines(
    session: Session, bank_account_id: int, ids: Sequence[int] | None = None, after: dt.date | None = None
) -> list[Any]:
    """The account's statement lines not yet matched (``ids``: among these; ``after``: dated
    later), by date."""
    query = (
        select(
            _BL.id,
            _BL.line_date,
            _BL.amount,
            _BL.label,
            _BL.reference,
            _BL.counterparty,
            _BL.counterparty_iban,
        )
        .outerjoin(_BMS, _BMS.bank_line_id == _BL.id)
        .where(_BL.bank_account_id == bank_account_id, _BMS.bank_line_id.is_(None))
    )
    if ids is not None:
        query = query.where(_BL.id.in_(list(ids)))
    if after is not None:
        query = query.where(_BL.line_date > after)
    return list(session.connection().execute(query.order_by(_BL.line_date, _BL.id)))


def open_ledger_lines(
    session: Session,
    bank: models.BankAccount,
    start: dt.date | None = None,
    end: dt.date | None = None,
    ids: Sequence[int] | None = None,
) -> list[Any]:
    """The posted lines of the bank's ledger account not yet matched, by date: their entry's
    number, pièce and label, their tiers' name and bank accounts."""
    p = models.Partner
    query = (
        select(
            _L.id,
            _L.entry_id,
            _L.entry_date,
            _L.debit,
            _L.credit,
            _L.label,
            _E.number,
            _E.reference,
            _E.label.label("entry_label"),
            _L.partner,
            p.name.label("partner_name"),
            p.bank_accounts,
        )
        .join(_E, _E.id == _L.entry_id)
        .outerjoin(_BML, _BML.line_id == _L.id)
        .outerjoin(p, (p.company_id == bank.company_id) & (p.code == _L.partner))
        .where(_L.account_id == bank.account_id, _E.status == models.POSTED, _BML.line_id.is_(None))
    )
    if start is not None:
        query = query.where(_L.entry_date >= start)
    if end is not None:
        query = query.where(_L.entry_date <= end)
    if ids is not None:
        query = query.where(_L.id.in_(list(ids)))
    return list(session.connection().execute(query.order_by(_L.entry_date, _L.id)))


def bank_side(row: Any) -> OpenBankLine:
    text = fold(" ".join(filter(None, (row.label, row.reference, row.counterparty))))
    iban = "".join((row.counterparty_iban or "").split()).upper() or None
    return OpenBankLine(row.id, row.line_date, row.amount, text, iban)


def _ledger_side(row: Any) -> OpenLedgerLine:
    keys = tuple(fold(k).replace(" ", "") for k in (row.reference, row.number) if k)
    names = tuple(w for w in fold(row.partner_name or "").split() if len(w) > 2)
    ibans = tuple("".join(str(i).split()).upper() for i in (row.bank_accounts or []))
    return OpenLedgerLine(row.id, row.entry_id, row.entry_date, row.debit - row.credit, keys, names, ibans)


@dataclass(frozen=True)
class Proposed:
    """A proposal with the lines it names, as the rapprochement shows them."""

    proposal: Proposal
    bank_lines: list[Any]
    ledger_lines: list[Any]


def proposals(
    session: Session,
    company_id: int,
    bank_account_id: int,
    *,
    days: int | None = None,
    after: dt.date | None = None,
) -> tuple[list[Proposed], dt.date | None]:
    """The best match of each open statement line (and of the days whose statement lines make
    one ledger line), surest first; with ``days``, those of the open lines of that many days
    after ``after`` (a page of the rapprochement: whole days, so a day's lines stay together)
    and the cursor of the next page. The ledger lines are read within the page's window."""
    bank = get_bank_account(session, company_id, bank_account_id)
    statement = open_bank_lines(session, bank.id, after=after)
    following = None
    if days is not None:
        dates = sorted({r.line_date for r in statement})
        if len(dates) > days:
            following = dates[days - 1]
            statement = [r for r in statement if r.line_date <= following]
    if not statement:
        return [], None
    window = dt.timedelta(days=DATE_WINDOW)
    ledger = open_ledger_lines(
        session,
        bank,
        min(r.line_date for r in statement) - window,
        max(r.line_date for r in statement) + window,
    )
    found = propose([bank_side(r) for r in statement], [_ledger_side(r) for r in ledger])
    by_bank = {r.id: r for r in statement}
    by_ledger = {r.id: r for r in ledger}
    found.sort(key=lambda p: (-p.score, by_bank[p.bank_ids[0]].line_date, p.bank_ids[0]))
    return [
        Proposed(p, [by_bank[i] for i in p.bank_ids], [by_ledger[i] for i in p.ledger_ids]) for p in found
    ], following


def insert_matches(
    session: Session,
    company_id: int,
    bank_account_id: int,
    pairs: list[Proposal],
    kind: str,
    user_id: int | None,
) -> list[int]:
    """Write matches (one per proposal) and their links; their ids."""
    if not pairs:
        return []
    now = dt.datetime.now(dt.UTC)
    ids = list(
        session.execute(
            insert(models.BankMatch).returning(models.BankMatch.id, sort_by_parameter_order=True),
            [
                {
                    "company_id": company_id,
                    "bank_account_id": bank_account_id,
                    "kind": kind,
                    "created_by_id": user_id,
                    "created_at": now,
                }
                for _ in pairs
            ],
        ).scalars()
    )
    try:
        session.execute(
            insert(_BMS),
            [{"bank_line_id": b, "match_id": m} for m, p in zip(ids, pairs, strict=True) for b in p.bank_ids],
        )
        session.execute(
            insert(_BML),
            [{"line_id": x, "match_id": m} for m, p in zip(ids, pairs, strict=True) for x in p.ledger_ids],
        )
    except IntegrityError as exc:  # matched meanwhile by another request
        raise Conflict(
            "Une de ces lignes vient d'être rapprochée par ailleurs : rechargez.", field="lignes"
        ) from exc
    return ids


def match(
    session: Session,
    company_id: int,
    bank_account_id: int,
    bank_line_ids: Sequence[int],
    ledger_line_ids: Sequence[int],
    user_id: int | None,
    kind: str = "manuel",
) -> int:
    """Match statement lines with ledger lines of the bank's account whose sums agree; the
    match's id. Every fault is said at once; nothing is written on one."""
    bank = get_bank_account(session, company_id, bank_account_id)
    faults: list[FieldError] = []
    wanted_bank, wanted_ledger = sorted(set(bank_line_ids)), sorted(set(ledger_line_ids))
    if not wanted_bank:
        faults.append(FieldError("lignes_releve", "Choisissez au moins une ligne du relevé."))
    if not wanted_ledger:
        faults.append(FieldError("lignes_comptables", "Choisissez au moins une ligne comptable."))
    statement = open_bank_lines(session, bank.id, wanted_bank) if wanted_bank else []
    ledger = open_ledger_lines(session, bank, ids=wanted_ledger) if wanted_ledger else []
    missing_bank = sorted(set(wanted_bank) - {r.id for r in statement})
    missing_ledger = sorted(set(wanted_ledger) - {r.id for r in ledger})
    if missing_bank:
        faults.append(
            FieldError(
                "lignes_releve",
                f"Lignes du relevé inconnues de ce compte ou déjà rapprochées : {missing_bank}.",
            )
        )
    if missing_ledger:
        faults.append(
            FieldError(
                "lignes_comptables",
                f"Lignes comptables hors du compte de la banque, non validées ou déjà rapprochées : {missing_ledger}.",
            )
        )
    if not faults:
        fault = match_fault(
            sum(r.amount for r in statement), sum(r.debit - r.credit for r in ledger), bank.currency
        )
        if fault is not None:
            faults.append(FieldError("lignes_comptables", fault[:1].upper() + fault[1:] + "."))
    if faults:
        raise InvalidInput("Le rapprochement n'est pas possible.", errors=faults)
    proposal = Proposal(tuple(wanted_bank), tuple(wanted_ledger), 100, ())
    return insert_matches(session, company_id, bank.id, [proposal], kind, user_id)[0]


def unmatch(session: Session, company_id: int, bank_account_id: int, match_id: int) -> None:
    """Undo a match: its lines are open again."""
    bank = get_bank_account(session, company_id, bank_account_id)
    found = session.get(models.BankMatch, match_id)
    if found is None or found.bank_account_id != bank.id:
        raise NotFound(f"Rapprochement introuvable : {match_id}.")
    session.execute(delete(_BMS).where(_BMS.match_id == match_id))
    session.execute(delete(_BML).where(_BML.match_id == match_id))
    session.delete(found)
    session.flush()


def automatic(
    session: Session,
    company_id: int,
    bank_account_id: int,
    threshold: int = AUTOMATIC,
    user_id: int | None = None,
) -> dict[str, int]:
    """Accept every proposal scored ``threshold`` or more, surest first, each line in one
    match at most; the counts."""
    if not 1 <= threshold <= 100:
        raise InvalidInput("Le seuil va de 1 à 100.", field="seuil")
    found, _following = proposals(session, company_id, bank_account_id)
    used_bank: set[int] = set()
    used_ledger: set[int] = set()
    taken: list[Proposal] = []
    for item in found:
        p = item.proposal
        if (
            p.score < threshold
            or used_bank.intersection(p.bank_ids)
            or used_ledger.intersection(p.ledger_ids)
        ):
            continue
        used_bank.update(p.bank_ids)
        used_ledger.update(p.ledger_ids)
        taken.append(p)
    insert_matches(session, company_id, bank_account_id, taken, "automatique", user_id)
    open_left = session.scalar(
        select(func.count())
        .select_from(_BL)
        .outerjoin(_BMS, _BMS.bank_line_id == _BL.id)
        .where(_BL.bank_account_id == bank_account_id, _BMS.bank_line_id.is_(None))
    )
    return {
        "rapprochements": len(taken),
        "lignes_releve": len(used_bank),
        "lignes_comptables": len(used_ledger),
        "propositions": len(found),
        "sous_le_seuil": sum(1 for item in found if item.proposal.score < threshold),
        "lignes_releve_ouvertes": int(open_left or 0),
    }


def matched_ids(session: Session, bank_line_ids: Sequence[int]) -> dict[int, int]:
    """The match of each of these statement lines that is matched."""
    if not bank_line_ids:
        return {}
    query = select(_BMS.bank_line_id, _BMS.match_id).where(_BMS.bank_line_id.in_(list(bank_line_ids)))
    return dict(session.execute(query).tuples().all())
