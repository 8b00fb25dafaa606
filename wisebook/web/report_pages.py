"""Reports in the browser: the six-column balance, with its CSV and XLSX exports (the API's,
read with the session). A bad filter is said on the page with what was typed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from ..ledger.balances import totals
from ..ledger.errors import InvalidInput, NotFound
from ..services import books, reports
from ..services.permissions import Permission
from .entry_pages import _day
from .exports import french_amount

COLUMNS = ("opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit")


def balance_page(request: Request) -> Response:
    """The balance of an exercice between two dates, classes and unbalanced accounts only."""
    company = request.company
    values = {
        name: str(request.params.get(name, "")).strip() for name in ("exercice", "du", "au", "non_soldes")
    }
    errors: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    total: dict[str, str] = {}
    years = books.list_fiscal_years(request.db, company.id)
    fy = None
    try:
        fy = (
            books.get_fiscal_year(request.db, company.id, values["exercice"])
            if values["exercice"]
            else books.current_fiscal_year(request.db, company.id)
        )
        values["exercice"] = fy.code
        start = _day(values["du"]) if values["du"] else None
        end = _day(values["au"]) if values["au"] else None
        tb = reports.filtered(
            reports.trial_balance(request.db, company.id, fy, start, end),
            reports.BalanceFilter(None, None, values["non_soldes"] == "1"),
        )
        amount = lambda units: french_amount(units, company.currency) if units else ""  # noqa: E731
        rows = [
            {"compte": r.account, "libelle": r.label, **{c: amount(getattr(r, c)) for c in COLUMNS}}
            for r in tb.rows
        ]
        summed = totals(tb.rows)
        total = {c: french_amount(getattr(summed, c), company.currency) for c in COLUMNS}
    except (InvalidInput, NotFound) as exc:
        for err in exc.errors:
            errors[{"date_comptable": "du", "id": "exercice"}.get(err.field, err.field)] = err.message
        errors.setdefault("formulaire", exc.message)
    query = {k: v for k, v in values.items() if v}
    response = render_to_response(
        "balance.html",
        {
            "valeurs": values,
            "erreurs": errors,
            "exercices": years,
            "lignes": rows,
            "totaux": total,
            "colonnes": COLUMNS,
            "export_csv": request.route_path("report_balance") + "?" + urlencode(query | {"format": "csv"}),
            "export_xlsx": request.route_path("report_balance") + "?" + urlencode(query | {"format": "xlsx"}),
        },
        request=request,
    )
    response.status_int = 422 if errors else 200
    return response


def includeme(config: Any) -> None:
    """Reports for members."""
    config.add_view(balance_page, route_name="balance_page", request_method="GET", permission=Permission.READ)
