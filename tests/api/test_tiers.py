"""The tiers register: customers, suppliers and staff with their checked identifiers, found by
code, name or identifier without accents, with their balance, what is due and overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.test_closing import entry, keep_2026, run_closing
from tests.api.test_reports import _pdf_pages

TIERS = "/api/v1/tiers/"
ENTRIES = "/api/v1/ecritures/"


def customer(code: str = "CL01", **extra: object) -> dict[str, object]:
    return {"code": code, "nom": "Société Ivoirienne de Négoce", "type": "client", **extra}


def test_a_customer_is_registered_with_its_identifiers_and_read_back(api):
    made = api.post(
        TIERS,
        customer(
            numero_fiscal="1234567 a",
            rccm="ci-abj-2019-b-4521",
            adresse="Rue du Commerce, Plateau, Abidjan",
            email="compta@sin.ci",
            telephone="+225 07 08 09 10 11",
            comptes_bancaires=["CI93 CI008 01113 011342912005 89"],
            delai_paiement=30,
        ),
        status=201,
    ).json
    assert made["compte"] == "4111" and made["pays"] == "CI"  # the kind's account, the company's country
    assert (made["numero_fiscal"], made["numero_fiscal_nom"], made["rccm"]) == (
        "1234567A",
        "NCC",
        "CI-ABJ-2019-B-4521",
    )
    assert made["comptes_bancaires"] == ["CI93CI0080111301134291200589"]
    supplier = api.post(
        TIERS, {"code": "FR01", "nom": "Fournitures Dépôt Sarl", "type": "fournisseur"}, status=201
    )
    assert supplier.json["compte"] == "4011"
    read = api.get(f"{TIERS}CL01/").json
    assert (read["solde"], read["du"], read["echu"]) == ("0", "0", "0")
    assert api.post(TIERS, customer(), status=409).json["erreurs"][0]["champ"] == "code"


def test_every_bad_field_of_a_tiers_is_said_at_once_and_nothing_is_written(api):
    refused = api.post(
        TIERS,
        customer(
            numero_fiscal="123",
            rccm="n'importe quoi",
            email="pas-une-adresse",
            comptes_bancaires=["CI93 CI008 01113 011342912005 88"],
            compte="4011",
        ),
        status=422,
    ).json
    fields = {e["champ"]: e["message"] for e in refused["erreurs"]}
    assert set(fields) == {"numero_fiscal", "rccm", "email", "comptes_bancaires[0]", "compte"}
    assert fields["numero_fiscal"] == "NCC mal formé : il s'écrit comme 1234567 A (7 chiffres et une lettre)."
    assert "clé de contrôle" in fields["comptes_bancaires[0]"]
    assert "compte collectif 41" in fields["compte"]
    assert "CL01" not in [t["code"] for t in api.get(TIERS).json["resultats"]]


@pytest.mark.parametrize(
    ("country", "good", "kept", "bad"),
    [
        ("CI", "1234567 A", "1234567A", "12345678"),  # NCC: seven digits and a letter
        ("SN", "3067221 2G2", "30672212G2", "3067222"),  # NINEA: its check digit
        ("BJ", "3200901353510", "3200901353510", "7200901353510"),  # IFU: 13 digits, kind 1–6
        ("BF", "00012345X", "00012345X", "?"),  # IFU: a plausible number only
        ("ML", "081234567M", "081234567M", "1"),
        ("CM", "M051200012345A", "M051200012345A", "M0512-#"),
        ("FR", "732 829 320", "732829320", "732829321"),  # SIREN: Luhn
        ("FR", "732 829 320 00074", "73282932000074", "73282932000075"),  # SIRET
    ],
)
def test_each_country_s_tax_number_is_checked_as_far_as_its_format_is_known(api, country, good, kept, bad):
    made = api.post(
        TIERS, customer(f"T{country}{len(good)}", pays=country, numero_fiscal=good), status=201
    ).json
    assert made["numero_fiscal"] == kept
    refused = api.patch(f"{TIERS}{made['code']}/", {"numero_fiscal": bad}, status=422).json
    assert refused["erreurs"][0]["champ"] == "numero_fiscal"
    assert api.get(f"{TIERS}{made['code']}/").json["numero_fiscal"] == kept  # unchanged


def test_tiers_are_found_by_code_name_or_identifier_without_accents_page_after_page(api):
    for n, name in enumerate(
        ["Dépôt Pharmaceutique", "Boulangerie Étoile", "Garage Central", "Dépannage Rapide"]
    ):
        api.post(TIERS, customer(f"CL{n:02d}", nom=name, numero_fiscal=f"765432{n} B"), status=201)
    api.post(TIERS, {"code": "FR01", "nom": "Dépôt de Bois", "type": "fournisseur"}, status=201)
    names = lambda **q: [t["nom"] for t in api.get(TIERS, **q).json["resultats"]]  # noqa: E731
    assert names(q="depot") == ["Dépôt Pharmaceutique", "Dépôt de Bois"]
    assert names(q="DEPOT", type="fournisseur") == ["Dépôt de Bois"]
    assert names(q="etoile") == ["Boulangerie Étoile"]
    assert names(q="7654322") == ["Garage Central"]  # by its NCC
    first = api.get(TIERS, limite="2", q="cl0").json
    assert [t["code"] for t in first["resultats"]] == ["CL00", "CL01"] and first["suivant"] == "CL01"
    following = api.get(TIERS, limite="2", q="cl0", apres=first["suivant"]).json
    assert [t["code"] for t in following["resultats"]] == ["CL02", "CL03"]
    api.patch(f"{TIERS}CL03/", {"archive": True}, status=200)
    assert "Dépannage Rapide" not in names() and "Dépannage Rapide" in names(archives="1")


def test_a_customer_s_balance_what_is_due_and_what_is_past_its_term(api):
    api.patch(f"{TIERS}C001/", {"delai_paiement": 30}, status=200)
    today = dt.date(2026, 11, 30)
    old, recent = (today - dt.timedelta(days=45)).isoformat(), (today - dt.timedelta(days=5)).isoformat()
    for day, amount in ((old, 100_000), (recent, 50_000)):
        api.post(
            "/api/v1/ecritures/",
            entry(day, "Facture", [("4111", amount, 0, "C001"), ("7011", 0, amount, None)]),
            status=201,
        )
    api.post(
        "/api/v1/ecritures/",
        entry(recent, "Acompte", [("5211", 30_000, 0, None), ("4111", 0, 30_000, "C001")]),
        status=201,
    )
    read = api.get(f"{TIERS}C001/", au=today.isoformat()).json
    # 150 000 invoiced, 30 000 paid; only the invoice of 45 days ago is past its 30 days.
    assert (read["solde"], read["du"], read["echu"]) == ("120000", "120000", "100000")
    listed = api.get(TIERS, q="C001").json["resultats"][0]
    assert (listed["solde"], listed["du"]) == ("120000", "120000")


def test_a_line_names_a_registered_tiers_kept_on_the_line_s_account_or_nothing_is_written(api):
    lines = [("4111", 10_000, 0, "C999"), ("4011", 0, 5_000, "C001"), ("5211", 0, 5_000, "F001")]
    for post in (True, False):  # a draft too: its tiers are said when it is saved
        refused = api.post(ENTRIES, entry("2026-01-10", "Facture", lines, post=post), status=422).json
        assert {e["champ"]: e["message"] for e in refused["erreurs"]} == {
            "lignes[0].tiers": "Tiers inconnu : C999 (enregistrez-le dans les tiers d'abord).",
            "lignes[1].tiers": "Le tiers C001 est tenu sur le compte 4111, pas sur le compte 4011.",
            "lignes[2].tiers": "Le tiers F001 est tenu sur le compte 4011, pas sur le compte 5211.",
        }
    assert api.get(ENTRIES).json["resultats"] == []
    made = api.post(
        ENTRIES, entry("2026-01-10", "Facture", [("4111", 10_000, 0, "C001"), ("7011", 0, 10_000, None)])
    )
    # a reversal repeats the lines it reverses, whatever became of their tiers since
    api.patch(f"{TIERS}C001/", {"compte": "4112"}, status=200)
    api.post(f"{ENTRIES}{made.json['id']}/extourne/", {"date_comptable": "2026-01-20"}, status=201)


def test_a_company_can_require_the_tiers_on_its_customer_and_supplier_lines(api):
    cash_sale = entry("2026-01-12", "Vente comptant", [("4111", 12_000, 0, None), ("7011", 0, 12_000, None)])
    api.post(ENTRIES, cash_sale, status=201)  # not asked: a line without its tiers is kept
    assert api.get("/api/v1/societe/").json["tiers_obligatoire"] is False
    assert api.patch("/api/v1/societe/", {"tiers_obligatoire": True}).json["tiers_obligatoire"] is True
    refused = api.post(ENTRIES, cash_sale, status=422).json
    assert refused["erreurs"] == [
        {
            "champ": "lignes[0].tiers",
            "message": "Le compte 4111 demande un tiers : choisissez le client ou le fournisseur.",
        }
    ]
    draft = api.post(ENTRIES, {**cash_sale, "valider": False}, status=201).json  # a draft may wait for it
    assert (
        api.post(f"{ENTRIES}{draft['id']}/validation/", status=422).json["erreurs"][0]["champ"]
        == "lignes[0].tiers"
    )
    rent = entry("2026-01-12", "Loyer", [("6222", 5_000, 0, None), ("5211", 0, 5_000, None)])
    api.post(ENTRIES, rent, status=201)  # other accounts ask for nothing
    api.patch("/api/v1/societe/", {"tiers_obligatoire": "oui"}, status=422)


def test_the_statement_of_account_opens_on_what_came_before_and_letters_each_line(api):
    api.patch(f"{TIERS}C001/", {"nom": "Société Ivoirienne de Négoce"}, status=200)
    for day, label, lines in (
        ("2026-01-10", "Facture FA-1", [("4111", 118_000, 0, "C001"), ("7011", 0, 118_000, None)]),
        ("2026-02-05", "Règlement FA-1", [("5211", 118_000, 0, None), ("4111", 0, 118_000, "C001")]),
        ("2026-03-12", "Facture FA-2", [("4111", 59_000, 0, "C001"), ("7011", 0, 59_000, None)]),
        ("2026-03-20", "Facture d'un autre", [("4111", 7_000, 0, "C002"), ("7011", 0, 7_000, None)]),
    ):
        api.post("/api/v1/ecritures/", entry(day, label, lines), status=201)
    found = {
        ln["libelle"]: ln["id"]
        for ln in api.get("/api/v1/lettrages/lignes/", compte="4111").json["resultats"]
    }
    api.post("/api/v1/lettrages/", {"lignes": [found["Facture FA-1"], found["Règlement FA-1"]]}, status=201)

    sent = api.get(f"{TIERS}C001/releve/", du="2026-02-01", au="2026-03-31").json
    assert (sent["compte"], sent["solde_ouverture"], sent["solde_cloture"]) == ("4111", "118000", "59000")
    assert [
        (x["date"], x["libelle"], x["debit"], x["credit"], x["solde"], x["lettrage"]) for x in sent["lignes"]
    ] == [
        ("2026-02-05", "Règlement FA-1", "0", "118000", "0", "A"),
        ("2026-03-12", "Facture FA-2", "59000", "0", "59000", None),
    ]
    pdf = api.get(f"{TIERS}C001/releve/", du="2026-02-01", au="2026-03-31", format="pdf")
    assert "releve-c001-" in pdf.headers["Content-Disposition"]
    text = " ".join(_pdf_pages(pdf))
    assert "Relevé de compte C001 · Société Ivoirienne de Négoce" in text
    assert "Solde d'ouverture" in text and "118 000 D" in text and "Solde de clôture" in text
    assert "Facture d'un autre" not in text  # another tiers' line
    api.get(f"{TIERS}C001/releve/", du="2026-04-01", au="2026-03-31", status=422)  # reversed dates


def test_the_balance_by_tiers_sums_to_each_collective_account_whatever_the_period(api, app):
    keep_2026(api)
    api.patch(f"{TIERS}C001/", {"nom": "Client Un"}, status=200)
    run_closing(api, app)  # 2027 opens on the à-nouveaux of 4111 and 4011, line by tiers
    for day, lines in (
        ("2027-01-10", [("4111", 80_000, 0, "C002"), ("7011", 0, 80_000, None)]),
        ("2027-01-20", [("5211", 150_000, 0, None), ("4111", 0, 150_000, "C001")]),
        ("2027-02-03", [("4111", 12_000, 0, None), ("7011", 0, 12_000, None)]),  # no tiers named
        ("2027-02-14", [("6011", 40_000, 0, None), ("4011", 0, 40_000, "F001")]),
    ):
        api.post("/api/v1/ecritures/", entry(day, "Mouvement", lines), status=201)
    for period in ({}, {"du": "2027-01-01", "au": "2027-01-31"}, {"du": "2027-01-15", "au": "2027-02-10"}):
        by_tiers = api.get("/api/v1/rapports/balance/", exercice="2027", par="tiers", **period).json
        accounts = {
            row["compte"]: row
            for row in api.get("/api/v1/rapports/balance/", exercice="2027", **period).json["lignes"]
        }
        for total in by_tiers["comptes"]:  # each account's tiers add up to its line of the balance
            line = {k: v for k, v in accounts[total["compte"]].items() if k not in ("compte", "libelle")}
            assert {k: v for k, v in total.items() if k != "compte"} == line, (period, total["compte"])
        assert {t["compte"] for t in by_tiers["comptes"]} == {"4011", "4111"}
    pdf = api.get("/api/v1/rapports/balance/", exercice="2027", par="tiers", format="pdf")
    assert "balance-tiers-" in pdf.headers["Content-Disposition"]
    text = " ".join(_pdf_pages(pdf))
    assert "Balance auxiliaire des tiers" in text and "Total du compte 4111" in text and "Client Un" in text
    ranged = api.get("/api/v1/rapports/balance/", exercice="2027", par="tiers", comptes="401-401").json
    assert {r["compte"] for r in ranged["lignes"]} == {"4011"}
    whole = api.get("/api/v1/rapports/balance/", exercice="2027", par="tiers", comptes="411").json["lignes"]
    assert [(r["tiers"], r["nom"], r["ouverture_debit"], r["debit"], r["credit"]) for r in whole] == [
        (None, "", "0", "12000", "0"),
        ("C001", "Client Un", "150000", "0", "150000"),
        ("C002", "Client Bamba", "200000", "80000", "0"),
    ]


def test_the_lettrage_and_the_aged_balance_name_each_registered_tiers(api):
    api.patch(f"{TIERS}C001/", {"nom": "Boulangerie Étoile"}, status=200)
    for day, label, lines in (
        ("2026-01-10", "Facture", [("4111", 59_000, 0, "C001"), ("7011", 0, 59_000, None)]),
        ("2026-02-10", "Règlement", [("5211", 59_000, 0, None), ("4111", 0, 59_000, "C001")]),
        ("2026-03-10", "Facture", [("4111", 7_000, 0, "C002"), ("7011", 0, 7_000, None)]),
    ):
        api.post("/api/v1/ecritures/", entry(day, label, lines), status=201)
    lines = api.get("/api/v1/lettrages/lignes/", compte="4111").json["resultats"]
    assert {(ln["tiers"], ln["nom_tiers"]) for ln in lines} == {
        ("C001", "Boulangerie Étoile"),
        ("C002", "Client Bamba"),
    }
    proposed = api.get("/api/v1/lettrages/propositions/", compte="4111").json["resultats"]
    assert [(p["tiers"], p["nom_tiers"]) for p in proposed] == [("C001", "Boulangerie Étoile")]
    aged = api.get("/api/v1/rapports/balance-agee/", comptes="411", au="2026-03-31").json["lignes"]
    # C001's invoice and payment are open in two age buckets, netting to nothing.
    assert [(r["tiers"], r["nom_tiers"], r["total"]) for r in aged] == [
        ("C001", "Boulangerie Étoile", "0"),
        ("C002", "Client Bamba", "7000"),
    ]
