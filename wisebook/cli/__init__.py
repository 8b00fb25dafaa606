"""wisebook-ctl: the operator's command line (DESIGN §7, §8).

Exit codes: 0 success, 1 a failure explained in one line on stderr, 2 bad usage.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from wisebook import settings as settings_module
from wisebook.db import make_engine, migrate
from wisebook.ledger.errors import LedgerError

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


def _process(component: str) -> settings_module.Settings:
    """Settings of a long-running process, with its logs and error reports set up."""
    from wisebook.observability import errors, logs

    resolved = settings_module.load()
    logs.configure(resolved, component, only=True)
    errors.init(resolved, component)
    return resolved


def _body_bound(resolved: settings_module.Settings) -> int:
    """The largest body any route takes: waitress refuses a longer one (413) as soon as it
    reads its Content-Length, and stops reading a chunked one there, instead of its 1 GiB."""
    return max(resolved.max_body_bytes, resolved.max_import_bytes)


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

    resolved = _process("web")
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
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="wisebook",
        max_request_body_size=_body_bound(resolved),
    )


@main.command()
@click.option(
    "--root",
    default="/",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Racine du système à configurer (pour un essai hors de /).",
)
@explained
def reconfigure(root: Path) -> None:
    """Réécrire la configuration de nginx, supervisor, Redis et PostgreSQL depuis
    /etc/wisebook/wisebook.conf ; un fichier inchangé n'est pas touché, si bien qu'un second
    passage ne change rien. Rechargez ensuite les services nommés."""
    from wisebook.ops import appliance

    outcome = appliance.reconfigure(root)
    for path in outcome.changed:
        click.echo(f"écrit : /{path}")
    for path in outcome.removed:
        click.echo(f"retiré : /{path}")
    if not outcome.changed and not outcome.removed:
        click.echo("rien à changer")


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

    resolved = _process("web")
    engine = make_engine(resolved)
    at, head = migrate.current(engine), migrate.head()
    if at != head:
        _fail(f"la base est à la révision {at}, le code attend {head} : lancez « wisebook-ctl migrate »")
    from wisebook.tasks.queue import stop_on_signals

    app = make_config(engine=engine).make_wsgi_app()
    stop_on_signals()
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="wisebook",
        max_request_body_size=_body_bound(resolved),
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

    resolved = _process("worker")
    engine = make_engine(resolved)
    Queue(resolved, engine).run_worker(workers=threads or resolved.worker_threads)


@main.command()
@explained
def scheduler() -> None:
    """Planifier les tâches périodiques (programme « scheduler » de supervisor)."""
    from wisebook.tasks.queue import Queue

    resolved = _process("scheduler")
    engine = make_engine(resolved)
    Queue(resolved, engine).run_scheduler()


@main.command()
@click.option("--etiquette", default="manuelle", show_default=True, help="Mot ajouté au nom du fichier.")
@click.option("--s3/--sans-s3", "to_s3", default=True, help="Envoyer aussi vers S3 s'il est configuré.")
@explained
def backup(etiquette: str, to_s3: bool) -> None:
    """Sauvegarder la base maintenant (fichier et manifeste signé dans le dossier des sauvegardes)."""
    from wisebook.ops import backups

    if not etiquette.replace("-", "").isalnum():
        raise click.BadParameter("lettres, chiffres et tirets seulement", param_hint="--etiquette")
    resolved = settings_module.load()
    engine = make_engine(resolved)
    try:
        made = backups.create(resolved, engine, label=etiquette)
        removed = backups.prune(resolved)
        click.echo(
            f"sauvegarde : {made.path} ({made.manifest['taille']} octets, sha256 {made.manifest['sha256']})"
        )
        if removed:
            click.echo(
                f"{len(removed)} sauvegarde(s) de plus de {resolved.backup_keep_days} jours supprimée(s)"
            )
        if to_s3 and resolved.aws_s3_bucket:
            key = backups.upload(resolved, made)
            click.echo(f"envoyée vers s3://{resolved.aws_s3_bucket}/{key}")
    except backups.BackupError as exc:
        _fail(str(exc))
    finally:
        engine.dispose()


@main.command()
@click.argument("fichier", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restaurer même si le manifeste ne se vérifie pas.")
@click.option("--yes", "yes", is_flag=True, help="Ne pas demander de confirmation.")
@click.option(
    "--sans-securite",
    "no_safety",
    is_flag=True,
    help="Sans la sauvegarde de sécurité d'abord (quand l'appelant l'a faite, comme rollback).",
)
@explained
def restore(fichier: Path, force: bool, yes: bool, no_safety: bool) -> None:
    """Remplacer la base par une sauvegarde (une sauvegarde de sécurité est faite d'abord)."""
    from wisebook.ops import backups

    resolved = settings_module.load()
    if not yes:
        click.confirm(f"Remplacer toute la base par {fichier.name} ?", abort=True)
    engine = make_engine(resolved)
    try:
        done = backups.restore(resolved, engine, fichier, force=force, safety_backup=not no_safety)
        migrate.upgrade(engine)  # a backup of an older version is brought to this schema
    except backups.BackupRefused as exc:
        _fail(f"sauvegarde refusée : {exc} (--force pour passer outre)")
    except backups.BackupError as exc:
        _fail(str(exc))
    finally:
        engine.dispose()
    if done.safety is not None:
        click.echo(f"sauvegarde de sécurité de la base remplacée : {done.safety.path}")
    state = "vérifiée" if done.verified else "NON vérifiée (--force)"
    click.echo(f"base restaurée depuis {fichier.name} (sauvegarde {state})")


@main.command()
@click.option(
    "--version", "target", metavar="VERSION", help="La version gardée où revenir (défaut : la précédente)."
)
@click.option("--yes", "yes", is_flag=True, help="Ne pas demander de confirmation.")
@explained
def rollback(target: str | None, yes: bool) -> None:
    """Revenir à la version d'avant la dernière mise à jour du paquet, avec la base sauvegardée
    juste avant elle (root). Dit d'abord ce qui sera perdu ; l'état quitté est sauvegardé."""
    from wisebook import version
    from wisebook.ops import appliance
    from wisebook.ops import rollback as rollback_service

    _need_root("le retour arrière réinstalle le paquet")
    resolved = settings_module.load()
    conf = _appliance_conf()
    engine = make_engine(resolved)
    try:
        plan = rollback_service.plan(resolved, engine, version(), target)
    except rollback_service.RollbackError as exc:
        _fail(str(exc))
    finally:
        engine.dispose()
    for line in plan.lines():
        click.echo(line)
    if not yes:
        click.confirm("Revenir à cette version ?", abort=True)
    try:
        tag = "".join(c if c.isalnum() else "-" for c in plan.current)
        left = rollback_service.backup_before(conf["WISEBOOK_USER"], conf["WISEBOOK_PROGRAM"], tag)
        click.echo(f"l'état quitté est sauvegardé : {left}")
        rollback_service.install(plan.release, plan.backup)
        ports = appliance.web_ports(conf)
        said = rollback_service.wait_healthy(ports, plan.release.version)
    except rollback_service.RollbackError as exc:
        _fail(str(exc))
    for port, word in said.items():
        click.echo(f"web :{port} /health/ : {word}")
    click.echo(
        f"retour à {plan.release.version} fait ; ce qui a été écrit depuis la mise à jour est dans {left} "
        "(wisebook-ctl restore le remet, après une nouvelle mise à jour)"
    )


def _appliance_conf(root: Path = Path("/")) -> dict[str, str]:
    """The appliance's operator settings (wisebook.conf over the defaults), without secrets."""
    from wisebook.ops import appliance

    return appliance.DEFAULTS | settings_module.read_env_file(root / appliance.CONF)


def _need_root(what: str) -> None:
    if os.geteuid() != 0:
        _fail(f"{what} : lancez-la en root (sudo wisebook-ctl …)")


@main.command()
@click.argument("fichier", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", "yes", is_flag=True, help="Ne pas demander de confirmation.")
@explained
def upgrade(fichier: Path, yes: bool) -> None:
    """Mettre à jour avec un paquet wisebook_*.deb (root) : le paquet garde la version en place
    pour rollback, sauvegarde la base (ou renonce), arrête les programmes, migre, les relance."""
    from wisebook import version
    from wisebook.ops import appliance
    from wisebook.ops import rollback as rollback_service

    _need_root("la mise à jour installe un paquet")
    try:
        new, current = rollback_service.package_fields(fichier)["Version"], version()
        if not rollback_service.is_newer(new, current):
            _fail(
                f"{new} n'est pas plus récente que {current} (pour revenir en arrière : wisebook-ctl rollback)"
            )
        if not yes:
            click.confirm(f"Mettre à jour WiseBook de {current} à {new} ?", abort=True)
        conf = _appliance_conf()  # read before the package replaces this program's files
        rollback_service.apt_install(fichier)
    except rollback_service.RollbackError as exc:
        _fail(str(exc))
    ports = appliance.web_ports(conf)
    try:
        said = rollback_service.wait_healthy(ports, new)
    except rollback_service.RollbackError as exc:
        _fail(f"{exc} (wisebook-ctl rollback revient à {current})")
    for port, word in said.items():
        click.echo(f"web :{port} /health/ : {word}")
    click.echo(f"mise à jour de {current} à {new} faite (wisebook-ctl rollback revient à {current})")


@main.command()
@click.argument("programmes", nargs=-1)
@click.option("-n", "--lignes", "count", default=50, show_default=True, type=click.IntRange(0, 100000))
@click.option("-f", "--suivre", "follow", is_flag=True, help="Continuer d'afficher ce qui s'ajoute (Ctrl+C).")
@click.option("--brut", is_flag=True, help="Les lignes telles qu'écrites (JSON).")
@click.option(
    "--dossier",
    type=click.Path(file_okay=False, path_type=Path),
    help="Dossier des journaux (défaut : celui de la conf).",
)
def tail(programmes: tuple[str, ...], count: int, follow: bool, brut: bool, dossier: Path | None) -> None:
    """Les journaux des programmes (web-0, web-1, worker, scheduler), fusionnés dans l'ordre
    du temps et lisibles ; tous par défaut."""
    from wisebook.ops import logtail

    folder = dossier or Path(_appliance_conf()["WISEBOOK_LOG_DIR"])
    known = logtail.programs(folder)
    if not known:
        _fail(f"aucun journal dans {folder}")
    unknown = [name for name in programmes if name not in known]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(unknown)} : inconnu(s) ; journaux : {', '.join(known)}", param_hint="PROGRAMMES"
        )
    names = list(programmes) or known
    for line in logtail.merged(folder, names, count):
        click.echo(logtail.shown(line, brut))
    if follow:
        with suppress(KeyboardInterrupt):
            logtail.follow(folder, names, lambda line: click.echo(logtail.shown(line, brut)))


