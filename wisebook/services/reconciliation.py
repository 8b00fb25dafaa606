"""Lettrage of tiers accounts: matching posted lines of one account and one tiers whose sum
is zero, under codes A, B, … Z, AA… per account; proposals; délettrage; the aged balance.

Lines are never changed (posted lines are immutable): a lettrage is a row of its own and its
links to the lines. A partial lettrage (lines that do not sum to zero) is refused, with the
difference. Lines of a closed year are not lettered: their open part lives on in the next
year's à-nouveaux, one line per unmatched line, where it is lettered.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.money import from_minor, grouped
from wisebook.services.entries import balances

AGE_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))  # days past the line's date


def code_for(number: int) -> str:
    """The ``number``-th code (0 → A, 25 → Z, 26 → AA, 701 → ZZ, 702 → AAA)."""
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def number_of(code: str) -> int:
    """The inverse of ``code_for``."""
    number = 0
    for letter in code:
        number = number * 26 + (ord(letter) - ord("A") + 1)
    return number - 1


@dataclass(frozen=True)
class OpenLine:
    """A posted line of a lettrable account, with its lettrage code if it has one."""

    id: int
    account: str
    partner: str | None
    entry_id: int
    number: str | None
    date: dt.date
    label: str
    reference: str | None
    debit: int
    credit: int
    code: str | None
    reconciliation: int | None = None  # the lettrage's id, to undo it


def _lines_query(company_id: int) -> object:
    ent, line, acc, fy = models.Entry, models.Line, models.Account, models.FiscalYear
    rec, link = models.Reconciliation, models.ReconciliationLine
    return (
        select(
            line.id,
            acc.code,
            line.partner,
            ent.id,
            ent.number,
            line.entry_date,
            line.label,
            ent.reference,
            line.debit,
            line.credit,
            rec.code,
            fy.status,
            rec.id,
        )
        .join(acc, acc.id == line.account_id)
        .join(ent, ent.id == line.entry_id)
        .join(fy, fy.id == ent.fiscal_year_id)
        .outerjoin(link, link.line_id == line.id)
        .outerjoin(rec, rec.id == link.reconciliation_id)
        .where(ent.company_id == company_id, ent.status == models.POSTED, acc.lettrable.is_(True))
    )


def lines(
    session: Session,
    company_id: int,
    account: str,
    partner: str | None = None,
    *,
    open_only: bool = False,
) -> list[OpenLine]:
    """The posted lines of a lettrable account in open years, oldest first."""
    found = _account(session, company_id, account)
    query = _lines_query(company_id).where(  # type: ignore[attr-defined]
        models.Line.account_id == found.id, models.FiscalYear.status == "ouvert"
    )
    if partner is not None:
        query = query.where(models.Line.partner == partner)
    if open_only:
        query = query.where(models.Reconciliation.id.is_(None))
    rows = session.execute(query.order_by(models.Line.entry_date, models.Line.id)).all()
    return [OpenLine(*(*row[:11], row[12])) for row in rows]  # the last: the lettrage id


def _account(session: Session, company_id: int, code: str) -> models.Account:
    found = session.scalars(
        select(models.Account).where(models.Account.company_id == company_id, models.Account.code == code)
    ).one_or_none()
    if found is None:
        raise NotFound(f"Compte {code} introuvable.", field="compte")
    if not found.lettrable:
        raise InvalidInput(f"Le compte {code} ne se lettre pas (comptes de tiers seulement).", field="compte")
    return found


def reconcile(
    session: Session, company_id: int, line_ids: Sequence[int], user_id: int, currency: str
) -> models.Reconciliation:
    """Letter the lines: one account, one tiers, posted, open years, unlettered, sum zero."""
    wanted = sorted(set(line_ids))
    if len(wanted) < 2:
        raise InvalidInput("Un lettrage réunit au moins deux lignes.", field="lignes")
    rows = session.execute(
        _lines_query(company_id).where(models.Line.id.in_(wanted))  # type: ignore[attr-defined]
    ).all()
    found = {row[0]: row for row in rows}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise NotFound(
            f"Ligne(s) introuvable(s), non validée(s) ou hors compte lettrable : {', '.join(map(str, missing))}.",
            field="lignes",
        )
    accounts = {row[1] for row in rows}
    if len(accounts) > 1:
        raise InvalidInput(
            f"Un lettrage se fait sur un seul compte, pas {', '.join(sorted(accounts))}.", field="lignes"
        )
    partners = {row[2] for row in rows}
    if len(partners) > 1:
        named = ", ".join(sorted(p or "sans tiers" for p in partners))
        raise InvalidInput(f"Un lettrage se fait pour un seul tiers, pas {named}.", field="lignes")
    if any(row[11] != "ouvert" for row in rows):
        raise Conflict(
            "Une ligne appartient à un exercice clôturé : lettrez ses à-nouveaux dans l'exercice suivant.",
            field="lignes",
        )
    if len({row[3] for row in rows}) > 1 and len({_year(session, row[3]) for row in rows}) > 1:
        raise InvalidInput(
            "Un lettrage réunit les lignes d'un même exercice : après la clôture, lettrez les à-nouveaux.",
            field="lignes",
        )
    lettered = sorted({row[10] for row in rows if row[10] is not None})
    if lettered:
        raise Conflict(
            f"Ligne(s) déjà lettrée(s) ({', '.join(lettered)}) : délettrez d'abord.", field="lignes"
        )
    gap = sum(row[8] - row[9] for row in rows)
    if gap:
        side = "débiteur" if gap > 0 else "créditeur"
        raise InvalidInput(
            f"Lettrage partiel refusé : les lignes laissent un écart {side} de {grouped(from_minor(abs(gap), currency))}.",
            field="lignes",
        )
    account = _account(session, company_id, accounts.pop())
    session.execute(  # one code at a time per account
        select(models.Account.id).where(models.Account.id == account.id).with_for_update()
    )
    codes = session.scalars(
        select(models.Reconciliation.code).where(models.Reconciliation.account_id == account.id)
    ).all()
    code = code_for(max((number_of(c) for c in codes), default=-1) + 1)
    made = models.Reconciliation(
        company_id=company_id, account_id=account.id, partner=partners.pop(), code=code, created_by_id=user_id
    )
    session.add(made)
    session.flush()
    session.add_all(models.ReconciliationLine(line_id=i, reconciliation_id=made.id) for i in wanted)
    session.flush()
    balances.lettered(session, wanted, 1)
    return made


def _year(session: Session, entry_id: int) -> int:
    return int(session.scalar(select(models.Entry.fiscal_year_id).where(models.Entry.id == entry_id)) or 0)


def open_lines_of_year(
    session: Session, company_id: int, fiscal_year_id: int, limit: int | None = None
) -> list[OpenLine]:
    """The unlettered lines of lettrable accounts in a year, by account, tiers (none first)
    and date (the first ``limit`` of them): the à-nouveaux carry them one by one. With a
    limit, the sub-ledger's balances name the first accounts and tiers that hold that many
    open lines, and only theirs are read."""
    line = models.Line
    query = _lines_query(company_id).where(  # type: ignore[attr-defined]
        models.Entry.fiscal_year_id == fiscal_year_id, models.Reconciliation.id.is_(None)
    )
    if limit is not None:
        pb, acc = models.PartnerBalance, models.Account
        picked: list[tuple[int, str]] = []
        held = 0
        for account_id, partner, count in session.execute(
            select(pb.account_id, pb.partner, func.sum(pb.open_lines))
            .join(acc, acc.id == pb.account_id)
            .where(pb.company_id == company_id, pb.fiscal_year_id == fiscal_year_id)
            .group_by(acc.code, pb.account_id, pb.partner)
            .having(func.sum(pb.open_lines) > 0)
            .order_by(acc.code, pb.partner)
        ):
            if held >= limit:
                break
            picked.append((account_id, partner))
            held += int(count)
        if not picked:
            return []
        query = query.where(
            or_(
                *(
                    and_(
                        line.account_id == account_id,
                        line.partner == partner if partner else line.partner.is_(None),
                    )
                    for account_id, partner in picked
                )
            )
        )
    query = query.order_by(models.Account.code, func.coalesce(line.partner, ""), line.entry_date, line.id)
    rows = session.execute(query if limit is None else query.limit(limit))
    return [OpenLine(*row[:11]) for row in rows.all()]


def count_open_lines_of_year(session: Session, company_id: int, fiscal_year_id: int, classes: str) -> int:
    """How many unlettered lines of lettrable accounts of ``classes`` a year has (the
    sub-ledger's balances count them)."""
    pb, acc = models.PartnerBalance, models.Account
    return int(
        session.scalar(
            select(func.sum(pb.open_lines))
            .join(acc, acc.id == pb.account_id)
            .where(
                pb.company_id == company_id,
                pb.fiscal_year_id == fiscal_year_id,
                acc.account_class.in_([int(c) for c in classes]),
            )
        )
        or 0
    )


def lettrable_accounts(session: Session, company_id: int, prefix: str = "") -> dict[int, str]:
    """The lettrable accounts whose numbers start with ``prefix``: id → number."""
    acc = models.Account
    return dict(
        session.execute(
            select(acc.id, acc.code).where(
                acc.company_id == company_id, acc.lettrable.is_(True), acc.code.like(f"{prefix}%")
            )
        )
        .tuples()
        .all()
    )


def lettrable_codes(session: Session, company_id: int) -> set[str]:
    """The numbers of the company's lettrable accounts."""
    acc = models.Account
    return set(session.scalars(select(acc.code).where(acc.company_id == company_id, acc.lettrable.is_(True))))


def unreconcile(session: Session, company_id: int, reconciliation_id: int) -> None:
    """Délettrage: the lines are open again."""
    found = session.get(models.Reconciliation, reconciliation_id)
    if found is None or found.company_id != company_id:
        raise NotFound("Lettrage introuvable.")
    closed = session.scalar(
        select(func.count())
        .select_from(models.ReconciliationLine)
        .join(models.Line, models.Line.id == models.ReconciliationLine.line_id)
        .join(models.Entry, models.Entry.id == models.Line.entry_id)
        .join(models.FiscalYear, models.FiscalYear.id == models.Entry.fiscal_year_id)
        .where(models.ReconciliationLine.reconciliation_id == found.id, models.FiscalYear.status != "ouvert")
    )
    if closed:
        raise Conflict("Ce lettrage touche un exercice clôturé : il ne se défait plus.")
    balances.lettered(session, line_ids(session, found.id), -1)
    session.execute(
        delete(models.ReconciliationLine).where(models.ReconciliationLine.reconciliation_id == found.id)
    )
    session.delete(found)
    session.flush()


def line_ids(session: Session, reconciliation_id: int) -> list[int]:
    return list(
        session.scalars(
            select(models.ReconciliationLine.line_id)
            .where(models.ReconciliationLine.reconciliation_id == reconciliation_id)
            .order_by(models.ReconciliationLine.line_id)
        )
    )


@dataclass(frozen=True)
class Proposal:
    """Lines that could be lettered together, and why."""

    account: str
    partner: str | None
    line_ids: tuple[int, ...]
    reason: str


def proposals(session: Session, company_id: int, account: str, partner: str | None = None) -> list[Proposal]:
    """Open lines that match (of one tiers when ``partner`` is given): first those of one tiers
    sharing a pièce and summing to zero, then an invoice and a payment of the same amount
    (oldest first)."""
    found: list[Proposal] = []
    by_partner: dict[str | None, list[OpenLine]] = defaultdict(list)
    for ln in lines(session, company_id, account, partner, open_only=True):
        by_partner[ln.partner].append(ln)
    for partner, open_lines in by_partner.items():
        used: set[int] = set()
        by_reference: dict[str, list[OpenLine]] = defaultdict(list)
        for ln in open_lines:
            if ln.reference:
                by_reference[ln.reference].append(ln)
        for reference, group in by_reference.items():
            if len(group) > 1 and sum(g.debit - g.credit for g in group) == 0:
                found.append(
                    Proposal(account, partner, tuple(g.id for g in group), f"même pièce {reference}")
                )
                used.update(g.id for g in group)
        debits = [ln for ln in open_lines if ln.debit and ln.id not in used]
        for credit in (ln for ln in open_lines if ln.credit and ln.id not in used):
            match = next((d for d in debits if d.debit == credit.credit), None)
            if match is not None:
                debits.remove(match)
                pair = tuple(sorted((match.id, credit.id)))
                found.append(Proposal(account, partner, pair, "même montant"))
    return found


@dataclass(frozen=True)
class OpenPartner:
    """A tiers of a lettrable account with what is still open on it."""

    partner: str | None
    open_lines: int
    balance: int  # minor units, debit − credit of the unlettered lines


def has_more_lines_than(session: Session, company_id: int, account: str, limit: int) -> bool:
    """Whether the lettrable account has more than ``limit`` posted lines in open years (read
    no further than that)."""
    found = _account(session, company_id, account)
    line, ent, fy = models.Line, models.Entry, models.FiscalYear
    some = (
        select(line.id)
        .join(ent, ent.id == line.entry_id)
        .join(fy, fy.id == ent.fiscal_year_id)
        .where(line.account_id == found.id, ent.status == models.POSTED, fy.status == "ouvert")
        .limit(limit + 1)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(some)) or 0) > limit


