"""Integrity checks behind ``wisebook-ctl verify``: hash chain, numbering, balance table."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..db import models
from ..ledger.chain import GENESIS, ChainEntry, ChainLine, link


def verify_company(session: Session, company_id: int) -> list[str]:
    """Every problem found in a company's books (empty when all is sound)."""
    return [
        *verify_chain(session, company_id),
        *verify_numbering(session, company_id),
        *verify_balances(session, company_id),
    ]


def verify_all(session: Session) -> dict[str, list[str]]:
    """Problems per company name."""
    companies = session.execute(
        select(models.Company.id, models.Company.name).order_by(models.Company.id)
    ).all()
    return {name: verify_company(session, cid) for cid, name in companies}


def _posted_lines(session: Session, company_id: int) -> Iterator[tuple[models.Entry, list[ChainLine]]]:
    """Posted entries in chain order with their lines, streamed in one query."""
    ent, line, acc = models.Entry, models.Line, models.Account
    rows = session.execute(
        select(ent.id, acc.code, line.label, line.debit, line.credit, line.partner)
        .join(line, line.entry_id == ent.id)
        .join(acc, acc.id == line.account_id)
        .where(ent.company_id == company_id, ent.status == models.POSTED)
        .order_by(ent.chain_seq, line.line_no)
        .execution_options(yield_per=5000)
    )
    entries = {
        e.id: e
        for e in session.scalars(select(ent).where(ent.company_id == company_id, ent.status == models.POSTED))
    }
    current: int | None = None
    lines: list[ChainLine] = []
    for entry_id, code, label, debit, credit, partner in rows:
        if entry_id != current and current is not None:
            yield entries.pop(current), lines
            lines = []
        current = entry_id
        lines.append(ChainLine(code, label, debit, credit, partner))
    if current is not None:
        yield entries.pop(current), lines
    for orphan in sorted(entries.values(), key=lambda e: e.chain_seq or 0):
        yield orphan, []


def verify_chain(session: Session, company_id: int) -> list[str]:
    """Recompute every link of the chain; report the first entry whose hash no longer holds."""
    company = session.get_one(models.Company, company_id)
    journals: dict[int, str] = {
        r.id: r.code
        for r in session.execute(
            select(models.Journal.id, models.Journal.code).where(models.Journal.company_id == company_id)
        )
    }
    numbers: dict[int, str | None] = {
        r.id: r.number
        for r in session.execute(
            select(models.Entry.id, models.Entry.number).where(
                models.Entry.company_id == company_id, models.Entry.status == models.POSTED
            )
        )
    }
    problems: list[str] = []
    previous, expected_seq = GENESIS, 1
    for entry, lines in _posted_lines(session, company_id):
        if entry.chain_seq != expected_seq:
            problems.append(
                f"chaîne : rang {entry.chain_seq} trouvé, {expected_seq} attendu ({entry.number})"
            )
        sealed = ChainEntry(
            company_id=company_id,
            journal=journals[entry.journal_id],
            number=entry.number or "",
            date=entry.entry_date.isoformat(),
            label=entry.label,
            reference=entry.reference,
            currency=company.currency,
            lines=lines,
            reversal_of=numbers.get(entry.reversal_of_id) if entry.reversal_of_id else None,
        )
        recomputed = link(previous, sealed)
        if recomputed != entry.hash:
            problems.append(
                f"chaîne rompue à l'écriture {entry.number} : elle a été modifiée après validation"
            )
            return problems
        previous, expected_seq = recomputed, expected_seq + 1
    head = session.get(models.LedgerChain, company_id)
    if head is None or head.last_hash != previous or head.last_seq != expected_seq - 1:
        problems.append("chaîne : la tête de chaîne ne correspond pas à la dernière écriture validée")
    return problems


def verify_numbering(session: Session, company_id: int) -> list[str]:
    """Numbers run 1..n without gap or duplicate in each journal and fiscal year."""
    ent = models.Entry
    rows = session.execute(
        select(
            ent.journal_id,
            ent.fiscal_year_id,
            func.count(),
            func.count(func.distinct(ent.sequence)),
            func.max(ent.sequence),
        )
        .where(ent.company_id == company_id, ent.status == models.POSTED)
        .group_by(ent.journal_id, ent.fiscal_year_id)
    ).all()
    problems = []
    for journal_id, fy_id, count, distinct, highest in rows:
        if not count == distinct == highest:
            problems.append(
                f"numérotation : journal {journal_id}, exercice {fy_id} : {count} écritures, "
                f"{distinct} numéros distincts, dernier numéro {highest}"
            )
        counter = session.get(models.JournalCounter, (journal_id, fy_id))
        if counter is None or counter.last_number != highest:
            problems.append(f"numérotation : le compteur du journal {journal_id} ne suit pas les écritures")
    return problems


def verify_balances(session: Session, company_id: int) -> list[str]:
    """The balance table equals the sum of posted lines, per account, month and journal."""
    ent, line, bal = models.Entry, models.Line, models.AccountBalance
    from_lines: dict[tuple[int, int, int], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for account_id, period_id, journal_id, debit, credit in session.execute(
        select(line.account_id, ent.period_id, ent.journal_id, func.sum(line.debit), func.sum(line.credit))
        .join(ent, ent.id == line.entry_id)
        .where(ent.company_id == company_id, ent.status == models.POSTED)
        .group_by(line.account_id, ent.period_id, ent.journal_id)
    ):
        from_lines[(account_id, period_id, journal_id)] = (int(debit), int(credit))
    from_table: dict[tuple[int, int, int], tuple[int, int]] = {}
    for account_id, period_id, journal_id, debit, credit in session.execute(
        select(bal.account_id, bal.period_id, bal.journal_id, bal.debit, bal.credit).where(
            bal.company_id == company_id
        )
    ):
        if debit or credit:
            from_table[(account_id, period_id, journal_id)] = (int(debit), int(credit))
    problems = []
    codes: dict[int, str] = {
        r.id: r.code
        for r in session.execute(
            select(models.Account.id, models.Account.code).where(models.Account.company_id == company_id)
        )
    }
    for key in sorted(set(from_lines) | set(from_table)):
        if from_lines.get(key, (0, 0)) != from_table.get(key, (0, 0)):
            problems.append(
                f"soldes : compte {codes.get(key[0], key[0])}, période {key[1]}, journal {key[2]} : "
                f"table {from_table.get(key, (0, 0))}, lignes {from_lines.get(key, (0, 0))}"
            )
    return problems
