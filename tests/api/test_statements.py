"""The SYSCOHADA statements of a first-year SARL, then of its second year, computed by hand.

Société Test SARL (Côte d'Ivoire, XOF, TVA 18 %), exercice 2026:

    02/01  capital paid in the bank              5211 D 10 000 000 / 1013 C 10 000 000
    10/01  office equipment on credit             2441 D 3 000 000, 4451 D 540 000 / 4811 C 3 540 000
    10/02  equipment supplier paid                4811 D 3 540 000 / 5211 C 3 540 000
    05/03  goods bought                           6011 D 2 000 000, 4452 D 360 000 / 4011 C 2 360 000
    05/04  half of it paid                        4011 D 1 180 000 / 5211 C 1 180 000
    15/06  goods sold                             4111 D 5 900 000 / 7011 C 5 000 000, 4431 C 900 000
    15/07  customer pays 4 720 000                5211 D 4 720 000 / 4111 C 4 720 000
    20/07  VAT return: collected = deductible     4431 D 900 000 / 4451 C 540 000, 4452 C 360 000
    31/12  rent of the year                       6222 D 1 200 000 / 5211 C 1 200 000
    31/12  salaries due, then paid                6611 D 1 500 000 / 422 C; 422 D / 5211 C 1 500 000
    31/12  depreciation 3 000 000 / 5 years       6813 D 600 000 / 2844 C 600 000

Bank: 10 000 000 − 3 540 000 − 1 180 000 + 4 720 000 − 1 200 000 − 1 500 000 = 7 300 000.
Customer 4111: 5 900 000 − 4 720 000 = 1 180 000. Supplier 4011: 2 360 000 − 1 180 000 = 1 180 000.

Compte de résultat 2026: TA 5 000 000, RA −2 000 000, XA 3 000 000, XB 5 000 000,
RH −1 200 000, XC = 5 000 000 − 2 000 000 − 1 200 000 = 1 800 000, RK −1 500 000, XD 300 000,
RL −600 000, XE −300 000, XF 0, XG −300 000, XH 0, XI −300 000 (a loss).

Bilan 2026: AM brut 3 000 000, amortissements 600 000, net 2 400 000 = AI = AZ; BI 1 180 000
= BG = BK; BS 7 300 000 = BT; BZ = 2 400 000 + 1 180 000 + 7 300 000 = 10 880 000.
CA 10 000 000, CJ −300 000, CP = DF 9 700 000; DJ 1 180 000 = DP; DZ 10 880 000 = BZ.

TFT 2026: ZA 0. FA (CAFG: the result without the 600 000 of depreciation) 300 000; FD −1 180 000
(customers grew); FE +1 180 000 (suppliers grew); ZB 300 000. FG −3 000 000 (equipment;
its supplier was paid within the year); ZC −3 000 000. FK 10 000 000 = ZD = ZF.
ZG = 300 000 − 3 000 000 + 10 000 000 = 7 300 000; ZH = 7 300 000 = BT − DT.

Exercice 2027, opened without à-nouveaux (the closing of 2026 is still to come):

    15/01  bank loan                              5211 D 2 000 000 / 162 C 2 000 000
    10/02  goods bought                           6011 D 2 500 000, 4452 D 450 000 / 4011 C 2 950 000
    20/02  suppliers paid (old and new)           4011 D 4 130 000 / 5211 C 4 130 000
    10/03  goods sold                             4111 D 7 080 000 / 7011 C 6 000 000, 4431 C 1 080 000
    10/04  customers pay 7 080 000                5211 D 7 080 000 / 4111 C 7 080 000
    30/06  VAT return, 630 000 due to the State   4431 D 1 080 000 / 4452 C 450 000, 4441 C 630 000
    31/12  rent, salaries (due then paid)         6222 D 1 200 000; 6611 D 1 800 000
    31/12  loan instalment and interest           162 D 400 000, 6711 D 100 000 / 5211 C 500 000
    31/12  closing stock of goods                 3111 D 500 000 / 6031 C 500 000
    31/12  depreciation                           6813 D 600 000 / 2844 C 600 000

Bank: 7 300 000 + 2 000 000 − 4 130 000 + 7 080 000 − 1 200 000 − 1 800 000 − 500 000 = 8 750 000.

Compte de résultat 2027: TA 6 000 000, RA −2 500 000, RB +500 000, XA 4 000 000;
XC = 6 000 000 − 2 500 000 + 500 000 − 1 200 000 = 2 800 000; RK −1 800 000, XD 1 000 000;
RL −600 000, XE 400 000; RM −100 000 = XF; XG 300 000 = XI.

Bilan 2027: AM net 1 800 000 (brut 3 000 000, amortissements 1 200 000); BB 500 000; BI 1 180 000;
BK 1 680 000; BS 8 750 000; BZ 12 230 000. CA 10 000 000; CH −300 000 (2026's loss, not yet
carried forward); CJ 300 000; CP 10 000 000; DA 1 600 000; DF 11 600 000; DK 630 000 = DP;
DZ 12 230 000.

TFT 2027: ZA 7 300 000. FA 900 000 (6 000 000 − 2 500 000 + 500 000 − 1 200 000 − 1 800 000
− 100 000); FC −500 000; FD 0; FE 630 000 − 1 180 000 = −550 000; ZB −150 000. ZC 0. ZD 0.
FO +2 000 000, FQ −400 000, ZE = ZF 1 600 000. ZG = −150 000 + 1 600 000 = 1 450 000;
ZH = 7 300 000 + 1 450 000 = 8 750 000 = BT − DT.
"""

