"""The report pages in the browser: each shows the posted books with its export buttons, and a
bad filter is said next to its field with what was typed kept."""

from __future__ import annotations

import re

from tests.api.test_entry_pages import browser
from tests.conftest import Api, login, sale


def test_grand_livre_shows_each_account_with_its_running_balance(testapp, books):
    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(), status=201)
    api.post("/api/v1/ecritures/", sale(amount=59000, day="2026-02-10"), status=201)
    browser(testapp)
    page = testapp.get("/rapports/grand-livre/", {"compte": "4111"})
    assert "Clients" in page.text and "VTE-2026-000002" in page.text
    assert "177\u202f000 D" in page.text  # 118 000 + 59 000, on the debit side
    row = next(r for r in page.html.select("tbody tr") if r.select_one("td").text == "10/02/2026")
    assert [c.text for c in row.select("td")][:6] == [
        "10/02/2026", "VTE", "VTE-2026-000002", "FA-001", "Client Kouassi", "C001 Client Kouassi",
    ]  # fmt: skip
    assert row.select_one("a")["href"] == "/tiers/C001/"  # the tiers, named, leads to its page
    assert "7011" not in page.text.split("<main")[1].split("</form>")[1]  # only the asked range
    every = testapp.get("/rapports/grand-livre/", {"du": "01/02/2026"})
    assert "Solde d&#39;ouverture" in every.text and "15/01/2026" not in every.text
    assert "/api/v1/rapports/grand-livre/?exercice=2026&amp;du=2026-02-01&amp;format=csv" in every.text
    bad = testapp.get("/rapports/grand-livre/", {"compte": "zz-4"}, status=422)
    assert 'id="compte-erreur"' in bad.text and 'value="zz-4"' in bad.text


def test_journal_page_lists_posted_entries_with_their_lines_and_totals(testapp, books):
    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(), status=201)
    api.post("/api/v1/ecritures/", sale(post=False, day="2026-01-20"), status=201)  # a draft: not in it
    browser(testapp)
    page = testapp.get("/rapports/journal/", {"journal": "VTE"})
    assert "VTE-2026-000001" in page.text and "20/01/2026" not in page.text
    assert page.text.count("118\u202f000") == 3  # the 411 line, debit and credit totals
    refused = testapp.get("/rapports/journal/", {"journal": "XYZ", "au": "40/40/2026"}, status=422)
    assert 'id="au-erreur"' in refused.text and 'value="40/40/2026"' in refused.text
    unknown = testapp.get("/rapports/journal/", {"journal": "XYZ"}, status=422)
    assert "Journal inconnu : XYZ." in unknown.text


def test_the_journal_is_read_a_page_at_a_time_with_the_period_s_total(testapp, books, monkeypatch):
    from wisebook.web.pages import reports as report_pages

    monkeypatch.setattr(report_pages, "JOURNAL_PAGE", 2)
    api = Api(testapp, login(testapp))
    for day in ("2026-01-20", "2026-01-05", "2026-01-05", "2026-02-01", "2026-03-01"):
        api.post("/api/v1/ecritures/", sale(amount=1180, day=day), status=201)
    api.post("/api/v1/ecritures/", sale(amount=1180, day="2026-01-07", journal="OD"), status=201)
    browser(testapp)
    seen, path, params = [], "/rapports/journal/", {"journal": "VTE", "au": "28/02/2026"}
    while True:
        page = testapp.get(path, params)
        seen += re.findall(r">(VTE-2026-\d+)</a>", page.text)
        assert "4 720" in page.text  # the period's four sales, on every page
        found = re.search(r'href="(/rapports/journal/\?[^"]*apres=[^"]+)"', page.text)
        if not found:
            break
        path, params = found.group(1).replace("&amp;", "&"), None
    assert seen == ["VTE-2026-000002", "VTE-2026-000003", "VTE-2026-000001", "VTE-2026-000004"]
    every = testapp.get("/rapports/journal/", {"au": "31/01/2026"})  # every journal: OD's too
    assert "4\u202f720" in every.text and "VTE-2026-000003" in every.text
    testapp.get("/rapports/journal/", {"apres": "pas-un-curseur"}, status=422)


def test_statement_pages_show_n_and_controls_with_pdf_export(testapp, books):
    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(), status=201)
    browser(testapp)
    result = testapp.get("/rapports/compte-de-resultat/")
    assert "100\u202f000" in result.text  # sales without VAT
    assert "format=pdf" in result.text
    assert "✗" not in result.text  # every control passes
    balance_sheet = testapp.get("/rapports/bilan/", {"au": "31/03/2026"})
    assert "Actif" in balance_sheet.text and "Passif" in balance_sheet.text
    assert "au=2026-03-31" in balance_sheet.text
    testapp.get("/rapports/flux-de-tresorerie/")
    bad = testapp.get("/rapports/bilan/", {"exercice": "1999"}, status=422)
    assert "1999" in bad.text and 'class="alerte"' in bad.text


def test_the_balance_closes_each_class_on_its_subtotal_and_prints_with_a_title_block(testapp, books):
    api = Api(testapp, login(testapp))
    api.post("/api/v1/ecritures/", sale(118000), status=201)
    api.post("/api/v1/ecritures/", sale(59000), status=201)
    browser(testapp)
    page = testapp.get("/rapports/balance/")
    rows = [[c.text for c in r.select("th, td")] for r in page.html.select("tbody tr")]
    labels = [r[0] for r in rows]
    assert labels == ["4111", "4431", "Total classe 4", "7011", "Total classe 7"]
    movements = {r[0]: (r[-4], r[-3]) for r in rows}  # the period's debit and credit columns
    assert movements["Total classe 4"] == ("177\u202f000", "27\u202f000")  # 4111 debit, 4431 credit
    assert movements["Total classe 7"] == ("0", "150\u202f000")
    title = page.html.select_one(".en-tete-impression").text
    assert "Société Test SARL" in title and "Balance" in title and "2026" in title
