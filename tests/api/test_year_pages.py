"""The year end in the browser: months locked and unlocked, a new year, the closing's blocking
list with a link to each item, the closing run in the background then followed, the reopening,
and the guided affectation; each refusal said on the page with nothing written."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.api.test_closing import entry, keep_2026
from tests.api.test_entry_pages import browser
from wisebook.db import models


def locked(engine, year: str = "2026") -> list[int]:
    with Session(engine) as s:
        return list(
            s.scalars(
                select(models.Period.number)
                .join(models.FiscalYear)
                .where(models.FiscalYear.code == year, models.Period.locked.is_(True))
                .order_by(models.Period.number)
            )
        )


def test_months_are_locked_up_to_one_and_a_new_year_opened(testapp, books, engine):
    csrf = browser(testapp)
    page = testapp.get("/exercices/")
    assert "2026" in page.text and "Préparer la clôture" in page.text
    done = testapp.post("/exercices/2026/verrouillage/", {"csrf": csrf, "periode": "3"}, status=303)
    assert "Mois verrouillés" in done.follow().text
    assert locked(engine) == [1, 2, 3]
    testapp.post("/exercices/2026/deverrouillage/", {"csrf": csrf, "periode": "2"}, status=303)
    assert locked(engine) == [1]
    refused = testapp.post("/exercices/2026/verrouillage/", {"csrf": csrf, "periode": "x"}, status=422)
    assert 'id="periode-erreur">Choisissez un mois.' in refused.text
    made = testapp.post("/exercices/", {"csrf": csrf, "annee": "2027", "mois_debut": "1"}, status=303)
    assert "Exercice 2027 ouvert." in made.follow().text
    again = testapp.post("/exercices/", {"csrf": csrf, "annee": "2027", "mois_debut": "1"}, status=409)
    assert 'value="2027"' in again.text


def test_the_closing_lists_what_blocks_it_with_links_then_runs_and_is_followed(
    testapp, api, app, books, engine
):
    keep_2026(api)
    draft = api.post(
        "/api/v1/ecritures/",
        entry(
            "2026-08-01", "Brouillon oublié", [("6222", 1000, 0, None), ("5211", 0, 1000, None)], post=False
        ),
        status=201,
    ).json["id"]
    api.post(
        "/api/v1/ecritures/",
        entry("2026-09-01", "En attente", [("4711", 5000, 0, None), ("5211", 0, 5000, None)]),
        status=201,
    )
    csrf = browser(testapp)
    page = testapp.get("/exercices/2026/cloture/")
    assert "Points bloquants (2)" in page.text
    assert f'href="/ecritures/{draft}/"' in page.text  # the draft, to post or delete
    assert 'href="/rapports/grand-livre/?compte=4711"' in page.text  # the suspense account
    assert "Résultat : bénéfice de" in page.text and 'id="cloturer"' not in page.text
    testapp.post("/exercices/2026/cloture/", {"csrf": csrf}, status=409)
    api.delete(f"/api/v1/ecritures/{draft}/", status=204)
    api.post(
        "/api/v1/ecritures/",
        entry("2026-09-02", "Solde attente", [("6222", 5000, 0, None), ("4711", 0, 5000, None)]),
        status=201,
    )
    ready = testapp.get("/exercices/2026/cloture/")
    assert "Points bloquants (0)" in ready.text and 'id="cloturer"' in ready.text
    planned = api.get("/api/v1/exercices/2026/cloture/").json["a_nouveaux"]
    assert f"À-nouveaux prévus ({len(planned)})" in ready.text
    with Session(engine) as s:  # a page shows the first lines only, and counts them all
        from wisebook.services import closing

        whole, first = (
            closing.preview(s, books.company_id, "2026"),
            closing.preview(s, books.company_id, "2026", shown=2),
        )
        assert first.line_count == whole.line_count == len(whole.lines) == len(planned)
        assert first.lines[:2] == whole.lines[:2] and len(first.lines) == 3  # two, and the result
    asked = testapp.post("/exercices/2026/cloture/", {"csrf": csrf}, status=303)
    run_id = re.search(r"tache=([0-9a-f]{32})", asked.location)[1]
    waiting = asked.follow()
    assert 'data-etat="en_attente"' in waiting.text and 'id="progression"' in waiting.text
    app.registry.wisebook_queue.execute(run_id)  # the worker's part
    finished = testapp.get(asked.location.replace("http://localhost", ""))
    assert "Exercice 2026 clôturé. À-nouveaux dans l&#39;exercice 2027" in finished.text
    assert "Affecter le résultat" in finished.text
    reopened = testapp.post("/exercices/2026/reouverture/", {"csrf": csrf}, status=303)
    assert "Exercice 2026 rouvert" in reopened.follow().text


def test_the_affectation_proposes_the_legal_reserve_and_refuses_a_split_that_misses(
    testapp, api, app, books, engine
):
    from tests.api.test_closing import run_closing

    api.post(
        "/api/v1/ecritures/",
        entry("2026-01-02", "Capital", [("5211", 10_000_000, 0, None), ("1011", 0, 10_000_000, None)]),
        status=201,
    )
    api.post(
        "/api/v1/ecritures/",
        entry("2026-03-01", "Vente", [("5211", 1_000_000, 0, None), ("7011", 0, 1_000_000, None)]),
        status=201,
    )
    assert run_closing(api, app)["etat"] == "reussie"
    csrf = browser(testapp)
    page = testapp.get("/exercices/2026/affectation/")
    assert "Bénéfice à affecter : 1\u202f000\u202f000." in page.text
    assert 'id="reserve_legale" name="reserve_legale" value="100000"' in page.text  # a tenth
    assert 'id="report_a_nouveau" name="report_a_nouveau" value="900000"' in page.text
    form = {"csrf": csrf, "reserve_legale": "50000", "reserves": "", "report_a_nouveau": "900000",
            "dividendes": "", "date": "30/05/2027"}  # fmt: skip
    refused = testapp.post("/exercices/2026/affectation/", form, status=422)
    assert 'id="reserve_legale-erreur">La réserve légale reçoit au moins 100\u202f000' in refused.text
    assert (
        'id="montants-erreur">La répartition (950\u202f000) doit égaler le bénéfice à affecter (1\u202f000\u202f000).'
        in refused.text
    )
    done = testapp.post("/exercices/2026/affectation/", form | {"reserve_legale": "100000"}, status=303)
    assert "AFF-2026" in testapp.get(done.location.replace("http://localhost", "")).text
    assert "est affecté" in testapp.get("/exercices/2026/affectation/").text
