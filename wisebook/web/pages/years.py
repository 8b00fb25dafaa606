"""The year end in the browser: the fiscal years and their months (locked up to a month,
unlocked by an administrator), a new fiscal year, the closing prepared (its blocking list, each
item a link to what blocks it; the result; the à-nouveaux) and run in the background with its
progress, the reopening, and the guided affectation du résultat."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import InvalidInput, LedgerError
from wisebook.ledger.money import exponent, from_minor, minor_from_text
from wisebook.services import closing
from wisebook.services.access.permissions import Permission
from wisebook.services.books import years
from wisebook.services.platform import taskruns
from wisebook.web import runs
from wisebook.web.i18n import amount, month, translate
from wisebook.web.messages import field_messages, said
from wisebook.web.pages.entries import _day
from wisebook.web.renderers import page


def years_page(request: Request) -> Response:
    """The fiscal years, the chosen one's months with their locks, and a new year."""
    company = request.company
    found = years.list_fiscal_years(request.db, company.id)
    errors: dict[str, str] = {}
    status = 200
    values = {"annee": "", "mois_debut": "1"}
    if request.method == "POST":
        values = {name: str(request.POST.get(name, "")).strip()[:4] for name in values}
        try:
            if not values["annee"].isdigit() or not values["mois_debut"].isdigit():
                raise InvalidInput("Année d'exercice invalide.", field="annee")
            made = years.create_fiscal_year(
                request.db, company.id, int(values["annee"]), int(values["mois_debut"])
            )
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            return HTTPSeeOther(
                request.route_path("years_page", _query={"exercice": made.code, "fait": "ouvert"})
            )
    chosen = None
    if found:
        ref = str(request.params.get("exercice", ""))[:20]
        chosen = next((fy for fy in found if fy.code == ref), None) or years.current_of(found)
    done = str(request.params.get("fait", ""))[:20]
    return _years(request, found, chosen, values, errors, status, done)


def _years(
    request: Request,
    found: list[Any],
    chosen: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status: int,
    done: str = "",
) -> Response:
    """The years' page: the years, the chosen one's months, the new year's form, and what the
    reader may do there."""
    return page(
        request,
        "exercices.html",
        {
            "exercices": found,
            "choisi": chosen,
            "mois": _months(request, chosen),
            "valeurs": values,
            "erreurs": errors,
            "fait": done,
            "peut_verrouiller": request.has_permission(Permission.POST),
            "peut_administrer": request.has_permission(Permission.ADMIN),
            "peut_parametrer": request.has_permission(Permission.CONFIGURE),
        },
        status,
    )


def _months(request: Request, chosen: Any) -> dict[str, Any]:
    """The months' names: of the chosen year's periods, and of a year's first month."""
    return {
        "periodes": {p.number: month(request, p.start_date) for p in chosen.periods} if chosen else {},
        "debuts": [month(request, dt.date(2000, m, 1), "MMMM") for m in range(1, 13)],
    }


def lock_page(request: Request) -> Response:
    """Lock the months up to the one chosen (or unlock from it on, for administrators)."""
    company = request.company
    code = request.matchdict["code"]
    unlock = request.matched_route.name == "year_unlock_page"
    month = str(request.POST.get("periode", ""))
    try:
        if not month.isdigit():
            raise InvalidInput("Choisissez un mois.", field="periode")
        fy = years.get_fiscal_year(request.db, company.id, code)
        period = next((p for p in fy.periods if p.number == int(month)), None)
        if period is None:
            raise InvalidInput("Choisissez un mois.", field="periode")
        years.lock_periods(
            request.db,
            company.id,
            fy.id,
            until=period.start_date if unlock else period.end_date,
            locked=not unlock,
        )
    except LedgerError as exc:
        return _years_with(request, field_messages(request, exc), exc.status)
    done = "deverrouille" if unlock else "verrouille"
    return HTTPSeeOther(request.route_path("years_page", _query={"exercice": code, "fait": done}))


def _years_with(request: Request, errors: dict[str, str], status: int) -> Response:
    """The years' page again, the year of the address chosen, with a refusal's messages."""
    found = years.list_fiscal_years(request.db, request.company.id)
    chosen = years.find(found, request.matchdict["code"]) if found else None
    return _years(request, found, chosen, {"annee": "", "mois_debut": "1"}, errors, status)


def _target(request: Request, link: str | None) -> str | None:
    """Where a blocking item is cleared: the draft, the suspense account, the earlier year, the
    balance, the integrity check."""
    if not link:
        return None
    kind, _, ref = link.partition(":")
    if kind == "ecriture":
        return request.route_path("entry_page", id=ref)
    if kind == "compte":
        return request.route_path("grand_livre_page", _query={"compte": ref})
    if kind == "exercice":
        return request.route_path("closing_page", code=ref)
    if kind == "balance":
        return request.route_path("balance_page")
    if kind == "verification":
        return request.route_path("verification_page")
    if kind == "immobilisations":
        return request.route_path("assets_page")
    return None