@main.command("setup-url")
@explained
def setup_url() -> None:
    """L'adresse de l'assistant d'installation et son code (ou celle de la connexion, une fois
    WiseBook configuré)."""
    from wisebook.services import setup as setup_service

    resolved = settings_module.load()
    with _session() as session:
        done = setup_service.is_done(session)
    base = resolved.public_url
    if done:
        click.echo(f"WiseBook est configuré : {base}/connexion/")
        return
    click.echo(f"assistant : {base}/assistant/")
    click.echo(f"code : {setup_service.setup_code(resolved.data_dir)}")
    if "//localhost" in base or "//127.0.0.1" in base:
        click.echo(
            "(depuis un autre poste : l'adresse de ce serveur ; réglez WISEBOOK_PUBLIC_URL dans "
            "/etc/wisebook/wisebook.conf)"
        )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Réponse en JSON, pour les scripts.")
@explained
def doctor(as_json: bool) -> None:
    """Examiner l'installation sans rien changer : ports, disque, certificat, mémoire, secrets,
    programmes, santé. Code 0 : rien de cassé (des « attention » peuvent rester) ; 1 : un échec."""
    import json

    from wisebook.ops import appliance
    from wisebook.ops import doctor as checks

    resolved = settings_module.load()
    conf = _appliance_conf()
    web_ports = appliance.web_ports(conf)
    from sqlalchemy.engine import make_url

    wanted = {
        "nginx (HTTP)": int(conf["WISEBOOK_HTTP_PORT"]),
        "nginx (HTTPS)": int(conf["WISEBOOK_HTTPS_PORT"]),
    }
    wanted |= {f"web-{i}": port for i, port in enumerate(web_ports)}
    if not resolved.embedded:
        url = make_url(resolved.database_url)
        wanted["PostgreSQL"] = url.port or 5432
    if resolved.redis_url:
        wanted["Redis"] = make_url(resolved.redis_url).port or 6379
    found = checks.ports(wanted)
    found += checks.disk(checks.places_of(conf, resolved.backups))
    found.append(checks.certificate(Path(conf["WISEBOOK_TLS_CERTIFICATE"])))
    found.append(checks.memory())
    found.append(checks.secrets(Path("/etc/wisebook/secrets.env"), conf["WISEBOOK_USER"]))
    found.append(checks.programs([f"web-{i}" for i in range(len(web_ports))] + ["worker", "scheduler"]))
    try:
        found += checks.application(_health(resolved))
    except OperationalError as exc:
        found.append(checks.Finding("database", checks.FAIL, str(exc.orig).strip().splitlines()[0]))
    overall = checks.worst(found)
    if as_json:
        click.echo(
            json.dumps(
                {"etat": overall, "constats": [f.as_dict() for f in found]}, ensure_ascii=False, indent=2
            )
        )
    else:
        for finding in found:
            click.echo(f"{finding.status:<9} {finding.name:<14} {finding.detail}")
        click.echo(f"bilan : {overall}")
    sys.exit(1 if overall == checks.FAIL else 0)


