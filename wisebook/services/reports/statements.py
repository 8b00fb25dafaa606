"""SYSCOHADA statements of a fiscal year: Bilan, Compte de résultat, Tableau des flux.

The balances come from the balance table (whole months) and the posted lines (a month cut by
``au``), in two grouped queries whatever the size of the books; ``wisebook.ledger.statements``
arranges them on the official lines.

Positions carry earlier exercices forward. An exercice's opening is its à-nouveaux when it has
some (made by the closing of the previous one, or entered for the first exercice kept here);
an exercice without à-nouveaux whose predecessor is in the books opens on the predecessor's
closing position, its result not yet allocated shown with the report à nouveau (account 130,
line CH) until the closing makes the à-nouveaux.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from wisebook.data.syscohada import statements as mapping
from wisebook.db import models
from wisebook.ledger import statements as engine
from wisebook.ledger.errors import InvalidInput

RESULT_ACCOUNT = "13"  # the exercice's result not yet allocated (line CJ)
PENDING_ACCOUNT = "130"  # earlier exercices' result not yet carried forward (line CH)
BALANCE_SHEET_CLASSES = frozenset("12345")
RESULT_CLASSES = frozenset("678")

Key = tuple[str, int, bool]  # account code, fiscal year id, à-nouveaux?


@dataclass(frozen=True)
class Control:
    """A check a statement must pass; ``gap`` is the difference when it does not."""

    name: str
    ok: bool
    gap: int = 0

    @classmethod
    def equal(cls, name: str, left: int, right: int) -> Control:
        """A control that two amounts agree; the gap is left minus right."""
        return cls(name, left == right, left - right)


@dataclass(frozen=True)
class Statement:
    """One statement for year N with its N-1 comparatives and controls."""

    kind: str  # bilan, compte-de-resultat, flux-de-tresorerie
    fiscal_year: str
    start: dt.date
    end: dt.date
    sections: tuple[tuple[str, engine.Result, engine.Result | None], ...]  # name, N, N-1
    controls: tuple[Control, ...]
    unplaced: tuple[str, ...] = ()


def sums(session: Session, company_id: int, start: dt.date, end: dt.date) -> dict[Key, list[int]]:
    """Posted debit and credit per account, fiscal year and à-nouveaux flag over [start, end].

    Whole periods come from the balance table; the days of a period cut by ``start`` or ``end``
    from the lines. Two or three grouped queries, however many lines the books hold.
    """
    bal, per, jrn, acc = models.AccountBalance, models.Period, models.Journal, models.Account
    is_an = jrn.kind == "a_nouveaux"
    out: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    whole = (
        select(per.start_date, per.end_date)
        .join(models.FiscalYear, models.FiscalYear.id == per.fiscal_year_id)
        .where(models.FiscalYear.company_id == company_id, per.start_date >= start, per.end_date <= end)
    )
    periods = session.execute(whole).all()
    rows = session.execute(
        select(acc.code, bal.fiscal_year_id, is_an, func.sum(bal.debit), func.sum(bal.credit))
        .join(per, per.id == bal.period_id)
        .join(jrn, jrn.id == bal.journal_id)
        .join(acc, acc.id == bal.account_id)
        .where(bal.company_id == company_id, per.start_date >= start, per.end_date <= end)
        .group_by(acc.code, bal.fiscal_year_id, is_an)
    )
    for code, fy_id, an, debit, credit in rows:
        target = out[(code, fy_id, bool(an))]
        target[0] += int(debit or 0)
        target[1] += int(credit or 0)
    gaps = _uncovered(start, end, [(p.start_date, p.end_date) for p in periods])
    if gaps:
        ent, line = models.Entry, models.Line
        in_gap = or_(
            *(
                and_(ent.entry_date >= a, ent.entry_date <= b, line.entry_date >= a, line.entry_date <= b)
                for a, b in gaps
            )
        )
        rows = session.execute(
            select(acc.code, ent.fiscal_year_id, is_an, func.sum(line.debit), func.sum(line.credit))
            .join(ent, ent.id == line.entry_id)
            .join(jrn, jrn.id == ent.journal_id)
            .join(acc, acc.id == line.account_id)
            .where(ent.company_id == company_id, ent.status == models.POSTED, in_gap)
            .group_by(acc.code, ent.fiscal_year_id, is_an)
        )
        for code, fy_id, an, debit, credit in rows:
            target = out[(code, fy_id, bool(an))]
            target[0] += int(debit or 0)
            target[1] += int(credit or 0)
    return out


def _uncovered(
    start: dt.date, end: dt.date, periods: Iterable[tuple[dt.date, dt.date]]
) -> list[tuple[dt.date, dt.date]]:
    """The days of [start, end] that no whole period covers, as date ranges."""
    gaps = []
    cursor = start
    for p_start, p_end in sorted(periods):
        if p_start > cursor:
            gaps.append((cursor, p_start - dt.timedelta(days=1)))
        cursor = max(cursor, p_end + dt.timedelta(days=1))
    if cursor <= end:
        gaps.append((cursor, end))
    return gaps


class Positions:
    """The company's fiscal years and their sums, with positions derived from them."""

    def __init__(
        self,
        session: Session,
        company_id: int,
        fy: models.FiscalYear,
        end: dt.date,
        given: dict[Key, list[int]] | None = None,
        years: list[models.FiscalYear] | None = None,
    ) -> None:
        """``given``: the sums read by the caller from the first year's start to ``end`` (the
        years with à-nouveaux are those its keys flag), else read here from ``first``;
        ``years``: the company's fiscal years by start date, if the caller has them."""
        self.years = (
            years
            if years is not None
            else list(
                session.scalars(
                    select(models.FiscalYear)
                    .where(models.FiscalYear.company_id == company_id)
                    .order_by(models.FiscalYear.start_date)
                )
            )
        )
        self.index = {y.id: i for i, y in enumerate(self.years)}
        if given is not None:
            self.with_an = {fy_id for (_code, fy_id, an) in given if an}
        else:
            self.with_an = set(
                session.scalars(
                    select(models.AccountBalance.fiscal_year_id)
                    .join(models.Journal, models.Journal.id == models.AccountBalance.journal_id)
                    .where(
                        models.AccountBalance.company_id == company_id, models.Journal.kind == "a_nouveaux"
                    )
                    .distinct()
                )
            )
        self.first = self.base(self.previous(fy) or fy)  # where the sums must start
        self.sums = given if given is not None else sums(session, company_id, self.first.start_date, end)

    def previous(self, fy: models.FiscalYear) -> models.FiscalYear | None:
        i = self.index[fy.id]
        return self.years[i - 1] if i > 0 else None

    def base(self, fy: models.FiscalYear) -> models.FiscalYear:
        """The latest exercice up to ``fy`` that opens on its à-nouveaux (or the first one)."""
        i = self.index[fy.id]
        while i > 0 and self.years[i].id not in self.with_an:
            i -= 1
        return self.years[i]

    def closing(self, fy: models.FiscalYear) -> dict[str, int]:
        """Balances (debit − credit) at the end of ``fy`` for the Bilan, result on 13 and 130."""
        base = self.base(fy)
        span = {y.id for y in self.years[self.index[base.id] : self.index[fy.id] + 1]}
        out: dict[str, int] = defaultdict(int)
        for (code, fy_id, an), (debit, credit) in self.sums.items():
            if fy_id not in span:
                continue
            net = debit - credit
            if code[0] in BALANCE_SHEET_CLASSES:
                if an and fy_id != base.id:
                    continue
                # 131/139 at a year's end hold an earlier year's result, carried by the
                # à-nouveaux until its affectation: pending (CH), as without a closing.
                pending = code.startswith("13") and not code.startswith(PENDING_ACCOUNT)
                out[PENDING_ACCOUNT if pending else code] += net
            elif code[0] in RESULT_CLASSES:
                out[RESULT_ACCOUNT if fy_id == fy.id else PENDING_ACCOUNT] += net
        return dict(out)

    def opening(self, fy: models.FiscalYear) -> dict[str, int]:
        """Balances at the opening of ``fy``: its à-nouveaux, else the predecessor's closing."""
        previous = self.previous(fy)
        if fy.id in self.with_an or previous is None:
            out: dict[str, int] = defaultdict(int)
            for (code, fy_id, an), (debit, credit) in self.sums.items():
                if fy_id == fy.id and an and code[0] in BALANCE_SHEET_CLASSES:
                    out[code] += debit - credit
            return dict(out)
        carried = self.closing(previous)
        carried[PENDING_ACCOUNT] = carried.get(PENDING_ACCOUNT, 0) + carried.pop(RESULT_ACCOUNT, 0)
        return carried

    def result_accounts(self, fy: models.FiscalYear) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for (code, fy_id, _an), (debit, credit) in self.sums.items():
            if fy_id == fy.id and code[0] in RESULT_CLASSES:
                out[code] += debit - credit
        return dict(out)

    def flows(self, fy: models.FiscalYear) -> dict[str, engine.AccountFlows]:
        opening, closing = self.opening(fy), self.closing(fy)
        moves: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for (code, fy_id, an), (debit, credit) in self.sums.items():
            if fy_id == fy.id and not an:
                moves[code][0] += debit
                moves[code][1] += credit
        codes = set(opening) | set(closing) | set(moves)
        return {
            code: engine.AccountFlows(
                opening.get(code, 0), closing.get(code, 0), moves[code][0], moves[code][1]
            )
            for code in codes
        }


