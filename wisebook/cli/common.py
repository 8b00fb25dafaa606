"""What every wisebook-ctl command shares: the group, the one-line failures, a session, the
settings of a long-running process."""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from wisebook import settings as settings_module
from wisebook.db import make_engine, migrate
from wisebook.ledger.errors import LedgerError

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str) -> None:
    click.echo(f"wisebook-ctl: {message}", err=True)
    sys.exit(1)


def explained(func: F) -> F:
    """Turn the failures an operator can act on into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except settings_module.SettingsError as exc:
            fail(f"configuration : {exc}")
        except LedgerError as exc:
            details = "; ".join(f"{e.field} : {e.message}" for e in exc.errors if e.message != exc.message)
            fail(exc.message + (f" ({details})" if details else ""))
        except OperationalError as exc:
            fail(f"base de données injoignable : {str(exc.orig).strip().splitlines()[0]}")

    return wrapper  # type: ignore[return-value]


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session on the configured database, in one transaction, migrated first."""
    engine = make_engine(settings_module.load())
    try:
        migrate.upgrade(engine)
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Administration de WiseBook."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def process_settings(component: str) -> settings_module.Settings:
    """Settings of a long-running process, with its logs and error reports set up."""
    from wisebook.observability import errors, logs

    resolved = settings_module.load()
    logs.configure(resolved, component, only=True)
    errors.init(resolved, component)
    return resolved


def body_bound(resolved: settings_module.Settings) -> int:
    """The largest body any route takes: waitress refuses a longer one (413) as soon as it
    reads its Content-Length, and stops reading a chunked one there, instead of its 1 GiB."""
    return max(resolved.max_body_bytes, resolved.max_import_bytes)


def appliance_conf(root: Path = Path("/")) -> dict[str, str]:
    """The appliance's operator settings (wisebook.conf over the defaults), without secrets."""
    from wisebook.ops import appliance

    return appliance.DEFAULTS | settings_module.read_env_file(root / appliance.CONF)


def need_root(what: str) -> None:
    if os.geteuid() != 0:
        fail(f"{what} : lancez-la en root (sudo wisebook-ctl …)")


def health_report(resolved: settings_module.Settings) -> dict[str, Any]:
    from wisebook.ops import health
    from wisebook.tasks.queue import Queue

    engine = make_engine(resolved)
    try:
        return health.report(resolved, engine, Queue(resolved, engine))
    finally:
        engine.dispose()
