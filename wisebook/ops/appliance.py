"""The appliance's files, rendered from ``/etc/wisebook/wisebook.conf`` (``wisebook-ctl
reconfigure``): the nginx site, supervisor's programs, Redis's and PostgreSQL's settings,
scaled to the machine. A file is written only when its content or mode changes (atomically),
so a second run changes nothing."""

from __future__ import annotations

import grp
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from wisebook.ledger.errors import InvalidInput
from wisebook.ledger.text import is_digits
from wisebook.settings import read_env_file

CONF = "etc/wisebook/wisebook.conf"
SECRETS = "etc/wisebook/secrets.env"
#: The operator's settings of the appliance itself (the application's are settings.py's).
DEFAULTS = {
    "WISEBOOK_SERVER_NAME": "_",
    "WISEBOOK_HTTP_PORT": "80",
    "WISEBOOK_HTTPS_PORT": "443",
    "WISEBOOK_TLS_CERTIFICATE": "/etc/wisebook/tls/wisebook.crt",
    "WISEBOOK_TLS_KEY": "/etc/wisebook/tls/wisebook.key",
    "WISEBOOK_WEB_PORTS": "8000,8001",
    "WISEBOOK_WEB_THREADS": "",  # scaled to the machine when empty
    "WISEBOOK_PROXY_TIMEOUT": "120",
    "WISEBOOK_PROGRAM": "/opt/wisebook/wisebook-ctl",
    "WISEBOOK_USER": "wisebook",
    "WISEBOOK_DATA_DIR": "/var/lib/wisebook",
    "WISEBOOK_LOG_DIR": "/var/log/wisebook",
    # certbot's webroot for the HTTP challenge: nginx's workers read it, so it is not under the
    # data dir (which only the service's user may enter).
    "WISEBOOK_ACME_DIR": "/var/www/wisebook-acme",
    "WISEBOOK_MAX_IMPORT_BYTES": str(200 * 1024 * 1024),
}


@dataclass(frozen=True)
class Machine:
    """What the defaults are scaled to."""

    cpus: int
    memory_mb: int

    @classmethod
    def this_one(cls) -> Machine:
        """This machine's processors and memory (``/proc/meminfo``)."""
        memory_kb = 4 * 1024 * 1024
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemTotal:"):
                    memory_kb = int(line.split()[1])
        except OSError:
            pass
        return cls(os.cpu_count() or 2, memory_kb // 1024)


@dataclass(frozen=True)
class Rendered:
    """One file of the appliance: where, what, its mode and group (None: root's)."""

    path: str  # relative to the root, e.g. etc/nginx/sites-available/wisebook
    content: str
    mode: int = 0o644
    group: str | None = None


@dataclass
class Outcome:
    """What a run changed, path by path."""

    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def templates_dir() -> Path:
    """The templates: beside the package, or inside a frozen bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "appliance" / "templates"
    return Path(__file__).resolve().parents[2] / "appliance" / "templates"


def _number(values: dict[str, str], name: str, low: int, high: int) -> int:
    raw = values[name]
    if not is_digits(raw) or not low <= int(raw) <= high:
        raise InvalidInput(f"{name} doit être un entier de {low} à {high}, pas « {raw} ».", field=name)
    return int(raw)


def read_conf(root: Path) -> dict[str, str]:
    """The operator's settings (``wisebook.conf``) over the defaults, and the secrets."""
    values = DEFAULTS | read_env_file(root / CONF)
    return values | {f"secret:{k}": v for k, v in read_env_file(root / SECRETS).items()}


def _redis_password(values: dict[str, str]) -> str:
    url = values.get("secret:REDIS_URL", "")
    if "@" not in url or ":" not in url.split("://", 1)[-1].split("@", 1)[0]:
        raise InvalidInput("REDIS_URL avec son mot de passe manque dans secrets.env.", field="REDIS_URL")
    return url.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1]


def web_ports(values: dict[str, str]) -> list[int]:
    """The web programs' ports (``WISEBOOK_WEB_PORTS``: web-0, web-1…)."""
    ports = [p.strip() for p in values["WISEBOOK_WEB_PORTS"].split(",") if p.strip()]
    if not ports or not all(is_digits(p) and 1024 <= int(p) <= 65535 for p in ports):
        raise InvalidInput("WISEBOOK_WEB_PORTS : des ports de 1024 à 65535 séparés par des virgules.")
    return [int(p) for p in ports]


