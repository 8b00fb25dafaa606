"""Bank and mobile-money statements: the rules a statement meets before its lines enter the
books' bank side, whatever its file format.

A statement line's ``amount`` is in the account currency's minor units, signed as the bank
sees the account: money in (a credit on the statement) is positive, as it is a debit on the
books' 52x account. A line is known again by its ``fingerprint``: the bank's own id for the
transaction when the file gives one, else its date, amount, label and reference with the rank
of identical lines within the file (two coffees of 500 on the same day are two lines) — so a
file that overlaps one already read adds only what is new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import from_minor, grouped

#: What a statement line's label, reference and counterparty keep (the table's columns).
LABEL_LENGTH = 300
REFERENCE_LENGTH = 100
KINDS = ("banque", "mobile_money")


@dataclass(frozen=True)
class StatementLine:
    """One movement of a statement, as the file gives it; ``line`` is where it starts in the
    file (for the messages), ``bank_id`` the bank's id of the transaction when it has one."""

    line: int
    date: dt.date
    amount: int
    label: str
    value_date: dt.date | None = None
    reference: str | None = None
    counterparty: str | None = None
    counterparty_iban: str | None = None
    bank_id: str | None = None


@dataclass
class Statement:
    """A statement file read: its account as the file names it, its currency, its balances
    (minor units; None when the format or the file gives none) and its lines."""

    format: str
    lines: list[StatementLine] = field(default_factory=list)
    iban: str | None = None
    account_number: str | None = None
    currency: str | None = None
    opening: int | None = None
    opening_date: dt.date | None = None
    closing: int | None = None
    closing_date: dt.date | None = None

    @property
    def start(self) -> dt.date | None:
        """The first day the statement covers."""
        days = [ln.date for ln in self.lines]
        return min([*days, *([self.opening_date] if self.opening_date else [])], default=None)

    @property
    def end(self) -> dt.date | None:
        """The last day the statement covers."""
        days = [ln.date for ln in self.lines]
        return max([*days, *([self.closing_date] if self.closing_date else [])], default=None)


def fingerprints(lines: Sequence[StatementLine]) -> list[str]:
    """Each line's identity across files: the bank's id when given, else its content and its
    rank among identical lines of the same file."""
    seen: Counter[tuple[object, ...]] = Counter()
    found = []
    for ln in lines:
        if ln.bank_id:
            key: tuple[object, ...] = ("id", ln.bank_id)
        else:
            content = (ln.date.isoformat(), ln.amount, " ".join(ln.label.split()).lower(), ln.reference or "")
            seen[content] += 1
            key = ("contenu", *content, seen[content])
        found.append(hashlib.sha256(repr(key).encode()).hexdigest()[:40])
    return found


def check_statement(statement: Statement, *, currency: str, iban: str | None) -> None:
    """A statement belongs to the bank account it is sent to (its IBAN and currency, when the
    file says them) and adds up: opening + lines = closing, when it gives both balances."""
    if not statement.lines and statement.opening is None and statement.closing is None:
        raise InvalidInput("Le relevé ne contient aucun mouvement ni solde.", field="fichier")
    if statement.currency and statement.currency.upper() != currency:
        raise InvalidInput(
            f"Ce relevé est en {statement.currency.upper()} ; le compte est tenu en {currency}.",
            field="fichier",
        )
    if iban and statement.iban and _compact(statement.iban) != _compact(iban):
        raise InvalidInput(
            f"Ce relevé est celui du compte {_compact(statement.iban)}, pas de {_compact(iban)}.",
            field="fichier",
        )
    if statement.opening is not None and statement.closing is not None:
        moved = sum(ln.amount for ln in statement.lines)
        if statement.opening + moved != statement.closing:

            def shown(units: int) -> str:
                return grouped(from_minor(units, currency))

            raise InvalidInput(
                f"Le relevé ne s'équilibre pas : solde initial {shown(statement.opening)}, mouvements "
                f"{shown(moved)}, solde final {shown(statement.closing)} "
                f"(écart {shown(statement.closing - statement.opening - moved)}).",
                field="fichier",
            )


