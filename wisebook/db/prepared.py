"""PostgreSQL server-side prepared statements for the statements a request runs, and those
run through ``db.run`` anywhere (the execution option ``PREPARE``).

psycopg2 sends every statement as text, so PostgreSQL parses and plans it at every call: for the
credential read (four tables joined) planning costs twice what executing does. Such a statement
is prepared once per database connection (``PREPARE``) and then executed by name
(``EXECUTE``), its arguments rendered by psycopg2 as before; SQLAlchemy still processes the
binds and the result (the columns come back in the same order). Migrations, the workers and the
command line run their statements as text (they may change the schema under them).

Prepared statements live as long as their connection (a rollback keeps them; the pool's
``info`` of a connection is dropped with it), and PostgreSQL replans them when a table they read
changes. A statement is prepared only when every bind has a known type (the ``PREPARE`` names
them: ``$1 IS NULL`` cannot be inferred) and its text does not change from call to call (no
expanding ``IN``); an executemany and a server-side cursor's statement are sent as before.
"""

from __future__ import annotations

import functools
import re
from collections import namedtuple
from typing import Any, NamedTuple

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import sqltypes
from sqlalchemy.types import TypeDecorator

PREPARE = "wisebook_prepare"  # execution option: prepare this statement on PostgreSQL
LIMIT = 256  # prepared statements per connection at most (each holds a little server memory)
_INFO = "wisebook_prepared"  # connection info: statement text -> its name on that connection
_BIND = re.compile(r"%\((\w+)\)s")
_UNPREPARABLE = object()
_PREPARABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH|VALUES)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _positional(statement: str) -> tuple[str, tuple[str, ...]]:
    """``statement`` (psycopg2's pyformat) with ``$n`` placeholders, and its bind names in the
    order of ``$n``."""
    order: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in order:
            order.append(name)
        return f"${order.index(name) + 1}"

    return _BIND.sub(number, statement).replace("%%", "%"), tuple(order)


def _type_name(kind: Any, dialect: Any) -> str | None:
    """The parameter type ``PREPARE`` declares for a bind: strings as TEXT, integers as BIGINT
    and numerics as NUMERIC (a declared VARCHAR(12), INTEGER or NUMERIC(18, 2) would cut,
    refuse or round an argument the text statement compared whole); None when the bind's type
    is not known."""
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sqltypes.NullType | sqltypes.Enum):
        return None
    if isinstance(kind, sqltypes.String):
        return "TEXT"
    if isinstance(kind, sqltypes.Integer):  # a literal 527806849032331 compares; an INTEGER $1 fails
        return "BIGINT"
    if isinstance(kind, sqltypes.Numeric) and not isinstance(kind, sqltypes.Float):
        return "NUMERIC"
    return str(dialect.type_compiler_instance.process(kind))


def _types(compiled: Any, dialect: Any) -> dict[str, str] | None:
    """Each bind's declared type, or None when one cannot be declared."""
    names = {}
    for bind in compiled.binds.values():
        if bind.expanding:  # an IN list: its text is made at each call
            return None
        name = _type_name(bind.type, dialect)
        if name is None:
            return None
        names[compiled.bind_names[bind]] = name
    return names


def _prepare(cursor: Any, statement: str, compiled: Any, dialect: Any, known: dict[str, Any]) -> Any:
    """Prepare ``statement`` on the cursor's connection: the ``EXECUTE`` that runs it, or
    ``_UNPREPARABLE`` (remembered: it is not tried again on this connection)."""
    if len(known) >= LIMIT:  # full: sent as text, and not remembered (the map stays bounded)
        return _UNPREPARABLE
    shape = _positional(statement) if compiled is not None else None
    types = _types(compiled, dialect) if shape is not None else None
    if shape is None or types is None or any(name not in types for name in shape[1]):
        known[statement] = _UNPREPARABLE
        return _UNPREPARABLE
    body, order = shape
    if not _PREPARABLE.match(body):  # PREPARE takes these only (not SET, not DDL)
        known[statement] = _UNPREPARABLE
        return _UNPREPARABLE
    name = f"wisebook_{len(known)}"
    if order:
        cursor.execute(f"PREPARE {name} ({', '.join(types[n] for n in order)}) AS {body}")
        call = f"EXECUTE {name}({', '.join(f'%({n})s' for n in order)})"
    else:
        cursor.execute(f"PREPARE {name} AS {body}")
        call = f"EXECUTE {name}"
    known[statement] = call
    return call


