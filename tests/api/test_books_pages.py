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
        "/comptes/", {"csrf": csrf, "numero": "411101", "libelle": "Client Kouassi"}, status=303
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