def _bounds(fy: models.FiscalYear, start: dt.date | None, end: dt.date | None) -> dt.date:
    if start is not None and start != fy.start_date:
        raise InvalidInput(
            f"Les états financiers partent du début de l'exercice ({fy.start_date:%d/%m/%Y}); "
            "seule la date de fin (au) peut être choisie.",
            field="du",
        )
    end = end or fy.end_date
    if end < fy.start_date or end > fy.end_date:
        raise InvalidInput(
            f"La date {end:%d/%m/%Y} sort de l'exercice {fy.code} "
            f"({fy.start_date:%d/%m/%Y} – {fy.end_date:%d/%m/%Y}).",
            field="au",
        )
    return end


def _sheet(values: dict[str, int]) -> tuple[engine.Result, engine.Result]:
    m = mapping()
    return engine.balance_sheet(m.actif, m.passif, values)


def financial_statements(
    session: Session,
    company_id: int,
    fy: models.FiscalYear,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Statement]:
    """The three statements of ``fy`` up to ``end`` (default its last day), N-1 beside N."""
    end = _bounds(fy, start, end)
    books = Positions(session, company_id, fy, end)
    m = mapping()
    previous = books.previous(fy)

    actif, passif = _sheet(books.closing(fy))
    result = engine.income_statement(m.resultat, books.result_accounts(fy))
    opening_sheet = _sheet(books.opening(fy))
    flows = engine.cash_flow(m.flux, opening_sheet, (actif, passif), books.flows(fy))
    if previous is not None:
        p_actif, p_passif = _sheet(books.closing(previous))
        p_result = engine.income_statement(m.resultat, books.result_accounts(previous))
        p_flows = engine.cash_flow(
            m.flux, _sheet(books.opening(previous)), (p_actif, p_passif), books.flows(previous)
        )
    else:  # the first exercice kept here: its opening balance sheet is the comparative
        p_actif, p_passif = opening_sheet
        p_result, p_flows = None, None

    net_cash = actif["BT"] - passif["DT"]
    unplaced = tuple(sorted(set(actif.unplaced) | set(result.unplaced)))
    placed = Control("Tous les comptes sont classés", not unplaced)
    controls = {
        "bilan": (
            Control.equal("Total actif (BZ) = total passif (DZ)", actif["BZ"], passif["DZ"]),
            placed,
        ),
        "compte-de-resultat": (
            Control.equal("Résultat net (XI) = résultat du Bilan (CJ)", result["XI"], passif["CJ"]),
            placed,
        ),
        "flux-de-tresorerie": (
            Control.equal(
                "Trésorerie nette au 31 décembre (ZH) = trésorerie du Bilan (BT − DT)", flows["ZH"], net_cash
            ),
        ),
    }
    sections = {
        "bilan": (("actif", actif, p_actif), ("passif", passif, p_passif)),
        "compte-de-resultat": (("resultat", result, p_result),),
        "flux-de-tresorerie": (("flux", flows, p_flows),),
    }
    return {
        kind: Statement(kind, fy.code, fy.start_date, end, sections[kind], controls[kind], unplaced)
        for kind in sections
    }
