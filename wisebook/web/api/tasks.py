"""Background work seen through the API: a run's state and progress, the list, retry, revoke;
and the long operations that answer 202 with the run's address."""

from __future__ import annotations

from typing import Any

from pyramid.request import Request
from pyramid.response import Response

from wisebook.db import models
from wisebook.services.access.permissions import Permission
from wisebook.services.platform import taskruns
from wisebook.web import runs
from wisebook.web.api import json_response


def accepted(request: Request, run: models.TaskRun) -> Response:
    """202 Accepted, the run's address in ``Location`` and in the body."""
    response = json_response(runs.present(request, run, runs.viewer(request)), status=202)
    response.headers["Location"] = request.route_url("task", id=run.id)
    return response


def list_tasks(request: Request) -> dict[str, Any]:
    """Runs, newest first; ``etat`` filters (comma-separated), keyset-paged."""
    return runs.listing(request)


def get_task(request: Request) -> Response:
    """One run: state, progress, result or error."""
    who = runs.viewer(request)
    return json_response(runs.present(request, taskruns.get(request.db, who, request.matchdict["id"]), who))


def retry_task(request: Request) -> Response:
    """Queue a failed or revoked run again."""
    who = runs.viewer(request)
    run = taskruns.retry(request.db, who, request.matchdict["id"])
    request.registry.wisebook_queue.enqueue_after_commit(request.db, run.id)
    return accepted(request, run)


def revoke_task(request: Request) -> Response:
    """Cancel a queued run, or ask a running one to stop (its work is rolled back)."""
    who = runs.viewer(request)
    run = taskruns.revoke(request.db, who, request.matchdict["id"])
    if run.state == taskruns.RUNNING:
        request.registry.wisebook_queue.cancel(run.id)
    return json_response(runs.present(request, run, who))


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
