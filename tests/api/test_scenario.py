"""The foundation scenario through the real API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from tests.conftest import sale
from wisebook.db import models
from wisebook.services import verify


def test_health_without_worker_is_degraded_and_says_why(testapp, books):
    body = testapp.get("/health/", status=200).json
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["status"] == "ok"
    failing = {name for name, check in body["checks"].items() if check["status"] != "ok"}
    assert failing == {"worker", "scheduler", "backup"}  # nothing runs the queue in this test


def test_home_sends_to_the_setup_wizard_before_setup(testapp, engine):
    response = testapp.get("/", status=303)
    assert response.location.endswith("/assistant/")
    page = testapp.get("/assistant/", status=200)
    assert "Code d&#39;installation" in page.text  # autoescaped like every translated text


def test_login_help_answers_200(testapp, books):
    assert testapp.get("/api/v1/auth/login/", status=200).json["methode"] == "POST"


def test_chart_lists_the_full_syscohada_chart(api):
    first = api.get("/api/v1/comptes/").json
    assert len(first["resultats"]) == 100  # a page by default
    assert first["suivant"] == first["resultats"][-1]["numero"]
    accounts, after = [], None
    while True:
        page = api.get("/api/v1/comptes/", limite="500", **({"apres": after} if after else {})).json
        accounts += page["resultats"]
        if page["suivant"] is None:
            break
        after = page["suivant"]
    assert len(accounts) >= 1000
    assert accounts[:100] == first["resultats"]
    assert [a["numero"] for a in accounts] == sorted({a["numero"] for a in accounts})  # each once, in order
    by_code = {a["numero"]: a for a in accounts}
    assert by_code["4111"]["imputable"] and by_code["4111"]["lettrable"]
    assert not by_code["411"]["imputable"]
    assert [a["numero"] for a in api.get("/api/v1/comptes/", q="521").json["resultats"]][:2] == [
        "521",
        "5211",
    ]
    assert all(a["classe"] == 6 for a in api.get("/api/v1/comptes/", classe="6").json["resultats"])


def test_journals_and_fiscal_years_are_set_up(api):
    codes = [j["code"] for j in api.get("/api/v1/journaux/").json["resultats"]]
    assert codes == sorted(["ACH", "VTE", "BQ", "CAI", "OD", "AN"])
    years = api.get("/api/v1/exercices/").json["resultats"]
    assert [y["code"] for y in years] == ["2026"]
    assert len(years[0]["periodes"]) == 12


def test_posting_entries_gives_gapless_numbers_per_journal_and_a_right_trial_balance(api, engine, books):
    numbers = []
    for i in range(3):
        numbers.append(api.post("/api/v1/ecritures/", sale(100000 + i * 1000), status=201).json["numero"])
    purchase = {
        "journal": "ACH",
        "date_comptable": "2026-02-03",
        "libelle": "Facture fournisseur",
        "lignes": [
            {"compte": "6011", "debit": "50000"},
            {"compte": "4452", "debit": "9000"},
            {"compte": "4011", "credit": "59000", "tiers": "F001"},
        ],
        "valider": True,
    }
    bank = {
        "journal": "BQ",
        "date_comptable": "2026-02-20",
        "libelle": "Règlement client",
        "lignes": [{"compte": "5211", "debit": "100000"}, {"compte": "4111", "credit": "100000"}],
        "valider": True,
    }
    misc = {
        "journal": "OD",
        "date_comptable": "2026-03-31",
        "libelle": "Frais bancaires",
        "lignes": [{"compte": "6311", "debit": 2500}, {"compte": "5211", "credit": 2500}],
        "valider": True,
    }
    numbers += [
        api.post("/api/v1/ecritures/", body, status=201).json["numero"] for body in (purchase, bank, misc)
    ]
    assert numbers == [
        "VTE-2026-000001",
        "VTE-2026-000002",
        "VTE-2026-000003",
        "ACH-2026-000001",
        "BQ-2026-000001",
        "OD-2026-000001",
    ]

    first = api.get("/api/v1/ecritures/", journal="VTE").json["resultats"][0]
    reversal = api.post(f"/api/v1/ecritures/{first['id']}/extourne/", status=201).json
    assert reversal["numero"] == "VTE-2026-000004"
    assert reversal["extourne_de"] == first["id"]
    assert [(ln["debit"], ln["credit"]) for ln in reversal["lignes"]] == [
        (ln["credit"], ln["debit"]) for ln in first["lignes"]
    ]

    balance = api.get("/api/v1/rapports/balance/", exercice="2026").json
    totals = balance["totaux"]
    assert totals["debit"] == totals["credit"]
    assert totals["solde_debiteur"] == totals["solde_crediteur"]

    with engine.connect() as conn:
        rows = conn.execute(
            select(models.Account.code, func.sum(models.Line.debit), func.sum(models.Line.credit))
            .join(models.Line, models.Line.account_id == models.Account.id)
            .join(models.Entry, models.Entry.id == models.Line.entry_id)
            .where(models.Entry.status == models.POSTED)
            .group_by(models.Account.code)
        ).all()
    from_lines = {code: (str(d), str(c)) for code, d, c in rows}
    from_report = {r["compte"]: (r["debit"], r["credit"]) for r in balance["lignes"]}
    assert from_report == from_lines
    net = defaultdict(int)
    for code, (d, c) in from_lines.items():
        net[code] = int(d) - int(c)
    for row in balance["lignes"]:
        assert int(row["solde_debiteur"]) - int(row["solde_crediteur"]) == net[row["compte"]]

    from sqlalchemy.orm import Session

    with Session(engine) as s:
        assert verify.verify_company(s, books.company_id) == []


def test_balance_of_a_range_puts_earlier_months_in_the_opening(api):
    api.post("/api/v1/ecritures/", sale(118000, day="2026-01-10"), status=201)
    api.post("/api/v1/ecritures/", sale(236000, day="2026-02-14"), status=201)
    api.post("/api/v1/ecritures/", sale(59000, day="2026-02-20"), status=201)
    rows = {
        r["compte"]: r
        for r in api.get("/api/v1/rapports/balance/", du="2026-02-15", au="2026-02-28").json["lignes"]
    }
    client = rows["4111"]
    assert (client["ouverture_debit"], client["debit"], client["solde_debiteur"]) == (
        "354000",
        "59000",
        "413000",
    )
    whole_feb = {
        r["compte"]: r
        for r in api.get("/api/v1/rapports/balance/", du="2026-02-01", au="2026-02-28").json["lignes"]
    }
    assert (whole_feb["4111"]["ouverture_debit"], whole_feb["4111"]["debit"]) == ("118000", "295000")


def test_draft_then_post_then_list_by_status(api):
    draft = api.post("/api/v1/ecritures/", sale(post=False), status=201).json
    assert draft["statut"] == "brouillon" and draft["numero"] is None
    assert [e["id"] for e in api.get("/api/v1/ecritures/", statut="brouillon").json["resultats"]] == [
        draft["id"]
    ]
    posted = api.post(f"/api/v1/ecritures/{draft['id']}/validation/", status=200).json
    assert posted["statut"] == "validee" and posted["numero"] == "VTE-2026-000001"
    assert api.get("/api/v1/ecritures/", statut="brouillon").json["resultats"] == []


def test_a_draft_can_be_deleted(api, session):
    draft = api.post("/api/v1/ecritures/", sale(post=False), status=201).json
    api.delete(f"/api/v1/ecritures/{draft['id']}/", status=204)
    api.get(f"/api/v1/ecritures/{draft['id']}/", status=404)
    assert session.scalar(select(func.count()).select_from(models.Line)) == 0


def test_entries_list_is_keyset_paginated_and_filtered(api):
    for day in ("2026-01-05", "2026-01-06", "2026-02-07", "2026-03-08", "2026-03-09"):
        api.post("/api/v1/ecritures/", sale(day=day), status=201)
    seen, cursor = [], None
    while True:
        params = {"limite": "2", **({"apres": cursor} if cursor else {})}
        page = api.get("/api/v1/ecritures/", **params).json
        seen += [e["date_comptable"] for e in page["resultats"]]
        cursor = page["suivant"]
        if cursor is None:
            break
    assert seen == ["2026-01-05", "2026-01-06", "2026-02-07", "2026-03-08", "2026-03-09"]
    ranged = api.get("/api/v1/ecritures/", du="2026-02-01", au="2026-03-08").json["resultats"]
    assert [e["date_comptable"] for e in ranged] == ["2026-02-07", "2026-03-08"]
    assert len(api.get("/api/v1/ecritures/", compte="4431").json["resultats"]) == 5
    assert api.get("/api/v1/ecritures/", compte="6").json["resultats"] == []


def pages(api, **filters) -> list[str]:
    """Every entry's label the list gives, page by page (two a page)."""
    seen, cursor = [], None
    while True:
        page = api.get(
            "/api/v1/ecritures/", limite="2", **filters, **({"apres": cursor} if cursor else {})
        ).json
        seen += [e["libelle"] for e in page["resultats"]]
        cursor = page["suivant"]
        if cursor is None:
            return seen


