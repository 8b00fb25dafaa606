"""``wisebook-ctl doctor``: what could stop the appliance, looked at and said; nothing changed.

Each check gives a finding: ``ok``, ``attention`` (works today, act soon) or ``échec`` (broken
now). The ports the appliance listens on, the free disk where the books, backups and the
database live, the TLS certificate's expiry, the free memory, the secrets' permissions, the
supervisor programs and the application's own health (database, Redis, queue, workers).
"""

from __future__ import annotations

import datetime as dt
import grp
import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

OK, WARN, FAIL = "ok", "attention", "échec"


@dataclass(frozen=True)
class Finding:
    name: str
    status: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def worst(findings: Sequence[Finding]) -> str:
    statuses = {f.status for f in findings}
    return FAIL if FAIL in statuses else WARN if WARN in statuses else OK


def ports(wanted: Mapping[str, int], host: str = "127.0.0.1") -> list[Finding]:
    """Something answers on each port (nginx, the web programs, PostgreSQL, Redis)."""
    found = []
    for name, port in wanted.items():
        try:
            with socket.create_connection((host, port), timeout=2):
                found.append(Finding(f"port {port}", OK, f"{name} : à l'écoute"))
        except OSError as exc:
            found.append(Finding(f"port {port}", FAIL, f"{name} : rien n'écoute ({exc.strerror or exc})"))
    return found


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def disk(places: Mapping[str, Path], warn_mb: int = 2048, fail_mb: int = 500) -> list[Finding]:
    """The free space where each place lives (one finding per file system)."""
    found, seen = [], set()
    for name, path in places.items():
        where = _existing(path)
        device = where.stat().st_dev
        if device in seen:
            continue
        seen.add(device)
        usage = shutil.disk_usage(where)
        free_mb, share = usage.free // (1024 * 1024), usage.free / usage.total if usage.total else 0
        said = (
            f"{path} : {free_mb:,} Mo libres sur {usage.total // (1024 * 1024):,} Mo ({share:.0%})".replace(
                ",", "\u202f"
            )
        )
        status = FAIL if free_mb < fail_mb else WARN if free_mb < warn_mb or share < 0.10 else OK
        found.append(Finding(f"disque {name}", status, said))
    return found


def certificate(path: Path, now: dt.datetime | None = None, warn_days: int = 30) -> Finding:
    """The certificate nginx serves: its expiry, and whether browsers will trust it."""
    now = now or dt.datetime.now(dt.UTC)
    try:
        # openssl is a dependency of the package; the path is the conf's.
        done = subprocess.run(  # noqa: S603
            ["openssl", "x509", "-noout", "-enddate", "-subject", "-issuer", "-in", str(path)],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except FileNotFoundError:
        return Finding("certificat", WARN, "openssl absent : expiration non vérifiée")
    if done.returncode != 0:
        return Finding(
            "certificat", FAIL, f"{path} illisible : {done.stderr.strip().splitlines()[-1:] or '?'}"
        )
    fields = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
    ends = dt.datetime.strptime(fields["notAfter"].strip(), "%b %d %H:%M:%S %Y %Z").replace(tzinfo=dt.UTC)
    days = (ends - now).days
    self_signed = fields.get("subject", "").strip() == fields.get("issuer", "").strip()
    kind = (
        "auto-signé (wisebook-ctl tls acme DOMAINE pour un certificat reconnu)"
        if self_signed
        else "émis par " + fields.get("issuer", "?").strip()
    )
    said = f"{path} : {kind}, valable jusqu'au {ends:%d/%m/%Y}"
    if ends <= now:
        return Finding("certificat", FAIL, f"{path} : expiré le {ends:%d/%m/%Y}")
    if days < warn_days:
        return Finding("certificat", WARN, f"{said}, dans {days} jour(s)")
    return Finding("certificat", WARN if self_signed else OK, said)


def memory(meminfo: Path = Path("/proc/meminfo"), warn_mb: int = 256) -> Finding:
    """Memory available now (MemAvailable), and the machine's total."""
    values = {}
    for line in meminfo.read_text().splitlines():
        name, _, rest = line.partition(":")
        if rest.split():
            values[name] = int(rest.split()[0]) // 1024
    available, total = values.get("MemAvailable", 0), values.get("MemTotal", 0)
    said = f"{available:,} Mo disponibles sur {total:,} Mo".replace(",", "\u202f")
    if available < warn_mb:
        return Finding("mémoire", FAIL if available < warn_mb // 2 else WARN, said)
    return Finding("mémoire", OK, said)


def secrets(path: Path, group: str = "wisebook") -> Finding:
    """The secrets file: 0640, root and the service's group, as the install leaves it."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return Finding("secrets", FAIL, f"{path} absent")
    try:
        owner_group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        owner_group = str(st.st_gid)
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    mode = st.st_mode & 0o777
    said = f"{path} : {mode:o} {owner}:{owner_group}"
    if mode & 0o007 or owner_group != group:
        return Finding("secrets", FAIL, f"{said} (attendu 640 root:{group} : chmod 0640, chgrp {group})")
    return Finding("secrets", OK, said)


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def programs(expected: Sequence[str], run: Runner = subprocess.run) -> Finding:
    """The supervisor programs of the group, each RUNNING."""
    try:
        done = run(
            ["supervisorctl", "status", "wisebook:*"], capture_output=True, text=True, timeout=20, check=False
        )
    except FileNotFoundError:
        return Finding("programmes", FAIL, "supervisorctl absent")
    states = {}
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("wisebook:"):
            states[parts[0].split(":", 1)[1]] = parts[1]
    if not states:
        return Finding(
            "programmes",
            FAIL,
            f"supervisor ne connaît pas le groupe wisebook : {done.stdout.strip() or done.stderr.strip()}",
        )
    said = ", ".join(f"{name} {states.get(name, 'absent')}" for name in expected)
    running = all(states.get(name) == "RUNNING" for name in expected)
    return Finding("programmes", OK if running else FAIL, said)


#: The checks of /health/ (their names are the API's), as the operator reads them.
HEALTH_NAMES = {"database": "base", "queue": "file", "disk": "disque (app)", "backup": "sauvegarde"}


def application(report: Mapping[str, Any]) -> list[Finding]:
    """The application's own health report (the checks of /health/)."""
    found = []
    for key, check in report.get("checks", {}).items():
        name = HEALTH_NAMES.get(key, key)
        status = {"ok": OK, "degraded": WARN}.get(str(check.get("status")), FAIL)
        extra = ", ".join(f"{k}={v}" for k, v in check.items() if k != "status")
        found.append(Finding(name, status, f"{check.get('status')}{' : ' + extra if extra else ''}"))
    return found


def fiscal_keys(found: Sequence[tuple[str, str, str]]) -> list[Finding]:
    """What each tax administration's key enables today (``services.tax.filing``): said, never
    a failure — the returns are filed by hand until an API is documented."""
    return [Finding(setting, OK, f"{state} : {said}") for setting, state, said in found]


def places_of(conf: Mapping[str, str], backups: Path) -> dict[str, Path]:
    return {
        "données": Path(conf["WISEBOOK_DATA_DIR"]),
        "sauvegardes": backups,
        "PostgreSQL": Path("/var/lib/postgresql"),
        "journaux": Path(conf["WISEBOOK_LOG_DIR"]),
    }


def is_root() -> bool:
    return os.geteuid() == 0
