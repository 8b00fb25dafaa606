"""Lettrage of tiers accounts: matches that sum to zero get codes A, B…; partial ones are
refused with their gap; proposals find invoice/payment pairs; the aged balance and the
à-nouveaux carry only the unmatched lines."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy.orm import Session

from tests.api.test_closing import entry, run_closing
from wisebook.services import verify

LINES = "/api/v1/lettrages/lignes/"


def keep(api: Any) -> None:
    for body in (
        entry("2026-01-10", "Facture FA-1", [("4111", 118_000, 0, "C001"), ("7011", 0, 118_000, None)]),
        entry("2026-01-20", "Facture FA-2", [("4111", 59_000, 0, "C001"), ("7011", 0, 59_000, None)]),
        entry("2026-02-05", "Règlement FA-1", [("5211", 118_000, 0, None), ("4111", 0, 118_000, "C001")]),
        entry("2026-03-01", "Facture FA-3", [("4111", 236_000, 0, "C002"), ("7011", 0, 236_000, None)]),
        entry("2026-03-15", "Acompte FA-3", [("5211", 100_000, 0, None), ("4111", 0, 100_000, "C002")]),
    ):
        api.post("/api/v1/ecritures/", body, status=201)


def ids(api: Any, **params: str) -> dict[str, int]:
    """Line ids of 4111 by the entry's label."""
    found = api.get(LINES, compte="4111", **params).json["resultats"]
    return {ln["libelle"]: ln["id"] for ln in found}


def test_a_match_summing_to_zero_gets_a_code_and_a_partial_one_is_refused(api):
    keep(api)
    lines = ids(api)
    refused = api.post(
        "/api/v1/lettrages/", {"lignes": [lines["Facture FA-2"], lines["Règlement FA-1"]]}, status=422
    )
    # 59 000 invoiced against 118 000 paid: 59 000 too much on the credit side.
    assert refused.json["erreurs"][0]["message"] == (
        "Lettrage partiel refusé : les lignes laissent un écart créditeur de 59\u202f000."
    )
    assert refused.json["erreurs"][0]["champ"] == "lignes"
    made = api.post(
        "/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Règlement FA-1"]]}, status=201
    ).json
    assert (made["code"], made["tiers"]) == ("A", "C001")
    shown = {ln["libelle"]: ln["lettrage"] for ln in api.get(LINES, compte="4111").json["resultats"]}
    assert shown == {
        "Facture FA-1": "A",
        "Facture FA-2": None,
        "Règlement FA-1": "A",
        "Facture FA-3": None,
        "Acompte FA-3": None,
    }
    assert set(ids(api, ouvertes="1")) == {"Facture FA-2", "Facture FA-3", "Acompte FA-3"}
    again = api.post(
        "/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Règlement FA-1"]]}, status=409
    )
    assert "déjà lettrée(s) (A)" in again.json["detail"]
    api.delete(f"/api/v1/lettrages/{made['id']}/", status=204)  # délettrage
    remade = api.post(
        "/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Règlement FA-1"]]}, status=201
    )
    assert remade.json["code"] == "A"  # the highest code left is reused after


