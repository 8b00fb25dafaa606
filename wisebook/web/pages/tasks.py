"""The task monitor (``/admin/taches/``): what the deployment guide's Flower showed, for
administrators — the queue, the processes' heartbeats, each run with its progress, error and
traceback, the periodic schedule; retry and revoke from the page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response
from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.ledger.errors import LedgerError
from wisebook.ops import health
from wisebook.services.access import auth
from wisebook.services.access.permissions import Permission
from wisebook.services.platform import taskruns
from wisebook.tasks.queue import JOBS
from wisebook.tasks.schedule import SCHEDULE
from wisebook.web import runs as task_runs
from wisebook.web.i18n import _, translate
from wisebook.web.renderers import message_page

STATE_LABELS = {
    "en_attente": _("En attente"),
    "en_cours": _("En cours"),
    "reussie": _("Réussie"),
    "echec": _("Échec"),
    "annulee": _("Annulée"),
}


def _duration(run: models.TaskRun) -> str:
    if run.started_at is None:
        return ""
    end = run.finished_at or dt.datetime.now(dt.UTC)
    seconds = int((auth.aware(end) - auth.aware(run.started_at)).total_seconds())
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def monitor(request: Request) -> Response:
    """The runs (filtered by state, newest first), the queue, the processes, the schedule."""
    who = task_runs.viewer(request)
    state = request.params.get("etat") or None
    if state is not None and state not in STATE_LABELS:
        known = ", ".join(STATE_LABELS)
        return message_page(
            request, _("État inconnu"), translate(request, "États possibles : ${etats}.", etats=known), 400
        )
    try:
        listed = task_runs.listing(request)
    except LedgerError as exc:
        return message_page(request, _("Requête invalide"), exc.message, 400)
    runs = {
        run.id: run for run in taskruns.listing(request.db, who, states=[state] if state else None, limit=200)
    }
    for item in listed["resultats"]:
        run = runs.get(item["id"])
        item["duree"] = _duration(run) if run is not None else ""
    settings, queue = request.registry.wisebook_settings, request.registry.wisebook_queue
    now = dt.datetime.now(dt.UTC).timestamp()
    context = {
        "taches": listed["resultats"],
        "suivant": listed["suivant"],
        "compteurs": listed["compteurs"],
        "file": listed["file"],
        "etat": state,
        "etats": [(code, translate(request, label)) for code, label in STATE_LABELS.items()],
        "libelles": {code: translate(request, label) for code, label in STATE_LABELS.items()},
        "processus": {
            "worker": health.heartbeat(queue, "worker", now),
            "scheduler": health.heartbeat(queue, "scheduler", now),
        },
        "periodiques": [
            {
                "libelle": translate(request, label),
                "quand": translate(request, when, heure=f"{settings.backup_hour:02d}:00"),
            }
            for label, when in ((item.label, item.said) for item in SCHEDULE)
        ],
        "csrf": request.wisebook_csrf,
        "travaux": sorted(JOBS),
    }
    return render_to_response("admin_taches.html", context, request=request)


def act(request: Request) -> Response:
    """Retry or revoke from the page's buttons (a form carrying the session's CSRF token,
    checked with the session itself: without it the caller is nobody)."""
    who = task_runs.viewer(request)
    run_id, action = request.matchdict["id"], request.matchdict["action"]
    queue = request.registry.wisebook_queue
    try:
        if action == "relance":
            run = taskruns.retry(request.db, who, run_id)
            queue.enqueue_after_commit(request.db, run.id)
        else:
            run = taskruns.revoke(request.db, who, run_id)
            if run.state == taskruns.RUNNING:
                queue.cancel(run.id)
    except LedgerError as exc:
        return message_page(request, _("Action impossible"), exc.message, exc.status)
    return HTTPSeeOther(request.route_url("admin_tasks"))


def includeme(config: Any) -> None:
    """The monitor's views."""
    config.add_view(
        monitor, route_name="admin_tasks", request_method="GET", permission=Permission.RUNS_CONTROL
    )
    config.add_view(
        act, route_name="admin_task_action", request_method="POST", permission=Permission.RUNS_CONTROL
    )
