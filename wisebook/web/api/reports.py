"""Reports: the six-column trial balance (more with the reports issue)."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ...ledger.balances import totals
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
    return {
        "exercice": tb.fiscal_year,
        "du": tb.start,
        "au": tb.end,
        "devise": company.currency,
        "lignes": [presenters.balance_row(r, company.currency) for r in tb.rows],
        "totaux": presenters.balance_row(totals(tb.rows), company.currency),
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
