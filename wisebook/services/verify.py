"""Integrity checks behind ``wisebook-ctl verify``: hash chain, numbering, the balance table
and the sub-ledger's balances."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.chain import GENESIS, ChainLine
from wisebook.services.entries import balances, sealing


def verify_company(session: Session, company_id: int) -> list[str]:
    """Every problem found in a company's books (empty when all is sound)."""
    return [
        *verify_chain(session, company_id),
        *verify_numbering(session, company_id),
        *verify_balances(session, company_id),
        *verify_partner_balances(session, company_id),
    ]


def verify_all(session: Session) -> dict[str, list[str]]:
    """Problems per company name."""
    companies = session.execute(
        select(models.Company.id, models.Company.name).order_by(models.Company.id)
    ).all()
    return {name: verify_company(session, cid) for cid, name in companies}


def _chain_order(session: Session, company_id: int) -> list[models.Entry]:
    """Posted entries in chain order: journal, fiscal year, number."""
    ent = models.Entry
    return list(
        session.scalars(
            select(ent)
            .where(ent.company_id == company_id, ent.status == models.POSTED)
            .order_by(ent.journal_id, ent.fiscal_year_id, ent.sequence)
        )
    )


def _with_lines(
    session: Session, company_id: int, entries: list[models.Entry]
) -> Iterator[tuple[models.Entry, list[ChainLine]]]:
    """Each entry with its sealed lines, the lines streamed in one query in the same order."""
    ent, line, acc = models.Entry, models.Line, models.Account
    rows = session.execute(
        select(
            ent.id, acc.code, line.label, line.debit, line.credit, line.partner, line.tax_code, line.tax_base
        )
        .join(line, line.entry_id == ent.id)
        .join(acc, acc.id == line.account_id)
        .where(ent.company_id == company_id, ent.status == models.POSTED)
        .order_by(ent.journal_id, ent.fiscal_year_id, ent.sequence, line.line_no)
        .execution_options(yield_per=5000)
    )
    by_entry: dict[int, list[ChainLine]] = defaultdict(list)
    position = 0
    for entry_id, code, label, debit, credit, partner, tax, base in rows:
        while entries[position].id != entry_id:  # an entry whose lines were all removed
            yield entries[position], by_entry.pop(entries[position].id, [])
            position += 1
        by_entry[entry_id].append(ChainLine(code, label, debit, credit, partner, tax, base))
    for entry in entries[position:]:
        yield entry, by_entry.pop(entry.id, [])


def verify_chain(session: Session, company_id: int) -> list[str]:
    """Recompute every link of each journal's chain; report the first entry that no longer holds."""
    company = session.get_one(models.Company, company_id)
    journals: dict[int, str] = {
        r.id: r.code
        for r in session.execute(
            select(models.Journal.id, models.Journal.code).where(models.Journal.company_id == company_id)
        )
    }
    entries = _chain_order(session, company_id)
    numbers = {e.id: e.number for e in entries}
    heads: dict[tuple[int, int], str] = {}
    problems: list[str] = []
    broken: set[tuple[int, int]] = set()
    for entry, lines in _with_lines(session, company_id, entries):
        chain = (entry.journal_id, entry.fiscal_year_id)
        if chain in broken:
            continue
        reversal_of = numbers.get(entry.reversal_of_id) if entry.reversal_of_id else None
        recomputed = sealing.seal(
            heads.get(chain, GENESIS),
            company_id=company_id,
            currency=company.currency,
            journal=journals[entry.journal_id],
            number=entry.number or "",
            day=entry.entry_date,
            label=entry.label,
            reference=entry.reference,
            lines=lines,
            reversal_of=reversal_of,
        )
        if recomputed != entry.hash:
            problems.append(
                f"chaîne rompue à l'écriture {entry.number} : elle a été modifiée après validation"
            )
            broken.add(chain)
            continue
        heads[chain] = recomputed
    counters = session.execute(
        select(models.JournalCounter)
        .join(models.Journal, models.Journal.id == models.JournalCounter.journal_id)
        .where(models.Journal.company_id == company_id)
    ).scalars()
    for counter in counters:
        chain = (counter.journal_id, counter.fiscal_year_id)
        if chain not in broken and counter.last_hash != heads.get(chain, GENESIS):
            problems.append(
                f"chaîne du journal {journals[counter.journal_id]} : la tête ne correspond pas à la "
                "dernière écriture validée"
            )
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


def verify_partner_balances(session: Session, company_id: int) -> list[str]:
    """The sub-ledger's balances equal the posted lines that name a tiers or sit on a lettrable
    account, per account, tiers and month, with what of them is unlettered."""
    from_lines = {
        (r.account_id, r.partner, r.period_id): (
            int(r.debit),
            int(r.credit),
            int(r.open_lines),
            int(r.open_amount),
        )
        for r in session.execute(
            text(balances.PARTNER_BALANCES_FROM_LINES), {"company": company_id, "posted": models.POSTED}
        )
    }
    pb = models.PartnerBalance
    from_table = {
        (r.account_id, r.partner, r.period_id): (r.debit, r.credit, r.open_lines, r.open_amount)
        for r in session.execute(
            select(
                pb.account_id, pb.partner, pb.period_id, pb.debit, pb.credit, pb.open_lines, pb.open_amount
            ).where(pb.company_id == company_id)
        )
        if r.debit or r.credit
    }
    acc = models.Account
    codes = dict(session.execute(select(acc.id, acc.code).where(acc.company_id == company_id)).tuples().all())
    nothing = (0, 0, 0, 0)
    return [
        f"soldes par tiers : compte {codes.get(key[0], key[0])}, tiers « {key[1]} », période {key[2]} : "
        f"table {from_table.get(key, nothing)}, lignes {from_lines.get(key, nothing)}"
        for key in sorted(set(from_lines) | set(from_table))
        if from_lines.get(key, nothing) != from_table.get(key, nothing)
    ]
