"""The operator's page: the installation's companies (one dossier per client), and a new one
with its first fiscal year and its administrator invited. A refused form comes back with
the message next to its field, what was typed kept, nothing written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import InvalidInput, LedgerError
from wisebook.ledger.text import is_digits
from wisebook.services import setup
from wisebook.services.access import invitations
from wisebook.services.access.permissions import Permission
from wisebook.services.books import companies
from wisebook.web.i18n import translate
from wisebook.web.messages import field_messages
from wisebook.web.renderers import page

FIELDS = ("societe", "pays", "devise", "exercice", "email")


def companies_page(request: Request) -> Response:
    """The companies by name; POSTed: a new company."""
    values = {name: "" for name in FIELDS}
    values["pays"], values["exercice"] = "CI", str(dt.date.today().year)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {name: str(request.POST.get(name, "")).strip()[:254] for name in FIELDS}
        try:
            if not is_digits(values["exercice"]) or len(values["exercice"]) != 4:
                raise InvalidInput("Année d'exercice invalide.", field="exercice")
            with request.db.begin_nested():  # a refused company leaves nothing behind
                made = setup.create_dossier(
                    request.db,
                    company_name=values["societe"],
                    country=values["pays"],
                    currency=values["devise"] or None,
                    fiscal_year=int(values["exercice"]),
                    admin_email=values["email"],
                    operator_id=request.wisebook_identity.user_id,
                )
                settings = request.registry.wisebook_settings
                invitations.mail_after_commit(request.tm.get(), settings, made.invitation)
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            return HTTPSeeOther(request.route_path("companies_page", _query={"cree": str(made.company_id)}))
    listed = companies.list_companies(request.db)
    created = str(request.params.get("cree", ""))
    done = next((c for c in listed if str(c.company_id) == created), None)
    return page(
        request,
        "societes.html",
        {
            "societes": listed,
            "pays": sorted((code, name) for code, (name, _currency) in companies.OHADA_COUNTRIES.items()),
            "valeurs": values,
            "erreurs": errors,
            "fait": translate(
                request,
                "Société « ${nom} » créée ; son administrateur a reçu une invitation.",
                nom=done.name,
            )
            if done and request.method == "GET"
            else "",
        },
        status,
    )


def includeme(config: Any) -> None:
    """The operator's alone."""
    config.add_view(
        companies_page,
        route_name="companies_page",
        request_method=("GET", "POST"),
        permission=Permission.OPERATE,
    )