def test_entries_list_by_account_pages_through_every_matching_account_once_per_entry(api):
    def entry(label: str, day: str, journal: str, lines: list[tuple[str, str, str]], post: bool = True):
        api.post(
            "/api/v1/ecritures/",
            {
                "journal": journal,
                "date_comptable": day,
                "libelle": label,
                "lignes": [{"compte": c, "debit": d, "credit": k} for c, d, k in lines],
                "valider": post,
            },
            status=201,
        )

    entry("a", "2026-01-03", "VTE", [("4111", "100", "0"), ("7011", "0", "100")])
    entry("b", "2026-01-03", "ACH", [("6011", "50", "0"), ("4011", "0", "50")])
    entry("c", "2026-01-04", "VTE", [("4111", "30", "0"), ("4111", "20", "0"), ("7011", "0", "50")])
    entry("d", "2026-01-05", "OD", [("4112", "10", "0"), ("4111", "0", "10")])
    entry("e", "2026-01-06", "VTE", [("4112", "70", "0"), ("7011", "0", "70")], post=False)
    entry("f", "2026-01-02", "VTE", [("4111", "5", "0"), ("7011", "0", "5")])
    entry("g", "2026-02-01", "VTE", [("4112", "8", "0"), ("7011", "0", "8")])
    assert pages(api, compte="411") == ["f", "a", "c", "d", "e", "g"]  # date order, each entry once
    assert pages(api, compte="4112") == ["d", "e", "g"]
    assert pages(api, compte="411", journal="VTE") == ["f", "a", "c", "e", "g"]
    assert pages(api, compte="411", statut="brouillon") == ["e"]
    assert pages(api, compte="411", statut="validee", du="2026-01-04", au="2026-01-31") == ["c", "d"]
    assert pages(api, compte="401") == ["b"]
    assert pages(api, compte="52") == []


