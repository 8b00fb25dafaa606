"""The fixed-asset register by its API, with worked examples computed by hand: a vehicle on the
straight line bought on 15 March and sold mid-year with a gain, equipment on declining balance
from its purchase entry, a building in components; the year's depreciation run, once; the
faults of a plan or a disposal that does not fit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models

ASSETS = "/api/v1/immobilisations/"
RUNS = "/api/v1/immobilisations/dotations/"


def count_entries(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.Entry)))


def run_year(api, app, through: str = "2026-12-31") -> dict[str, Any]:
    accepted = api.post(RUNS, {"au": through}, status=202).json
    app.registry.wisebook_queue.execute(accepted["id"])
    return dict(api.get(f"/api/v1/taches/{accepted['id']}/").json)


def lines_of(api, entry_id: int) -> list[tuple[str, str, str]]:
    entry = api.get(f"/api/v1/ecritures/{entry_id}/").json
    return sorted((ln["compte"], ln["debit"], ln["credit"]) for ln in entry["lignes"])


def test_a_vehicle_bought_on_15_march_depreciated_for_the_year_then_sold_with_a_gain(api, app, books, engine):
    """Toyota Hilux, 20 000 000 paid by bank on 15/03/2026, 4 years straight line.
    Plan: 2026 4 000 000 (292 days of 365), 2027–2029 5 000 000, 2030 1 000 000.
    The 2026 run: 6813 D 4 000 000 / 2845 C 4 000 000; a second run to the same day is a 409.
    Sold on 30/06/2027 for 15 000 000 by bank: catch-up 5 000 000 × 181 / 365 = 2 479 452;
    depreciation 6 479 452; net book value 13 520 548; gain 1 479 452. The entry:
    6813 D 2 479 452, 2845 C 2 479 452, 2845 D 6 479 452, 2451 C 20 000 000, 812 D 13 520 548,
    5211 D 15 000 000, 822 C 15 000 000."""
    made = api.post(
        ASSETS,
        {
            "libelle": "Toyota Hilux",
            "categorie": "materiel_transport",
            "date_acquisition": "2026-03-15",
            "valeur_brute": "20000000",
            "duree": 4,
            "contrepartie": "5211",
            "journal": "BQ",
            "emplacement": "Abidjan",
        },
        status=201,
    ).json
    assert (made["compte_immobilisation"], made["compte_amortissement"], made["compte_dotation"]) == (
        "2451",
        "2845",
        "6813",
    )
    assert made["numero"] == "IMM-00001" and made["ligne_acquisition"] is not None
    plan = api.get(f"{ASSETS}{made['id']}/plan/").json["composants"][0]["annees"]
    assert [(y["du"][:4], y["annuite"], y["valeur_nette_fin"]) for y in plan] == [
        ("2026", "4000000", "16000000"),
        ("2027", "5000000", "11000000"),
        ("2028", "5000000", "6000000"),
        ("2029", "5000000", "1000000"),
        ("2030", "1000000", "0"),
    ]
    done = run_year(api, app)
    assert done["etat"] == "reussie", done
    [entry] = done["resultat"]["ecritures"]
    assert lines_of(api, entry["id"]) == [("2845", "0", "4000000"), ("6813", "4000000", "0")]
    before = count_entries(engine)
    again = api.post(RUNS, {"au": "2026-12-31"}, status=409).json
    assert entry["numero"] in again["detail"] and count_entries(engine) == before
    assert api.get(f"{ASSETS}{made['id']}/").json["valeur_nette_comptable"] == "16000000"

    api.post("/api/v1/exercices/", {"annee": 2027}, status=201)
    refused = api.post(f"{ASSETS}{made['id']}/sortie/", {"date": "2026-03-01", "prix": "1"}, status=422).json
    assert {e["champ"] for e in refused["erreurs"]} == {"date", "contrepartie"}
    sold = api.post(
        f"{ASSETS}{made['id']}/sortie/",
        {"date": "2027-06-30", "prix": "15000000", "contrepartie": "5211"},
        status=201,
    ).json
    assert (sold["dotation_complementaire"], sold["amortissements"], sold["valeur_nette_comptable"]) == (
        "2479452",
        "6479452",
        "13520548",
    )
    assert (sold["plus_value"], sold["moins_value"]) == ("1479452", "0")
    assert lines_of(api, sold["ecriture"]) == sorted(
        [
            ("6813", "2479452", "0"),
            ("2845", "0", "2479452"),
            ("2845", "6479452", "0"),
            ("2451", "0", "20000000"),
            ("812", "13520548", "0"),
            ("5211", "15000000", "0"),
            ("822", "0", "15000000"),
        ]
    )
    after = api.get(f"{ASSETS}{made['id']}/").json
    assert (after["etat"], after["valeur_nette_comptable"], after["valeur_nette_a_la_sortie"]) == (
        "cedee",
        "0",
        "13520548",
    )
    assert api.get(ASSETS).json["totaux"] == []  # out of the register's totals
    # notes 3A, 3C, 3D of 2027: the vehicle in at 20 000 000 gross and 4 000 000 depreciated,
    # 2 479 452 charged, everything written back on its sale, its gain 1 479 452
    notes = api.get(f"{ASSETS}dsf/", exercice="2027").json
    assert notes["concorde"] is True
    [gross] = notes["note_3a"]
    assert (gross["ligne"], gross["ouverture"], gross["cessions"], gross["cloture"]) == (
        "AN",
        "20000000",
        "20000000",
        "0",
    )
    [dep] = notes["note_3c"]
    assert (dep["ouverture"], dep["dotations"], dep["reprises"], dep["cloture"]) == (
        "4000000",
        "2479452",
        "6479452",
        "0",
    )
    [sale] = notes["note_3d"]
    assert (sale["valeur_nette"], sale["prix"], sale["plus_value"]) == ("13520548", "15000000", "1479452")
    api.post(f"{ASSETS}{made['id']}/sortie/", {"date": "2027-07-01", "rebut": True}, status=422)


def test_equipment_from_its_purchase_entry_and_a_building_in_components(api, app, books, engine):
    """A press bought 10 000 000 on 01/04/2026 (its purchase entry posted first), 5 years on
    declining balance at the country's coefficient for 5 years (2): 3 000 000, 2 800 000,
    1 680 000, then the straight line 1 260 000 twice.
    A head office of 100 000 000 from 01/01/2026 in components: structure 60 000 000 over 40
    years (1 500 000 a year), roof 15 000 000 over 20 (750 000), installations 25 000 000 over
    10 (2 500 000): 4 750 000 a year.
    The 2026 run: an entry per category — buildings 6813 D / 2831 C 4 750 000; industrial
    equipment 6813 D / 2841 C 3 000 000. The register's totals follow."""
    purchase = api.post(
        "/api/v1/ecritures/",
        {
            "journal": "ACH",
            "date_comptable": "2026-04-01",
            "libelle": "Presse hydraulique",
            "lignes": [
                {"compte": "2411", "debit": "10000000"},
                {"compte": "4011", "credit": "10000000", "tiers": "F001"},
            ],
            "valider": True,
        },
        status=201,
    ).json
    with_line = purchase["id"]
    entry = api.get(f"/api/v1/ecritures/{with_line}/").json
    line_id = _line_id(engine, with_line)
    press = api.post(
        ASSETS,
        {
            "libelle": "Presse hydraulique",
            "categorie": "materiel_industriel",
            "ligne_acquisition": line_id,
            "methode": "degressif",
            "duree": 5,
            "fournisseur": "F001",
        },
        status=201,
    ).json
    assert (press["valeur_brute"], press["date_acquisition"], press["coefficient"]) == (
        "10000000",
        "2026-04-01",
        "2",
    )
    assert entry["numero"].startswith("ACH-")
    plan = api.get(f"{ASSETS}{press['id']}/plan/").json["composants"][0]["annees"]
    assert [y["annuite"] for y in plan] == ["3000000", "2800000", "1680000", "1260000", "1260000"]
    again = api.post(ASSETS, {"libelle": "Encore", "ligne_acquisition": line_id}, status=422).json
    assert again["erreurs"][0]["champ"] == "ligne_acquisition"

    office = api.post(
        ASSETS,
        {
            "libelle": "Siège social",
            "categorie": "batiments",
            "date_acquisition": "2026-01-01",
            "valeur_brute": "100000000",
            "contrepartie": "5211",
            "journal": "BQ",
            "composants": [
                {"libelle": "Gros œuvre", "valeur_brute": "60000000", "duree": 40},
                {"libelle": "Toiture", "valeur_brute": "15000000", "duree": 20},
                {"libelle": "Installations", "valeur_brute": "25000000", "duree": 10},
            ],
        },
        status=201,
    ).json
    assert [c["numero"] for c in office["composants"]] == ["IMM-00002-1", "IMM-00002-2", "IMM-00002-3"]
    plans = api.get(f"{ASSETS}{office['id']}/plan/").json["composants"]
    assert [p["annees"][0]["annuite"] for p in plans] == ["1500000", "750000", "2500000"]
    pdf = api.get(f"{ASSETS}{office['id']}/plan/", format="pdf")
    assert pdf.content_type == "application/pdf"

    done = run_year(api, app)["resultat"]
    assert done["immobilisations"] == 4 and done["total"] == "7750000"
    by_category = {e["categorie"]: e for e in done["ecritures"]}
    assert lines_of(api, by_category["batiments"]["id"]) == [
        ("2831", "0", "4750000"),
        ("6813", "4750000", "0"),
    ]
    assert lines_of(api, by_category["materiel_industriel"]["id"]) == [
        ("2841", "0", "3000000"),
        ("6813", "3000000", "0"),
    ]
    register = api.get(ASSETS).json
    totals = {
        t["categorie"]: (t["valeur_brute"], t["amortissements"], t["valeur_nette_comptable"])
        for t in register["totaux"]
    }
    assert totals == {
        "batiments": ("100000000", "4750000", "95250000"),
        "materiel_industriel": ("10000000", "3000000", "7000000"),
    }
    assert [a["numero"] for a in register["resultats"]] == ["IMM-00001", "IMM-00002"]
    first = api.get(ASSETS, limite="1").json
    assert [a["numero"] for a in first["resultats"]] == ["IMM-00001"] and first["suivant"] == "IMM-00001"
    rest = api.get(ASSETS, limite="1", apres=first["suivant"]).json
    assert [a["numero"] for a in rest["resultats"]] == ["IMM-00002"] and rest["suivant"] is None
    assert rest["totaux"] == register["totaux"]  # every asset, whatever the page
    # notes 3A and 3C of 2026, each line equal to the Bilan's gross and depreciation
    notes = api.get(f"{ASSETS}dsf/", exercice="2026").json
    assert notes["concorde"] is True
    assert [
        (r["ligne"], r["ouverture"], r["acquisitions"], r["cessions"], r["cloture"]) for r in notes["note_3a"]
    ] == [
        ("AK", "0", "100000000", "0", "100000000"),
        ("AM", "0", "10000000", "0", "10000000"),
    ]
    assert [
        (r["ligne"], r["ouverture"], r["dotations"], r["reprises"], r["cloture"]) for r in notes["note_3c"]
    ] == [
        ("AK", "0", "4750000", "0", "4750000"),
        ("AM", "0", "3000000", "0", "3000000"),
    ]
    bilan = api.get("/api/v1/rapports/bilan/", exercice="2026").json
    net = {ln["code"]: ln["net"] for ln in bilan["lignes"] if ln["section"] == "actif"}
    # the Bilan's net values of AJ…AP are the register's (gross less depreciation, by line)
    assert (net["AK"], net["AM"], net["AN"]) == ("95250000", "7000000", "0")


