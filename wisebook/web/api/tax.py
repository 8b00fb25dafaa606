"""The monthly VAT return (JSON, PDF, XLSX; a box's lines) and its settlement entry."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger import vat as ledger_vat
from wisebook.ledger.money import to_json
from wisebook.services.access.permissions import Permission
from wisebook.services.books import companies
from wisebook.services.tax import vat as vat_service
from wisebook.web import exports, i18n
from wisebook.web.api import idempotent, json_response, presenters, query_int
from wisebook.web.api import reports as reports_api
from wisebook.web.exports import Column
from wisebook.web.i18n import _

#: The return's XLSX: a row per box.
COLUMNS = (
    Column(_("Case"), width=16),
    Column(_("Libellé"), width=0),
    Column(_("Base"), "amount", 32),
    Column(_("Taxe"), "amount", 32),
)
MAX_PAGE = 1000


def _money(units: int | None, currency: str) -> str | None:
    return None if units is None else to_json(units, currency)


def _settlement_json(found: vat_service.SettlementRef | None, currency: str) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "ecriture": found.entry_id,
        "numero": found.number,
        "tva_due": to_json(found.due, currency),
        "credit_reporte": to_json(found.credit, currency),
    }


def return_json(request: Request, found: vat_service.VatReturn) -> dict[str, Any]:
    """The return as the API gives it: each box with its figures and where its lines are."""
    currency = request.company.currency
    base_url = request.route_path("tax_vat")
    return {
        "periode": found.month.code,
        "du": found.month.start,
        "au": found.month.end,
        "pays": found.vat.country,
        "nom_pays": found.vat.name,
        "devise": currency,
        "exercice": found.fiscal_year,
        "cases": [
            {
                "code": b.box.code,
                "libelle": i18n.translate(request, b.box.label),
                "base": _money(b.base, currency),
                "taxe": _money(b.tax, currency),
                "total": b.box.total,
                "lignes": f"{base_url}?periode={found.month.code}&case={b.box.code}",
            }
            for b in found.boxes
        ],
        "credit_anterieur": to_json(found.previous_credit, currency),
        "tva_due": to_json(found.due, currency),
        "credit_a_reporter": to_json(found.credit, currency),
        "controles": [
            {
                "code": c.code,
                "libelle": i18n.translate(request, c.label, **dict(c.values)),
                "ok": c.ok,
                "comptabilite": _money(c.expected, currency),
                "declaration": _money(c.found, currency),
            }
            for c in found.controls
        ],
        "verrouillee": found.locked,
        "liquidation": _settlement_json(found.settlement, currency),
        "sources": list(found.vat.sources),
        "codes_taxe": [
            {
                "code": t.code,
                "taux": ledger_vat.percent(t.rate).replace(",", "."),
                "nature": t.kind,
                "libelle": i18n.translate(request, t.label),
            }
            for t in found.vat.taxes.values()
        ],
    }


def _box_lines(request: Request, month: vat_service.Month, box: str) -> dict[str, Any]:
    currency = request.company.currency
    after = query_int(request, "apres", 0) or 0
    limit = min(max(query_int(request, "limite", 100) or 100, 1), MAX_PAGE)
    found, lines, more = vat_service.box_lines(request.db, request.company, month, box, after, limit)
    return {
        "periode": month.code,
        "case": found.code,
        "libelle": i18n.translate(request, found.label),
        "devise": currency,
        "lignes": [
            {
                "id": ln.id,
                "ecriture": ln.entry_id,
                "numero": ln.number,
                "date_comptable": ln.entry_date,
                "journal": ln.journal,
                "compte": ln.account,
                "libelle": ln.label,
                "tiers": ln.partner,
                "taxe": ln.tax,
                "base": _money(ln.base, currency),
                "debit": to_json(ln.debit, currency),
                "credit": to_json(ln.credit, currency),
            }
            for ln in lines
        ],
        "suivant": lines[-1].id if more and lines else None,
    }


def title_block(request: Request, found: vat_service.VatReturn) -> exports.TitleBlock:
    company = request.company
    period = i18n.translate(
        request,
        "${pays} · mois de ${mois}, du ${debut} au ${fin} · montants en ${devise}",
        pays=found.vat.name,
        mois=found.month.start.strftime("%m/%Y"),
        debut=i18n.day(request, found.month.start),
        fin=i18n.day(request, found.month.end),
        devise=i18n.currency_name(company.currency),
    )
    return exports.TitleBlock(
        company.name,
        companies.identifiers(request.db, company.id),
        i18n.translate(request, "Déclaration de TVA"),
        period,
    )


def vat_return(request: Request) -> Any:
    """``GET /api/v1/fiscalite/tva/?periode=AAAA-MM&format=json|pdf|xlsx`` — the return; with
    ``case=CODE`` the lines that box comes from (``apres``, ``limite`` page them)."""
    fmt = exports.requested_format(request, ("json", "pdf", "xlsx"))
    month = vat_service.parse_month(request.params.get("periode"))
    box = request.params.get("case")
    if box is not None:
        return _box_lines(request, month, box.strip().upper())
    found = vat_service.vat_return(request.db, request.company, month)
    if fmt == "json":
        return return_json(request, found)
    filename = f"declaration-tva-{reports_api.slug(request.company.name)}-{month.code}"
    block = title_block(request, found)
    currency = request.company.currency
    if fmt == "xlsx":
        rows = [(b.box.code, i18n.translate(request, b.box.label), b.base, b.tax) for b in found.boxes]
        return exports.tabular(
            fmt, filename, block, reports_api.translated_columns(request, COLUMNS), rows, currency
        )
    table = exports.PdfTable(
        i18n.translate(request, "Cases de la déclaration"),
        [i18n.translate(request, w) for w in ("Case", "Libellé", "", "Base", "Taxe")],
        [
            (b.box.code, i18n.translate(request, b.box.label), "", [b.base, b.tax], b.box.total)
            for b in found.boxes
        ],
    )
    return exports.statement_pdf(
        f"{filename}",
        block,
        reports_api.printed(request),
        [table],
        [
            (i18n.translate(request, c.label, **dict(c.values)), c.ok)
            for c in found.controls
            if c.code != "verrouillage"
        ],
        lambda units: "" if units is None else i18n.amount(request, units, currency),
        i18n.translate(request, "Contrôles"),
        i18n.translate(request, "ÉCART"),
    )


@idempotent
def settle(request: Request) -> Response:
    """``POST /api/v1/fiscalite/tva/{AAAA-MM}/liquidation/`` — post the month's settlement (201)."""
    month = vat_service.parse_month(request.matchdict["periode"])
    made, entry = vat_service.settle(request.db, request.company, month, request.wisebook_identity.user_id)
    currency = request.company.currency
    return json_response(
        {
            "periode": month.code,
            "liquidation": _settlement_json(made, currency),
            "ecriture": presenters.entry(entry, currency),
        },
        status=201,
    )


def includeme(config: Any) -> None:
    """Members read the return; those who post settle it."""
    config.add_view(
        vat_return, route_name="tax_vat", request_method="GET", renderer="json", permission=Permission.READ
    )
    config.add_view(
        settle, route_name="tax_vat_settlement", request_method="POST", permission=Permission.POST
    )
