"""Entries and their lines: the rules an entry must meet to be saved and to be posted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from wisebook.ledger.accounts import Account
from wisebook.ledger.errors import FieldError, InvalidInput
from wisebook.ledger.money import grouped, parse_amount
from wisebook.ledger.periods import Period
from wisebook.ledger.vat import CountryVat, tax_fault

MAX_LINES = 1000
ZERO = Decimal(0)


@dataclass(frozen=True)
class LineDraft:
    """One line: an account, a label, a debit or a credit (never both), an optional tiers, an
    optional tax code with its taxable base."""

    account: str
    label: str
    debit: Decimal
    credit: Decimal
    partner: str | None = None
    tax: str | None = None
    base: Decimal | None = None


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
    tax = raw.get("taxe")
    raw_base = raw.get("base")
    base = parse_amount(raw_base, currency, f"{where}.base") if raw_base not in (None, "") else None
    return LineDraft(
        account=str(raw.get("compte", "")),
        label=str(raw.get("libelle") or ""),
        debit=debit,
        credit=credit,
        partner=str(partner) if partner else None,
        tax=str(tax).strip().upper() if tax else None,
        base=base,
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


ZERO_AMOUNT = "montant nul : une ligne porte un débit ou un crédit"
#: Where a form says a fault in other words than a report's list of reasons.
_SENTENCES = {ZERO_AMOUNT: "Une ligne porte un montant non nul au débit ou au crédit."}

# Each rule of an entry, once: a fault in the words of a list of reasons (``import`` reports
# several per row), or None; a person's form shows it as a sentence (``sentence``).


def amount_fault(debit: Decimal | int, credit: Decimal | int) -> str | None:
    """A line carries a debit or a credit, never both, never neither."""
    if debit > 0 and credit > 0:
        return "une ligne porte un débit ou un crédit, pas les deux"
    if debit == 0 and credit == 0:
        return ZERO_AMOUNT
    return None


def account_fault(code: str, postable: bool | None) -> str | None:
    """A line's account exists (``postable`` None: it does not) and is not a grouping account."""
    if postable is None:
        return f"compte inconnu : {code}" if code else "compte manquant"
    if not postable:
        return f"le compte {code} est un compte de regroupement : choisissez un de ses sous-comptes"
    return None


#: The collective accounts on which a company may make the tiers mandatory: suppliers (40)
#: and customers (41), when they are lettrable.
PARTNER_REQUIRED_PREFIXES = ("40", "41")


def partner_fault(partner: str | None, account: str, collective: str | None, *, required: bool) -> str | None:
    """A line's tiers is a registered tiers (``collective`` is its collective account, None
    when the code is not in the register) kept on the line's account — or on a sub-account of
    it: a collective account the chart has since subdivided takes its entries there. When
    ``required`` (the company asks for a tiers on lettrable 40/41 accounts and this line's
    account is one), a line without a tiers is refused."""
    if partner is None:
        return (
            f"le compte {account} demande un tiers : choisissez le client ou le fournisseur"
            if required
            else None
        )
    if collective is None:
        return f"tiers inconnu : {partner} (enregistrez-le dans les tiers d'abord)"
    if not account.startswith(collective):
        return f"le tiers {partner} est tenu sur le compte {collective}, pas sur le compte {account}"
    return None


def partner_required(account: Account | None, company_requires: bool) -> bool:
    """Whether a line on ``account`` must name a tiers in a company that requires them."""
    return (
        company_requires
        and account is not None
        and account.lettrable
        and account.code.startswith(PARTNER_REQUIRED_PREFIXES)
    )


def line_count_fault(count: int) -> str | None:
    """A posted entry has at least two lines."""
    return "une écriture a au moins deux lignes" if count < 2 else None


def balance_fault(debit: Decimal, credit: Decimal) -> str | None:
    """A posted entry's debits equal its credits."""
    if debit == credit:
        return None
    gap = abs(debit - credit)
    return f"écriture déséquilibrée : débit {grouped(debit)}, crédit {grouped(credit)} (écart {grouped(gap)})"


def period_fault(
    day: dt.date, period: Period | None, fiscal_year_open: bool, fiscal_year_code: str | None
) -> str | None:
    """An entry's date lies in an unlocked period of an open fiscal year."""
    if period is None or fiscal_year_code is None:
        return f"aucun exercice ne couvre le {day:%d/%m/%Y}"
    if not fiscal_year_open:
        return f"l'exercice {fiscal_year_code} est clôturé"
    if period.locked:
        return f"la période du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y} est verrouillée"
    return None