@main.group()
def tls() -> None:
    """Le certificat TLS que sert nginx."""


@tls.command("acme")
@click.argument("domaine")
@click.option("--email", help="Adresse des avis d'expiration de l'autorité (conseillé).")
@click.option("--serveur", metavar="URL", help="Annuaire ACME (défaut : Let's Encrypt).")
@explained
def tls_acme(domaine: str, email: str | None, serveur: str | None) -> None:
    """Obtenir un certificat pour DOMAINE auprès d'une autorité ACME (certbot, défi HTTP sur le
    port 80), le faire servir par nginx et le renouveler (nginx rechargé à chaque fois) (root)."""
    import subprocess

    from wisebook.ops import appliance
    from wisebook.ops import operator as operator_service

    _need_root("le certificat s'installe pour nginx")
    try:
        cert = operator_service.acme(domaine, email, serveur, _appliance_conf())
    except operator_service.OperatorError as exc:
        _fail(str(exc))
    for path in appliance.reconfigure(Path("/")).changed:
        click.echo(f"écrit : /{path}")
    subprocess.run(["sh", "-c", operator_service.DEPLOY_HOOK], capture_output=True, check=False)  # noqa: S603, S607 - fixed command
    click.echo(
        f"certificat {cert} servi pour https://{operator_service.check_domain(domaine)}/ (renouvelé par certbot)"
    )


