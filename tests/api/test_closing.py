"""Year-end closing on a worked two-year example, through the API and the task that runs it.

2026 of a trading SARL (XOF): capital 1 000 000 paid to the bank; goods bought 400 000 from
supplier F001 (paid 300 000); sales 500 000 to customer C001 and 200 000 to C002 (C001 paid
350 000); rent 50 000 paid. Result = 700 000 − 400 000 − 50 000 = 250 000 (bénéfice).
Closing balances of classes 1–5: 1011 credit 1 000 000; 4011 F001 credit 100 000;
4111 C001 debit 150 000, C002 debit 200 000 (tiers accounts carried line by line, unlettered); 5211 debit 1 000 000 − 300 000 + 350 000 −
50 000 = 1 000 000. À-nouveaux on 2027-01-01 add 131 credit 250 000 and balance.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Api, login
from wisebook.db import models
from wisebook.services.access import members, users
from wisebook.services.reports import statements


def entry(
    day: str, label: str, lines: list[tuple[str, int, int, str | None]], post: bool = True
) -> dict[str, Any]:
    return {
        "journal": "OD",
        "date_comptable": day,
        "libelle": label,
        "lignes": [
            {"compte": c, "libelle": label, "debit": str(d), "credit": str(k), **({"tiers": t} if t else {})}
            for c, d, k, t in lines
        ],
        "valider": post,
    }


def keep_2026(api: Any) -> None:
    for body in (
        entry("2026-01-02", "Capital libéré", [("5211", 1_000_000, 0, None), ("1011", 0, 1_000_000, None)]),
        entry("2026-02-10", "Achat marchandises", [("6011", 400_000, 0, None), ("4011", 0, 400_000, "F001")]),
        entry("2026-03-05", "Règlement F001", [("4011", 300_000, 0, "F001"), ("5211", 0, 300_000, None)]),
        entry("2026-04-15", "Vente C001", [("4111", 500_000, 0, "C001"), ("7011", 0, 500_000, None)]),
        entry("2026-05-20", "Vente C002", [("4111", 200_000, 0, "C002"), ("7011", 0, 200_000, None)]),
        entry("2026-06-30", "Encaissement C001", [("5211", 350_000, 0, None), ("4111", 0, 350_000, "C001")]),
        entry("2026-07-31", "Loyer", [("6222", 50_000, 0, None), ("5211", 0, 50_000, None)]),
    ):
        api.post("/api/v1/ecritures/", body, status=201)


def keep_a_loss(api: Any) -> None:
    """2026 of a company that only paid rent: capital 100 000, a loss of 30 000."""
    for body in (
        entry("2026-01-02", "Capital", [("5211", 100_000, 0, None), ("1011", 0, 100_000, None)]),
        entry("2026-03-01", "Loyer", [("6222", 30_000, 0, None), ("5211", 0, 30_000, None)]),
    ):
        api.post("/api/v1/ecritures/", body, status=201)


def run_closing(api: Any, app: Any, year: str = "2026") -> dict[str, Any]:
    """Ask for the closing, then play the worker: the task runs as a worker would run it."""
    accepted = api.post(f"/api/v1/exercices/{year}/cloture/", status=202).json
    assert accepted["etat"] == "en_attente"
    app.registry.wisebook_queue.execute(accepted["id"])
    return dict(api.get(f"/api/v1/taches/{accepted['id']}/").json)


def lines_of(engine: Any, entry_id: int) -> list[tuple[str, str | None, int, int]]:
    with Session(engine) as s:
        rows = s.execute(
            select(models.Account.code, models.Line.partner, models.Line.debit, models.Line.credit)
            .join(models.Account, models.Account.id == models.Line.account_id)
            .where(models.Line.entry_id == entry_id)
            .order_by(models.Line.line_no)
        ).all()
    return [tuple(r) for r in rows]


def test_closing_makes_the_a_nouveaux_and_the_opening_bilan_equals_the_closed_one(api, app, engine, books):
    keep_2026(api)
    closed_bilan = api.get("/api/v1/rapports/bilan/", exercice="2026").json
    preview = api.get("/api/v1/exercices/2026/cloture/").json
    assert (preview["possible"], preview["resultat"]) == (True, "250000")

    done = run_closing(api, app)
    assert done["etat"] == "reussie", done
    assert done["resultat"]["resultat"] == "250000"
    assert done["resultat"]["exercice_suivant"] == "2027"
    assert done["progression"]["message"] == "exercice 2026 clôturé"
    # Tiers accounts carry each unlettered line (to be lettered in 2027), the others a balance.
    assert lines_of(engine, done["resultat"]["ecriture_a_nouveaux"]) == [
        ("1011", None, 0, 1_000_000),
        ("4011", "F001", 0, 400_000),
        ("4011", "F001", 300_000, 0),
        ("4111", "C001", 500_000, 0),
        ("4111", "C001", 0, 350_000),
        ("4111", "C002", 200_000, 0),
        ("5211", None, 1_000_000, 0),
        ("131", None, 0, 250_000),
    ]
    an = api.get(f"/api/v1/ecritures/{done['resultat']['ecriture_a_nouveaux']}/").json
    assert (an["journal"], an["date_comptable"], an["statut"]) == ("AN", "2027-01-01", "validee")

    years = {fy["code"]: fy for fy in api.get("/api/v1/exercices/").json["resultats"]}
    assert years["2026"]["statut"] == "cloture"
    assert all(p["verrouillee"] for p in years["2026"]["periodes"])
    assert years["2027"]["statut"] == "ouvert"

    closed = {line["code"]: line["net"] for line in closed_bilan["lignes"]}
    assert closed["CJ"] == "250000" and closed["BZ"] == closed["DZ"] == "1350000"
    with Session(engine) as s:  # the opening Bilan of 2027, made of its à-nouveaux alone
        fy = s.scalars(select(models.FiscalYear).where(models.FiscalYear.code == "2027")).one()
        assert fy.id in statements.Positions(s, books.company_id, fy, fy.end_date).with_an
        actif, passif = statements._sheet(
            statements.Positions(s, books.company_id, fy, fy.end_date).opening(fy)
        )
    opened = {code: str(value.net) for sheet in (actif, passif) for code, value in sheet.lines.items()}
    assert opened == closed

    # At the end of 2027, with nothing posted since and no affectation yet, the 2026 result is
    # pending (CH) and 2027's own result (CJ) is nil; everything else is the closed Bilan.
    later = api.get("/api/v1/rapports/bilan/", exercice="2027").json
    end_2027 = {line["code"]: line["net"] for line in later["lignes"]}
    assert (end_2027["CH"], end_2027["CJ"]) == ("250000", "0")
    assert {k: v for k, v in end_2027.items() if k not in ("CH", "CJ")} == {
        k: v for k, v in closed.items() if k not in ("CH", "CJ")
    }
    assert {line["code"]: line["net_precedent"] for line in later["lignes"]} == closed
    assert all(c["ok"] for c in later["controles"])

    refused = api.post(
        "/api/v1/ecritures/", entry("2026-12-31", "Oubli", [("6222", 1, 0, None), ("5211", 0, 1, None)])
    )
    assert refused.status_int == 422 and refused.json["erreurs"][0]["champ"] == "date_comptable"
    api.post("/api/v1/exercices/2026/cloture/", status=409)  # already closed


def test_a_loss_lands_in_139_and_the_next_year_carries_it_until_its_affectation(api, app):
    keep_a_loss(api)
    done = run_closing(api, app)
    assert done["resultat"]["resultat"] == "-30000"
    preview = api.get("/api/v1/exercices/2027/cloture/").json
    assert preview["resultat"] == "0"
    assert {"compte": "139", "tiers": None, "debit": "30000", "credit": "0"} in preview["a_nouveaux"]
    api.post(  # a sale in 2027: its own result, beside the 2026 loss still pending
        "/api/v1/ecritures/",
        entry("2027-02-01", "Vente", [("5211", 50_000, 0, None), ("7011", 0, 50_000, None)]),
        status=201,
    )
    bilan = {
        line["code"]: line["net"]
        for line in api.get("/api/v1/rapports/bilan/", exercice="2027").json["lignes"]
    }
    assert (bilan["CJ"], bilan["CH"]) == ("50000", "-30000")


def test_closing_is_refused_with_the_list_of_what_to_clear(api, app, engine):
    keep_2026(api)
    draft = api.post(
        "/api/v1/ecritures/",
        entry("2026-08-01", "À revoir", [("6222", 10, 0, None), ("5211", 0, 10, None)], post=False),
        status=201,
    ).json
    api.post(
        "/api/v1/ecritures/",
        entry("2026-09-01", "Virement non identifié", [("5211", 75_000, 0, None), ("4711", 0, 75_000, None)]),
        status=201,
    )
    answer = api.post("/api/v1/exercices/2026/cloture/", status=409).json
    fields = [e["champ"] for e in answer["erreurs"]]
    assert fields == ["brouillons", "comptes_attente"]
    assert f"Brouillon n° {draft['id']} du 01/08/2026" in answer["erreurs"][0]["message"]
    assert "4711 a un solde créditeur de 75\u202f000" in answer["erreurs"][1]["message"]
    preview = api.get("/api/v1/exercices/2026/cloture/").json
    assert preview["possible"] is False and len(preview["points_bloquants"]) == 2
    with Session(engine) as s:  # nothing was written: no run, no new year, the year open
        assert s.scalars(select(models.TaskRun)).all() == []
        assert [fy.code for fy in s.scalars(select(models.FiscalYear))] == ["2026"]
    api.get("/api/v1/exercices/2027/cloture/", status=404)  # no 2027 was opened


def test_a_year_closes_only_after_the_one_before(api, app):
    api.post("/api/v1/exercices/", {"annee": 2027}, status=201)
    answer = api.post("/api/v1/exercices/2027/cloture/", status=409).json
    assert answer["erreurs"] == [{"champ": "exercice", "message": "Clôturez d'abord l'exercice 2026."}]


def test_an_administrator_reopens_a_closed_year_until_the_next_one_moves_on(api, app, engine, testapp, books):
    keep_2026(api)
    first = run_closing(api, app)["resultat"]["ecriture_a_nouveaux"]
    with Session(engine) as s, s.begin():
        user = users.create_user(s, "compta@cabinet.ci", "un mot de passe assez long")
        members.add_member(s, books.company_id, user.id, "comptable")
    comptable = Api(testapp, login(testapp, "compta@cabinet.ci", "un mot de passe assez long"))
    comptable.post("/api/v1/exercices/2026/reouverture/", status=403)

    reopened = api.post("/api/v1/exercices/2026/reouverture/", status=200).json
    assert reopened["statut"] == "ouvert" and not any(p["verrouillee"] for p in reopened["periodes"])
    with Session(engine) as s:
        reversal = s.scalars(select(models.Entry).where(models.Entry.reversal_of_id == first)).one()
        assert (reversal.entry_date.isoformat(), reversal.status) == ("2027-01-01", "validee")
    api.post(  # the forgotten invoice goes in, then the year closes again
        "/api/v1/ecritures/",
        entry("2026-12-31", "Facture oubliée", [("6222", 20_000, 0, None), ("4011", 0, 20_000, "F001")]),
        status=201,
    )
    second = run_closing(api, app)
    assert second["resultat"]["resultat"] == "230000"
    balance = {
        row["compte"]: row for row in api.get("/api/v1/rapports/balance/", exercice="2027").json["lignes"]
    }
    assert balance["1011"]["solde_crediteur"] == "1000000"  # carried once, not twice
    assert balance["4011"]["solde_crediteur"] == "120000"
    assert balance["131"]["solde_crediteur"] == "230000"

    api.post(
        "/api/v1/ecritures/",
        entry("2027-01-15", "Loyer", [("6222", 50_000, 0, None), ("5211", 0, 50_000, None)]),
        status=201,
    )
    refused = api.post("/api/v1/exercices/2026/reouverture/", status=409).json
    assert "2027 compte déjà 1 écriture(s) validée(s)" in refused["detail"]
    api.post("/api/v1/exercices/2027/reouverture/", status=409)  # not closed


def test_the_affectation_is_guided_and_moves_the_result_out_of_131(api, app, engine):
    keep_2026(api)
    api.get("/api/v1/exercices/2026/affectation/", status=409)  # not closed yet: no result known
    run_closing(api, app)
    guide = api.get("/api/v1/exercices/2026/affectation/").json
    # 250 000 of profit, capital 1 000 000, no legal reserve yet: a tenth, 25 000, is due.
    assert (guide["a_affecter"], guide["reserve_legale_minimum"]) == ("250000", "25000")
    url = "/api/v1/exercices/2026/affectation/"
    for body, field in (
        ({"date_comptable": "2027-05-30", "reserve_legale": "25000", "dividendes": "200000"}, "montants"),
        (
            {"date_comptable": "2027-05-30", "reserve_legale": "10000", "dividendes": "240000"},
            "reserve_legale",
        ),
        (
            {"date_comptable": "2026-12-31", "reserve_legale": "25000", "dividendes": "225000"},
            "date_comptable",
        ),
        (
            {"date_comptable": "2027-05-30", "reserve_legale": "25000.5", "dividendes": "224999.5"},
            "reserve_legale",
        ),
        ({"reserve_legale": "25000"}, "date_comptable"),
    ):
        answer = api.post(url, body, status=422).json
        assert answer["erreurs"][0]["champ"] == field, body
    made = api.post(
        url,
        {
            "date_comptable": "2027-05-30",
            "reserve_legale": "25000",
            "reserves": "100000",
            "report_a_nouveau": "25000",
            "dividendes": "100000",
        },
        status=201,
    ).json
    assert [(ln["compte"], ln["debit"], ln["credit"]) for ln in made["lignes"]] == [
        ("131", "250000", "0"),
        ("111", "0", "25000"),
        ("1181", "0", "100000"),
        ("121", "0", "25000"),
        ("465", "0", "100000"),
    ]
    assert api.get(url).json["a_affecter"] == "0"
    api.post(url, {"date_comptable": "2027-06-01", "reserve_legale": "1"}, status=409)
    bilan = {
        line["code"]: line["net"]
        for line in api.get("/api/v1/rapports/bilan/", exercice="2027").json["lignes"]
    }
    assert (bilan["CH"], bilan["CJ"]) == ("25000", "0")  # report à nouveau; nothing pending any more
    assert bilan["DZ"] == bilan["BZ"]


def test_a_loss_is_carried_to_1291(api, app):
    keep_a_loss(api)
    run_closing(api, app)
    guide = api.get("/api/v1/exercices/2026/affectation/").json
    assert (guide["a_affecter"], guide["comptes"]["report_a_nouveau"]) == ("-30000", "1291")
    made = api.post("/api/v1/exercices/2026/affectation/", {"date_comptable": "2027-06-30"}, status=201).json
    assert [(ln["compte"], ln["debit"], ln["credit"]) for ln in made["lignes"]] == [
        ("1291", "30000", "0"),
        ("139", "0", "30000"),
    ]


def test_a_balance_left_on_the_transitory_475_blocks_the_closing(api, app, engine):
    keep_2026(api)
    api.post(
        "/api/v1/ecritures/",
        entry("2026-10-01", "Ajustement à revoir", [("4751", 20_000, 0, None), ("5211", 0, 20_000, None)]),
        status=201,
    )
    answer = api.post("/api/v1/exercices/2026/cloture/", status=409).json
    assert answer["erreurs"] == [
        {
            "champ": "comptes_attente",
            "message": "Le compte d'attente 4751 a un solde débiteur de 20\u202f000 : soldez-le.",
        }
    ]
    with Session(engine) as s:
        assert [fy.code for fy in s.scalars(select(models.FiscalYear))] == ["2026"]


def test_books_whose_debits_and_credits_differ_are_not_closed(api, app, engine, backend):
    """Posting never leaves such books; tampering behind the guards can, and the closing then
    refuses rather than carry wrong à-nouveaux. The preview reads the balance tables (the
    tampering left them as they were); the closing's request and the closing sum the lines."""
    from sqlalchemy import text

    keep_2026(api)
    with engine.begin() as conn:
        if backend == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))  # the guards off
        conn.execute(text("UPDATE lines SET debit = debit + 1 WHERE debit > 0 AND line_no = 1"))
    answer = api.post("/api/v1/exercices/2026/cloture/", status=409).json
    assert {"champ": "balance", "message": "Le total des débits diffère du total des crédits."} in answer[
        "erreurs"
    ]


def test_a_balance_table_that_no_longer_follows_the_lines_stops_the_closing(api, app, engine):
    """The closing reads the balance tables; it first checks that they still sum to the lines."""
    from sqlalchemy import text

    keep_2026(api)
    with engine.begin() as conn:
        conn.execute(text("UPDATE account_balances SET debit = debit + 5, credit = credit + 5"))
    answer = api.post("/api/v1/exercices/2026/cloture/", status=409).json
    assert {
        "champ": "balance",
        "message": "Les soldes enregistrés ne suivent plus les lignes : lancez la vérification.",
    } in answer["erreurs"]
    with Session(engine) as s:
        assert [fy.code for fy in s.scalars(select(models.FiscalYear))] == ["2026"]
