"""Chart of accounts, journals, fiscal years: locking, closing, reopening, affectation, FEC."""

from __future__ import annotations

import tempfile
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.money import parse_amount, to_json
from wisebook.ledger.periods import parse_date
from wisebook.services import closing
from wisebook.services.access.permissions import Permission
from wisebook.services.books import chart, companies, journals, years
from wisebook.services.reports import fec
from wisebook.web.api import json_body, json_response, presenters, query_int
from wisebook.web.api import tasks as tasks_api
from wisebook.web.exports import file_response


def _company(found: companies.CompanySettings) -> dict[str, Any]:
    return {
        "id": found.id,
        "nom": found.name,
        "pays": found.country,
        "devise": found.currency,
        "rccm": found.rccm,
        "numero_fiscal": found.tax_number,
        "numero_fiscal_nom": found.tax_number_name,
        "tiers_obligatoire": found.partners_required,
    }


def show_company(request: Request) -> dict[str, Any]:
    """The current company: its identity and settings."""
    return _company(companies.company_settings(request.db, request.company.id))


def change_company(request: Request) -> dict[str, Any]:
    """Change the company's settings: ``tiers_obligatoire`` (a tiers on every line of a
    lettrable 40/41 account, checked when posting)."""
    data = json_body(request, "SocieteParametres")
    return _company(
        companies.set_partners_required(request.db, request.company.id, data["tiers_obligatoire"])
    )


def list_accounts(request: Request) -> dict[str, Any]:
    """A page of the chart (``limite``, 100 by default; ``apres``), filtered by ``classe`` and
    ``q`` (number prefix or words of the label)."""
    rows, following = chart.list_accounts(
        request.db,
        request.company.id,
        query_int(request, "classe"),
        request.params.get("q"),
        query_int(request, "limite", 100) or 0,
        request.params.get("apres"),
    )
    return {"resultats": [presenters.account(a) for a in rows], "suivant": following}


def add_account(request: Request) -> Response:
    """Add a sub-account under an existing account."""
    data = json_body(request, "SousCompte")
    account = chart.add_sub_account(request.db, request.company.id, data["numero"], data["libelle"])
    return json_response(presenters.account(account), status=201)


def show_account(request: Request) -> dict[str, Any]:
    """One account of the chart."""
    return presenters.account(chart.get_account(request.db, request.company.id, request.matchdict["code"]))


def rename_account(request: Request) -> dict[str, Any]:
    """A new label for an account."""
    data = json_body(request, "CompteModification")
    account = chart.rename_account(request.db, request.company.id, request.matchdict["code"], data["libelle"])
    return presenters.account(account)


def remove_account(request: Request) -> Response:
    """Remove an added account that has no line and no sub-account."""
    chart.remove_account(request.db, request.company.id, request.matchdict["code"])
    return Response(status=204)


def list_journals(request: Request) -> dict[str, Any]:
    """The journals."""
    return {
        "resultats": [presenters.journal(j) for j in journals.list_journals(request.db, request.company.id)],
        "suivant": None,
    }


def add_journal(request: Request) -> Response:
    """Create a journal."""
    data = json_body(request, "JournalSaisie")
    journal = journals.create_journal(
        request.db, request.company.id, data["code"], data["libelle"], data["type"]
    )
    return json_response(presenters.journal(journal), status=201)


def list_fiscal_years(request: Request) -> dict[str, Any]:
    """The fiscal years and their periods."""
    found = years.list_fiscal_years(request.db, request.company.id)
    return {"resultats": [presenters.fiscal_year(fy) for fy in found], "suivant": None}


def add_fiscal_year(request: Request) -> Response:
    """Open a fiscal year of twelve months."""
    data = json_body(request, "ExerciceSaisie")
    fy = years.create_fiscal_year(request.db, request.company.id, data["annee"], data.get("mois_debut", 1))
    request.db.refresh(fy)
    return json_response(presenters.fiscal_year(fy), status=201)


def _lock(request: Request, locked: bool) -> Response:
    data = json_body(request, "Verrouillage")
    until = data.get("jusqu_au")
    fy = years.lock_periods(
        request.db,
        request.company.id,
        request.matchdict["id"],
        number=data.get("periode"),
        until=parse_date(until, "jusqu_au") if until else None,
        locked=locked,
    )
    return json_response(presenters.fiscal_year(fy))


def lock_periods(request: Request) -> Response:
    """Lock a month, or the months of the year up to a date: no entry is posted there."""
    return _lock(request, True)


def unlock_periods(request: Request) -> Response:
    """Reopen a month, or the months from a date on (administrators; the audit log keeps it)."""
    return _lock(request, False)


def closing_preview(request: Request) -> Response:
    """What closing the year would do: the blocking list, the result, the à-nouveaux lines."""
    found = closing.preview(request.db, request.company.id, request.matchdict["id"])
    currency = request.company.currency
    return json_response(
        {
            "exercice": found.fiscal_year,
            "possible": not found.blockers,
            "points_bloquants": [{"champ": e.field, "message": e.message} for e in found.blockers],
            "resultat": to_json(found.result, currency),
            "a_nouveaux": [
                {
                    "compte": code,
                    "tiers": partner,
                    "debit": to_json(max(net, 0), currency),
                    "credit": to_json(max(-net, 0), currency),
                }
                for code, partner, net, _label in found.lines
            ],
        }
    )