@main.command()
@click.option(
    "--yes",
    "yes",
    is_flag=True,
    help="Effacer vraiment (sans lui, la commande dit seulement ce qu'elle effacerait).",
)
@explained
def destroy(yes: bool) -> None:
    """Effacer les livres : la base, son rôle, le dossier des données et les sauvegardes (root).
    Irréversible ; à lancer avant « apt purge wisebook » pour ne rien laisser."""
    from wisebook.ops import operator as operator_service

    resolved = settings_module.load()
    conf = _appliance_conf()
    doomed = operator_service.doomed(resolved, conf)
    if not yes:
        click.echo("destroy effacerait, sans retour possible :")
        for what in doomed:
            click.echo(f"  {what}")
        _fail("rien n'est effacé sans --yes")
    _need_root("l'effacement touche la base et /var")
    try:
        for step in operator_service.destroy(resolved, conf):
            click.echo(step)
    except operator_service.OperatorError as exc:
        _fail(str(exc))
    click.echo("livres effacés ; « apt purge wisebook » retire le reste")


def _health(resolved: settings_module.Settings) -> dict[str, Any]:
    from wisebook.ops import health
    from wisebook.tasks.queue import Queue

    engine = make_engine(resolved)
    try:
        return health.report(resolved, engine, Queue(resolved, engine))
    finally:
        engine.dispose()


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Réponse en JSON (celle de /health/).")
def health(as_json: bool) -> None:
    """Contrôler la santé de l'installation (code 0 : ok ; 1 : dégradée ou hors service)."""
    import json

    report = _health(settings_module.load())
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
    report = _health(resolved)
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
    from wisebook.services import setup as setup_service

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


