"""The entry pages without script: a refused entry comes back with each message next to its
field and everything typed kept, nothing written; the list's filters say what is wrong."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD
from wisebook.db import models


def browser(testapp) -> str:
    testapp.post("/connexion/", {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}, status=303)
    return testapp.cookies["wisebook_csrf"]


def entries(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.Entry)))


def form(csrf: str, lines: list[tuple[str, str, str, str]], **head: str) -> list[tuple[str, str]]:
    fields = [
        ("csrf", csrf),
        ("journal", "VTE"),
        ("date", "15/01/2026"),
        ("piece", "FA-1"),
        ("libelle", "Facture"),
    ]
    fields = [(k, head.get(k, v)) for k, v in fields]
    for account, label, debit, credit in lines:
        fields += [
            ("compte", account),
            ("libelle_ligne", label),
            ("debit", debit),
            ("credit", credit),
            ("tiers", ""),
        ]
    return [*fields, ("action", "valider")]


def test_a_refused_entry_keeps_what_was_typed_and_says_why_next_to_each_field(testapp, books, engine):
    csrf = browser(testapp)
    page = testapp.post(
        "/ecritures/nouvelle/",
        form(
            csrf,
            [("4111", "Client", "118 000", ""), ("9999", "Inconnu", "", "100000"), ("4431", "", "", "18000")],
        ),
        status=422,
    )
    assert 'id="lignes-1-compte-erreur">Compte inconnu : 9999.' in page.text
    assert 'value="118 000"' in page.text and 'value="9999"' in page.text  # kept as typed
    decimals = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "Client", "118 000", ""), ("7011", "", "", "100000"), ("4431", "", "", "18,5")]),
        status=422,
    )
    assert 'id="lignes-2-credit-erreur">Trop de décimales dans « 18,5 »' in decimals.text
    unbalanced = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "118000", ""), ("7011", "", "", "100000")]),
        status=422,
    )
    assert "Écriture déséquilibrée : débit 118000, crédit 100000 (écart 18000)." in unbalanced.text
    bad_day = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "1", ""), ("7011", "", "", "1")], date="31/02/2026"),
        status=422,
    )
    assert 'id="date-erreur">Date invalide : saisissez-la en JJ/MM/AAAA.' in bad_day.text
    assert entries(engine) == 0
    done = testapp.post(
        "/ecritures/nouvelle/",
        form(csrf, [("4111", "", "118 000", ""), ("7011", "", "", "118000")]),
        status=303,
    )
    shown = done.follow()
    assert "VTE-2026-000001" in shown.text
    assert "15/01/2026" in shown.text
    assert entries(engine) == 1


def test_the_entries_list_filters_pages_and_refuses_a_bad_filter(testapp, books, engine):
    csrf = browser(testapp)
    for n in range(3):
        testapp.post(
            "/ecritures/nouvelle/",
            form(
                csrf,
                [("4111", "", "1000", ""), ("7011", "", "", "1000")],
                piece=f"FA-{n}",
                date=f"1{n}/01/2026",
            ),
            status=303,
        )
    listed = testapp.get("/ecritures/", {"journal": "VTE", "du": "11/01/2026"})
    assert "FA-1" in listed.text and "FA-2" in listed.text and "FA-0" not in listed.text
    refused = testapp.get("/ecritures/", {"du": "hier"}, status=422)
    assert "Date invalide" in refused.text
    assert 'value="hier"' in refused.text
    testapp.get("/ecritures/", {"statut": "perdue"}, status=422)


def test_the_balance_page_shows_the_year_and_says_what_is_wrong_with_a_filter(testapp, books, engine):
    csrf = browser(testapp)
    testapp.post(
        "/ecritures/nouvelle/", form(csrf, [("4111", "", "118 000", ""), ("7011", "", "", "118000")])
    )
    page = testapp.get("/rapports/balance/")
    assert "7011" in page.text and "118\u202f000" in page.text
    assert "/api/v1/rapports/balance/?exercice=2026&amp;format=xlsx" in page.text
    bad = testapp.get("/rapports/balance/", {"du": "32/01/2026"}, status=422)
    assert "Date invalide" in bad.text and 'value="32/01/2026"' in bad.text
    unknown = testapp.get("/rapports/balance/", {"exercice": "1999"}, status=422)
    assert "1999" in unknown.text
    csv = testapp.get(
        "/api/v1/rapports/balance/", {"exercice": "2026", "format": "csv"}
    )  # the session suffices
    assert "7011" in csv.text