def open_partners(session: Session, company_id: int, account: str) -> list[OpenPartner]:
    """The tiers of a lettrable account with their unlettered lines in open years (count and
    balance), by code; the lines without a tiers come first. Read from the sub-ledger's
    balances: a few rows per tiers and month, whatever the number of lines."""
    found = _account(session, company_id, account)
    pb, fy = models.PartnerBalance, models.FiscalYear
    rows = session.execute(
        select(pb.partner, func.sum(pb.open_lines), func.sum(pb.open_amount))
        .join(fy, fy.id == pb.fiscal_year_id)
        .where(pb.account_id == found.id, fy.status == "ouvert")
        .group_by(pb.partner)
        .having(func.sum(pb.open_lines) > 0)
        .order_by(pb.partner)
    )
    return [OpenPartner(partner or None, int(count), int(total or 0)) for partner, count, total in rows]


@dataclass(frozen=True)
class AgedRow:
    """What one tiers of one account still owes or is owed, by age."""

    account: str
    partner: str | None
    buckets: tuple[int, ...]  # minor units, debit − credit, per AGE_BUCKETS
    total: int


def _age_bucket(day: dt.date, at: dt.date) -> int:
    """The AGE_BUCKETS index of a line dated ``day``, seen on ``at``."""
    age = (at - day).days
    return next(i for i, (_low, high) in enumerate(AGE_BUCKETS) if high is None or age <= high)


