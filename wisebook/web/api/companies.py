"""The installation's companies (dossiers), for its operator: the list, and a new company
with its first fiscal year and its first administrator invited."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.services import setup
from wisebook.services.access import invitations
from wisebook.services.access.permissions import Permission
from wisebook.services.books import companies
from wisebook.web.api import json_body, json_response
from wisebook.web.api.members import present as present_invitation


def list_companies(request: Request) -> dict[str, Any]:
    """Every company of the installation, by name, with its number of members."""
    return {
        "resultats": [
            {
                "id": c.company_id,
                "nom": c.name,
                "pays": c.country,
                "devise": c.currency,
                "membres": c.members,
                "cree_le": c.created_at,
            }
            for c in companies.list_companies(request.db)
        ]
    }


def create_company(request: Request) -> Response:
    """A new company, its fiscal year, and its administrator invited by e-mail."""
    data = json_body(request, "NouvelleSociete")
    made = setup.create_dossier(
        request.db,
        company_name=data["nom"],
        country=data["pays"],
        currency=data.get("devise") or None,
        fiscal_year=int(data["exercice"]),
        admin_email=data["admin_email"],
        operator_id=request.wisebook_identity.user_id,
        rccm=data.get("rccm"),
        tax_number=data.get("numero_fiscal"),
    )
    invitations.mail_after_commit(request.tm.get(), request.registry.wisebook_settings, made.invitation)
    return json_response(
        {
            "id": made.company_id,
            "nom": made.name,
            "pays": made.country,
            "devise": made.currency,
            "exercice": made.fiscal_year,
            "invitation": present_invitation(made.invitation),
        },
        status=201,
    )


def includeme(config: Any) -> None:
    """The operator's alone."""
    config.add_view(
        list_companies,
        route_name="companies",
        request_method="GET",
        renderer="json",
        permission=Permission.OPERATE,
    )
    config.add_view(
        create_company, route_name="companies", request_method="POST", permission=Permission.OPERATE
    )
