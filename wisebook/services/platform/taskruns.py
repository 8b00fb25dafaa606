"""The lasting side of background work: one ``task_runs`` row per run, and its state changes.

A run is ``en_attente`` (queued) → ``en_cours`` (claimed by one worker) → ``reussie``,
``echec`` or ``annulee``. Claiming is one conditional UPDATE, so two copies of a message (a
retry racing a late original) run the work once. ``wisebook.tasks.queue`` moves messages through
the queue; this module only reads and writes rows.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, NotFound

QUEUED, RUNNING, SUCCEEDED, FAILED, REVOKED = (
    models.QUEUED,
    models.RUNNING,
    models.SUCCEEDED,
    models.FAILED,
    models.REVOKED,
)
FINISHED = (SUCCEEDED, FAILED, REVOKED)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create(
    session: Session,
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    company_id: int | None = None,
    user_id: int | None = None,
    max_attempts: int = 3,
) -> models.TaskRun:
    """A queued run, written in the caller's transaction (the message follows its commit)."""
    run = models.TaskRun(
        id=uuid.uuid4().hex,
        name=name,
        company_id=company_id,
        user_id=user_id,
        params=json.dumps(dict(params or {}), sort_keys=True, default=str),
        state=QUEUED,
        attempts=0,
        max_attempts=max_attempts,
        created_at=_now(),
    )
    session.add(run)
    session.flush()
    return run