def closing_page(request: Request) -> Response:
    """The closing prepared: what blocks it, the result, the à-nouveaux; run, its progress."""
    company = request.company
    code = request.matchdict["code"]
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        fy = years.get_fiscal_year(request.db, company.id, code)
        found = closing.preview(request.db, company.id, fy.id, against_lines=True)
        if not found.blockers:
            run = request.registry.wisebook_queue.submit(
                request.db,
                "cloture",
                {"exercice": fy.id},
                company_id=company.id,
                user_id=request.wisebook_identity.user_id,
            )
            return HTTPSeeOther(request.route_path("closing_page", code=fy.code, _query={"tache": run.id}))
        status = 409
        errors["formulaire"] = translate(request, "La clôture attend que les points bloquants soient réglés.")
    fy = years.get_fiscal_year(request.db, company.id, code)
    found = closing.preview(request.db, company.id, fy.id, shown=SHOWN_OPENING)
    run = None
    ref = str(request.params.get("tache", ""))
    if ref:
        try:
            run = taskruns.get(request.db, runs.viewer(request), ref[:40])
        except LedgerError:
            run = None
    currency = company.currency
    opening = [
        {
            "compte": acc,
            "tiers": partner or "",
            "libelle": label or "",
            "debit": amount(request, net, currency) if net > 0 else "",
            "credit": amount(request, -net, currency) if net < 0 else "",
        }
        for acc, partner, net, label in found.lines
    ]
    return page(
        request,
        "cloture.html",
        {
            "exercice": fy,
            "bloquants": [
                {"message": said(request, e.message), "lien": _target(request, link)}
                for e, link in zip(found.blockers, found.links, strict=True)
            ],
            "resultat": amount(request, abs(found.result), currency),
            "benefice": found.result >= 0,
            "a_nouveaux": opening,
            "a_nouveaux_total": found.line_count,
            "tache": run,
            "tache_resultat": taskruns.result_of(run)
            if run is not None and run.state == taskruns.SUCCEEDED
            else None,
            "erreurs": errors,
            "peut_cloturer": request.has_permission(Permission.POST),
            "peut_rouvrir": request.has_permission(Permission.ADMIN),
        },
        status,
    )


def reopen_page(request: Request) -> Response:
    """Reopen a closed year (administrators): its à-nouveaux reversed, its months unlocked."""
    company = request.company
    code = request.matchdict["code"]
    try:
        closing.reopen(request.db, company, code, request.wisebook_identity.user_id)
    except LedgerError as exc:
        return _years_with(request, field_messages(request, exc), exc.status)
    return HTTPSeeOther(request.route_path("years_page", _query={"exercice": code, "fait": "rouvert"}))


SHOWN_OPENING = 200  # à-nouveaux lines the closing's page lists

ALLOCATION = ("reserve_legale", "reserves", "report_a_nouveau", "dividendes")


def allocation_page(request: Request) -> Response:
    """The guided affectation: the profit to allocate and the legal reserve's minimum proposed,
    the associates' decision posted in the next year."""
    company = request.company
    code = request.matchdict["code"]
    found = closing.allocation(request.db, company.id, code)
    currency = company.currency
    places = exponent(currency)
    typed = {name: "" for name in ALLOCATION}
    if found.to_allocate > 0:
        typed["reserve_legale"] = str(from_minor(found.legal_minimum, currency)).replace(".", ",")
        typed["report_a_nouveau"] = str(
            from_minor(found.to_allocate - found.legal_minimum, currency)
        ).replace(".", ",")
    typed["date"] = found.next_fiscal_year.start_date.strftime("%d/%m/%Y")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        typed = {name: str(request.POST.get(name, "")).strip()[:30] for name in (*ALLOCATION, "date")}
        amounts: dict[str, Decimal] = {}
        for name in ALLOCATION:
            try:
                amounts[name] = from_minor(minor_from_text(typed[name], places), currency)
            except ValueError as exc:
                text = str(exc)
                errors[name] = said(request, text[:1].upper() + text[1:] + ".")
        day = None
        try:
            day = _day(typed["date"])
        except InvalidInput as exc:
            errors["date"] = said(request, exc.message)
        if not errors and day is not None:
            try:
                made = closing.allocate(
                    request.db,
                    company,
                    code,
                    request.wisebook_identity.user_id,
                    day,
                    legal_reserve=amounts["reserve_legale"],
                    reserves=amounts["reserves"],
                    carried=amounts["report_a_nouveau"],
                    dividends=amounts["dividendes"],
                )
            except LedgerError as exc:
                errors = field_messages(request, exc, {"date_comptable": "date"})
                status = exc.status
            else:
                return HTTPSeeOther(request.route_path("entry_page", id=made.id))
        else:
            status = 422
            errors.setdefault(
                "formulaire",
                translate(request, "L'affectation n'est pas enregistrée : corrigez les champs signalés."),
            )
    return page(
        request,
        "affectation.html",
        {
            "exercice": found.fiscal_year,
            "suivant": found.next_fiscal_year.code,
            "a_affecter": amount(request, abs(found.to_allocate), currency),
            "benefice": found.to_allocate > 0,
            "deja": found.to_allocate == 0,
            "minimum": amount(request, found.legal_minimum, currency),
            "comptes": found.accounts,
            "valeurs": typed,
            "erreurs": errors,
            "peut_affecter": request.has_permission(Permission.POST),
        },
        status,
    )


def includeme(config: Any) -> None:
    """Reading for members; locking, closing and the affectation for those who post; a new
    year for those who set up the books; unlocking and reopening for administrators."""
    config.add_view(years_page, route_name="years_page", request_method="GET", permission=Permission.READ)
    config.add_view(
        years_page, route_name="years_page", request_method="POST", permission=Permission.CONFIGURE
    )
    config.add_view(lock_page, route_name="year_lock_page", request_method="POST", permission=Permission.POST)
    config.add_view(
        lock_page, route_name="year_unlock_page", request_method="POST", permission=Permission.ADMIN
    )
    config.add_view(closing_page, route_name="closing_page", request_method="GET", permission=Permission.READ)
    config.add_view(
        closing_page, route_name="closing_page", request_method="POST", permission=Permission.POST
    )
    config.add_view(reopen_page, route_name="reopen_page", request_method="POST", permission=Permission.ADMIN)
    config.add_view(
        allocation_page, route_name="allocation_page", request_method="GET", permission=Permission.READ
    )
    config.add_view(
        allocation_page, route_name="allocation_page", request_method="POST", permission=Permission.POST
    )
