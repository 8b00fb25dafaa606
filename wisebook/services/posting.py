"""Entries: save a draft, post it (number, chain, balances), reverse it, delete a draft."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from ..db import models
from ..ledger import entries as rules
from ..ledger.accounts import Account
from ..ledger.chain import ChainEntry, ChainLine, link
from ..ledger.errors import Conflict, InvalidInput, NotFound
from ..ledger.money import from_minor, to_minor
from ..ledger.numbering import format_number
from ..ledger.periods import Period, parse_date
from .books import CompanyContext


def _journal(session: Session, company_id: int, code: str) -> models.Journal:
    journal = session.scalars(
        select(models.Journal).where(models.Journal.company_id == company_id, models.Journal.code == code)
    ).one_or_none()
    if journal is None:
        raise InvalidInput(f"Journal inconnu : {code}.", field="journal")
    return journal


def _accounts(session: Session, company_id: int, codes: Iterable[str]) -> dict[str, models.Account]:
    """The accounts named, by code."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = session.scalars(
        select(models.Account).where(models.Account.company_id == company_id, models.Account.code.in_(wanted))
    )
    return {a.code: a for a in rows}


def _check_lines(
    lines: Sequence[rules.LineDraft], accounts: Mapping[str, models.Account], posting: bool
) -> None:
    rules.check_lines(
        lines,
        {c: Account(a.code, a.label, a.postable, a.lettrable) for c, a in accounts.items()},
        posting=posting,
    )


def _period(
    session: Session, company_id: int, day: dt.date
) -> tuple[models.Period, models.FiscalYear] | None:
    row = session.execute(
        select(models.Period, models.FiscalYear)
        .join(models.FiscalYear, models.FiscalYear.id == models.Period.fiscal_year_id)
        .where(
            models.FiscalYear.company_id == company_id,
            models.Period.start_date <= day,
            models.Period.end_date >= day,
        )
    ).one_or_none()
    return None if row is None else (row[0], row[1])


def _check_date(session: Session, company_id: int, day: dt.date) -> tuple[models.Period, models.FiscalYear]:
    found = _period(session, company_id, day)
    if found is None:
        rules.check_date(day, None, False, None)
        raise AssertionError("unreachable")
    period, fy = found
    rules.check_date(
        day,
        Period(period.number, period.start_date, period.end_date, period.locked),
        fy.status == "ouvert",
        fy.code,
    )
    return period, fy


def parse_draft(data: Mapping[str, Any], currency: str) -> rules.EntryDraft:
    """An ``EntryDraft`` from the API's validated JSON (amounts parsed exactly)."""
    day = parse_date(data["date_comptable"], "date_comptable")
    reference = data.get("piece")
    return rules.EntryDraft(
        journal=str(data["journal"]).strip().upper(),
        date=day,
        label=str(data["libelle"]).strip(),
        reference=str(reference).strip() if reference else None,
        lines=rules.parse_lines(data["lignes"], currency),
    )


def create_entry(
    session: Session,
    company: CompanyContext,
    draft: rules.EntryDraft,
    user_id: int,
    *,
    post: bool,
    reversal_of_id: int | None = None,
) -> models.Entry:
    """Save ``draft`` (checked as a draft, or fully when ``post``), then post it if asked."""
    if not draft.label:
        raise InvalidInput("Le libellé de l'écriture est obligatoire.", field="libelle")
    journal = _journal(session, company.id, draft.journal)
    accounts = _accounts(session, company.id, (ln.account for ln in draft.lines))
    _check_lines(draft.lines, accounts, posting=post)
    period, fy = _check_date(session, company.id, draft.date)
    entry = models.Entry(
        company_id=company.id,
        journal=journal,
        fiscal_year=fy,
        period_id=period.id,
        entry_date=draft.date,
        label=draft.label,
        reference=draft.reference,
        status=models.DRAFT,
        total=to_minor(rules.totals(draft.lines)[0], company.currency),
        created_by_id=user_id,
        reversal_of_id=reversal_of_id,
        lines=[
            models.Line(
                line_no=index + 1,
                account=accounts[line.account],
                label=line.label[:255],
                debit=to_minor(line.debit, company.currency),
                credit=to_minor(line.credit, company.currency),
                partner=line.partner,
            )
            for index, line in enumerate(draft.lines)
        ],
    )
    session.add(entry)
    session.flush()
    if post:
        _post(session, company, entry, user_id)
    return entry