from __future__ import annotations

from typing import Any

import pytest

BILAN = "/api/v1/rapports/bilan/"
CR = "/api/v1/rapports/compte-de-resultat/"
TFT = "/api/v1/rapports/flux-de-tresorerie/"


def post(api: Any, journal: str, day: str, label: str, *lines: tuple[str, int, int]) -> None:
    body = {
        "journal": journal,
        "date_comptable": day,
        "libelle": label,
        "lignes": [
            {"compte": account, "libelle": label, "debit": str(debit), "credit": str(credit)}
            for account, debit, credit in lines
        ],
        "valider": True,
    }
    api.post("/api/v1/ecritures/", body, status=201)


def first_year(api: Any) -> None:
    post(api, "BQ", "2026-01-02", "Capital", ("5211", 10_000_000, 0), ("1013", 0, 10_000_000))
    post(
        api,
        "ACH",
        "2026-01-10",
        "Matériel de bureau",
        ("2441", 3_000_000, 0),
        ("4451", 540_000, 0),
        ("4811", 0, 3_540_000),
    )
    post(
        api,
        "BQ",
        "2026-02-10",
        "Fournisseur d'immobilisation",
        ("4811", 3_540_000, 0),
        ("5211", 0, 3_540_000),
    )
    post(
        api,
        "ACH",
        "2026-03-05",
        "Marchandises",
        ("6011", 2_000_000, 0),
        ("4452", 360_000, 0),
        ("4011", 0, 2_360_000),
    )
    post(api, "BQ", "2026-04-05", "Fournisseur", ("4011", 1_180_000, 0), ("5211", 0, 1_180_000))
    post(
        api,
        "VTE",
        "2026-06-15",
        "Vente",
        ("4111", 5_900_000, 0),
        ("7011", 0, 5_000_000),
        ("4431", 0, 900_000),
    )
    post(api, "BQ", "2026-07-15", "Client", ("5211", 4_720_000, 0), ("4111", 0, 4_720_000))
    post(
        api,
        "OD",
        "2026-07-20",
        "Déclaration de TVA",
        ("4431", 900_000, 0),
        ("4451", 0, 540_000),
        ("4452", 0, 360_000),
    )
    post(api, "BQ", "2026-12-31", "Loyer", ("6222", 1_200_000, 0), ("5211", 0, 1_200_000))
    post(api, "OD", "2026-12-31", "Salaires", ("6611", 1_500_000, 0), ("422", 0, 1_500_000))
    post(api, "BQ", "2026-12-31", "Paie", ("422", 1_500_000, 0), ("5211", 0, 1_500_000))
    post(api, "OD", "2026-12-31", "Amortissements", ("6813", 600_000, 0), ("2844", 0, 600_000))


def second_year(api: Any) -> None:
    api.post("/api/v1/exercices/", {"annee": 2027}, status=201)
    post(api, "BQ", "2027-01-15", "Emprunt", ("5211", 2_000_000, 0), ("162", 0, 2_000_000))
    post(
        api,
        "ACH",
        "2027-02-10",
        "Marchandises",
        ("6011", 2_500_000, 0),
        ("4452", 450_000, 0),
        ("4011", 0, 2_950_000),
    )
    post(api, "BQ", "2027-02-20", "Fournisseurs", ("4011", 4_130_000, 0), ("5211", 0, 4_130_000))
    post(
        api,
        "VTE",
        "2027-03-10",
        "Vente",
        ("4111", 7_080_000, 0),
        ("7011", 0, 6_000_000),
        ("4431", 0, 1_080_000),
    )
    post(api, "BQ", "2027-04-10", "Clients", ("5211", 7_080_000, 0), ("4111", 0, 7_080_000))
    post(
        api,
        "OD",
        "2027-06-30",
        "Déclaration de TVA",
        ("4431", 1_080_000, 0),
        ("4452", 0, 450_000),
        ("4441", 0, 630_000),
    )
    post(api, "BQ", "2027-12-31", "Loyer", ("6222", 1_200_000, 0), ("5211", 0, 1_200_000))
    post(api, "OD", "2027-12-31", "Salaires", ("6611", 1_800_000, 0), ("422", 0, 1_800_000))
    post(api, "BQ", "2027-12-31", "Paie", ("422", 1_800_000, 0), ("5211", 0, 1_800_000))
    post(
        api,
        "BQ",
        "2027-12-31",
        "Échéance d'emprunt",
        ("162", 400_000, 0),
        ("6711", 100_000, 0),
        ("5211", 0, 500_000),
    )
    post(api, "OD", "2027-12-31", "Stock final", ("3111", 500_000, 0), ("6031", 0, 500_000))
    post(api, "OD", "2027-12-31", "Amortissements", ("6813", 600_000, 0), ("2844", 0, 600_000))


