"""Background work on Huey: Redis in the appliance, SQLite in the embedded profile.

How a piece of work runs:

1. ``Queue.submit`` writes a ``task_runs`` row in the caller's transaction; the message goes
   to Huey only once that transaction commits (a rolled-back request queues nothing).
2. A worker takes the message and *claims* the row (``en_attente`` → ``en_cours``, one
   conditional UPDATE: a duplicate message does nothing).
3. An atomic job runs in one transaction that also marks the row ``reussie``: the work and its
   success land together or not at all. A worker killed mid-way (``kill -9``) leaves the row
   ``en_cours`` and nothing else; the next worker to start, or the scheduler's minute sweep
   once the run's heartbeat is stale, queues it again.
4. While it runs, the job's progress (done/total, a message) and a heartbeat live in the
   queue's own store (Redis or Huey's SQLite file), so a long write transaction never blocks
   them and ``GET /api/v1/taches/{id}/`` shows them at once.

Processes: ``wisebook-ctl worker`` executes (no periodic schedule), ``wisebook-ctl scheduler``
only enqueues (periodic tasks and delayed retries); ``wisebook-ctl serve`` runs both in-process
for the embedded profile. Each beats a heartbeat the health check reads.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
import traceback as traceback_module
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.services.platform import taskruns
from wisebook.settings import Settings
from wisebook.tasks import schedule

log = logging.getLogger("wisebook.tasks")

RUN_TASK = "wisebook.run"
HEARTBEAT_SECONDS = 5  # a running job's liveness is refreshed this often
STALE_SECONDS = 60  # a running job silent this long is taken for dead
PROCESS_BEAT_SECONDS = 15
LOST_MESSAGE_SECONDS = 300  # a run queued this long without a message in the queue gets one again
PENDING_KEY = "wisebook.pending_runs"


def make_huey(settings: Settings) -> Huey:
    """Huey on Redis when ``REDIS_URL`` is set, else on a SQLite file in the data dir."""
    if settings.redis_url:
        # Timeouts: a Redis that went away must not hang a web request (enqueue, health).
        import redis

        pool = redis.ConnectionPool.from_url(
            settings.redis_url, socket_connect_timeout=3, socket_timeout=10, health_check_interval=30
        )
        return RedisHuey(settings.queue_name, connection_pool=pool)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(settings.queue_name, filename=str(settings.data_dir / "huey.sqlite3"), timeout=30)


def worker_name() -> str:
    """This process as the runs and heartbeats name it: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Cancelled(Exception):
    """Raised inside a job at a progress report once its run was revoked."""


class Transient(Exception):
    """A job's failure worth another attempt later (a server away, a lock taken)."""


@dataclass(frozen=True)
class Job:
    """A kind of background work: ``func(ctx, session, **params)``.

    ``atomic`` jobs get a session in a transaction that also marks the run done; the others
    get ``session=None`` and manage their own transactions (and must be safe to run twice).
    """

    name: str
    func: Callable[..., Any]
    atomic: bool = True
    max_attempts: int = 3
    label: str = ""


JOBS: dict[str, Job] = {}


