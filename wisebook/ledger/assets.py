"""Fixed assets: a depreciation plan's rules and its schedule, year by year and to any date.

Amounts are integer minor units. A plan depreciates ``gross - residual`` from the date the asset
is put in service:

- ``lineaire``: prorata temporis by days — each fiscal year takes the yearly annuity
  (base / life) times the days of the year the asset is in service over the year's actual
  length (365 or 366 days); the plan ends the day before the anniversary of its start, the last
  year taking what is left.
- ``degressif``: the rate is 1/life times the coefficient; the first year counts from the first
  day of the month put in service (months / 12); each year takes the net value times the rate
  until the straight line over the years left gives more, then that; the life counts in fiscal
  years, the first partial one included.
- ``unites``: each fiscal year takes the base times the units produced that year over the total
  units expected.

Within a year, what is due at a date (a month's run, a disposal's catch-up) is the year's amount
times the part of the year's depreciation period elapsed (days; months for ``degressif``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

LINEAR, DECLINING, UNITS = "lineaire", "degressif", "unites"
METHODS = (LINEAR, DECLINING, UNITS)


@dataclass(frozen=True)
class Revision:
    """A change of plan from a date: the net value left then (less an exceptional write-down
    booked that day, 29x/691x) is depreciated on the straight line over ``life`` years from
    ``on``, down to ``residual``."""

    on: dt.date
    life: int
    residual: int = 0
    write_down: int = 0


@dataclass(frozen=True)
class Plan:
    """A depreciation plan, amounts in minor units; ``revisions`` change it from their dates."""

    method: str
    gross: int
    residual: int
    start: dt.date  # the date put in service
    life: int = 0  # years (lineaire, degressif)
    coefficient: Decimal | None = None  # degressif
    units_total: int = 0  # unites
    units: Mapping[int, int] = field(default_factory=dict)  # unites: by fiscal year's start year
    revisions: tuple[Revision, ...] = ()

    @property
    def base(self) -> int:
        """What the plan depreciates (its last revision's residual value kept)."""
        residual = self.revisions[-1].residual if self.revisions else self.residual
        return self.gross - residual - self.written_down

    @property
    def written_down(self) -> int:
        """The exceptional write-downs of its revisions."""
        return sum(r.write_down for r in self.revisions)

    def original(self) -> Plan:
        return Plan(
            self.method,
            self.gross,
            self.residual,
            self.start,
            self.life,
            self.coefficient,
            self.units_total,
            self.units,
        )


@dataclass(frozen=True)
class Year:
    """A fiscal year's line of a schedule."""

    start: dt.date
    end: dt.date
    opening: int  # net book value at the start of the year (gross minus depreciation before)
    annuity: int
    accumulated: int  # depreciation at the end of the year
    closing: int  # net book value at the end of the year


def plan_faults(
    plan: Plan, acquired: dt.date | None = None, coefficients: Mapping[int, Decimal] | None = None
) -> list[tuple[str, str]]:
    """Every fault of a plan, each with its field: a positive gross value, a residual value
    from zero to below the gross, a life of at least a year (three for declining balance, the
    coefficient the country gives for the life or one typed), the service date not before the
    acquisition, a total of units for a units-of-production plan."""
    faults: list[tuple[str, str]] = []
    if plan.method not in METHODS:
        faults.append(("methode", f"méthode inconnue : {plan.method[:20]} (lineaire, degressif ou unites)"))
    if plan.gross <= 0:
        faults.append(("valeur_brute", "la valeur brute est un montant positif"))
    if plan.residual < 0:
        faults.append(("valeur_residuelle", "la valeur résiduelle est un montant positif ou nul"))
    elif plan.gross > 0 and plan.residual >= plan.gross:
        faults.append(("valeur_residuelle", "la valeur résiduelle doit rester inférieure à la valeur brute"))
    if plan.method in (LINEAR, DECLINING) and plan.life <= 0:
        faults.append(("duree", "la durée d'utilisation est d'au moins un an"))
    if plan.method == DECLINING and plan.life > 0:
        if plan.life < 3:
            faults.append(("duree", "l'amortissement dégressif demande une durée d'au moins trois ans"))
        elif (plan.coefficient is None or plan.coefficient <= 0) and coefficient_for(
            plan.life, coefficients
        ) is None:
            faults.append(
                ("coefficient", "indiquez le coefficient dégressif (aucun n'est connu pour cette durée)")
            )
    if plan.method == UNITS and plan.units_total <= 0:
        faults.append(("unites_totales", "indiquez le total d'unités que produira le bien"))
    if acquired is not None and plan.start < acquired:
        faults.append(("mise_en_service", "la mise en service ne précède pas l'acquisition"))
    return faults


def coefficient_for(life: int, coefficients: Mapping[int, Decimal] | None) -> Decimal | None:
    """The declining-balance coefficient for a life: the country's for the longest life listed
    that does not exceed it (``{3: 1.5, 5: 2, 7: 2.5}``: 3–4 years 1.5, 5–6 years 2, beyond 2.5)."""
    if not coefficients:
        return None
    found = [c for years, c in sorted(coefficients.items()) if years <= life]
    return found[-1] if found else None


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _days(start: dt.date, end: dt.date) -> int:
    """Days from ``start`` to ``end``, both counted; 0 when ``end`` comes first."""
    return max((end - start).days + 1, 0)


def _anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _months(start: dt.date, end: dt.date) -> int:
    """Months from the month of ``start`` to the month of ``end``, both counted."""
    return max((end.year - start.year) * 12 + end.month - start.month + 1, 0)


def year_windows(first_start: dt.date, count: int) -> list[tuple[dt.date, dt.date]]:
    """``count`` fiscal years of twelve months from ``first_start``."""
    found = []
    start = first_start
    for _ in range(count):
        end = _add_months(start, 12) - dt.timedelta(days=1)
        found.append((start, end))
        start = end + dt.timedelta(days=1)
    return found


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def windows_for(plan: Plan, year_start_month: int = 1, extra: int = 2) -> list[tuple[dt.date, dt.date]]:
    """The fiscal years the plan runs over, twelve months each from ``year_start_month``."""
    first = dt.date(plan.start.year, year_start_month, 1)
    if first > plan.start:
        first = dt.date(plan.start.year - 1, year_start_month, 1)
    years = plan.life + extra if plan.method != UNITS else max(len(plan.units), 1) + extra
    return year_windows(first, years)


def revision_faults(
    plan: Plan, revision: Revision, windows: Sequence[tuple[dt.date, dt.date]]
) -> list[tuple[str, str]]:
    """A revision comes after the plan's start and its last revision, keeps a life of at least
    a year, and leaves a residual value and write-down within the net value left then."""
    faults: list[tuple[str, str]] = []
    last = plan.revisions[-1].on if plan.revisions else plan.start
    if revision.on <= last:
        faults.append(("date", f"le changement de plan vient après le {last:%d/%m/%Y}"))
    if revision.life <= 0:
        faults.append(("duree", "la durée restante est d'au moins un an"))
    if revision.residual < 0 or revision.write_down < 0:
        faults.append(("montant", "les montants sont positifs ou nuls"))
    if not faults:
        left = plan.gross - plan.written_down - due_at(plan, windows, revision.on - dt.timedelta(days=1))
        if revision.residual + revision.write_down > left:
            faults.append(
                (
                    "depreciation",
                    "la dépréciation et la valeur résiduelle dépassent la valeur nette à cette date",
                )
            )
    return faults


def schedule(plan: Plan, windows: Sequence[tuple[dt.date, dt.date]]) -> list[Year]:
    """The plan year by year over ``windows`` (fiscal years), up to the year it ends; a revised
    plan's years are what it has accumulated at each year's end less at the one before (its
    write-downs lower the net values, not the annuities)."""
    if plan.revisions:
        return _revised_schedule(plan, windows)
    amounts = _annuities(plan, windows)
    found: list[Year] = []
    accumulated = 0
    for (start, end), annuity in zip(windows, amounts, strict=False):
        if end < plan.start:
            continue
        opening = plan.gross - accumulated
        accumulated += annuity
        found.append(Year(start, end, opening, annuity, accumulated, plan.gross - accumulated))
        if accumulated >= plan.base:
            break
    return found


def _annuities(plan: Plan, windows: Sequence[tuple[dt.date, dt.date]]) -> list[int]:
    base = plan.base
    out: list[int] = []
    done = 0
    if plan.method == LINEAR:
        last = _anniversary(plan.start, plan.life) - dt.timedelta(days=1)
        for start, end in windows:
            covered = _days(max(start, plan.start), min(end, last))
            if end >= last:
                amount = base - done
            else:
                amount = _round(Decimal(base) * covered / (Decimal(_days(start, end)) * plan.life))
            amount = min(max(amount, 0), base - done)
            out.append(amount)
            done += amount
        return out
    if plan.method == DECLINING:
        rate = Decimal(plan.coefficient or 0) / plan.life
        counted = 0  # fiscal years of the plan begun
        for _start, end in windows:
            if end < plan.start or done >= base:
                out.append(0)
                continue
            counted += 1
            left_years = plan.life - counted + 1
            net = base - done
            if counted == 1:
                declining = Decimal(net) * rate * _months(plan.start, end) / 12
                linear = Decimal(net) / left_years * _months(plan.start, end) / 12
            else:
                declining = Decimal(net) * rate
                linear = Decimal(net) / left_years
            amount = net if left_years <= 1 else _round(max(declining, linear))
            amount = min(amount, net)
            out.append(amount)
            done += amount
        return out
    # units of production
    total = plan.units_total
    produced = 0
    for start, _end in windows:
        units = plan.units.get(start.year, 0)
        produced += units
        amount = base - done if produced >= total else _round(Decimal(base) * produced / total) - done
        amount = min(max(amount, 0), base - done)
        out.append(amount)
        done += amount
    return out


def _segments(plan: Plan, windows: Sequence[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, int, Plan]]:
    """A revised plan as its pieces: from each date, what was accumulated before it and the
    straight-line plan that runs from it."""
    pieces: list[tuple[dt.date, int, Plan]] = [(plan.start, 0, plan.original())]
    written = 0
    for revision in plan.revisions:
        before = _due_pieces(pieces, windows, revision.on - dt.timedelta(days=1))
        written += revision.write_down
        left = plan.gross - written - before - revision.residual
        pieces.append((revision.on, before, Plan(LINEAR, max(left, 0), 0, revision.on, life=revision.life)))
    return pieces


def _due_pieces(
    pieces: Sequence[tuple[dt.date, int, Plan]], windows: Sequence[tuple[dt.date, dt.date]], day: dt.date
) -> int:
    found = [p for p in pieces if p[0] <= day]
    if not found:
        return 0
    _on, before, piece = found[-1]
    return before + _due_simple(piece, _windows_from(windows, piece), day)


def _windows_from(windows: Sequence[tuple[dt.date, dt.date]], plan: Plan) -> list[tuple[dt.date, dt.date]]:
    """The fiscal years a piece runs over: those given from its start, and more of twelve months."""
    kept = [w for w in windows if w[1] >= plan.start]
    while len(kept) < plan.life + 2:
        last = kept[-1] if kept else (plan.start, plan.start - dt.timedelta(days=1))
        kept += year_windows(last[1] + dt.timedelta(days=1), 1)
    return kept


def _revised_schedule(plan: Plan, windows: Sequence[tuple[dt.date, dt.date]]) -> list[Year]:
    pieces = _segments(plan, windows)
    last = pieces[-1][2]
    all_windows = list(windows)
    while all_windows[-1][1] < _anniversary(last.start, last.life):
        all_windows += year_windows(all_windows[-1][1] + dt.timedelta(days=1), 1)
    found: list[Year] = []
    accumulated = 0
    for start, end in all_windows:
        if end < plan.start:
            continue
        written = sum(r.write_down for r in plan.revisions if r.on <= end)
        written_before = sum(r.write_down for r in plan.revisions if r.on < start)
        opening = plan.gross - accumulated - written_before
        total = _due_pieces(pieces, windows, end)
        annuity = total - accumulated
        accumulated = total
        found.append(Year(start, end, opening, annuity, accumulated, plan.gross - accumulated - written))
        if accumulated + written >= plan.gross - (
            plan.revisions[-1].residual if plan.revisions else plan.residual
        ):
            break
    return found


def due_at(plan: Plan, windows: Sequence[tuple[dt.date, dt.date]], day: dt.date) -> int:
    """Depreciation accumulated from the start of the plan to ``day`` (included): whole years
    before it, and the part of its year elapsed (days; months for declining balance); a revised
    plan's, piece by piece."""
    if plan.revisions:
        return _due_pieces(_segments(plan, windows), windows, day)
    return _due_simple(plan, windows, day)


def _due_simple(plan: Plan, windows: Sequence[tuple[dt.date, dt.date]], day: dt.date) -> int:
    total = 0
    for year in schedule(plan, windows):
        if year.end <= day:
            total += year.annuity
            continue
        if year.start > day:
            break
        begin = max(year.start, plan.start)
        if day < begin:
            break
        if plan.method == DECLINING:
            elapsed, length = _months(begin, day), _months(begin, year.end)
        else:
            last = (
                min(year.end, _anniversary(plan.start, plan.life) - dt.timedelta(days=1))
                if plan.method == LINEAR
                else year.end
            )
            elapsed, length = _days(begin, min(day, last)), _days(begin, last)
        total += year.annuity if elapsed >= length else _round(Decimal(year.annuity) * elapsed / length)
        break
    return total