def install(engine: Engine) -> None:
    """Run the statements marked ``PREPARE`` on ``engine`` (PostgreSQL) as prepared statements."""

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _by_name(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> tuple[str, Any]:
        if executemany or context is None or not context.execution_options.get(PREPARE):
            return statement, parameters
        if getattr(cursor, "name", None):  # a server-side cursor: DECLARE … FOR takes no EXECUTE
            return statement, parameters
        known = conn.connection.info.setdefault(_INFO, {})
        call = known.get(statement)
        if call is None:
            call = _prepare(cursor, statement, context.compiled, context.dialect, known)
        return (statement, parameters) if call is _UNPREPARABLE else (call, parameters)


class _Plan(NamedTuple):
    """A read built once, compiled for PostgreSQL: its text, the values of its literal binds
    (a LIMIT), and the record its rows are made into."""

    compiled: Any
    text: str
    literals: dict[str, Any]
    record: Any  # a namedtuple class


_PLANS: dict[Any, _Plan | None] = {}


def _plan(statement: Any, dialect: Any) -> _Plan | None:
    """``statement``'s plan, or None when the driver cannot run it alone: a bind or a column
    SQLAlchemy converts (its processors would be skipped), a column without a name of its own."""
    compiled = statement.compile(dialect=dialect)
    names = list(statement.selected_columns.keys())
    converts = any(b.type._cached_bind_processor(dialect) for b in compiled.binds.values()) or any(
        c.type._cached_result_processor(dialect, None) for c in statement.selected_columns
    )
    if converts or _types(compiled, dialect) is None:
        return None
    try:
        record = namedtuple("Record", names)  # type: ignore[misc]
    except ValueError:  # two columns of one name, or a column without one
        return None
    literals = {compiled.bind_names[b]: b.value for b in compiled.binds.values() if not b.required}
    return _Plan(compiled, str(compiled), literals, record)


def fetch(conn: Any, statement: Any, named: dict[str, Any]) -> list[Any] | None:
    """The rows of ``statement`` (a SELECT built once) run by the driver itself as a prepared
    statement on ``conn`` (a SQLAlchemy connection to PostgreSQL), as records named by its
    columns; None when it cannot be run so (the caller runs it through SQLAlchemy). SQLAlchemy's
    execution path (context, events, result) costs a third of such a read: the credential
    check and the listings of a request run without it. A driver error is raised as SQLAlchemy
    raises it, the connection invalidated when it is lost."""
    if statement not in _PLANS:
        _PLANS[statement] = _plan(statement, conn.dialect)
    plan = _PLANS[statement]
    if plan is None:
        return None
    fairy = conn.connection
    known = fairy.info.setdefault(_INFO, {})
    cursor = fairy.dbapi_connection.cursor()
    params = {**plan.literals, **named}
    try:
        call = known.get(plan.text)
        if call is None:
            call = _prepare(cursor, plan.text, plan.compiled, conn.dialect, known)
        cursor.execute(plan.text if call is _UNPREPARABLE else call, params)
        return [plan.record._make(row) for row in cursor.fetchall()]
    except conn.dialect.loaded_dbapi.Error as exc:
        lost = conn.dialect.is_disconnect(exc, fairy.dbapi_connection, cursor)
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            plan.text, params, exc, conn.dialect.loaded_dbapi.Error, connection_invalidated=lost,
            dialect=conn.dialect,
        ) from exc  # fmt: skip
    finally:
        cursor.close()


__all__ = ["LIMIT", "PREPARE", "fetch", "install"]
