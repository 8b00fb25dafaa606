"""A task run as the API and the task monitor both show it, and who is looking."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from pyramid.request import Request

from wisebook.db import models
from wisebook.ledger.errors import InvalidInput, LedgerError
from wisebook.services.access import auth
from wisebook.services.access.permissions import Permission
from wisebook.services.platform import taskruns
from wisebook.tasks.queue import JOBS
from wisebook.web.api import query_int


def viewer(request: Request) -> taskruns.Viewer:
    """Who looks: the operator sees and steers every run (backups included), wherever they
    ask from; members see their company's runs, its administrators steer them."""
    identity = request.wisebook_identity
    if identity.operator:
        return taskruns.Viewer(identity.user_id, None, operator=True, admin=True)
    company = request.company
    admin = company is not None and Permission.RUNS_CONTROL in company.permissions
    return taskruns.Viewer(identity.user_id, company.id if company else None, operator=False, admin=admin)


def company_run(request: Request, ref: str, name: str) -> models.TaskRun | None:
    """The run ``ref`` of the job ``name`` in the request's company, as a page follows it
    (``?tache=``), or None: a malformed id, another job's, another company's, or one not seen."""
    if len(ref) != 32 or not all(c in "0123456789abcdef" for c in ref):
        return None
    try:
        found = taskruns.get(request.db, viewer(request), ref)
    except LedgerError:
        return None
    return found if found.name == name and found.company_id == request.company.id else None


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


def listing(request: Request) -> dict[str, Any]:
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