def amounts(report: dict[str, Any], column: str = "net") -> dict[str, int]:
    """Every line's amount in a column, as integers (XOF has no decimals)."""
    return {(f"{line['code']}"): int(line[column]) for line in report["lignes"] if column in line}


def controls(report: dict[str, Any]) -> dict[str, bool]:
    return {c["nom"]: c["ok"] for c in report["controles"]}


def nonzero(values: dict[str, int]) -> dict[str, int]:
    return {code: v for code, v in values.items() if v}


def test_first_year_compte_de_resultat(api):
    first_year(api)
    report = api.get(CR, exercice="2026").json
    assert nonzero(amounts(report)) == {
        "TA": 5_000_000,
        "RA": -2_000_000,
        "XA": 3_000_000,
        "XB": 5_000_000,
        "RH": -1_200_000,
        "XC": 1_800_000,
        "RK": -1_500_000,
        "XD": 300_000,
        "RL": -600_000,
        "XE": -300_000,
        "XG": -300_000,
        "XI": -300_000,
    }
    assert all(controls(report).values()), report["controles"]
    assert nonzero(amounts(report, "net_precedent")) == {}
    notes = {line["code"]: line["note"] for line in report["lignes"]}
    assert (notes["TA"], notes["RL"], notes["TN"], notes["XI"]) == ("21", "3C&28", "3D", None)


def test_first_year_bilan(api):
    first_year(api)
    report = api.get(BILAN, exercice="2026").json
    assert nonzero(amounts(report, "brut")) == {
        "AM": 3_000_000,
        "AI": 3_000_000,
        "AZ": 3_000_000,
        "BI": 1_180_000,
        "BG": 1_180_000,
        "BK": 1_180_000,
        "BS": 7_300_000,
        "BT": 7_300_000,
        "BZ": 11_480_000,
    }
    assert nonzero(amounts(report, "amortissements")) == {
        "AM": 600_000,
        "AI": 600_000,
        "AZ": 600_000,
        "BZ": 600_000,
    }
    assert nonzero(amounts(report)) == {
        "AM": 2_400_000,
        "AI": 2_400_000,
        "AZ": 2_400_000,
        "BI": 1_180_000,
        "BG": 1_180_000,
        "BK": 1_180_000,
        "BS": 7_300_000,
        "BT": 7_300_000,
        "BZ": 10_880_000,
        "CA": 10_000_000,
        "CJ": -300_000,
        "CP": 9_700_000,
        "DF": 9_700_000,
        "DJ": 1_180_000,
        "DP": 1_180_000,
        "DZ": 10_880_000,
    }
    assert controls(report) == {
        "Total actif (BZ) = total passif (DZ)": True,
        "Tous les comptes sont classés": True,
    }
    sections = {line["code"]: line.get("section") for line in report["lignes"]}
    assert sections["AD"] == "actif" and sections["DZ"] == "passif"
    # The Note column of the model: the note of the notes annexes each line refers to.
    notes = {line["code"]: line["note"] for line in report["lignes"]}
    assert (notes["AD"], notes["BI"], notes["BS"], notes["CE"], notes["DJ"]) == ("3", "7", "11", "3e", "17")
    assert notes["AE"] is None and notes["BZ"] is None and notes["CJ"] is None


def test_first_year_flux_de_tresorerie(api):
    first_year(api)
    report = api.get(TFT, exercice="2026").json
    assert nonzero(amounts(report)) == {
        "FA": 300_000,
        "FD": -1_180_000,
        "FE": 1_180_000,
        "ZB": 300_000,
        "FG": -3_000_000,
        "ZC": -3_000_000,
        "FK": 10_000_000,
        "ZD": 10_000_000,
        "ZF": 10_000_000,
        "ZG": 7_300_000,
        "ZH": 7_300_000,
    }
    assert all(controls(report).values()), report["controles"]