@main.command("societe")
@click.option("--nom", required=True, help="Raison sociale de la société (le dossier du client).")
@click.option("--pays", required=True, help="Pays OHADA (code ISO : CI, SN, CM…).")
@click.option("--devise", default=None, help="Devise (par défaut celle du pays).")
@click.option("--exercice", required=True, type=int, help="Année du premier exercice.")
@click.option("--admin-email", required=True, help="Adresse de son administrateur (invité).")
@explained
def societe(nom: str, pays: str, devise: str | None, exercice: int, admin_email: str) -> None:
    """Créer une société (un dossier) ; son administrateur reçoit une invitation à accepter."""
    from wisebook.services import setup as setup_service
    from wisebook.services.access import invitations
    from wisebook.services.platform import mail

    resolved = settings_module.load()
    with _session() as session:
        made = setup_service.create_dossier(
            session,
            company_name=nom,
            country=pays,
            currency=devise,
            fiscal_year=exercice,
            admin_email=admin_email,
            operator_id=None,
        )
    subject, body = invitations.mail_text(made.invitation, resolved.public_url)
    sent = mail.send(resolved, made.invitation.email, subject, body)
    click.echo(
        f"société « {made.name} » créée (id {made.company_id}, {made.country}, {made.currency}, "
        f"exercice {made.fiscal_year})"
    )
    link = f"{resolved.public_url}/invitation/?jeton={made.invitation.token}"
    how = "envoyée par e-mail" if sent else "non envoyée (EMAIL_HOST) : transmettez ce lien"
    click.echo(f"invitation de {made.invitation.email} {how} : {link}")


@main.command("setup-code")
def setup_code() -> None:
    """Afficher le code d'installation que demande l'assistant (avant la configuration)."""
    from wisebook.services import setup as setup_service

    resolved = settings_module.load()
    with _session() as session:
        if setup_service.is_done(session):
            raise click.ClickException("WiseBook est déjà configuré : l'assistant ne sert plus.")
    click.echo(setup_service.setup_code(resolved.data_dir))


@main.command()
@click.option("--email", required=True)
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
@explained
def createsuperuser(email: str, password_stdin: bool) -> None:
    """Créer l'exploitant de l'installation (sauvegardes, sociétés, toutes les tâches)."""
    from wisebook.services.access import users

    password = _read_password(password_stdin)
    with _session() as session:
        user = users.create_user(session, email, password, superuser=True)
        click.echo(f"exploitant {user.email} créé")


@main.command()
@explained
def verify() -> None:
    """Vérifier la chaîne de hachage, la numérotation et la table des soldes."""
    from wisebook.services import verify as verify_service

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


def worker_main() -> None:
    """``wisebook-worker``: the same as ``wisebook-ctl worker``."""
    main(["worker", *sys.argv[1:]])


def scheduler_main() -> None:
    """``wisebook-scheduler``: the same as ``wisebook-ctl scheduler``."""
    main(["scheduler", *sys.argv[1:]])
