"""The retry policy, run as the worker runs it (``Queue.execute``) on an in-memory Huey: a
transient failure is retried later with its work rolled back, a bug fails at once with its
traceback, and the attempts are bounded."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from huey import MemoryHuey
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.services.platform import taskruns
from wisebook.tasks.queue import Queue, Transient, job

FAILURES: dict[str, int] = {}


@job("test.fragile", max_attempts=3)
def fragile(ctx: Any, session: Session, kind: str, failures: int) -> dict[str, int]:
    """Writes a user, then fails ``failures`` times (transient or a bug) before succeeding."""
    session.add(models.User(email=f"{ctx.run_id}@essai.ci", password_hash="x"))
    session.flush()
    seen = FAILURES[ctx.run_id] = FAILURES.get(ctx.run_id, 0) + 1
    if seen <= failures:
        raise Transient("serveur absent") if kind == "transient" else ZeroDivisionError("bogue")
    return {"essai": seen}


@pytest.fixture
def queue(engine: Any, backend_settings: Any) -> Queue:
    return Queue(backend_settings, engine, MemoryHuey("essais", immediate=False))


def submit(queue: Queue, engine: Any, kind: str, failures: int) -> str:
    with Session(engine) as s, s.begin():
        run_id = str(queue.submit(s, "test.fragile", {"kind": kind, "failures": failures}).id)
    assert [t.id for t in queue.huey.pending()] == [run_id]  # sent once the transaction committed
    queue.huey.flush()  # the test plays the worker: it takes the message itself
    return run_id


def state(engine: Any, run_id: str) -> models.TaskRun:
    with Session(engine) as s:
        run = s.get(models.TaskRun, run_id)
        s.expunge(run)
        return run


def written(engine: Any, run_id: str) -> int:
    with Session(engine) as s:
        return int(
            s.scalar(
                select(func.count()).select_from(models.User).where(models.User.email.like(f"{run_id}@%"))
            )
        )


def test_a_transient_failure_is_retried_later_and_its_work_rolled_back(queue, engine):
    run_id = submit(queue, engine, "transient", failures=1)
    queue.execute(run_id)
    run = state(engine, run_id)
    assert (run.state, run.attempts, run.error) == ("en_attente", 1, "Transient: serveur absent")
    assert written(engine, run_id) == 0
    retry = [t for t in queue.huey.pending() if t.id == run_id and t.eta is not None]
    assert len(retry) == 1  # the worker that takes it holds it until its time: a delay
    assert retry[0].eta > dt.datetime.now(dt.UTC).replace(tzinfo=None)
    queue.execute(run_id)
    run = state(engine, run_id)
    assert (run.state, run.attempts) == ("reussie", 2)
    assert taskruns.result_of(run) == {"essai": 2}
    assert written(engine, run_id) == 1


def test_a_bug_fails_at_once_with_its_traceback(queue, engine):
    run_id = submit(queue, engine, "bug", failures=1)
    queue.execute(run_id)
    run = state(engine, run_id)
    assert (run.state, run.attempts) == ("echec", 1)
    assert run.error == "ZeroDivisionError: bogue"
    assert "ZeroDivisionError" in run.traceback and "fragile" in run.traceback
    assert written(engine, run_id) == 0
    assert not [t for t in queue.huey.pending() if t.id == run_id]


def test_attempts_are_bounded(queue, engine):
    run_id = submit(queue, engine, "transient", failures=10)
    for _ in range(3):
        queue.execute(run_id)
    run = state(engine, run_id)
    assert (run.state, run.attempts) == ("echec", 3)
    queue.execute(run_id)  # a late duplicate message changes nothing
    assert state(engine, run_id).attempts == 3
    assert written(engine, run_id) == 0