def _compact(iban: str) -> str:
    return "".join(iban.split()).upper()


def continuous(previous_closing: int | None, opening: int | None) -> bool | None:
    """Whether a statement opens on the balance the previous one closed on (None: unknown —
    the first statement, or a format without balances)."""
    if previous_closing is None or opening is None:
        return None
    return previous_closing == opening


# ---------------------------------------------------------------------------- matching

#: Days either side of a statement line where its ledger lines are looked for.
DATE_WINDOW = 10
#: The score above which the automatic matching accepts a proposal (out of 100).
AUTOMATIC = 80


@dataclass(frozen=True)
class OpenBankLine:
    """A statement line not yet matched."""

    id: int
    date: dt.date
    amount: int
    text: str  # its label, reference and counterparty, folded
    iban: str | None = None


@dataclass(frozen=True)
class OpenLedgerLine:
    """A posted line of the bank's ledger account not yet matched; ``amount`` debit − credit
    (money in positive, as on the statement); ``keys`` its entry's number and pièce folded,
    ``names`` its tiers' name words, ``ibans`` its tiers' bank accounts."""

    id: int
    entry_id: int
    date: dt.date
    amount: int
    keys: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    ibans: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    """Statement lines and ledger lines whose sums agree, with how sure the match is and why."""

    bank_ids: tuple[int, ...]
    ledger_ids: tuple[int, ...]
    score: int
    reasons: tuple[str, ...]


def fold(text: str) -> str:
    """Letters and digits only, lower case, accents dropped: « FA-2026/007 » → « fa2026007 »."""
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch if ch.isalnum() else " " for ch in plain)


def _score(bank: OpenBankLine, ledger: list[OpenLedgerLine]) -> tuple[int, tuple[str, ...]]:
    """How well ``ledger`` lines answer a statement line of the same total: the nearest date,
    a pièce or entry number found in the statement's text, the tiers' name, its IBAN."""
    reasons = ["montant"]
    score = 50
    gap = min(abs((ln.date - bank.date).days) for ln in ledger)
    score += round(20 * max(0.0, 1 - gap / DATE_WINDOW))
    reasons.append("même jour" if gap == 0 else f"{gap} j d'écart")
    squeezed = bank.text.replace(" ", "")
    if any(key and len(key) >= 3 and key in squeezed for ln in ledger for key in ln.keys):
        score += 20
        reasons.append("référence")
    words = set(bank.text.split())
    if any(ln.names and all(w in words for w in ln.names) for ln in ledger):
        score += 10
        reasons.append("tiers")
    if bank.iban and any(bank.iban in ln.ibans for ln in ledger):
        score += 10
        reasons.append("IBAN")
    return min(score, 100), tuple(reasons)


