"""wisebook-ctl: the operator's command line (DESIGN §7, §8).

Exit codes: 0 success, 1 a failure explained in one line on stderr, 2 bad usage.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from . import settings as settings_module
from .db import make_engine, migrate
from .ledger.errors import LedgerError

F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str) -> None:
    click.echo(f"wisebook-ctl: {message}", err=True)
    sys.exit(1)


def explained(func: F) -> F:
    """Turn the failures an operator can act on into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except settings_module.SettingsError as exc:
            _fail(f"configuration : {exc}")
        except LedgerError as exc:
            details = "; ".join(f"{e.field} : {e.message}" for e in exc.errors if e.message != exc.message)
            _fail(exc.message + (f" ({details})" if details else ""))
        except OperationalError as exc:
            _fail(f"base de données injoignable : {str(exc.orig).strip().splitlines()[0]}")

    return wrapper  # type: ignore[return-value]


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database, in one transaction, migrated first."""
    engine = make_engine(settings_module.load())
    try:
        migrate.upgrade(engine)
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    return str(click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Administration de WiseBook."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@explained
def migrate_cmd() -> None:
    """Appliquer les migrations de la base de données."""
    engine = make_engine(settings_module.load())
    migrate.upgrade(engine)
    click.echo(f"base à jour (révision {migrate.current(engine)})")


migrate_cmd.name = "migrate"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=6543, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@explained
def serve(host: str, port: int, threads: int) -> None:
    """Servir WiseBook (profil embarqué : un processus, migrations appliquées au démarrage)."""
    import waitress

    from . import make_config

    resolved = settings_module.load()
    logging.getLogger().setLevel(resolved.log_level)
    engine = make_engine(resolved)
    migrate.upgrade(engine)
    app = make_config(engine=engine).make_wsgi_app()
    click.echo(f"WiseBook sur http://{host}:{port}/ (données : {resolved.data_dir})")
    waitress.serve(app, host=host, port=port, threads=threads, ident="wisebook")


@main.command()
@click.option("--societe", required=True, help="Nom de la société.")
@click.option("--pays", required=True, help="Pays OHADA (code ISO : CI, SN, CM…).")
@click.option("--devise", default=None, help="Devise (par défaut celle du pays).")
@click.option("--exercice", required=True, type=int, help="Année du premier exercice.")
@click.option("--admin-email", required=True)
@click.option("--admin-password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
@explained
def setup(
    societe: str, pays: str, devise: str | None, exercice: int, admin_email: str, admin_password_stdin: bool
) -> None:
    """Configurer WiseBook sans navigateur (idempotent)."""
    from .services import setup as setup_service

    password = _read_password(admin_password_stdin)
    with _session() as session:
        result = setup_service.setup(
            session,
            company_name=societe,
            country=pays,
            currency=devise,
            fiscal_year=exercice,
            admin_email=admin_email,
            admin_password=password,
        )
    state = "configurée" if result.created else "déjà configurée, rien à changer"
    click.echo(
        f"société « {societe} » {state} (id {result.company_id}, exercice {result.fiscal_year}, "
        f"administrateur {result.admin_email})"
    )


@main.command()
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
@explained
def createsuperuser(email: str, password_stdin: bool) -> None:
    """Créer un super-utilisateur."""
    from .services import users

    password = _read_password(password_stdin)
    with _session() as session:
        user = users.create_user(session, email, password, superuser=True)
        click.echo(f"super-utilisateur {user.email} créé")


@main.command()
@explained
def verify() -> None:
    """Vérifier la chaîne de hachage, la numérotation et la table des soldes."""
    from .services import verify as verify_service

    with _session() as session:
        found = verify_service.verify_all(session)
    failed = False
    for company, problems in found.items():
        if problems:
            failed = True
            for problem in problems:
                click.echo(f"{company} : {problem}", err=True)
        else:
            click.echo(f"{company} : chaîne, numérotation et soldes conformes")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
