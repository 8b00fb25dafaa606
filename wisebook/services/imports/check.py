"""Checking a file against the books, row by row, before anything is written: the company's
journals, accounts and periods loaded once, each row's cells read the way other tools write
them, each rule of an entry asked of ``ledger.entries``."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from wisebook.data import ohada
from wisebook.db import models
from wisebook.ledger.entries import (
    OPENING,
    PARTNER_REQUIRED_PREFIXES,
    account_fault,
    amount_fault,
    balance_fault,
    line_count_fault,
    opening_account_fault,
    opening_date_fault,
    partner_fault,
    period_fault,
)
from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import exponent, from_minor, minor_from_number, minor_from_text
from wisebook.ledger.periods import Period
from wisebook.ledger.text import is_digits
from wisebook.ledger.vat import is_vat_account, tax_fault
from wisebook.services.imports.plan import PeriodRef, Plan, Planned, Progress, Rejection, grouped, quiet
from wisebook.services.imports.read import FEC, Source, rows
from wisebook.services.tiers.register import new_code_fault

PROGRESS_ROWS = 50_000


class Books:
    """The company's journals, accounts and periods, loaded once; lookups cached."""

    def __init__(self, session: Session, company_id: int, *, share: bool = True):
        jnl, acc, per, fy = models.Journal, models.Account, models.Period, models.FiscalYear
        self.journals = {
            r.code: (r.id, r.code, r.kind)
            for r in session.execute(select(jnl.id, jnl.code, jnl.kind).where(jnl.company_id == company_id))
        }
        self._accounts = {
            r.code: (r.id, r.code, r.postable)
            for r in session.execute(
                select(acc.id, acc.code, acc.postable).where(acc.company_id == company_id)
            )
        }
        # The tiers rule: each registered tiers' collective account; and, when the company
        # asks for a tiers on lettrable 40/41 accounts, those accounts.
        self.partners: dict[str, str] = {
            r.code: r.account
            for r in session.execute(
                select(models.Partner.code, acc.code.label("account"))
                .join(acc, acc.id == models.Partner.account_id)
                .where(models.Partner.company_id == company_id)
            )
        }
        required, country = session.execute(
            select(models.Company.partners_required, models.Company.country).where(
                models.Company.id == company_id
            )
        ).one()
        self.vat = ohada.vat(country)  # the tax codes a line may carry
        self.partner_required: frozenset[str] = frozenset(
            session.scalars(
                select(acc.code).where(
                    acc.company_id == company_id,
                    acc.lettrable,
                    or_(*(acc.code.startswith(p) for p in PARTNER_REQUIRED_PREFIXES)),
                )
            )
            if required
            else ()
        )
        # FOR SHARE (when writing): locking a period or closing a year waits until the import
        # is written.
        periods = (
            select(
                per.id,
                per.start_date,
                per.end_date,
                per.locked,
                fy.id.label("fy_id"),
                fy.code,
                fy.status,
                fy.start_date.label("fy_start"),
            )
            .join(fy, fy.id == per.fiscal_year_id)
            .where(fy.company_id == company_id)
            .order_by(per.start_date)
        )
        found = session.execute(periods.with_for_update(read=True) if share else periods).all()
        self._starts = [p.start_date for p in found]
        self._periods = found
        self._account_cache: dict[str, tuple[int, str] | str] = {}
        self._day_cache: dict[dt.date, PeriodRef | str] = {}

    @property
    def state(self) -> tuple[Any, ...]:
        """What a check of a file depends on: equal states, equal verdicts on every row."""
        return (
            tuple(sorted(self.journals.items())),
            tuple(sorted(self._accounts.items())),
            tuple(tuple(p) for p in self._periods),
            tuple(sorted(self.partners.items())),
            self.partner_required,
            None if self.vat is None else self.vat.country,
        )

    def account(self, code: str) -> tuple[int, str] | str:
        """(id, code) of a postable account, or the reason it cannot be used. A code padded with
        zeros, as other tools export them (``41110000``), finds the account it pads (``4111``)."""
        cached = self._account_cache.get(code)
        if cached is not None:
            return cached
        probe = code
        found = self._accounts.get(probe)
        while found is None and len(probe) > 2 and probe.endswith("0"):
            probe = probe[:-1]
            found = self._accounts.get(probe)
        result: tuple[int, str] | str
        if found is None:
            result = str(account_fault(code, None))
        else:
            fault = account_fault(found[1], found[2])
            result = fault if fault is not None else (found[0], found[1])
        self._account_cache[code] = result
        return result

    def period(self, day: dt.date) -> PeriodRef | str:
        """The open period of ``day``, or the reason it takes no entry."""
        cached = self._day_cache.get(day)
        if cached is not None:
            return cached
        index = bisect_right(self._starts, day) - 1
        result: PeriodRef | str
        if index < 0 or self._periods[index].end_date < day:
            result = str(period_fault(day, None, False, None))
        else:
            p = self._periods[index]
            month = Period(0, p.start_date, p.end_date, p.locked)
            fault = period_fault(day, month, p.status == "ouvert", p.code)
            result = fault if fault is not None else PeriodRef(p.id, p.fy_id, p.code, p.fy_start)
        self._day_cache[day] = result
        return result


