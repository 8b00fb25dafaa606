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
