"""The VAT return in the browser: a month's boxes in the form's order, each leading to the
lines it comes from, the controls against the books, the settlement posted by one button, the
return as PDF and XLSX."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import LedgerError
from wisebook.services.access.permissions import Permission
from wisebook.services.tax import vat as vat_service
from wisebook.web.i18n import amount, day, translate
from wisebook.web.messages import field_messages, said
from wisebook.web.renderers import page

#: The drill-down's lines per page.
SHOWN = 200


def _default_month() -> str:
    """The month a return is filed for: the one before this one."""
    first = dt.date.today().replace(day=1)
    return (first - dt.timedelta(days=1)).strftime("%Y-%m")


def vat_page(request: Request) -> Response:
    """A month's return (``?periode=AAAA-MM``, the last month by default), a box's lines
    (``&case=``); POSTed: the settlement, then back here (303), or the page with its refusal."""
    company = request.company
    raw = str(request.params.get("periode", "") or _default_month())[:7]
    errors: dict[str, str] = {}
    status = 200
    try:
        month = vat_service.parse_month(raw)
    except LedgerError as exc:
        errors = field_messages(request, exc)
        month = vat_service.parse_month(_default_month())
        status = exc.status
    if request.method == "POST" and not errors:
        try:
            made, _entry = vat_service.settle(request.db, company, month, request.wisebook_identity.user_id)
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status
        else:
            return HTTPSeeOther(
                request.route_path("vat_page", _query={"periode": month.code, "fait": made.number})
            )
    found = None
    try:
        found = vat_service.vat_return(request.db, company, month)
    except LedgerError as exc:
        errors.setdefault("periode", said(request, exc.message))
        status = max(status, exc.status) if status != 200 else exc.status
    currency = company.currency
    money = lambda units: "" if units is None else amount(request, units, currency)  # noqa: E731
    box = str(request.params.get("case", ""))[:20].upper()
    drill: dict[str, Any] | None = None
    if found is not None and box:
        after = str(request.params.get("apres", "0"))
        try:
            shown_box, lines, more = vat_service.box_lines(
                request.db,
                company,
                month,
                box,
                int(after) if after.isdigit() and len(after) < 19 else 0,
                SHOWN,
            )
        except LedgerError as exc:
            errors["case"] = said(request, exc.message)
        else:
            drill = {
                "code": shown_box.code,
                "libelle": translate(request, shown_box.label),
                "lignes": [
                    {
                        "ecriture": ln.entry_id,
                        "numero": ln.number or "",
                        "date": day(request, ln.entry_date),
                        "journal": ln.journal,
                        "compte": ln.account,
                        "libelle": ln.label,
                        "tiers": ln.partner or "",
                        "taxe": ln.tax or "",
                        "base": money(ln.base),
                        "debit": money(ln.debit) if ln.debit else "",
                        "credit": money(ln.credit) if ln.credit else "",
                    }
                    for ln in lines
                ],
                "suivant": lines[-1].id if more and lines else None,
            }
    context: dict[str, Any] = {
        "periode": month.code,
        "mois": month.start,
        "erreurs": errors,
        "fait": str(request.params.get("fait", ""))[:40],
        "r": found,
        "cases": []
        if found is None
        else [
            {
                "code": b.box.code,
                "libelle": translate(request, b.box.label),
                "base": money(b.base),
                "taxe": money(b.tax),
                "total": b.box.total,
            }
            for b in found.boxes
        ],
        "controles": []
        if found is None
        else [
            {
                "code": c.code,
                "libelle": translate(request, c.label, **dict(c.values)),
                "ok": c.ok,
                "comptabilite": money(c.expected),
                "declaration": money(c.found),
            }
            for c in found.controls
        ],
        "tva_due": money(found.due) if found else "",
        "credit": money(found.credit) if found else "",
        "detail": drill,
        "peut_liquider": request.has_permission(Permission.POST),
        "pdf": request.route_path("tax_vat", _query={"periode": month.code, "format": "pdf"}),
        "xlsx": request.route_path("tax_vat", _query={"periode": month.code, "format": "xlsx"}),
    }
    return page(request, "tva.html", context, status)


def includeme(config: Any) -> None:
    config.add_view(vat_page, route_name="vat_page", request_method="GET", permission=Permission.READ)
    config.add_view(vat_page, route_name="vat_page", request_method="POST", permission=Permission.POST)
