"""The tiers register's page: customers, suppliers and staff with their balances, found by
code, name or identifier; a new tiers with its identifiers checked, each fault by its field."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import LedgerError
from wisebook.ledger.text import is_digits
from wisebook.services.access.permissions import Permission
from wisebook.services.tiers import register
from wisebook.web.i18n import _, amount, translate
from wisebook.web.messages import field_messages
from wisebook.web.renderers import page

KIND_LABELS = {
    "client": _("Client"),
    "fournisseur": _("Fournisseur"),
    "salarie": _("Salarié"),
    "autre": _("Autre"),
}
#: The form's fields and the register's (the API's names, for its messages).
FORM = {
    "code": "code",
    "nom": "name",
    "type": "kind",
    "compte": "account",
    "numero_fiscal": "tax_number",
    "rccm": "rccm",
    "email": "email",
    "telephone": "phone",
    "delai_paiement": "payment_days",
}


class TiersLine(NamedTuple):
    """A row of the register's page (a tuple with names: Jinja reads attributes first)."""

    code: str
    nom: str
    type: str
    compte: str
    numero_fiscal: str
    solde: str
    du: str
    releve: str


def tiers_page(request: Request) -> Response:
    """The register by code (``q``, ``type``), and the form that adds a tiers."""
    company = request.company
    values = {name: "" for name in FORM} | {"type": "client", "delai_paiement": "0"}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {name: str(request.POST.get(name, "")).strip() for name in FORM}
        try:
            typed = values["delai_paiement"]
            days = int(typed) if is_digits(typed) else (0 if not typed else -1)  # -1: said refused
            given = {FORM[k]: v for k, v in values.items() if k not in ("code", "delai_paiement") and v}
            details = register.Details(**given, payment_days=days, given=frozenset({*given, "payment_days"}))
            register.create_partner(request.db, company.id, values["code"], details)
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            return HTTPSeeOther(request.route_path("tiers_page", _query={"q": values["code"]}))
    q = str(request.params.get("q", ""))[:100]
    kind = str(request.params.get("type", "")) or None
    found, following = register.list_partners(
        request.db,
        company.id,
        kind=kind if kind in register.KINDS else None,
        q=q,
        limit=100,
        after=str(request.params.get("apres", "")) or None,
    )
    figures = register.balances(request.db, company.id, found, dt.date.today(), overdue=False)
    accounts = register.account_codes(request.db, [p.account_id for p in found])
    lines = [
        TiersLine(
            p.code,
            p.name,
            translate(request, KIND_LABELS[p.kind]),
            accounts.get(p.account_id, ""),
            p.tax_number or "",
            amount(request, figures[p.code].balance, company.currency),
            amount(request, figures[p.code].due, company.currency),
            request.route_path("tiers_statement", code=p.code, _query={"format": "pdf"}),
        )
        for p in found
    ]
    return page(
        request,
        "tiers.html",
        {
            "tiers": lines,
            "q": q,
            "type": kind or "",
            "types": [(k, translate(request, v)) for k, v in KIND_LABELS.items()],
            "suivant": {"q": q, "type": kind or "", "apres": following} if following else None,
            "valeurs": values,
            "erreurs": errors,
            "peut_ajouter": request.has_permission(Permission.DRAFT),
        },
        status,
    )


def includeme(config: Any) -> None:
    """Reading for members, adding for those who enter entries."""
    config.add_view(tiers_page, route_name="tiers_page", request_method="GET", permission=Permission.READ)
    config.add_view(tiers_page, route_name="tiers_page", request_method="POST", permission=Permission.DRAFT)