#: The kind of the à-nouveaux journal, which carries the balance sheet into a year: accounts of
#: classes 1 to 5 only, on its first day.
OPENING = "a_nouveaux"
OPENING_CLASSES = frozenset("12345")


def opening_date_fault(day: dt.date, year_start: dt.date) -> str | None:
    """An entry of the à-nouveaux journal is dated the first day of its fiscal year."""
    if day == year_start:
        return None
    return (
        f"le journal des à-nouveaux ne prend que l'ouverture de l'exercice, datée du {year_start:%d/%m/%Y} :"
        " choisissez un autre journal"
    )


def opening_account_fault(code: str) -> str | None:
    """An entry of the à-nouveaux journal carries balance-sheet accounts only (classes 1 to 5)."""
    if code[:1] in OPENING_CLASSES:
        return None
    return f"le compte {code} (classe {code[:1]}) n'a pas sa place dans les à-nouveaux : comptes de bilan (classes 1 à 5) seulement"


def check_opening(lines: Sequence[LineDraft], day: dt.date, year_start: dt.date) -> None:
    """The rules of an entry in the à-nouveaux journal (its date, its accounts), all at once."""
    errors: list[FieldError] = []
    fault = opening_date_fault(day, year_start)
    if fault is not None:
        errors.append(FieldError("date_comptable", sentence(fault)))
    for index, line in enumerate(lines):
        fault = opening_account_fault(line.account) if line.account else None
        if fault is not None:
            errors.append(FieldError(f"lignes[{index}].compte", sentence(fault)))
    if errors:
        raise InvalidInput("Le journal des à-nouveaux ne prend que l'ouverture de l'exercice.", errors=errors)


def sentence(fault: str) -> str:
    """A fault as a form shows it: a capital, a full stop."""
    return _SENTENCES.get(fault) or fault[:1].upper() + fault[1:] + "."


#: The refusal that carries several faults of one entry.
RULES_BROKEN = "L'écriture ne respecte pas les règles de saisie."


def check_lines(
    lines: Sequence[LineDraft],
    accounts: Mapping[str, Account],
    *,
    posting: bool,
    max_lines: int | None = MAX_LINES,
    partners: Mapping[str, str] | None = None,
    partners_required: bool = False,
    vat: CountryVat | None = None,
    places: int = 0,
) -> None:
    """Line rules; when ``posting``, also at least two lines and debit total = credit total.

    ``max_lines`` bounds what a person types; entries the books make themselves (the
    à-nouveaux carry every unlettered tiers line) pass None. ``partners`` (each registered
    tiers the lines name → its collective account) applies the tiers rule; the books' own
    entries (reversals, à-nouveaux) pass None: they repeat lines already posted.
    ``partners_required`` (the company's setting) is checked when posting. ``vat`` (the
    company's country's taxes) and ``places`` (its currency's decimals) check a line's tax
    code and base."""
    errors: list[FieldError] = []
    if max_lines is not None and len(lines) > max_lines:
        errors.append(FieldError("lignes", f"Une écriture a au plus {MAX_LINES} lignes."))
    few = line_count_fault(len(lines)) if posting else None
    if few is not None:
        errors.append(FieldError("lignes", sentence(few)))
    for index, line in enumerate(lines):
        where = f"lignes[{index}]"
        fault = amount_fault(line.debit, line.credit)
        if fault is not None:
            errors.append(FieldError(where, sentence(fault)))
        account = accounts.get(line.account)
        fault = account_fault(line.account, None if account is None else account.postable)
        if fault is not None:
            errors.append(FieldError(f"{where}.compte", sentence(fault)))
        if partners is not None and account is not None:
            required = posting and partner_required(account, partners_required)
            fault = partner_fault(
                line.partner, line.account, partners.get(line.partner or ""), required=required
            )
            if fault is not None:
                errors.append(FieldError(f"{where}.tiers", sentence(fault)))
        if line.tax is not None or line.base is not None:
            found = tax_fault(line.tax, line.base, line.account, line.debit or line.credit, vat, places)
            if found is not None:
                errors.append(FieldError(f"{where}.{found[0]}", sentence(found[1])))
    if posting and not errors:
        fault = balance_fault(*totals(lines))
        if fault is not None:
            errors.append(FieldError("lignes", sentence(fault)))
    if errors:
        raise InvalidInput(RULES_BROKEN, errors=errors)


def check_date(
    day: dt.date, period: Period | None, fiscal_year_open: bool, fiscal_year_code: str | None
) -> None:
    """The date must lie in an unlocked period of an open fiscal year."""
    fault = period_fault(day, period, fiscal_year_open, fiscal_year_code)
    if fault is not None:
        raise InvalidInput(sentence(fault), field="date_comptable")


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
