"""Database access: engine, sessions joined to the request's transaction, models."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import transaction
import transaction.interfaces
import zope.sqlalchemy
from sqlalchemy import create_engine, event
from sqlalchemy.engine import CursorResult, Engine
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.sql import Executable

from wisebook.db import notices, prepared
from wisebook.db.meta import COMPANY_KEY, CompanyOwned
from wisebook.settings import Settings


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    """The engine for the configured database, with the SQLite pragmas the embedded profile needs."""
    url = settings.database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        busy = settings.sqlite_busy_ms
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy / 1000}, **kwargs
        )
        _sqlite_setup(engine, busy)
        return engine
    kwargs.setdefault("pool_size", settings.db_pool_size)
    kwargs.setdefault("max_overflow", settings.db_pool_size)
    # No pre-ping: it costs a round trip per request. A connection lost to a database restart
    # is invalidated on first use (that request answers 503) and the pool replaces it.
    kwargs.setdefault("pool_recycle", 3600)
    engine = create_engine(url, **kwargs)
    prepared.install(engine)
    return engine


@functools.lru_cache(maxsize=8)
def autocommit_twin(engine: Engine) -> Engine:
    """A second engine on ``engine``'s database (PostgreSQL) whose pooled connections stay in
    autocommit, for the reads that need no transaction (``web.reads``): the same connections
    put in and out of autocommit by an execution option paid a driver call at checkout and an
    isolation reset at check-in, ~15 % of such a request. Made once per engine and process; its
    pool is as large as ``engine``'s, its statements prepared too."""
    pool: Any = engine.pool
    sized = {"pool_size": pool.size(), "max_overflow": pool._max_overflow} if hasattr(pool, "size") else {}
    twin = create_engine(
        engine.url, isolation_level="AUTOCOMMIT", poolclass=type(pool), pool_recycle=pool._recycle, **sized
    )
    prepared.install(twin)
    return twin


READ_ONLY = "wisebook_read_only"  # execution option: a read-only transaction
NO_TRANSACTION = "wisebook.no_transaction"  # request environ: this read needs no transaction
TM_KEY = "wisebook.transaction_manager"  # session.info: the manager a request's session is joined to


def _sqlite_setup(engine: Engine, busy_ms: int = 30000) -> None:
    """Foreign keys on, WAL, and BEGIN IMMEDIATE so concurrent writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read that must not queue behind a writer (a GET while a long task writes, the
        # login throttle while the request holds the write lock) asks for a deferred
        # transaction: WAL lets it read, and the rare write it makes waits 2 s at most.
        deferred = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {min(2000, busy_ms) if deferred else int(busy_ms)}")
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def scope_to_company(session: Session, company_id: int) -> None:
    """From now on, ORM queries of this session see only this company's rows (see CompanyOwned)."""
    session.info[COMPANY_KEY] = company_id


@functools.lru_cache(maxsize=4096)
def _company_options(company_id: int) -> tuple[Any, ...]:
    """The loader criteria limiting each CompanyOwned table to a company, built once per company
    (options are immutable; the lambda's closure value becomes a bound parameter)."""
    return tuple(
        with_loader_criteria(owned, lambda cls: cls.company_id == company_id, include_aliases=True)
        for owned in CompanyOwned.__subclasses__()
    )


@event.listens_for(Session, "do_orm_execute")
def _company_criteria(state: ORMExecuteState) -> None:
    company_id = state.session.info.get(COMPANY_KEY)
    if company_id is None or not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(*_company_options(company_id))


def run(session: Session, statement: Executable, params: Any = None, /, **named: Any) -> CursorResult[Any]:
    """Run a statement built once (module level, bound parameters) on the session's connection,
    in its transaction, without the ORM: for the hot path of reads and postings. ``params`` is
    a list of rows for an executemany. Such a statement names its company or its row itself;
    the ORM's company criteria do not see it. On PostgreSQL it is prepared once per connection
    (see ``prepared``)."""
    result = session.connection().execute(
        statement, params if params is not None else named, execution_options=_PREPARED
    )
    if getattr(statement, "is_dml", False):
        changed(session)
    return result


_PREPARED = {prepared.PREPARE: True}


def rows(session: Session, statement: Executable, /, **named: Any) -> list[Any]:
    """The rows of a read built once (module level, bound parameters), each with its columns
    by name and position: on PostgreSQL run by the driver as a prepared statement, without
    SQLAlchemy's execution path (``prepared.fetch``); elsewhere, or when a column needs
    converting, as ``run`` runs it. For the reads every request makes."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        found = prepared.fetch(conn, statement, named)
        if found is not None:
            return found
    return list(conn.execute(statement, named, execution_options=_PREPARED))


def changed(session: Session) -> None:
    """Say that ``session`` wrote outside the ORM (``run``, a text statement): without this, the
    request's transaction manager takes it for a reader and rolls it back at the end."""
    manager = session.info.get(TM_KEY)
    if manager is not None:
        zope.sqlalchemy.mark_changed(session, manager)


