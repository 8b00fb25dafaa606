"""Reports: balance, grand livre, journal, centralisateur, SYSCOHADA statements; JSON or files."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.ledger.accounts import in_range, parse_account_range
from wisebook.ledger.balances import totals
from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.money import json_writer, to_json
from wisebook.services.access.permissions import Permission
from wisebook.services.books import chart, companies, journals, years
from wisebook.services.reports import ledgers as reports
from wisebook.services.reports import statements
from wisebook.services.tiers.register import names_of as tiers_names_of
from wisebook.services.tiers.subledger import sub_ledger
from wisebook.web import exports, i18n
from wisebook.web.api import presenters, query_date, query_int
from wisebook.web.exports import Column, PdfRow
from wisebook.web.i18n import _

STATEMENT_TITLES = {
    "bilan": _("Bilan"),
    "compte-de-resultat": _("Compte de résultat"),
    "flux-de-tresorerie": _("Tableau des flux de trésorerie"),
}
#: A PDF is read on paper: past this many lines, the period is to be narrowed (or the file
#: taken as XLSX or CSV), which also keeps a request's work to a few seconds.
PDF_LINES = 10_000


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


def slug(text: str) -> str:
    """``Société Test SARL`` → ``societe-test-sarl``: a file name's part, plain ASCII."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "societe"


def report_filename(
    request: Request,
    kind: str,
    fy: Any,
    start: dt.date | None = None,
    end: dt.date | None = None,
    extra: str = "",
) -> str:
    """A name that says what the file is: ``grand-livre-societe-test-sarl-2026``, with the
    period when it is not the whole exercice (``…-2026-du-20260201-au-20260228``)."""
    parts = [kind, *([extra] if extra else []), slug(request.company.name), slug(str(fy.code))]
    if (start and start != fy.start_date) or (end and end != fy.end_date):
        parts.append(f"du-{(start or fy.start_date):%Y%m%d}-au-{(end or fy.end_date):%Y%m%d}")
    return "-".join(parts)


def title_block(request: Request, title: str, fy: Any, start: dt.date, end: dt.date) -> exports.TitleBlock:
    """The title block of a report's files: company, RCCM and tax number, title, period."""
    company = request.company
    period = i18n.translate(
        request,
        "Exercice ${code}, du ${debut} au ${fin} · montants en ${devise}",
        code=fy.code,
        debut=i18n.day(request, start),
        fin=i18n.day(request, end),
        devise=i18n.currency_name(company.currency),
    )
    return exports.TitleBlock(
        company.name,
        companies.identifiers(request.db, company.id),
        i18n.translate(request, title),
        period,
    )


def printed(request: Request) -> str:
    return i18n.translate(
        request, "WiseBook · édité le ${jour}", jour=dt.datetime.now().strftime("%d/%m/%Y %H:%M")
    )


def translated_columns(request: Request, columns: Sequence[Column]) -> list[Column]:
    """The columns with their headers in the reader's language."""
    return [Column(i18n.translate(request, c.header), c.kind, c.width) for c in columns]


def report_pdf(
    request: Request,
    filename: str,
    block: exports.TitleBlock,
    columns: Sequence[Column],
    rows: Iterable[PdfRow],
    landscape: bool = False,
) -> Response:
    currency = request.company.currency
    return exports.report_pdf(
        filename,
        block,
        printed(request),
        translated_columns(request, columns),
        rows,
        lambda units: i18n.amount(request, units, currency),
        landscape,
    )


def _capped(rows: Iterable[Any], field: str) -> Iterator[Any]:
    """``rows``, refused past ``PDF_LINES`` before anything is drawn."""
    kept = []
    for row in rows:
        if len(kept) == PDF_LINES:
            raise InvalidInput(
                f"Plus de {PDF_LINES} lignes pour un PDF : réduisez la période ou prenez le fichier XLSX ou CSV.",
                field=field,
            )
        kept.append(row)
    return iter(kept)


BALANCE_COLUMNS = [
    Column(_("Compte"), width=16),
    Column(_("Libellé"), width=0),
    Column(_("Ouverture débit"), "amount", 26),
    Column(_("Ouverture crédit"), "amount", 26),
    Column(_("Débit"), "amount", 26),
    Column(_("Crédit"), "amount", 26),
    Column(_("Solde débiteur"), "amount", 26),
    Column(_("Solde créditeur"), "amount", 26),
]


