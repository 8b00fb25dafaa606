"""The S3-compatible storage named by the AWS_* settings (backups, pièces justificatives): the
adapter every use goes through — bounded waits, boto's standard retries (an upload or a
download of a whole object is safe to repeat), a failure metric, and one clear problem."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import IO, Any

from wisebook.ledger.errors import LedgerError
from wisebook.observability import metrics
from wisebook.settings import Settings

CONNECT_SECONDS = 5
READ_SECONDS = 60
ATTEMPTS = 3


class StorageUnavailable(LedgerError):
    """The storage did not answer, or refused: nothing was stored there (503, try again)."""

    status = 503
    title = "Stockage indisponible"
    code = "stockage-indisponible"


def client(settings: Settings) -> Any:
    """A boto3 S3 client for AWS_S3_ENDPOINT_URL (AWS itself when unset) and its keys."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=settings.aws_s3_endpoint_url,
        aws_access_key_id=settings.aws_access_key_id,
        aws_secret_access_key=settings.aws_secret_access_key,
        region_name=settings.aws_default_region,
        config=Config(
            connect_timeout=CONNECT_SECONDS,
            read_timeout=READ_SECONDS,
            retries={"max_attempts": ATTEMPTS, "mode": "standard"},
        ),
    )


@functools.cache
def _failures() -> tuple[type[Exception], ...]:
    """What boto3 raises when S3 fails (imported when first needed: boto3 weighs ~10 MB in a
    process that may never use S3; an ``except`` clause evaluates this only on an exception)."""
    from boto3.exceptions import Boto3Error
    from botocore.exceptions import BotoCoreError, ClientError

    return (Boto3Error, BotoCoreError, ClientError)  # transfer, transport and service errors


def _failed(exc: Exception) -> StorageUnavailable:
    metrics.external("s3", False)
    return StorageUnavailable(
        f"Le stockage S3 ne répond pas ou refuse l'envoi ({type(exc).__name__}) : réessayez plus tard.",
        field="fichier",
    )


def upload(settings: Settings, path: Path, key: str) -> None:
    """Store the file at ``path`` under ``key`` in the bucket."""
    try:
        client(settings).upload_file(str(path), settings.aws_s3_bucket, key)
    except _failures() as exc:
        raise _failed(exc) from exc
    metrics.external("s3", True)


def download(settings: Settings, key: str, into: IO[bytes]) -> None:
    """Write the object ``key`` of the bucket into ``into``."""
    try:
        client(settings).download_fileobj(settings.aws_s3_bucket, key, into)
    except _failures() as exc:
        raise _failed(exc) from exc
    metrics.external("s3", True)
