"""The tiers register's pages: customers, suppliers and staff with their balances, found by
code, name or identifier; a new tiers with its identifiers checked, each fault by its field,
a French one filled from its SIREN (INSEE's Sirene); a tiers' own page with its details to
change, its balances, its lines over a period and its statement as PDF."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from pyramid.httpexceptions import HTTPForbidden, HTTPSeeOther
from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.errors import FieldError, InvalidInput, LedgerError
from wisebook.ledger.text import is_digits
from wisebook.services.access.permissions import Permission
from wisebook.services.books import companies
from wisebook.services.tiers import register, sirene
from wisebook.services.tiers import statement as tiers_statement
from wisebook.web.i18n import _, amount, day, translate
from wisebook.web.messages import field_messages
from wisebook.web.pages.entries import _day as typed_day
from wisebook.web.renderers import page

KIND_LABELS = {
    "client": _("Client"),
    "fournisseur": _("Fournisseur"),
    "salarie": _("Salarié"),
    "autre": _("Autre"),
}
#: The form's fields and the register's (the API's names, for its messages); archiving is a
#: checkbox of its own.
FORM = {"code": "code", **{k: v for k, v in register.FIELD_NAMES.items() if k != "archive"}}
#: A tiers' page shows this many of its lines; the statement (PDF) and the grand livre hold all.
SHOWN_LINES = 500


def _details(values: dict[str, str], *, changing: bool) -> register.Details:
    """The form's values as the register takes them. Adding, the blank fields are not given
    (the register's defaults); changing, every field is, a blank one clears its value."""
    typed = values["delai_paiement"]
    days = int(typed) if is_digits(typed) else (0 if not typed else -1)  # -1: said refused
    given = {
        FORM[k]: v
        for k, v in values.items()
        if k in FORM and k not in ("code", "delai_paiement", "comptes_bancaires") and (v or changing)
    }
    banks = [b for b in values["comptes_bancaires"].replace(",", "\n").splitlines() if b.strip()]
    fields = {*given, "payment_days", "bank_accounts", *(("archived",) if changing else ())}
    return register.Details(
        **given,
        payment_days=days,
        bank_accounts=banks,
        archived=values.get("archive") == "1",
        given=frozenset(fields),
    )


def _from_siren(request: Request, values: dict[str, str]) -> tuple[dict[str, str], str]:
    """The form filled from INSEE's Sirene by the SIREN (or SIRET) typed as its tax number:
    its name, address, country; and what Sirene says besides (legal form, NAF, state)."""
    typed = "".join(values["numero_fiscal"].split())
    if not (is_digits(typed) and len(typed) in (9, 14)):
        raise InvalidInput(
            "Tapez le SIREN (9 chiffres) ou le SIRET (14 chiffres) dans le numéro fiscal, puis « Remplir depuis le SIREN ».",
            field="numero_fiscal",
        )
    settings = request.registry.wisebook_settings
    try:
        found = sirene.lookup(settings.insee_url, settings.insee_api_key, typed[:9])
    except LedgerError as exc:  # said next to the number it was asked with
        exc.errors = [FieldError("numero_fiscal", e.message) for e in exc.errors] or [
            FieldError("numero_fiscal", exc.message)
        ]
        raise
    filled = values | {
        "nom": found.name,
        "pays": "FR",
        "numero_fiscal": found.siren,
        "adresse": found.address or values["adresse"],
    }
    said = translate(
        request,
        "Rempli depuis le répertoire Sirene : forme juridique ${forme}, code NAF ${naf}, ${etat}.",
        forme=found.legal_form or "—",
        naf=found.naf or "—",
        etat=translate(request, _("en activité") if found.active else _("cessée")),
    )
    return filled, said


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
    """The register by code (``q``, ``type``), and the form that adds a tiers (or fills it
    from its SIREN)."""
    company = request.company
    values = {name: "" for name in FORM} | {"type": "client", "delai_paiement": "0"}
    errors: dict[str, str] = {}
    notice = ""
    status = 200
    if request.method == "POST" and request.POST.get("action") == "obligatoire":
        if not request.has_permission(Permission.CONFIGURE):
            raise HTTPForbidden()
        required = request.POST.get("tiers_obligatoire") == "1"
        companies.set_partners_required(request.db, company.id, required)
        return HTTPSeeOther(request.route_path("tiers_page", _query={"reglage": "1"}))
    if request.method == "POST":
        values = {name: str(request.POST.get(name, "")).strip() for name in FORM}
        try:
            if request.POST.get("action") == "siren":
                values, notice = _from_siren(request, values)
            else:
                register.create_partner(
                    request.db, company.id, values["code"], _details(values, changing=False)
                )
                return HTTPSeeOther(request.route_path("tiers_one_page", code=values["code"]))
        except LedgerError as exc:
            errors = field_messages(request, exc)
            status = exc.status if exc.status < 500 else 422
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
            "types": _kinds(request),
            "suivant": {"q": q, "type": kind or "", "apres": following} if following else None,
            "valeurs": values,
            "erreurs": errors,
            "annonce": notice,
            "peut_ajouter": request.has_permission(Permission.DRAFT),
            "peut_regler": request.has_permission(Permission.CONFIGURE),
            "tiers_obligatoire": companies.company_settings(request.db, company.id).partners_required,
            "regle": request.params.get("reglage") == "1",
        },
        status,
    )


