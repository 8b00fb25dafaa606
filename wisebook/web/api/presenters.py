"""How the books look in JSON: French field names, amounts as exact strings."""

from __future__ import annotations

from typing import Any

from wisebook.db import models
from wisebook.ledger.balances import BalanceRow, BalanceTotals
from wisebook.ledger.money import to_json
from wisebook.services.entries.posting import EntryRecord
from wisebook.services.reports.statements import Statement


def entry(e: EntryRecord, currency: str) -> dict[str, Any]:
    """An entry with its lines."""
    return {
        "id": e.id,
        "journal": e.journal,
        "numero": e.number,
        "statut": e.status,
        "date_comptable": e.entry_date,
        "libelle": e.label,
        "piece": e.reference,
        "exercice": e.fiscal_year,
        "devise": currency,
        "total": to_json(e.total, currency),
        "extourne_de": e.reversal_of_id,
        "hash": e.hash,
        "cree_le": e.created_at,
        "validee_le": e.posted_at,
        "lignes": [
            {
                "compte": ln.account,
                "libelle_compte": ln.account_label,
                "libelle": ln.label,
                "debit": to_json(ln.debit, currency),
                "credit": to_json(ln.credit, currency),
                "tiers": ln.partner,
                "taxe": ln.tax,
                "base": None if ln.tax_base is None else to_json(ln.tax_base, currency),
            }
            for ln in e.lines
        ],
    }


def account(a: Any) -> dict[str, Any]:
    """An account of the chart (a row or a model: code, label, class, nature, flags)."""
    return {
        "numero": a.code,
        "libelle": a.label,
        "classe": a.account_class,
        "nature": a.nature,
        "lettrable": a.lettrable,
        "imputable": a.postable,
    }


def journal(j: Any) -> dict[str, Any]:
    """A journal (a row or a model: code, label, kind)."""
    return {"code": j.code, "libelle": j.label, "type": j.kind}


def fiscal_year(fy: models.FiscalYear) -> dict[str, Any]:
    """A fiscal year with its periods."""
    return {
        "id": fy.id,
        "code": fy.code,
        "debut": fy.start_date,
        "fin": fy.end_date,
        "statut": fy.status,
        "periodes": [
            {"numero": p.number, "debut": p.start_date, "fin": p.end_date, "verrouillee": p.locked}
            for p in fy.periods
        ],
    }


def balance_row(row: BalanceRow | BalanceTotals, currency: str) -> dict[str, Any]:
    """One account of the six-column balance, or its totals line (no account then)."""
    named = {"compte": row.account, "libelle": row.label} if isinstance(row, BalanceRow) else {}
    return {
        **named,
        "ouverture_debit": to_json(row.opening_debit, currency),
        "ouverture_credit": to_json(row.opening_credit, currency),
        "debit": to_json(row.debit, currency),
        "credit": to_json(row.credit, currency),
        "solde_debiteur": to_json(row.closing_debit, currency),
        "solde_crediteur": to_json(row.closing_credit, currency),
    }


def statement(s: Statement, currency: str) -> dict[str, Any]:
    """A SYSCOHADA statement: its lines with N and N-1 amounts, then its controls."""
    lines = []
    for section, current, previous in s.sections:
        for code, value in current.lines.items():
            line: dict[str, Any] = {
                "code": code,
                "libelle": value.label,
                "note": value.annex or None,
                "type": value.kind,
            }
            if len(s.sections) > 1:
                line["section"] = section
            if section == "actif":
                line["brut"] = to_json(value.gross, currency)
                line["amortissements"] = to_json(value.depreciation, currency)
            line["net"] = to_json(value.net, currency)
            line["net_precedent"] = to_json(previous.lines[code].net if previous else 0, currency)
            lines.append(line)
    return {
        "exercice": s.fiscal_year,
        "du": s.start,
        "au": s.end,
        "devise": currency,
        "lignes": lines,
        "controles": [{"nom": c.name, "ok": c.ok, "ecart": to_json(c.gap, currency)} for c in s.controls],
        "comptes_non_classes": list(s.unplaced),
    }
