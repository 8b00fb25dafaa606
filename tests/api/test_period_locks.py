"""Locking periods: a comptable locks a month or the year up to a date; nothing posts there
any more (entries, drafts' validation, reversals); only an administrator reopens."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import Api, login, sale
from wisebook.db import models
from wisebook.services.access import members, users

LOCK = "/api/v1/exercices/2026/verrouillage/"
UNLOCK = "/api/v1/exercices/2026/deverrouillage/"


def locked_months(answer) -> list[int]:
    return [p["numero"] for p in answer.json["periodes"] if p["verrouillee"]]


def posted(engine) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(models.Entry)))


def test_the_year_locked_up_to_a_date_takes_no_entry_there(api, engine):
    draft = api.post("/api/v1/ecritures/", sale(day="2026-02-10", post=False), status=201).json
    earlier = api.post("/api/v1/ecritures/", sale(day="2026-01-20"), status=201).json
    answer = api.post(LOCK, {"jusqu_au": "2026-03-31"}, status=200)
    assert locked_months(answer) == [1, 2, 3]
    before = posted(engine)
    refused = api.post("/api/v1/ecritures/", sale(day="2026-03-31"), status=422).json
    assert refused["erreurs"][0]["champ"] == "date_comptable"
    assert "verrouill" in refused["detail"]
    api.post(f"/api/v1/ecritures/{draft['id']}/validation/", status=422)
    api.post(f"/api/v1/ecritures/{earlier['id']}/extourne/", {"date_comptable": "2026-03-02"}, status=422)
    assert posted(engine) == before
    api.post("/api/v1/ecritures/", sale(day="2026-04-01"), status=201)  # the next month is open


def test_one_month_and_reopening_by_an_administrator_only(api, testapp, engine, books):
    assert locked_months(api.post(LOCK, {"periode": 5}, status=200)) == [5]
    with Session(engine) as s, s.begin():
        user = users.create_user(s, "compta@cabinet.ci", "un mot de passe assez long")
        members.add_member(s, books.company_id, user.id, "comptable")
    comptable = Api(testapp, login(testapp, "compta@cabinet.ci", "un mot de passe assez long"))
    assert locked_months(comptable.post(LOCK, {"periode": 6}, status=200)) == [5, 6]
    comptable.post(UNLOCK, {"periode": 5}, status=403)
    assert locked_months(api.post(UNLOCK, {"periode": 5}, status=200)) == [6]
    api.post("/api/v1/ecritures/", sale(day="2026-05-15"), status=201)
    audit = api.get("/api/v1/journal-audit/").json["resultats"]
    assert [a["action"] for a in audit[:3]] == ["entries", "fiscal_year_unlock", "fiscal_year_lock"]


def test_bad_lock_requests_are_clear_4xx(api):
    for body, field in (
        ({}, "periode"),
        ({"periode": 3, "jusqu_au": "2026-03-31"}, "periode"),
        ({"jusqu_au": "2027-01-31"}, "jusqu_au"),
        ({"jusqu_au": "31/03/2026"}, "jusqu_au"),
        ({"periode": 0}, "periode"),
        ({"periode": 20}, "periode"),
        ({"periode": "3"}, "periode"),
    ):
        answer = api.post(LOCK, body, status=422).json
        assert answer["erreurs"][0]["champ"] == field, body
    api.post("/api/v1/exercices/1999/verrouillage/", {"periode": 1}, status=404)
    api.post_raw(LOCK, b"{not json", status=400)
