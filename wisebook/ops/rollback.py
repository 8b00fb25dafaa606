"""``wisebook-ctl rollback``: back to the release before the last upgrade, with its data.

Before each upgrade the package's preinst rebuilds the installed package from its files
(``/var/lib/wisebook/releases/<version>/wisebook_<version>_<arch>.deb``) and takes a backup
whose path it writes beside it (``backup``). A rollback says what it will lose (what was written
since that backup), takes a backup of the state it leaves (so nothing is truly gone), then
installs the kept package with ``dpkg``: that package's postinst restores the pre-upgrade backup
before it migrates and starts the programs. The web programs must then answer ``/health/``.

Every module used after ``dpkg`` has replaced ``/opt/wisebook`` is imported here, at the top:
a frozen program reads its own archive to import, and that archive is the one being replaced.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from wisebook.db import models
from wisebook.ops import backups
from wisebook.settings import Settings

RELEASES = Path("/var/lib/wisebook/releases")
_ = http.client  # imported for urllib's sake before the archive is replaced

#: What a rollback can lose, as the operator reads it, and the rows that say it.
COUNTED: tuple[tuple[str, Any], ...] = (
    ("sociétés", models.Company),
    ("utilisateurs", models.User),
    ("pièces jointes", models.Attachment),
    ("imports", models.Import),
    ("rapprochements", models.Reconciliation),
    ("clés d'API", models.ApiKey),
    ("webhooks", models.Webhook),
)


class RollbackError(Exception):
    """A rollback that cannot be done, said in one line; nothing was changed."""


@dataclass(frozen=True)
class Release:
    """A release kept by the preinst of the upgrade that replaced it."""

    version: str
    package: Path
    backup: Path | None
    kept_at: float  # float-ok: a file time


@dataclass
class Plan:
    """What a rollback will do and lose."""

    release: Release
    current: str
    backup: Path  # the pre-upgrade backup the kept package's postinst restores
    backup_manifest: dict[str, Any]
    lost_entries: list[str] = field(default_factory=list)  # numbers (or « brouillon n° id »)
    lost_entry_count: int = 0
    lost_other: list[tuple[str, int]] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The plan as the operator reads it before saying yes."""
        try:
            taken = _since(self.backup_manifest).astimezone(dt.UTC).strftime("%d/%m/%Y à %H:%M:%S UTC")
        except RollbackError:
            taken = "?"
        said = [
            f"retour de {self.current} à {self.release.version}",
            f"la base revient à la sauvegarde d'avant la mise à jour : {self.backup}",
            f"  prise le {taken}, {self.backup_manifest.get('ecritures', '?')} écriture(s), "
            f"révision {self.backup_manifest.get('revision', '?')}",
        ]
        if not self.lost_entry_count and not self.lost_other:
            said.append("perdu : rien (rien n'a été écrit depuis cette sauvegarde)")
            return said
        said.append("perdu (écrit depuis cette sauvegarde) :")
        if self.lost_entry_count:
            shown = ", ".join(self.lost_entries)
            more = self.lost_entry_count - len(self.lost_entries)
            said.append(
                f"  {self.lost_entry_count} écriture(s) saisie(s) ou validée(s) : {shown}"
                + (f" et {more} autre(s)" if more > 0 else "")
            )
        said += [f"  {count} {label}" for label, count in self.lost_other]
        return said


def releases(folder: Path = RELEASES) -> list[Release]:
    """The releases kept, oldest first."""
    found = []
    if folder.is_dir():
        for kept in folder.iterdir():
            if not kept.is_dir() or kept.name.startswith("."):
                continue
            packages = sorted(kept.glob("wisebook_*.deb"))
            if not packages:
                continue
            written = kept / "backup"
            path = written.read_text(encoding="utf-8").strip() if written.is_file() else ""
            found.append(
                Release(kept.name, packages[-1], Path(path) if path else None, packages[-1].stat().st_mtime)
            )
    return sorted(found, key=lambda r: r.kept_at)


def choose(found: Sequence[Release], version: str | None = None) -> Release:
    """The release asked for, or the one the last upgrade replaced."""
    if not found:
        raise RollbackError(
            f"aucune version gardée dans {RELEASES} : une mise à jour du paquet en garde une, pas une installation"
        )
    if version is None:
        return found[-1]
    for release in found:
        if release.version == version:
            return release
    raise RollbackError(f"version {version} non gardée ; gardées : {', '.join(r.version for r in found)}")


def _since(manifest: dict[str, Any]) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(str(manifest["cree_le"]))
    except (KeyError, ValueError):
        raise RollbackError("le manifeste de la sauvegarde ne dit pas quand elle a été prise") from None