def balance(request: Request) -> Any:
    """Six-column balance of an exercice (``exercice``, ``du``, ``au``), filtered by ``comptes``
    (a range: ``401-411``), ``classe`` and ``non_soldes``."""
    fmt = exports.requested_format(request, exports.FORMATS)
    company = request.company
    fy = _fiscal_year(request)
    if request.params.get("par") == "tiers":
        return _balance_by_tiers(request, fmt, fy)
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
        filename = report_filename(request, "balance", fy, tb.start, tb.end)
        block = title_block(request, _("Balance générale"), fy, tb.start, tb.end)
        if fmt == "pdf":
            return report_pdf(request, filename, block, BALANCE_COLUMNS, _balance_pdf_rows(request, tb.rows))
        rows: list[tuple[Any, ...]] = [_balance_values(r) for r in tb.rows]
        rows.append(("", i18n.translate(request, "TOTAUX"), *_balance_values(total)[2:]))
        return exports.tabular(
            fmt, filename, block, translated_columns(request, BALANCE_COLUMNS), rows, company.currency
        )
    return {
        "exercice": tb.fiscal_year,
        "du": tb.start,
        "au": tb.end,
        "devise": company.currency,
        "lignes": [presenters.balance_row(r, company.currency) for r in tb.rows],
        "totaux": presenters.balance_row(total, company.currency),
    }


SUB_LEDGER_COLUMNS = [BALANCE_COLUMNS[0], Column(_("Tiers"), width=22), *BALANCE_COLUMNS[1:]]
SUB_LEDGER_PDF_COLUMNS = [Column(_("Tiers"), width=22), *BALANCE_COLUMNS[1:]]


def _sub_ledger_pdf_rows(request: Request, rows: Sequence[Any]) -> Iterator[PdfRow]:
    """Each account under its heading, its tiers, closed on its total; then the general total."""
    labels = chart.labels(request.db, request.company.id, {r.account for r in rows})
    none = i18n.translate(request, "sans tiers")
    for account, group in itertools.groupby(rows, key=lambda r: r.account):
        group_list = list(group)
        members = [r.row for r in group_list]
        yield PdfRow((account, labels.get(account, "")), span=True)
        yield from (PdfRow((r.partner or none, *_balance_values(r.row)[1:])) for r in group_list)
        label = i18n.translate(request, "Total du compte ${compte}", compte=account)
        yield PdfRow(("", label, *_balance_values(totals(members))[2:]), bold=True)
    yield PdfRow(
        ("", i18n.translate(request, "TOTAUX"), *_balance_values(totals([r.row for r in rows]))[2:]),
        bold=True,
    )


def _balance_by_tiers(request: Request, fmt: str, fy: Any) -> Any:
    """The balance auxiliaire: the lettrable accounts (``comptes``: 411, or a range 401-411) by
    tiers, each account closed on its total, which is its line of the balance."""
    chosen = _accounts(request)
    start, end, rows = sub_ledger(
        request.db, request.company.id, fy, query_date(request, "du"), query_date(request, "au")
    )
    if chosen is not None:
        rows = [r for r in rows if in_range(r.account, *chosen)]
    currency = request.company.currency
    by_account: dict[str, list[Any]] = {}
    for r in rows:
        by_account.setdefault(r.account, []).append(r.row)
    if fmt != "json":
        name = report_filename(request, "balance-tiers", fy, start, end)
        block = title_block(request, _("Balance auxiliaire des tiers"), fy, start, end)
        if fmt == "pdf":
            return report_pdf(
                request,
                name,
                block,
                SUB_LEDGER_PDF_COLUMNS,
                _sub_ledger_pdf_rows(request, rows),
                landscape=True,  # the tiers' names beside six columns of amounts
            )
        table = [(r.account, r.partner or "", *_balance_values(r.row)[1:]) for r in rows]
        return exports.tabular(
            fmt, name, block, translated_columns(request, SUB_LEDGER_COLUMNS), table, currency
        )
    return {
        "exercice": fy.code,
        "du": start,
        "au": end,
        "devise": currency,
        "lignes": _sub_ledger_json(rows, currency),
        "comptes": [
            {**presenters.balance_row(totals(members), currency), "compte": code}
            for code, members in by_account.items()
        ],
        "totaux": presenters.balance_row(totals([r.row for r in rows]), currency),
    }


