"""Imports in the browser: a file sent with its mode, the run followed, then the report with
each refused row and its reasons, and the refused rows as a CSV to correct and import again;
a file imported once only, its refusal said next to the field."""

from __future__ import annotations

import csv
import io
import re

from tests.api.test_entry_pages import browser
from tests.api.test_imports import HEADER, counts, csv_file, sale_rows


def test_a_file_is_imported_followed_and_its_refused_rows_given_back_to_correct(testapp, app, books, engine):
    csrf = browser(testapp)
    rows = sale_rows(3)
    rows[3] = rows[3].replace(";7011;", ";9999;")  # V00001's credit: an unknown account
    data = csv_file(rows)
    form = {"csrf": csrf, "mode": "valides"}
    asked = testapp.post(
        "/imports/", form, upload_files=[("fichier", "ventes-janvier.csv", data, "text/csv")], status=303
    )
    run_id = re.search(r"tache=([0-9a-f]{32})", asked.location)[1]
    waiting = asked.follow()
    assert 'data-etat="en_attente"' in waiting.text and 'id="progression"' in waiting.text
    app.registry.wisebook_queue.execute(run_id)
    report = testapp.get(f"/imports/?tache={run_id}")
    assert "Import partiel : 2 écritures importées (4 lignes)" in report.text
    assert "Compte inconnu : 9999" in report.text or "compte inconnu : 9999" in report.text
    assert counts(engine, books.company_id)[:2] == (2, 4)
    download = testapp.get(f"/imports/{run_id}/rejets.csv")
    assert download.content_disposition == 'attachment; filename="ventes-janvier-lignes-refusees.csv"'
    table = list(csv.reader(io.StringIO(download.body.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["ligne_origine", "motifs", "ecriture"]
    assert [r[0] for r in table[1:]] == ["4", "5"]  # both rows of V00001, as they were in the file
    assert table[2][7] == "9999"  # the account column, to correct
    again = testapp.post(
        "/imports/", form, upload_files=[("fichier", "ventes-janvier.csv", data, "text/csv")], status=409
    )
    assert 'id="fichier-erreur"' in again.text
    assert "ventes-janvier.csv" in testapp.get("/imports/").text  # in the list of imports


def test_no_file_is_said_next_to_the_field_and_a_stranger_gets_no_report(testapp, app, books):
    csrf = browser(testapp)
    missing = testapp.post("/imports/", {"csrf": csrf, "mode": "tout"}, status=422)
    assert 'id="fichier-erreur">Choisissez le fichier à importer.' in missing.text
    testapp.get("/imports/" + "0" * 32 + "/rejets.csv", status=404)
    testapp.get("/imports/?tache=" + "0" * 32, status=200)  # an unknown run: the form alone
    assert HEADER.startswith("ecriture;")


def test_the_page_can_register_the_tiers_a_file_names(testapp, app, books, engine):
    csrf = browser(testapp)
    header = HEADER + ";nom_tiers"
    rows = [
        "A;VTE;10/03/2026;FA-A;Facture A;4111;Client;1180;;K042;Épicerie du Marché",
        "A;VTE;10/03/2026;FA-A;Facture A;7011;;;1180;;",
    ]
    form = {"csrf": csrf, "mode": "tout", "creer_tiers": "1"}
    asked = testapp.post(
        "/imports/",
        form,
        upload_files=[("fichier", "ventes.csv", csv_file(rows, header), "text/csv")],
        status=303,
    )
    assert 'name="creer_tiers" value="1"' in testapp.get("/imports/").text
    run_id = re.search(r"tache=([0-9a-f]{32})", asked.location)[1]
    app.registry.wisebook_queue.execute(run_id)
    report = testapp.get(f"/imports/?tache={run_id}")
    assert "2 lignes importées en 1 écritures. 1 tiers créés : complétez-les dans les tiers." in report.text
    listed = testapp.get("/tiers/", {"q": "epicerie"})
    assert "K042" in listed.text and "Épicerie du Marché" in listed.text