def _line_id(engine, entry_id: int) -> int:
    """The first line of an entry (the API gives lines by entry, not their ids)."""
    with Session(engine) as s:
        return int(
            s.scalar(select(models.Line.id).where(models.Line.entry_id == entry_id, models.Line.line_no == 1))
        )


def test_a_plan_or_a_run_that_does_not_fit_is_refused_and_nothing_is_written(api, app, books, engine):
    before = count_entries(engine)
    wrong = api.post(
        ASSETS,
        {
            "libelle": "Ordinateur",
            "categorie": "materiel_informatique",
            "date_acquisition": "2026-02-01",
            "date_mise_en_service": "2026-01-15",
            "valeur_brute": "1000000",
            "valeur_residuelle": "1500000",
            "duree": 0,
            "contrepartie": "5211",
        },
        status=422,
    ).json
    assert {e["champ"] for e in wrong["erreurs"]} == {"valeur_residuelle", "duree", "mise_en_service"}
    assert count_entries(engine) == before and api.get(ASSETS).json["resultats"] == []
    unknown = api.post(
        ASSETS,
        {"libelle": "X", "categorie": "fusees", "valeur_brute": "1", "date_acquisition": "2026-01-01"},
        status=422,
    ).json
    assert unknown["erreurs"][0]["champ"] == "categorie"
    assert api.post(RUNS, {"au": "2026-06-15"}, status=422).json["erreurs"][0]["champ"] == "au"
    api.post(
        ASSETS,
        {
            "libelle": "Bureau",
            "categorie": "mobilier",
            "date_acquisition": "2026-01-01",
            "valeur_brute": "1200000",
        },
        status=201,
    )
    api.post("/api/v1/exercices/2026/verrouillage/", {"periode": 1}, status=200)
    locked = api.post(RUNS, {"au": "2026-01-31"}, status=422).json
    assert "verrouillée" in locked["erreurs"][0]["message"]
    assert count_entries(engine) == before


