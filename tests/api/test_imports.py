"""Bulk import of entries: the whole file checked first, every refused row named with its line,
nothing written unless all of it is (or, when asked, only the fully valid entries), one file
imported once, the books left as posting one by one would leave them."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

import openpyxl
import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Api, login, sale, settings_overrides
from wisebook import make_config
from wisebook.db import models
from wisebook.services import verify
from wisebook.services.access import members
from wisebook.services.books import companies, years
from wisebook.services.imports import pipeline as imports
from wisebook.services.imports import read as import_files
from wisebook.services.imports import receive as uploads

HEADER = "ecriture;journal;date;piece;libelle;compte;libelle_ligne;debit;credit;tiers"


def sale_rows(count: int, first_day: dt.date = dt.date(2026, 1, 1)) -> list[str]:
    """``count`` two-line sales (4111 / 7011) in the WiseBook layout, dates spread over 2026, to
    the suite's three registered customers in turn."""
    found = []
    for n in range(count):
        day = first_day + dt.timedelta(days=n % 360)
        amount = 1000 + n
        key = f"V{n:05d}"
        common = f"{key};VTE;{day:%d/%m/%Y};FA-{n:05d};Facture client {n}"
        found.append(f"{common};4111;Client;{amount:,}".replace(",", " ") + f";;C00{n % 3 + 1}")
        found.append(f"{common};7011;Ventes;;{amount},00;")
    return found