def test_bad_matches_are_refused_with_the_reason(api):
    keep(api)
    lines = ids(api)
    api.post("/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"]]}, status=422)
    other_tiers = api.post(
        "/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Acompte FA-3"]]}, status=422
    )
    assert "un seul tiers" in other_tiers.json["detail"]
    api.post("/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], 999999]}, status=404)
    api.get(LINES, compte="5211", status=422)  # a bank account is not lettered
    api.get(LINES, status=422)
    api.delete("/api/v1/lettrages/999/", status=404)


def test_proposals_find_invoice_and_payment_pairs(api):
    keep(api)
    api.post(  # a credit note sharing its pièce with the invoice it cancels
        "/api/v1/ecritures/",
        {
            **entry("2026-04-01", "Avoir AV-1", [("7011", 59_000, 0, None), ("4111", 0, 59_000, "C001")]),
            "piece": "FA-2",
        },
        status=201,
    )
    lines = ids(api)
    found = api.get("/api/v1/lettrages/propositions/", compte="4111").json["resultats"]
    pairs = {(p["tiers"], tuple(p["lignes"]), p["raison"]) for p in found}
    assert ("C001", tuple(sorted((lines["Facture FA-1"], lines["Règlement FA-1"]))), "même montant") in pairs
    assert ("C001", tuple(sorted((lines["Facture FA-2"], lines["Avoir AV-1"]))), "même montant") in pairs
    assert not any(p["tiers"] == "C002" for p in found)  # 236 000 against 100 000: no match
    for proposal in found:
        api.post("/api/v1/lettrages/", {"lignes": proposal["lignes"]}, status=201)
    assert api.get("/api/v1/lettrages/propositions/", compte="4111").json["resultats"] == []


def test_the_aged_balance_and_the_a_nouveaux_keep_only_unmatched_lines(api, app):
    keep(api)
    lines = ids(api)
    api.post("/api/v1/lettrages/", {"lignes": [lines["Facture FA-1"], lines["Règlement FA-1"]]}, status=201)
    aged = api.get("/api/v1/rapports/balance-agee/", comptes="411", au="2026-03-31").json
    assert aged["tranches"] == ["0-30", "31-60", "61-90", "91+"]
    rows = {row["tiers"]: row for row in aged["lignes"]}
    assert rows["C001"]["tranches"] == ["0", "0", "59000", "0"]  # FA-2 of 20/01: 70 days
    assert rows["C002"]["tranches"] == ["136000", "0", "0", "0"]
    assert aged["totaux"]["total"] == "195000"

    done = run_closing(api, app)
    an = api.get(f"/api/v1/ecritures/{done['resultat']['ecriture_a_nouveaux']}/").json
    tiers_lines = [(ln["tiers"], ln["debit"], ln["credit"]) for ln in an["lignes"] if ln["compte"] == "4111"]
    assert tiers_lines == [("C001", "59000", "0"), ("C002", "236000", "0"), ("C002", "0", "100000")]
    carried = ids(api, ouvertes="1")  # 2026 is closed: only the 2027 à-nouveaux lines are listed
    assert len(carried) == 3 and all("(" in label for label in carried)
    c002 = [ln["id"] for ln in api.get(LINES, compte="4111", tiers="C002").json["resultats"]]
    api.post("/api/v1/lettrages/", {"lignes": c002}, status=422)  # 136 000 still open
    api.post(
        "/api/v1/lettrages/", {"lignes": [lines["Facture FA-2"], carried[next(iter(carried))]]}, status=409
    )


def test_the_aged_balance_read_by_months_equals_the_lines_aged_one_by_one(api, engine, books):
    """Whole months come from the sub-ledger's balances, the months a bucket's bound cuts from
    their lines: seen on any day, the sums are those of the open lines aged one by one."""
    rng = random.Random(20261207)
    for _ in range(60):
        day = f"{dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 330))}"
        amount, tiers = rng.randrange(1, 90) * 1000, rng.choice(["C001", "C002", "C003", None])
        if rng.random() < 0.6:
            lines = [("4111", amount, 0, tiers), ("7011", 0, amount, None)]
        else:
            lines = [("5211", amount, 0, None), ("4111", 0, amount, tiers)]
        api.post("/api/v1/ecritures/", entry(day, f"Pièce {day}", lines), status=201)
    for n, (invoiced, paid) in enumerate((("2026-01-28", "2026-03-03"), ("2026-04-30", "2026-05-02"))):
        tiers = f"C00{n + 1}"
        amount = 1_234_000 + n  # an amount no random line has: these pairs are the proposals
        api.post(
            "/api/v1/ecritures/",
            entry(invoiced, "Facture", [("4111", amount, 0, tiers), ("7011", 0, amount, None)]),
            status=201,
        )
        api.post(
            "/api/v1/ecritures/",
            entry(paid, "Règlement", [("5211", amount, 0, None), ("4111", 0, amount, tiers)]),
            status=201,
        )
    proposed = api.get("/api/v1/lettrages/propositions/", compte="4111").json["resultats"]
    made = [api.post("/api/v1/lettrages/", {"lignes": p["lignes"]}, status=201).json for p in proposed[:6]]
    api.delete(f"/api/v1/lettrages/{made[0]['id']}/", status=204)  # one délettrage: open again
    assert len(made) >= 2
    open_lines = api.get(LINES, compte="4111", ouvertes="1").json["resultats"]
    days = ["2026-01-31", "2026-02-15", "2026-03-02", "2026-04-30", "2026-05-31", "2026-06-01", "2026-08-17"]
    for at in [*days, "2026-10-29", "2026-12-31"]:
        seen = dt.date.fromisoformat(at)
        expected: dict[str | None, list[int]] = {}
        for ln in open_lines:
            age = (seen - dt.date.fromisoformat(ln["date"])).days
            if age < 0:
                continue
            bucket = 0 if age <= 30 else 1 if age <= 60 else 2 if age <= 90 else 3
            row = expected.setdefault(ln["tiers"], [0, 0, 0, 0])
            row[bucket] += int(ln["debit"]) - int(ln["credit"])
        aged = api.get("/api/v1/rapports/balance-agee/", comptes="411", au=at).json["lignes"]
        got = {row["tiers"]: [int(v) for v in row["tranches"]] for row in aged}
        assert got == {t: v for t, v in expected.items() if any(v)}, at
    with Session(engine) as s:  # the sub-ledger's balances follow postings, lettrages, délettrages
        assert verify.verify_company(s, books.company_id) == []
