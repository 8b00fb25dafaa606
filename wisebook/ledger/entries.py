"""Entries and their lines: the rules an entry must meet to be saved and to be posted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from wisebook.ledger.accounts import Account
from wisebook.ledger.errors import FieldError, InvalidInput
from wisebook.ledger.money import parse_amount
from wisebook.ledger.periods import Period

MAX_LINES = 1000
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineDraft:
    """One line: an account, a label, a debit or a credit (never both), an optional tiers."""

    account: str
    label: str
    debit: Decimal
    credit: Decimal
    partner: str | None = None


@dataclass(frozen=True)
class EntryDraft:
    """An entry as typed by the accountant, before it is saved or posted."""

    journal: str
    date: dt.date
    label: str
    reference: str | None
    lines: tuple[LineDraft, ...]


def parse_line(raw: Mapping[str, object], currency: str, index: int) -> LineDraft:
    """Turn one JSON line into a ``LineDraft``; amounts parsed exactly."""
    where = f"lignes[{index}]"
    debit = parse_amount(raw.get("debit", "0"), currency, f"{where}.debit")
    credit = parse_amount(raw.get("credit", "0"), currency, f"{where}.credit")
    partner = raw.get("tiers")
    return LineDraft(
        account=str(raw.get("compte", "")),
        label=str(raw.get("libelle") or ""),
        debit=debit,
        credit=credit,
        partner=str(partner) if partner else None,
    )


def parse_lines(raw_lines: Sequence[Mapping[str, object]], currency: str) -> tuple[LineDraft, ...]:
    """Parse every line, collecting all amount errors before raising."""
    lines: list[LineDraft] = []
    errors: list[FieldError] = []
    for index, raw in enumerate(raw_lines):
        try:
            lines.append(parse_line(raw, currency, index))
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput("Certaines lignes sont invalides.", errors=errors)
    return tuple(lines)


def totals(lines: Sequence[LineDraft]) -> tuple[Decimal, Decimal]:
    """Total debit and total credit of some lines."""
    return sum((ln.debit for ln in lines), ZERO), sum((ln.credit for ln in lines), ZERO)


def check_lines(
    lines: Sequence[LineDraft],
    accounts: Mapping[str, Account],
    *,
    posting: bool,
    max_lines: int | None = MAX_LINES,
) -> None:
    """Line rules; when ``posting``, also at least two lines and debit total = credit total.

    ``max_lines`` bounds what a person types; entries the books make themselves (the
    à-nouveaux carry every unlettered tiers line) pass None."""
    errors: list[FieldError] = []
    if max_lines is not None and len(lines) > max_lines:
        errors.append(FieldError("lignes", f"Une écriture a au plus {MAX_LINES} lignes."))
    if posting and len(lines) < 2:
        errors.append(FieldError("lignes", "Une écriture a au moins deux lignes."))
    for index, line in enumerate(lines):
        where = f"lignes[{index}]"
        if line.debit > 0 and line.credit > 0:
            errors.append(FieldError(where, "Une ligne porte un débit ou un crédit, pas les deux."))
        elif line.debit == 0 and line.credit == 0:
            errors.append(FieldError(where, "Une ligne porte un montant non nul au débit ou au crédit."))
        account = accounts.get(line.account)
        if account is None:
            errors.append(FieldError(f"{where}.compte", f"Compte inconnu : {line.account}."))
        elif not account.postable:
            errors.append(
                FieldError(
                    f"{where}.compte",
                    f"Le compte {line.account} est un compte de regroupement : "
                    "choisissez un de ses sous-comptes.",
                )
            )
    if posting and not errors:
        debit, credit = totals(lines)
        if debit != credit:
            errors.append(
                FieldError(
                    "lignes",
                    f"Écriture déséquilibrée : débit {debit}, crédit {credit} (écart {abs(debit - credit)}).",
                )
            )
    if errors:
        raise InvalidInput("L'écriture ne respecte pas les règles de saisie.", errors=errors)


def check_date(
    day: dt.date, period: Period | None, fiscal_year_open: bool, fiscal_year_code: str | None
) -> None:
    """The date must lie in an unlocked period of an open fiscal year."""
    field = "date_comptable"
    if period is None or fiscal_year_code is None:
        raise InvalidInput(f"Aucun exercice ne couvre le {day:%d/%m/%Y}.", field=field)
    if not fiscal_year_open:
        raise InvalidInput(f"L'exercice {fiscal_year_code} est clôturé.", field=field)
    if period.locked:
        raise InvalidInput(
            f"La période du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y} est verrouillée.",
            field=field,
        )


def reversed_lines(lines: Sequence[LineDraft], label_prefix: str = "Extourne") -> tuple[LineDraft, ...]:
    """The lines of the reversal of an entry: debit and credit swapped, labels marked."""
    return tuple(
        replace(
            line,
            debit=line.credit,
            credit=line.debit,
            label=f"{label_prefix} : {line.label}" if line.label else label_prefix,
        )
        for line in lines
    )
