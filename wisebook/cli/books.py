"""Setting up the books from the command line: the first company and its administrator,
more companies, the installation's operator, the integrity check."""

import sys

import click

from wisebook import settings as settings_module
from wisebook.cli.common import (
    explained,
    main,
    read_password,
    session_scope,
)


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

    password = read_password(admin_password_stdin)
    with session_scope() as session:
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
    with session_scope() as session:
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
    with session_scope() as session:
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

    password = read_password(password_stdin)
    with session_scope() as session:
        user = users.create_user(session, email, password, superuser=True)
        click.echo(f"exploitant {user.email} créé")


@main.command()
@explained
def verify() -> None:
    """Vérifier la chaîne de hachage, la numérotation et la table des soldes."""
    from wisebook.services import verify as verify_service

    with session_scope() as session:
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
