"""Reports: the six-column trial balance (more with the reports issue)."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from ...ledger.balances import totals
from ...services import books, reports, statements
from ...services.permissions import Permission
from . import presenters, query_date


def _fiscal_year(request: Request) -> Any:
    """The ``exercice`` asked for (code or id), else the current one."""
    ref = request.params.get("exercice")
    company = request.company
    return (
        books.get_fiscal_year(request.db, company.id, ref)
        if ref
        else books.current_fiscal_year(request.db, company.id)
    )


def balance(request: Request) -> dict[str, Any]:
    """Balance of a fiscal year (``exercice``, default the current one) between ``du`` and ``au``."""
    company = request.company
    fy = _fiscal_year(request)
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


def statement(request: Request) -> dict[str, Any]:
    """Bilan, compte de résultat or flux de trésorerie (the route's ``kind``) of an exercice."""
    company = request.company
    fy = _fiscal_year(request)
    found = statements.financial_statements(
        request.db, company.id, fy, query_date(request, "du"), query_date(request, "au")
    )
    return presenters.statement(
        found[request.matched_route.name.removeprefix("report_").replace("_", "-")], company.currency
    )


def includeme(config: Any) -> None:
    """Reports need READ."""
    for name in ("bilan", "compte_de_resultat", "flux_de_tresorerie"):
        config.add_view(
            statement,
            route_name=f"report_{name}",
            request_method="GET",
            renderer="json",
            permission=Permission.READ,
        )
    config.add_view(
        balance,
        route_name="report_balance",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