def close_year(request: Request) -> Response:
    """Close the year in the background (202 and the task); refused at once with the blocking
    list when the checks fail (the task checks again)."""
    fy = years.get_fiscal_year(request.db, request.company.id, request.matchdict["id"])
    found = closing.preview(request.db, request.company.id, fy.id, against_lines=True)
    if found.blockers:
        raise closing.ClosingBlocked(
            f"L'exercice {fy.code} ne peut pas être clôturé : {len(found.blockers)} point(s) à régler.",
            errors=found.blockers,
        )
    run = request.registry.wisebook_queue.submit(
        request.db,
        "cloture",
        {"exercice": fy.id},
        company_id=request.company.id,
        user_id=request.wisebook_identity.user_id,
    )
    return tasks_api.accepted(request, run)


def reopen_year(request: Request) -> Response:
    """Reopen a closed year (administrators; the audit log keeps who and when)."""
    fy = closing.reopen(
        request.db, request.company, request.matchdict["id"], request.wisebook_identity.user_id
    )
    return json_response(presenters.fiscal_year(fy))


def allocation_proposal(request: Request) -> Response:
    """The result still to allocate and the legal reserve's minimum (the guided form's defaults)."""
    found = closing.allocation(request.db, request.company.id, request.matchdict["id"])
    currency = request.company.currency
    return json_response(
        {
            "exercice": found.fiscal_year,
            "a_affecter": to_json(found.to_allocate, currency),
            "reserve_legale_minimum": to_json(found.legal_minimum, currency),
            "comptes": found.accounts,
        }
    )


def allocate_result(request: Request) -> Response:
    """Post the affectation of a closed year's result in the next year."""
    data = json_body(request, "Affectation")
    currency = request.company.currency
    amounts = {
        name: parse_amount(data.get(name, "0"), currency, name)
        for name in ("reserve_legale", "reserves", "report_a_nouveau", "dividendes")
    }
    made = closing.allocate(
        request.db,
        request.company,
        request.matchdict["id"],
        request.wisebook_identity.user_id,
        parse_date(data["date_comptable"], "date_comptable"),
        legal_reserve=amounts["reserve_legale"],
        reserves=amounts["reserves"],
        carried=amounts["report_a_nouveau"],
        dividends=amounts["dividendes"],
    )
    return json_response(presenters.entry(made, currency), status=201)


def fec_export(request: Request) -> Response:
    """The FEC of the fiscal year (18 columns, pipe-separated), written to a temporary file as
    the lines stream from the database, then sent."""
    company = companies.get_company(request.db, request.company.id)
    fy = years.get_fiscal_year(request.db, company.id, request.matchdict["id"])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the FileIter once sent
    for row in fec.rows(request.db, company.id, fy, company.currency):
        handle.write((fec.SEPARATOR.join(row) + "\r\n").encode(fec.ENCODING, errors="replace"))
    return file_response(handle, "text/plain", fec.filename(company, fy), fec.ENCODING)


def includeme(config: Any) -> None:
    """Reading needs READ; changing the frame needs CONFIGURE."""
    config.add_view(
        show_company, route_name="company", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(
        change_company,
        route_name="company",
        request_method="PATCH",
        renderer="json",
        permission=Permission.CONFIGURE,
    )
    config.add_view(
        list_accounts,
        transaction=False,
        route_name="accounts",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(
        add_account, route_name="accounts", request_method="POST", permission=Permission.CONFIGURE
    )
    config.add_view(
        show_account,
        transaction=False,
        route_name="account",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    for view, method in ((rename_account, "PATCH"), (remove_account, "DELETE")):
        config.add_view(
            view,
            route_name="account",
            request_method=method,
            renderer="json",
            permission=Permission.CONFIGURE,
        )
    config.add_view(
        list_journals,
        transaction=False,
        route_name="journals",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(
        add_journal, route_name="journals", request_method="POST", permission=Permission.CONFIGURE
    )
    config.add_view(
        list_fiscal_years,
        route_name="fiscal_years",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(
        add_fiscal_year, route_name="fiscal_years", request_method="POST", permission=Permission.CONFIGURE
    )
    config.add_view(
        allocation_proposal,
        route_name="fiscal_year_allocation",
        request_method="GET",
        permission=Permission.READ,
    )
    config.add_view(
        allocate_result,
        route_name="fiscal_year_allocation",
        request_method="POST",
        permission=Permission.POST,
    )
    config.add_view(
        fec_export, route_name="fiscal_year_fec", request_method="GET", permission=Permission.EXPORT
    )
    config.add_view(
        reopen_year, route_name="fiscal_year_reopen", request_method="POST", permission=Permission.ADMIN
    )
    config.add_view(
        closing_preview, route_name="fiscal_year_closing", request_method="GET", permission=Permission.READ
    )
    config.add_view(
        close_year, route_name="fiscal_year_closing", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        lock_periods, route_name="fiscal_year_lock", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        unlock_periods, route_name="fiscal_year_unlock", request_method="POST", permission=Permission.ADMIN
    )