def csv_file(rows: list[str], header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def submit(api: Api, data: bytes, name: str = "ecritures.csv", status: int = 202, **form: str) -> Any:
    return api.testapp.post(
        "/api/v1/imports/ecritures/",
        params=form,
        upload_files=[("fichier", name, data, "text/csv")],
        headers=api.headers(),
        status=status,
    )


def run_import(api: Api, app: Any, data: bytes, **form: str) -> dict[str, Any]:
    """Send the file, then play the worker; the run as the API shows it."""
    accepted = submit(api, data, **form).json
    assert accepted["etat"] == "en_attente"
    app.registry.wisebook_queue.execute(accepted["id"])
    return dict(api.get(f"/api/v1/taches/{accepted['id']}/").json)


def received(folder: Any) -> list[Any]:
    """The files received for import still in ``folder`` (a run removes its own once it has
    run; the refused rows it leaves for the accountant are not among them)."""
    return [p for p in folder.glob("*") if not p.name.endswith("-rejets.csv")]


def counts(engine: Any, company_id: int) -> tuple[int, int, int]:
    with Session(engine) as s:
        entries = s.scalar(
            select(func.count()).select_from(models.Entry).where(models.Entry.company_id == company_id)
        )
        lines = s.scalar(
            select(func.count())
            .select_from(models.Line)
            .join(models.Entry)
            .where(models.Entry.company_id == company_id)
        )
        done = s.scalar(
            select(func.count()).select_from(models.Import).where(models.Import.company_id == company_id)
        )
    return int(entries or 0), int(lines or 0), int(done or 0)


def test_a_10000_line_file_with_three_bad_rows_is_refused_naming_exactly_them(api, app, engine, books):
    rows = sale_rows(5000)  # 10,000 lines

    # data row i stands on line i + 1 of the file (the header is line 1)
    def spoil(index: int, column: int, value: str) -> None:
        cells = rows[index].split(";")
        cells[column] = value
        rows[index] = ";".join(cells)

    # data row i stands on line i + 1 of the file (the header is line 1)
    spoil(1232, 5, "9999")  # line 1234: an account the chart lacks
    spoil(5676, 7, "12,3,4")  # line 5678: no amount
    spoil(9000, 8, "500")  # line 9002: a debit and a credit
    data = csv_file(rows)
    done = run_import(api, app, data)
    assert done["etat"] == "reussie"
    report = done["resultat"]
    assert report["statut"] == "refuse"
    assert [r["ligne"] for r in report["rejets"]] == [1234, 5678, 9002]
    assert report["rejets_total"] == 3
    reasons = [r["motifs"] for r in report["rejets"]]
    assert reasons[0] == ["compte inconnu : 9999"]
    assert "montant invalide" in reasons[1][0]
    assert reasons[2] == ["une ligne porte un débit ou un crédit, pas les deux"]
    assert (report["lignes_lues"], report["ecritures_importees"], report["lignes_importees"]) == (10000, 0, 0)
    assert "rien n'a été écrit" in report["message"]
    assert counts(engine, books.company_id) == (0, 0, 0)
    assert api.get("/api/v1/rapports/balance/", exercice="2026").json["lignes"] == []

    # At the accountant's choice, only the fully valid entries go in; the report says so.
    partial = run_import(api, app, data, mode="valides")["resultat"]
    assert partial["statut"] == "partiel"
    assert (partial["ecritures_importees"], partial["lignes_importees"]) == (4997, 9994)
    assert (partial["ecritures_refusees"], partial["lignes_refusees"]) == (3, 6)
    assert [r["ligne"] for r in partial["rejets"]] == [1234, 5678, 9002]
    assert counts(engine, books.company_id) == (4997, 9994, 1)
    with Session(engine) as s:
        assert verify.verify_company(s, books.company_id) == []
    # The same file again: refused at once, nothing written twice.
    again = submit(api, data, mode="valides", status=409).json
    assert "déjà été importé" in again["detail"]
    assert received(uploads.upload_dir(app.registry.wisebook_settings, books.company_id)) == []
    assert counts(engine, books.company_id) == (4997, 9994, 1)


def test_the_same_file_sent_twice_before_either_runs_is_imported_once(api, app, engine, books):
    data = csv_file(sale_rows(40))
    first = submit(api, data).json
    second = submit(api, data).json  # not imported yet: both are accepted
    queue = app.registry.wisebook_queue
    queue.execute(first["id"])
    queue.execute(second["id"])
    one = api.get(f"/api/v1/taches/{first['id']}/").json["resultat"]
    other = api.get(f"/api/v1/taches/{second['id']}/").json["resultat"]
    assert (one["statut"], one["ecritures_importees"]) == ("importe", 40)
    assert (other["statut"], other["import"]) == ("deja_importe", one["import"])
    assert counts(engine, books.company_id) == (40, 80, 1)
    listed = api.get("/api/v1/imports/").json["resultats"]
    assert [(i["id"], i["ecritures"], i["lignes"], i["sha256"]) for i in listed] == [
        (one["import"], 40, 80, hashlib.sha256(data).hexdigest())
    ]


def test_imported_entries_continue_the_journal_in_date_order_sealed_and_balanced(api, app, engine, books):
    api.post("/api/v1/ecritures/", sale(), status=201)  # VTE-2026-000001, posted by hand
    rows = [
        "B;VTE;20/03/2026;FA-B;Facture B;4111;Client B;2 360;;C003",
        "B;VTE;20/03/2026;FA-B;Facture B;7011;Vente B;;2000;",
        "B;VTE;20/03/2026;FA-B;Facture B;4431;TVA;;360;",
        "A;VTE;2026-02-05;FA-A;Facture A;4111;Client A;1180;;C002",
        "A;VTE;2026-02-05;FA-A;Facture A;7011;;;1000;",
        "A;VTE;2026-02-05;FA-A;Facture A;4431;TVA;;180;",
    ]
    report = run_import(api, app, csv_file(rows))["resultat"]
    assert report["statut"] == "importe"
    found = api.get("/api/v1/ecritures/", journal="VTE").json["resultats"]
    by_ref = {e["piece"]: e for e in found}
    assert (by_ref["FA-A"]["numero"], by_ref["FA-B"]["numero"]) == ("VTE-2026-000002", "VTE-2026-000003")
    entry_a = api.get(f"/api/v1/ecritures/{by_ref['FA-A']['id']}/").json
    assert entry_a["statut"] == "validee"
    assert [
        (ln["compte"], ln["libelle"], ln["debit"], ln["credit"], ln["tiers"]) for ln in entry_a["lignes"]
    ] == [
        ("4111", "Client A", "1180", "0", "C002"),
        ("7011", "Facture A", "0", "1000", None),  # an empty line label takes the entry's
        ("4431", "TVA", "0", "180", None),
    ]
    after = api.post("/api/v1/ecritures/", sale(), status=201).json  # posting goes on after them
    assert after["numero"] == "VTE-2026-000004"
    balance = {r["compte"]: r for r in api.get("/api/v1/rapports/balance/", exercice="2026").json["lignes"]}
    assert balance["7011"]["solde_crediteur"] == str(1000 + 2000 + 2 * int(sale()["lignes"][1]["credit"]))
    with Session(engine) as s:
        assert verify.verify_company(s, books.company_id) == []


def test_every_kind_of_bad_row_is_named_with_its_reason(api, app, engine, books):
    api.post("/api/v1/exercices/2026/verrouillage/", {"periode": 1}, status=200)
    rows = [
        "E1;VTE;15/01/2026;;Janvier verrouillé;4111;;100;;",  # 2
        "E1;VTE;15/01/2026;;Janvier verrouillé;7011;;;100;",  # 3
        "E2;VTE;31/02/2026;;Date impossible;4111;;100;;",  # 4
        "E2;VTE;31/02/2026;;Date impossible;7011;;;100;",  # 5
        "E3;VTE;10/03/2027;;Hors exercice;4111;;100;;",  # 6
        "E3;VTE;10/03/2027;;Hors exercice;7011;;;100;",  # 7
        "E4;XYZ;10/03/2026;;Journal inconnu;4111;;100;;",  # 8
        "E4;XYZ;10/03/2026;;Journal inconnu;7011;;;100;",  # 9
        "E5;VTE;10/03/2026;;Déséquilibrée;4111;;100;;",  # 10
        "E5;VTE;10/03/2026;;Déséquilibrée;7011;;;90;",  # 11
        "E6;VTE;10/03/2026;;Une seule ligne;4111;;100;;",  # 12
        "E7;VTE;10/03/2026;;Regroupement;41;;100;;",  # 13
        "E7;VTE;10/03/2026;;Regroupement;7011;;;100,5;",  # 14
        "E8;VTE;10/03/2026;;Négatif;4111;;-100;;",  # 15
        "E8;VTE;10/03/2026;;Négatif;7011;;;0;",  # 16
        "E9;VTE;10/03/2026;;Bonne;4111;;100;;",  # 17
        "E9;VTE;11/03/2026;;Bonne;7011;;;100;",  # 18: another date for the same entry
        ";VTE;10/03/2026;;Sans numéro;4111;;100;;",  # 19
        "E10;VTE;10/03/2026;;;4111;;100;;",  # 20: no label
        "E11;AN;10/03/2026;;Achat aux à-nouveaux;6011;;100;;",  # 21
        "E11;AN;10/03/2026;;Achat aux à-nouveaux;4011;;;100;",  # 22
    ]
    report = run_import(api, app, csv_file(rows))["resultat"]
    by_line = {r["ligne"]: r["motifs"] for r in report["rejets"]}
    assert "la période du 01/01/2026 au 31/01/2026 est verrouillée" in by_line[2]
    assert by_line[4] == ["date invalide « 31/02/2026 » (JJ/MM/AAAA attendu)"]
    assert by_line[6] == ["aucun exercice ne couvre le 10/03/2027"]
    assert by_line[8] == ["journal inconnu : XYZ"]
    assert by_line[10][0].startswith("écriture déséquilibrée : débit 100, crédit 90 (écart 10)")
    assert next(r for r in report["rejets"] if r["ligne"] == 10)["lignes"] == [10, 11]
    assert by_line[12] == ["une écriture a au moins deux lignes"]
    assert "compte de regroupement" in by_line[13][0]
    assert by_line[14] == ["trop de décimales dans « 100,5 » : la devise en admet 0"]
    assert "montant négatif" in by_line[15][0]
    assert by_line[16] == ["montant nul : une ligne porte un débit ou un crédit"]
    assert by_line[18] == ["date différent de la ligne 17 de la même écriture"]
    assert by_line[19] == ["numéro d'écriture manquant"]
    assert by_line[20] == ["libellé manquant"]
    assert by_line[21] == [
        "le journal des à-nouveaux ne prend que l'ouverture de l'exercice, datée du 01/01/2026 : "
        "choisissez un autre journal",
        "le compte 6011 (classe 6) n'a pas sa place dans les à-nouveaux : comptes de bilan (classes 1 à 5) "
        "seulement",
    ]
    assert by_line[22][0].startswith("le journal des à-nouveaux ne prend que")
    assert report["statut"] == "refuse"
    assert counts(engine, books.company_id) == (0, 0, 0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "vide"),
        (b"\n\n", "vide"),
        (
            b"journal;date;compte\nVTE;01/01/2026;4111\n",
            "Colonnes manquantes dans l'en-tête : ecriture, libelle",
        ),
        (b"\x00\x01\x02binaire", "ni un CSV ni un classeur"),
        (b"une seule colonne\nx\n", "séparez les colonnes"),
        (b"PK\x03\x04pas vraiment un classeur", "Classeur XLSX illisible"),
    ],
)
def test_a_file_that_is_not_an_import_is_refused_at_once(api, engine, books, data, expected):
    found = submit(api, data, status=422).json
    assert expected in found["detail"]
    assert found["erreurs"][0]["champ"] == "fichier"
    assert counts(engine, books.company_id) == (0, 0, 0)


