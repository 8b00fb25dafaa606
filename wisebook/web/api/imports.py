"""Bulk import of entries through the API: upload a CSV or XLSX file (multipart, field
``fichier``, optional ``mode`` = tout | valides, optional ``creer_tiers`` = 1 to register the
tiers codes the register does not know) → 202 and the task whose result is the report;
the list of the company's imports."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput
from wisebook.services.access.permissions import Permission
from wisebook.services.imports import pipeline as imports
from wisebook.services.imports import receive as uploads
from wisebook.web.api import tasks as tasks_api


def _present(request: Request, found: models.Import) -> dict[str, Any]:
    return {
        "id": found.id,
        "fichier": found.filename,
        "sha256": found.sha256,
        "disposition": found.layout,
        "mode": found.mode,
        "ecritures": found.entries,
        "lignes": found.lines,
        "lignes_refusees": found.rejected,
        "tache": request.route_url("task", id=found.task_run_id) if found.task_run_id else None,
        "importe_le": found.created_at,
    }


def submit(request: Request) -> Response:
    """Receive the file, recognise its layout, refuse a file already imported (409), and
    import it in the background."""
    form = request.POST if request.content_type == "multipart/form-data" else {}
    upload = form.get("fichier")
    if upload is None or not hasattr(upload, "file"):
        raise InvalidInput("Envoyez le fichier en multipart/form-data, champ « fichier ».", field="fichier")
    mode = str(form.get("mode") or "tout")
    if mode not in imports.MODES:
        raise InvalidInput("Mode d'import : « tout » (tout ou rien) ou « valides ».", field="mode")
    create = str(form.get("creer_tiers") or "0").lower()
    if create not in ("0", "1", "true", "false"):
        raise InvalidInput(
            "creer_tiers : 1 pour créer les tiers inconnus du fichier, 0 sinon.", field="creer_tiers"
        )
    settings = request.registry.wisebook_settings
    received = uploads.receive(settings, request.company.id, upload.filename or "", upload.file)
    try:
        uploads.refuse_if_imported(request.db, request.company.id, received.sha256)
    except Conflict:
        received.path.unlink(missing_ok=True)  # imported already: no run will read it
        raise
    run = request.registry.wisebook_queue.submit(
        request.db,
        "import_ecritures",
        {
            "fichier": received.path.name,
            "nom": received.name,
            "sha256": received.sha256,
            "mode": mode,
            "creer_tiers": create in ("1", "true"),
        },
        company_id=request.company.id,
        user_id=request.wisebook_identity.user_id,
    )
    return tasks_api.accepted(request, run)


def listing(request: Request) -> dict[str, Any]:
    """The company's imports, latest first."""
    found = uploads.listing(request.db, request.company.id)
    return {"resultats": [_present(request, f) for f in found], "suivant": None}


def includeme(config: Any) -> None:
    """Importing posts entries: the permission to post; the list for every member."""
    config.add_view(submit, route_name="entry_imports", request_method="POST", permission=Permission.POST)
    config.add_view(
        listing, route_name="imports", request_method="GET", renderer="json", permission=Permission.READ
    )
