"""The fixed-asset register: list (filters, totals by category), a new asset, one asset, its
plan (JSON, PDF), its disposal; the depreciation run (a task) and its reversal."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import select

from wisebook.data import ohada
from wisebook.db import models
from wisebook.ledger import assets as rules
from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import to_json
from wisebook.ledger.periods import parse_date
from wisebook.services.access.permissions import Permission
from wisebook.services.assets import depreciation, disposal, dsf, imports, register
from wisebook.services.books import companies, years
from wisebook.web import exports, i18n
from wisebook.web.api import json_body, json_response, query_date, query_int
from wisebook.web.api import reports as reports_api
from wisebook.web.api import tasks as tasks_api
from wisebook.web.exports import Column, PdfRow
from wisebook.web.i18n import _

PLAN_COLUMNS = (
    Column(_("Exercice"), width=22),
    Column(_("Base"), "amount", 32),
    Column(_("Annuité"), "amount", 32),
    Column(_("Cumul"), "amount", 32),
    Column(_("Valeur nette"), "amount", 32),
    Column("", width=0),
)


def _accounts(request: Request, ids: set[int]) -> dict[int, str]:
    return dict(
        request.db.execute(select(models.Account.id, models.Account.code).where(models.Account.id.in_(ids)))
        .tuples()
        .all()
    )


def asset_json(
    request: Request,
    asset: models.FixedAsset,
    posted: int,
    codes: dict[int, str],
    kept: tuple[int, int] | None = None,
    written: int = 0,
) -> dict[str, Any]:
    """An asset as the API gives it: its details, plan and, at ``at`` (today), depreciation
    posted and net book value."""
    currency = request.company.currency
    done = asset.opening_depreciation + posted
    return {
        "id": asset.id,
        "numero": asset.code,
        "libelle": asset.label,
        "categorie": asset.category,
        "compte_immobilisation": codes.get(asset.asset_account_id),
        "compte_amortissement": codes.get(asset.depreciation_account_id),
        "compte_dotation": codes.get(asset.expense_account_id),
        "date_acquisition": asset.acquired_on,
        "date_mise_en_service": asset.in_service_on,
        "valeur_brute": to_json(asset.gross, currency),
        "valeur_residuelle": to_json(asset.residual, currency),
        "methode": asset.method,
        "duree": asset.life,
        "coefficient": None if asset.coefficient is None else str(asset.coefficient.normalize()),
        "fournisseur": asset.supplier,
        "quantite": asset.quantity,
        "emplacement": asset.location,
        "composant_de": asset.parent_id,
        "etat": asset.state,
        "ligne_acquisition": asset.acquisition_line_id,
        "amortissements_comptabilises": to_json(done, currency),
        "depreciations": to_json(written, currency),
        # what is still in the books (its parts in service); out of them once disposed of
        "valeur_nette_comptable": to_json(
            (kept[0] - kept[1])
            if kept is not None
            else (asset.gross - done - written if asset.state == "en_service" else 0),
            currency,
        ),
        "valeur_nette_a_la_sortie": None
        if asset.state == "en_service"
        else to_json(asset.gross - done - written, currency),
        "date_sortie": asset.disposed_on,
        "prix_cession": None if asset.disposal_price is None else to_json(asset.disposal_price, currency),
        "ecriture_sortie": asset.disposal_entry_id,
    }


def list_assets(request: Request) -> dict[str, Any]:
    """The register by pages of numbers (``limite``, ``apres``): ``categorie``, ``etat``
    filter; totals by category of the assets in service (gross, depreciation posted, net book
    value), summed by the database."""
    category = (request.params.get("categorie") or "")[:40] or None
    state = request.params.get("etat") or None
    if state is not None and state not in register.STATES:
        raise InvalidInput(f"État inconnu : {state[:20]} ({', '.join(register.STATES)}).", field="etat")
    limit = query_int(request, "limite", 100) or 100
    if not 1 <= limit <= 500:
        raise InvalidInput("La limite va de 1 à 500.", field="limite")
    found, posted, following = register.listing(
        request.db,
        request.company.id,
        category=category,
        state=state,
        after=(request.params.get("apres") or "")[:40] or None,
        limit=limit,
    )
    codes = _accounts(
        request,
        {a.asset_account_id for a in found}
        | {a.depreciation_account_id for a in found}
        | {a.expense_account_id for a in found},
    )
    kept = register.in_service(request.db, request.company.id, [a.id for a in found])
    currency = request.company.currency
    labels = {c.code: c.label for c in ohada.asset_categories().values()}
    return {
        "devise": currency,
        "resultats": [
            asset_json(request, asset, posted.get(asset.id, 0), codes, kept.get(asset.id, (0, 0)))
            for asset in found
        ],
        "suivant": following,
        "totaux": [
            {
                "categorie": code,
                "libelle": labels.get(code, code),
                "valeur_brute": to_json(gross, currency),
                "amortissements": to_json(done, currency),
                "valeur_nette_comptable": to_json(gross - done, currency),
            }
            for code, gross, done in register.category_totals(request.db, request.company.id)
        ],
    }


def add_asset(request: Request) -> Response:
    data = json_body(request, "ImmobilisationSaisie")
    asset = register.create_asset(request.db, request.company, data, request.wisebook_identity.user_id)
    return json_response(_one(request, asset), status=201)


def _one(request: Request, asset: models.FixedAsset) -> dict[str, Any]:
    parts = register.components_of(request.db, asset.id)
    everything = [asset, *parts]
    posted = register.depreciated(request.db, [a.id for a in everything])
    codes = _accounts(
        request,
        {a.asset_account_id for a in everything}
        | {a.depreciation_account_id for a in everything}
        | {a.expense_account_id for a in everything},
    )
    written = register.written_down(request.db, [a.id for a in everything])
    body = asset_json(
        request,
        asset,
        sum(posted.get(a.id, 0) for a in (parts or [asset])),
        codes,
        written=sum(written.get(a.id, 0) for a in (parts or [asset])),
    )
    if parts:
        body["amortissements_comptabilises"] = to_json(
            sum(p.opening_depreciation + posted.get(p.id, 0) for p in parts), request.company.currency
        )
        body["valeur_nette_comptable"] = to_json(  # its components still in the books
            sum(
                p.gross - p.opening_depreciation - posted.get(p.id, 0) - written.get(p.id, 0)
                for p in parts
                if p.state == "en_service"
            ),
            request.company.currency,
        )
    body["composants"] = [
        asset_json(request, p, posted.get(p.id, 0), codes, written=written.get(p.id, 0)) for p in parts
    ]
    return body


def get_asset(request: Request) -> dict[str, Any]:
    return _one(request, register.get_asset(request.db, request.company.id, int(request.matchdict["id"])))


def plan(request: Request) -> Any:
    """``GET …/{id}/plan/?format=json|pdf``: the schedule year by year (of each component for an
    asset split into parts, and their sum)."""
    fmt = exports.requested_format(request, ("json", "pdf"))
    asset = register.get_asset(request.db, request.company.id, int(request.matchdict["id"]))
    parts = register.components_of(request.db, asset.id) or [asset]
    month = register.year_start_month(request.db, request.company.id)
    revised = register.revisions_of(request.db, [p.id for p in parts])
    schedules = []
    for part in parts:
        found = register.plan_of(part, revised.get(part.id, ()))
        schedules.append((part, rules.schedule(found, rules.windows_for(found, month))))
    currency = request.company.currency
    money = lambda units: to_json(units, currency)  # noqa: E731
    if fmt == "pdf":
        block = exports.TitleBlock(
            request.company.name,
            companies.identifiers(request.db, request.company.id),
            i18n.translate(request, "Plan d'amortissement"),
            f"{asset.code} · {asset.label} · {i18n.currency_name(currency)}",
        )
        rows: list[PdfRow] = []
        for part, years in schedules:
            if len(parts) > 1:
                rows.append(PdfRow((f"{part.code} {part.label}",), span=True))
            rows += [
                PdfRow(
                    (
                        f"{y.start:%d/%m/%Y} – {y.end:%d/%m/%Y}",
                        y.opening,
                        y.annuity,
                        y.accumulated,
                        y.closing,
                        "",
                    )
                )
                for y in years
            ]
        return reports_api.report_pdf(request, f"plan-amortissement-{asset.code}", block, PLAN_COLUMNS, rows)
    return {
        "immobilisation": asset.id,
        "numero": asset.code,
        "devise": currency,
        "composants": [
            {
                "numero": part.code,
                "libelle": part.label,
                "methode": part.method,
                "duree": part.life,
                "base": money(part.gross - part.residual),
                "annees": [
                    {
                        "du": y.start,
                        "au": y.end,
                        "valeur_nette_debut": money(y.opening),
                        "annuite": money(y.annuity),
                        "cumul": money(y.accumulated),
                        "valeur_nette_fin": money(y.closing),
                    }
                    for y in years
                ],
            }
            for part, years in schedules
        ],
    }


def dsf_tables(request: Request) -> dict[str, Any]:
    """``GET …/dsf/?exercice=2026``: notes 3A, 3C and 3D of the year from the register, each
    line's closing beside the Bilan's."""
    ref = request.params.get("exercice")
    fy = (
        years.get_fiscal_year(request.db, request.company.id, ref)
        if ref
        else years.current_fiscal_year(request.db, request.company.id)
    )
    found = dsf.tables(request.db, request.company.id, fy)
    money = lambda units: to_json(units, request.company.currency)  # noqa: E731
    return {
        "exercice": found.fiscal_year,
        "devise": request.company.currency,
        "note_3a": [
            {
                "ligne": r.line,
                "libelle": r.label,
                "ouverture": money(r.opening),
                "acquisitions": money(r.acquisitions),
                "virements": money(0),
                "cessions": money(r.disposals),
                "cloture": money(r.closing),
                "bilan": money(r.books),
                "concorde": r.closing == r.books,
            }
            for r in found.gross
        ],
        "note_3c": [
            {
                "ligne": r.line,
                "libelle": r.label,
                "ouverture": money(r.opening),
                "dotations": money(r.charge),
                "reprises": money(r.write_backs),
                "cloture": money(r.closing),
                "bilan": money(r.books),
                "concorde": r.closing == r.books,
            }
            for r in found.depreciation
        ],
        "note_3d": [
            {
                "numero": r.code,
                "libelle": r.label,
                "ligne": r.line,
                "date": r.day,
                "valeur_brute": money(r.gross),
                "amortissements": money(r.depreciation),
                "valeur_nette": money(r.net),
                "prix": money(r.price),
                "plus_value": money(max(r.gain, 0)),
                "moins_value": money(max(-r.gain, 0)),
            }
            for r in found.disposals
        ],
        "concorde": found.agrees,
    }


def import_register(request: Request) -> Response:
    """``POST …/import/`` (multipart ``fichier``, CSV or XLSX): an existing register, all or
    nothing (201 with the count; 422 naming each refused row's faults)."""
    form = request.POST if request.content_type == "multipart/form-data" else {}
    upload = form.get("fichier")
    if upload is None or not hasattr(upload, "file"):
        raise InvalidInput("Envoyez le registre en multipart/form-data, champ « fichier ».", field="fichier")
    done = imports.import_register(
        request.db,
        request.company,
        upload.filename or "",
        upload.file.read(),
        request.wisebook_identity.user_id,
    )
    return json_response(done, status=201)


def revise(request: Request) -> Response:
    """``POST …/{id}/revision/``: a change of plan from a date, with its write-down (201)."""
    data = json_body(request, "RevisionPlan")
    made = register.revise(
        request.db, request.company, int(request.matchdict["id"]), data, request.wisebook_identity.user_id
    )
    return json_response(
        {
            "immobilisation": made.asset_id,
            "date": made.on,
            "duree": made.life,
            "valeur_residuelle": to_json(made.residual, request.company.currency),
            "depreciation": to_json(made.write_down, request.company.currency),
            "ecriture": made.entry_id,
        },
        status=201,
    )


def dispose(request: Request) -> Response:
    data = json_body(request, "SortieImmobilisation")
    done = disposal.dispose(
        request.db, request.company, int(request.matchdict["id"]), data, request.wisebook_identity.user_id
    )
    currency = request.company.currency
    return json_response(
        {
            "immobilisation": done.asset_id,
            "ecriture": done.entry_id,
            "numero": done.number,
            "valeur_brute": to_json(done.gross, currency),
            "amortissements": to_json(done.depreciation, currency),
            "dotation_complementaire": to_json(done.catch_up, currency),
            "valeur_nette_comptable": to_json(done.net_book_value, currency),
            "prix": to_json(done.price, currency),
            "plus_value": to_json(max(done.gain, 0), currency),
            "moins_value": to_json(max(-done.gain, 0), currency),
        },
        status=201,
    )


def run_depreciation(request: Request) -> Response:
    """``POST …/dotations/ {"au": "2026-12-31"}``: checked now (a run that stands is a 409
    naming its entries), posted by a task with its progress (202)."""
    data = json_body(request, "Dotations")
    through = parse_date(str(data.get("au", "")), "au")
    depreciation.check(request.db, request.company.id, through)
    run = request.registry.wisebook_queue.submit(
        request.db,
        "dotations",
        {"au": through.isoformat()},
        company_id=request.company.id,
        user_id=request.wisebook_identity.user_id,
    )
    return tasks_api.accepted(request, run)


def reverse_run(request: Request) -> Response:
    day = query_date(request, "date")
    numbers = depreciation.reverse(
        request.db, request.company, int(request.matchdict["id"]), request.wisebook_identity.user_id, day
    )
    return json_response({"dotations": int(request.matchdict["id"]), "extournes": numbers}, status=201)


def includeme(config: Any) -> None:
    """Members read the register; those who configure keep it; those who post run the
    depreciation and dispose."""
    config.add_view(
        list_assets, route_name="assets", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(add_asset, route_name="assets", request_method="POST", permission=Permission.POST)
    config.add_view(
        get_asset, route_name="asset", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(
        plan, route_name="asset_plan", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(
        dsf_tables, route_name="assets_dsf", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(dispose, route_name="asset_disposal", request_method="POST", permission=Permission.POST)
    config.add_view(revise, route_name="asset_revision", request_method="POST", permission=Permission.POST)
    config.add_view(
        import_register, route_name="assets_import", request_method="POST", permission=Permission.CONFIGURE
    )
    config.add_view(
        run_depreciation, route_name="depreciation_runs", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        reverse_run, route_name="depreciation_run_reversal", request_method="POST", permission=Permission.POST
    )