def _segments(start: dt.date, end: dt.date, at: dt.date) -> list[tuple[dt.date, dt.date, int | None]]:
    """A month's days cut where their age bucket changes: (first, last, bucket); the days
    after ``at`` are bucket None (not counted)."""
    found: list[tuple[dt.date, dt.date, int | None]] = []
    day = start
    while day <= end:
        bucket = _age_bucket(day, at) if day <= at else None
        last = day
        while last < end:
            following = last + dt.timedelta(days=1)
            if (_age_bucket(following, at) if following <= at else None) != bucket:
                break
            last = following
        found.append((day, last, bucket))
        day = last + dt.timedelta(days=1)
    return found


def aged_balance(session: Session, company_id: int, prefix: str, at: dt.date) -> list[AgedRow]:
    """Unlettered lines of the lettrable accounts under ``prefix`` up to ``at``, aged from their
    date: receivables (411…) come out debit, payables (401…) credit; per account and tiers.

    The sub-ledger's balances hold each month's open amount. A month whose days share one age
    bucket is read from them alone. A month that an age bound (or ``at``) cuts through has
    its shorter parts' lines read, and its longest part is the month's amount less those."""
    ent, line, acc, fy, period = models.Entry, models.Line, models.Account, models.FiscalYear, models.Period
    pb, link = models.PartnerBalance, models.ReconciliationLine
    codes = lettrable_accounts(session, company_id, prefix)
    rest: dict[int, int | None] = {}  # month → the bucket of its part taken from the month's amount
    read: list[tuple[dt.date, dt.date, int | None, int]] = []  # parts whose lines are read
    for period_id, start, end in session.execute(
        select(period.id, period.start_date, period.end_date)
        .join(fy, fy.id == period.fiscal_year_id)
        .where(fy.company_id == company_id, fy.status == "ouvert", period.start_date <= at)
    ):
        parts = _segments(start, end, at)
        longest = max(parts, key=lambda part: (part[1] - part[0]).days)
        rest[period_id] = longest[2]
        read += [
            (first, last, bucket, period_id) for first, last, bucket in parts if (first, last) != longest[:2]
        ]
    sums: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0] * len(AGE_BUCKETS))
    counted: dict[int, int] = {period_id: b for period_id, b in rest.items() if b is not None}
    if counted and codes:
        # The accounts and months named by their ids: the planner then counts the rows right
        # and sums them in a hash, where a join on the accounts' numbers made it sort them.
        by_bucket: dict[int, list[int]] = defaultdict(list)
        for period_id, month_bucket in counted.items():
            by_bucket[month_bucket].append(period_id)
        largest = max(by_bucket, key=lambda b: len(by_bucket[b]))
        others = [(pb.period_id.in_(ids), b) for b, ids in by_bucket.items() if b != largest]
        keys: list[Any] = [pb.account_id, pb.partner]
        if others:
            keys.append(case(*others, else_=largest).label("bucket"))
        for account_id, partner, *found, total in session.execute(
            select(*keys, func.sum(pb.open_amount))
            .where(pb.account_id.in_(codes), pb.period_id.in_(counted))
            .group_by(*keys)
        ):
            sums[(codes[account_id], partner or None)][int(found[0] if found else largest)] += int(total or 0)
    wanted = [part for part in read if part[2] is not None or counted.get(part[3]) is not None]
    if wanted and codes:
        part_of = case(
            *[(line.entry_date.between(first, last), n) for n, (first, last, _b, _p) in enumerate(wanted)]
        ).label("part")
        # Here the accounts joined by their numbers: the planner then reads the month's lines
        # and finds each one's entry by its key (named by ids, it scanned every entry).
        for account_id, partner, n, total in session.execute(
            select(line.account_id, line.partner, part_of, func.sum(line.debit - line.credit))
            .join(acc, acc.id == line.account_id)
            .join(ent, ent.id == line.entry_id)
            .join(fy, fy.id == ent.fiscal_year_id)
            .outerjoin(link, link.line_id == line.id)
            .where(
                acc.company_id == company_id,
                acc.lettrable.is_(True),
                acc.code.like(f"{prefix}%"),
                or_(*(line.entry_date.between(first, last) for first, last, _b, _p in wanted)),
                ent.status == models.POSTED,
                fy.status == "ouvert",
                link.line_id.is_(None),
            )
            .group_by(line.account_id, line.partner, part_of)
        ):
            _first, _last, part_bucket, period_id = wanted[int(n)]
            row = sums[(codes[account_id], partner)]
            if part_bucket is not None:
                row[part_bucket] += int(total or 0)
            if counted.get(period_id) is not None:  # the month's amount held it: take it out
                row[counted[period_id]] -= int(total or 0)
    return [
        AgedRow(account, partner, tuple(values), sum(values))
        for (account, partner), values in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        if any(values)
    ]
