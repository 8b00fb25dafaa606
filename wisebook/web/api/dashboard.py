"""GET /api/v1/dashboard/: trésorerie, créances, dettes, chiffre d'affaires, charges, résultat."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from wisebook.ledger.money import to_json
from wisebook.services.access.permissions import Permission
from wisebook.services.books import years
from wisebook.services.reports import dashboard as service


def dashboard(request: Request) -> dict[str, Any]:
    """Month by month for the exercice (``exercice``, default the current one) and the previous."""
    company = request.company
    cur = company.currency
    fiscal_years = years.list_fiscal_years(request.db, company.id)
    asked = request.params.get("exercice")
    fy = years.find(fiscal_years, asked) if asked else years.current_of(fiscal_years)
    figures = service.dashboard(request.db, company.id, fy, fiscal_years)

    def amounts(values: dict[str, int]) -> dict[str, str]:
        return {name: to_json(v, cur) for name, v in values.items()}

    return {
        "devise": cur,
        "exercices": [
            {
                "exercice": y.fiscal_year,
                "annee": amounts(y.year),
                "mois": [{"mois": m.month.strftime("%Y-%m"), **amounts(m.values)} for m in y.months],
            }
            for y in figures
        ],
    }


def includeme(config: Any) -> None:
    """The dashboard needs READ."""
    config.add_view(  # four reads that stand alone (at READ COMMITTED no snapshot spans them)
        dashboard,
        route_name="dashboard",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
        transaction=False,
    )
