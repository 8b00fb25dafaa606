"""The tasks API without a worker: who sees which run, paging, the error as a problem, bad input."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tests.conftest import Api, login
from wisebook.services.access import members, users
from wisebook.services.books import companies
from wisebook.services.platform import taskruns

PASSWORD = "un mot de passe assez long"


def failed_run(engine, company_id: int | None, name: str = "verification") -> str:
    with Session(engine) as s, s.begin():
        run = taskruns.create(s, name, company_id=company_id)
        run.state, run.attempts = taskruns.RUNNING, 1
        s.flush()
        taskruns.fail(
            s,
            run.id,
            "OperationalError: base injoignable",
            "Traceback (most recent call last): …",
            again=False,
        )
        return str(run.id)


def member(testapp, engine, company_id: int, email: str, role: str) -> Api:
    with Session(engine) as s, s.begin():
        user = users.create_user(s, email, PASSWORD)
        members.add_member(s, company_id, user.id, role)
    return Api(testapp, login(testapp, email, PASSWORD))


def test_a_failed_run_answers_its_error_as_a_problem_with_the_trace_for_admins(api, testapp, engine, books):
    run_id = failed_run(engine, books.company_id)
    shown = api.get(f"/api/v1/taches/{run_id}/").json
    assert shown["etat"] == "echec"
    assert shown["resultat"] is None
    problem = shown["erreur"]
    assert (problem["status"], problem["title"], problem["detail"]) == (
        500,
        "La tâche a échoué.",
        "OperationalError: base injoignable",
    )
    assert problem["type"].startswith("https://")
    assert problem["trace"].startswith("Traceback")
    reader = member(testapp, engine, books.company_id, "lecteur@cabinet.ci", "lecteur")
    assert "trace" not in reader.get(f"/api/v1/taches/{run_id}/").json["erreur"]
    reader.post(f"/api/v1/taches/{run_id}/relance/", status=403)


def test_runs_are_seen_only_in_their_company_and_system_runs_by_the_operator(api, testapp, engine, books):
    mine = failed_run(engine, books.company_id)
    system = failed_run(engine, None, "sauvegarde")
    with Session(engine) as s, s.begin():
        other = companies.create_company(s, "Autre Société SA", "SN", None)
        other_id = other.id
        users.create_user(s, "exploitant@cabinet.ci", PASSWORD, superuser=True)
    theirs = failed_run(engine, other_id)
    operator = Api(testapp, login(testapp, "exploitant@cabinet.ci", PASSWORD))
    assert {r["id"] for r in operator.get("/api/v1/taches/").json["resultats"]} == {mine, system, theirs}
    company_admin = member(testapp, engine, books.company_id, "admin2@cabinet.ci", "admin")
    seen = company_admin.get("/api/v1/taches/").json
    assert [r["id"] for r in seen["resultats"]] == [mine]
    assert seen["compteurs"]["echec"] == 1
    company_admin.get(f"/api/v1/taches/{theirs}/", status=404)
    company_admin.get(f"/api/v1/taches/{system}/", status=404)
    company_admin.post("/api/v1/sauvegardes/", status=403)  # the whole installation: the operator


def test_the_list_pages_newest_first_and_filters_by_state(api, engine, books):
    made = [failed_run(engine, books.company_id) for _ in range(5)]
    with Session(engine) as s, s.begin():
        queued = taskruns.create(s, "verification", company_id=books.company_id).id
    seen, cursor = [], None
    while True:
        params = {"limite": "2", **({"apres": cursor} if cursor else {})}
        page = api.get("/api/v1/taches/", **params).json
        seen += [r["id"] for r in page["resultats"]]
        cursor = page["suivant"]
        if cursor is None:
            break
    assert seen == [queued, *reversed(made)]
    only = api.get("/api/v1/taches/", etat="en_attente").json["resultats"]
    assert [r["id"] for r in only] == [queued]
    both = api.get("/api/v1/taches/", etat="en_attente,echec").json["resultats"]
    assert len(both) == 6


def test_bad_input_is_a_clear_4xx(api, engine, books):
    run_id = failed_run(engine, books.company_id)
    assert api.get("/api/v1/taches/", status=422, etat="perdue").json["erreurs"][0]["champ"] == "etat"
    assert api.get("/api/v1/taches/", status=422, limite="0").json["erreurs"][0]["champ"] == "limite"
    assert (
        api.get("/api/v1/taches/", status=422, apres="pas-un-curseur").json["erreurs"][0]["champ"] == "apres"
    )
    api.get("/api/v1/taches/" + "0" * 32 + "/", status=404)
    api.get("/api/v1/taches/nimporte-quoi/", status=404)
    api.post(f"/api/v1/taches/{run_id}/annulation/", status=409)  # already finished
    retried = api.post(f"/api/v1/taches/{run_id}/relance/", status=202).json
    assert (retried["etat"], retried["tentatives"]) == ("en_attente", 0)
    api.post(f"/api/v1/taches/{run_id}/relance/", status=409)  # queued, not failed