def job(
    name: str, *, atomic: bool = True, max_attempts: int = 3, label: str = ""
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a kind of background work under ``name``."""

    def declare(func: Callable[..., Any]) -> Callable[..., Any]:
        JOBS[name] = Job(name, func, atomic, max_attempts, label or (func.__doc__ or name).split("\n")[0])
        return func

    return declare


@dataclass
class Live:
    """What a running job shows while it runs."""

    done: int = 0
    total: int | None = None
    message: str | None = None
    beat: float = 0.0  # float-ok: a Unix timestamp
    worker: str = ""


@dataclass
class JobContext:
    """Handed to a job: its run, its settings, and the way to report progress."""

    run_id: str
    company_id: int | None
    user_id: int | None
    settings: Settings
    engine: Engine
    queue: Queue
    _live: Live = field(default_factory=Live)

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report progress; raises ``Cancelled`` once the run was revoked."""
        self._live.done = done
        if total is not None:
            self._live.total = total
        if message is not None:
            self._live.message = message
        self.queue.store_live(self.run_id, self._live)
        if self.queue.is_cancelled(self.run_id):
            raise Cancelled


class Queue:
    """One Huey instance with WiseBook's tasks, the engine and settings they run with."""

    def __init__(self, settings: Settings, engine: Engine, huey: Huey | None = None):
        self.settings = settings
        self.engine = engine
        self.huey = huey or make_huey(settings)
        self._run_task = self.huey.task(name=RUN_TASK)(self.execute)
        self.periodic: dict[str, Any] = {}
        schedule.register(self)

    # --- asking for work -----------------------------------------------------------------

    def submit(
        self,
        session: Session,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        company_id: int | None = None,
        user_id: int | None = None,
    ) -> models.TaskRun:
        """Ask for ``name`` to run: the row now, the message once ``session`` commits."""
        if name not in JOBS:
            raise KeyError(name)
        run = taskruns.create(
            session,
            name,
            params,
            company_id=company_id,
            user_id=user_id,
            max_attempts=JOBS[name].max_attempts,
        )
        self.enqueue_after_commit(session, run.id)
        return run

    def submit_now(self, name: str, params: dict[str, Any] | None = None) -> str:
        """Submit ``name`` from outside a request (the scheduler, the CLI); the run's id."""
        with Session(self.engine) as session, session.begin():
            run = self.submit(session, name, params)
            run_id = run.id
        return run_id

    def enqueue_after_commit(self, session: Session, run_id: str) -> None:
        """Queue ``run_id`` when ``session`` commits; forget it if it rolls back."""
        pending: list[str] | None = session.info.get(PENDING_KEY)
        if pending is None:
            pending = session.info[PENDING_KEY] = []

            def committed(sess: Session) -> None:
                ids = list(sess.info.get(PENDING_KEY) or [])
                sess.info[PENDING_KEY] = []
                for run_id in ids:
                    self.enqueue(run_id)

            def rolled_back(sess: Session) -> None:
                sess.info[PENDING_KEY] = []

            event.listen(session, "after_commit", committed)
            event.listen(session, "after_soft_rollback", lambda sess, _tx: rolled_back(sess))
        pending.append(run_id)

    def enqueue(self, run_id: str, delay: float | None = None) -> bool:  # float-ok: seconds
        """Put the run's message in the queue; False (logged) when the queue is unreachable,
        in which case the scheduler's sweep sends it later."""
        try:
            task = self._run_task.s(run_id)
            task.id = run_id
            task.revoke_id = f"r:{run_id}"
            if delay:
                task.eta = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=delay)
            self.huey.enqueue(task)
        except Exception as exc:  # noqa: BLE001 - the row is kept; the sweep retries
            log.error(
                "file de tâches injoignable, tâche %s envoyée plus tard : %s", run_id, type(exc).__name__
            )
            return False
        return True

    # --- live state in the queue's store ----------------------------------------------------

    def store_live(self, run_id: str, live: Live) -> None:
        live.beat = time.time()
        with suppress(Exception):  # progress is best effort; the run row is the truth
            self.huey.put(f"wisebook:live:{run_id}", live.__dict__.copy())

    def live(self, run_id: str) -> Live | None:
        """The progress of a running job, if it reported any."""
        try:
            found = self.huey.get(f"wisebook:live:{run_id}", peek=True)
        except Exception:  # noqa: BLE001 - the queue's store is away: no live data
            return None
        return Live(**found) if isinstance(found, dict) else None

    def cancel(self, run_id: str) -> None:
        """Ask a running job to stop at its next progress report."""
        self.huey.put(f"wisebook:cancel:{run_id}", True)
        with suppress(Exception):
            self.huey.revoke_by_id(run_id, revoke_once=True)

    def is_cancelled(self, run_id: str) -> bool:
        return bool(self.huey.get(f"wisebook:cancel:{run_id}", peek=True))

    def beat(self, role: str, since: float) -> None:  # float-ok: Unix time
        """Record that a process of ``role`` (worker, scheduler) is alive."""
        self.huey.put(
            f"wisebook:process:{role}", {"worker": worker_name(), "beat": time.time(), "since": since}
        )

    def process_beat(self, role: str) -> dict[str, Any] | None:
        """The last heartbeat of a process of ``role``, or None."""
        found = self.huey.get(f"wisebook:process:{role}", peek=True)
        return found if isinstance(found, dict) else None

    def pending_count(self) -> int:
        return int(self.huey.pending_count())

    def scheduled_count(self) -> int:
        return int(self.huey.scheduled_count())

    # --- running ------------------------------------------------------------------------

    def execute(self, run_id: str, **_context: Any) -> None:
        """Run one claimed run to its end (the Huey task behind every job).

        ``_context``: what an instrumented enqueuer adds to the message (Sentry's Huey
        integration adds ``sentry_headers``), whether or not this worker reports to Sentry.
        """
        me = worker_name()
        with Session(self.engine) as session, session.begin():
            run = taskruns.claim(session, run_id, me)
            if run is None:
                return  # a duplicate message, or revoked before it started
            name, params = run.name, taskruns.params_of(run)
            company_id, user_id, attempt, max_attempts = (
                run.company_id,
                run.user_id,
                run.attempts,
                run.max_attempts,
            )
        found = JOBS.get(name)
        ctx = JobContext(run_id, company_id, user_id, self.settings, self.engine, self)
        ctx._live.worker = me
        started = time.monotonic()
        with self._heartbeat(run_id, ctx._live):
            try:
                if found is None:
                    raise LookupError(f"tâche inconnue : {name}")
                if found.atomic:
                    with Session(self.engine) as session, session.begin():
                        result = found.func(ctx, session, **params)
                        taskruns.succeed(session, run_id, result, ctx._live.message)
                else:
                    result = found.func(ctx, None, **params)
                    with Session(self.engine) as session, session.begin():
                        taskruns.succeed(session, run_id, result, ctx._live.message)
                outcome = "reussie"
            except Cancelled:
                with Session(self.engine) as session, session.begin():
                    taskruns.mark_revoked(session, run_id, "annulée en cours : rien n'a été écrit")
                outcome = "annulee"
            except Exception as exc:  # noqa: BLE001 - recorded on the run, reported, maybe retried
                outcome = self._failed(run_id, exc, attempt, max_attempts)
        _observe(name, outcome, time.monotonic() - started)

    def _failed(self, run_id: str, exc: Exception, attempt: int, max_attempts: int) -> str:
        transient = isinstance(
            exc, Transient | OperationalError | DBAPIError | ConnectionError | TimeoutError
        )
        again = transient and attempt < max_attempts
        detail = f"{type(exc).__name__}: {exc}"
        trace = traceback_module.format_exc()
        log.error("tâche %s en échec (tentative %s/%s) : %s", run_id, attempt, max_attempts, detail)
        _report(exc)
        try:
            with Session(self.engine) as session, session.begin():
                taskruns.fail(session, run_id, detail, trace, again=again)
        except Exception:
            log.exception("échec de la tâche %s non enregistré", run_id)
            return "echec"
        if again:
            self.enqueue(run_id, delay=min(300, 10 * 2 ** (attempt - 1)))
            return "relancee"
        return "echec"

    @contextmanager
    def _heartbeat(self, run_id: str, live: Live) -> Iterator[None]:
        stop = threading.Event()

        def beat() -> None:
            while True:
                self.store_live(run_id, live)
                if stop.wait(HEARTBEAT_SECONDS):
                    return

        thread = threading.Thread(target=beat, name=f"heartbeat-{run_id[:8]}", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join(timeout=5)

    # --- recovery -------------------------------------------------------------------------

    def recover(self, *, at_start: bool = False) -> list[str]:
        """Queue again the runs whose worker died mid-way, and the runs whose message was lost.

        At a worker's start, a run held by a dead process of this host is requeued at once;
        otherwise a run is taken for dead once its heartbeat is ``STALE_SECONDS`` old.
        """
        host = socket.gethostname()
        lost: list[str] = []
        with Session(self.engine) as session, session.begin():
            for run in taskruns.running(session):
                owner_host, _, pid = (run.worker or "").rpartition(":")
                if at_start and owner_host == host and pid.isdigit() and not _alive(int(pid)):
                    lost.append(run.id)
                    continue
                live = self.live(run.id)
                last = live.beat if live else (run.started_at or run.created_at).timestamp()
                if time.time() - last > STALE_SECONDS:
                    lost.append(run.id)
            requeued = taskruns.requeue_lost(session, lost)
            cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=LOST_MESSAGE_SECONDS)
            waiting = taskruns.queued_before(session, cutoff)
        in_queue = self._ids_in_queue() if waiting else set()
        resend = [run_id for run_id in waiting if run_id not in in_queue and run_id not in requeued]
        for run_id in requeued + resend:
            self.enqueue(run_id)
        if requeued or resend:
            log.warning("tâches remises en file : %s", ", ".join(requeued + resend))
        return requeued + resend

    def _ids_in_queue(self) -> set[str]:
        ids = {task.id for task in self.huey.pending()}
        ids.update(task.id for task in self.huey.scheduled())
        return ids

    # --- processes ----------------------------------------------------------------------

    def run_worker(self, workers: int = 2) -> None:
        """The worker process: executes tasks until SIGTERM/SIGINT (supervisor's stop)."""
        self.recover(at_start=True)
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=False)
        # Huey's own handlers make SIGINT wait for running tasks (an import may take minutes):
        # both signals stop at once instead, the runs left to be requeued as after a crash.
        consumer._set_signal_handlers = lambda: stop_on_signals(  # type: ignore[method-assign]
            lambda: consumer.stop(graceful=False), leave=False
        )
        with _beating(self, "worker"):
            consumer.run()

    def run_scheduler(self) -> None:
        """The scheduler process: enqueues periodic tasks and delayed retries, runs nothing."""
        from huey.consumer import Scheduler

        scheduler = Scheduler(self.huey, interval=1, periodic=True)
        stop_on_signals()
        with _beating(self, "scheduler"):
            while True:
                scheduler.loop()

    def start_in_process(self, workers: int = 2) -> Any:
        """The embedded profile: a consumer with its scheduler in this process's threads."""
        self.recover(at_start=True)
        consumer = self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
        consumer.start()
        threading.Thread(target=_beat_forever, args=(self, ("worker", "scheduler")), daemon=True).start()
        return consumer


