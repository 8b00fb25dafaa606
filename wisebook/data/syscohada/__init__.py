"""The SYSCOHADA révisé chart of accounts, read from the CSV shipped beside this module."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class ChartRow:
    """One account of the official chart."""

    code: str
    label: str
    account_class: int
    nature: str
    lettrable: bool


@cache
def chart() -> tuple[ChartRow, ...]:
    """Every account of the official chart, parents before children."""
    text = resources.files(__package__).joinpath("chart.csv").read_text(encoding="utf-8")
    rows = [
        ChartRow(
            code=r["code"],
            label=r["libelle"],
            account_class=int(r["classe"]),
            nature=r["nature"],
            lettrable=r["lettrable"] == "true",
        )
        for r in csv.DictReader(io.StringIO(text))
    ]
    return tuple(sorted(rows, key=lambda r: (len(r.code), r.code)))
