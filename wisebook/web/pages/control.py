"""Control in the browser: the audit log of every write (who, when, what, from where), and the
integrity check of the books (hash chain, numbering, balances) run in the background with its
result."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import LedgerError
from wisebook.services.access.permissions import Permission
from wisebook.services.platform import audit, taskruns
from wisebook.web import runs
from wisebook.web.renderers import page

AUDIT_PAGE = 100


def audit_page(request: Request) -> Response:
    """The audit log, newest first, a hundred writes a page."""
    after = str(request.params.get("apres", ""))
    found, cursor = audit.list_entries(
        request.db,
        request.company.id,
        AUDIT_PAGE,
        int(after) if after.isdigit() and len(after) <= 18 else None,
        None,
    )
    return page(
        request,
        "journal_audit.html",
        {
            "lignes": [
                {"e": e, "qui": email or (e.api_key_name and f"clé « {e.api_key_name} »") or "—"}
                for e, email in found
            ],
            "suivant": cursor,
        },
    )


def verification_page(request: Request) -> Response:
    """The latest integrity check and its result; a new one run in the background."""
    who = runs.viewer(request)
    if request.method == "POST":
        run = request.registry.wisebook_queue.submit(
            request.db,
            "verification",
            {},
            company_id=request.company.id,
            user_id=request.wisebook_identity.user_id,
        )
        return HTTPSeeOther(request.route_path("verification_page", _query={"tache": run.id}))
    run = None
    ref = str(request.params.get("tache", ""))[:40]
    if ref:
        try:
            run = taskruns.get(request.db, who, ref)
        except LedgerError:
            run = None
        if run is not None and run.name != "verification":
            run = None
    if run is None:
        run = taskruns.latest(request.db, who, "verification")
    result = taskruns.result_of(run) if run is not None and run.state == taskruns.SUCCEEDED else None
    return page(
        request,
        "verification.html",
        {"tache": run, "resultat": result, "peut_verifier": request.has_permission(Permission.VERIFY)},
    )


def includeme(config: Any) -> None:
    """The audit log for those who audit; the integrity check for those who verify."""
    config.add_view(audit_page, route_name="audit_page", request_method="GET", permission=Permission.AUDIT)
    for method in ("GET", "POST"):
        config.add_view(
            verification_page,
            route_name="verification_page",
            request_method=method,
            permission=Permission.VERIFY,
        )
