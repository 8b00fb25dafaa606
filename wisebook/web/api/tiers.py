"""The tiers register: list and search, create, read with balances, change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.ledger.money import to_json
from wisebook.services.access.permissions import Permission
from wisebook.services.books import years
from wisebook.services.tiers import identifiers, register, sirene
from wisebook.services.tiers import statement as tiers_statement
from wisebook.web import i18n
from wisebook.web.api import json_body, json_response, query_date, query_int
from wisebook.web.api import reports as reports_api
from wisebook.web.exports import PdfRow

#: The API's field names and the register's.
FIELDS = register.FIELD_NAMES


def _details(data: dict[str, Any]) -> register.Details:
    given = {FIELDS[key]: value for key, value in data.items() if key in FIELDS}
    return register.Details(**given, given=frozenset(given))


def _json(request: Request, partner: models.Partner, figures: register.Balances | None) -> dict[str, Any]:
    currency = request.company.currency
    account = request.db.get(models.Account, partner.account_id)
    body: dict[str, Any] = {
        "code": partner.code,
        "nom": partner.name,
        "type": partner.kind,
        "compte": account.code if account else None,
        "pays": partner.country,
        "numero_fiscal": partner.tax_number,
        "numero_fiscal_nom": identifiers.tax_number_kind(partner.country).name,
        "rccm": partner.rccm,
        "adresse": partner.address,
        "email": partner.email,
        "telephone": partner.phone,
        "comptes_bancaires": list(partner.bank_accounts or []),
        "delai_paiement": partner.payment_days,
        "archive": partner.archived,
    }
    if figures is not None:
        body |= {
            "solde": to_json(figures.balance, currency),
            "du": to_json(figures.due, currency),
            "echu": to_json(figures.overdue, currency),
        }
    return body


def list_tiers(request: Request) -> dict[str, Any]:
    """A page of the register by code; ``type``, ``q`` (code, name, identifiers; accents
    ignored), ``compte`` (the tiers a line on it may name), ``archives=1``; each with its balance and what is unlettered."""
    limit = query_int(request, "limite", 100)
    assert limit is not None
    found, following = register.list_partners(
        request.db,
        request.company.id,
        kind=request.params.get("type") or None,
        q=request.params.get("q"),
        limit=limit,
        after=request.params.get("apres") or None,
        archived=request.params.get("archives") == "1",
        account=request.params.get("compte") or None,
    )
    figures = register.balances(request.db, request.company.id, found, dt.date.today(), overdue=False)
    return {"resultats": [_json(request, p, figures.get(p.code)) for p in found], "suivant": following}


def add_tiers(request: Request) -> Response:
    """A new tiers (201), its identifiers checked."""
    data = json_body(request, "TiersSaisie")
    partner = register.create_partner(request.db, request.company.id, data["code"], _details(data))
    return json_response(_json(request, partner, None), status=201)


def get_tiers(request: Request) -> Response:
    """A tiers with its balance, what is due and what is overdue (today, or ``au``)."""
    partner = register.get_partner(request.db, request.company.id, request.matchdict["code"])
    at = query_date(request, "au") or dt.date.today()
    figures = register.balances(request.db, request.company.id, [partner], at)
    return json_response(_json(request, partner, figures[partner.code]))


def change_tiers(request: Request) -> Response:
    """Change the fields sent; the code stays."""
    data = json_body(request, "TiersModification")
    partner = register.update_partner(
        request.db, request.company.id, request.matchdict["code"], _details(data)
    )
    figures = register.balances(request.db, request.company.id, [partner], dt.date.today())
    return json_response(_json(request, partner, figures[partner.code]))


#: The grand livre's PDF columns but the tiers, which heads the statement.
STATEMENT_COLUMNS = [c for c in reports_api.LEDGER_PDF_COLUMNS if str(c.header) != "Tiers"]


def statement(request: Request) -> Response:
    """The tiers' statement of account over ``du``–``au`` (by default its exercice to date), as
    JSON or as the PDF one sends the customer or supplier."""
    fmt = request.params.get("format", "json")
    found = tiers_statement.statement(
        request.db,
        request.company.id,
        request.matchdict["code"],
        query_date(request, "du"),
        query_date(request, "au"),
        dt.date.today(),
    )
    currency = request.company.currency
    if fmt == "pdf":
        fy = years.get_fiscal_year(request.db, request.company.id, found.fiscal_year)
        title = i18n.translate(request, "Relevé de compte ${code} · ${nom}", code=found.code, nom=found.name)
        block = reports_api.title_block(request, title, fy, found.start, found.end)
        opening = i18n.translate(request, "Solde d'ouverture")
        rows = [
            PdfRow((found.start, "", "", "", opening, 0, 0, found.opening, "")),
            *(
                PdfRow(
                    (
                        x.date,
                        x.journal,
                        x.number,
                        x.reference,
                        x.label,
                        x.debit,
                        x.credit,
                        x.balance,
                        x.lettering,
                    )
                )
                for x in found.lines
            ),
            PdfRow(
                (
                    "",
                    "",
                    "",
                    "",
                    i18n.translate(request, "Solde de clôture"),
                    found.debit,
                    found.credit,
                    found.closing,
                    "",
                ),
                bold=True,
            ),
        ]
        name = reports_api.report_filename(request, "releve", fy, found.start, found.end, found.code.lower())
        return reports_api.report_pdf(request, name, block, STATEMENT_COLUMNS, rows)
    return json_response(
        {
            "tiers": found.code,
            "nom": found.name,
            "compte": found.account,
            "exercice": found.fiscal_year,
            "du": found.start.isoformat(),
            "au": found.end.isoformat(),
            "solde_ouverture": to_json(found.opening, currency),
            "lignes": [
                {
                    "date": x.date.isoformat(),
                    "journal": x.journal,
                    "numero": x.number,
                    "piece": x.reference,
                    "libelle": x.label,
                    "debit": to_json(x.debit, currency),
                    "credit": to_json(x.credit, currency),
                    "solde": to_json(x.balance, currency),
                    "lettrage": x.lettering,
                }
                for x in found.lines
            ],
            "total_debit": to_json(found.debit, currency),
            "total_credit": to_json(found.credit, currency),
            "solde_cloture": to_json(found.closing, currency),
        }
    )


def insee(request: Request) -> Response:
    """A French company from INSEE's Sirene, to fill a tiers (``INSEE_API_KEY``)."""
    settings = request.registry.wisebook_settings
    found = sirene.lookup(settings.insee_url, settings.insee_api_key, request.matchdict["siren"])
    return json_response(
        {
            "siren": found.siren,
            "nom": found.name,
            "forme_juridique": found.legal_form,
            "naf": found.naf,
            "actif": found.active,
            "siret_siege": found.head_office,
            "adresse": found.address,
            "pays": "FR",
        }
    )


def includeme(config: Any) -> None:
    """Members read the register; those who enter entries keep it."""
    config.add_view(
        list_tiers, route_name="tiers", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(add_tiers, route_name="tiers", request_method="POST", permission=Permission.DRAFT)
    config.add_view(get_tiers, route_name="one_tiers", request_method="GET", permission=Permission.READ)
    config.add_view(change_tiers, route_name="one_tiers", request_method="PATCH", permission=Permission.DRAFT)
    config.add_view(statement, route_name="tiers_statement", request_method="GET", permission=Permission.READ)
    config.add_view(insee, route_name="tiers_insee", request_method="GET", permission=Permission.DRAFT)
