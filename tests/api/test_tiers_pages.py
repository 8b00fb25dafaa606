"""The tiers register's page: the list with balances and a statement per tiers, a new tiers
with its identifiers checked and each fault next to its field, nothing written then."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.api.test_audit import PASSWORD, member
from tests.api.test_closing import entry
from tests.api.test_entry_pages import browser, form
from tests.conftest import Api, login, page_login
from wisebook.db import models


def partners(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.Partner)))


def test_a_customer_is_added_on_the_page_and_listed_with_its_balance(testapp, books, engine):
    csrf = browser(testapp)
    bad = testapp.post(
        "/tiers/",
        {
            "csrf": csrf,
            "code": "CL01",
            "nom": "Boulangerie Étoile",
            "type": "client",
            "numero_fiscal": "12AB",
        },
        status=422,
    )
    assert 'id="numero_fiscal-erreur">NCC mal formé' in bad.text and 'value="Boulangerie Étoile"' in bad.text
    assert partners(engine) == 4  # the suite's usual tiers only
    testapp.post(
        "/tiers/",
        {
            "csrf": csrf,
            "code": "CL01",
            "nom": "Boulangerie Étoile",
            "type": "client",
            "numero_fiscal": "1234567 A",
            "delai_paiement": "30",
        },
        status=303,
    )
    api = Api(testapp, login(testapp))
    api.post(
        "/api/v1/ecritures/",
        entry("2026-03-01", "Facture", [("4111", 236_000, 0, "CL01"), ("7011", 0, 236_000, None)]),
        status=201,
    )
    listed = testapp.get("/tiers/", {"q": "etoile"})
    assert "Boulangerie Étoile" in listed.text and "1234567A" in listed.text
    assert "236\u202f000" in listed.text and "/api/v1/tiers/CL01/releve/?format=pdf" in listed.text
    assert "Aucun tiers." in testapp.get("/tiers/", {"q": "garage"}).text
    english = testapp.get("/tiers/", headers={"Accept-Language": "en"})
    assert "Add a partner" in english.text and "Statement (PDF)" in english.text


def test_the_entry_form_proposes_the_tiers_a_line_s_account_may_name_by_code_or_name(testapp, books):
    csrf = browser(testapp)
    proposed = lambda **q: testapp.get("/ecritures/tiers/", q).json["tiers"]  # noqa: E731
    assert proposed(q="traore") == [["C003", "Client Traoré", "4111"]]  # accents ignored
    assert [t[0] for t in proposed(q="c00")] == ["C001", "C002", "C003"]
    assert proposed(q="c00", compte="4011") == []  # a supplier's line: no customer
    assert proposed(q="diallo", compte="4011") == [["F001", "Fournisseur Diallo", "4011"]]
    assert proposed(q="diallo", compte="40110001") == [
        ["F001", "Fournisseur Diallo", "4011"]
    ]  # a sub-account
    blank = testapp.get("/ecritures/nouvelle/")
    assert (
        'aria-controls="suggestions-tiers"' in blank.text and 'data-source="/ecritures/tiers/"' in blank.text
    )
    typed = form(csrf, [("4111", "", "1 000", ""), ("7011", "", "", "1 000")])
    typed[typed.index(("tiers", ""))] = ("tiers", "F001")
    refused = testapp.post("/ecritures/nouvelle/", typed, status=422)
    assert (
        'id="lignes-0-tiers-erreur">Le tiers F001 est tenu sur le compte 4011, pas sur le compte 4111.</p>'
        in refused.text
    )
    assert '<span class="tiers-nom" aria-live="polite">Fournisseur Diallo</span>' in refused.text  # named


def test_a_tiers_page_shows_its_balances_and_lines_and_changes_it_each_fault_by_its_field(
    testapp, books, engine
):
    api = Api(testapp, login(testapp))
    csrf = browser(testapp)
    for day, label, lines in (
        ("2026-01-10", "Facture FA-1", [("4111", 118_000, 0, "C001"), ("7011", 0, 118_000, None)]),
        ("2026-02-05", "Règlement FA-1", [("5211", 100_000, 0, None), ("4111", 0, 100_000, "C001")]),
        ("2026-03-01", "Facture d'un autre", [("4111", 7_000, 0, "C002"), ("7011", 0, 7_000, None)]),
    ):
        api.post("/api/v1/ecritures/", entry(day, label, lines), status=201)
    shown = testapp.get("/tiers/C001/", {"du": "01/01/2026", "au": "31/12/2026"})
    assert "C001 · Client Kouassi" in shown.text and 'id="solde">18\u202f000 D<' in shown.text
    rows = [[c.text for c in r.select("td")] for r in shown.html.select("tbody tr")]
    assert rows[1][4:8] == ["Facture FA-1", "118\u202f000", "", "118\u202f000 D"]
    assert rows[2][4:8] == ["Règlement FA-1", "", "100\u202f000", "18\u202f000 D"]
    assert "Facture d'un autre" not in shown.text
    assert "/api/v1/tiers/C001/releve/?format=pdf&amp;du=2026-01-01&amp;au=2026-12-31" in shown.text
    assert testapp.get("/tiers/C001/", {"du": "32/01/2026"}, status=422).html.select_one("#du-erreur")
    assert '<a href="/tiers/C001/">C001</a>' in testapp.get("/tiers/").text  # the list leads to it
    form = {
        "csrf": csrf,
        "nom": "Kouassi & Fils",
        "type": "client",
        "compte": "4111",
        "pays": "CI",
        "numero_fiscal": "12",
        "delai_paiement": "45",
        "comptes_bancaires": "",
    }
    refused = testapp.post("/tiers/C001/", form, status=422)
    assert (
        'id="numero_fiscal-erreur">NCC mal formé' in refused.text
        and 'value="Kouassi &amp; Fils"' in refused.text
    )
    with Session(engine) as s:  # nothing applied
        assert s.scalar(select(models.Partner.name).where(models.Partner.code == "C001")) == "Client Kouassi"
    saved = testapp.post("/tiers/C001/", {**form, "numero_fiscal": "1234567 A"}, status=303).follow()
    assert "Tiers enregistré." in saved.text and "C001 · Kouassi &amp; Fils" in saved.text
    assert 'value="1234567A"' in saved.text and 'value="45"' in saved.text
    testapp.post("/tiers/C001/", {**form, "numero_fiscal": "", "archive": "1"}, status=303)
    assert "Kouassi" not in testapp.get("/tiers/").text  # archived: out of the list
    testapp.get("/tiers/INCONNU/", status=404)


def test_the_balance_page_shows_the_balance_auxiliaire_each_account_closed_on_its_total(testapp, books):
    api = Api(testapp, login(testapp))
    for day, label, lines in (
        ("2026-01-10", "Facture", [("4111", 118_000, 0, "C001"), ("7011", 0, 118_000, None)]),
        ("2026-01-12", "Facture", [("4111", 7_000, 0, "C002"), ("7011", 0, 7_000, None)]),
        ("2026-01-15", "Achat", [("6011", 40_000, 0, None), ("4011", 0, 40_000, "F001")]),
    ):
        api.post("/api/v1/ecritures/", entry(day, label, lines), status=201)
    browser(testapp)
    shown = testapp.get("/rapports/balance/", {"par": "tiers", "compte": "40-41"})
    rows = [[c.text for c in r.select("th, td")] for r in shown.html.select("tbody tr")]
    assert rows[0][0] == "4011 Fournisseurs"
    assert rows[1][:2] == ["F001", "Fournisseur Diallo"] and rows[1][-1] == "40\u202f000"
    assert rows[2][0] == "Total du compte 4011"
    assert rows[4][:2] == ["C001", "Client Kouassi"] and rows[4][-2] == "118\u202f000"
    assert rows[6][0] == "Total du compte 4111" and rows[6][-2] == "125\u202f000"
    assert "par=tiers" in shown.html.select_one(".exports a")["href"]
    testapp.get("/rapports/balance/", {"par": "tiers", "compte": "zz"}, status=422)


def test_an_administrator_requires_the_tiers_from_the_register_s_page(testapp, books, engine):
    csrf = browser(testapp)
    shown = testapp.get("/tiers/")
    assert 'name="tiers_obligatoire" value="1" >' in shown.text or 'value="1" >' in shown.text
    done = testapp.post(
        "/tiers/", {"csrf": csrf, "action": "obligatoire", "tiers_obligatoire": "1"}, status=303
    )
    again = done.follow()
    assert "Réglage enregistré." in again.text and 'value="1" checked' in again.text
    with Session(engine) as s:
        assert s.scalar(select(models.Company.partners_required)) is True
    testapp.post("/tiers/", {"csrf": csrf, "action": "obligatoire"}, status=303)
    with Session(engine) as s:
        assert s.scalar(select(models.Company.partners_required)) is False
    member(engine, testapp, books.company_id, "assistant@cabinet.ci", "assistant")  # types, sets nothing
    page_login(testapp, {"email": "assistant@cabinet.ci", "password": PASSWORD}, status=303)
    assert 'id="reglage"' not in testapp.get("/tiers/").text
    csrf = testapp.cookies["wisebook_csrf"]
    testapp.post("/tiers/", {"csrf": csrf, "action": "obligatoire", "tiers_obligatoire": "1"}, status=403)