def test_the_request_itself_must_be_a_file_and_a_known_mode(api, app):
    api.testapp.post("/api/v1/imports/ecritures/", {"mode": "tout"}, headers=api.headers(), status=422)
    api.post_raw("/api/v1/imports/ecritures/", b"ecriture;journal", content_type="text/csv", status=422)
    bad_mode = submit(api, csv_file(sale_rows(2)), mode="moitie", status=422).json
    assert bad_mode["erreurs"][0]["champ"] == "mode"
    bad_choice = submit(api, csv_file(sale_rows(2)), creer_tiers="peut-etre", status=422).json
    assert bad_choice["erreurs"][0]["champ"] == "creer_tiers"


def test_a_row_s_tiers_must_be_registered_on_its_account_or_be_created_from_the_file(api, app, engine, books):
    rows = [
        "A;VTE;10/03/2026;FA-A;Facture A;4111;Client;1180;;C001",  # 2: registered, on its account
        "A;VTE;10/03/2026;FA-A;Facture A;7011;;;1180;",
        "B;VTE;11/03/2026;FA-B;Facture B;4011;Client;500;;C001",  # 4: C001 is kept on 4111
        "B;VTE;11/03/2026;FA-B;Facture B;7011;;;500;",
        "C;VTE;12/03/2026;FA-C;Facture C;4111;Client;700;;N001",  # 6: unknown
        "C;VTE;12/03/2026;FA-C;Facture C;7011;;;700;",
        "D;VTE;13/03/2026;FA-D;Facture D;4111;Client;900;;N001",  # 8: unknown (the same)
        "D;VTE;13/03/2026;FA-D;Facture D;7011;;;900;",
        "E;VTE;14/03/2026;FA-E;Facture E;4111;Client;300;;N 2",  # 10: not a code a register keeps
        "E;VTE;14/03/2026;FA-E;Facture E;7011;;;300;",
        "F;BQ;15/03/2026;RG-F;Règlement F;5211;;300;;N003",  # 12: a bank line names no new tiers
        "F;BQ;15/03/2026;RG-F;Règlement F;4111;;;300;",
    ]
    unknown = "tiers inconnu : N001 (enregistrez-le dans les tiers d'abord)"
    refused = run_import(api, app, csv_file(rows))["resultat"]
    by_line = {r["ligne"]: r["motifs"] for r in refused["rejets"]}
    assert by_line == {
        4: ["le tiers C001 est tenu sur le compte 4111, pas sur le compte 4011"],
        6: [unknown],
        8: [unknown],
        10: ["tiers inconnu : N 2 (enregistrez-le dans les tiers d'abord)"],
        12: ["tiers inconnu : N003 (enregistrez-le dans les tiers d'abord)"],
    }
    assert counts(engine, books.company_id) == (0, 0, 0)
    asked = run_import(api, app, csv_file(rows), creer_tiers="1", mode="valides")["resultat"]
    assert {r["ligne"]: r["motifs"] for r in asked["rejets"]} == {
        4: ["le tiers C001 est tenu sur le compte 4111, pas sur le compte 4011"],
        10: ["code tiers N 2 : lettres, chiffres, . _ - seulement, 40 caractères au plus"],
        12: ["le tiers N003 ne se crée pas sur le compte 5211 : un compte de tiers (classe 4) est attendu"],
    }
    assert (asked["statut"], asked["ecritures_importees"], asked["tiers_crees"]) == ("partiel", 3, 1)
    made = api.get("/api/v1/tiers/N001/").json
    assert (made["nom"], made["type"], made["compte"], made["solde"]) == ("N001", "client", "4111", "1600")