def render(
    values: dict[str, str], machine: Machine, pg_version: str | None, root: Path = Path("/")
) -> list[Rendered]:
    """Every file of the appliance for these settings on this machine."""
    ports = web_ports(values)
    threads = (
        _number(values, "WISEBOOK_WEB_THREADS", 1, 64)
        if values["WISEBOOK_WEB_THREADS"]
        else max(4, min(8, 2 * machine.cpus))
    )
    name = values["WISEBOOK_SERVER_NAME"].strip()
    if not name or any(c in name for c in ";{}\n\"'$"):
        raise InvalidInput(f"WISEBOOK_SERVER_NAME invalide : « {name} ».", field="WISEBOOK_SERVER_NAME")
    env = Environment(  # noqa: S701 - configuration files, not HTML
        loader=FileSystemLoader(templates_dir()), undefined=StrictUndefined, keep_trailing_newline=True
    )
    program = values["WISEBOOK_PROGRAM"]
    programs = [
        {"name": f"web-{i}", "arguments": f"web --port {port} --threads {threads}", "stop_seconds": 30}
        for i, port in enumerate(ports)
    ] + [
        {"name": "worker", "arguments": "worker", "stop_seconds": 120},
        {"name": "scheduler", "arguments": "scheduler", "stop_seconds": 30},
    ]
    context = {
        "server_name": name,
        "http_port": _number(values, "WISEBOOK_HTTP_PORT", 1, 65535),
        "https_port": _number(values, "WISEBOOK_HTTPS_PORT", 1, 65535),
        "tls_certificate": values["WISEBOOK_TLS_CERTIFICATE"],
        "tls_key": values["WISEBOOK_TLS_KEY"],
        "web_ports": ports,
        "proxy_timeout": _number(values, "WISEBOOK_PROXY_TIMEOUT", 5, 3600),
        "max_body_mb": -(-_number(values, "WISEBOOK_MAX_IMPORT_BYTES", 1, 10**12) // (1024 * 1024)),
        "acme_root": values["WISEBOOK_ACME_DIR"],
        "static_dir": str(Path(program).parent / "_internal" / "wisebook" / "web" / "static"),
        "program": program,
        "programs": programs,
        "user": values["WISEBOOK_USER"],
        "data_dir": values["WISEBOOK_DATA_DIR"],
        "log_dir": values["WISEBOOK_LOG_DIR"],
        "config_files": f"{root / CONF}:{root / SECRETS}",
        "cpus": machine.cpus,
        "memory_mb": machine.memory_mb,
        # PostgreSQL on a shared machine: a quarter of the memory, the rest for the OS cache.
        "pg_shared_buffers_mb": max(128, machine.memory_mb // 4),
        "pg_effective_cache_mb": max(256, machine.memory_mb * 3 // 4),
        "pg_maintenance_mb": max(64, min(1024, machine.memory_mb // 16)),
        "pg_work_mem_mb": max(4, min(64, machine.memory_mb // 256)),
        "pg_max_connections": 100,
        "redis_password": _redis_password(values),
        "redis_maxmemory_mb": max(64, min(1024, machine.memory_mb // 16)),
    }
    files = [
        Rendered(
            "etc/nginx/sites-available/wisebook", env.get_template("nginx-site.conf.j2").render(context)
        ),
        Rendered(
            "etc/supervisor/conf.d/wisebook.conf", env.get_template("supervisor.conf.j2").render(context)
        ),
        Rendered(
            "etc/wisebook/redis.conf", env.get_template("redis.conf.j2").render(context), 0o640, "redis"
        ),
    ]
    if pg_version:
        files.append(
            Rendered(
                f"etc/postgresql/{pg_version}/main/conf.d/wisebook.conf",
                env.get_template("postgresql.conf.j2").render(context),
            )
        )
    return files


def postgresql_version(root: Path) -> str | None:
    """The newest PostgreSQL cluster configured on the machine (``/etc/postgresql/<version>``)."""
    found = sorted((p.name for p in (root / "etc" / "postgresql").glob("*") if p.name.isdigit()), key=int)
    return found[-1] if found else None


def _write(root: Path, item: Rendered) -> bool:
    """Write one file atomically when its content, mode or group differ; whether it changed."""
    path = root / item.path
    gid = _gid(item.group)
    try:
        same = path.read_text() == item.content and path.stat().st_mode & 0o7777 == item.mode
        same = same and (gid is None or path.stat().st_gid == gid)
    except OSError:
        same = False
    if same:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.wisebook-tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, item.mode)
    with os.fdopen(fd, "w") as out:
        out.write(item.content)
    os.chmod(temporary, item.mode)
    if gid is not None:
        os.chown(temporary, 0, gid)
    os.replace(temporary, path)
    return True


def _gid(group: str | None) -> int | None:
    """The group's id when we run as root and it exists (a test root as a user keeps its own)."""
    if group is None or os.geteuid() != 0:
        return None
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        return None


def _link(root: Path, outcome: Outcome) -> None:
    """nginx's site enabled, and Debian's default site (which also claims default_server) not."""
    enabled = root / "etc/nginx/sites-enabled"
    enabled.mkdir(parents=True, exist_ok=True)
    link = enabled / "wisebook"
    target = "../sites-available/wisebook"
    if not (link.is_symlink() and os.readlink(link) == target):
        link.unlink(missing_ok=True)
        link.symlink_to(target)
        outcome.changed.append("etc/nginx/sites-enabled/wisebook")
    default = enabled / "default"
    if default.is_symlink() or default.exists():
        default.unlink()
        outcome.removed.append("etc/nginx/sites-enabled/default")


def _include_redis(root: Path, outcome: Outcome) -> None:
    """Debian's redis.conf includes ours (once)."""
    main = root / "etc/redis/redis.conf"
    line = f"include {root / 'etc/wisebook/redis.conf'}"
    if not main.exists():
        return
    text = main.read_text()
    if line not in text.splitlines():
        main.write_text(text.rstrip("\n") + f"\n\n# WiseBook (wisebook-ctl reconfigure)\n{line}\n")
        outcome.changed.append("etc/redis/redis.conf")


def reconfigure(root: Path = Path("/"), machine: Machine | None = None) -> Outcome:
    """Render every file from the conf under ``root``; what changed (nothing on a second run)."""
    values = read_conf(root)
    outcome = Outcome()
    for item in render(values, machine or Machine.this_one(), postgresql_version(root), root):
        if _write(root, item):
            outcome.changed.append(item.path)
    _link(root, outcome)
    _include_redis(root, outcome)
    return outcome
