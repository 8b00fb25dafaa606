"""The monthly VAT return: tax codes on lines, the boxes of Côte d'Ivoire, Sénégal and
Cameroun computed by hand, the controls, the drill-down, the settlement and the next month."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from wisebook.db import models

VAT = "/api/v1/fiscalite/tva/"


def settle_url(month: str) -> str:
    return f"{VAT}{month}/liquidation/"


def entry(day: str, label: str, *lines: tuple[Any, ...], journal: str = "OD") -> dict[str, Any]:
    """An entry to post: each line (account, debit, credit, tax code, base, tiers)."""
    body_lines = []
    for account, debit, credit, *rest in lines:
        line: dict[str, Any] = {
            "compte": account,
            "libelle": label,
            "debit": str(debit),
            "credit": str(credit),
        }
        tax = rest[0] if rest else None
        base = rest[1] if len(rest) > 1 else None
        partner = rest[2] if len(rest) > 2 else None
        if tax:
            line["taxe"] = tax
        if base is not None:
            line["base"] = str(base)
        if partner:
            line["tiers"] = partner
        body_lines.append(line)
    return {
        "journal": journal,
        "date_comptable": day,
        "libelle": label,
        "lignes": body_lines,
        "valider": True,
    }


def post(api, body: dict[str, Any]) -> dict[str, Any]:
    answer = api.post("/api/v1/ecritures/", body, status=201)
    return answer.json


def boxes(answer: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
    return {b["code"]: (b["base"], b["taxe"]) for b in answer["cases"]}


def settlement_lines(answer: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((ln["compte"], ln["debit"], ln["credit"]) for ln in answer["ecriture"]["lignes"])


def count_entries(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.Entry)))


def set_country(engine, company_id: int, country: str, currency: str) -> None:
    with Session(engine) as s, s.begin():
        s.execute(
            update(models.Company)
            .where(models.Company.id == company_id)
            .values(country=country, currency=currency)
        )


def test_cote_d_ivoire_a_month_at_each_rate_settled_and_the_credit_carried(api, books):
    """Côte d'Ivoire, by hand.

    January: a machine bought 5 000 000 HT, VAT 18 % 900 000 on 4451. Settled: nothing
    collected, 900 000 deducted → credit carried 900 000 (4449 D, 4451 C).

    February:
    - sale at 18 %: base 5 000 000, VAT 900 000;  sale at 9 %: base 2 000 000, VAT 180 000;
    - export 3 000 000; exempt sale 1 000 000;
    - credit note at 18 %: base 500 000, VAT 90 000 (debits 7011 and 4431);
    - goods bought: base 3 000 000, VAT 540 000 (4452); office equipment: base 1 500 000,
      VAT 270 000 (4451).
    Boxes: 02A 3 000 000; 02B 1 000 000; 02C 0; 02D 4 500 000 / 810 000; 02E 2 000 000 / 180 000;
    02 10 500 000 / 990 000; 03 6 500 000; 05 990 000; 06A 1 500 000 / 270 000;
    06B 3 000 000 / 540 000; 06C 900 000; 06 1 710 000; 07 0; 08 720 000.
    Settlement: 4431 D 990 000; 4451 C 270 000; 4452 C 540 000; 4449 C 180 000 (900 000 used,
    720 000 carried).

    March: a sale at 18 %, base 10 000 000, VAT 1 800 000: 06C 720 000, 07 1 080 000 due.
    Settlement: 4431 D 1 800 000; 4449 C 720 000; 4441 C 1 080 000.
    """
    post(
        api,
        entry(
            "2026-01-20",
            "Machine",
            ("2411", 5000000, 0),
            ("4451", 900000, 0, "TVA18", 5000000),
            ("4011", 0, 5900000, None, None, "F001"),
            journal="ACH",
        ),
    )
    january = api.get(VAT, periode="2026-01").json
    assert boxes(january)["06A"] == ("5000000", "900000")
    assert (january["tva_due"], january["credit_a_reporter"]) == ("0", "900000")
    settled = api.post(settle_url("2026-01"), status=201).json
    assert settlement_lines(settled) == [("4449", "900000", "0"), ("4451", "0", "900000")]

    post(
        api,
        entry(
            "2026-02-03",
            "Vente 18 %",
            ("4111", 5900000, 0, None, None, "C001"),
            ("7011", 0, 5000000),
            ("4431", 0, 900000, "TVA18", 5000000),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-02-04",
            "Vente 9 %",
            ("4111", 2180000, 0, None, None, "C001"),
            ("7011", 0, 2000000),
            ("4431", 0, 180000, "TVA9", 2000000),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-02-05",
            "Export",
            ("4111", 3000000, 0, None, None, "C002"),
            ("7011", 0, 3000000, "EXPORT"),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-02-06",
            "Vente exonérée",
            ("4111", 1000000, 0, None, None, "C003"),
            ("7011", 0, 1000000, "EXO", 1000000),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-02-10",
            "Avoir",
            ("7011", 500000, 0),
            ("4431", 90000, 0, "TVA18", 500000),
            ("4111", 0, 590000, None, None, "C001"),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-02-12",
            "Marchandises",
            ("6011", 3000000, 0),
            ("4452", 540000, 0, "TVA18", 3000000),
            ("4011", 0, 3540000, None, None, "F001"),
            journal="ACH",
        ),
    )
    post(
        api,
        entry(
            "2026-02-14",
            "Mobilier",
            ("2441", 1500000, 0),
            ("4451", 270000, 0, "TVA18", 1500000),
            ("4011", 0, 1770000, None, None, "F001"),
            journal="ACH",
        ),
    )

    february = api.get(VAT, periode="2026-02").json
    assert february["pays"] == "CI" and february["liquidation"] is None
    assert boxes(february) == {
        "02A": ("3000000", None),
        "02B": ("1000000", None),
        "02C": ("0", None),
        "02D": ("4500000", "810000"),
        "02E": ("2000000", "180000"),
        "02": ("10500000", "990000"),
        "03": ("6500000", None),
        "05": (None, "990000"),
        "06A": ("1500000", "270000"),
        "06B": ("3000000", "540000"),
        "06C": (None, "900000"),
        "06": (None, "1710000"),
        "07": (None, "0"),
        "08": (None, "720000"),
    }
    assert (february["credit_anterieur"], february["tva_due"], february["credit_a_reporter"]) == (
        "900000",
        "0",
        "720000",
    )
    assert all(c["ok"] for c in february["controles"] if c["code"] != "verrouillage")

    # drill-down: the 18 % box comes from the sale and the credit note's VAT lines
    lines = api.get(VAT, periode="2026-02", case="02D").json["lignes"]
    assert sorted((ln["compte"], ln["debit"], ln["credit"], ln["base"]) for ln in lines) == [
        ("4431", "0", "900000", "5000000"),
        ("4431", "90000", "0", "500000"),
    ]
    first = api.get(VAT, periode="2026-02", case="02D", limite="1").json
    assert len(first["lignes"]) == 1 and first["suivant"] == first["lignes"][0]["id"]
    rest = api.get(VAT, periode="2026-02", case="02D", apres=str(first["suivant"])).json
    assert [ln["id"] for ln in first["lignes"] + rest["lignes"]] == sorted(ln["id"] for ln in lines)
    assert rest["suivant"] is None
    # a total box: the lines of the boxes it adds (the two deductible VAT lines and the credit's)
    deductions = api.get(VAT, periode="2026-02", case="06").json["lignes"]
    assert sorted((ln["compte"], ln["debit"]) for ln in deductions) == [
        ("4449", "900000"),
        ("4451", "270000"),
        ("4452", "540000"),
    ]
    credit_lines = api.get(VAT, periode="2026-02", case="06C").json["lignes"]
    assert [(ln["compte"], ln["debit"]) for ln in credit_lines] == [("4449", "900000")]

    settled = api.post(settle_url("2026-02"), status=201).json
    assert settled["ecriture"]["date_comptable"] == "2026-02-28" and settled["ecriture"]["journal"] == "OD"
    assert settlement_lines(settled) == [
        ("4431", "990000", "0"),
        ("4449", "0", "180000"),
        ("4451", "0", "270000"),
        ("4452", "0", "540000"),
    ]
    assert settled["liquidation"]["credit_reporte"] == "720000"
    # the return is unchanged by its own settlement, and says it is settled
    again = api.get(VAT, periode="2026-02").json
    assert boxes(again) == boxes(february)
    assert again["liquidation"]["numero"] == settled["ecriture"]["numero"]

    post(
        api,
        entry(
            "2026-03-02",
            "Vente",
            ("4111", 11800000, 0, None, None, "C001"),
            ("7011", 0, 10000000),
            ("4431", 0, 1800000, "TVA18", 10000000),
            journal="VTE",
        ),
    )
    march = api.get(VAT, periode="2026-03").json
    assert boxes(march)["06C"] == (None, "720000")
    assert (march["tva_due"], march["credit_a_reporter"]) == ("1080000", "0")
    settled = api.post(settle_url("2026-03"), status=201).json
    assert settlement_lines(settled) == [
        ("4431", "1800000", "0"),
        ("4441", "0", "1080000"),
        ("4449", "0", "720000"),
    ]


def test_senegal_a_month_with_the_opening_credit(api, books, engine):
    """Sénégal, by hand. The year opens with a VAT credit of 100 000 (à-nouveaux, 4449 D).

    January:
    - sale at 18 %: base 4 000 000, VAT 720 000; hotel night at 10 %: base 1 000 000, VAT 100 000;
    - export 2 000 000; exempt sale 500 000;
    - credit note at 18 %: base 1 000 000, VAT 180 000;
    - goods bought: base 2 000 000, VAT 360 000 (4452); fixed asset: base 3 000 000,
      VAT 540 000 (4451).
    Boxes: A1 2 000 000; A2 500 000; A3 0; A4 3 000 000 / 540 000; A5 1 000 000 / 100 000;
    A 6 500 000; B 640 000; C1 3 000 000 / 540 000; C2 2 000 000 / 360 000; C3 100 000;
    C 1 000 000; D 0; E 360 000.
    Settlement: 4431 D 640 000; 4449 D 260 000 (100 000 used, 360 000 carried);
    4451 C 540 000; 4452 C 360 000.
    February: a sale at 18 %, base 5 000 000, VAT 900 000 → C3 360 000, D 540 000 due.
    """
    set_country(engine, books.company_id, "SN", "XOF")
    post(api, entry("2026-01-01", "À-nouveaux", ("4449", 100000, 0), ("5211", 0, 100000), journal="AN"))
    post(
        api,
        entry(
            "2026-01-05",
            "Vente 18 %",
            ("4111", 4720000, 0, None, None, "C001"),
            ("7011", 0, 4000000),
            ("4431", 0, 720000, "TVA18", 4000000),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-06",
            "Nuitée",
            ("4111", 1100000, 0, None, None, "C002"),
            ("7061", 0, 1000000),
            ("4431", 0, 100000, "TVA10", 1000000),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-07",
            "Export",
            ("4111", 2000000, 0, None, None, "C002"),
            ("7011", 0, 2000000, "EXPORT"),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-08",
            "Exonéré",
            ("4111", 500000, 0, None, None, "C003"),
            ("7011", 0, 500000, "EXO"),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-09",
            "Avoir",
            ("7011", 1000000, 0),
            ("4431", 180000, 0, "TVA18", 1000000),
            ("4111", 0, 1180000, None, None, "C001"),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-10",
            "Achat",
            ("6011", 2000000, 0),
            ("4452", 360000, 0, "TVA18", 2000000),
            ("4011", 0, 2360000, None, None, "F001"),
            journal="ACH",
        ),
    )
    post(
        api,
        entry(
            "2026-01-11",
            "Immobilisation",
            ("2411", 3000000, 0),
            ("4451", 540000, 0, "TVA18", 3000000),
            ("4011", 0, 3540000, None, None, "F001"),
            journal="ACH",
        ),
    )

    january = api.get(VAT, periode="2026-01").json
    assert january["pays"] == "SN"
    assert boxes(january) == {
        "A1": ("2000000", None),
        "A2": ("500000", None),
        "A3": ("0", None),
        "A4": ("3000000", "540000"),
        "A5": ("1000000", "100000"),
        "A": ("6500000", None),
        "B": (None, "640000"),
        "C1": ("3000000", "540000"),
        "C2": ("2000000", "360000"),
        "C3": (None, "100000"),
        "C": (None, "1000000"),
        "D": (None, "0"),
        "E": (None, "360000"),
    }
    settled = api.post(settle_url("2026-01"), status=201).json
    assert settlement_lines(settled) == [
        ("4431", "640000", "0"),
        ("4449", "260000", "0"),
        ("4451", "0", "540000"),
        ("4452", "0", "360000"),
    ]
    post(
        api,
        entry(
            "2026-02-02",
            "Vente",
            ("4111", 5900000, 0, None, None, "C001"),
            ("7011", 0, 5000000),
            ("4431", 0, 900000, "TVA18", 5000000),
            journal="VTE",
        ),
    )
    february = api.get(VAT, periode="2026-02").json
    assert boxes(february)["C3"] == (None, "360000")
    assert (february["tva_due"], february["credit_a_reporter"]) == ("540000", "0")


def test_cameroun_19_25_with_services_and_the_opening_credit(api, books, engine):
    """Cameroun (XAF), by hand: one rate of 19,25 % (17,5 % plus the 10 % communal centimes).
    The year opens with a credit of 50 000.

    January:
    - sale: base 2 000 000, VAT 385 000; credit note: base 200 000, VAT 38 500;
    - export 1 000 000; exempt 300 000;
    - goods: base 1 000 000, VAT 192 500 (4452); a service: base 400 000, VAT 77 000 (4454);
      a fixed asset: base 800 000, VAT 154 000 (4451).
    Boxes: 10 1 800 000 / 346 500; 13 1 000 000; 14 300 000; 15 3 100 000 / 346 500; 17 50 000;
    18 1 800 000 / 346 500; 19 400 000 / 77 000; 22 473 500; 23 0; 26 127 000.
    Settlement: 4431 D 346 500; 4449 D 77 000; 4451 C 154 000; 4452 C 192 500; 4454 C 77 000.
    February: a sale, base 1 000 000, VAT 192 500 → 17 127 000, 23 65 500 due.
    """
    set_country(engine, books.company_id, "CM", "XAF")
    post(api, entry("2026-01-01", "À-nouveaux", ("4449", 50000, 0), ("5211", 0, 50000), journal="AN"))
    post(
        api,
        entry(
            "2026-01-05",
            "Vente",
            ("4111", 2385000, 0, None, None, "C001"),
            ("7011", 0, 2000000),
            ("4431", 0, 385000, "TVA1925", 2000000),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-06",
            "Avoir",
            ("7011", 200000, 0),
            ("4431", 38500, 0, "TVA1925", 200000),
            ("4111", 0, 238500, None, None, "C001"),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-07",
            "Export",
            ("4111", 1000000, 0, None, None, "C002"),
            ("7011", 0, 1000000, "EXPORT"),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-08",
            "Exonéré",
            ("4111", 300000, 0, None, None, "C003"),
            ("7011", 0, 300000, "EXO"),
            journal="VTE",
        ),
    )
    post(
        api,
        entry(
            "2026-01-09",
            "Achat",
            ("6011", 1000000, 0),
            ("4452", 192500, 0, "TVA1925", 1000000),
            ("4011", 0, 1192500, None, None, "F001"),
            journal="ACH",
        ),
    )
    post(
        api,
        entry(
            "2026-01-10",
            "Service",
            ("6221", 400000, 0),
            ("4454", 77000, 0, "TVA1925", 400000),
            ("4011", 0, 477000, None, None, "F001"),
            journal="ACH",
        ),
    )
    post(
        api,
        entry(
            "2026-01-11",
            "Immobilisation",
            ("2411", 800000, 0),
            ("4451", 154000, 0, "TVA1925", 800000),
            ("4011", 0, 954000, None, None, "F001"),
            journal="ACH",
        ),
    )

    january = api.get(VAT, periode="2026-01").json
    assert (january["pays"], january["devise"]) == ("CM", "XAF")
    assert boxes(january) == {
        "10": ("1800000", "346500"),
        "13": ("1000000", None),
        "14": ("300000", None),
        "15": ("3100000", "346500"),
        "17": (None, "50000"),
        "18": ("1800000", "346500"),
        "19": ("400000", "77000"),
        "22": (None, "473500"),
        "23": (None, "0"),
        "26": (None, "127000"),
    }
    settled = api.post(settle_url("2026-01"), status=201).json
    assert settlement_lines(settled) == [
        ("4431", "346500", "0"),
        ("4449", "77000", "0"),
        ("4451", "0", "154000"),
        ("4452", "0", "192500"),
        ("4454", "0", "77000"),
    ]
    post(
        api,
        entry(
            "2026-02-02",
            "Vente",
            ("4111", 1192500, 0, None, None, "C001"),
            ("7011", 0, 1000000),
            ("4431", 0, 192500, "TVA1925", 1000000),
            journal="VTE",
        ),
    )
    february = api.get(VAT, periode="2026-02").json
    assert boxes(february)["17"] == (None, "127000")
    assert (february["tva_due"], february["credit_a_reporter"]) == ("65500", "0")


def test_a_bad_tax_code_or_base_is_refused_and_nothing_is_written(api, books, engine):
    before = count_entries(engine)
    cases = [
        # a code Côte d'Ivoire does not have
        (("4431", 0, 180000, "TVA20", 1000000), "lignes[2].taxe"),
        # a base whose 18 % is not the amount
        (("4431", 0, 180000, "TVA18", 2000000), "lignes[2].base"),
        # a zero-rate code on the VAT account
        (("4431", 0, 180000, "EXO"), "lignes[2].taxe"),
        # a base without a code
        (("4431", 0, 180000, None, 1000000), "lignes[2].taxe"),
        # no base on the VAT line
        (("4431", 0, 180000, "TVA18"), "lignes[2].base"),
    ]
    for vat_line, field in cases:
        body = entry(
            "2026-01-05",
            "Vente",
            ("4111", 1180000, 0, None, None, "C001"),
            ("7011", 0, 1000000),
            vat_line,
            journal="VTE",
        )
        problem = api.post("/api/v1/ecritures/", body, status=422).json
        assert field in [e["champ"] for e in problem["erreurs"]], (vat_line, problem)
    # a taxable code on the sales line; an exempt base other than the line's amount
    body = entry(
        "2026-01-05",
        "Vente",
        ("4111", 1000000, 0, None, None, "C001"),
        ("7011", 0, 1000000, "TVA18", 1000000),
        journal="VTE",
    )
    assert api.post("/api/v1/ecritures/", body, status=422).json["erreurs"][0]["champ"] == "lignes[1].taxe"
    body = entry(
        "2026-01-05",
        "Vente",
        ("4111", 1000000, 0, None, None, "C001"),
        ("7011", 0, 1000000, "EXO", 900000),
        journal="VTE",
    )
    problem = api.post("/api/v1/ecritures/", body, status=422).json
    assert problem["erreurs"][0]["champ"] == "lignes[1].base"
    assert "1 000 000" in problem["erreurs"][0]["message"].replace("\u202f", " ")
    assert count_entries(engine) == before
    # one unit of rounding is allowed: 18 % of 1 000 003 is 180 000,54 → 180 001 (or 180 000)
    body = entry(
        "2026-01-05",
        "Vente",
        ("4111", 1180003, 0, None, None, "C001"),
        ("7011", 0, 1000003),
        ("4431", 0, 180000, "TVA18", 1000003),
        journal="VTE",
    )
    posted = post(api, body)
    assert posted["lignes"][2]["taxe"] == "TVA18" and posted["lignes"][2]["base"] == "1000003"


def test_settlement_once_not_in_a_locked_month_and_reopened_by_its_reversal(api, books, engine):
    post(
        api,
        entry(
            "2026-01-05",
            "Vente",
            ("4111", 1180000, 0, None, None, "C001"),
            ("7011", 0, 1000000),
            ("4431", 0, 180000, "TVA18", 1000000),
            journal="VTE",
        ),
    )
    first = api.post(settle_url("2026-01"), status=201).json
    before = count_entries(engine)
    twice = api.post(settle_url("2026-01"), status=409).json
    assert first["ecriture"]["numero"] in twice["detail"]
    assert count_entries(engine) == before

    # reversing the settlement reopens the month; its return is the same
    api.post(f"/api/v1/ecritures/{first['ecriture']['id']}/extourne/", {}, status=201)
    reopened = api.get(VAT, periode="2026-01").json
    assert reopened["liquidation"] is None and reopened["tva_due"] == "180000"
    assert all(c["ok"] for c in reopened["controles"] if c["code"] != "verrouillage")

    api.post("/api/v1/exercices/2026/verrouillage/", {"periode": 1}, status=200)
    before = count_entries(engine)
    locked = api.post(settle_url("2026-01"), status=422).json
    assert "verrouillée" in locked["erreurs"][0]["message"]
    assert count_entries(engine) == before
    assert api.get(VAT, periode="2026-01").json["verrouillee"] is True


def test_a_vat_line_without_its_code_fails_the_control_and_the_settlement(api, books, engine):
    post(
        api,
        entry(
            "2026-01-05",
            "Vente",
            ("4111", 1180000, 0, None, None, "C001"),
            ("7011", 0, 1000000),
            ("4431", 0, 180000),
            journal="VTE",
        ),
    )
    found = api.get(VAT, periode="2026-01").json
    control = next(c for c in found["controles"] if c["code"] == "collectee")
    assert (control["ok"], control["comptabilite"], control["declaration"]) == (False, "180000", "0")
    before = count_entries(engine)
    refused = api.post(settle_url("2026-01"), status=409).json
    assert "443" in refused["detail"]
    assert count_entries(engine) == before


def test_the_return_as_pdf_and_xlsx_and_its_bad_queries(api, books):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    post(
        api,
        entry(
            "2026-01-05",
            "Vente",
            ("4111", 1180000, 0, None, None, "C001"),
            ("7011", 0, 1000000),
            ("4431", 0, 180000, "TVA18", 1000000),
            journal="VTE",
        ),
    )
    pdf = api.get(VAT, periode="2026-01", format="pdf")
    assert pdf.content_type == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages)
    assert "Déclaration de TVA" in text and "180 000" in text.replace("\u202f", " ").replace("\xa0", " ")
    xlsx = api.get(VAT, periode="2026-01", format="xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.body)).active
    values = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert any(row[0] == "02D" and row[2] == 1000000 and row[3] == 180000 for row in values)

    english = api.testapp.get(
        VAT, params={"periode": "2026-01"}, headers=api.headers({"Accept-Language": "en"})
    ).json
    labels = {c["code"]: c["libelle"] for c in english["controles"]}
    assert labels["taux:TVA18"] == "Bases × 18 % = VAT TVA18 (within rounding)"
    assert english["cases"][3]["libelle"] == "Taxable operations at the standard rate (18 %)"
    assert api.get(VAT, status=422, periode="2026-13").json["erreurs"][0]["champ"] == "periode"
    assert api.get(VAT, status=422, periode="janvier").json["erreurs"][0]["champ"] == "periode"
    assert api.get(VAT, status=404, periode="2031-01").json["erreurs"][0]["champ"] == "periode"
    assert api.get(VAT, status=422, periode="2026-01", case="99Z").json["erreurs"][0]["champ"] == "case"
    assert api.get(VAT, status=422, periode="2026-01", format="csv").json["erreurs"][0]["champ"] == "format"
