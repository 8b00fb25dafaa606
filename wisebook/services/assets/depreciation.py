"""The depreciation run: every asset in service depreciated up to a month's or a year's end, in
one OD entry per category (its expense and depreciation accounts), once per date; its reversal.

Each asset's part is what its plan has accumulated at the date less what is posted already
(earlier runs, the depreciation carried in by an imported register): a month's run and a year's
run give the same books, and a run after a change of plan catches up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, aliased

from wisebook.db import models
from wisebook.ledger import assets as rules
from wisebook.ledger import entries as entry_rules
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.ledger.money import from_minor
from wisebook.services.assets import register
from wisebook.services.books.companies import CompanyContext
from wisebook.services.entries import posting

Progress = Callable[[int, int, str], None]


def _quiet(done: int, total: int, message: str) -> None:
    return None


@dataclass(frozen=True)
class RunResult:
    id: int
    through: dt.date
    assets: int
    total: int
    entries: list[tuple[int, str | None, str, int]]  # id, number, category, amount


def _month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def active_run(session: Session, company_id: int, through: dt.date) -> models.DepreciationRun | None:
    run = models.DepreciationRun
    return session.scalar(
        select(run).where(run.company_id == company_id, run.through == through, run.reversed_at.is_(None))
    )


def run_numbers(session: Session, run_id: int) -> list[str]:
    rows = session.scalars(
        select(models.Entry.number)
        .join(models.DepreciationRunEntry, models.DepreciationRunEntry.entry_id == models.Entry.id)
        .where(models.DepreciationRunEntry.run_id == run_id)
        .order_by(models.Entry.number)
    )
    return [n or "" for n in rows]


def dues(
    session: Session, company_id: int, through: dt.date, progress: Progress = _quiet
) -> list[tuple[models.FixedAsset, int]]:
    """Each depreciable asset in service at ``through`` (components rather than the asset they
    make) with what its plan adds up to that date beyond what is posted."""
    fa, part = models.FixedAsset, aliased(models.FixedAsset)
    found = list(
        session.scalars(
            select(fa).where(
                fa.company_id == company_id,
                fa.state == "en_service",
                fa.in_service_on <= through,
                ~select(part.id).where(part.parent_id == fa.id).exists(),
            )
        )
    )
    month = register.year_start_month(session, company_id)
    posted = register.depreciated(session, [a.id for a in found])
    revised = register.revisions_of(session, [a.id for a in found])
    out = []
    for index, asset in enumerate(found):
        plan = register.plan_of(asset, revised.get(asset.id, ()))
        due = rules.due_at(plan, rules.windows_for(plan, month), through)
        amount = due - asset.opening_depreciation - posted.get(asset.id, 0)
        if amount > 0:
            out.append((asset, amount))
        if index % 2000 == 0:
            progress(index, len(found), f"calcul : {index} immobilisations sur {len(found)}")
    return out


def run(
    session: Session, company: CompanyContext, through: dt.date, user_id: int, progress: Progress = _quiet
) -> RunResult:
    """Post the depreciation up to ``through`` (the last day of a month). Refused when a run to
    that date stands (409 naming its entries) or a later one does, when nothing is due, or when
    the date's period is locked or its year closed (nothing written)."""
    session.execute(select(models.Company.id).where(models.Company.id == company.id).with_for_update())
    check(session, company.id, through)
    found = dues(session, company.id, through, progress)
    if not found:
        raise InvalidInput(f"Aucune dotation à passer au {through:%d/%m/%Y}.", field="au")
    return _post(session, company, through, user_id, found, progress)


def check(session: Session, company_id: int, through: dt.date) -> None:
    """What a run to ``through`` must meet before anything is computed: the last day of a
    month, in an open and unlocked period, no run to that date or a later one standing."""
    if not 1900 <= through.year <= 2200 or not _month_end(through):
        raise InvalidInput("Les dotations se passent au dernier jour d'un mois.", field="au")
    try:
        posting.open_period(session, company_id, through)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="au") from None
    already = active_run(session, company_id, through)
    if already is not None:
        raise Conflict(
            f"Les dotations au {through:%d/%m/%Y} sont déjà passées : {', '.join(run_numbers(session, already.id))}."
            " Extournez-les pour les passer à nouveau.",
            field="au",
        )
    later = session.scalar(
        select(models.DepreciationRun.through).where(
            models.DepreciationRun.company_id == company_id,
            models.DepreciationRun.through > through,
            models.DepreciationRun.reversed_at.is_(None),
        )
    )
    if later is not None:
        raise Conflict(f"Les dotations sont déjà passées jusqu'au {later:%d/%m/%Y}.", field="au")


