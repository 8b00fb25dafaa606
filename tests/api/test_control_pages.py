"""Control in the browser: the audit log lists the writes (who, what, from where) for those
who audit, and the integrity check runs in the background and says its verdict."""

from __future__ import annotations

import re

from tests.api.test_entry_pages import browser
from tests.conftest import sale


def test_the_audit_log_lists_the_writes_newest_first(testapp, api, books):
    api.post("/api/v1/ecritures/", sale(), status=201)
    browser(testapp)
    page = testapp.get("/controle/journal-audit/")
    rows = page.html.select("tbody tr")
    assert "POST" in rows[0].text and "/api/v1/ecritures/" in rows[0].text  # the sale
    assert "comptable@exemple.ci" in rows[0].text


def test_the_integrity_check_runs_and_says_when_the_books_were_tampered_with(
    testapp, api, app, books, engine, backend
):
    from tests.db.test_verify import _behind_our_back

    posted = api.post("/api/v1/ecritures/", sale(), status=201).json["id"]
    csrf = browser(testapp)
    assert "Aucune vérification pour l&#39;instant." in testapp.get("/controle/verification/").text
    asked = testapp.post("/controle/verification/", {"csrf": csrf}, status=303)
    run_id = re.search(r"tache=([0-9a-f]{32})", asked.location)[1]
    app.registry.wisebook_queue.execute(run_id)
    assert "Conforme : chaîne, numérotation et soldes sont intègres." in asked.follow().text
    _behind_our_back(engine, backend, f"UPDATE entries SET label = 'falsifiée' WHERE id = {int(posted)}")
    again = testapp.post("/controle/verification/", {"csrf": csrf}, status=303)
    app.registry.wisebook_queue.execute(re.search(r"tache=([0-9a-f]{32})", again.location)[1])
    verdict = testapp.get("/controle/verification/")  # the latest run, without its address
    assert 'id="verdict">1 anomalie(s) trouvée(s) :' in verdict.text
    assert "VTE-2026-000001" in verdict.html.select_one("ul.anomalies").text
