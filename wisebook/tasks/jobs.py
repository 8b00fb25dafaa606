"""The jobs: thin wrappers that call the services, each run recorded as a ``task_runs`` row
(``queue.job``). Importing the ``tasks`` package registers them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from wisebook.db import READ_ONLY, models
from wisebook.tasks.queue import JobContext, Transient, job


def _(label: str) -> str:
    """Marks a label for the UI's catalogue (``babel.cfg``); the page showing it translates it."""
    return label


@job("verification", label=_("Vérification de la chaîne, de la numérotation et des soldes"))
def verify_books(ctx: JobContext, session: Session) -> dict[str, Any]:
    """Check one company's books (read-only)."""
    from wisebook.services import verify

    if ctx.company_id is None:
        raise LookupError("vérification sans société")
    ctx.progress(0, 1, "vérification en cours")
    problems = verify.verify_company(session, ctx.company_id)
    ctx.progress(1, 1, "conforme" if not problems else f"{len(problems)} anomalie(s)")
    return {"conforme": not problems, "problemes": problems}


@job("sauvegarde", atomic=False, max_attempts=2, label=_("Sauvegarde de la base"))
def backup(ctx: JobContext, session: None, etiquette: str = "quotidienne") -> dict[str, Any]:
    """Back the database up, prune old backups, upload when S3 is configured."""
    from wisebook.observability import metrics
    from wisebook.ops import backups
    from wisebook.services.platform import s3

    ctx.progress(0, 3, "sauvegarde de la base")
    try:
        made = backups.create(ctx.settings, ctx.engine, label=etiquette)
    except backups.BackupError:
        metrics.BACKUPS.labels("echec").inc()
        raise
    metrics.BACKUPS.labels("reussie").inc()
    ctx.progress(1, 3, "suppression des sauvegardes anciennes")
    removed = backups.prune(ctx.settings)
    uploaded = None
    if ctx.settings.aws_s3_bucket:
        ctx.progress(2, 3, "envoi vers le stockage S3")
        try:
            uploaded = backups.upload(ctx.settings, made)  # its failures counted by the adapter
        except s3.StorageUnavailable as exc:
            raise Transient(f"envoi S3 impossible : {exc.message}") from exc
    ctx.progress(3, 3, "sauvegarde terminée")
    return {
        "fichier": made.path.name,
        "taille": made.manifest["taille"],
        "sha256": made.manifest["sha256"],
        "supprimees": [p.name for p in removed],
        "s3": uploaded,
    }


@job("exercice_restauration", atomic=False, max_attempts=1, label=_("Test de restauration"))
def restore_drill(ctx: JobContext, session: None) -> dict[str, Any]:
    """Restore the latest backup into a scratch database and verify it there."""
    from wisebook.ops import backups
    from wisebook.services import verify

    ctx.progress(0, 1, "restauration dans une base d'essai")
    found = backups.drill(ctx.settings, ctx.engine, verify.verify_all)
    if found["problemes"]:
        raise RuntimeError(
            f"la sauvegarde {found['sauvegarde']} restaurée n'est pas conforme : {found['problemes']}"
        )
    ctx.progress(1, 1, "sauvegarde restaurée et vérifiée")
    return found


@job("menage", atomic=False, max_attempts=2, label=_("Ménage hebdomadaire"))
def housekeeping(ctx: JobContext, session: None) -> dict[str, Any]:
    """Forget what is kept only for a while; delete rotated logs past their time."""
    from wisebook.ops import housekeeping as cleaning

    with Session(ctx.engine) as work, work.begin():
        done: dict[str, Any] = cleaning.clean_database(
            work, cleaning.now_utc(), ctx.settings.session_absolute_seconds
        )
    if ctx.settings.log_file is not None:
        done["journaux"] = [p.name for p in cleaning.clean_logs(ctx.settings.log_file.parent, time.time())]
    imports_root = ctx.settings.data_dir / "imports"
    done["fichiers_import"] = [p.name for p in cleaning.clean_import_files(imports_root, time.time())]
    return done


@job("cloture", max_attempts=2, label=_("Clôture de l'exercice"))
def close_fiscal_year(ctx: JobContext, session: Session, exercice: int) -> dict[str, Any]:
    """Close a fiscal year: checks, à-nouveaux of the next one, the year locked (one transaction)."""
    from wisebook.ledger.money import from_minor
    from wisebook.services import closing
    from wisebook.services.books import companies

    if ctx.company_id is None or ctx.user_id is None:
        raise LookupError("clôture sans société ni utilisateur")
    company = companies.company_for_user(session, ctx.user_id, ctx.company_id)
    if company is None:
        raise LookupError("l'utilisateur n'est plus membre de la société")
    done = closing.close(session, company, exercice, ctx.user_id, ctx.progress)
    return {
        "exercice": done.fiscal_year,
        "exercice_suivant": done.next_fiscal_year,
        "resultat": str(from_minor(done.result, company.currency)),
        "ecriture_a_nouveaux": done.opening_entry_id,
        "lignes_a_nouveaux": done.opening_lines,
    }