def test_an_empty_sheet_below_its_header_is_refused_by_the_task(api, app, engine, books):
    done = run_import(api, app, csv_file([]))
    assert (done["etat"], done["resultat"]["statut"]) == ("reussie", "refuse")
    assert done["resultat"]["message"] == (
        "Import refusé : Le fichier ne contient aucune ligne d'écriture sous son en-tête. Rien n'a été écrit."
    )
    assert counts(engine, books.company_id) == (0, 0, 0)


def test_a_xlsx_workbook_with_dates_and_numbers_imports(api, app, engine, books):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "N° écriture",
            "Journal",
            "Date",
            "Pièce",
            "Libellé",
            "Compte",
            "Libellé ligne",
            "Débit",
            "Crédit",
            "Tiers",
        ]
    )
    sheet.append(
        [
            1,
            "ACH",
            dt.datetime(2026, 4, 2),
            "F-77",
            "Achat fournitures",
            6041,
            "Fournitures",
            50000,
            None,
            None,
        ]
    )
    sheet.append(
        [1, "ACH", dt.datetime(2026, 4, 2), "F-77", "Achat fournitures", 4452, "TVA", 9000.0, None, None]
    )
    sheet.append(
        [
            1,
            "ACH",
            dt.datetime(2026, 4, 2),
            "F-77",
            "Achat fournitures",
            4011,
            "Fournisseur",
            None,
            59000,
            "F001",
        ]
    )
    # A number cell's dot is a decimal mark: 25.125 is no 25 125 FCFA (as typed text would be).
    sheet.append([2, "ACH", dt.datetime(2026, 4, 3), "F-78", "Achat arrondi", 6041, "", 25.125, None, None])
    sheet.append([2, "ACH", dt.datetime(2026, 4, 3), "F-78", "Achat arrondi", 4011, "", None, 25.125, None])
    buffer = io.BytesIO()
    book.save(buffer)
    report = run_import(api, app, buffer.getvalue(), mode="valides")["resultat"]
    assert (report["format"], report["disposition"], report["statut"]) == ("xlsx", "wisebook", "partiel")
    assert [(r["ligne"], r["motifs"]) for r in report["rejets"]] == [
        (5, ["trop de décimales dans « 25.125 » : la devise en admet 0"]),
        (6, ["trop de décimales dans « 25.125 » : la devise en admet 0"]),
    ]
    entry = api.get("/api/v1/ecritures/", journal="ACH").json["resultats"][0]
    assert (entry["piece"], entry["date_comptable"], entry["total"]) == ("F-77", "2026-04-02", "59000")