#: What presenting an entry needs, loaded with it.
ENTRY_GRAPH = (
    selectinload(models.Entry.lines).joinedload(models.Line.account),
    joinedload(models.Entry.journal),
    joinedload(models.Entry.fiscal_year),
)


def get_entry(session: Session, company_id: int, entry_id: int) -> models.Entry:
    """One entry of the company, with its lines and their accounts."""
    entry = session.scalars(
        select(models.Entry)
        .options(*ENTRY_GRAPH)
        .where(models.Entry.id == entry_id, models.Entry.company_id == company_id)
    ).one_or_none()
    if entry is None:
        raise NotFound(f"Écriture introuvable : {entry_id}.", field="id")
    return entry


def _lock_entry(session: Session, company_id: int, entry_id: int) -> models.Entry:
    """The entry, row-locked so two requests cannot post or delete it at once."""
    entry = session.scalars(
        select(models.Entry)
        .options(*ENTRY_GRAPH)
        .where(models.Entry.id == entry_id, models.Entry.company_id == company_id)
        .with_for_update(of=models.Entry)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if entry is None:
        raise NotFound(f"Écriture introuvable : {entry_id}.", field="id")
    return entry


def _stored_lines(entry: models.Entry, currency: str) -> list[rules.LineDraft]:
    """The saved lines of an entry, as the ledger checks them."""
    return [
        rules.LineDraft(
            ln.account.code,
            ln.label,
            from_minor(ln.debit, currency),
            from_minor(ln.credit, currency),
            ln.partner,
        )
        for ln in entry.lines
    ]


def post_draft(session: Session, company: CompanyContext, entry_id: int, user_id: int) -> models.Entry:
    """Post a draft: full checks, then a number, a link in the chain and the balances."""
    entry = _lock_entry(session, company.id, entry_id)
    if entry.status == models.POSTED:
        raise Conflict(f"L'écriture {entry.number} est déjà validée.", field="statut")
    drafts = _stored_lines(entry, company.currency)
    _check_lines(drafts, {ln.account.code: ln.account for ln in entry.lines}, posting=True)
    period, fy = _check_date(session, company.id, entry.entry_date)
    entry.period_id, entry.fiscal_year = period.id, fy
    _post(session, company, entry, user_id)
    return entry


def sealed_form(
    entry: models.Entry, journal_code: str, currency: str, lines: list[ChainLine], reversal_of: str | None
) -> ChainEntry:
    """What the hash chain seals of a numbered entry: one definition for posting and verify."""
    return ChainEntry(
        company_id=entry.company_id,
        journal=journal_code,
        number=entry.number or "",
        date=entry.entry_date.isoformat(),
        label=entry.label,
        reference=entry.reference,
        currency=currency,
        lines=lines,
        reversal_of=reversal_of,
    )


def _post(session: Session, company: CompanyContext, entry: models.Entry, user_id: int) -> None:
    """Number, chain and post a checked entry whose lines are written; update the balances.

    The one lock is the journal counter row, taken by an UPDATE … RETURNING as late as
    possible and held until commit: numbers stay gapless and each journal's hash chain
    linear, while postings into other journals commit in parallel.
    """
    journal, fy = entry.journal, entry.fiscal_year
    counter = models.JournalCounter
    where = (counter.journal_id == journal.id, counter.fiscal_year_id == fy.id)
    bump = update(counter).where(*where).values(last_number=counter.last_number + 1)
    head = session.execute(bump.returning(counter.last_number, counter.last_hash)).one_or_none()
    if head is None:  # a journal or year made outside the services
        _insert_ignore(session, counter, journal_id=journal.id, fiscal_year_id=fy.id, last_number=0)
        head = session.execute(bump.returning(counter.last_number, counter.last_hash)).one()
    sequence, previous_hash = head
    number = format_number(journal.code, fy.code, sequence)
    reversal_of = None
    if entry.reversal_of_id is not None:
        reversal_of = session.scalar(
            select(models.Entry.number).where(models.Entry.id == entry.reversal_of_id)
        )
    entry.number = number
    lines = [ChainLine(ln.account.code, ln.label, ln.debit, ln.credit, ln.partner) for ln in entry.lines]
    chain_hash = link(previous_hash, sealed_form(entry, journal.code, company.currency, lines, reversal_of))
    session.execute(update(counter).where(*where).values(last_hash=chain_hash))
    entry.status = models.POSTED
    entry.sequence = sequence
    entry.hash = chain_hash
    entry.total = sum(ln.debit for ln in entry.lines)
    entry.posted_at = dt.datetime.now(dt.UTC)
    entry.posted_by_id = user_id
    movements: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for ln in entry.lines:
        movements[ln.account_id][0] += ln.debit
        movements[ln.account_id][1] += ln.credit
    session.flush()
    add_to_balances(session, company.id, fy.id, entry.period_id, journal.id, movements)


def _dialect_insert(session: Session) -> Any:
    """The INSERT … ON CONFLICT construct of the session's database."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _insert_ignore(session: Session, model: Any, **values: Any) -> None:
    session.execute(_dialect_insert(session)(model).values(**values).on_conflict_do_nothing())


def add_to_balances(
    session: Session,
    company_id: int,
    fiscal_year_id: int,
    period_id: int,
    journal_id: int,
    movements: Mapping[int, Sequence[int]],
) -> None:
    """Add posted movements (account id → [debit, credit]) to the balance table, one upsert."""
    values = [
        {
            "account_id": account_id,
            "period_id": period_id,
            "journal_id": journal_id,
            "company_id": company_id,
            "fiscal_year_id": fiscal_year_id,
            "debit": amounts[0],
            "credit": amounts[1],
        }
        for account_id, amounts in sorted(movements.items())
    ]
    stmt = _dialect_insert(session)(models.AccountBalance).values(values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["account_id", "period_id", "journal_id"],
        set_={
            "debit": models.AccountBalance.debit + stmt.excluded.debit,
            "credit": models.AccountBalance.credit + stmt.excluded.credit,
        },
    )
    session.execute(stmt)


def delete_draft(session: Session, company_id: int, entry_id: int) -> None:
    """Delete a draft; a posted entry is never deleted (409: reverse it instead)."""
    entry = _lock_entry(session, company_id, entry_id)
    if entry.status == models.POSTED:
        raise Conflict(
            f"L'écriture {entry.number} est validée : elle ne se supprime pas, elle s'extourne.",
            field="statut",
        )
    session.delete(entry)
    session.flush()


def reverse_entry(
    session: Session,
    company: CompanyContext,
    entry_id: int,
    user_id: int,
    day: dt.date | None = None,
    label: str | None = None,
) -> models.Entry:
    """Post the reversal of a posted entry: same journal, debit and credit swapped."""
    original = _lock_entry(session, company.id, entry_id)
    if original.status != models.POSTED:
        raise Conflict("Seule une écriture validée s'extourne ; un brouillon se supprime.", field="statut")
    already = session.scalar(select(models.Entry.number).where(models.Entry.reversal_of_id == original.id))
    if already is not None:
        raise Conflict(f"L'écriture {original.number} est déjà extournée par {already}.", field="id")
    drafts = rules.reversed_lines(_stored_lines(original, company.currency))
    draft = rules.EntryDraft(
        journal=original.journal.code,
        date=day or original.entry_date,
        label=(label or f"Extourne de {original.number} : {original.label}")[:255],
        reference=original.reference,
        lines=drafts,
    )
    return create_entry(session, company, draft, user_id, post=True, reversal_of_id=original.id)