def _kinds(request: Request) -> list[tuple[str, str]]:
    return [(k, translate(request, v)) for k, v in KIND_LABELS.items()]


class StatementRow(NamedTuple):
    """A line of a tiers' page (a tuple with names: Jinja reads attributes first)."""

    date: str
    journal: str
    numero: str
    piece: str
    libelle: str
    debit: str
    credit: str
    solde: str
    lettrage: str


def _values(partner: Any, account: str) -> dict[str, str]:
    return {
        "code": partner.code,
        "nom": partner.name,
        "type": partner.kind,
        "compte": account,
        "pays": partner.country,
        "numero_fiscal": partner.tax_number or "",
        "rccm": partner.rccm or "",
        "adresse": partner.address or "",
        "email": partner.email or "",
        "telephone": partner.phone or "",
        "comptes_bancaires": "\n".join(partner.bank_accounts or []),
        "delai_paiement": str(partner.payment_days),
        "archive": "1" if partner.archived else "",
    }


def tiers_one_page(request: Request) -> Response:
    """One tiers: its balance, what is due and overdue, its lines over ``du``–``au`` (its
    exercice to date by default) with their lettrage, its statement as PDF; the form that
    changes it (or fills it again from its SIREN)."""
    company = request.company
    code = request.matchdict["code"]
    partner = register.get_partner(request.db, company.id, code)
    accounts = register.account_codes(request.db, [partner.account_id])
    values = _values(partner, accounts.get(partner.account_id, ""))
    errors: dict[str, str] = {}
    notice = ""
    status = 200
    if request.method == "POST":
        values = {name: str(request.POST.get(name, "")).strip() for name in FORM} | {
            "code": code,
            "archive": "1" if request.POST.get("archive") == "1" else "",
        }
        try:
            if request.POST.get("action") == "siren":
                values, notice = _from_siren(request, values)
            else:
                register.update_partner(request.db, company.id, code, _details(values, changing=True))
                return HTTPSeeOther(
                    request.route_path("tiers_one_page", code=code, _query={"enregistre": "1"})
                )
        except LedgerError as exc:
            errors = field_messages(request, exc)  # a refused page is not committed (commit veto)
            status = exc.status if exc.status < 500 else 422
    period = {k: str(request.params.get(k, "")).strip() for k in ("du", "au")}
    start = end = None
    try:
        for name in ("du", "au"):
            try:
                picked = typed_day(period[name]) if period[name] else None
            except InvalidInput as exc:
                raise InvalidInput(exc.message, field=name) from None
            start, end = (picked, end) if name == "du" else (start, picked)
        found = tiers_statement.statement(request.db, company.id, code, start, end, dt.date.today())
    except LedgerError as exc:
        errors |= field_messages(request, exc)
        status = exc.status
        found = tiers_statement.statement(request.db, company.id, code, None, None, dt.date.today())
    figures = register.balances(request.db, company.id, [partner], dt.date.today())[code]
    currency = company.currency

    def money(units: int) -> str:
        return amount(request, units, currency) if units else ""

    def sided(units: int) -> str:
        return f"{amount(request, abs(units), currency)} {'D' if units > 0 else 'C'}" if units else "0"

    rows = [
        StatementRow(
            day(request, x.date),
            x.journal,
            x.number or "",
            x.reference or "",
            x.label,
            money(x.debit),
            money(x.credit),
            sided(x.balance),
            x.lettering or "",
        )
        for x in found.lines[-SHOWN_LINES:]
    ]
    query = {"format": "pdf", "du": found.start.isoformat(), "au": found.end.isoformat()}
    return page(
        request,
        "tiers_fiche.html",
        {
            "t": partner,
            "type_libelle": translate(request, KIND_LABELS[partner.kind]),
            "valeurs": values,
            "erreurs": errors,
            "annonce": notice,
            "enregistre": request.params.get("enregistre") == "1" and request.method == "GET",
            "types": _kinds(request),
            "periode": {"du": day(request, found.start), "au": day(request, found.end)},
            "solde": sided(figures.balance),
            "du": amount(request, figures.due, currency),
            "echu": amount(request, figures.overdue, currency),
            "ouverture": sided(found.opening),
            "cloture": sided(found.closing),
            "total_debit": amount(request, found.debit, currency),
            "total_credit": amount(request, found.credit, currency),
            "lignes": rows,
            "lignes_cachees": max(0, len(found.lines) - SHOWN_LINES),
            "releve_pdf": request.route_path("tiers_statement", code=code, _query=query),
            "peut_modifier": request.has_permission(Permission.DRAFT),
        },
        status,
    )


def includeme(config: Any) -> None:
    """Reading for members, adding for those who enter entries."""
    config.add_view(tiers_page, route_name="tiers_page", request_method="GET", permission=Permission.READ)
    config.add_view(tiers_page, route_name="tiers_page", request_method="POST", permission=Permission.DRAFT)
    config.add_view(
        tiers_one_page, route_name="tiers_one_page", request_method="GET", permission=Permission.READ
    )
    config.add_view(
        tiers_one_page, route_name="tiers_one_page", request_method="POST", permission=Permission.DRAFT
    )
