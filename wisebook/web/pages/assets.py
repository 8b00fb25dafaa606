"""Fixed assets in the browser: the register with its filters and totals by category, an asset
added (from a purchase entry's line, or typed with its acquisition entry), the depreciation run
followed by its progress bar; an asset's page with its plan, its entries and the disposal form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response
from sqlalchemy import select

from wisebook.data import ohada
from wisebook.db import models
from wisebook.ledger import assets as rules
from wisebook.ledger.errors import InvalidInput, LedgerError
from wisebook.services.access.permissions import Permission
from wisebook.services.assets import depreciation, disposal, imports, register
from wisebook.services.platform import taskruns
from wisebook.web import runs
from wisebook.web.i18n import amount
from wisebook.web.messages import field_messages
from wisebook.web.renderers import page

#: The register's rows per page (the totals cover every asset).
SHOWN = 100
FORM_FIELDS = (
    "libelle",
    "categorie",
    "date_acquisition",
    "date_mise_en_service",
    "valeur_brute",
    "methode",
    "duree",
    "valeur_residuelle",
    "contrepartie",
    "emplacement",
    "ligne_acquisition",
)


def _money(request: Request, units: int) -> str:
    return amount(request, units, request.company.currency)


def _line_from_entry(request: Request) -> dict[str, str]:
    """The form's values from a purchase entry's line (``ecriture``, ``ligne``: its number)."""
    entry_id, line_no = str(request.params.get("ecriture", "")), str(request.params.get("ligne", ""))
    if not (entry_id.isdigit() and line_no.isdigit() and len(entry_id) < 19 and len(line_no) < 5):
        return {}
    found = request.db.execute(
        select(models.Line.id, models.Line.label, models.Entry.label, models.Entry.entry_date)
        .join(models.Entry, models.Entry.id == models.Line.entry_id)
        .where(
            models.Entry.id == int(entry_id),
            models.Entry.company_id == request.company.id,
            models.Line.line_no == int(line_no),
        )
    ).first()
    if found is None:
        return {}
    return {
        "ligne_acquisition": str(found[0]),
        "libelle": found[1] or found[2],
        "date_acquisition": found[3].isoformat(),
    }


def assets_page(request: Request) -> Response:
    """The register; POSTed: an asset added (``action=ajouter``) or the depreciation run
    asked (``action=dotations``), then back here (303), or the page with the form's faults."""
    company = request.company
    errors: dict[str, str] = {}
    status = 200
    values: dict[str, str] = {"categorie": "materiel_bureau", "methode": rules.LINEAR} | _line_from_entry(
        request
    )
    run_date = ""
    import_faults: list[str] = []
    if request.method == "POST":
        action = str(request.POST.get("action", ""))
        try:
            if action == "importer":
                upload = request.POST.get("fichier")
                if upload is None or not hasattr(upload, "file") or not upload.filename:
                    raise InvalidInput("Choisissez le registre à importer.", field="fichier")
                done = imports.import_register(
                    request.db,
                    company,
                    upload.filename,
                    upload.file.read(),
                    request.wisebook_identity.user_id,
                )
                return HTTPSeeOther(
                    request.route_path("assets_page", _query={"importe": done["immobilisations"]})
                )
            if action == "dotations":
                run_date = str(request.POST.get("au", ""))[:10]
                from wisebook.ledger.periods import parse_date

                through = parse_date(run_date, "au")
                depreciation.check(request.db, company.id, through)
                made = request.registry.wisebook_queue.submit(
                    request.db,
                    "dotations",
                    {"au": through.isoformat()},
                    company_id=company.id,
                    user_id=request.wisebook_identity.user_id,
                )
                return HTTPSeeOther(request.route_path("assets_page", _query={"tache": made.id}))
            values = {name: str(request.POST.get(name, "")).strip() for name in FORM_FIELDS}
            data: dict[str, Any] = {k: v for k, v in values.items() if v}
            if "valeur_brute" in data:
                data["valeur_brute"] = data["valeur_brute"].replace(" ", "").replace("\u202f", "")
            asset = register.create_asset(request.db, company, data, request.wisebook_identity.user_id)
            return HTTPSeeOther(request.route_path("asset_page", id=asset.id))
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
            if action == "importer":
                import_faults = [e.message for e in exc.errors if e.field.startswith("lignes[")]
    category = str(request.params.get("categorie", ""))[:40]
    state = str(request.params.get("etat", ""))[:12]
    found, posted, following = register.listing(
        request.db,
        company.id,
        category=category or None,
        state=state if state in register.STATES else None,
        after=str(request.params.get("apres", ""))[:40] or None,
        limit=SHOWN,
    )
    categories = ohada.asset_categories()
    kept = register.in_service(request.db, company.id, [a.id for a in found])
    rows = []
    for asset in found:
        done = asset.opening_depreciation + posted.get(asset.id, 0)
        gross_in, done_in = kept.get(asset.id, (0, 0))
        rows.append(
            {
                "id": asset.id,
                "numero": asset.code,
                "libelle": asset.label,
                "categorie": categories[asset.category].label
                if asset.category in categories
                else asset.category,
                "mise_en_service": asset.in_service_on,
                "brut": _money(request, asset.gross),
                "amortissements": _money(request, done),
                "net": _money(request, gross_in - done_in),
                "etat": asset.state,
            }
        )
    totals = register.category_totals(request.db, company.id)
    ref = str(request.params.get("tache", ""))[:40]
    run = runs.company_run(request, ref, "dotations") if ref else None
    result = taskruns.result_of(run) if run is not None and run.state == taskruns.SUCCEEDED else None
    if result and result.get("au"):
        result = dict(result, au=dt.date.fromisoformat(str(result["au"])).strftime("%d/%m/%Y"))
    latest = depreciation.latest_through(request.db, company.id)
    return page(
        request,
        "immobilisations.html",
        {
            "lignes": rows,
            "totaux": [
                {
                    "libelle": categories[code].label if code in categories else code,
                    "brut": _money(request, gross),
                    "amortissements": _money(request, done),
                    "net": _money(request, gross - done),
                }
                for code, gross, done in totals
            ],
            "suivant": following,
            "categories": categories,
            "filtre_categorie": category,
            "filtre_etat": state,
            "valeurs": values,
            "erreurs": errors,
            "tache": run,
            "rapport": result,
            "au": run_date or _year_end(request),
            "derniere_dotation": latest,
            "peut_saisir": request.has_permission(Permission.POST),
            "peut_importer": request.has_permission(Permission.CONFIGURE),
            "fautes_import": import_faults,
            "importe": str(request.params.get("importe", ""))[:8],
        },
        status,
    )