@job("dotations", max_attempts=1, label=_("Dotations aux amortissements"))
def post_depreciation(ctx: JobContext, session: Session, au: str) -> dict[str, Any]:
    """Post the depreciation of every asset in service up to ``au`` (one transaction)."""
    import datetime as dt

    from wisebook.ledger.money import to_json
    from wisebook.services.assets import depreciation
    from wisebook.services.books import companies

    if ctx.company_id is None or ctx.user_id is None:
        raise LookupError("dotations sans société ni utilisateur")
    company = companies.company_for_user(session, ctx.user_id, ctx.company_id)
    if company is None:
        raise LookupError("l'utilisateur n'est plus membre de la société")
    done = depreciation.run(session, company, dt.date.fromisoformat(au), ctx.user_id, ctx.progress)
    ctx.progress(100, 100, f"{done.assets} immobilisations amorties en {len(done.entries)} écritures")
    return {
        "dotations": done.id,
        "au": done.through.isoformat(),
        "immobilisations": done.assets,
        "total": to_json(done.total, company.currency),
        "ecritures": [
            {"id": i, "numero": n, "categorie": c, "montant": to_json(a, company.currency)}
            for i, n, c, a in done.entries
        ],
    }


@job("import_releve", max_attempts=2, label=_("Import d'un relevé bancaire"))
def import_statement(
    ctx: JobContext, session: Session, banque: int, fichier: str, nom: str, sha256: str
) -> dict[str, Any]:
    """Write a statement file, read and checked when it was received, into its bank account
    (one transaction); the file is removed once written."""
    from wisebook.services.banking import statements
    from wisebook.services.books import companies

    if ctx.company_id is None:
        raise LookupError("relevé sans société")
    if ctx.user_id is None or companies.company_for_user(session, ctx.user_id, ctx.company_id) is None:
        raise LookupError(
            "l'utilisateur n'est plus membre de la société"
        )  # removed meanwhile: nothing written
    path = statements.statements_dir(ctx.settings.data_dir, ctx.company_id) / Path(fichier).name
    if not path.exists():
        st = models.BankStatement
        done = session.scalar(select(st.id).where(st.bank_account_id == banque, st.sha256 == sha256))
        if done is not None:  # written by an earlier attempt that committed
            return {"statut": "deja_importe", "releve": done, "message": "Ce relevé a déjà été importé."}
        raise LookupError(f"relevé introuvable : {path.name}")
    report = statements.import_statement(
        session,
        ctx.company_id,
        banque,
        path.read_bytes(),
        filename=nom,
        sha256=sha256,
        user_id=ctx.user_id,
        task_run_id=ctx.run_id,
    )
    ctx.progress(100, 100, report["message"])

    @event.listens_for(session, "after_commit", once=True)
    def _remove_file(_session: Session) -> None:
        path.unlink(missing_ok=True)

    return report


@job("synchro_psd2", max_attempts=2, label=_("Lecture des transactions à la banque (PSD2)"))
def synchronise_bank(ctx: JobContext, session: Session, banque: int) -> dict[str, Any]:
    """Read a bank account's booked transactions from its bank's API into its statement lines."""
    import datetime as dt

    from wisebook.services.banking import psd2

    if ctx.company_id is None:
        raise LookupError("synchronisation sans société")
    client = psd2.Client(ctx.settings.psd2_url, ctx.settings.psd2_client_id, ctx.settings.psd2_client_secret)
    report = psd2.synchronise(
        session, ctx.company_id, banque, client, dt.date.today(), user_id=ctx.user_id, task_run_id=ctx.run_id
    )
    ctx.progress(100, 100, report["message"])
    return report


@job("import_ecritures", max_attempts=2, label=_("Import d'écritures"))
def import_entries(
    ctx: JobContext,
    session: Session,
    fichier: str,
    nom: str,
    sha256: str,
    mode: str = "tout",
    creer_tiers: bool = False,
) -> dict[str, Any]:
    """Import a file of entries (one transaction: all of it, or nothing); the file is removed
    once the import has run, whatever its outcome.

    The file is read and checked first in a reading transaction; ``session`` — the write
    transaction, begun at its first statement — then only writes the plan. On SQLite the write
    lock is thus held for the write, not for the reading of a large file."""
    from wisebook.services.books import companies
    from wisebook.services.imports import pipeline as imports
    from wisebook.services.imports import receive as uploads

    if ctx.company_id is None:
        raise LookupError("import sans société")
    path = uploads.upload_dir(ctx.settings, ctx.company_id) / Path(fichier).name
    prepared = None
    with Session(ctx.engine.execution_options(**{READ_ONLY: True})) as reading, reading.begin():
        member = companies.company_for_user(reading, ctx.user_id, ctx.company_id) if ctx.user_id else None
        if member is not None and path.exists() and uploads.find(reading, ctx.company_id, sha256) is None:
            prepared = imports.prepare(reading, member, path, ctx.progress, create_partners=creer_tiers)
    company = companies.company_for_user(session, ctx.user_id, ctx.company_id) if ctx.user_id else None
    if company is None:  # checked again as the write begins: a member removed meanwhile writes nothing
        raise LookupError("l'utilisateur n'est plus membre de la société")
    if not path.exists():
        found = uploads.find(session, ctx.company_id, sha256)
        if found is not None:  # imported by an earlier attempt that committed
            return uploads.already(found)
        raise LookupError(f"fichier d'import introuvable : {path.name}")
    report = imports.run(
        session,
        company,
        path,
        filename=nom,
        sha256=sha256,
        mode=mode,
        user_id=ctx.user_id,
        task_run_id=ctx.run_id,
        progress=ctx.progress,
        prepared=prepared,
        create_partners=creer_tiers,
    )
    if report.get("rejets"):  # the refused rows, to correct and import again
        from wisebook.services.imports import rejected

        rejected.write(path, report["rejets"], path.parent / uploads.rejected_name(ctx.run_id))
    ctx.progress(100, 100, report["message"])

    @event.listens_for(session, "after_commit", once=True)
    def _remove_file(_session: Session) -> None:
        path.unlink(missing_ok=True)

    return report
