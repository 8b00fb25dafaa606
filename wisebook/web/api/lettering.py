"""Lettrage through the API: a tiers account's lines with their codes, matching, délettrage,
proposals, and the aged balance of receivables and payables."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import to_json
from wisebook.ledger.text import is_digits
from wisebook.services import reconciliation as lettering
from wisebook.services.access.permissions import Permission
from wisebook.services.tiers import register
from wisebook.web.api import json_body, json_response, query_date


def _required(request: Request, name: str) -> str:
    value = (request.params.get(name) or "").strip()
    if not value or len(value) > 12 or not is_digits(value):
        raise InvalidInput("Numéro de compte attendu.", field=name)
    return value


def _line(ln: lettering.OpenLine, currency: str, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": ln.id,
        "compte": ln.account,
        "tiers": ln.partner,
        "nom_tiers": names.get(ln.partner or ""),
        "ecriture": ln.entry_id,
        "numero": ln.number,
        "date": ln.date,
        "libelle": ln.label,
        "piece": ln.reference,
        "debit": to_json(ln.debit, currency),
        "credit": to_json(ln.credit, currency),
        "lettrage": ln.code,
    }


def list_lines(request: Request) -> dict[str, Any]:
    """The lines of a tiers account in open years; ``ouvertes=1`` keeps the unlettered ones."""
    currency = request.company.currency
    found = lettering.lines(
        request.db,
        request.company.id,
        _required(request, "compte"),
        request.params.get("tiers") or None,
        open_only=request.params.get("ouvertes") in ("1", "true", "oui"),
    )
    names = register.names(request.db, request.company.id)
    return {"resultats": [_line(ln, currency, names) for ln in found], "suivant": None}


def reconcile(request: Request) -> Response:
    """Letter lines whose sum is zero (one account, one tiers)."""
    data = json_body(request, "Lettrage")
    made = lettering.reconcile(
        request.db,
        request.company.id,
        data["lignes"],
        request.wisebook_identity.user_id,
        request.company.currency,
    )
    body = {
        "id": made.id,
        "code": made.code,
        "tiers": made.partner,
        "lignes": lettering.line_ids(request.db, made.id),
    }
    return json_response(body, status=201)


def unreconcile(request: Request) -> Response:
    """Délettrage: the lines are open again."""
    lettering.unreconcile(request.db, request.company.id, int(request.matchdict["id"]))
    return Response(status=204)


def proposals(request: Request) -> dict[str, Any]:
    """Lines that could be lettered together, and why (same pièce, same amount)."""
    found = lettering.proposals(request.db, request.company.id, _required(request, "compte"))
    names = register.names(request.db, request.company.id)
    return {
        "resultats": [
            {
                "compte": p.account,
                "tiers": p.partner,
                "nom_tiers": names.get(p.partner or ""),
                "lignes": list(p.line_ids),
                "raison": p.reason,
            }
            for p in found
        ]
    }


def aged_balance(request: Request) -> dict[str, Any]:
    """Unlettered receivables or payables per tiers, by age at ``au`` (today by default)."""
    currency = request.company.currency
    at = query_date(request, "au") or dt.date.today()
    rows = lettering.aged_balance(request.db, request.company.id, _required(request, "comptes"), at)
    labels = [f"{low}-{high}" if high is not None else f"{low}+" for low, high in lettering.AGE_BUCKETS]
    totals = [sum(r.buckets[i] for r in rows) for i in range(len(labels))]
    names = register.names(request.db, request.company.id)
    return {
        "au": at,
        "tranches": labels,
        "lignes": [
            {
                "compte": r.account,
                "tiers": r.partner,
                "nom_tiers": names.get(r.partner or ""),
                "tranches": [to_json(v, currency) for v in r.buckets],
                "total": to_json(r.total, currency),
            }
            for r in rows
        ],
        "totaux": {
            "tranches": [to_json(v, currency) for v in totals],
            "total": to_json(sum(totals), currency),
        },
    }


def includeme(config: Any) -> None:
    """Lettrage is bookkeeping: reading for members, matching for those who post."""
    config.add_view(
        list_lines,
        route_name="lettering_lines",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(reconcile, route_name="letterings", request_method="POST", permission=Permission.POST)
    config.add_view(unreconcile, route_name="lettering", request_method="DELETE", permission=Permission.POST)
    config.add_view(
        proposals,
        route_name="lettering_proposals",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
    config.add_view(
        aged_balance,
        route_name="report_aged_balance",
        request_method="GET",
        renderer="json",
        permission=Permission.READ,
    )