def _sub_ledger_json(rows: Sequence[Any], currency: str) -> list[dict[str, Any]]:
    """The balance auxiliaire's rows as ``presenters.balance_row`` writes a balance's, with
    their tiers and name: 5 000 tiers are 30 000 amounts, each written once."""
    write = json_writer(currency)
    found = []
    for r in rows:
        b = r.row
        net = b.opening_debit + b.debit - b.opening_credit - b.credit
        found.append(
            {
                "compte": b.account,
                "libelle": b.label,
                "ouverture_debit": write(b.opening_debit),
                "ouverture_credit": write(b.opening_credit),
                "debit": write(b.debit),
                "credit": write(b.credit),
                "solde_debiteur": write(net if net > 0 else 0),
                "solde_crediteur": write(-net if net < 0 else 0),
                "tiers": r.partner,
                "nom": b.label,
            }
        )
    return found


def _balance_values(r: Any) -> tuple[Any, ...]:
    """A balance row's values in the columns' order; a total has no account (blank cells)."""
    return (
        getattr(r, "account", ""),
        getattr(r, "label", ""),
        r.opening_debit,
        r.opening_credit,
        r.debit,
        r.credit,
        r.closing_debit,
        r.closing_credit,
    )


def _balance_pdf_rows(request: Request, rows: Sequence[Any]) -> Iterator[PdfRow]:
    """The balance's accounts, each class closed on its subtotal, then the general total."""
    for klass in sorted({r.account[:1] for r in rows}):
        members = [r for r in rows if r.account[:1] == klass]
        yield from (PdfRow(_balance_values(r)) for r in members)
        label = i18n.translate(request, "Total classe ${classe}", classe=klass)
        yield PdfRow(("", label, *_balance_values(totals(members))[2:]), bold=True)
    yield PdfRow(("", i18n.translate(request, "TOTAUX"), *_balance_values(totals(rows))[2:]), bold=True)


LEDGER_COLUMNS = [
    Column(_("Compte"), width=16),
    Column(_("Libellé du compte"), width=30),
    Column(_("Date"), "date", 17),
    Column(_("Journal"), width=12),
    Column(_("Numéro"), width=27),
    Column(_("Pièce"), width=18),
    Column(_("Libellé"), width=0),
    Column(_("Tiers"), width=16),
    Column(_("Débit"), "amount", 24),
    Column(_("Crédit"), "amount", 24),
    Column(_("Solde"), "amount", 25),
    Column(_("Lettrage"), width=12),
]
#: The grand livre's PDF: the account heads its lines, so its number and label are not repeated;
#: the running balance says its side, as on the page.
LEDGER_PDF_COLUMNS = [*LEDGER_COLUMNS[2:10], Column(_("Solde"), "balance", 27), LEDGER_COLUMNS[11]]


JOURNAL_COLUMNS = [
    Column(_("Date"), "date", 17),
    Column(_("Journal"), width=12),
    Column(_("Numéro"), width=27),
    Column(_("Libellé de l'écriture"), width=0),
    Column(_("Pièce"), width=18),
    Column(_("Compte"), width=16),
    Column(_("Libellé"), width=45),
    Column(_("Débit"), "amount", 25),
    Column(_("Crédit"), "amount", 25),
]


def _ledger_pdf_rows(request: Request, rows: Iterable[reports.LedgerRow]) -> Iterator[PdfRow]:
    """Each account under its heading, its opening and lines, closed on its totals."""
    account, debit, credit, balance = None, 0, 0, 0
    total_label = i18n.translate(request, "Total du compte")
    opening_label = i18n.translate(request, reports.OPENING_LABEL)
    for r in rows:
        if r.account != account:
            if account is not None:
                yield PdfRow(("", "", "", "", total_label, "", debit, credit, balance, ""), bold=True)
            account, debit, credit = r.account, 0, 0
            yield PdfRow((r.account, r.account_label), span=True)
        debit, credit, balance = debit + r.debit, credit + r.credit, r.balance
        label = opening_label if r.journal is None else r.label
        yield PdfRow((r.date, r.journal, r.number, r.reference, label, r.partner, *r[8:12]))
    if account is not None:
        yield PdfRow(("", "", "", "", total_label, "", debit, credit, balance, ""), bold=True)


