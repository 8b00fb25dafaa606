"""Reports: balance, grand livre, journal, centralisateur, SYSCOHADA statements; JSON or files."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.accounts import parse_account_range
from wisebook.ledger.balances import totals
from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import to_json
from wisebook.services.access.permissions import Permission
from wisebook.services.books import journals, years
from wisebook.services.reports import ledgers as reports
from wisebook.services.reports import statements
from wisebook.web import exports
from wisebook.web.api import presenters, query_date, query_int
from wisebook.web.exports import Column

STATEMENT_TITLES = {
    "bilan": "BILAN",
    "compte-de-resultat": "COMPTE DE RÉSULTAT",
    "flux-de-tresorerie": "TABLEAU DES FLUX DE TRÉSORERIE",
}


def _fiscal_year(request: Request) -> Any:
    """The ``exercice`` asked for (code or id), else the current one."""
    ref = request.params.get("exercice")
    company = request.company
    return (
        years.get_fiscal_year(request.db, company.id, ref)
        if ref
        else years.current_fiscal_year(request.db, company.id)
    )


def _accounts(request: Request) -> tuple[str, str] | None:
    raw = request.params.get("comptes") or request.params.get("compte")
    return (
        parse_account_range(raw, field="comptes" if "comptes" in request.params else "compte")
        if raw
        else None
    )


def _flag(request: Request, name: str) -> bool:
    raw = request.params.get(name, "").lower()
    if raw in ("", "0", "false", "non"):
        return False
    if raw in ("1", "true", "oui"):
        return True
    raise InvalidInput("Valeur attendue : 1 ou 0.", field=name)


def _filename(request: Request, kind: str, fy: Any) -> str:
    return f"{kind}-{fy.code}-societe{request.company.id}"


def balance(request: Request) -> Any:
    """Six-column balance of an exercice (``exercice``, ``du``, ``au``), filtered by ``comptes``
    (a range: ``401-411``), ``classe`` and ``non_soldes``."""
    fmt = exports.requested_format(request)
    company = request.company
    fy = _fiscal_year(request)
    klass = query_int(request, "classe")
    if klass is not None and not 1 <= klass <= 9:
        raise InvalidInput("La classe va de 1 à 9.", field="classe")
    keep = reports.BalanceFilter(_accounts(request), klass, _flag(request, "non_soldes"))
    tb = reports.filtered(
        reports.trial_balance(
            request.db, company.id, fy, query_date(request, "du"), query_date(request, "au")
        ),
        keep,
    )
    total = totals(tb.rows)
    if fmt != "json":
        columns = [
            Column("Compte"),
            Column("Libellé"),
            *(
                Column(h, "amount")
                for h in (
                    "Ouverture débit",
                    "Ouverture crédit",
                    "Débit",
                    "Crédit",
                    "Solde débiteur",
                    "Solde créditeur",
                )
            ),
        ]
        rows: list[tuple[Any, ...]] = [
            (
                r.account,
                r.label,
                r.opening_debit,
                r.opening_credit,
                r.debit,
                r.credit,
                r.closing_debit,
                r.closing_credit,
            )
            for r in tb.rows
        ]
        rows.append(
            (
                "",
                "TOTAUX",
                total.opening_debit,
                total.opening_credit,
                total.debit,
                total.credit,
                total.closing_debit,
                total.closing_credit,
            )
        )
        return exports.tabular(
            fmt, _filename(request, "balance", fy), "Balance", columns, rows, company.currency
        )
    return {
        "exercice": tb.fiscal_year,
        "du": tb.start,
        "au": tb.end,
        "devise": company.currency,
        "lignes": [presenters.balance_row(r, company.currency) for r in tb.rows],
        "totaux": presenters.balance_row(total, company.currency),
    }


LEDGER_COLUMNS = [
    Column("Compte"),
    Column("Libellé du compte"),
    Column("Date", "date"),
    Column("Journal"),
    Column("Numéro"),
    Column("Pièce"),
    Column("Libellé"),
    Column("Tiers"),
    Column("Débit", "amount"),
    Column("Crédit", "amount"),
    Column("Solde", "amount"),
    Column("Lettrage"),
]


JOURNAL_COLUMNS = [
    Column("Date", "date"),
    Column("Journal"),
    Column("Numéro"),
    Column("Libellé de l'écriture"),
    Column("Pièce"),
    Column("Compte"),
    Column("Libellé"),
    Column("Débit", "amount"),
    Column("Crédit", "amount"),
]


def _postgresql(request: Request) -> bool:
    """Whether the books are on PostgreSQL (whose COPY writes CSV exports fastest)."""
    return bool(request.db.get_bind().dialect.name == "postgresql")


def general_ledger(request: Request) -> Any:
    """The grand livre: per account, its opening then its lines with a running balance."""
    fmt = exports.requested_format(request)
    company = request.company
    fy = _fiscal_year(request)
    accounts = _accounts(request)
    start, end = query_date(request, "du"), query_date(request, "au")
    if fmt == "csv" and _postgresql(request):
        query = reports.general_ledger_for_copy(request.db, company.id, fy, start, end, accounts)
        if query is not None:
            filename = _filename(request, "grand-livre", fy)
            return exports.copy_csv(request.db, filename, LEDGER_COLUMNS, query, company.currency)
    if fmt != "json":
        width = len(LEDGER_COLUMNS)  # a LedgerRow starts with the exported columns, in order
        rows = (
            r[:width] for r in reports.iter_general_ledger(request.db, company.id, fy, start, end, accounts)
        )
        return exports.tabular(
            fmt, _filename(request, "grand-livre", fy), "Grand livre", LEDGER_COLUMNS, rows, company.currency
        )
    limit = query_int(request, "limite", 100)
    assert limit is not None
    if not 1 <= limit <= 1000:
        raise InvalidInput("La limite va de 1 à 1000.", field="limite")
    page, cursor = reports.general_ledger(
        request.db, company.id, fy, start, end, accounts, limit, request.params.get("apres")
    )
    cur = company.currency
    return {
        "exercice": fy.code,
        "devise": cur,
        "resultats": [
            {
                "compte": r.account,
                "libelle_compte": r.account_label,
                "date": r.date,
                "journal": r.journal,
                "numero": r.number,
                "piece": r.reference,
                "libelle": r.label,
                "tiers": r.partner,
                "debit": to_json(r.debit, cur),
                "credit": to_json(r.credit, cur),
                "solde": to_json(r.balance, cur),
                "lettrage": r.lettering,
            }
            for r in page
        ],
        "suivant": cursor,
    }


def journal_report(request: Request) -> Any:
    """Posted lines of a journal (``journal``, else every journal) in date and number order."""
    fmt = exports.requested_format(request)
    company = request.company
    fy = _fiscal_year(request)
    code = request.params.get("journal")
    if code and code.upper() not in {j.code for j in journals.list_journals(request.db, company.id)}:
        raise InvalidInput(f"Journal inconnu : {code}.", field="journal")
    lines = reports.iter_journal(
        request.db, company.id, fy, query_date(request, "du"), query_date(request, "au"), code
    )
    if fmt != "json":
        columns = JOURNAL_COLUMNS
        if fmt == "csv" and _postgresql(request):
            query = reports.journal_for_copy(
                company.id, fy, query_date(request, "du"), query_date(request, "au"), code
            )
            return exports.copy_csv(
                request.db, _filename(request, "journal", fy), columns, query, company.currency
            )
        return exports.tabular(
            fmt,
            _filename(request, "journal", fy),
            "Journal",
            columns,
            lines,  # a JournalLine holds the exported columns, in order
            company.currency,
        )
    cur = company.currency
    out, debit, credit = [], 0, 0
    limit = 20_000
    for ln in lines:
        if len(out) == limit:
            raise InvalidInput(
                f"Plus de {limit} lignes : réduisez la période ou demandez format=csv ou xlsx.", field="du"
            )
        debit += ln.debit
        credit += ln.credit
        out.append(
            {
                "date": ln.date,
                "journal": ln.journal,
                "numero": ln.number,
                "libelle_ecriture": ln.entry_label,
                "piece": ln.reference,
                "compte": ln.account,
                "libelle": ln.label,
                "debit": to_json(ln.debit, cur),
                "credit": to_json(ln.credit, cur),
            }
        )
    return {
        "exercice": fy.code,
        "devise": cur,
        "lignes": out,
        "totaux": {"debit": to_json(debit, cur), "credit": to_json(credit, cur)},
    }


def centralising_journal(request: Request) -> Any:
    """The centralisateur: debit and credit per journal and month of an exercice."""
    fmt = exports.requested_format(request)
    company = request.company
    fy = _fiscal_year(request)
    rows = reports.centralising_journal(request.db, company.id, fy, request.params.get("journal"))
    cur = company.currency
    if fmt != "json":
        columns = [
            Column("Journal"),
            Column("Libellé"),
            Column("Mois"),
            Column("Débit", "amount"),
            Column("Crédit", "amount"),
        ]
        data = [(r.journal, r.journal_label, r.month.strftime("%m/%Y"), r.debit, r.credit) for r in rows]
        data.append(("", "TOTAUX", "", sum(r.debit for r in rows), sum(r.credit for r in rows)))
        return exports.tabular(
            fmt, _filename(request, "centralisateur", fy), "Centralisateur", columns, data, cur
        )
    return {
        "exercice": fy.code,
        "devise": cur,
        "lignes": [
            {
                "journal": r.journal,
                "libelle": r.journal_label,
                "mois": r.month.strftime("%Y-%m"),
                "debit": to_json(r.debit, cur),
                "credit": to_json(r.credit, cur),
            }
            for r in rows
        ],
        "totaux": {
            "debit": to_json(sum(r.debit for r in rows), cur),
            "credit": to_json(sum(r.credit for r in rows), cur),
        },
    }


def statement(request: Request) -> Any:
    """Bilan, compte de résultat or flux de trésorerie (the route's ``kind``) of an exercice."""
    fmt = exports.requested_format(request, exports.FORMATS)
    company = request.company
    fy = _fiscal_year(request)
    kind = request.matched_route.name.removeprefix("report_").replace("_", "-")
    found = statements.financial_statements(
        request.db, company.id, fy, query_date(request, "du"), query_date(request, "au")
    )[kind]
    if fmt == "json":
        return presenters.statement(found, company.currency)
    filename = _filename(request, kind, fy)
    if fmt == "pdf":
        return _statement_pdf(request, found, filename)
    actif = any(name == "actif" for name, _, _ in found.sections)
    columns = [Column("Réf"), Column("Libellé"), Column("Note"), Column("Section")]
    if actif:
        columns += [Column("Brut", "amount"), Column("Amortissements et dépréciations", "amount")]
    columns += [Column(f"Net {fy.code}", "amount"), Column("Net exercice précédent", "amount")]
    rows = []
    for name, current, previous in found.sections:
        for code, v in current.lines.items():
            before = previous.lines[code].net if previous else 0
            amounts = [v.gross, v.depreciation] if actif else []
            if actif and name != "actif":
                amounts = [None, None]
            rows.append((code, v.label, v.annex, name, *amounts, v.net, before))
    return exports.tabular(fmt, filename, STATEMENT_TITLES[kind].title(), columns, rows, company.currency)


def _statement_pdf(request: Request, found: statements.Statement, filename: str) -> Response:
    tables = []
    for name, current, previous in found.sections:
        actif = name == "actif"
        headers = ["Réf", "Libellé", "Note"]
        headers += ["Brut", "Amort./Dépréc.", "Net N", "Net N-1"] if actif else ["Net N", "Net N-1"]
        rows = []
        for code, v in current.lines.items():
            before = previous.lines[code].net if previous else 0
            values = [v.gross, v.depreciation, v.net, before] if actif else [v.net, before]
            rows.append((code, v.label, v.annex, values, v.kind == "total"))
        title = {"actif": "ACTIF", "passif": "PASSIF"}.get(name, "")
        tables.append(exports.PdfTable(title, headers, rows))
    return exports.statement_pdf(
        filename,
        request.company.name,
        f"{STATEMENT_TITLES[found.kind]} AU {found.end:%d/%m/%Y}",
        f"Exercice {found.fiscal_year} du {found.start:%d/%m/%Y} au {found.end:%d/%m/%Y}",
        request.company.currency,
        tables,
        [(c.name, c.ok) for c in found.controls],
    )


def includeme(config: Any) -> None:
    """Reports need READ."""
    views = {
        "report_balance": balance,
        "report_grand_livre": general_ledger,
        "report_journal": journal_report,
        "report_centralisateur": centralising_journal,
        "report_bilan": statement,
        "report_compte_de_resultat": statement,
        "report_flux_de_tresorerie": statement,
    }
    for route, view in views.items():
        config.add_view(
            view, route_name=route, request_method="GET", renderer="json", permission=Permission.READ
        )