def test_a_sub_account_takes_entries_and_its_parent_no_longer_does(api):
    created = api.post(
        "/api/v1/comptes/", {"numero": "41110001", "libelle": "Client Kouassi"}, status=201
    ).json
    assert created["imputable"] and created["classe"] == 4
    body = sale()
    body["lignes"][0]["compte"] = "41110001"
    api.post("/api/v1/ecritures/", body, status=201)
    problem = api.post("/api/v1/ecritures/", sale(), status=422).json
    assert "regroupement" in problem["erreurs"][0]["message"]


def test_logout_revokes_the_token(api):
    api.get("/api/v1/journaux/", status=200)
    api.post("/api/v1/auth/logout/", status=204)
    problem = api.get("/api/v1/journaux/", status=401).json
    assert problem["status"] == 401


def test_a_sale_sent_to_the_a_nouveaux_journal_is_refused_and_an_opening_is_taken(api, engine):
    refused = api.post("/api/v1/ecritures/", sale(journal="AN"), status=422).json
    assert {e["champ"] for e in refused["erreurs"]} == {"date_comptable", "lignes[1].compte"}
    assert api.get("/api/v1/ecritures/", journal="AN").json["resultats"] == []
    opening = {
        "journal": "AN",
        "date_comptable": "2026-01-01",
        "libelle": "Ouverture",
        "lignes": [{"compte": "5211", "debit": "500000"}, {"compte": "1013", "credit": "500000"}],
        "valider": True,
    }
    assert api.post("/api/v1/ecritures/", opening, status=201).json["numero"] == "AN-2026-000001"