_DAYS: dict[str, dt.date | str] = {}


def _day(value: Any) -> dt.date:
    """A date from a cell: a date, or text as JJ/MM/AAAA, AAAA-MM-JJ or AAAAMMJJ (FEC)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    known = _DAYS.get(text)
    if isinstance(known, dt.date):
        return known
    try:
        if len(text) == 8 and is_digits(text):
            day = dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        elif len(text) >= 10 and text[4] == "-" and text[7] == "-":
            day = dt.date.fromisoformat(text[:10])
        elif len(text) == 10 and text[2] in "/.-" and text[5] == text[2]:
            day = dt.date(int(text[6:]), int(text[3:5]), int(text[:2]))
        else:
            raise ValueError
    except ValueError:
        raise ValueError(f"date invalide « {text} » (JJ/MM/AAAA attendu)") from None
    if len(_DAYS) < 10_000:
        _DAYS[text] = day
    return day


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # float-ok: an XLSX cell holding a code
        return str(int(value))
    return str(value).strip()


def _amount(value: Any, places: int) -> int:
    """Minor units from a cell: text as files write amounts, or an XLSX number."""
    if isinstance(value, str):
        return minor_from_text(value, places)
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(f"montant invalide « {value} »")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"montant négatif « {value} » : portez-le dans l'autre colonne")
        return value * int(10**places)
    # An XLSX number cell (a binary float): its shortest decimal form, whose dot is a decimal mark.
    if isinstance(value, float | Decimal):
        return minor_from_number(
            Decimal(repr(value)) if isinstance(value, float) else value, places
        )  # float-ok
    return minor_from_text(str(value), places)


def check(
    source: Source, books: Books, currency: str, progress: Progress = quiet, *, create_partners: bool = False
) -> Plan:
    """Read every row of ``source`` and check it against the books: the plan of the import.
    A tiers code the register does not know is refused on its row or, with
    ``create_partners``, is to be registered on the account of its first row, under the name
    that row gives (``nom_tiers``; the FEC's CompAuxLib) or its code (the plan's
    ``new_partners``)."""
    places = exponent(currency)
    plan = Plan(source)
    fec = source.layout is FEC
    agree = source.layout.entry_fields
    entries: dict[str, Planned] = {}
    estimate = _estimated_rows(source)
    journals, account_of, period_of = books.journals, books.account, books.period
    # A CSV gives text only: the plain string methods, and caches keyed by the cell's text.
    csv_text = source.format == "csv"
    text = str.strip if csv_text else _text
    scale = int(10**places)
    check_date = "date" in agree
    check_header = "libelle" in agree  # the WiseBook layout: piece and label agree too
    days: dict[Any, tuple[dt.date | None, PeriodRef | None, str | None]] = {}
    accounts: dict[str, tuple[int, str] | str] = {}
    partners, required, new_partners = books.partners, books.partner_required, plan.new_partners

    def amount(raw: Any) -> int:
        if raw.__class__ is str and is_digits(raw):
            return int(raw) * scale
        return minor_from_text(raw, places) if raw.__class__ is str else _amount(raw, places)

    def dated(raw: Any) -> tuple[dt.date | None, PeriodRef | None, str | None]:
        try:
            day = _day(raw)
        except ValueError as exc:
            return None, None, str(exc)
        found = period_of(day)
        return (day, None, found) if isinstance(found, str) else (day, found, None)

    for number, fields in rows(source):
        plan.rows += 1
        if plan.rows % PROGRESS_ROWS == 0:
            progress(
                min(45, 45 * plan.rows // estimate), 100, f"lecture et contrôle : {grouped(plan.rows)} lignes"
            )
        key_raw, journal_raw, day_raw, piece_raw, label_raw, account_raw, line_label, debit_raw, credit_raw, partner_raw, partner_name, tax_raw, base_raw = fields  # fmt: skip
        reasons: list[str] = []
        key, code = text(key_raw), text(journal_raw).upper()
        if not key:
            reasons.append("numéro d'écriture manquant")
        if fec:
            key = f"{code}/{key}"
        journal = journals.get(code)
        if journal is None:
            reasons.append(f"journal inconnu : {code}" if code else "journal manquant")
        dating = days.get(day_raw) if csv_text else None
        if dating is None:
            dating = dated(day_raw)
            if csv_text and len(days) < 100_000:
                days[day_raw] = dating
        day, period, wrong_day = dating
        if wrong_day is not None:
            reasons.append(wrong_day)
        label = text(label_raw)[:255]
        if not label:
            reasons.append("libellé manquant")
        piece = text(piece_raw) or None
        if piece is not None and len(piece) > 100:
            reasons.append("référence de pièce trop longue (100 caractères au plus)")
        account_code = text(account_raw)
        account = accounts.get(account_code)
        if account is None:
            account = accounts[account_code] = account_of(account_code)
        if isinstance(account, str):
            reasons.append(account)
            account = (0, "")
        if journal is not None and journal[2] == OPENING:  # the à-nouveaux: the year's opening only
            if period is not None and day is not None:
                fault = opening_date_fault(day, period.fiscal_year_start)
                if fault is not None:
                    reasons.append(fault)
            fault = opening_account_fault(account_code) if account_code else None
            if fault is not None:
                reasons.append(fault)
        try:
            debit = amount(debit_raw)
            credit = amount(credit_raw)
        except ValueError as exc:
            reasons.append(str(exc))
            debit = credit = 0
        else:
            fault = amount_fault(debit, credit)
            if fault is not None:
                reasons.append(fault)
        partner = text(partner_raw) or None
        if partner is not None and len(partner) > 100:
            reasons.append("code tiers trop long (100 caractères au plus)")
        elif account[0] and (partner is not None or account[1] in required):
            collective = partners.get(partner) if partner is not None else None
            fault = None
            if collective is None and partner is not None and create_partners:
                planned = new_partners.get(partner)
                if planned is None:
                    fault = new_code_fault(partner, account[1])
                    if fault is None:
                        name = text(partner_name)[:200] if partner_name is not None else ""
                        planned = new_partners[partner] = (account[0], account[1], name or partner)
                collective = planned[1] if planned else None
            fault = fault or partner_fault(partner, account[1], collective, required=account[1] in required)
            if fault is not None:
                reasons.append(fault)
        tax = text(tax_raw).upper() or None if tax_raw is not None else None
        base: int | None = None
        if tax is not None or (base_raw is not None and text(base_raw)):
            try:
                base = amount(base_raw) if base_raw is not None and text(base_raw) else None
            except ValueError as exc:
                reasons.append(f"base : {exc}")
            else:
                found_fault = tax_fault(
                    tax,
                    None if base is None else Decimal(base) / scale,
                    account[1],
                    Decimal(debit or credit) / scale,
                    books.vat,
                    places,
                )
                if found_fault is not None:
                    reasons.append(found_fault[1])
                elif tax is not None and base is None and not is_vat_account(account[1]):
                    base = debit or credit
        entry = entries.get(key)
        if entry is None:
            entry = entries[key] = Planned(
                key=key,
                first_line=number,
                journal_id=journal[0] if journal else 0,
                journal=code,
                day=day or dt.date.min,
                reference=piece,
                label=label,
                period=period,
            )
        else:
            differ = []
            if entry.journal != code:
                differ.append("journal")
            if check_date and day is not None and entry.day != day:
                differ.append("date")
            if check_header and entry.reference != piece:
                differ.append("piece")
            if check_header and entry.label != label:
                differ.append("libelle")
            if differ:
                reasons.extend(
                    f"{name} différent de la ligne {entry.first_line} de la même écriture" for name in differ
                )
        entry.rows.append(number)
        if reasons:
            entry.bad = True
            reject(plan, Rejection(number, key, reasons))
        elif not entry.bad:
            line_text = text(line_label)[:255] if line_label is not None else ""
            entry.lines.append(
                (account[0], account[1], line_text or label, debit, credit, partner, tax, base)
            )
    if plan.rows == 0:
        raise InvalidInput(
            "Le fichier ne contient aucune ligne d'écriture sous son en-tête.", field="fichier"
        )
    for entry in entries.values():
        if not entry.bad:
            debit = sum(ln[3] for ln in entry.lines)
            credit = sum(ln[4] for ln in entry.lines)
            few = line_count_fault(len(entry.lines))
            if few is not None:
                entry.bad = True
                reject(plan, Rejection(entry.first_line, entry.key, [few]))
            elif debit != credit:
                entry.bad = True
                fault = balance_fault(from_minor(debit, currency), from_minor(credit, currency))
                reject(plan, Rejection(entry.first_line, entry.key, [str(fault)], lines=entry.rows))
        if entry.bad:
            plan.refused_entries += 1
            plan.refused_rows += len(entry.rows)
            entry.lines = []
        else:
            plan.entries.append(entry)
    progress(45, 100, f"{grouped(plan.rows)} lignes lues et contrôlées")
    return plan


def reject(plan: Plan, rejection: Rejection) -> None:
    plan.rejections.append(rejection)


def _estimated_rows(source: Source) -> int:
    size = source.path.stat().st_size
    with source.path.open("rb") as handle:
        head = handle.read(256 * 1024)
    per_row = max(1, len(head) // max(1, head.count(b"\n")))
    return max(1, size // (per_row if source.format == "csv" else 40))