def _post(
    session: Session,
    company: CompanyContext,
    through: dt.date,
    user_id: int,
    found: list[tuple[models.FixedAsset, int]],
    progress: Progress,
) -> RunResult:
    by_category: dict[str, list[tuple[models.FixedAsset, int]]] = defaultdict(list)
    for asset, amount in found:
        by_category[asset.category].append((asset, amount))
    codes = dict(
        session.execute(
            select(models.Account.id, models.Account.code).where(
                models.Account.id.in_(
                    {a.expense_account_id for a, _ in found} | {a.depreciation_account_id for a, _ in found}
                )
            )
        )
        .tuples()
        .all()
    )
    made = models.DepreciationRun(company_id=company.id, through=through, created_by_id=user_id)
    session.add(made)
    session.flush()
    from wisebook.data import ohada

    labels = {c.code: c.label for c in ohada.asset_categories().values()}
    entries = []
    parts: list[dict[str, object]] = []
    currency = company.currency
    for number, (category, items) in enumerate(sorted(by_category.items()), start=1):
        debit: dict[str, int] = defaultdict(int)
        credit: dict[str, int] = defaultdict(int)
        for asset, amount in items:
            debit[codes[asset.expense_account_id]] += amount
            credit[codes[asset.depreciation_account_id]] += amount
        label = f"Dotations aux amortissements au {through:%d/%m/%Y} : {labels.get(category, category)}"[:255]
        lines = [
            entry_rules.LineDraft(code, label, from_minor(amount, currency), Decimal(0))
            for code, amount in sorted(debit.items())
        ] + [
            entry_rules.LineDraft(code, label, Decimal(0), from_minor(amount, currency))
            for code, amount in sorted(credit.items())
        ]
        entry = posting.create_entry(
            session,
            company,
            entry_rules.EntryDraft("OD", through, label, f"AMORT-{through:%Y%m%d}", tuple(lines)),
            user_id,
            post=True,
        )
        session.add(models.DepreciationRunEntry(run_id=made.id, entry_id=entry.id))
        entries.append((entry.id, entry.number, category, sum(a for _, a in items)))
        parts += [
            {
                "asset_id": asset.id,
                "run_id": made.id,
                "entry_id": entry.id,
                "through": through,
                "amount": amount,
            }
            for asset, amount in items
        ]
        progress(number, len(by_category), f"écriture {number} sur {len(by_category)}")
    session.execute(insert(models.AssetDepreciation), parts)
    session.flush()
    return RunResult(made.id, through, len(found), sum(a for _, a in found), entries)


def reverse(
    session: Session, company: CompanyContext, run_id: int, user_id: int, day: dt.date | None = None
) -> list[str]:
    """Reverse a run's entries (on ``day``, the run's date by default): its parts no longer count.
    Only the latest run stands to be reversed (a later one was computed after it)."""
    found = session.scalar(
        select(models.DepreciationRun).where(
            models.DepreciationRun.id == run_id, models.DepreciationRun.company_id == company.id
        )
    )
    if found is None:
        raise NotFound(f"Dotations introuvables : {run_id}.", field="id")
    if found.reversed_at is not None:
        raise Conflict("Ces dotations sont déjà extournées.", field="id")
    later = session.scalar(
        select(models.DepreciationRun.through).where(
            models.DepreciationRun.company_id == company.id,
            models.DepreciationRun.through > found.through,
            models.DepreciationRun.reversed_at.is_(None),
        )
    )
    if later is not None:
        raise Conflict(f"Extournez d'abord les dotations au {later:%d/%m/%Y}.", field="id")
    numbers = []
    for entry_id in session.scalars(
        select(models.DepreciationRunEntry.entry_id).where(models.DepreciationRunEntry.run_id == found.id)
    ):
        made = posting.reverse_entry(session, company, entry_id, user_id, day or found.through)
        numbers.append(made.number or "")
    found.reversed_at = dt.datetime.now(dt.UTC)
    session.flush()
    return numbers


def latest_through(session: Session, company_id: int) -> dt.date | None:
    run = models.DepreciationRun
    return session.scalar(
        select(run.through)
        .where(run.company_id == company_id, run.reversed_at.is_(None))
        .order_by(run.through.desc())
        .limit(1)
    )
