"""The S3-compatible storage named by the AWS_* settings (backups, pièces justificatives)."""

from __future__ import annotations

from typing import Any

from wisebook.settings import Settings


def client(settings: Settings) -> Any:
    """A boto3 S3 client for AWS_S3_ENDPOINT_URL (AWS itself when unset) and its keys."""
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=settings.aws_s3_endpoint_url,
        aws_access_key_id=settings.aws_access_key_id,
        aws_secret_access_key=settings.aws_secret_access_key,
        region_name=settings.aws_default_region,
    )
