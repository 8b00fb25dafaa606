"""The chart of accounts and journals pages: a class at a time or a search, and additions that
say what is wrong next to the field, keep what was typed and write nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.api.test_entry_pages import browser
from wisebook.db import models


def count(engine, model) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)))


def test_the_chart_shows_a_class_as_a_tree_and_finds_by_number_or_label(testapp, books):
    browser(testapp)
    page = testapp.get("/comptes/")
    assert "Capital social" in page.text and "Fournisseurs" not in page.text  # class 1 by default
    assert 'class="niveau-1 rubrique"' in page.text  # a two-digit heading
    found = testapp.get("/comptes/", {"q": "fournisseurs"})
    assert "4011" in found.text and "Capital social" not in found.text
    assert "4111" in testapp.get("/comptes/", {"q": "411"}).text
    assert "Aucun compte" in testapp.get("/comptes/", {"q": "zzzz introuvable"}).text


def test_a_sub_account_is_added_and_a_refused_one_says_why_next_to_the_field(testapp, books, engine):
    csrf = browser(testapp)
    before = count(engine, models.Account)
    refused = testapp.post("/comptes/", {"csrf": csrf, "numero": "4111", "libelle": "Doublon"}, status=422)
    assert 'id="numero-erreur">Le compte 4111 existe déjà.' in refused.text
    assert 'value="Doublon"' in refused.text
    no_label = testapp.post("/comptes/", {"csrf": csrf, "numero": "411101", "libelle": ""}, status=422)
    assert 'id="libelle-erreur"' in no_label.text and 'value="411101"' in no_label.text
    assert count(engine, models.Account) == before
    made = testapp.post(
        "/comptes/",
        {"csrf": csrf, "numero": "411101", "libelle": "Client Kouassi", "confirme": "4111"},
        status=303,
    )
    shown = made.follow()
    assert "Compte 411101 ajouté." in shown.text and "Client Kouassi" in shown.text
    assert count(engine, models.Account) == before + 1
    testapp.post("/comptes/", {"numero": "411102", "libelle": "Sans jeton"}, status=403)  # no CSRF token
    assert count(engine, models.Account) == before + 1


def test_a_journal_is_added_and_a_refused_one_keeps_what_was_typed(testapp, books, engine):
    csrf = browser(testapp)
    before = count(engine, models.Journal)
    page = testapp.get("/journaux/")
    assert "VTE" in page.text and "Ventes" in page.text
    taken = testapp.post(
        "/journaux/", {"csrf": csrf, "code": "VTE", "libelle": "Encore", "type": "ventes"}, status=409
    )
    assert 'id="code-erreur">Le journal VTE existe déjà.' in taken.text and 'value="Encore"' in taken.text
    bad = testapp.post(
        "/journaux/", {"csrf": csrf, "code": "B", "libelle": "Banque 2", "type": "tresorerie"}, status=422
    )
    assert 'id="code-erreur"' in bad.text and 'value="Banque 2"' in bad.text
    assert count(engine, models.Journal) == before
    testapp.post(
        "/journaux/",
        {"csrf": csrf, "code": "BQ2", "libelle": "Banque Atlantique", "type": "tresorerie"},
        status=303,
    )
    assert "Banque Atlantique" in testapp.get("/journaux/").text
    assert count(engine, models.Journal) == before + 1


def test_a_sub_account_that_turns_its_parent_into_a_heading_is_asked_first(testapp, books, engine):
    csrf = browser(testapp)
    before = count(engine, models.Account)
    asked = testapp.post("/comptes/", {"csrf": csrf, "numero": "411101", "libelle": "Client Kouassi"})
    assert 'id="confirmation"' in asked.text
    assert "Le compte 4111 « Clients » reçoit aujourd&#39;hui des écritures" in asked.text
    assert 'name="confirme" value="4111"' in asked.text and 'value="Client Kouassi"' in asked.text
    assert count(engine, models.Account) == before  # nothing written before the answer
    other = {"csrf": csrf, "numero": "601101", "libelle": "Marchandises", "confirme": "4111"}
    assert 'id="confirmation"' in testapp.post("/comptes/", other).text  # a yes for 4111 is not one for 6011
    testapp.post(
        "/comptes/",
        {"csrf": csrf, "numero": "411101", "libelle": "Client Kouassi", "confirme": "4111"},
        status=303,
    )
    assert count(engine, models.Account) == before + 1
    # 4111 is a heading now: a second sub-account changes nothing more and is not asked
    testapp.post("/comptes/", {"csrf": csrf, "numero": "411102", "libelle": "Client Traoré"}, status=303)
    assert count(engine, models.Account) == before + 2


def test_an_account_is_renamed_and_a_typo_removed_but_official_or_used_accounts_stay(
    testapp, books, engine, api
):
    csrf = browser(testapp)
    testapp.post(
        "/comptes/",
        {"csrf": csrf, "numero": "411101", "libelle": "Clent Kouasi", "confirme": "4111"},
        status=303,
    )
    renamed = testapp.post(
        "/comptes/411101/", {"csrf": csrf, "action": "renommer", "libelle": "Client Kouassi"}, status=303
    )
    assert "Client Kouassi" in renamed.follow().text
    empty = testapp.post("/comptes/411101/", {"csrf": csrf, "action": "renommer", "libelle": " "}, status=422)
    assert 'id="libelle-erreur"' in empty.text
    official = testapp.get("/comptes/6011/")
    assert "fait partie du plan SYSCOHADA" in official.text and 'value="supprimer"' in official.text
    assert "Retirer le compte 6011" not in official.text
    testapp.post("/comptes/6011/", {"csrf": csrf, "action": "supprimer"}, status=409)
    with Session(engine) as s:
        parent_postable = s.scalar(select(models.Account.postable).where(models.Account.code == "4111"))
    assert parent_postable is False
    before = count(engine, models.Account)
    gone = testapp.post("/comptes/411101/", {"csrf": csrf, "action": "supprimer"}, status=303)
    assert "Compte 411101 retiré du plan." in gone.follow().text
    assert count(engine, models.Account) == before - 1
    with Session(engine) as s:
        assert s.scalar(select(models.Account.postable).where(models.Account.code == "4111")) is True
    testapp.get("/comptes/411101/", status=404)


def test_the_api_renames_and_removes_accounts_and_says_why_one_stays(api, books, engine):
    api.post("/api/v1/comptes/", {"numero": "601101", "libelle": "Marchandises A"}, status=201)
    assert api.get("/api/v1/comptes/6011/").json["imputable"] is False
    assert api.patch("/api/v1/comptes/601101/", {"libelle": "Marchandises Abidjan"}).json["libelle"] == (
        "Marchandises Abidjan"
    )
    api.patch("/api/v1/comptes/601101/", {"libelle": ""}, status=422)
    line = {"compte": "601101", "debit": "1000", "credit": "0"}
    api.post(
        "/api/v1/ecritures/",
        {"journal": "ACH", "date_comptable": "2026-01-15", "libelle": "Achat", "valider": False,
         "lignes": [line, {"compte": "4011", "debit": "0", "credit": "1000"}]},
        status=201,
    )  # fmt: skip
    used = api.delete("/api/v1/comptes/601101/", status=409)
    assert used.json["erreurs"][0]["message"] == (
        "Le compte 601101 porte des écritures : il reste au plan ; renommez-le si besoin."
    )
    assert api.delete("/api/v1/comptes/60/", status=409).json["detail"].startswith("Le compte 60 fait partie")
    api.delete("/api/v1/comptes/999999/", status=404)
    api.post("/api/v1/comptes/", {"numero": "601102", "libelle": "Typo"}, status=201)
    api.delete("/api/v1/comptes/601102/", status=204)
    assert api.get("/api/v1/comptes/6011/").json["imputable"] is False  # 601101 is still under it
