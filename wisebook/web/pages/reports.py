"""Reports in the browser: balance, grand livre, journal, Bilan, compte de résultat and TFT,
each with the export buttons of its API route (read with the session). A bad filter is said
next to its field with what was typed, and the page shows nothing half-way."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any
from urllib.parse import urlencode

from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.accounts import in_range, parse_account_range
from wisebook.ledger.balances import totals
from wisebook.ledger.errors import InvalidInput, NotFound
from wisebook.services.access.permissions import Permission
from wisebook.services.books import chart, journals, years
from wisebook.services.reports import ledgers as reports
from wisebook.services.reports import statements
from wisebook.services.tiers import register as tiers_register
from wisebook.services.tiers.subledger import sub_ledger
from wisebook.web.i18n import amount
from wisebook.web.messages import field_messages
from wisebook.web.pages.entries import _day
from wisebook.web.renderers import page

COLUMNS = ("opening_debit", "opening_credit", "debit", "credit", "closing_debit", "closing_credit")
LEDGER_PAGE = 200  # grand livre rows a page
JOURNAL_PAGE = 100  # journal entries a page
STATEMENTS = {
    "bilan_page": ("bilan", "report_bilan"),
    "compte_de_resultat_page": ("compte-de-resultat", "report_compte_de_resultat"),
    "flux_de_tresorerie_page": ("flux-de-tresorerie", "report_flux_de_tresorerie"),
}
FIELD_OF = {"date_comptable": "du", "id": "exercice", "comptes": "compte"}


class Filters:
    """The filters typed on a report page: the exercice, a date range (JJ/MM/AAAA), others."""

    def __init__(self, request: Request, *names: str) -> None:
        self.request = request
        self.values = {
            name: str(request.params.get(name, "")).strip() for name in ("exercice", "du", "au", *names)
        }
        self.errors: dict[str, str] = {}
        self.fy: Any = None
        self.accounts: tuple[str, str] | None = None
        self.start: dt.date | None = None
        self.end: dt.date | None = None

    def read(self) -> None:
        """The exercice and dates; a bad one raises with its field."""
        company = self.request.company
        db = self.request.db
        ref = self.values["exercice"]
        self.fy = (
            years.get_fiscal_year(db, company.id, ref) if ref else years.current_fiscal_year(db, company.id)
        )
        self.values["exercice"] = self.fy.code
        for name in ("du", "au"):
            if self.values[name]:
                try:
                    setattr(self, "start" if name == "du" else "end", _day(self.values[name]))
                except InvalidInput as exc:
                    raise InvalidInput(exc.message, field=name) from None
        if self.values.get("compte"):
            self.accounts = parse_account_range(self.values["compte"], field="compte")

    def refused(self, exc: InvalidInput | NotFound) -> None:
        """Say a refusal next to its fields, and once above the form."""
        self.errors.update(field_messages(self.request, exc, FIELD_OF))

    def exports(self, route: str, formats: tuple[str, ...]) -> list[tuple[str, str]]:
        """The export buttons: the API route with these filters (dates in ISO), per format."""
        if not self.request.has_permission(Permission.EXPORT) or self.errors:
            return []
        query = {("comptes" if k == "compte" else k): v for k, v in self.values.items() if v}
        if self.start:
            query["du"] = self.start.isoformat()
        if self.end:
            query["au"] = self.end.isoformat()
        path = self.request.route_path(route)
        return [(fmt.upper(), path + "?" + urlencode(query | {"format": fmt})) for fmt in formats]


def _render(request: Request, template: str, filters: Filters, **context: Any) -> Response:
    context |= {
        "valeurs": filters.values,
        "erreurs": filters.errors,
        "exercices": years.list_fiscal_years(request.db, request.company.id),
    }
    return page(request, template, context, 422 if filters.errors else 200)


def _money(request: Request, units: int | None, blank_zero: bool = True) -> str:
    if units is None or (blank_zero and not units):
        return ""
    return amount(request, units, request.company.currency)


def _by_tiers(request: Request, filters: Filters) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The balance auxiliaire: each lettrable account of the range under its heading, its
    tiers by code, and its total — its line of the balance."""
    _start, _end, found = sub_ledger(request.db, request.company.id, filters.fy, filters.start, filters.end)
    if filters.accounts is not None:
        found = [r for r in found if in_range(r.account, *filters.accounts)]
    labels = chart.labels(request.db, request.company.id, {r.account for r in found})
    rows: list[dict[str, Any]] = []
    for account, group in itertools.groupby(found, key=lambda r: r.account):
        members = list(group)
        rows.append({"entete": account, "libelle": labels.get(account, "")})
        rows += [
            {
                "tiers": r.partner or "",
                "libelle": r.row.label,
                **{c: _money(request, getattr(r.row, c)) for c in COLUMNS},
            }
            for r in members
        ]
        subtotal = totals([r.row for r in members])
        rows.append(
            {
                "total_compte": account,
                **{c: _money(request, getattr(subtotal, c), blank_zero=False) for c in COLUMNS},
            }
        )
    summed = totals([r.row for r in found])
    return rows, {c: _money(request, getattr(summed, c), blank_zero=False) for c in COLUMNS}


