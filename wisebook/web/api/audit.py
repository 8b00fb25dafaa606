"""GET /api/v1/journal-audit/: every write of the company, newest first (admin, auditeur)."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request

from wisebook.services.access.permissions import Permission
from wisebook.services.platform import audit
from wisebook.web.api import query_int


def audit_log(request: Request) -> dict[str, Any]:
    """A page of the audit log; ``apres`` is the cursor of the previous page, ``utilisateur`` filters."""
    page, cursor = audit.list_entries(
        request.db,
        request.company.id,
        query_int(request, "limite", 100) or 100,
        query_int(request, "apres"),
        query_int(request, "utilisateur"),
    )
    return {
        "resultats": [
            {
                "id": e.id,
                "le": e.at,
                "utilisateur": e.user_id,
                "email": email,
                "cle_api": {"id": e.api_key_id, "nom": e.api_key_name} if e.api_key_name else None,
                "methode": e.method,
                "chemin": e.path,
                "action": e.action,
                "cible": e.target,
                "statut": e.status,
                "adresse": e.client_addr,
            }
            for e, email in page
        ],
        "suivant": str(cursor) if cursor is not None else None,
    }


def includeme(config: Any) -> None:
    """The audit log needs the audit permission."""
    config.add_view(
        audit_log, route_name="audit_log", request_method="GET", renderer="json", permission=Permission.AUDIT
    )
