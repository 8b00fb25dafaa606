"""Imports in the browser: a CSV, XLSX or FEC file sent with its mode (all or nothing, or only
the valid entries), the run followed with its progress, then its report: each refused row with
its reasons, and the refused rows as a file to correct and import again."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import FileResponse, Response

from wisebook.ledger.errors import Conflict, InvalidInput, LedgerError, NotFound
from wisebook.services.access.permissions import Permission
from wisebook.services.imports import pipeline as imports
from wisebook.services.imports import receive as uploads
from wisebook.services.platform import taskruns
from wisebook.web import runs
from wisebook.web.messages import field_messages
from wisebook.web.renderers import page

SHOWN = 500  # refused rows listed on the page; the file holds them all


def _run(request: Request, ref: str) -> Any:
    if len(ref) != 32 or not all(c in "0123456789abcdef" for c in ref):
        raise NotFound("Import introuvable.")
    found = taskruns.get(request.db, runs.viewer(request), ref)
    if found.name != "import_ecritures" or found.company_id != request.company.id:
        raise NotFound("Import introuvable.")
    return found


def imports_page(request: Request) -> Response:
    """The form, the company's imports, and the run asked for (``tache``) with its report."""
    company = request.company
    errors: dict[str, str] = {}
    status = 200
    mode = "tout"
    create_partners = False
    if request.method == "POST":
        mode = str(request.POST.get("mode", "tout"))
        create_partners = request.POST.get("creer_tiers") == "1"
        upload = request.POST.get("fichier")
        try:
            if mode not in imports.MODES:
                raise InvalidInput("Mode d'import : « tout » (tout ou rien) ou « valides ».", field="mode")
            if upload is None or not hasattr(upload, "file") or not upload.filename:
                raise InvalidInput("Choisissez le fichier à importer.", field="fichier")
            settings = request.registry.wisebook_settings
            received = uploads.receive(settings, company.id, upload.filename, upload.file)
            try:
                uploads.refuse_if_imported(request.db, company.id, received.sha256)
            except Conflict:
                received.path.unlink(missing_ok=True)
                raise
            run = request.registry.wisebook_queue.submit(
                request.db,
                "import_ecritures",
                {
                    "fichier": received.path.name,
                    "nom": received.name,
                    "sha256": received.sha256,
                    "mode": mode,
                    "creer_tiers": create_partners,
                },
                company_id=company.id,
                user_id=request.wisebook_identity.user_id,
            )
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            return HTTPSeeOther(request.route_path("imports_page", _query={"tache": run.id}))
    run = None
    report = None
    ref = str(request.params.get("tache", ""))[:40]
    if ref:
        try:
            run = _run(request, ref)
        except LedgerError:
            run = None
        if run is not None and run.state == taskruns.SUCCEEDED:
            report = taskruns.result_of(run)
    rejets = list((report or {}).get("rejets") or [])
    return page(
        request,
        "imports.html",
        {
            "mode": mode,
            "creer_tiers": create_partners,
            "erreurs": errors,
            "tache": run,
            "rapport": report,
            "rejets": rejets[:SHOWN],
            "rejets_caches": max(0, int((report or {}).get("rejets_total") or 0) - SHOWN),
            "fichier_rejets": bool(rejets) and run is not None and _rejected_path(request, run.id).exists(),
            "imports": uploads.listing(request.db, company.id, limit=20),
            "peut_importer": request.has_permission(Permission.POST),
        },
        status,
    )


def _rejected_path(request: Request, run_id: str) -> Any:
    settings = request.registry.wisebook_settings
    return uploads.upload_dir(settings, request.company.id) / uploads.rejected_name(run_id)


def rejected_rows(request: Request) -> Response:
    """The refused rows of an import (CSV), for the company's members."""
    run = _run(request, request.matchdict["id"])
    path = _rejected_path(request, run.id)
    if not path.exists():
        raise NotFound("Les lignes refusées de cet import ne sont plus disponibles.")
    response = FileResponse(str(path), request=request, content_type="text/csv")
    name = (taskruns.params_of(run).get("nom") or "import").rsplit(".", 1)[0][:80]
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name)
    response.content_disposition = f'attachment; filename="{safe}-lignes-refusees.csv"'
    response.cache_control = "private, no-store"
    return response


def includeme(config: Any) -> None:
    """Reading for members; importing posts entries: the permission to post."""
    config.add_view(imports_page, route_name="imports_page", request_method="GET", permission=Permission.READ)
    config.add_view(
        imports_page, route_name="imports_page", request_method="POST", permission=Permission.POST
    )
    config.add_view(
        rejected_rows, route_name="imports_rejected_page", request_method="GET", permission=Permission.READ
    )