def _by_account(request: Request, filters: Filters) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The balance's accounts, each class closed on its subtotal as a printed balance does;
    and the totals."""
    tb = reports.filtered(
        reports.trial_balance(request.db, request.company.id, filters.fy, filters.start, filters.end),
        reports.BalanceFilter(filters.accounts, None, filters.values["non_soldes"] == "1"),
    )
    rows: list[dict[str, Any]] = []
    for klass, group in itertools.groupby(tb.rows, key=lambda r: r.account[:1]):
        members = list(group)
        rows += [
            {"compte": r.account, "libelle": r.label, **{c: _money(request, getattr(r, c)) for c in COLUMNS}}
            for r in members
        ]
        subtotal = totals(members)
        rows.append(
            {"classe": klass, **{c: _money(request, getattr(subtotal, c), blank_zero=False) for c in COLUMNS}}
        )
    summed = totals(tb.rows)
    return rows, {c: _money(request, getattr(summed, c), blank_zero=False) for c in COLUMNS}


def balance_page(request: Request) -> Response:
    """The balance of an exercice between two dates, classes and unbalanced accounts only; or,
    ``par=tiers``, the balance auxiliaire: the lettrable accounts by tiers."""
    filters = Filters(request, "non_soldes", "compte", "par")
    rows: list[dict[str, Any]] = []
    total: dict[str, str] = {}
    try:
        filters.read()
        if filters.values["par"] == "tiers":
            rows, total = _by_tiers(request, filters)
        else:
            rows, total = _by_account(request, filters)
    except (InvalidInput, NotFound) as exc:
        filters.refused(exc)
    return _render(
        request,
        "balance.html",
        filters,
        lignes=rows,
        totaux=total,
        colonnes=COLUMNS,
        exports=filters.exports("report_balance", ("pdf", "xlsx", "csv")),
    )


def general_ledger_page(request: Request) -> Response:
    """The grand livre: per account its opening, its lines and running balance, paged."""
    filters = Filters(request, "compte")
    groups: list[dict[str, Any]] = []
    following = None
    try:
        filters.read()
        rows, cursor = reports.general_ledger(
            request.db,
            request.company.id,
            filters.fy,
            filters.start,
            filters.end,
            filters.accounts,
            LEDGER_PAGE,
            request.params.get("apres"),
        )
        named = tiers_register.names_of(
            request.db, request.company.id, {r.partner for r in rows if r.partner}
        )
        for row in rows:
            if not groups or groups[-1]["compte"] != row.account:
                groups.append(
                    {
                        "compte": row.account,
                        "libelle": row.account_label,
                        "lignes": [],
                        "debit": 0,
                        "credit": 0,
                    }
                )
            group = groups[-1]
            group["debit"] += row.debit
            group["credit"] += row.credit
            group["lignes"].append(
                {
                    "date": row.date,
                    "journal": row.journal or "",
                    "numero": row.number or "",
                    "piece": row.reference or "",
                    "libelle": row.label,
                    "tiers": row.partner or "",
                    "nom_tiers": named.get(row.partner, "") if row.partner else "",
                    "lettrage": row.lettering or "",
                    "ouverture": row.journal is None,
                    "debit": _money(request, row.debit),
                    "credit": _money(request, row.credit),
                    "solde": _signed(request, row.balance),
                }
            )
        for group in groups:
            group["debit"], group["credit"] = (
                _money(request, group["debit"], False),
                _money(request, group["credit"], False),
            )
        if cursor:
            following = {k: v for k, v in filters.values.items() if v} | {"apres": cursor}
    except (InvalidInput, NotFound) as exc:
        filters.refused(exc)
    lettrables = (
        {
            code
            for code, _label, lettrable in chart.postable_accounts(request.db, request.company.id)
            if lettrable
        }
        if groups
        else set()
    )
    return _render(
        request,
        "grand_livre.html",
        filters,
        comptes=groups,
        lettrables=lettrables,
        suivante=following,
        exports=filters.exports("report_grand_livre", ("pdf", "xlsx", "csv")),
    )


def _signed(request: Request, balance: int) -> str:
    """A running balance as accountants read it: the amount and D (debit) or C (credit)."""
    if not balance:
        return amount(request, 0, request.company.currency)
    side = "D" if balance > 0 else "C"
    return f"{amount(request, abs(balance), request.company.currency)} {side}"


def journal_page(request: Request) -> Response:
    """A journal's posted entries with their lines, a page at a time, and the range's total."""
    filters = Filters(request, "journal")
    company = request.company
    kept = journals.list_journals(request.db, company.id)
    entries: list[dict[str, Any]] = []
    total = ""
    following = None
    try:
        filters.read()
        code = filters.values["journal"].upper()
        if code and code not in {j.code for j in kept}:
            raise InvalidInput(f"Journal inconnu : {code}.", field="journal")
        found = reports.journal_page(
            request.db,
            company.id,
            filters.fy,
            filters.start,
            filters.end,
            code or None,
            JOURNAL_PAGE,
            request.params.get("apres"),
        )
        entries = [
            {
                "id": e.id,
                "date": e.entry_date,
                "numero": e.number,
                "libelle": e.label,
                "piece": e.reference or "",
                "lignes": [
                    {
                        "compte": ln.account,
                        "libelle": ln.label,
                        "debit": _money(request, ln.debit),
                        "credit": _money(request, ln.credit),
                    }
                    for ln in e.lines
                ],
            }
            for e in found.entries
        ]
        total = _money(request, found.total, False)
        if found.following:
            following = {k: v for k, v in filters.values.items() if v} | {"apres": found.following}
    except (InvalidInput, NotFound) as exc:
        filters.refused(exc)
    return _render(
        request,
        "journal.html",
        filters,
        journaux=kept,
        ecritures=entries,
        suivante=following,
        total=total,
        exports=filters.exports("report_journal", ("pdf", "xlsx", "csv")),
    )


def statement_page(request: Request) -> Response:
    """Bilan, compte de résultat or TFT at a date, N beside N-1, with the controls."""
    kind, api_route = STATEMENTS[request.matched_route.name]
    filters = Filters(request)
    sections: list[dict[str, Any]] = []
    controls: list[Any] = []
    found = None
    try:
        filters.read()
        found = statements.financial_statements(
            request.db, request.company.id, filters.fy, None, filters.end
        )[kind]
        for name, current, previous in found.sections:
            sections.append(
                {
                    "nom": name,
                    "actif": name == "actif",
                    "lignes": [
                        {
                            "code": code,
                            "libelle": v.label,
                            "note": v.annex,
                            "total": v.kind == "total",
                            "brut": _money(request, v.gross),
                            "amortissements": _money(request, v.depreciation),
                            "net": _money(request, v.net),
                            "net_precedent": _money(request, previous.lines[code].net if previous else 0),
                        }
                        for code, v in current.lines.items()
                    ],
                }
            )
        controls = [
            {"nom": c.name, "ok": c.ok, "ecart": _money(request, c.gap, False)} for c in found.controls
        ]
    except (InvalidInput, NotFound) as exc:
        filters.refused(exc)
    return _render(
        request,
        "etat.html",
        filters,
        genre=kind,
        etat=found,
        sections=sections,
        controles=controls,
        exports=filters.exports(api_route, ("pdf", "xlsx", "csv")),
        page_route=request.matched_route.name,
    )


def includeme(config: Any) -> None:
    """Reports for members."""
    pages = {
        "balance_page": balance_page,
        "grand_livre_page": general_ledger_page,
        "journal_page": journal_page,
        **dict.fromkeys(STATEMENTS, statement_page),
    }
    for route, view in pages.items():
        config.add_view(view, route_name=route, request_method="GET", permission=Permission.READ)
