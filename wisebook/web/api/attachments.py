"""Pièces justificatives through the API: upload (multipart, field ``fichier``), list,
download, removal from a draft."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput
from wisebook.services.access.permissions import Permission
from wisebook.services.platform import attachments
from wisebook.web.api import json_response
from wisebook.web.exports import file_response


def _present(request: Request, found: models.Attachment) -> dict[str, Any]:
    return {
        "id": found.id,
        "ecriture": found.entry_id,
        "nom": found.filename,
        "type": found.content_type,
        "taille": found.size,
        "sha256": found.sha256,
        "ajoute_le": found.created_at,
        "url": request.route_url("attachment", id=found.id),
    }


def upload(request: Request) -> Response:
    """Attach a PDF or an image to an entry (multipart/form-data, field ``fichier``)."""
    upload = request.POST.get("fichier") if request.content_type == "multipart/form-data" else None
    if upload is None or not hasattr(upload, "file"):
        raise InvalidInput("Envoyez le fichier en multipart/form-data, champ « fichier ».", field="fichier")
    made = attachments.attach(
        request.db,
        request.registry.wisebook_settings,
        request.company.id,
        int(request.matchdict["id"]),
        upload.filename or "piece",
        upload.file,
        request.wisebook_identity.user_id,
    )
    return json_response(_present(request, made), status=201)


def list_for_entry(request: Request) -> dict[str, Any]:
    """The pièces of an entry."""
    found = attachments.of_entry(request.db, request.company.id, int(request.matchdict["id"]))
    return {"resultats": [_present(request, a) for a in found], "suivant": None}


def download(request: Request) -> Response:
    """The file, as an attachment that the browser never runs (sandboxed, no sniffing)."""
    found = attachments.get(request.db, request.company.id, int(request.matchdict["id"]))
    handle = attachments.open_file(request.registry.wisebook_settings, found)
    response = file_response(handle, found.content_type, found.filename)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def remove(request: Request) -> Response:
    """Detach a pièce from a draft."""
    attachments.remove(request.db, request.company.id, int(request.matchdict["id"]))
    return Response(status=204)


def includeme(config: Any) -> None:
    """Reading for members; adding and removing for those who enter drafts."""
    config.add_view(
        upload, route_name="entry_attachments", request_method="POST", permission=Permission.DRAFT
    )
    config.add_view(
        list_for_entry,
        route_name="entry_attachments",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(download, route_name="attachment", request_method="GET", permission=Permission.READ)
    config.add_view(remove, route_name="attachment", request_method="DELETE", permission=Permission.DRAFT)