def test_a_fec_exported_by_one_company_imports_into_another_with_the_same_balance(api, app, engine, books):
    taxed = sale()
    taxed["lignes"][2].update(taxe="TVA18", base="100000")  # its tax code and base travel in the FEC
    api.post("/api/v1/ecritures/", taxed, status=201)
    api.post(
        "/api/v1/ecritures/",
        {
            "journal": "BQ",
            "date_comptable": "2026-03-10",
            "libelle": "Encaissement « spécial » | client",
            "lignes": [
                {"compte": "5211", "libelle": "Banque", "debit": "1180"},
                {"compte": "4111", "libelle": "Client", "credit": "1180", "tiers": "C001"},
            ],
            "valider": True,
        },
        status=201,
    )
    fec = api.get("/api/v1/exercices/2026/fec/").body
    before = api.get("/api/v1/rapports/balance/", exercice="2026").json["lignes"]
    # The same file into a second company of the same installation and user.
    with Session(engine) as s, s.begin():
        other = companies.create_company(s, "Filiale Import SA", "CI", None)
        years.create_fiscal_year(s, other.id, 2026)
        admin = s.scalar(select(models.User.id).where(models.User.email == books.admin_email))
        members.add_member(s, other.id, admin, "admin")
        other_id = other.id
    api_other = Api(api.testapp, api.token)
    headers = {"X-Societe": str(other_id)}

    def send(**form: str) -> dict[str, Any]:
        accepted = api.testapp.post(
            "/api/v1/imports/ecritures/",
            params=form,
            upload_files=[("fichier", "FEC2026.txt", fec, "text/plain")],
            headers=api_other.headers(headers),
            status=202,
        ).json
        app.registry.wisebook_queue.execute(accepted["id"])
        return dict(
            api.testapp.get(f"/api/v1/taches/{accepted['id']}/", headers=api_other.headers(headers)).json
        )

    # The filiale's register does not know C001: each of its rows is refused, nothing written.
    refused = send()["resultat"]
    assert refused["statut"] == "refuse" and counts(engine, other_id) == (0, 0, 0)
    assert {r["ligne"]: r["motifs"] for r in refused["rejets"]} == {
        2: ["tiers inconnu : C001 (enregistrez-le dans les tiers d'abord)"],
        6: ["tiers inconnu : C001 (enregistrez-le dans les tiers d'abord)"],
    }
    report = send(creer_tiers="1")  # asked to: registered from the file, under its CompAuxLib
    assert (report["resultat"]["disposition"], report["resultat"]["statut"]) == ("fec", "importe")
    assert report["resultat"]["tiers_crees"] == 1 and "1 tiers créés" in report["resultat"]["message"]
    made = api.testapp.get("/api/v1/tiers/C001/", headers=api_other.headers(headers)).json
    assert (made["nom"], made["type"], made["compte"], made["pays"]) == (
        "Client Kouassi",
        "client",
        "4111",
        "CI",
    )
    after = api.testapp.get(
        "/api/v1/rapports/balance/", params={"exercice": "2026"}, headers=api_other.headers(headers)
    ).json["lignes"]
    assert after == before
    vat_return = api.get("/api/v1/fiscalite/tva/", periode="2026-01").json["cases"]
    other_return = api.testapp.get(
        "/api/v1/fiscalite/tva/", params={"periode": "2026-01"}, headers=api_other.headers(headers)
    ).json["cases"]
    assert other_return == vat_return and ("100000", "18000") in [(b["base"], b["taxe"]) for b in vat_return]
    with Session(engine) as s:
        assert verify.verify_company(s, other_id) == []