def test_the_closing_names_the_missing_depreciation_and_a_run_is_reversed_then_posted_again(api, app, books):
    """An office desk of 1 200 000 from 01/01/2026 over 10 years: 120 000 due for 2026. Until the
    run is posted, the closing's blocking list says so; a run reversed no longer counts."""
    api.post(
        ASSETS,
        {
            "libelle": "Bureau",
            "categorie": "mobilier",
            "date_acquisition": "2026-01-01",
            "valeur_brute": "1200000",
            "contrepartie": "5211",
            "journal": "BQ",
        },
        status=201,
    )
    blocked = api.post("/api/v1/exercices/2026/cloture/", status=409).json
    said = [e["message"] for e in blocked["erreurs"] if e["champ"] == "amortissements"]
    assert said == [
        "Les dotations aux amortissements de l'exercice manquent : 1 immobilisation(s), 120\u202f000 à doter au 31/12/2026."
    ]
    first = run_year(api, app)["resultat"]
    undone = api.post(f"{RUNS}{first['dotations']}/extourne/", status=201).json
    assert len(undone["extournes"]) == 1 and undone["extournes"][0].startswith("OD-2026-")
    assert api.get(ASSETS).json["totaux"][0]["amortissements"] == "0"
    again = run_year(api, app)["resultat"]
    assert again["total"] == "120000" and again["dotations"] != first["dotations"]
    api.post("/api/v1/exercices/2026/cloture/", status=202)  # nothing blocks it any more