STOP_GRACE_SECONDS = 10


def stop_on_signals(
    *stops: Callable[[], Any],
    leave: bool = True,
    grace: float = STOP_GRACE_SECONDS,  # float-ok: seconds
) -> None:
    """Make SIGINT (Ctrl+C) and SIGTERM (supervisor's stop) end this process: each of
    ``stops`` is called, then (``leave``) SystemExit is raised in the main thread, which
    waitress and the scheduler's loop end on. Whatever is still running after ``grace``
    seconds is cut short (its run stays ``en_cours`` and is requeued, as after a crash)."""

    def handler(signum: int, _frame: Any) -> None:
        log.info("arrêt demandé (%s)", signal.Signals(signum).name)
        watchdog = threading.Timer(grace, os._exit, args=(0,))
        watchdog.daemon = True
        watchdog.start()
        for stop in stops:
            stop()
        if leave:
            raise SystemExit(0)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _beat_forever(queue: Queue, roles: tuple[str, ...], stop: threading.Event | None = None) -> None:
    since = time.time()
    while True:
        for role in roles:
            try:
                queue.beat(role, since)
            except Exception:  # noqa: BLE001 - the store is away; the health check says so
                log.warning("battement de cœur %s non enregistré", role)
        if stop is not None and stop.wait(PROCESS_BEAT_SECONDS):
            return
        if stop is None:
            time.sleep(PROCESS_BEAT_SECONDS)


@contextmanager
def _beating(queue: Queue, role: str) -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=_beat_forever, args=(queue, (role,), stop), daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()


def _observe(name: str, outcome: str, seconds: float) -> None:  # float-ok: a duration
    from wisebook.observability import metrics

    metrics.observe_task(name, outcome, seconds)


def _report(exc: Exception) -> None:
    from wisebook.observability import errors

    errors.capture(exc)
