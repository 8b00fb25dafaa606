"""Backups through the operator's own commands: backup → wipe → restore gives the same books,
a tampered backup is refused, retention keeps 30 days, the upload lands on a real S3 server,
the restore drill verifies the latest backup in a scratch database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from sqlalchemy import text

from tests.conftest import login, sale, settings_environ, settings_overrides
from wisebook import settings as settings_module
from wisebook.db.meta import Base
from wisebook.ops import backups
from wisebook.services import verify


def ctl(settings: Any, backup_dir: Path, *args: str, extra: dict[str, str] | None = None) -> Any:
    env = {**os.environ, **settings_environ(settings, WISEBOOK_BACKUP_DIR=str(backup_dir), **(extra or {}))}
    return subprocess.run(
        [sys.executable, "-m", "wisebook.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


def balance(api: Any) -> Any:
    return api.get("/api/v1/rapports/balance/").json


def wipe(engine: Any) -> None:
    """Drop every table of the database, as a lost disk or a bad manual command would."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        else:
            Base.metadata.drop_all(conn)
            conn.exec_driver_sql("DROP TABLE alembic_version")


@pytest.fixture
def kept_books(api: Any) -> Any:
    for amount in (118000, 59000, 236000):
        api.post("/api/v1/ecritures/", sale(amount=amount), status=201)
    posted = api.post("/api/v1/ecritures/", sale(amount=11800), status=201).json
    api.post(f"/api/v1/ecritures/{posted['id']}/extourne/", {}, status=201)
    return balance(api)