@pytest.mark.postgresql
@pytest.mark.parametrize("pause_row_checks", [True, False])
def test_both_postgresql_write_paths_leave_the_same_sealed_books(engine, books, tmp_path, pause_row_checks):
    """With the row guards paused (the set checks in their place) or kept, the same result."""
    path = tmp_path / "ecritures.csv"
    path.write_bytes(csv_file(sale_rows(300)))
    with Session(engine) as s, s.begin():
        admin = s.scalar(select(models.User.id).where(models.User.email == books.admin_email))
        company = companies.company_for_user(s, admin, books.company_id)
        report = imports.run(
            s,
            company,
            path,
            filename="e.csv",
            sha256="a" * 64,
            user_id=admin,
            pause_row_checks=pause_row_checks,
        )
    assert (report["statut"], report["lignes_importees"]) == ("importe", 600)
    with Session(engine) as s:
        assert verify.verify_company(s, books.company_id) == []
        statuses = s.scalars(select(models.Entry.status).distinct()).all()
        assert statuses == [models.POSTED]


def test_a_file_over_the_import_bound_is_refused_before_it_is_read(engine, books, backend_settings):
    overrides = settings_overrides(
        backend_settings, wisebook_max_import_bytes=4096, wisebook_login_requests_per_minute=100_000
    )
    testapp = webtest.TestApp(make_config(overrides, engine=engine).make_wsgi_app())
    client = Api(testapp, login(testapp))
    too_big = client.testapp.post(
        "/api/v1/imports/ecritures/",
        upload_files=[("fichier", "gros.csv", csv_file(sale_rows(200)), "text/csv")],
        headers=client.headers(),
        status=413,
    ).json
    assert too_big["status"] == 413
    assert counts(engine, books.company_id) == (0, 0, 0)
    assert received(uploads.upload_dir(backend_settings, books.company_id)) == []