def test_an_existing_register_is_imported_all_or_nothing_with_its_opening_depreciation(
    api, app, books, engine
):
    """A register kept elsewhere until 31/12/2025, imported with what was depreciated by then:
    a truck of 24 000 000 from 01/01/2024 over 4 years (12 000 000 by 31/12/2025), a printer of
    900 000 from 01/07/2025 over 3 years (184 days of 365 in 2025: 151 233). One wrong row refuses the file, each fault
    named on its row; fixed, the three rows come in and the 2026 run takes the plans from there:
    6 000 000 for the truck, 300 000 for the printer, 50 000 for the desk bought in 2026."""
    header = "numero;libelle;categorie;date_acquisition;valeur_brute;duree;amortissements_anterieurs;date_ouverture"
    rows = [
        "C-01;Camion Iveco;materiel_transport;01/01/2024;24 000 000;4;12 000 000;31/12/2025",
        "C-02;Imprimante;materiel_informatique;01/07/2025;900000;3;151233;31/12/2025",
        "C-03;Bureau;mobilier;01/01/2026;500 000;10;;",
    ]
    wrong = [
        rows[0].replace("12 000 000;31/12/2025", "30 000 000;31/12/2025"),
        rows[1],
        rows[2].replace(";10;", ";0;"),
    ]

    def send(lines: list[str]) -> Any:
        data = ("\n".join([header, *lines]) + "\n").encode()
        return api.testapp.post(
            f"{ASSETS}import/",
            upload_files=[("fichier", "registre.csv", data, "text/csv")],
            headers=api.headers(),
            status="*",
        )

    refused = send(wrong)
    assert refused.status_int == 422
    said = {e["champ"]: e["message"] for e in refused.json["erreurs"]}
    assert set(said) == {"lignes[2].amortissements_anterieurs", "lignes[4].duree"}
    assert said["lignes[2].amortissements_anterieurs"].startswith("ligne 2 : ")
    assert api.get(ASSETS).json["resultats"] == []
    assert send(rows).json == {"immobilisations": 3, "lignes": 3}
    truck = api.get(ASSETS).json["resultats"][0]
    assert (truck["numero"], truck["amortissements_comptabilises"], truck["valeur_nette_comptable"]) == (
        "C-01",
        "12000000",
        "12000000",
    )
    done = run_year(api, app)["resultat"]
    assert done["total"] == "6350000"  # 6 000 000 + 300 000 + 50 000
    unknown = (
        send(["x"])
        if False
        else api.testapp.post(
            f"{ASSETS}import/",
            upload_files=[("fichier", "r.csv", b"libelle;prix\nX;1\n", "text/csv")],
            headers=api.headers(),
            status=422,
        )
    )
    assert "prix" in unknown.json["detail"]
    picture = api.testapp.post(
        f"{ASSETS}import/",
        upload_files=[("fichier", "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png")],
        headers=api.headers(),
        status=422,
    )
    assert picture.json["erreurs"][0]["champ"] == "fichier"


