"""Bulk import of posted entries from a CSV or XLSX file (WiseBook or FEC layout).

The whole file is read and checked before anything is written: every refused row is
reported with its line number and its reasons. Then, in one transaction, the entries are
numbered in date order after the last number of their journal, sealed in its hash chain,
written and added to the balances, exactly as posting one by one would leave the books; the
import is recorded under the file's SHA-256, so the same file sent twice lands once.

Mode ``tout`` (the default) writes nothing when any row is refused; mode ``valides`` writes the
entries whose rows are all valid and says which were left out. On PostgreSQL the rows go
through COPY into staging tables, are checked there as a whole (balance, accounts, periods,
journals of the company) and then inserted with one statement per table; when the role may
set ``session_replication_role`` the per-row guard triggers are paused for those statements,
which the set checks replace inside the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

from wisebook.db import dialect, models
from wisebook.ledger.errors import InvalidInput
from wisebook.services.books.companies import CompanyContext
from wisebook.services.imports.check import Books, check
from wisebook.services.imports.plan import MAX_REPORTED, Plan, Progress, grouped, quiet
from wisebook.services.imports.read import open_source
from wisebook.services.imports.receive import already, find
from wisebook.services.imports.write import (
    add_balances,
    add_partners,
    close_chains,
    number,
    write_generic,
    write_postgresql,
)

MODES = ("tout", "valides")


def _report(
    plan: Plan, mode: str, status: str, import_id: int | None, filename: str, new_partners: int = 0
) -> dict[str, Any]:
    written = status in ("importe", "partiel")
    entries = len(plan.entries) if written else 0
    lines = plan.lines if written else 0
    if status == "importe":
        message = f"{grouped(lines)} lignes importées en {grouped(entries)} écritures."
        if new_partners:
            message += f" {grouped(new_partners)} tiers créés : complétez-les dans les tiers."
    elif status == "partiel":
        message = (
            f"Import partiel : {grouped(entries)} écritures importées ({grouped(lines)} lignes) ; "
            f"{grouped(plan.refused_entries)} écritures refusées ({grouped(plan.refused_rows)} lignes), "
            "voir les rejets."
        )
    else:
        message = (
            f"Import refusé : {grouped(len(plan.rejections))} rejet(s) sur {grouped(plan.rows)} lignes ; "
            "rien n'a été écrit."
        )
    return {
        "statut": status,
        "import": import_id,
        "fichier": filename,
        "format": plan.source.format,
        "disposition": plan.source.layout.name,
        "mode": mode,
        "lignes_lues": plan.rows,
        "ecritures_importees": entries,
        "lignes_importees": lines,
        "ecritures_refusees": plan.refused_entries,
        "lignes_refusees": plan.refused_rows,
        "tiers_crees": new_partners,
        "rejets_total": len(plan.rejections),
        "rejets": [r.as_json() for r in plan.rejections[:MAX_REPORTED]],
        "message": message,
    }


@dataclass
class Prepared:
    """A file read and checked before the write transaction, and the state of the books it was
    checked against (the write re-checks only when that state changed meanwhile)."""

    plan: Plan | None
    refusal: str | None  # why the file as a whole is not an import
    state: tuple[Any, ...]
    create_partners: bool = False


def _prepare(
    books: Books, company: CompanyContext, path: Path, progress: Progress, create_partners: bool
) -> Prepared:
    progress(0, 100, "lecture du fichier")
    try:
        source = open_source(path)
        plan = check(source, books, company.currency, progress, create_partners=create_partners)
        return Prepared(plan, None, books.state, create_partners)
    except InvalidInput as exc:  # the file as a whole is not an import: a report, not a failure
        return Prepared(None, exc.message, books.state, create_partners)


def prepare(
    session: Session,
    company: CompanyContext,
    path: Path,
    progress: Progress = quiet,
    *,
    create_partners: bool = False,
) -> Prepared:
    """Read and check the file at ``path`` in ``session``, a reading one: on SQLite the write
    lock is then not held while a large file is parsed, and other companies keep writing. The
    plan is handed to ``run``, which writes it in a short transaction of its own."""
    return _prepare(Books(session, company.id, share=False), company, path, progress, create_partners)


def run(
    session: Session,
    company: CompanyContext,
    path: Path,
    *,
    filename: str,
    sha256: str,
    mode: str = "tout",
    user_id: int | None = None,
    task_run_id: str | None = None,
    progress: Progress = quiet,
    pause_row_checks: bool | None = None,
    prepared: Prepared | None = None,
    create_partners: bool = False,
) -> dict[str, Any]:
    """Import the file at ``path`` into the company's books in the session's transaction; the
    report says what was written, or why nothing was. With ``prepared`` (the file checked
    before this transaction), the books are reloaded and the plan is written as it is when they
    have not changed since; it is checked again here when they have. With
    ``create_partners`` the tiers codes the register does not know are registered from the
    file (named after their code) instead of refused."""
    if mode not in MODES:
        raise InvalidInput(f"Mode d'import inconnu : {mode} (tout ou valides).", field="mode")
    existing = find(session, company.id, sha256)
    if existing is not None:
        return already(existing)
    books = Books(session, company.id)
    if prepared is None or prepared.state != books.state or prepared.create_partners != create_partners:
        prepared = _prepare(books, company, path, progress, create_partners)
    plan = prepared.plan
    if plan is None:
        return {
            "statut": "refuse",
            "import": None,
            "fichier": filename,
            "mode": mode,
            "ecritures_importees": 0,
            "lignes_importees": 0,
            "rejets_total": 0,
            "rejets": [],
            "message": f"Import refusé : {prepared.refusal} Rien n'a été écrit.",
        }
    source = plan.source
    if plan.rejections and (mode == "tout" or not plan.entries):
        return _report(plan, mode, "refuse", None, filename)
    table = models.Import.__table__
    assert isinstance(table, Table)
    made = session.execute(
        dialect.insert(session, table)
        .values(
            company_id=company.id,
            sha256=sha256,
            filename=filename[:255],
            layout=source.layout.name,
            mode=mode,
            entries=len(plan.entries),
            lines=plan.lines,
            rejected=plan.refused_rows,
            task_run_id=task_run_id,
            created_by_id=user_id,
            created_at=dt.datetime.now(dt.UTC),
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    ).scalar_one_or_none()
    if made is None:  # the same file, imported meanwhile by another run
        found = find(session, company.id, sha256)
        assert found is not None
        return already(found)
    new_partners = add_partners(session, company.id, plan)
    progress(46, 100, "numérotation des écritures")
    chains = number(session, plan.entries)
    now = dt.datetime.now(dt.UTC)
    if session.get_bind().dialect.name == "postgresql":
        write_postgresql(session, company, chains, user_id, now, progress, pause_row_checks)
    else:
        write_generic(session, company, chains, user_id, now, progress)
    close_chains(session, chains)
    progress(95, 100, "mise à jour des soldes")
    add_balances(session, company.id, plan.entries)
    report = _report(plan, mode, "partiel" if plan.rejections else "importe", made, filename, new_partners)
    progress(100, 100, report["message"])
    return report
