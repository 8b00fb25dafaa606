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

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.money import from_minor, grouped

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
    return made


def _year(session: Session, entry_id: int) -> int:
    return int(session.scalar(select(models.Entry.fiscal_year_id).where(models.Entry.id == entry_id)) or 0)


def open_lines_of_year(
    session: Session, company_id: int, fiscal_year_id: int, limit: int | None = None
) -> list[OpenLine]:
    """The unlettered lines of lettrable accounts in a year, by account, tiers and date (the
    first ``limit`` of them): the à-nouveaux carry them one by one."""
    query = _lines_query(company_id).where(  # type: ignore[attr-defined]
        models.Entry.fiscal_year_id == fiscal_year_id, models.Reconciliation.id.is_(None)
    )
    query = query.order_by(models.Account.code, models.Line.partner, models.Line.entry_date, models.Line.id)
    rows = session.execute(query if limit is None else query.limit(limit))
    return [OpenLine(*row[:11]) for row in rows.all()]


def count_open_lines_of_year(session: Session, company_id: int, fiscal_year_id: int, classes: str) -> int:
    """How many unlettered lines of lettrable accounts of ``classes`` a year has."""
    line, ent, acc, link = models.Line, models.Entry, models.Account, models.ReconciliationLine
    return int(
        session.scalar(
            select(func.count())
            .select_from(line)
            .join(acc, acc.id == line.account_id)
            .join(ent, ent.id == line.entry_id)
            .outerjoin(link, link.line_id == line.id)
            .where(
                ent.company_id == company_id,
                ent.fiscal_year_id == fiscal_year_id,
                ent.status == models.POSTED,
                acc.lettrable.is_(True),
                acc.account_class.in_([int(c) for c in classes]),
                link.line_id.is_(None),
            )
        )
        or 0
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
    balance), by code; the lines without a tiers come first."""
    found = _account(session, company_id, account)
    line, ent, fy, link = models.Line, models.Entry, models.FiscalYear, models.ReconciliationLine
    rows = session.execute(
        select(line.partner, func.count(), func.sum(line.debit - line.credit))
        .join(ent, ent.id == line.entry_id)
        .join(fy, fy.id == ent.fiscal_year_id)
        .outerjoin(link, link.line_id == line.id)
        .where(
            line.account_id == found.id,
            ent.status == models.POSTED,
            fy.status == "ouvert",
            link.line_id.is_(None),
        )
        .group_by(line.partner)
        .order_by(line.partner.is_not(None), line.partner)
    )
    return [OpenPartner(partner, int(count), int(total or 0)) for partner, count, total in rows]


@dataclass(frozen=True)
class AgedRow:
    """What one tiers of one account still owes or is owed, by age."""

    account: str
    partner: str | None
    buckets: tuple[int, ...]  # minor units, debit − credit, per AGE_BUCKETS
    total: int


def aged_balance(session: Session, company_id: int, prefix: str, at: dt.date) -> list[AgedRow]:
    """Unlettered lines of the lettrable accounts under ``prefix`` up to ``at``, aged from their
    date: receivables (411…) come out debit, payables (401…) credit. Summed by the database,
    per account, tiers and age bucket (the buckets' bounds are dates)."""
    ent, line, acc, fy = models.Entry, models.Line, models.Account, models.FiscalYear
    link = models.ReconciliationLine
    bucket = case(
        *[
            (line.entry_date >= at - dt.timedelta(days=high), index)
            for index, (_low, high) in enumerate(AGE_BUCKETS)
            if high is not None
        ],
        else_=len(AGE_BUCKETS) - 1,
    ).label("bucket")
    rows = session.execute(
        select(acc.code, line.partner, bucket, func.sum(line.debit - line.credit))
        .join(acc, acc.id == line.account_id)
        .join(ent, ent.id == line.entry_id)
        .join(fy, fy.id == ent.fiscal_year_id)
        .outerjoin(link, link.line_id == line.id)
        .where(
            acc.company_id == company_id,
            acc.lettrable.is_(True),
            acc.code.like(f"{prefix}%"),
            ent.status == models.POSTED,
            fy.status == "ouvert",
            line.entry_date <= at,
            link.line_id.is_(None),
        )
        .group_by(acc.code, line.partner, bucket)
    )
    sums: dict[tuple[str, str | None], list[int]] = defaultdict(lambda: [0] * len(AGE_BUCKETS))
    for code, partner, index, total in rows:
        sums[(code, partner)][int(index)] += int(total or 0)
    return [
        AgedRow(account, partner, tuple(values), sum(values))
        for (account, partner), values in sorted(sums.items(), key=lambda kv: (kv[0][0], kv[0][1] or ""))
        if sum(values) or any(values)
    ]