def claim(session: Session, run_id: str, worker: str) -> models.TaskRun | None:
    """Take a queued run for ``worker``: the run, or None when it is not (or no longer) queued."""
    claimed = session.execute(
        update(models.TaskRun)
        .where(models.TaskRun.id == run_id, models.TaskRun.state == QUEUED)
        .values(
            state=RUNNING,
            attempts=models.TaskRun.attempts + 1,
            worker=worker,
            started_at=_now(),
            error=None,
            traceback=None,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return session.get(models.TaskRun, run_id, populate_existing=True)


def succeed(session: Session, run_id: str, result: Any, message: str | None = None) -> None:
    """Mark the run done, in the transaction that holds its work."""
    session.execute(
        update(models.TaskRun)
        .where(models.TaskRun.id == run_id)
        .values(
            state=SUCCEEDED,
            result=json.dumps(result, default=str),
            message=message,
            finished_at=_now(),
        )
        .execution_options(synchronize_session=False)
    )


def fail(session: Session, run_id: str, error: str, traceback: str | None, *, again: bool) -> None:
    """Record a failed attempt: queued again when ``again``, else ``echec`` for good."""
    session.execute(
        update(models.TaskRun)
        .where(models.TaskRun.id == run_id)
        .values(
            state=QUEUED if again else FAILED,
            error=error[:500],
            traceback=traceback,
            worker=None,
            finished_at=None if again else _now(),
        )
        .execution_options(synchronize_session=False)
    )


def mark_revoked(session: Session, run_id: str, message: str) -> None:
    """The run stopped because it was revoked; its work was rolled back."""
    session.execute(
        update(models.TaskRun)
        .where(models.TaskRun.id == run_id)
        .values(state=REVOKED, message=message, worker=None, finished_at=_now())
        .execution_options(synchronize_session=False)
    )


def requeue_lost(session: Session, run_ids: Sequence[str]) -> list[str]:
    """Put runs whose worker died mid-way back in the queue (their work was never committed);
    those that used all their attempts fail instead. The ids requeued."""
    requeued = []
    for run in session.scalars(
        select(models.TaskRun).where(models.TaskRun.id.in_(run_ids), models.TaskRun.state == RUNNING)
    ):
        lost = f"interrompue (processus {run.worker} arrêté pendant la tâche)"
        if run.attempts >= run.max_attempts:
            run.state, run.error, run.finished_at, run.worker = FAILED, lost, _now(), None
        else:
            run.state, run.error, run.worker = QUEUED, lost, None
            requeued.append(run.id)
    session.flush()
    return requeued


def running(session: Session) -> list[models.TaskRun]:
    """Runs some worker holds now."""
    return list(session.scalars(select(models.TaskRun).where(models.TaskRun.state == RUNNING)))


def queued_before(session: Session, before: dt.datetime) -> list[str]:
    """Ids of runs queued since before ``before`` (their message may have been lost)."""
    return list(
        session.scalars(
            select(models.TaskRun.id).where(
                models.TaskRun.state == QUEUED, models.TaskRun.created_at < before
            )
        )
    )


@dataclass(frozen=True)
class Viewer:
    """Who looks at runs: the operator sees every run, members their company's runs."""

    user_id: int
    company_id: int | None
    operator: bool
    admin: bool  # sees tracebacks and may retry or revoke


def _visible(viewer: Viewer) -> Any:
    if viewer.operator:
        return True
    return models.TaskRun.company_id == viewer.company_id


def get(session: Session, viewer: Viewer, run_id: str) -> models.TaskRun:
    """One run the viewer may see; NotFound otherwise (never says it exists elsewhere)."""
    run = session.get(models.TaskRun, run_id) if len(run_id) <= 32 else None
    if run is None or not (viewer.operator or run.company_id == viewer.company_id):
        raise NotFound("Tâche introuvable.")
    return run


def listing(
    session: Session,
    viewer: Viewer,
    *,
    states: Sequence[str] | None = None,
    limit: int = 100,
    before: tuple[dt.datetime, str] | None = None,
) -> list[models.TaskRun]:
    """Runs the viewer may see, newest first, keyset-paged on (created_at, id)."""
    run = models.TaskRun
    query = select(run).where(_visible(viewer))
    if states:
        query = query.where(run.state.in_(states))
    if before is not None:
        at, run_id = before
        query = query.where(or_(run.created_at < at, (run.created_at == at) & (run.id < run_id)))
    return list(session.scalars(query.order_by(run.created_at.desc(), run.id.desc()).limit(limit)))


def latest(session: Session, viewer: Viewer, name: str) -> models.TaskRun | None:
    """The viewer's latest run of the task ``name`` (its company's), if any."""
    run = models.TaskRun
    query = select(run).where(_visible(viewer), run.name == name)
    return session.scalars(query.order_by(run.created_at.desc(), run.id.desc()).limit(1)).first()


def counts(session: Session, viewer: Viewer) -> dict[str, int]:
    """How many runs the viewer may see in each state."""
    from sqlalchemy import func

    rows = session.execute(
        select(models.TaskRun.state, func.count()).where(_visible(viewer)).group_by(models.TaskRun.state)
    ).all()
    found = {state: 0 for state in models.TASK_STATES}
    found.update({state: int(n) for state, n in rows})
    return found


def retry(session: Session, viewer: Viewer, run_id: str) -> models.TaskRun:
    """Queue a failed or revoked run again, its attempts counted afresh."""
    run = get(session, viewer, run_id)
    if run.state not in (FAILED, REVOKED):
        raise Conflict("Seule une tâche en échec ou annulée peut être relancée.", field="etat")
    run.state, run.attempts, run.finished_at, run.worker = QUEUED, 0, None, None
    run.message = "relancée"
    session.flush()
    return run


def revoke(session: Session, viewer: Viewer, run_id: str) -> models.TaskRun:
    """Cancel a queued run at once; a running one stops at its next progress report."""
    run = get(session, viewer, run_id)
    if run.state == QUEUED:
        run.state, run.finished_at, run.message = REVOKED, _now(), "annulée avant son début"
    elif run.state != RUNNING:
        raise Conflict("Cette tâche est déjà terminée.", field="etat")
    session.flush()
    return run


def prune(session: Session, older_than: dt.datetime) -> int:
    """Forget finished runs older than ``older_than``; how many."""
    from sqlalchemy import delete

    result = session.execute(
        delete(models.TaskRun).where(
            models.TaskRun.state.in_(FINISHED), models.TaskRun.created_at < older_than
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def params_of(run: models.TaskRun) -> dict[str, Any]:
    """The run's parameters."""
    loaded: dict[str, Any] = json.loads(run.params or "{}")
    return loaded


def result_of(run: models.TaskRun) -> Any:
    """The run's result, or None."""
    return json.loads(run.result) if run.result else None


Alive = Callable[[int], bool]
