"""Background work seen through the API: a run's state and progress, the list, retry, revoke;
and the long operations that answer 202 with the run's address."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from ...db import models
from ...ledger.errors import InvalidInput
from ...services import auth, taskruns
from ...services.permissions import Permission
from ...tasks import JOBS
from . import json_response, query_int


def viewer(request: Request) -> taskruns.Viewer:
    """Who looks: the operator sees and steers every run (backups included), wherever they
    ask from; members see their company's runs, its administrators steer them."""
    identity = request.wisebook_identity
    if identity.operator:
        return taskruns.Viewer(identity.user_id, None, operator=True, admin=True)
    company = request.company
    admin = company is not None and Permission.RUNS_CONTROL in company.permissions
    return taskruns.Viewer(identity.user_id, company.id if company else None, operator=False, admin=admin)


def present(request: Request, run: models.TaskRun, who: taskruns.Viewer) -> dict[str, Any]:
    """A run as the API shows it; live progress from the queue while it runs."""
    queue = request.registry.wisebook_queue
    live = queue.live(run.id) if run.state == taskruns.RUNNING else None
    done = live.done if live else (1 if run.state == taskruns.SUCCEEDED else 0)
    total = live.total if live else (1 if run.state == taskruns.SUCCEEDED else None)
    body: dict[str, Any] = {
        "id": run.id,
        "nom": run.name,
        "libelle": JOBS[run.name].label if run.name in JOBS else run.name,
        "etat": run.state,
        "progression": {
            "fait": done,
            "total": total,
            "pourcentage": (100 * done // total) if total else None,
            "message": (live.message if live else None) or run.message,
        },
        "tentatives": run.attempts,
        "tentatives_max": run.max_attempts,
        "resultat": taskruns.result_of(run) if run.state == taskruns.SUCCEEDED else None,
        "erreur": None,
        "cree_le": auth.aware(run.created_at),
        "commence_le": auth.aware(run.started_at) if run.started_at else None,
        "termine_le": auth.aware(run.finished_at) if run.finished_at else None,
        "url": request.route_url("task", id=run.id),
    }
    if run.error and run.state in (taskruns.FAILED, taskruns.QUEUED, taskruns.REVOKED):
        body["erreur"] = {
            "type": "https://wisebook.app/problemes/tache",
            "title": "La tâche a échoué."
            if run.state == taskruns.FAILED
            else "Tentative précédente en échec.",
            "status": 500 if run.state == taskruns.FAILED else 503,
            "detail": run.error,
        }
        if who.admin:
            body["erreur"]["trace"] = run.traceback
    return body


def accepted(request: Request, run: models.TaskRun) -> Response:
    """202 Accepted, the run's address in ``Location`` and in the body."""
    response = json_response(present(request, run, viewer(request)), status=202)
    response.headers["Location"] = request.route_url("task", id=run.id)
    return response


def _cursor(run: models.TaskRun) -> str:
    raw = f"{auth.aware(run.created_at).isoformat()}|{run.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(raw: str | None) -> tuple[dt.datetime, str] | None:
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        at, run_id = text.split("|")
        return dt.datetime.fromisoformat(at), run_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("Curseur invalide.", field="apres") from None


def list_tasks(request: Request) -> dict[str, Any]:
    """Runs, newest first; ``etat`` filters (comma-separated), keyset-paged."""
    who = viewer(request)
    states = [s for s in (request.params.get("etat") or "").split(",") if s]
    unknown = sorted(set(states) - set(models.TASK_STATES))
    if unknown:
        raise InvalidInput(f"État inconnu ; possibles : {', '.join(models.TASK_STATES)}.", field="etat")
    limit = query_int(request, "limite", 50)
    if limit is None or not 1 <= limit <= 500:
        raise InvalidInput("Entre 1 et 500.", field="limite")
    runs = taskruns.listing(
        request.db, who, states=states, limit=limit + 1, before=_after(request.params.get("apres"))
    )
    following = _cursor(runs[limit - 1]) if len(runs) > limit else None
    queue = request.registry.wisebook_queue
    try:
        waiting: dict[str, Any] = {"en_attente": queue.pending_count(), "planifiees": queue.scheduled_count()}
    except Exception:  # noqa: BLE001 - the queue is away: the runs are still listed
        waiting = {"en_attente": None, "planifiees": None}
    return {
        "resultats": [present(request, run, who) for run in runs[:limit]],
        "suivant": following,
        "compteurs": taskruns.counts(request.db, who),
        "file": waiting,
    }


def get_task(request: Request) -> Response:
    """One run: state, progress, result or error."""
    who = viewer(request)
    return json_response(present(request, taskruns.get(request.db, who, request.matchdict["id"]), who))


def retry_task(request: Request) -> Response:
    """Queue a failed or revoked run again."""
    who = viewer(request)
    run = taskruns.retry(request.db, who, request.matchdict["id"])
    request.registry.wisebook_queue.enqueue_after_commit(request.db, run.id)
    return accepted(request, run)


def revoke_task(request: Request) -> Response:
    """Cancel a queued run, or ask a running one to stop (its work is rolled back)."""
    who = viewer(request)
    run = taskruns.revoke(request.db, who, request.matchdict["id"])
    if run.state == taskruns.RUNNING:
        request.registry.wisebook_queue.cancel(run.id)
    return json_response(present(request, run, who))


def verify_books(request: Request) -> Response:
    """Check the company's hash chain, numbering and balances in the background."""
    run = request.registry.wisebook_queue.submit(
        request.db,
        "verification",
        company_id=request.company.id,
        user_id=request.wisebook_identity.user_id,
    )
    return accepted(request, run)


def backup_now(request: Request) -> Response:
    """A backup of the whole installation now (the operator only: it holds every company)."""
    run = request.registry.wisebook_queue.submit(
        request.db, "sauvegarde", {"etiquette": "manuelle"}, user_id=request.wisebook_identity.user_id
    )
    return accepted(request, run)


def includeme(config: Any) -> None:
    """Members see their company's runs; administrators retry and revoke; the operator sees and
    steers every run and backs up the installation."""
    config.add_view(
        list_tasks, route_name="tasks", request_method="GET", renderer="json", permission=Permission.RUNS
    )
    config.add_view(get_task, route_name="task", request_method="GET", permission=Permission.RUNS)
    config.add_view(
        retry_task, route_name="task_retry", request_method="POST", permission=Permission.RUNS_CONTROL
    )
    config.add_view(
        revoke_task, route_name="task_revoke", request_method="POST", permission=Permission.RUNS_CONTROL
    )
    config.add_view(
        verify_books, route_name="verification", request_method="POST", permission=Permission.VERIFY
    )
    config.add_view(backup_now, route_name="backups", request_method="POST", permission=Permission.OPERATE)
