"""Trial balance arithmetic: opening, movements and closing balance of an account."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class BalanceRow:
    """One account's line of the six-column balance, in integer minor units."""

    account: str
    label: str
    opening_debit: int
    opening_credit: int
    debit: int
    credit: int

    @property
    def closing_debit(self) -> int:
        """Debit balance at the end of the range (opening included), else 0."""
        return max(self.net, 0)

    @property
    def closing_credit(self) -> int:
        """Credit balance at the end of the range (opening included), else 0."""
        return max(-self.net, 0)

    @property
    def net(self) -> int:
        """Debit minus credit over opening and movements."""
        return self.opening_debit + self.debit - self.opening_credit - self.credit


def opening_columns(debit: int, credit: int) -> tuple[int, int]:
    """Opening movements shown as a balance on one side, as accountants read them."""
    net = debit - credit
    return max(net, 0), max(-net, 0)


@dataclass(frozen=True)
class BalanceTotals:
    """The totals line of the balance: each column summed, balances summed per side."""

    opening_debit: int
    opening_credit: int
    debit: int
    credit: int
    closing_debit: int
    closing_credit: int


def totals(rows: Iterable[BalanceRow]) -> BalanceTotals:
    """The totals line: balanced books give debit = credit in every pair of columns."""
    rows = list(rows)
    return BalanceTotals(
        opening_debit=sum(r.opening_debit for r in rows),
        opening_credit=sum(r.opening_credit for r in rows),
        debit=sum(r.debit for r in rows),
        credit=sum(r.credit for r in rows),
        closing_debit=sum(r.closing_debit for r in rows),
        closing_credit=sum(r.closing_credit for r in rows),
    )
