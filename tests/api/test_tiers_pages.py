"""The tiers register's page: the list with balances and a statement per tiers, a new tiers
with its identifiers checked and each fault next to its field, nothing written then."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.api.test_closing import entry
from tests.api.test_entry_pages import browser
from tests.conftest import Api, login
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
