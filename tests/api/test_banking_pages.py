"""The rapprochement in the browser: a statement sent and its run followed, proposals accepted,
lines matched by hand (a refusal said with its gap), the automatic matching and the rules from
the page, the état as PDF."""

from __future__ import annotations

import re

from tests.api.test_banking import BANKS, STATEMENT_OF_MARCH, bank, books_of_march, camt
from tests.api.test_entry_pages import browser
from tests.conftest import Api, login


def test_a_statement_is_sent_its_proposals_accepted_and_the_rest_matched_from_the_page(testapp, app, books):
    api = Api(testapp, login(testapp))
    bank_id = bank(api)
    opening = {"compte": "5211", "debit": "1000000"}, {"compte": "1011", "credit": "1000000"}
    api.post(
        "/api/v1/ecritures/",
        {
            "journal": "BQ",
            "date_comptable": "2026-02-27",
            "libelle": "Capital",
            "lignes": list(opening),
            "valider": True,
        },
        status=201,
    )
    books_of_march(api)
    csrf = browser(testapp)
    assert f'href="/banques/{bank_id}/"' in testapp.get("/banques/").text
    sent = testapp.post(
        f"/banques/{bank_id}/",
        {"csrf": csrf, "action": "releve"},
        upload_files=[
            ("fichier", "mars.xml", camt(STATEMENT_OF_MARCH, 1_000_000, 1_123_500), "application/xml")
        ],
        status=303,
    )
    run_id = re.search(r"tache=([0-9a-f]{32})", sent.location)[1]
    assert 'data-etat="en_attente"' in sent.follow().text
    app.registry.wisebook_queue.execute(run_id)
    shown = testapp.get(f"/banques/{bank_id}/", {"tache": run_id})
    assert "6 lignes importées (camt.053)." in shown.text
    proposals = shown.html.select("#propositions .proposition form")
    assert len(proposals) == 4 and proposals[0].select_one(".score").text == "90"
    first = {i["name"]: i["value"] for i in proposals[0].select("input[type=hidden]")}
    done = testapp.post(f"/banques/{bank_id}/", first, status=303).follow()
    assert (
        "Lignes rapprochées." in done.text and len(done.html.select("#propositions .proposition form")) == 3
    )
    wrong = testapp.post(
        f"/banques/{bank_id}/",
        [
            ("csrf", csrf),
            ("action", "rapprocher"),
            ("releve", str(done.html.select_one("input[name=releve]")["value"])),
        ],
        status=422,
    )
    assert "Choisissez au moins une ligne comptable." in wrong.text
    auto = testapp.post(f"/banques/{bank_id}/", {"csrf": csrf, "action": "automatique"}, status=303).follow()
    assert "1 rapprochements automatiques." in auto.text  # the other 88 one; two stay below the threshold
    api.post(f"{BANKS}regles/", {"nom": "Frais", "contient": "frais tenue", "compte": "6318"}, status=201)
    ruled = testapp.post(f"/banques/{bank_id}/", {"csrf": csrf, "action": "regles"}, status=303).follow()
    assert "1 écritures passées par les règles." in ruled.text
    assert ruled.html.select_one("#ecart").text == "0"
    pdf = testapp.get(ruled.html.select_one("#etat-pdf")["href"])
    assert pdf.content_type == "application/pdf"
    books_side = ruled.html.select(".rapprochement-colonnes section")[1].text
    assert "Capital" not in books_side  # booked before the first statement: not an item to match
    english = testapp.get(f"/banques/{bank_id}/", headers={"Accept-Language": "en"})
    assert "Proposals" in english.text and "Accept" in english.text
