"""The fixed-asset register in the browser: an asset added from its purchase entry's line, its
plan and entries on its page, the year's depreciation run followed to its end, a disposal
refused next to its field then passed."""

from __future__ import annotations

import re

from tests.api.test_entry_pages import browser
from tests.conftest import Api, login


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_an_asset_from_its_purchase_line_its_plan_the_run_and_its_disposal(testapp, app, books):
    api = Api(testapp, login(testapp))
    purchase = api.post(
        "/api/v1/ecritures/",
        {
            "journal": "ACH",
            "date_comptable": "2026-07-01",
            "libelle": "Ordinateurs portables",
            "lignes": [
                {"compte": "2442", "debit": "3000000"},
                {"compte": "4011", "credit": "3000000", "tiers": "F001"},
            ],
            "valider": True,
        },
        status=201,
    ).json
    csrf = browser(testapp)
    entry = testapp.get(f"/ecritures/{purchase['id']}/")
    link = entry.html.select_one("a.inscrire-immobilisation")["href"]
    form = testapp.get(link)
    assert form.html.select_one("#libelle")["value"] == "Ordinateurs portables"
    line = form.html.select_one("input[name=ligne_acquisition]")["value"]
    made = testapp.post(
        "/immobilisations/",
        {
            "csrf": csrf,
            "action": "ajouter",
            "ligne_acquisition": line,
            "libelle": "Ordinateurs portables",
            "categorie": "materiel_informatique",
            "methode": "lineaire",
            "duree": "3",
        },
        status=303,
    )
    asset = made.follow()
    assert plain(asset.html.select_one("#fiche").text).count("3 000 000") == 2  # gross, net
    years = [[plain(td.text) for td in tr.select("td")] for tr in asset.html.select("table.plan tbody tr")]
    # 3 000 000 over 3 years from 01/07/2026: 184 days of 365 → 504 110; then 1 000 000 twice;
    # what is left in 2029
    assert [y[2] for y in years] == ["504 110", "1 000 000", "1 000 000", "495 890"]
    asked = testapp.post(
        "/immobilisations/", {"csrf": csrf, "action": "dotations", "au": "2026-12-31"}, status=303
    )
    run_id = re.search(r"tache=([0-9a-f]{32})", asked.location)[1]
    app.registry.wisebook_queue.execute(run_id)
    shown = testapp.get("/immobilisations/", {"tache": run_id})
    assert "Dotations au 31/12/2026 passées : 1 immobilisations, 1 écritures." in shown.text
    row = shown.html.select_one("#registre tbody tr")
    assert [plain(td.text) for td in row.select("td")][4:7] == ["3 000 000", "504 110", "2 495 890"]
    again = testapp.post(
        "/immobilisations/", {"csrf": csrf, "action": "dotations", "au": "2026-12-31"}, status=409
    )
    assert "déjà passées" in again.html.select_one("#au-erreur").text

    page = f"/immobilisations/{made.location.rstrip('/').rsplit('/', 1)[1]}/"
    early = testapp.post(
        page, {"csrf": csrf, "date": "2026-06-01", "prix": "", "contrepartie": "5211"}, status=422
    )
    assert "mise en service" in early.html.select_one("#date-erreur").text
    gone = testapp.post(page, {"csrf": csrf, "date": "2026-12-31", "rebut": "1"}, status=303).follow()
    assert "Sortie passée par l'écriture OD-" in gone.html.select_one("#fait").text
    assert gone.html.select_one("#sortir") is None and "Mise au rebut" in gone.html.select_one("#etat").text
    assert len(gone.html.select("#ecritures-immobilisation tbody tr")) == 3  # purchase, run, scrapping


def test_a_register_file_is_imported_from_the_page_its_refused_rows_listed(testapp, books):
    csrf = browser(testapp)
    header = "libelle;categorie;date_acquisition;valeur_brute;duree"
    bad = f"{header}\nPhotocopieur;materiel_bureau;01/03/2025;1 500 000;0\n".encode()
    refused = testapp.post(
        "/immobilisations/",
        {"csrf": csrf, "action": "importer"},
        upload_files=[("fichier", "registre.csv", bad, "text/csv")],
        status=422,
    )
    assert [li.text for li in refused.html.select("#fautes-import li")] == [
        "ligne 2 : La durée d'utilisation est d'au moins un an."
    ]
    good = bad.replace(b";0\n", b";5\n")
    done = testapp.post(
        "/immobilisations/",
        {"csrf": csrf, "action": "importer"},
        upload_files=[("fichier", "registre.csv", good, "text/csv")],
        status=303,
    ).follow()
    assert "1 immobilisations importées." in done.html.select_one("#importe").text
    assert "Photocopieur" in done.html.select_one("#registre").text


def test_a_plan_is_changed_from_the_asset_page_its_faults_next_to_their_fields(testapp, books):
    api = Api(testapp, login(testapp))
    made = api.post(
        "/api/v1/immobilisations/",
        {
            "libelle": "Serveur",
            "categorie": "materiel_informatique",
            "date_acquisition": "2026-01-01",
            "valeur_brute": "3000000",
            "duree": 3,
            "contrepartie": "5211",
            "journal": "BQ",
        },
        status=201,
    ).json
    csrf = browser(testapp)
    page = f"/immobilisations/{made['id']}/"
    refused = testapp.post(
        page, {"csrf": csrf, "action": "revision", "date_revision": "2025-12-01", "duree": "0"}, status=422
    )
    assert refused.html.select_one("#date_revision-erreur") is not None
    assert "au moins un an" in refused.html.select_one("#duree-erreur").text
    done = testapp.post(
        page,
        {
            "csrf": csrf,
            "action": "revision",
            "date_revision": "2026-07-01",
            "duree": "2",
            "depreciation": "500 000",
        },
        status=303,
    ).follow()
    assert done.html.select_one("#revise") is not None
    assert plain(done.html.select_one("#net").text) == "2 500 000"  # 3 000 000 less the write-down
    assert len(done.html.select("#ecritures-immobilisation tbody tr")) == 2  # its acquisition, its write-down
