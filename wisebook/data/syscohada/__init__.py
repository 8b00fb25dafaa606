"""The SYSCOHADA révisé chart of accounts, read from the CSV shipped beside this module."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from wisebook.ledger.statements import StatementDef, parse_statement


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


@dataclass(frozen=True)
class Statements:
    """The four statement files, parsed."""

    actif: StatementDef
    passif: StatementDef
    resultat: StatementDef
    flux: StatementDef


STATEMENT_FILES = {
    "actif": "bilan_actif.csv",
    "passif": "bilan_passif.csv",
    "resultat": "compte_resultat.csv",
    "flux": "flux_tresorerie.csv",
}


@cache
def statements() -> Statements:
    """The SYSCOHADA statements' line → account mapping (see ``wisebook.ledger.statements``)."""
    files = resources.files(__package__)
    parsed = {
        key: parse_statement(key, files.joinpath(name).read_text(encoding="utf-8"))
        for key, name in STATEMENT_FILES.items()
    }
    return Statements(**parsed)
