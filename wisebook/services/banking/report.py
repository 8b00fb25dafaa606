"""The état de rapprochement of a bank account at a date: the books' balance and the bank's,
the items each side holds that the other does not yet, and a difference that must be zero.

The books' balance is the ledger account's at that date within its fiscal year (à-nouveaux
included); the bank's, the statements' at that date. Reconciliation starts with the first
statement read: the books and the bank agreed on its opening balance, so the open items are
the lines from its first day on — a ledger line or a statement line is open at the date when it
is not matched, or when the match that holds it takes a line of the other side dated later.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput
from wisebook.services.banking.accounts import get_bank_account

_BL, _L, _E, _FY = models.BankLine, models.Line, models.Entry, models.FiscalYear
_BMS, _BML = models.BankMatchStatementLine, models.BankMatchLedgerLine


@dataclass(frozen=True)
class Reconciliation:
    """The état: balances, open items and the difference (minor units)."""

    bank: models.BankAccount
    account: str
    at: dt.date
    start: dt.date | None
    books: int
    statement: int
    statement_known: bool  # False: no statement gives balances up to that date
    ledger_open: list[Any]
    statement_open: list[Any]

    @property
    def ledger_open_total(self) -> int:
        return sum(r.debit - r.credit for r in self.ledger_open)

    @property
    def statement_open_total(self) -> int:
        return sum(r.amount for r in self.statement_open)

    @property
    def books_adjusted(self) -> int:
        """The books' balance less what the bank has not yet seen."""
        return self.books - self.ledger_open_total

    @property
    def statement_adjusted(self) -> int:
        """The bank's balance less what the books do not yet hold."""
        return self.statement - self.statement_open_total

    @property
    def difference(self) -> int:
        return self.books_adjusted - self.statement_adjusted


def _books_balance(session: Session, bank: models.BankAccount, at: dt.date) -> int:
    fy = session.scalars(
        select(_FY).where(_FY.company_id == bank.company_id, _FY.start_date <= at, _FY.end_date >= at)
    ).one_or_none()
    if fy is None:
        raise InvalidInput(f"Aucun exercice ne couvre le {at:%d/%m/%Y}.", field="au")
    total = session.scalar(
        select(func.coalesce(func.sum(_L.debit - _L.credit), 0))
        .join(_E, _E.id == _L.entry_id)
        .where(
            _L.account_id == bank.account_id,
            _E.fiscal_year_id == fy.id,
            _E.status == models.POSTED,
            _L.entry_date <= at,
        )
    )
    return int(total or 0)


def _statement_balance(session: Session, bank: models.BankAccount, at: dt.date) -> tuple[int, bool]:
    """The bank's balance at ``at``: the last statement ending by then, its closing balance,
    plus its lines after; else the first statement's opening plus the lines up to then."""
    st = models.BankStatement
    last = session.execute(
        select(st.end_date, st.closing)
        .where(st.bank_account_id == bank.id, st.closing.is_not(None), st.end_date <= at)
        .order_by(st.end_date.desc(), st.id.desc())
        .limit(1)
    ).first()
    if last is not None:
        after = session.scalar(
            select(func.coalesce(func.sum(_BL.amount), 0)).where(
                _BL.bank_account_id == bank.id, _BL.line_date > last.end_date, _BL.line_date <= at
            )
        )
        return int(last.closing) + int(after or 0), True
    first = session.execute(
        select(st.start_date, st.opening)
        .where(st.bank_account_id == bank.id, st.opening.is_not(None))
        .order_by(st.start_date, st.id)
        .limit(1)
    ).first()
    moved = session.scalar(
        select(func.coalesce(func.sum(_BL.amount), 0)).where(
            _BL.bank_account_id == bank.id, _BL.line_date <= at
        )
    )
    if first is None:
        return int(moved or 0), False
    return int(first.opening) + int(moved or 0), True


def reconciliation_start(session: Session, bank_account_id: int) -> dt.date | None:
    """The first day of the first statement read into the account (None: none yet)."""
    found = session.scalar(select(func.min(_BL.line_date)).where(_BL.bank_account_id == bank_account_id))
    return found if isinstance(found, dt.date) else None


def reconciliation(session: Session, company_id: int, bank_account_id: int, at: dt.date) -> Reconciliation:
    """The état de rapprochement of a bank account at ``at``."""
    bank = get_bank_account(session, company_id, bank_account_id)
    account = session.get(models.Account, bank.account_id)
    assert account is not None
    start = reconciliation_start(session, bank.id)
    books = _books_balance(session, bank, at)
    statement, known = _statement_balance(session, bank, at)
    if start is None or start > at:
        return Reconciliation(bank, account.code, at, start, books, statement, known, [], [])
    ledger = session.execute(
        select(
            _L.id,
            _L.entry_date,
            _L.debit,
            _L.credit,
            _L.label,
            _E.number,
            _E.reference,
            _E.label.label("entry_label"),
            _BML.match_id,
        )
        .join(_E, _E.id == _L.entry_id)
        .outerjoin(_BML, _BML.line_id == _L.id)
        .where(
            _L.account_id == bank.account_id,
            _E.status == models.POSTED,
            _L.entry_date >= start,
            _L.entry_date <= at,
        )
        .order_by(_L.entry_date, _L.id)
    ).all()
    lines = session.execute(
        select(_BL.id, _BL.line_date, _BL.amount, _BL.label, _BL.reference, _BMS.match_id)
        .outerjoin(_BMS, _BMS.bank_line_id == _BL.id)
        .where(_BL.bank_account_id == bank.id, _BL.line_date <= at)
        .order_by(_BL.line_date, _BL.id)
    ).all()
    matches = {r.match_id for r in ledger if r.match_id} | {r.match_id for r in lines if r.match_id}
    latest_bank: dict[int, dt.date] = defaultdict(lambda: dt.date.min)
    latest_books: dict[int, dt.date] = defaultdict(lambda: dt.date.min)
    if matches:
        for match_id, day in session.execute(
            select(_BMS.match_id, func.max(_BL.line_date))
            .join(_BL, _BL.id == _BMS.bank_line_id)
            .where(_BMS.match_id.in_(matches))
            .group_by(_BMS.match_id)
        ):
            latest_bank[match_id] = day
        for match_id, day in session.execute(
            select(_BML.match_id, func.max(_L.entry_date))
            .join(_L, _L.id == _BML.line_id)
            .where(_BML.match_id.in_(matches))
            .group_by(_BML.match_id)
        ):
            latest_books[match_id] = day
    ledger_open = [r for r in ledger if r.match_id is None or latest_bank[r.match_id] > at]
    statement_open = [r for r in lines if r.match_id is None or latest_books[r.match_id] > at]
    return Reconciliation(bank, account.code, at, start, books, statement, known, ledger_open, statement_open)