def xlsx_bomb(strings: int) -> bytes:
    """A small valid workbook whose shared strings table holds ``strings`` entries."""
    import zipfile

    book = openpyxl.Workbook()
    book.active.append(["N° écriture", "Journal", "Date", "Pièce", "Libellé", "Compte", "Débit", "Crédit"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                bomb.writestr(item, source.read(item.filename))
        bomb.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + b"<si><t>a</t></si>" * strings
            + b"</sst>",
        )
    return out.getvalue()


def test_a_workbook_past_its_bounds_is_refused_before_it_is_parsed(api, engine):
    data = xlsx_bomb(import_files.MAX_XLSX_SHARED_STRINGS + 1)
    assert len(data) < 200 * 1024  # a few KB of zip
    refused = submit(api, data, name="bombe.xlsx", status=422).json
    assert refused["erreurs"][0]["champ"] == "fichier"
    assert "nombre de textes" in refused["detail"] and "2 000 000" in refused["detail"]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(models.TaskRun)) == 0  # nothing queued


@pytest.mark.sqlite
def test_on_sqlite_other_writes_go_on_while_the_import_reads_its_file(
    api, app, engine, books, backend_settings, monkeypatch
):
    """The file is read and checked outside the write transaction: a write of another
    connection, made while the import opens the file, gets the lock at once."""
    import sqlite3

    path = backend_settings.database_url.removeprefix("sqlite:///")
    wrote: list[str] = []
    opened = imports.open_source

    def open_and_write_beside(file: Any) -> Any:
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            wrote.append("ok")
        except sqlite3.OperationalError as exc:
            wrote.append(str(exc))
        finally:
            other.close()
        return opened(file)

    accepted = submit(api, csv_file(sale_rows(200))).json
    monkeypatch.setattr(imports, "open_source", open_and_write_beside)
    app.registry.wisebook_queue.execute(accepted["id"])  # the worker's run
    assert api.get(f"/api/v1/taches/{accepted['id']}/").json["etat"] == "reussie"
    assert wrote == ["ok"]
    assert counts(engine, books.company_id)[:2] == (200, 400)


def test_books_changed_between_the_reading_and_the_write_are_checked_again(engine, books, tmp_path):
    """A period locked after the file was checked: the write sees it and refuses its rows."""
    path = tmp_path / "ecritures.csv"
    path.write_bytes(csv_file(sale_rows(40)))  # January 1 to February 9
    with Session(engine) as s, s.begin():
        admin = s.scalar(select(models.User.id).where(models.User.email == books.admin_email))
        company = companies.company_for_user(s, admin, books.company_id)
        assert company is not None
        prepared = imports.prepare(s, company, path)
    assert prepared.plan is not None and not prepared.plan.rejections
    with Session(engine) as s, s.begin():
        years.lock_periods(s, books.company_id, "2026", number=1)
    with Session(engine) as s, s.begin():
        report = imports.run(
            s, company, path, filename="e.csv", sha256="b" * 64, user_id=admin, prepared=prepared
        )
    assert report["statut"] == "refuse" and report["rejets_total"] == 62, (
        report
    )  # the rows of January's 31 sales
    assert "verrouillée" in str(report["rejets"][0]["motifs"])
    assert counts(engine, books.company_id) == (0, 0, 0)


