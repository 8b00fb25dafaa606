"""Company scoping in one place: a scoped session sees one company's books, whatever the query."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tests.conftest import Api, login, register_usual_tiers, sale
from wisebook.db import models, scope_to_company
from wisebook.services.access import members, users
from wisebook.services.books import companies, years


def test_a_query_without_a_company_filter_sees_only_the_scoped_company(api, engine, testapp, books):
    mine = api.post("/api/v1/ecritures/", sale(), status=201).json["id"]
    with Session(engine) as s, s.begin():
        other = companies.create_company(s, "Voisine SARL", "CI", None)
        years.create_fiscal_year(s, other.id, 2026)
        register_usual_tiers(s, other.id)
        owner = users.create_user(s, "voisin@exemple.ci", "un mot de passe assez long")
        members.add_member(s, other.id, owner.id, "admin")
        other_id = other.id
    theirs = Api(testapp, login(testapp, "voisin@exemple.ci", "un mot de passe assez long"))
    their_entry = theirs.post("/api/v1/ecritures/", sale(), status=201).json["id"]

    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(models.Entry)) == 2  # unscoped: both
    with Session(engine) as s:
        scope_to_company(s, books.company_id)
        assert s.scalars(select(models.Entry.id)).all() == [mine]  # no company filter written
        assert s.get(models.Entry, their_entry) is None
        assert {a.company_id for a in s.scalars(select(models.Account).limit(5000))} == {books.company_id}
        assert (
            s.execute(update(models.Journal).where(models.Journal.code == "VTE").values(label="x")).rowcount
            == 1
        )
        s.rollback()
    with Session(engine) as s:
        scope_to_company(s, other_id)
        assert s.scalars(select(models.Entry.id)).all() == [their_entry]
