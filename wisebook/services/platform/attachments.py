"""Pièces justificatives: a PDF or an image attached to an entry of the company.

The type is read from the file's first bytes, never trusted from the client; the size is
bounded by WISEBOOK_MAX_BODY_BYTES. Files are stored once per content (named by their
SHA-256) under ``<data dir>/pieces/<société>/``, or in the S3 bucket when AWS_S3_BUCKET is set.
A posted entry's pièces are part of its audit trail: they are not removed.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ledger.errors import Conflict, InvalidInput, NotFound
from wisebook.services.platform import files, s3
from wisebook.settings import Settings

SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}


def sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes: PDF, PNG, JPEG or WebP; None otherwise."""
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def _clean_name(name: str, kind: str) -> str:
    base = Path(name.replace("\\", "/")).name.strip() or "piece"
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')[:200] or "piece"
    stem, ext = os.path.splitext(base)
    return stem + (ext if ext.lower() in (".pdf", ".png", ".jpg", ".jpeg", ".webp") else EXTENSIONS[kind])


def _local(settings: Settings, company_id: int, digest: str) -> Path:
    return settings.data_dir / "pieces" / str(company_id) / digest[:2] / digest


def attach(
    session: Session,
    settings: Settings,
    company_id: int,
    entry_id: int,
    filename: str,
    stream: IO[bytes],
    user_id: int,
) -> models.Attachment:
    """Check and store the file, then record it against the entry."""
    entry = session.get(models.Entry, entry_id)
    if entry is None or entry.company_id != company_id:
        raise NotFound("Écriture introuvable.")
    with files.received(stream, _tmp_dir(settings), prefix="") as received:
        size, head, sha = received.size, received.head, received.sha256
        if size == 0:
            raise InvalidInput("Le fichier est vide.", field="fichier")
        if size > settings.max_body_bytes:
            raise InvalidInput(
                f"Fichier trop lourd ({settings.max_body_bytes // (1024 * 1024)} Mo au plus).",
                field="fichier",
            )
        kind = sniff(head)
        if kind is None:
            raise InvalidInput(
                "Seuls les PDF et les images PNG, JPEG ou WebP sont acceptés.", field="fichier"
            )
        if settings.aws_s3_bucket:
            s3.upload(settings, received.path, f"pieces/{company_id}/{sha}")
        else:
            files.keep(received, _local(settings, company_id, sha))
    made = models.Attachment(
        company_id=company_id,
        entry_id=entry_id,
        filename=_clean_name(filename, kind),
        content_type=kind,
        size=size,
        sha256=sha,
        created_by_id=user_id,
    )
    session.add(made)
    session.flush()
    return made


def _tmp_dir(settings: Settings) -> Path:
    folder = settings.data_dir / "pieces" / ".partiel"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def of_entry(session: Session, company_id: int, entry_id: int) -> list[models.Attachment]:
    entry = session.get(models.Entry, entry_id)
    if entry is None or entry.company_id != company_id:
        raise NotFound("Écriture introuvable.")
    return list(
        session.scalars(
            select(models.Attachment)
            .where(models.Attachment.entry_id == entry_id)
            .order_by(models.Attachment.id)
        )
    )


def get(session: Session, company_id: int, attachment_id: int) -> models.Attachment:
    found = session.get(models.Attachment, attachment_id)
    if found is None or found.company_id != company_id:
        raise NotFound("Pièce introuvable.")
    return found


def open_file(settings: Settings, attachment: models.Attachment) -> IO[bytes]:
    """The stored file, to stream back."""
    if settings.aws_s3_bucket:
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it
        s3.download(settings, f"pieces/{attachment.company_id}/{attachment.sha256}", spool)
        spool.seek(0)
        return spool
    path = _local(settings, attachment.company_id, attachment.sha256)
    if not path.is_file():
        raise NotFound("Le fichier de cette pièce est introuvable sur le serveur.")
    return path.open("rb")


def remove(session: Session, company_id: int, attachment_id: int) -> None:
    """Detach a pièce from a draft; a posted entry keeps its pièces."""
    found = get(session, company_id, attachment_id)
    entry = session.get(models.Entry, found.entry_id)
    if entry is not None and entry.status == models.POSTED:
        raise Conflict("Les pièces d'une écriture validée font partie de sa piste d'audit.", field="statut")
    session.delete(found)
    session.flush()
