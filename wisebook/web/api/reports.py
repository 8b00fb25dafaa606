"""Reports: the six-column trial balance (more with the reports issue)."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ...ledger.balances import closing_totals, totals
from ...ledger.money import to_json
from ...services import books, reports
from ...services.permissions import Permission
from . import presenters, query_date


def balance(request: Request) -> dict[str, Any]:
    """Balance of a fiscal year (``exercice``, default the current one) between ``du`` and ``au``."""
    company = request.company
    ref = request.params.get("exercice")
    fy = (
        books.get_fiscal_year(request.db, company.id, ref)
        if ref
        else books.current_fiscal_year(request.db, company.id)
    )
    tb = reports.trial_balance(
        request.db, company.id, fy, query_date(request, "du"), query_date(request, "au")
    )
    total = presenters.balance_row(totals(tb.rows), company.currency)
    debit_balances, credit_balances = closing_totals(tb.rows)
    total["solde_debiteur"] = to_json(debit_balances, company.currency)
    total["solde_crediteur"] = to_json(credit_balances, company.currency)
    total.pop("compte")
    total.pop("libelle")
    return {
        "exercice": tb.fiscal_year,
        "du": tb.start,
        "au": tb.end,
        "devise": company.currency,
        "lignes": [presenters.balance_row(r, company.currency) for r in tb.rows],
        "totaux": total,
    }


def includeme(config: Any) -> None:
    """Reports need READ."""
    config.add_view(
        balance,
        route_name="report_balance",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