def test_a_tab_separated_windows_1252_file_with_other_tools_formats_imports(api, app, engine, books):
    """What other tools export: tabs between columns, Windows-1252 text, FEC dates (AAAAMMJJ),
    amounts grouped with dots (``1.234.567,50``), accounts padded with zeros (``60110000``)."""
    with Session(engine) as s, s.begin():
        s.get(models.Company, books.company_id).currency = "EUR"  # cents, for the decimal comma
    rows = [
        "P1\tACH\t20260310\tFA-É1\tAchat café\t60110000\tCafé moulu\t1.234.567,50\t\t",
        "P1\tACH\t20260310\tFA-É1\tAchat café\t40110000\tBrûlerie\t\t1.234.567,50\tF001",
    ]
    data = ("\r\n".join([HEADER.replace(";", "\t"), *rows]) + "\r\n").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the fallback is what reads it
    report = run_import(api, app, data)["resultat"]
    assert (report["statut"], report["rejets_total"]) == ("importe", 0)
    found = api.get("/api/v1/ecritures/", journal="ACH").json["resultats"]
    assert len(found) == 1
    shown = api.get(f"/api/v1/ecritures/{found[0]['id']}/").json
    assert (shown["date_comptable"], shown["piece"], shown["libelle"]) == (
        "2026-03-10",
        "FA-É1",
        "Achat café",
    )
    assert [
        (ln["compte"], ln["libelle"], ln["debit"], ln["credit"], ln["tiers"]) for ln in shown["lignes"]
    ] == [
        ("6011", "Café moulu", "1234567.50", "0.00", None),
        ("4011", "Brûlerie", "0.00", "1234567.50", "F001"),
    ]


def test_past_10000_refused_rows_the_report_lists_the_first_10000_and_counts_them_all(
    api, app, engine, books
):
    rows = [row.replace(";4111;", ";9999;").replace(";7011;", ";9998;") for row in sale_rows(5001)]
    report = run_import(api, app, csv_file(rows))["resultat"]
    assert report["statut"] == "refuse"
    assert report["rejets_total"] == 10_002  # every row names an account the chart lacks
    assert len(report["rejets"]) == 10_000
    assert [r["ligne"] for r in report["rejets"][:2]] == [2, 3]
    assert report["rejets"][-1] == {
        "ligne": 10_001,
        "ecriture": "V04999",
        "motifs": ["compte inconnu : 9998"],
    }
    assert counts(engine, books.company_id) == (0, 0, 0)


def test_a_row_s_tax_code_and_base_are_checked_and_kept(api, app, engine, books):
    """The ``taxe`` and ``base`` columns: a VAT line's base must give its amount at the
    code's rate, the code must be the country's; a good file keeps them on its lines."""
    header = HEADER + ";taxe;base"
    common = "V1;VTE;05/01/2026;FA-1;Vente"
    rows = [
        f"{common};4111;Client;118000;;C001;;",
        f"{common};7011;Ventes;;100000;;;",
        f"{common};4431;TVA;;18000;;TVA18;100000",
        "V2;VTE;06/01/2026;FA-2;Export;4111;Client;50000;;C002;;",
        "V2;VTE;06/01/2026;FA-2;Export;7011;Ventes;;50000;;EXPORT;",
    ]
    bad = [
        *rows[:2],
        f"{common};4431;TVA;;18000;;TVA18;90000",
        *rows[3:4],
        "V2;VTE;06/01/2026;FA-2;Export;7011;Ventes;;50000;;TVA20;",
    ]
    refused = run_import(api, app, csv_file(bad, header))["resultat"]
    assert refused["statut"] == "refuse" and counts(engine, books.company_id)[0] == 0
    reasons = {r["ligne"]: r["motifs"] for r in refused["rejets"]}
    assert "18\u202f000" in reasons[4][0] and "90\u202f000" in reasons[4][0]
    assert reasons[6] == [
        "code de taxe inconnu pour Côte d'Ivoire : TVA20 (codes : TVA18, TVA9, EXPORT, EXO, HT)"
    ]
    done = run_import(api, app, csv_file(rows, header))["resultat"]
    assert done["statut"] == "importe"
    found = api.get("/api/v1/fiscalite/tva/", periode="2026-01").json
    boxes = {b["code"]: (b["base"], b["taxe"]) for b in found["cases"]}
    assert boxes["02D"] == ("100000", "18000") and boxes["02A"] == ("50000", None)
    with Session(engine) as s:
        assert verify.verify_company(s, books.company_id) == []