def lost_since(
    engine: Engine, since: dt.datetime, shown: int = 10
) -> tuple[int, list[str], list[tuple[str, int]]]:
    """What was written after ``since``: the entries (count, the first numbers) and the rest."""
    touched = or_(models.Entry.created_at > since, models.Entry.posted_at > since)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(models.Entry).where(touched)) or 0
        rows = session.execute(
            select(models.Entry.id, models.Entry.number).where(touched).order_by(models.Entry.id).limit(shown)
        ).all()
        others = []
        for label, model in COUNTED:
            found = (
                session.scalar(select(func.count()).select_from(model).where(model.created_at > since)) or 0
            )
            if found:
                others.append((label, int(found)))
    numbers = [number or f"brouillon n° {entry_id}" for entry_id, number in rows]
    return int(count), numbers, others


def plan(
    settings: Settings, engine: Engine, current: str, version: str | None = None, folder: Path = RELEASES
) -> Plan:
    """What a rollback to ``version`` (default: the previous release) will do and lose."""
    release = choose(releases(folder), version)
    if release.backup is None:
        raise RollbackError(
            f"pas de sauvegarde d'avant la mise à jour pour {release.version} "
            "(mise à jour faite avec /etc/wisebook/skip-auto-backup) : restaurez une sauvegarde à la main"
        )
    try:
        manifest = backups.verify(release.backup, settings.backup_signing_key)
    except backups.BackupError as exc:
        raise RollbackError(f"sauvegarde d'avant la mise à jour inutilisable : {exc}") from None
    found = Plan(release, current, release.backup, manifest)
    try:
        found.lost_entry_count, found.lost_entries, found.lost_other = lost_since(engine, _since(manifest))
    except DBAPIError as exc:
        raise RollbackError(f"base illisible : {str(exc.orig).strip().splitlines()[0]}") from None
    return found


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def backup_before(user: str, program: str, tag: str, run: Runner = subprocess.run) -> Path:
    """A backup of the state the rollback leaves, taken as the service's user."""
    done = run(
        ["runuser", "-u", user, "--", program, "backup", "--etiquette", f"avant-retour-{tag}", "--sans-s3"],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith("sauvegarde : "):
            return Path(line.split()[2])
    detail = (done.stderr or done.stdout).strip().splitlines()
    raise RollbackError(
        f"la sauvegarde avant le retour a échoué : {detail[-1] if detail else done.returncode}"
    )


def install(release: Release, backup: Path, run: Runner = subprocess.run) -> None:
    """Install the kept package; its postinst restores ``backup`` (WISEBOOK_ROLLBACK)."""
    env = {**os.environ, "WISEBOOK_ROLLBACK": str(backup), "DEBIAN_FRONTEND": "noninteractive"}
    done = run(
        ["dpkg", "-i", "--force-downgrade", "--force-confold", str(release.package)],
        env=env,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RollbackError(
            f"dpkg -i {release.package.name} a échoué (code {done.returncode}) : voyez ses messages ci-dessus ; "
            "la base d'avant le retour est dans la sauvegarde annoncée"
        )


def wait_healthy(
    ports: Sequence[int],
    version: str,
    timeout: float = 120.0,  # float-ok: seconds
) -> dict[int, str]:
    """Each web program's ``/health/`` answering 200 with ``version``; the last word of each."""
    deadline = time.monotonic() + timeout
    said: dict[int, str] = {}
    pending = list(ports)
    while pending:
        for port in list(pending):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=5) as answer:
                    body = json.loads(answer.read())
                said[port] = f"{answer.status} {body.get('status')} {body.get('version')}"
                if body.get("version") == version:
                    pending.remove(port)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                said[port] = str(getattr(exc, "reason", exc))
        if pending and time.monotonic() > deadline:
            raise RollbackError(
                "après le retour, /health/ ne répond pas comme attendu : "
                + "; ".join(f":{p} {said.get(p)}" for p in pending)
            )
        if pending:
            time.sleep(1)
    return said


def package_fields(package: Path, run: Runner = subprocess.run) -> dict[str, str]:
    """A .deb's Package and Version (RollbackError if it is not a wisebook package)."""
    done = run(
        ["dpkg-deb", "-f", str(package), "Package", "Version"], capture_output=True, text=True, check=False
    )
    found = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    if done.returncode != 0 or found.get("Package") != "wisebook" or not found.get("Version"):
        raise RollbackError(f"{package.name} n'est pas un paquet wisebook")
    return found


def is_newer(new: str, current: str, run: Runner = subprocess.run) -> bool:
    """Debian's order of versions (3.0.0~rc1 < 3.0.0 < 3.0.0+1)."""
    return run(["dpkg", "--compare-versions", new, "gt", current], check=False).returncode == 0


def apt_install(package: Path, run: Runner = subprocess.run) -> None:
    """``apt-get install ./package``: the package's scripts do the upgrade."""
    done = run(
        ["apt-get", "install", "-y", str(package.resolve())],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RollbackError(
            f"apt-get install a échoué (code {done.returncode}) : voyez ses messages ci-dessus"
        )