def test_second_year_with_n_minus_1_and_the_tft_opening(api):
    first_year(api)
    second_year(api)
    cr = api.get(CR, exercice="2027").json
    assert nonzero(amounts(cr)) == {
        "TA": 6_000_000,
        "RA": -2_500_000,
        "RB": 500_000,
        "XA": 4_000_000,
        "XB": 6_000_000,
        "RH": -1_200_000,
        "XC": 2_800_000,
        "RK": -1_800_000,
        "XD": 1_000_000,
        "RL": -600_000,
        "XE": 400_000,
        "RM": -100_000,
        "XF": -100_000,
        "XG": 300_000,
        "XI": 300_000,
    }
    assert amounts(cr, "net_precedent")["XI"] == -300_000
    assert amounts(cr, "net_precedent")["XD"] == 300_000
    assert all(controls(cr).values()), cr["controles"]

    bilan = api.get(BILAN, exercice="2027").json
    assert nonzero(amounts(bilan)) == {
        "AM": 1_800_000,
        "AI": 1_800_000,
        "AZ": 1_800_000,
        "BB": 500_000,
        "BI": 1_180_000,
        "BG": 1_180_000,
        "BK": 1_680_000,
        "BS": 8_750_000,
        "BT": 8_750_000,
        "BZ": 12_230_000,
        "CA": 10_000_000,
        "CH": -300_000,
        "CJ": 300_000,
        "CP": 10_000_000,
        "DA": 1_600_000,
        "DD": 1_600_000,
        "DF": 11_600_000,
        "DK": 630_000,
        "DP": 630_000,
        "DZ": 12_230_000,
    }
    assert amounts(bilan, "amortissements")["AM"] == 1_200_000
    previous = amounts(bilan, "net_precedent")
    assert (previous["AM"], previous["BS"], previous["BZ"], previous["CJ"], previous["DZ"]) == (
        2_400_000,
        7_300_000,
        10_880_000,
        -300_000,
        10_880_000,
    )
    assert all(controls(bilan).values()), bilan["controles"]

    tft = api.get(TFT, exercice="2027").json
    assert nonzero(amounts(tft)) == {
        "ZA": 7_300_000,
        "FA": 900_000,
        "FC": -500_000,
        "FE": -550_000,
        "ZB": -150_000,
        "FO": 2_000_000,
        "FQ": -400_000,
        "ZE": 1_600_000,
        "ZF": 1_600_000,
        "ZG": 1_450_000,
        "ZH": 8_750_000,
    }
    assert amounts(tft, "net_precedent")["ZH"] == 7_300_000
    assert all(controls(tft).values()), tft["controles"]


def test_a_nouveaux_entered_by_hand_give_the_same_position(api):
    """Opening 2027 on à-nouveaux (2026's loss carried to 1291) gives the same Bilan."""
    first_year(api)
    second_year(api)
    without = amounts(api.get(BILAN, exercice="2027").json)
    post(
        api,
        "AN",
        "2027-01-01",
        "À-nouveaux",
        ("2441", 3_000_000, 0),
        ("2844", 0, 600_000),
        ("4111", 1_180_000, 0),
        ("5211", 7_300_000, 0),
        ("1291", 300_000, 0),
        ("1013", 0, 10_000_000),
        ("4011", 0, 1_180_000),
    )
    report = api.get(BILAN, exercice="2027").json
    assert amounts(report) == without
    assert all(controls(report).values())
    tft = api.get(TFT, exercice="2027").json
    assert amounts(tft)["ZA"] == 7_300_000 and all(controls(tft).values())


def test_a_situation_at_a_date_inside_the_year(api):
    first_year(api)
    report = api.get(BILAN, exercice="2026", au="2026-06-20").json
    # Capital, equipment and its paid supplier, goods bought and half paid, the sale.
    values = amounts(report)
    assert values["BS"] == 10_000_000 - 3_540_000 - 1_180_000
    assert values["BI"] == 5_900_000
    assert values["BZ"] == values["DZ"]
    assert values["CJ"] == 5_000_000 - 2_000_000


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"exercice": "1999"}, 404, None),
        ({"exercice": "2026", "au": "2027-03-01"}, 422, "au"),
        ({"exercice": "2026", "du": "2026-02-01"}, 422, "du"),
        ({"exercice": "2026", "au": "31/12/2026"}, 422, "au"),
    ],
)
def test_bad_parameters_are_problems(api, params, status, field):
    for url in (BILAN, CR, TFT):
        response = api.get(url, status=status, **params)
        assert response.content_type == "application/problem+json"
        if field:
            assert [e["champ"] for e in response.json["erreurs"]] == [field]
