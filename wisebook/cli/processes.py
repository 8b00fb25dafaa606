"""The long-running processes supervisor starts (web, worker, scheduler, the embedded
``serve``), the migrations, and what they say of themselves (health, status)."""

import sys

import click
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from wisebook import settings as settings_module
from wisebook.cli.common import (
    body_bound,
    explained,
    fail,
    health_report,
    main,
    process_settings,
)
from wisebook.db import make_engine, migrate


def give_large_blocks_back() -> None:
    """glibc serves a block above its mmap threshold from the system and gives it back when
    freed, but raises the threshold to the largest block freed so far: after one login (an
    argon2 hash takes 7 MB) each waitress thread's arena keeps 7 MB for good. A fixed 1 MB
    threshold keeps a web process's memory at what it uses (see bench/load.py's RSS)."""
    import contextlib
    import ctypes
    import ctypes.util

    with contextlib.suppress(OSError, AttributeError):  # another C library: its own policy
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 1 << 20)  # M_MMAP_THRESHOLD, glibc only


def freeze_what_is_loaded() -> None:
    """Once the application is built, its modules, routes, templates and settings live as long
    as the process: moved out of the collector's generations (``gc.freeze``), they are no longer
    walked by each full collection, which otherwise pauses a request that allocates much (the
    balance auxiliaire of 5 000 tiers) for tens of milliseconds at a time."""
    import gc

    gc.collect()
    gc.freeze()


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
@click.option("--sans-taches", "no_tasks", is_flag=True, help="Ne pas exécuter les tâches de fond ici.")
@explained
def serve(host: str, port: int, threads: int, no_tasks: bool) -> None:
    """Servir WiseBook (profil embarqué : un processus, migrations appliquées au démarrage,
    tâches de fond exécutées dans le même processus)."""
    import waitress

    from wisebook import make_config

    give_large_blocks_back()
    resolved = process_settings("web")
    engine = make_engine(resolved)
    migrate.upgrade(engine)
    from wisebook.tasks.queue import stop_on_signals

    app = make_config(engine=engine).make_wsgi_app()
    stops = []
    if not no_tasks:
        consumer = app.registry.wisebook_queue.start_in_process(workers=resolved.worker_threads)
        stops.append(lambda: consumer.stop(graceful=False))
    stop_on_signals(*stops)  # Ctrl+C and SIGTERM stop the server and its in-process worker
    click.echo(f"WiseBook sur http://{host}:{port}/ (données : {resolved.data_dir})")
    from wisebook.services import setup as setup_service

    with Session(engine) as session:
        fresh = not setup_service.is_done(session)
    if fresh:
        code = setup_service.setup_code(resolved.data_dir)
        click.echo(f"Configuration : http://{host}:{port}/assistant/ — code d'installation : {code}")
    freeze_what_is_loaded()
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="wisebook",
        max_request_body_size=body_bound(resolved),
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@explained
def web(host: str, port: int, threads: int) -> None:
    """Servir l'application derrière nginx (programmes « web-0 » et « web-1 » de supervisor) :
    ni migrations ni tâches de fond ici ; l'adresse du client et le schéma (https) viennent des
    en-têtes X-Forwarded-* de nginx, sur la boucle locale seulement."""
    import waitress

    from wisebook import make_config

    give_large_blocks_back()
    resolved = process_settings("web")
    engine = make_engine(resolved)
    at, head = migrate.current(engine), migrate.head()
    if at != head:
        fail(f"la base est à la révision {at}, le code attend {head} : lancez « wisebook-ctl migrate »")
    from wisebook.tasks.queue import stop_on_signals

    app = make_config(engine=engine).make_wsgi_app()
    stop_on_signals()
    freeze_what_is_loaded()
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="wisebook",
        max_request_body_size=body_bound(resolved),
        trusted_proxy="127.0.0.1",
        trusted_proxy_count=1,
        trusted_proxy_headers={"x-forwarded-for", "x-forwarded-proto", "x-forwarded-host"},
        clear_untrusted_proxy_headers=True,
    )


@main.command()
@click.option(
    "--threads", type=click.IntRange(1, 64), default=None, help="Fils d'exécution (WISEBOOK_WORKER_THREADS)."
)
@explained
def worker(threads: int | None) -> None:
    """Exécuter les tâches de fond (programme « worker » de supervisor)."""
    from wisebook.tasks.queue import Queue

    resolved = process_settings("worker")
    engine = make_engine(resolved)
    Queue(resolved, engine).run_worker(workers=threads or resolved.worker_threads)


@main.command()
@explained
def scheduler() -> None:
    """Planifier les tâches périodiques (programme « scheduler » de supervisor)."""
    from wisebook.tasks.queue import Queue

    resolved = process_settings("scheduler")
    engine = make_engine(resolved)
    Queue(resolved, engine).run_scheduler()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Réponse en JSON (celle de /health/).")
def health(as_json: bool) -> None:
    """Contrôler la santé de l'installation (code 0 : ok ; 1 : dégradée ou hors service)."""
    import json

    report = health_report(settings_module.load())
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(f"état : {report['status']} (version {report['version']})")
        for name, check in report["checks"].items():
            extra = ", ".join(f"{k}={v}" for k, v in check.items() if k != "status")
            click.echo(f"  {name:<10} {check['status']:<9} {extra}")
    sys.exit(0 if report["status"] == "ok" else 1)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Réponse en JSON, pour les scripts.")
@explained
def status(as_json: bool) -> None:
    """Version, profil, base, processus, file de tâches, sauvegardes."""
    import json

    from wisebook import version
    from wisebook.ops import backups

    resolved = settings_module.load()
    engine = make_engine(resolved)
    try:
        revision = migrate.current(engine)
    except OperationalError:
        revision = None
    finally:
        engine.dispose()
    report = health_report(resolved)
    last = backups.latest(resolved)
    state = {
        "version": version(),
        "profil": "embarqué" if resolved.embedded else "appliance",
        "base": {"url": resolved.public()["database_url"], "revision": revision},
        "file": report["checks"].get("queue"),
        "processus": {role: report["checks"].get(role) for role in ("worker", "scheduler")},
        "derniere_sauvegarde": last.path.name if last else None,
        "sauvegardes": len(backups.listing(resolved)),
        "sante": report["status"],
    }
    if as_json:
        click.echo(json.dumps(state, ensure_ascii=False, indent=2, default=str))
        return
    click.echo(f"WiseBook {state['version']} — profil {state['profil']} — santé : {state['sante']}")
    click.echo(f"base : {state['base']['url']} (révision {revision or 'aucune'})")
    for role, check in state["processus"].items():
        click.echo(f"{role} : {check['status'] if check else 'inconnu'}")
    click.echo(f"sauvegardes : {state['sauvegardes']}, dernière : {state['derniere_sauvegarde'] or 'aucune'}")


def worker_main() -> None:
    """``wisebook-worker``: the same as ``wisebook-ctl worker``."""
    main(["worker", *sys.argv[1:]])


def scheduler_main() -> None:
    """``wisebook-scheduler``: the same as ``wisebook-ctl scheduler``."""
    main(["scheduler", *sys.argv[1:]])