def test_backup_wipe_restore_gives_the_same_books(api, kept_books, engine, backend_settings, tmp_path):
    postgresql = engine.dialect.name == "postgresql"
    if postgresql:  # the dump holds the token revoked, unannounced: this process keeps it valid
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("UPDATE auth_tokens SET revoked_at = now()"))
        api.get("/api/v1/journaux/", status=200)
    made = ctl(backend_settings, tmp_path, "backup")
    assert made.returncode == 0, made.stderr
    dumps = [p for p in tmp_path.iterdir() if p.name.endswith((".dump", ".sqlite3"))]
    assert len(dumps) == 1
    manifest = json.loads(Path(f"{dumps[0]}.manifest.json").read_text())
    assert manifest["sha256"] == hashlib.sha256(dumps[0].read_bytes()).hexdigest()
    assert manifest["ecritures"] == 5
    assert oct(dumps[0].stat().st_mode & 0o777) == "0o640"

    wipe(engine)
    with engine.connect() as conn:  # the books are gone
        assert "entries" not in engine.dialect.get_table_names(conn)

    restored = ctl(backend_settings, tmp_path, "restore", str(dumps[0]), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "sauvegarde vérifiée" in restored.stdout
    assert "sécurité" in restored.stdout  # the wiped database was backed up before being replaced
    if postgresql:  # the restore's commit says everything changed: the kept caller is forgotten
        deadline = time.monotonic() + 5
        while api.get("/api/v1/journaux/", status="*").status_int != 401:
            assert time.monotonic() < deadline, "the restore's notice did not arrive"
            time.sleep(0.01)
        api.token = login(api.testapp)
    assert balance(api) == kept_books
    checked = ctl(backend_settings, tmp_path, "verify")
    assert checked.returncode == 0, checked.stderr
    assert "conformes" in checked.stdout


def test_a_restore_puts_back_the_schema_of_the_backup_whole(
    api, kept_books, engine, backend_settings, tmp_path
):
    """A backup of an older version restored over a newer schema (a rollback): the newer
    version's tables go, the revision is the backup's, and the migration that follows works."""
    assert ctl(backend_settings, tmp_path, "backup").returncode == 0
    dump = next(p for p in tmp_path.iterdir() if p.name.endswith((".dump", ".sqlite3")))
    with engine.begin() as conn:  # what a newer version's migration would have done
        conn.execute(text("CREATE TABLE newer_feature (id INTEGER PRIMARY KEY, note VARCHAR(20))"))
        conn.execute(text("INSERT INTO newer_feature VALUES (1, 'après')"))
    api.post("/api/v1/ecritures/", sale(amount=5900), status=201)

    restored = ctl(backend_settings, tmp_path, "restore", str(dump), "--yes", "--sans-securite")
    assert restored.returncode == 0, restored.stderr
    assert "sécurité" not in restored.stdout  # the caller (rollback) took its own backup first
    assert len([p for p in tmp_path.iterdir() if p.name.endswith((".dump", ".sqlite3"))]) == 1
    with engine.connect() as conn:
        assert "newer_feature" not in engine.dialect.get_table_names(conn)
    assert balance(api) == kept_books


def test_a_restore_that_fails_half_way_leaves_the_books_as_they_were(
    api, kept_books, backend_settings, tmp_path
):
    """A dump cut short, forced past its manifest: what it held up to the cut is never kept."""
    assert ctl(backend_settings, tmp_path, "backup").returncode == 0
    dump = next(p for p in tmp_path.iterdir() if p.name.endswith((".dump", ".sqlite3")))
    data = dump.read_bytes()
    dump.write_bytes(data[: len(data) * 2 // 3])
    api.post("/api/v1/ecritures/", sale(amount=5900), status=201)
    after = balance(api)

    failed = ctl(backend_settings, tmp_path, "restore", str(dump), "--yes", "--force", "--sans-securite")
    assert failed.returncode == 1
    assert "a échoué" in failed.stderr or "illisible" in failed.stderr, failed.stderr
    assert balance(api) == after


@pytest.mark.parametrize("part", ["dump", "manifest"])
def test_a_tampered_backup_is_refused_and_nothing_is_replaced(
    api, kept_books, backend_settings, tmp_path, part
):
    assert ctl(backend_settings, tmp_path, "backup").returncode == 0
    dump = next(p for p in tmp_path.iterdir() if p.name.endswith((".dump", ".sqlite3")))
    if part == "dump":
        data = bytearray(dump.read_bytes())
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))
    else:
        manifest_file = Path(f"{dump}.manifest.json")
        manifest = json.loads(manifest_file.read_text())
        manifest["ecritures"] = 4
        manifest_file.write_text(json.dumps(manifest))
    api.post("/api/v1/ecritures/", sale(amount=5900), status=201)  # the books move on
    after = balance(api)

    refused = ctl(backend_settings, tmp_path, "restore", str(dump), "--yes")
    assert refused.returncode == 1
    assert "sauvegarde refusée" in refused.stderr
    assert ("SHA-256" if part == "dump" else "signature") in refused.stderr
    assert balance(api) == after
    assert len([p for p in tmp_path.iterdir() if p.name.endswith((".dump", ".sqlite3"))]) == 1


def test_a_backup_signed_by_another_installation_is_refused(backend_settings, engine, books, tmp_path):
    other = settings_module.load(
        {**_overrides(backend_settings, tmp_path), "backup_signing_key": "k" * 40}, environ={}
    )
    made = backups.create(other, engine)
    mine = settings_module.load(_overrides(backend_settings, tmp_path), environ={})
    with pytest.raises(backups.BackupRefused, match="signature"):
        backups.verify(made.path, mine.backup_signing_key)


def _overrides(settings: Any, folder: Path) -> dict[str, Any]:
    return settings_overrides(settings, wisebook_backup_dir=str(folder))


def test_retention_keeps_thirty_days_and_prunes_the_thirty_first(backend_settings, engine, books, tmp_path):
    settings = settings_module.load(_overrides(backend_settings, tmp_path), environ={})
    today = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    for days in range(31):  # one backup a day, at 02:00, for 31 days
        backups.create(settings, engine, label="quotidienne", now=today - dt.timedelta(days=days))
    assert len(backups.listing(settings)) == 31
    removed = backups.prune(settings, now=today)
    assert [p.name for p in removed] == [f"wisebook-20261026T020000Z-quotidienne{removed[0].suffix}"]
    kept = backups.listing(settings)
    assert len(kept) == 30
    assert kept[0].created_at == today - dt.timedelta(days=29)
    assert not any(p.name.startswith("wisebook-20261026") for p in tmp_path.iterdir())


def test_the_restore_drill_verifies_the_latest_backup_in_a_scratch_database(
    api, kept_books, backend_settings, engine, tmp_path
):
    settings = settings_module.load(_overrides(backend_settings, tmp_path), environ={})
    backups.create(settings, engine)
    found = backups.drill(settings, engine, verify.verify_all)
    assert found["problemes"] == {}
    assert found["societes"] == 1
    if engine.dialect.name == "postgresql":  # the scratch database is gone afterwards
        with engine.connect() as conn:
            left = conn.execute(
                text("SELECT count(*) FROM pg_database WHERE datname LIKE 'wisebook_exercice_%'")
            )
            assert left.scalar() == 0
    latest = backups.latest(settings)
    data = bytearray(latest.path.read_bytes())
    data[-10] ^= 0xFF
    latest.path.write_bytes(bytes(data))
    with pytest.raises(backups.BackupRefused):
        backups.drill(settings, engine, verify.verify_all)


def test_the_backup_is_uploaded_to_s3_compatible_storage(
    api, kept_books, backend_settings, tmp_path, s3_server
):
    credentials = {"AWS_ACCESS_KEY_ID": "wisebook-test", "AWS_SECRET_ACCESS_KEY": "wisebook-test-secret"}
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
    )
    bucket = f"sauvegardes-{uuid.uuid4().hex[:8]}"  # moto keeps its buckets for the whole run
    client.create_bucket(Bucket=bucket)
    extra = {"AWS_S3_BUCKET": bucket, "AWS_S3_ENDPOINT_URL": s3_server, **credentials}
    made = ctl(backend_settings, tmp_path, "backup", extra=extra)
    assert made.returncode == 0, made.stderr
    assert f"envoyée vers s3://{bucket}/wisebook/" in made.stdout
    dump = next(p for p in tmp_path.iterdir() if p.name.endswith((".dump", ".sqlite3")))
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == [f"wisebook/{dump.name}", f"wisebook/{dump.name}.manifest.json"]
    body = client.get_object(Bucket=bucket, Key=f"wisebook/{dump.name}")["Body"].read()
    assert body == dump.read_bytes()


def test_a_backup_whose_upload_fails_says_so_and_keeps_the_local_copy(
    api, kept_books, backend_settings, tmp_path, s3_server
):
    credentials = {"AWS_ACCESS_KEY_ID": "wisebook-test", "AWS_SECRET_ACCESS_KEY": "wisebook-test-secret"}
    extra = {
        "AWS_S3_BUCKET": f"absent-{uuid.uuid4().hex[:8]}",
        "AWS_S3_ENDPOINT_URL": s3_server,
        **credentials,
    }
    made = ctl(backend_settings, tmp_path, "backup", extra=extra)  # a bucket the storage lacks
    assert made.returncode == 1
    assert "Le stockage S3 ne répond pas ou refuse l'envoi" in made.stderr
    assert "Traceback" not in made.stderr
    dumps = [p for p in tmp_path.iterdir() if p.name.endswith((".dump", ".sqlite3"))]
    assert len(dumps) == 1 and dumps[0].stat().st_size > 0  # the backup itself is kept