def _year_end(request: Request) -> str:
    latest = request.db.scalar(
        select(models.FiscalYear.end_date)
        .where(models.FiscalYear.company_id == request.company.id, models.FiscalYear.status == "ouvert")
        .order_by(models.FiscalYear.start_date)
        .limit(1)
    )
    return latest.isoformat() if latest else dt.date.today().isoformat()


def asset_page(request: Request) -> Response:
    """An asset: its details, components, plan and entries; POSTed: its disposal."""
    company = request.company
    asset = register.get_asset(request.db, company.id, int(request.matchdict["id"]))
    errors: dict[str, str] = {}
    status = 200
    sale = {"date": "", "prix": "", "contrepartie": "5211", "rebut": ""}
    change = {"date_revision": "", "duree": "", "valeur_residuelle": "", "depreciation": ""}
    if request.method == "POST" and request.POST.get("action") == "revision":
        change = {name: str(request.POST.get(name, "")).strip() for name in change}
        try:
            data = {
                "date": change["date_revision"],
                "duree": change["duree"] or "0",
                **{
                    k: change[k].replace(" ", "").replace("\u202f", "")
                    for k in ("valeur_residuelle", "depreciation")
                    if change[k]
                },
            }
            register.revise(request.db, company, asset.id, data, request.wisebook_identity.user_id)
            return HTTPSeeOther(request.route_path("asset_page", id=asset.id, _query={"revise": "1"}))
        except LedgerError as exc:
            errors = {
                ("date_revision" if k == "date" else k): v for k, v in field_messages(request, exc).items()
            }
            status = exc.status
    elif request.method == "POST":
        sale = {name: str(request.POST.get(name, "")).strip() for name in sale}
        try:
            data: dict[str, Any] = {"date": sale["date"], "rebut": bool(sale["rebut"])}
            if sale["prix"]:
                data["prix"] = sale["prix"].replace(" ", "").replace("\u202f", "")
            if sale["contrepartie"] and not sale["rebut"]:
                data["contrepartie"] = sale["contrepartie"]
            done = disposal.dispose(request.db, company, asset.id, data, request.wisebook_identity.user_id)
            return HTTPSeeOther(
                request.route_path("asset_page", id=asset.id, _query={"sortie": done.number or ""})
            )
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
    parts = register.components_of(request.db, asset.id) or [asset]
    posted = register.depreciated(request.db, [p.id for p in parts])
    month = register.year_start_month(request.db, company.id)
    revised = register.revisions_of(request.db, [p.id for p in parts])
    plans = []
    for part in parts:
        plan = register.plan_of(part, revised.get(part.id, ()))
        plans.append(
            {
                "numero": part.code,
                "libelle": part.label,
                "duree": part.life,
                "methode": part.method,
                "annees": [
                    {
                        "exercice": f"{y.start:%d/%m/%Y} – {y.end:%d/%m/%Y}",
                        "debut": _money(request, y.opening),
                        "annuite": _money(request, y.annuity),
                        "cumul": _money(request, y.accumulated),
                        "fin": _money(request, y.closing),
                    }
                    for y in rules.schedule(plan, rules.windows_for(plan, month))
                ],
            }
        )
    entry_ids = set(
        request.db.scalars(
            select(models.AssetDepreciation.entry_id).where(
                models.AssetDepreciation.asset_id.in_([p.id for p in parts])
            )
        )
    )
    entry_ids |= {
        e
        for e in request.db.scalars(
            select(models.AssetRevision.entry_id).where(
                models.AssetRevision.asset_id.in_([p.id for p in parts])
            )
        )
        if e
    }
    if asset.disposal_entry_id:
        entry_ids.add(asset.disposal_entry_id)
    if asset.acquisition_line_id:
        entry_ids.add(
            request.db.scalar(select(models.Line.entry_id).where(models.Line.id == asset.acquisition_line_id))
        )
    entries = request.db.execute(
        select(
            models.Entry.id,
            models.Entry.number,
            models.Entry.entry_date,
            models.Entry.label,
            models.Entry.total,
        )
        .where(models.Entry.id.in_(entry_ids), models.Entry.company_id == company.id)
        .order_by(models.Entry.entry_date, models.Entry.id)
    ).all()
    written = register.written_down(request.db, [p.id for p in parts])
    done = sum(p.opening_depreciation + posted.get(p.id, 0) + written.get(p.id, 0) for p in parts)
    categories = ohada.asset_categories()
    return page(
        request,
        "immobilisation.html",
        {
            "a": asset,
            "categorie": categories[asset.category].label if asset.category in categories else asset.category,
            "brut": _money(request, asset.gross),
            "amortissements": _money(request, done),
            "net": _money(request, asset.gross - done if asset.state == "en_service" else 0),
            "plans": plans,
            "ecritures": [
                {
                    "id": e.id,
                    "numero": e.number or "",
                    "date": e.entry_date,
                    "libelle": e.label,
                    "total": _money(request, e.total),
                }
                for e in entries
            ],
            "sortie": sale,
            "changement": change,
            "revise": bool(request.params.get("revise")),
            "peut_reviser": request.has_permission(Permission.POST)
            and asset.state == "en_service"
            and parts == [asset],
            "fait": str(request.params.get("sortie", ""))[:40],
            "erreurs": errors,
            "peut_sortir": request.has_permission(Permission.POST) and asset.state == "en_service",
            "pdf": request.route_path("asset_plan", id=asset.id, _query={"format": "pdf"}),
        },
        status,
    )


def includeme(config: Any) -> None:
    config.add_view(assets_page, route_name="assets_page", request_method="GET", permission=Permission.READ)
    config.add_view(assets_page, route_name="assets_page", request_method="POST", permission=Permission.POST)
    config.add_view(asset_page, route_name="asset_page", request_method="GET", permission=Permission.READ)
    config.add_view(asset_page, route_name="asset_page", request_method="POST", permission=Permission.POST)