def propose(bank_lines: Sequence[OpenBankLine], ledger_lines: Sequence[OpenLedgerLine]) -> list[Proposal]:
    """For each open statement line, its best match among the open ledger lines within the
    date window: one ledger line of the same amount; else the lines of one entry, or of one
    day, or a pair, summing to it; else, for a ledger line, the statement lines of one day
    that sum to it. Amounts are looked up in tables (not compared pairwise): a month of
    10 000 statement lines against 100 000 ledger lines is a few passes over each."""
    by_amount: dict[int, list[OpenLedgerLine]] = {}
    by_entry: dict[int, list[OpenLedgerLine]] = {}
    by_day: dict[dt.date, list[OpenLedgerLine]] = {}
    for ln in ledger_lines:
        by_amount.setdefault(ln.amount, []).append(ln)
        by_entry.setdefault(ln.entry_id, []).append(ln)
        by_day.setdefault(ln.date, []).append(ln)
    window = dt.timedelta(days=DATE_WINDOW)
    found: list[Proposal] = []
    answered: set[int] = set()
    for bank in bank_lines:
        near = [ln for ln in by_amount.get(bank.amount, ()) if abs(ln.date - bank.date) <= window]
        if near:
            ranked = sorted(
                ((*_score(bank, [ln]), ln) for ln in near),
                key=lambda t: (-t[0], abs(t[2].date - bank.date), t[2].id),
            )
            score, reasons, best = ranked[0]
            if len(ranked) > 1 and ranked[1][0] == score:
                score, reasons = min(score, AUTOMATIC - 1), (*reasons, "ambigu")
            found.append(Proposal((bank.id,), (best.id,), score, reasons))
            answered.add(bank.id)
            continue
        group = _several(bank, by_entry, by_day, window)
        if group:
            score, reasons = _score(bank, group)
            found.append(
                Proposal((bank.id,), tuple(ln.id for ln in group), score, (*reasons, "plusieurs lignes"))
            )
            answered.add(bank.id)
    # Many statement lines to one ledger line: a day's card payments booked as one.
    days: dict[dt.date, list[OpenBankLine]] = {}
    for bank in bank_lines:
        if bank.id not in answered:
            days.setdefault(bank.date, []).append(bank)
    for day, members in days.items():
        if len(members) < 2:
            continue
        total = sum(b.amount for b in members)
        near = [ln for ln in by_amount.get(total, ()) if abs(ln.date - day) <= window]
        if near:
            best = min(near, key=lambda ln: (abs(ln.date - day), ln.id))
            joined = OpenBankLine(members[0].id, day, total, " ".join(b.text for b in members))
            score, reasons = _score(joined, [best])
            found.append(
                Proposal(
                    tuple(b.id for b in members), (best.id,), score, (*reasons, "plusieurs lignes du relevé")
                )
            )
    return found


def _several(
    bank: OpenBankLine,
    by_entry: dict[int, list[OpenLedgerLine]],
    by_day: dict[dt.date, list[OpenLedgerLine]],
    window: dt.timedelta,
) -> list[OpenLedgerLine] | None:
    """Ledger lines that together make a statement line: an entry's lines on the account, a
    day's lines, or two lines of the window."""
    span = [bank.date + dt.timedelta(days=d) for d in range(-window.days, window.days + 1)]
    days = sorted((d for d in span if d in by_day), key=lambda d: abs(d - bank.date))
    for day in days:
        lines = by_day[day]
        for entry in {ln.entry_id for ln in lines}:
            members = by_entry[entry]
            if len(members) > 1 and sum(ln.amount for ln in members) == bank.amount:
                return members
        if len(lines) > 1 and sum(ln.amount for ln in lines) == bank.amount:
            return lines
    seen: dict[int, OpenLedgerLine] = {}
    for day in days:
        for ln in by_day[day]:
            other = seen.get(bank.amount - ln.amount)
            if other is not None:
                return [other, ln]
            seen.setdefault(ln.amount, ln)
    return None


def match_fault(bank_total: int, ledger_total: int, currency: str) -> str | None:
    """A match's statement lines and ledger lines sum to the same amount."""
    if bank_total == ledger_total:
        return None
    gap = grouped(from_minor(bank_total - ledger_total, currency))
    return (
        f"les montants ne s'accordent pas : relevé {grouped(from_minor(bank_total, currency))}, "
        f"comptabilité {grouped(from_minor(ledger_total, currency))} (écart {gap})"
    )


# ---------------------------------------------------------------------------- rules

RULE_DIRECTIONS = ("entree", "sortie", "tous")


@dataclass(frozen=True)
class Rule:
    """What a rule looks for in a statement line: words (folded), a direction, an amount range
    (absolute, minor units; None: no bound)."""

    id: int
    contains: str
    direction: str = "tous"
    amount_min: int | None = None
    amount_max: int | None = None


def rule_for(line: OpenBankLine, rules: Sequence[Rule]) -> Rule | None:
    """The first rule (in their order) a statement line meets, or None."""
    size = abs(line.amount)
    for rule in rules:
        if (rule.direction == "entree" and line.amount <= 0) or (
            rule.direction == "sortie" and line.amount >= 0
        ):
            continue
        if rule.amount_min is not None and size < rule.amount_min:
            continue
        if rule.amount_max is not None and size > rule.amount_max:
            continue
        if all(word in line.text for word in rule.contains.split()):
            return rule
    return None