def _postgresql(request: Request) -> bool:
    """Whether the books are on PostgreSQL (whose COPY writes CSV exports fastest)."""
    return bool(request.db.get_bind().dialect.name == "postgresql")


def general_ledger(request: Request) -> Any:
    """The grand livre: per account, its opening then its lines with a running balance."""
    fmt = exports.requested_format(request, exports.FORMATS)
    company = request.company
    fy = _fiscal_year(request)
    accounts = _accounts(request)
    start, end = query_date(request, "du"), query_date(request, "au")
    if fmt != "json":
        first, last = reports.period(fy, start, end)
        filename = report_filename(request, "grand-livre", fy, first, last)
        if fmt == "csv" and _postgresql(request):
            query = reports.general_ledger_for_copy(request.db, company.id, fy, start, end, accounts)
            if query is not None:
                columns = translated_columns(request, LEDGER_COLUMNS)
                return exports.copy_csv(request.db, filename, columns, query, company.currency)
        ledger = reports.iter_general_ledger(request.db, company.id, fy, start, end, accounts)
        block = title_block(request, _("Grand livre"), fy, first, last)
        if fmt == "pdf":
            rows = _ledger_pdf_rows(request, _capped(ledger, "du"))
            return report_pdf(request, filename, block, LEDGER_PDF_COLUMNS, rows, landscape=True)
        width = len(LEDGER_COLUMNS)  # a LedgerRow starts with the exported columns, in order
        return exports.tabular(
            fmt,
            filename,
            block,
            translated_columns(request, LEDGER_COLUMNS),
            (r[:width] for r in ledger),
            company.currency,
        )
    limit = query_int(request, "limite", 100)
    assert limit is not None
    if not 1 <= limit <= 1000:
        raise InvalidInput("La limite va de 1 à 1000.", field="limite")
    page, cursor = reports.general_ledger(
        request.db, company.id, fy, start, end, accounts, limit, request.params.get("apres")
    )
    cur = company.currency
    named = tiers_names_of(request.db, company.id, {r.partner for r in page if r.partner})
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
                "nom_tiers": named.get(r.partner) if r.partner else None,
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
    fmt = exports.requested_format(request, exports.FORMATS)
    company = request.company
    fy = _fiscal_year(request)
    code = request.params.get("journal")
    if code and code.upper() not in {j.code for j in journals.list_journals(request.db, company.id)}:
        raise InvalidInput(f"Journal inconnu : {code}.", field="journal")
    start, end = query_date(request, "du"), query_date(request, "au")
    lines = reports.iter_journal(request.db, company.id, fy, start, end, code)
    if fmt != "json":
        first, last = reports.period(fy, start, end)
        filename = report_filename(request, "journal", fy, first, last, extra=slug(code) if code else "")
        columns = translated_columns(request, JOURNAL_COLUMNS)
        if fmt == "csv" and _postgresql(request):
            query = reports.journal_for_copy(company.id, fy, start, end, code)
            return exports.copy_csv(request.db, filename, columns, query, company.currency)
        title = i18n.translate(request, "Journal ${code}", code=code.upper()) if code else _("Journaux")
        block = title_block(request, title, fy, first, last)
        if fmt == "pdf":
            return report_pdf(
                request,
                filename,
                block,
                JOURNAL_COLUMNS,
                _journal_pdf_rows(request, _capped(lines, "du")),
                True,
            )
        # a JournalLine holds the exported columns, in order
        return exports.tabular(fmt, filename, block, columns, lines, company.currency)
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


def _journal_pdf_rows(request: Request, lines: Iterable[Any]) -> Iterator[PdfRow]:
    """The journal's lines, each entry's number and label on its first line only, then the totals."""
    debit = credit = 0
    number = None
    for ln in lines:
        debit, credit = debit + ln.debit, credit + ln.credit
        first = ln.number != number
        number = ln.number
        yield PdfRow(
            (
                ln.date if first else None,
                ln.journal if first else "",
                ln.number if first else "",
                ln.entry_label if first else "",
                ln.reference if first else "",
                ln.account,
                ln.label,
                ln.debit,
                ln.credit,
            )
        )
    yield PdfRow((None, "", "", i18n.translate(request, "TOTAUX"), "", "", "", debit, credit), bold=True)


