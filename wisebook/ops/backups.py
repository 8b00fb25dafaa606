"""Backups: a dump of the whole database beside a signed manifest; restore, retention, upload.

A backup is two files in the backup folder: the dump (``pg_dump`` custom format on PostgreSQL,
a copy made by SQLite's online backup API in the embedded profile) and
``<dump>.manifest.json``: its size, SHA-256, database kind, schema revision, WiseBook version,
and an HMAC-SHA256 signature of all that with ``BACKUP_SIGNING_KEY``. A restore refuses a dump
whose manifest does not verify (altered dump, altered manifest, another installation's key)
unless forced, and takes a safety backup of the current database first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session

from wisebook.db import models, notices
from wisebook.services.platform import s3
from wisebook.settings import Settings

log = logging.getLogger(__name__)

MANIFEST_SUFFIX = ".manifest.json"
FORMAT = 1
PREFIX = "wisebook-"


class BackupError(Exception):
    """A backup or a restore could not be done; the message says why."""


class BackupRefused(BackupError):
    """The backup's manifest does not verify: the dump was altered, or is not ours."""


@dataclass(frozen=True)
class Backup:
    """One backup on disk."""

    path: Path
    manifest: dict[str, Any]

    @property
    def manifest_path(self) -> Path:
        return manifest_path(self.path)

    @property
    def created_at(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.manifest["cree_le"])


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