def test_a_component_is_scrapped_alone_and_the_asset_keeps_the_others(api, app, books):
    """A warehouse of 40 000 000 from 01/01/2026: structure 30 000 000 over 30 years, roof
    10 000 000 over 10 years. 2026 posted: 1 000 000 + 1 000 000. The roof scrapped on
    31/12/2026: its 1 000 000 of depreciation and 10 000 000 of gross written off, 9 000 000
    on 812; the warehouse stays in service with its structure: 30 000 000 gross, 29 000 000 net."""
    made = api.post(
        ASSETS,
        {
            "libelle": "Entrepôt",
            "categorie": "batiments",
            "date_acquisition": "2026-01-01",
            "valeur_brute": "40000000",
            "contrepartie": "5211",
            "journal": "BQ",
            "composants": [
                {"libelle": "Structure", "valeur_brute": "30000000", "duree": 30},
                {"libelle": "Toiture", "valeur_brute": "10000000", "duree": 10},
            ],
        },
        status=201,
    ).json
    run_year(api, app)
    roof = made["composants"][1]["id"]
    gone = api.post(f"{ASSETS}{roof}/sortie/", {"date": "2026-12-31", "rebut": True}, status=201).json
    assert (gone["valeur_nette_comptable"], gone["moins_value"]) == ("9000000", "9000000")
    assert lines_of(api, gone["ecriture"]) == [
        ("2313", "0", "10000000"),
        ("2831", "1000000", "0"),
        ("812", "9000000", "0"),
    ]
    warehouse = api.get(f"{ASSETS}{made['id']}/").json
    assert (warehouse["etat"], warehouse["valeur_nette_comptable"]) == ("en_service", "29000000")
    assert [c["etat"] for c in warehouse["composants"]] == ["en_service", "rebut"]
    [total] = api.get(ASSETS).json["totaux"]
    assert (total["valeur_brute"], total["amortissements"], total["valeur_nette_comptable"]) == (
        "30000000",
        "1000000",
        "29000000",
    )