CENTRAL_COLUMNS = [
    Column(_("Journal"), width=18),
    Column(_("Libellé"), width=0),
    Column(_("Mois"), width=20),
    Column(_("Débit"), "amount", 32),
    Column(_("Crédit"), "amount", 32),
]


def centralising_journal(request: Request) -> Any:
    """The centralisateur: debit and credit per journal and month of an exercice."""
    fmt = exports.requested_format(request, exports.FORMATS)
    company = request.company
    fy = _fiscal_year(request)
    rows = reports.centralising_journal(request.db, company.id, fy, request.params.get("journal"))
    cur = company.currency
    if fmt != "json":
        filename = report_filename(request, "centralisateur", fy)
        block = title_block(request, _("Journal centralisateur"), fy, fy.start_date, fy.end_date)
        data = [(r.journal, r.journal_label, r.month.strftime("%m/%Y"), r.debit, r.credit) for r in rows]
        total = (
            "",
            i18n.translate(request, "TOTAUX"),
            "",
            sum(r.debit for r in rows),
            sum(r.credit for r in rows),
        )
        if fmt == "pdf":
            body = [*(PdfRow(d) for d in data), PdfRow(total, bold=True)]
            return report_pdf(request, filename, block, CENTRAL_COLUMNS, body)
        return exports.tabular(
            fmt, filename, block, translated_columns(request, CENTRAL_COLUMNS), [*data, total], cur
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
    filename = report_filename(request, kind, fy, found.start, found.end)
    title = i18n.translate(
        request,
        "${etat} au ${jour}",
        etat=i18n.translate(request, STATEMENT_TITLES[kind]),
        jour=i18n.day(request, found.end),
    ).upper()  # a statement's title, as the model prints it: BILAN AU 31/12/2026
    block = title_block(request, title, fy, found.start, found.end)
    if fmt == "pdf":
        return _statement_pdf(request, found, filename, block)
    actif = any(name == "actif" for name, _, _ in found.sections)
    columns = [Column(_("Réf")), Column(_("Libellé")), Column(_("Note")), Column(_("Section"))]
    if actif:
        columns += [Column(_("Brut"), "amount"), Column(_("Amortissements et dépréciations"), "amount")]
    columns += [Column(_("Net N"), "amount"), Column(_("Net N-1"), "amount")]
    rows = []
    for name, current, previous in found.sections:
        for code, v in current.lines.items():
            before = previous.lines[code].net if previous else 0
            amounts = [v.gross, v.depreciation] if actif else []
            if actif and name != "actif":
                amounts = [None, None]
            rows.append((code, v.label, v.annex, name, *amounts, v.net, before))
    return exports.tabular(fmt, filename, block, translated_columns(request, columns), rows, company.currency)


def _statement_pdf(
    request: Request, found: statements.Statement, filename: str, block: exports.TitleBlock
) -> Response:
    tables = []
    words = {
        w: i18n.translate(request, w)
        for w in ("Réf.", "Libellé", "Note", "Brut", "Amort. et dépréc.", "Net N", "Net N-1")
    }
    for name, current, previous in found.sections:
        actif = name == "actif"
        heads = ["Réf.", "Libellé", "Note"]
        heads += ["Brut", "Amort. et dépréc.", "Net N", "Net N-1"] if actif else ["Net N", "Net N-1"]
        rows = []
        for code, v in current.lines.items():
            before = previous.lines[code].net if previous else 0
            values = [v.gross, v.depreciation, v.net, before] if actif else [v.net, before]
            rows.append((code, v.label, v.annex, values, v.kind == "total"))
        title = {"actif": _("Actif"), "passif": _("Passif")}.get(name, "")
        tables.append(
            exports.PdfTable(
                i18n.translate(request, title).upper() if title else "", [words[h] for h in heads], rows
            )
        )
    currency = request.company.currency
    return exports.statement_pdf(
        filename,
        block,
        printed(request),
        tables,
        [(c.name, c.ok) for c in found.controls],
        lambda units: i18n.amount(request, units, currency),
        i18n.translate(request, "Contrôles"),
        i18n.translate(request, "ÉCART"),
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