def _canonical(manifest: Mapping[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(manifest: Mapping[str, Any], key: str) -> str:
    return hmac.new(key.encode(), _canonical(manifest), hashlib.sha256).hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _kind(engine: Engine) -> str:
    return "postgresql" if engine.dialect.name == "postgresql" else "sqlite"


def _libpq(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, the password in the environment (never
    on a command line that ``ps`` shows)."""
    args = []
    if url.host:
        args += ["-h", url.host]
    if url.port:
        args += ["-p", str(url.port)]
    if url.username:
        args += ["-U", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        # The command is pg_dump or pg_restore with arguments built here, no shell.
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=6 * 3600, check=False)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} introuvable : installez le client PostgreSQL") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what} a échoué : {detail[-1] if detail else done.returncode}")


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database:
        raise BackupError("base SQLite en mémoire : rien à sauvegarder")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy a live SQLite database page by page under its own locks (the online backup API)."""
    src = sqlite3.connect(str(source))
    dst = sqlite3.connect(str(target))
    try:
        with dst:
            src.backup(dst)  # one write transaction on the target: whole or unchanged
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"la copie de {source.name} a échoué : {exc}") from None
    finally:
        dst.close()
        src.close()


def _facts(engine: Engine) -> dict[str, Any]:
    """What the manifest says of the content; a database without WiseBook's tables (emptied,
    never migrated) is backed up all the same, with nothing to say."""
    from sqlalchemy.exc import DBAPIError

    from wisebook.db import migrate

    try:
        with Session(engine) as session:
            entries = session.scalar(select(func.count()).select_from(models.Entry)) or 0
            companies = session.scalar(select(func.count()).select_from(models.Company)) or 0
        return {"revision": migrate.current(engine), "ecritures": int(entries), "societes": int(companies)}
    except DBAPIError:
        return {"revision": None, "ecritures": None, "societes": None}


def create(
    settings: Settings, engine: Engine, *, label: str = "manuelle", now: dt.datetime | None = None
) -> Backup:
    """Write a backup of the whole database and its signed manifest; both appear at once."""
    from wisebook import version

    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    folder = settings.backups
    folder.mkdir(parents=True, exist_ok=True, mode=0o750)
    kind = _kind(engine)
    suffix = ".dump" if kind == "postgresql" else ".sqlite3"
    stem = f"{PREFIX}{now:%Y%m%dT%H%M%SZ}-{label}"
    path = folder / f"{stem}{suffix}"
    if path.exists():
        path = folder / f"{stem}-{uuid.uuid4().hex[:6]}{suffix}"
    partial = path.with_name(f".{path.name}.partiel")
    try:
        if kind == "postgresql":
            args, env = _libpq(engine.url)
            database = str(engine.url.database)
            _run(
                ["pg_dump", "-Fc", "--no-owner", "--no-privileges", *args, "-f", str(partial), database],
                env,
                "pg_dump",
            )
        else:
            _sqlite_copy(_sqlite_file(engine), partial)
        os.chmod(partial, 0o640)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "fichier": path.name,
            "taille": partial.stat().st_size,
            "sha256": sha256_of(partial),
            "base": kind,
            "cree_le": now.isoformat(),
            "etiquette": label,
            "version": version(),
            **_facts(engine),
        }
        manifest["signature"] = sign(manifest, settings.backup_signing_key)
        _write_json(manifest_path(path), manifest)
        partial.rename(path)  # the dump is the last to appear: a listed backup is whole
    finally:
        partial.unlink(missing_ok=True)
    log.info("sauvegarde écrite : %s (%s octets)", path.name, manifest["taille"])
    return Backup(path, manifest)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.partiel")
    partial.write_text(
        json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    os.chmod(partial, 0o640)
    partial.rename(path)


def read_manifest(dump: Path) -> dict[str, Any]:
    path = manifest_path(dump)
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupRefused(f"manifeste absent : {path.name}") from None
    except (ValueError, UnicodeDecodeError):
        raise BackupRefused(f"manifeste illisible : {path.name}") from None
    if not isinstance(manifest, dict):
        raise BackupRefused(f"manifeste illisible : {path.name}")
    return manifest


def verify(dump: Path, key: str) -> dict[str, Any]:
    """The manifest of ``dump`` once its signature, size and SHA-256 check; BackupRefused else."""
    if not dump.is_file():
        raise BackupError(f"fichier introuvable : {dump}")
    manifest = read_manifest(dump)
    if not hmac.compare_digest(str(manifest.get("signature", "")), sign(manifest, key)):
        raise BackupRefused("signature du manifeste invalide (manifeste modifié ou autre installation)")
    if manifest.get("fichier") != dump.name:
        raise BackupRefused(f"le manifeste décrit {manifest.get('fichier')}, pas {dump.name}")
    if dump.stat().st_size != manifest.get("taille") or sha256_of(dump) != manifest.get("sha256"):
        raise BackupRefused("empreinte SHA-256 différente : la sauvegarde a été modifiée ou tronquée")
    return manifest


def listing(settings: Settings) -> list[Backup]:
    """Backups whose manifest can be read, oldest first (not verified: see ``verify``)."""
    folder = settings.backups
    found = []
    if folder.is_dir():
        for dump in folder.iterdir():
            if dump.name.startswith(PREFIX) and dump.suffix in (".dump", ".sqlite3"):
                try:
                    found.append(Backup(dump, read_manifest(dump)))
                except BackupRefused:
                    continue
    return sorted(found, key=lambda b: (b.manifest.get("cree_le", ""), b.path.name))


def latest(settings: Settings) -> Backup | None:
    backups = listing(settings)
    return backups[-1] if backups else None


def prune(settings: Settings, now: dt.datetime | None = None) -> list[Path]:
    """Delete backups older than ``backup_keep_days`` days; the dumps removed."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=settings.backup_keep_days)
    removed = []
    for backup in listing(settings):
        if backup.created_at <= cutoff:
            backup.path.unlink(missing_ok=True)
            backup.manifest_path.unlink(missing_ok=True)
            removed.append(backup.path)
    if removed:
        log.info("sauvegardes de plus de %s jours supprimées : %s", settings.backup_keep_days, len(removed))
    return removed


@dataclass(frozen=True)
class Restored:
    """What a restore did."""

    manifest: dict[str, Any]
    safety: Backup | None
    verified: bool


def restore(
    settings: Settings,
    engine: Engine,
    dump: Path,
    *,
    force: bool = False,
    safety_backup: bool = True,
) -> Restored:
    """Replace the database with ``dump``, in one transaction, after a safety backup.

    Refuses a dump whose manifest does not verify unless ``force``.
    """
    verified = True
    try:
        manifest = verify(dump, settings.backup_signing_key)
    except BackupRefused:
        if not force:
            raise
        log.warning("restauration forcée d'une sauvegarde non vérifiée : %s", dump.name)
        verified = False
        manifest = _lenient_manifest(dump)
    kind = _kind(engine)
    if manifest.get("base", kind) != kind:
        raise BackupError(f"sauvegarde {manifest.get('base')} : elle ne se restaure pas dans une base {kind}")
    safety = create(settings, engine, label="avant-restauration") if safety_backup else None
    engine.dispose()
    _load(engine, dump)
    engine.dispose()
    log.warning("base restaurée depuis %s", dump.name)
    return Restored(manifest, safety, verified)


def _lenient_manifest(dump: Path) -> dict[str, Any]:
    try:
        return read_manifest(dump)
    except BackupRefused:
        return {}


def _load(engine: Engine, dump: Path) -> None:
    if _kind(engine) == "postgresql":
        args, env = _libpq(engine.url)
        # « pg_restore --clean » would drop only what the dump holds: the tables of a newer
        # version (a rollback) would stay, and the next upgrade would fail on them. The schema
        # is emptied and refilled in one transaction instead: the dump as SQL, fed to psql
        # after DROP SCHEMA, and COMMIT sent only once pg_restore has read the whole dump
        # without error; anything else ends the session, which rolls it all back.
        _restore_stream(
            ["pg_restore", "--no-owner", "--no-privileges", "-f", "-", str(dump)],
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *args, "-d", str(engine.url.database)],
            env,
        )
    else:
        _sqlite_copy(dump, _sqlite_file(engine))


def _restore_stream(producer_cmd: list[str], psql_cmd: list[str], env: dict[str, str]) -> None:
    """``BEGIN; DROP SCHEMA…; <pg_restore's SQL>; COMMIT`` into psql, COMMIT only on success."""
    with tempfile.TemporaryFile() as produced_err, tempfile.TemporaryFile() as psql_err:
        try:
            # pg_restore and psql with arguments built here, no shell.
            psql = subprocess.Popen(  # noqa: S603
                psql_cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err
            )
        except FileNotFoundError:
            raise BackupError("psql introuvable : installez le client PostgreSQL") from None
        assert psql.stdin is not None
        producer = None
        try:
            psql.stdin.write(b"BEGIN;\nDROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n")
            producer = subprocess.Popen(producer_cmd, env=env, stdout=subprocess.PIPE, stderr=produced_err)  # noqa: S603
            assert producer.stdout is not None
            shutil.copyfileobj(producer.stdout, psql.stdin, 1024 * 1024)
            if producer.wait() == 0:
                # Everything changed, tokens and members too: the web processes forget the
                # callers they keep (db.notices) when this commits. The dump's data is loaded
                # before its triggers, which say nothing.
                psql.stdin.write(
                    f"\nSELECT pg_catalog.pg_notify('{notices.CREDENTIALS}', '');\nCOMMIT;\n".encode()
                )
        except FileNotFoundError:
            raise BackupError("pg_restore introuvable : installez le client PostgreSQL") from None
        except BrokenPipeError:
            pass  # psql stopped at an error: said below
        finally:
            if producer is not None and producer.poll() is None:
                producer.kill()
                producer.wait()
            with contextlib.suppress(BrokenPipeError):
                psql.stdin.close()
            psql.wait(timeout=6 * 3600)
        for name, code, err in (
            ("psql", psql.returncode, psql_err),
            ("pg_restore", producer.returncode if producer else 0, produced_err),
        ):
            if code != 0:
                err.seek(0)
                detail = err.read().decode(errors="replace").strip().splitlines()
                raise BackupError(f"la restauration a échoué ({name}) : {detail[-1] if detail else code}")


def upload(settings: Settings, backup: Backup) -> str:
    """Copy the dump and its manifest to the S3 bucket; the dump's key."""
    if not settings.aws_s3_bucket:
        raise BackupError("AWS_S3_BUCKET non configuré")
    key = f"wisebook/{backup.path.name}"
    s3.upload(settings, backup.path, key)
    s3.upload(settings, backup.manifest_path, key + MANIFEST_SUFFIX)
    return key


@contextmanager
def scratch_copy(settings: Settings, engine: Engine, dump: Path) -> Iterator[Engine]:
    """An engine on a throw-away database restored from ``dump`` (the restore drill)."""
    if _kind(engine) == "postgresql":
        name = f"wisebook_exercice_{uuid.uuid4().hex[:10]}"
        admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = create_engine(engine.url.set(database=name))
        try:
            _load(scratch, dump)
            yield scratch
        finally:
            scratch.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory(prefix="wisebook-exercice-") as folder:
            target = Path(folder) / "exercice.sqlite3"
            shutil.copyfile(dump, target)
            scratch = create_engine(f"sqlite:///{target}")
            try:
                yield scratch
            finally:
                scratch.dispose()


def drill(
    settings: Settings, engine: Engine, check: Callable[[Session], dict[str, list[str]]]
) -> dict[str, Any]:
    """Restore the latest backup into a scratch database and ``check`` it there."""
    backup = latest(settings)
    if backup is None:
        raise BackupError("aucune sauvegarde à éprouver")
    verify(backup.path, settings.backup_signing_key)
    with scratch_copy(settings, engine, backup.path) as scratch, Session(scratch) as session:
        problems = check(session)
    failures = {company: found for company, found in problems.items() if found}
    return {"sauvegarde": backup.path.name, "societes": len(problems), "problemes": failures}
