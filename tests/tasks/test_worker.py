"""Background work with a real Huey consumer in its own process: Redis beside PostgreSQL (the
appliance), Huey's SQLite file beside SQLite (the embedded profile).

What is shown: a message leaves only with a committed transaction; progress is visible
through the API while the job runs; a worker killed with SIGKILL mid-way leaves nothing
half-written and the next worker runs the job again to its end; a revoked running job stops
and writes nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import ADMIN_EMAIL, login, settings_environ, stop
from tests.tasks import worker_app
from wisebook import make_config
from wisebook.db import models
from wisebook.ledger.errors import InvalidInput
from wisebook.services import verify
from wisebook.services.access import users
from wisebook.services.access.permissions import Permission

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("WISEBOOK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:  # float-ok
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"toujours pas au bout de {timeout} s : {what}")


class Profile:
    """The settings of one installation (database, queue), as the app and the worker read them."""

    def __init__(self, backend: str, settings: Any):
        self.environ = settings_environ(settings, WISEBOOK_QUEUE_NAME=f"test-{uuid.uuid4().hex[:12]}")
        self.environ["WISEBOOK_BACKUP_DIR"] = str(
            settings.data_dir / f"sauvegardes-{self.environ['WISEBOOK_QUEUE_NAME']}"
        )
        if backend == "postgresql":
            self.environ["REDIS_URL"] = REDIS_URL
        self.workers: list[subprocess.Popen[bytes]] = []
        self.log = settings.data_dir / f"{self.environ['WISEBOOK_QUEUE_NAME']}.log"

    def app(self, engine: Any, extra: Callable[[Any], None] | None = None) -> Any:
        overrides = {k.lower(): v for k, v in self.environ.items()}
        overrides["wisebook_login_requests_per_minute"] = 100_000  # many logins from one client
        config = make_config(overrides, engine=engine)
        if extra is not None:
            extra(config)
        return config.make_wsgi_app()

    def start_worker(self, queue: Any) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.environ, "PYTHONPATH": str(ROOT)}
        with self.log.open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.tasks.worker_app"], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        self.workers.append(proc)

        def beating() -> bool:
            beat = queue.process_beat("worker")
            return bool(beat and beat["worker"].endswith(f":{proc.pid}"))

        wait_for("le worker bat", beating)
        return proc

    def stop(self) -> None:
        for proc in self.workers:
            stop(proc)


@pytest.fixture
def profile(backend: str, backend_settings: Any, engine: Any, books: Any) -> Iterator[Profile]:
    made = Profile(backend, backend_settings)
    yield made
    made.stop()


@pytest.fixture
def client(profile: Profile, engine: Any) -> Iterator[tuple[webtest.TestApp, dict[str, str], Any]]:
    app = profile.app(engine)
    testapp = webtest.TestApp(app)
    queue = app.registry.wisebook_queue
    yield testapp, {"Authorization": f"Bearer {login(testapp)}"}, queue
    queue.huey.flush()


def admin_id(engine: Any) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(models.User.id).where(models.User.email == ADMIN_EMAIL)))


def batch_entries(engine: Any) -> int:
    with Session(engine) as s:
        return int(
            s.scalar(
                select(func.count()).select_from(models.Entry).where(models.Entry.label == worker_app.LABEL)
            )
        )


def submit_batch(queue: Any, engine: Any, books: Any, count: int, pause: float) -> str:  # float-ok
    with Session(engine) as s, s.begin():
        run = queue.submit(
            s,
            "test.lot_lent",
            {"count": count, "pause": pause},
            company_id=books.company_id,
            user_id=admin_id(engine),
        )
        return str(run.id)


def run_state(testapp: webtest.TestApp, headers: dict[str, str], run_id: str) -> dict[str, Any]:
    return dict(testapp.get(f"/api/v1/taches/{run_id}/", headers=headers, status=200).json)


def test_a_long_operation_answers_202_and_its_result_comes_through_the_api(profile, client):
    testapp, headers, queue = client
    profile.start_worker(queue)
    answer = testapp.post("/api/v1/verification/", headers=headers, status=202)
    assert answer.headers["Location"] == answer.json["url"]
    assert answer.json["etat"] == "en_attente"
    done = wait_for(
        "la vérification se termine",
        lambda: (s := run_state(testapp, headers, answer.json["id"]))["etat"] == "reussie" and s,
    )
    assert done["resultat"] == {"conforme": True, "problemes": []}
    assert done["progression"]["message"] == "conforme"
    assert done["tentatives"] == 1


def test_a_backup_asked_through_the_api_is_made_by_the_worker(profile, client, engine):
    testapp, _admin, queue = client
    with Session(engine) as s, s.begin():  # the installation's operator backs up
        users.create_user(s, "exploitant@cabinet.ci", "un mot de passe assez long", superuser=True)
    headers = {
        "Authorization": f"Bearer {login(testapp, 'exploitant@cabinet.ci', 'un mot de passe assez long')}"
    }
    profile.start_worker(queue)
    answer = testapp.post("/api/v1/sauvegardes/", headers=headers, status=202)
    done = wait_for(
        "la sauvegarde se termine",
        lambda: (s := run_state(testapp, headers, answer.json["id"]))["etat"] == "reussie" and s,
        timeout=60,
    )
    dump = Path(profile.environ["WISEBOOK_BACKUP_DIR"]) / done["resultat"]["fichier"]
    assert dump.is_file() and Path(f"{dump}.manifest.json").is_file()
    assert done["resultat"]["taille"] == dump.stat().st_size
    assert done["progression"]["message"] == "sauvegarde terminée"


def test_progress_shows_through_the_api_while_the_job_runs(profile, client, engine, books):
    testapp, headers, queue = client
    profile.start_worker(queue)
    run_id = submit_batch(queue, engine, books, count=40, pause=0.05)
    seen = wait_for(
        "une progression partielle",
        lambda: (
            (s := run_state(testapp, headers, run_id))["etat"] == "en_cours"
            and 0 < s["progression"]["fait"] < 40
            and s
        ),
    )
    assert seen["progression"]["total"] == 40
    assert seen["progression"]["message"] == f"écriture {seen['progression']['fait']} sur 40"
    assert 0 <= seen["progression"]["pourcentage"] < 100
    wait_for("le lot se termine", lambda: run_state(testapp, headers, run_id)["etat"] == "reussie")
    assert batch_entries(engine) == 40


def test_a_rolled_back_request_queues_nothing(profile, engine):
    def add_failing_view(config: Any) -> None:
        def submit_then_fail(request: Any) -> Any:
            request.registry.wisebook_queue.submit(request.db, "verification", company_id=request.company.id)
            if request.params.get("echec"):
                raise InvalidInput("Refusé après la demande de tâche.", field="echec")
            from pyramid.response import Response

            return Response(status=204)

        config.add_route("test_submit", "/test/tache/")
        config.add_view(
            submit_then_fail, route_name="test_submit", request_method="POST", permission=Permission.READ
        )

    app = profile.app(engine, add_failing_view)
    testapp = webtest.TestApp(app)
    queue = app.registry.wisebook_queue
    headers = {"Authorization": f"Bearer {login(testapp)}"}
    try:
        testapp.post("/test/tache/?echec=1", headers=headers, status=422)
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(models.TaskRun)) == 0
        assert queue.pending_count() == 0
        testapp.post("/test/tache/", headers=headers, status=204)  # the same request, committed
        assert queue.pending_count() == 1
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(models.TaskRun)) == 1
    finally:
        queue.huey.flush()


def test_a_worker_killed_mid_way_leaves_nothing_half_written_and_the_job_is_run_again(
    profile, client, engine, books
):
    testapp, headers, queue = client
    first = profile.start_worker(queue)
    run_id = submit_batch(queue, engine, books, count=30, pause=0.1)
    wait_for(
        "le lot est à mi-chemin",
        lambda: run_state(testapp, headers, run_id)["progression"]["fait"] >= 8,
    )
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert batch_entries(engine) == 0  # eight entries were flushed, none committed
    with Session(engine) as s:
        run = s.get(models.TaskRun, run_id)
        assert (run.state, run.attempts) == ("en_cours", 1)

    profile.start_worker(queue)  # the new worker finds its dead predecessor's run
    done = wait_for(
        "le lot se termine au second essai",
        lambda: (s := run_state(testapp, headers, run_id))["etat"] == "reussie" and s,
        timeout=60,
    )
    assert done["tentatives"] == 2
    assert done["resultat"] == {"ecritures": 30}
    assert batch_entries(engine) == 30
    with Session(engine) as s:
        assert verify.verify_company(s, books.company_id) == []  # chain, numbering, balances


@pytest.mark.postgresql  # SQLite has one writer: the revoking request waits for the job's lock
def test_revoking_a_running_job_stops_it_and_writes_nothing(profile, client, engine, books):
    testapp, headers, queue = client
    profile.start_worker(queue)
    run_id = submit_batch(queue, engine, books, count=50, pause=0.1)
    wait_for("le lot a commencé", lambda: run_state(testapp, headers, run_id)["progression"]["fait"] >= 3)
    answer = testapp.post(f"/api/v1/taches/{run_id}/annulation/", headers=headers, status=200)
    assert answer.json["etat"] == "en_cours"  # it stops at its next progress report
    stopped = wait_for(
        "le lot s'arrête", lambda: (s := run_state(testapp, headers, run_id))["etat"] == "annulee" and s
    )
    assert "rien n'a été écrit" in stopped["progression"]["message"]
    assert batch_entries(engine) == 0
    testapp.post(f"/api/v1/taches/{run_id}/annulation/", headers=headers, status=409)


def test_revoking_a_queued_run_cancels_it_before_it_starts(profile, client, engine, books):
    testapp, headers, queue = client
    run_id = submit_batch(queue, engine, books, count=3, pause=0)
    answer = testapp.post(f"/api/v1/taches/{run_id}/annulation/", headers=headers, status=200)
    assert answer.json["etat"] == "annulee"
    profile.start_worker(queue)  # the message is still queued: the worker takes it and skips it
    wait_for("la file est vide", lambda: queue.pending_count() == 0)
    # The test worker runs one thread, taking messages in order: once a run sent after the
    # revoked one has finished, the revoked one's message has been taken and skipped.
    after = submit_batch(queue, engine, books, count=0, pause=0)
    wait_for("la tâche suivante se termine", lambda: run_state(testapp, headers, after)["etat"] == "reussie")
    assert run_state(testapp, headers, run_id)["etat"] == "annulee"
    assert batch_entries(engine) == 0
    again = testapp.post(f"/api/v1/taches/{run_id}/relance/", headers=headers, status=202)
    assert again.json["etat"] == "en_attente"
    wait_for("le lot relancé se termine", lambda: run_state(testapp, headers, run_id)["etat"] == "reussie")
    assert batch_entries(engine) == 3


@pytest.mark.postgresql  # the appliance's queue: Redis, its delayed messages and a real consumer
def test_a_transient_failure_is_retried_later_by_the_consumer_on_redis(
    profile, client, engine, books, tmp_path
):
    testapp, headers, queue = client
    profile.start_worker(queue)
    marker = tmp_path / "essai"
    with Session(engine) as s, s.begin():
        run = queue.submit(
            s,
            "test.fragile_une_fois",
            {"marker": str(marker)},
            company_id=books.company_id,
            user_id=admin_id(engine),
        )
        run_id = str(run.id)
    first = wait_for(
        "le premier essai échoue",
        lambda: (
            (r := run_state(testapp, headers, run_id))["tentatives"] == 1 and r["erreur"] is not None and r
        ),
    )
    assert first["etat"] == "en_attente" and marker.exists()
    assert first["erreur"]["detail"] == "Transient: service absent au premier essai"
    # in Redis, for its time (the worker records the failure, then schedules the retry)
    wait_for("la relance est planifiée", lambda: [t.id for t in queue.huey.scheduled()] == [run_id], 10)
    done = wait_for(
        "la relance réussit",
        lambda: (r := run_state(testapp, headers, run_id))["etat"] == "reussie" and r,
        60,
    )
    assert (done["tentatives"], done["resultat"]) == (2, {"essais": 2})


@pytest.mark.postgresql  # a million lines: the appliance's database
def test_a_worker_killed_while_it_imports_a_million_lines_leaves_nothing_then_all_of_it(
    profile, client, engine, books
):
    from tests.api.test_imports import csv_file, sale_rows

    testapp, headers, queue = client
    first = profile.start_worker(queue)
    data = csv_file(sale_rows(500_000))  # 1,000,000 lines
    accepted = testapp.post(
        "/api/v1/imports/ecritures/",
        upload_files=[("fichier", "historique.csv", data, "text/csv")],
        headers=headers,
        status=202,
    ).json
    writing = wait_for(
        "l'import écrit ses lignes",
        lambda: (s := run_state(testapp, headers, accepted["id"]))["progression"]["fait"] >= 60 and s,
        timeout=180,
    )
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    assert writing["progression"]["message"].startswith("lignes :")  # killed in the middle of COPY
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(models.Line)) == 0
        assert s.scalar(select(func.count()).select_from(models.Entry)) == 0
        assert s.scalar(select(func.count()).select_from(models.Import)) == 0
        assert s.scalar(select(func.count()).select_from(models.AccountBalance)) == 0
        assert set(s.scalars(select(models.JournalCounter.last_number))) <= {0}
        assert s.get(models.TaskRun, accepted["id"]).state == "en_cours"

    profile.start_worker(queue)  # the dead worker's run is queued again, and runs to its end
    done = wait_for(
        "l'import se termine au second essai",
        lambda: (s := run_state(testapp, headers, accepted["id"]))["etat"] in ("reussie", "echec") and s,
        timeout=300,
    )
    assert (done["etat"], done["tentatives"]) == ("reussie", 2)
    assert (done["resultat"]["statut"], done["resultat"]["lignes_importees"]) == ("importe", 1_000_000)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(models.Line)) == 1_000_000
        assert verify.verify_company(s, books.company_id) == []  # chain, numbering, balances
