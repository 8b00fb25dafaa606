"""The appliance's operator commands: its files, TLS, backups and restores, upgrades and
rollback, log tails, the doctor, and its removal."""

import sys
from contextlib import suppress
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from wisebook import settings as settings_module
from wisebook.cli.common import (
    appliance_conf,
    explained,
    fail,
    health_report,
    main,
    need_root,
    session_scope,
)
from wisebook.db import make_engine, migrate


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
        fail(str(exc))
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
        fail(f"sauvegarde refusée : {exc} (--force pour passer outre)")
    except backups.BackupError as exc:
        fail(str(exc))
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

    need_root("le retour arrière réinstalle le paquet")
    resolved = settings_module.load()
    conf = appliance_conf()
    engine = make_engine(resolved)
    try:
        plan = rollback_service.plan(resolved, engine, version(), target)
    except rollback_service.RollbackError as exc:
        fail(str(exc))
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
        fail(str(exc))
    for port, word in said.items():
        click.echo(f"web :{port} /health/ : {word}")
    click.echo(
        f"retour à {plan.release.version} fait ; ce qui a été écrit depuis la mise à jour est dans {left} "
        "(wisebook-ctl restore le remet, après une nouvelle mise à jour)"
    )


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

    need_root("la mise à jour installe un paquet")
    try:
        new, current = rollback_service.package_fields(fichier)["Version"], version()
        if not rollback_service.is_newer(new, current):
            fail(
                f"{new} n'est pas plus récente que {current} (pour revenir en arrière : wisebook-ctl rollback)"
            )
        if not yes:
            click.confirm(f"Mettre à jour WiseBook de {current} à {new} ?", abort=True)
        conf = appliance_conf()  # read before the package replaces this program's files
        rollback_service.apt_install(fichier)
    except rollback_service.RollbackError as exc:
        fail(str(exc))
    ports = appliance.web_ports(conf)
    try:
        said = rollback_service.wait_healthy(ports, new)
    except rollback_service.RollbackError as exc:
        fail(f"{exc} (wisebook-ctl rollback revient à {current})")
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

    folder = dossier or Path(appliance_conf()["WISEBOOK_LOG_DIR"])
    known = logtail.programs(folder)
    if not known:
        fail(f"aucun journal dans {folder}")
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
    with session_scope() as session:
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
    conf = appliance_conf()
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
    from wisebook.services.tax import filing

    found += checks.fiscal_keys(
        filing.capabilities(
            {
                "CI_FISCAL_API_KEY": resolved.ci_fiscal_api_key,
                "SN_FISCAL_API_KEY": resolved.sn_fiscal_api_key,
                "ML_FISCAL_API_KEY": resolved.ml_fiscal_api_key,
            }
        )
    )
    try:
        found += checks.application(health_report(resolved))
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

    need_root("le certificat s'installe pour nginx")
    try:
        cert = operator_service.acme(domaine, email, serveur, appliance_conf())
    except operator_service.OperatorError as exc:
        fail(str(exc))
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
    conf = appliance_conf()
    doomed = operator_service.doomed(resolved, conf)
    if not yes:
        click.echo("destroy effacerait, sans retour possible :")
        for what in doomed:
            click.echo(f"  {what}")
        fail("rien n'est effacé sans --yes")
    need_root("l'effacement touche la base et /var")
    try:
        for step in operator_service.destroy(resolved, conf):
            click.echo(step)
    except operator_service.OperatorError as exc:
        fail(str(exc))
    click.echo("livres effacés ; « apt purge wisebook » retire le reste")
