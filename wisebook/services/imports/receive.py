"""An uploaded import file, kept under the data dir until its task has run, and the record of
the files already imported (one file lands once)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput
from wisebook.services.imports.plan import grouped
from wisebook.services.imports.read import Source, open_source
from wisebook.services.platform import files
from wisebook.settings import Settings


def find(session: Session, company_id: int, sha256: str) -> models.Import | None:
    """The import of this file into the company, if it was imported."""
    return session.scalars(
        select(models.Import).where(models.Import.company_id == company_id, models.Import.sha256 == sha256)
    ).one_or_none()


def already(found: models.Import) -> dict[str, Any]:
    return {
        "statut": "deja_importe",
        "import": found.id,
        "ecritures_importees": 0,
        "lignes_importees": 0,
        "message": (
            f"Ce fichier a déjà été importé le {found.created_at:%d/%m/%Y à %H:%M} "
            f"(import n° {found.id}, {grouped(found.entries)} écritures) : rien n'a été écrit de nouveau."
        ),
    }


@dataclass(frozen=True)
class Upload:
    """A file received for import, kept under the data dir until its task has run."""

    path: Path
    name: str
    sha256: str
    size: int
    source: Source


def upload_dir(settings: Settings, company_id: int) -> Path:
    return settings.data_dir / "imports" / str(company_id)


def rejected_name(run_id: str) -> str:
    """The file of an import's refused rows, beside the files received (cleaned up with them)."""
    return f"{run_id}-rejets.csv"


def receive(settings: Settings, company_id: int, filename: str, stream: IO[bytes]) -> Upload:
    """Store an uploaded file (0640, named by its SHA-256) and recognise its layout."""
    folder = upload_dir(settings, company_id)
    with files.received(stream, folder) as received:
        if received.size == 0:
            raise InvalidInput("Le fichier est vide.", field="fichier")
        source = open_source(received.path)
        target = files.keep(received, folder / f"{received.sha256}.{source.format}")
    name = Path(filename.replace("\\", "/")).name.strip()
    name = "".join(ch for ch in name if ch.isprintable())[:255] or f"import.{source.format}"
    return Upload(target, name, received.sha256, received.size, replace(source, path=target))


def refuse_if_imported(session: Session, company_id: int, sha256: str) -> None:
    """409 when this file was already imported into the company."""
    found = find(session, company_id, sha256)
    if found is not None:
        raise Conflict(already(found)["message"], field="fichier")


def listing(session: Session, company_id: int, limit: int = 100) -> list[models.Import]:
    """The company's imports, latest first."""
    return list(
        session.scalars(
            select(models.Import)
            .where(models.Import.company_id == company_id)
            .order_by(models.Import.id.desc())
            .limit(limit)
        )
    )