def test_a_change_of_plan_with_a_write_down_then_a_sale(api, app, books):
    """The vehicle of 20 000 000 from 15/03/2026 over 4 years: 4 000 000 for 2026, 5 000 000
    for 2027 (9 000 000 by then). On 01/01/2028 a write-down of 2 000 000 (6914 D / 2945 C) and
    3 years left: 3 000 000 for 2028. Note 3C of 2028: 9 000 000 at the opening, 5 000 000 in
    the year, 14 000 000 at the close = the Bilan's 2845 and 2945. Sold on 31/12/2028 for
    5 000 000: 2845 D 12 000 000, 2945 D 2 000 000, 2451 C 20 000 000, 812 D 6 000 000 — a loss
    of 1 000 000."""
    made = api.post(
        ASSETS,
        {
            "libelle": "Toyota",
            "categorie": "materiel_transport",
            "date_acquisition": "2026-03-15",
            "valeur_brute": "20000000",
            "duree": 4,
            "contrepartie": "5211",
            "journal": "BQ",
        },
        status=201,
    ).json
    for year in (2027, 2028):
        api.post("/api/v1/exercices/", {"annee": year}, status=201)
    run_year(api, app, "2026-12-31")
    run_year(api, app, "2027-12-31")
    url = f"{ASSETS}{made['id']}/revision/"
    wrong = api.post(url, {"date": "2026-01-01", "duree": 0}, status=422).json
    assert {e["champ"] for e in wrong["erreurs"]} == {"date", "duree"}
    assert (
        api.post(url, {"date": "2028-01-01", "duree": 3, "depreciation": "12000000"}, status=422).json[
            "erreurs"
        ][0]["champ"]
        == "depreciation"
    )
    assert api.post(url, {"date": "2027-12-01", "duree": 3}, status=409).json["erreurs"][0]["champ"] == "date"
    revised = api.post(url, {"date": "2028-01-01", "duree": 3, "depreciation": "2000000"}, status=201).json
    assert lines_of(api, revised["ecriture"]) == [("2945", "0", "2000000"), ("6914", "2000000", "0")]
    plan = api.get(f"{ASSETS}{made['id']}/plan/").json["composants"][0]["annees"]
    assert [(y["du"][:4], y["annuite"], y["valeur_nette_fin"]) for y in plan] == [
        ("2026", "4000000", "16000000"),
        ("2027", "5000000", "11000000"),
        ("2028", "3000000", "6000000"),
        ("2029", "3000000", "3000000"),
        ("2030", "3000000", "0"),
    ]
    assert run_year(api, app, "2028-12-31")["resultat"]["total"] == "3000000"
    asset = api.get(f"{ASSETS}{made['id']}/").json
    assert (
        asset["amortissements_comptabilises"],
        asset["depreciations"],
        asset["valeur_nette_comptable"],
    ) == (
        "12000000",
        "2000000",
        "6000000",
    )
    notes = api.get(f"{ASSETS}dsf/", exercice="2028").json
    [dep] = notes["note_3c"]
    assert (dep["ouverture"], dep["dotations"], dep["cloture"], dep["bilan"]) == (
        "9000000",
        "5000000",
        "14000000",
        "14000000",
    )
    sold = api.post(
        f"{ASSETS}{made['id']}/sortie/",
        {"date": "2028-12-31", "prix": "5000000", "contrepartie": "5211"},
        status=201,
    ).json
    assert (sold["valeur_nette_comptable"], sold["moins_value"]) == ("6000000", "1000000")
    assert lines_of(api, sold["ecriture"]) == sorted(
        [
            ("2845", "12000000", "0"),
            ("2945", "2000000", "0"),
            ("2451", "0", "20000000"),
            ("812", "6000000", "0"),
            ("5211", "5000000", "0"),
            ("822", "0", "5000000"),
        ]
    )
