"""What the check of a file finds and the write carries out: each entry as it will be written,
the rows refused and why, and the progress a long import reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wisebook.services.imports.read import Source

#: Rejections listed in a report; beyond, only counted (a file of garbage is not a report).
MAX_REPORTED = 10_000

#: progress(done, total, message): the task's way to show where it is (percent here).
Progress = Callable[[int, int | None, str | None], None]


def quiet(done: int, total: int | None = None, message: str | None = None) -> None:
    """Progress told to nobody (an import run outside a task)."""
    return None


def grouped(n: int) -> str:
    """A count as French readers group it: ``1 000 000`` (narrow no-break spaces)."""
    return f"{n:,}".replace(",", "\u202f")


@dataclass
class Rejection:
    """A refused row (or entry): where it is in the file and why."""

    line: int
    entry: str
    reasons: list[str]
    lines: list[int] | None = None

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"ligne": self.line, "ecriture": self.entry, "motifs": self.reasons}
        if self.lines is not None:
            found["lignes"] = self.lines
        return found


@dataclass(frozen=True)
class PeriodRef:
    period_id: int
    fiscal_year_id: int
    fiscal_year: str
    fiscal_year_start: dt.date


@dataclass
class Planned:
    """One entry of the file, as it will be written."""

    key: str
    first_line: int
    journal_id: int
    journal: str
    day: dt.date
    reference: str | None
    label: str
    period: PeriodRef | None
    # account id, account code, label, debit, credit, tiers, tax code, taxable base
    lines: list[tuple[int, str, str, int, int, str | None, str | None, int | None]] = field(
        default_factory=list
    )
    rows: list[int] = field(default_factory=list)
    bad: bool = False
    sequence: int = 0
    number: str = ""
    hash: str = ""


@dataclass
class Plan:
    """What the check of a file found: the entries to write and the rows refused."""

    source: Source
    rows: int = 0
    entries: list[Planned] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    refused_entries: int = 0
    refused_rows: int = 0
    #: Tiers codes to register (asked for by the import): the account (id, code) of each one's
    #: first row, and the name it gives.
    new_partners: dict[str, tuple[int, str, str]] = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return sum(len(e.lines) for e in self.entries)