class _JoinsItsRequest:
    """zope.sqlalchemy's transaction events, listened for once per session factory instead of
    once per session (``zope.sqlalchemy.register`` per request cost a tenth of a trivial GET):
    each event acts for the manager the session was made for (``get_tm_session``), and does
    nothing for a session made outside a request."""

    NAMES = ("after_begin", "after_attach", "after_flush", "after_bulk_update", "after_bulk_delete",
             "before_commit", "do_orm_execute")  # fmt: skip

    @staticmethod
    def _events(session: Session) -> zope.sqlalchemy.ZopeTransactionEvents | None:
        manager = session.info.get(TM_KEY)
        return None if manager is None else zope.sqlalchemy.ZopeTransactionEvents(transaction_manager=manager)

    def after_begin(self, session: Session, transaction: Any, connection: Any) -> None:
        if events := self._events(session):
            events.after_begin(session, transaction, connection)

    def after_attach(self, session: Session, instance: Any) -> None:
        if events := self._events(session):
            events.after_attach(session, instance)

    def after_flush(self, session: Session, context: Any) -> None:
        if events := self._events(session):
            events.after_flush(session, context)

    def after_bulk_update(self, context: Any) -> None:
        if events := self._events(context.session):
            events.after_bulk_update(context)

    def after_bulk_delete(self, context: Any) -> None:
        if events := self._events(context.session):
            events.after_bulk_delete(context)

    def before_commit(self, session: Session) -> None:
        if events := self._events(session):
            events.before_commit(session)

    def do_orm_execute(self, state: ORMExecuteState) -> None:
        if events := self._events(state.session):
            events.do_orm_execute(state)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; its sessions join a request's transaction when
    made by ``get_tm_session``."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    joins = _JoinsItsRequest()
    for name in joins.NAMES:
        event.listen(factory, name, getattr(joins, name))
    return factory


def get_tm_session(factory: sessionmaker[Session], transaction_manager: Any, request: Any = None) -> Session:
    """A session joined to ``transaction_manager``: committed or aborted with the request."""
    return factory(info={"request": request, TM_KEY: transaction_manager})


def _committed(ok: bool) -> None:
    if ok:
        notices.changed_here()


def includeme(config: Any) -> None:
    """Give every request ``request.db``, joined to pyramid_tm's explicit transaction manager."""
    settings: Settings = config.registry.wisebook_settings
    config.registry.settings["tm.manager_hook"] = "pyramid_tm.explicit_manager"
    config.registry.settings.setdefault("retry.attempts", 3)
    config.include("pyramid_tm")
    config.include("pyramid_retry")
    engine = getattr(config.registry, "db_engine", None) or make_engine(settings)
    config.registry.db_engine = engine
    # A request's statements are prepared on PostgreSQL (see prepared: a request runs the
    # same few statements again and again, and no DDL).
    requests = engine.execution_options(**_PREPARED)
    factory = session_factory(requests)
    config.registry.db_factory = factory
    # GET and HEAD read: on SQLite their transaction is deferred, so they never wait for a
    # writer (a long import or closing holds the one write lock of an SQLite file).
    reading = session_factory(requests.execution_options(**{READ_ONLY: True}))
    # A read declared to need no transaction (web.reads) runs each statement in autocommit on
    # PostgreSQL: no BEGIN, no ROLLBACK, and its session is not joined to the request's
    # transaction manager (nothing to commit): it is closed when the request is done. SQLite's
    # transactions cost no round trip: there such a read is like any other.
    unwrapped = (
        sessionmaker(bind=autocommit_twin(engine).execution_options(**_PREPARED), expire_on_commit=False)
        if engine.dialect.name == "postgresql"
        else None
    )

    def dbsession(request: Any) -> Session:
        if request.method not in ("GET", "HEAD"):
            # Once it has committed, what this process keeps of the database (notices) is
            # not used again: its next request reads what this one wrote.
            with contextlib.suppress(transaction.interfaces.NoTransaction):  # outside pyramid_tm
                request.tm.get().addAfterCommitHook(_committed)
            return get_tm_session(factory, request.tm, request=request)
        if unwrapped is not None and request.environ.get(NO_TRANSACTION):
            alone = unwrapped(info={"request": request})
            request.add_finished_callback(lambda _request: alone.close())
            return alone
        return get_tm_session(reading, request.tm, request=request)

    config.add_request_method(dbsession, "db", reify=True)


__all__ = [
    "NO_TRANSACTION",
    "READ_ONLY",
    "autocommit_twin",
    "changed",
    "get_tm_session",
    "make_engine",
    "rows",
    "run",
    "scope_to_company",
    "session_factory",
    "transaction",
]
