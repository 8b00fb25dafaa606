"""Every setting of WiseBook: its environment variable, its default, its type, checked at start.

The embedded profile (``make run``) is chosen when ``DATABASE_URL`` is unset: a SQLite file
and Huey's SQLite queue under ``WISEBOOK_DATA_DIR``. The appliance sets ``DATABASE_URL`` and
``REDIS_URL`` from ``/etc/wisebook/wisebook.conf`` and ``secrets.env``, which its processes read
through ``WISEBOOK_CONFIG_FILES`` (the paths only: no secret passes through a command line or
supervisor's configuration).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


def _int(name: str) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} doit être un entier, pas « {raw} »") from None
        if value < 0:
            raise SettingsError(f"{name} doit être positif")
        return value

    return parse


def _bool(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes", "on", "oui"}


SECRET_NAMES = ("SECRET_KEY", "JWT_SECRET_KEY", "WEBHOOK_SECRET", "BACKUP_SIGNING_KEY")


@dataclass(frozen=True)
class Settings:
    """The resolved settings of one process."""

    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str = field(repr=False)
    jwt_secret_key: str = field(repr=False)
    webhook_secret: str = field(repr=False)
    backup_signing_key: str = field(repr=False)
    log_level: str = "INFO"
    sentry_dsn: str | None = None
    max_body_bytes: int = 10 * 1024 * 1024
    max_import_bytes: int = 200 * 1024 * 1024  # files of entries: a million lines is ~80 MB
    token_ttl_seconds: int = 3600
    session_idle_seconds: int = 30 * 60
    session_absolute_seconds: int = 12 * 3600
    login_requests_per_minute: int = 60  # per client address, successes included (offices share one)
    db_pool_size: int = 10
    # How long a web process keeps a checked token's caller (PostgreSQL; 0: never): forgotten
    # at once when the database says a token, user, membership or company changed.
    credential_cache_seconds: int = 60
    sqlite_busy_ms: int = 30000  # how long a SQLite write waits for the lock before a 503
    debug: bool = False
    email_host: str | None = None  # no SMTP server: mail is logged as not sent
    email_port: int = 25
    email_user: str | None = None
    email_password: str | None = field(default=None, repr=False)
    email_from: str = "WiseBook <wisebook@localhost>"
    email_starttls: bool = False
    public_url: str = "http://localhost:6543"  # the address links in mail point to
    log_format: str = "text"  # text (readable, dev) or json (one object per line, appliance)
    log_file: Path | None = None  # rotated at 100 MB, 10 files kept; stderr when unset
    backup_dir: Path | None = None  # default: <data dir>/backups
    backup_keep_days: int = 30
    backup_hour: int = 2  # the daily backup's hour (UTC)
    worker_threads: int = 2
    queue_name: str = "wisebook"  # Huey's name: its Redis keys (several installations, one Redis)
    aws_s3_bucket: str | None = None  # backups are uploaded there too when set
    aws_s3_endpoint_url: str | None = None  # an S3-compatible server (MinIO, Ceph…); AWS when unset
    aws_access_key_id: str | None = field(default=None, repr=False)
    aws_secret_access_key: str | None = field(default=None, repr=False)
    aws_default_region: str = "us-east-1"
    # Private networks webhooks may reach (an ERP on the office LAN), as CIDRs; none by default:
    # loopback, link-local, private, multicast and unspecified addresses are refused.
    webhook_allowed_networks: tuple[str, ...] = ()
    # INSEE's Sirene API, to fill a French tiers from its SIREN (portail-api.insee.fr gives the key).
    insee_api_key: str | None = field(default=None, repr=False)
    insee_url: str = "https://api.insee.fr/api-sirene/3.11"
    # A bank's NextGenPSD2 (Berlin Group) account-information API: its address, and the OAuth
    # client credentials the bank gave the installation.
    psd2_url: str | None = None
    psd2_client_id: str | None = field(default=None, repr=False)
    psd2_client_secret: str | None = field(default=None, repr=False)
    # Keys of the tax administrations' APIs, by country (CI, SN, ML): kept for the filing
    # adapters (services/tax/filing.py says what each enables today).
    ci_fiscal_api_key: str | None = field(default=None, repr=False)
    sn_fiscal_api_key: str | None = field(default=None, repr=False)
    ml_fiscal_api_key: str | None = field(default=None, repr=False)

    @property
    def backups(self) -> Path:
        """Where backups and their manifests are written."""
        return self.backup_dir or self.data_dir / "backups"

    def secret_values(self) -> list[str]:
        """Every secret's value, for the log and error filters that must never show them."""
        values = [self.secret_key, self.jwt_secret_key, self.webhook_secret, self.backup_signing_key]
        values += [
            v
            for v in (
                self.email_password,
                self.aws_secret_access_key,
                self.insee_api_key,
                self.psd2_client_secret,
                self.ci_fiscal_api_key,
                self.sn_fiscal_api_key,
                self.ml_fiscal_api_key,
            )
            if v
        ]
        values += [p for p in (_url_password(self.database_url), _url_password(self.redis_url or "")) if p]
        return [v for v in values if len(v) >= 4]

    @property
    def embedded(self) -> bool:
        """True for the embedded profile (SQLite, no Redis)."""
        return self.database_url.startswith("sqlite")

    def public(self) -> dict[str, object]:
        """The settings without secrets, safe to log or show."""
        hidden = {
            "secret_key",
            "jwt_secret_key",
            "webhook_secret",
            "backup_signing_key",
            "email_password",
            "aws_access_key_id",
            "aws_secret_access_key",
            "insee_api_key",
            "psd2_client_id",
            "psd2_client_secret",
            "ci_fiscal_api_key",
            "sn_fiscal_api_key",
            "ml_fiscal_api_key",
        }
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in hidden}
        out["database_url"] = _redact_url(self.database_url)
        if self.redis_url:
            out["redis_url"] = _redact_url(self.redis_url)
        return out


def _redact_url(url: str) -> str:
    """Hide the password of a URL such as postgresql://user:pw@host/db."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}"
    return url


def _url_password(url: str) -> str | None:
    """The password in a URL such as redis://:pw@host/0, if any."""
    if "@" not in url or "://" not in url:
        return None
    creds = url.split("://", 1)[1].rsplit("@", 1)[0]
    return creds.split(":", 1)[1] if ":" in creds else None


def _secrets_file(data_dir: Path) -> Path:
    return data_dir / "secrets.env"


def read_env_file(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                values[key.strip()] = value.strip().strip('"').strip("'")
    return values


def _embedded_secrets(data_dir: Path) -> dict[str, str]:
    """Secrets of the embedded profile: generated once into the data dir (0600), then reused."""
    path = _secrets_file(data_dir)
    values = read_env_file(path)
    missing = [name for name in SECRET_NAMES if not values.get(name)]
    if missing:
        for name in missing:
            values[name] = secrets.token_urlsafe(48)
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write("# Generated by WiseBook on first start. Keep it secret.\n")
            for name in SECRET_NAMES:
                out.write(f"{name}={values[name]}\n")
    return values


def _config_files(listed: str) -> dict[str, str]:
    """The settings of the appliance's files (``WISEBOOK_CONFIG_FILES``, colon-separated:
    ``/etc/wisebook/wisebook.conf:/etc/wisebook/secrets.env``), later files winning; the
    process's environment wins over them all. A listed file that cannot be read is an error."""
    values: dict[str, str] = {}
    for name in filter(None, listed.split(":")):
        path = Path(name)
        try:
            path.read_bytes()
        except OSError as exc:
            raise SettingsError(f"fichier de configuration illisible : {path} ({exc.strerror})") from None
        values |= read_env_file(path)
    return values


def load(overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Resolve the settings: ``overrides`` (paste ini or tests) > environment > defaults."""
    env = dict(os.environ if environ is None else environ)
    env = _config_files(env.get("WISEBOOK_CONFIG_FILES", "")) | env
    for key, value in (overrides or {}).items():
        if value is not None:
            env[key.upper()] = str(value)

    data_dir = Path(env.get("WISEBOOK_DATA_DIR") or "./var").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'wisebook.sqlite3'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if not database_url.startswith(("sqlite", "postgresql")):
        raise SettingsError("DATABASE_URL doit désigner PostgreSQL (postgresql://…) ou SQLite")

    secret_values = {name: env.get(name, "") for name in SECRET_NAMES}
    if not all(secret_values.values()):
        if database_url.startswith("sqlite"):
            generated = _embedded_secrets(data_dir)
            secret_values = {n: secret_values[n] or generated[n] for n in SECRET_NAMES}
        else:
            missing = ", ".join(n for n in SECRET_NAMES if not secret_values[n])
            raise SettingsError(f"secrets manquants : {missing} (voir /etc/wisebook/secrets.env)")
    for name, value in secret_values.items():
        if len(value) < 32:
            raise SettingsError(f"{name} est trop court (32 caractères au moins)")

    log_format = (env.get("LOG_FORMAT") or "text").lower()
    if log_format not in {"text", "json"}:
        raise SettingsError(f"LOG_FORMAT doit valoir text ou json, pas « {log_format} »")
    backup_hour = _int("WISEBOOK_BACKUP_HOUR")(env.get("WISEBOOK_BACKUP_HOUR", "2"))
    if backup_hour > 23:
        raise SettingsError("WISEBOOK_BACKUP_HOUR doit être une heure entre 0 et 23")

    networks = _networks(env.get("WISEBOOK_WEBHOOK_ALLOWED_NETWORKS", ""))
    level = (env.get("LOG_LEVEL") or "INFO").upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise SettingsError(f"LOG_LEVEL inconnu : {level}")

    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=env.get("REDIS_URL") or None,
        secret_key=secret_values["SECRET_KEY"],
        jwt_secret_key=secret_values["JWT_SECRET_KEY"],
        webhook_secret=secret_values["WEBHOOK_SECRET"],
        backup_signing_key=secret_values["BACKUP_SIGNING_KEY"],
        log_level=level,
        sentry_dsn=env.get("SENTRY_DSN") or None,
        max_body_bytes=_int("WISEBOOK_MAX_BODY_BYTES")(
            env.get("WISEBOOK_MAX_BODY_BYTES", str(10 * 1024 * 1024))
        ),
        max_import_bytes=_int("WISEBOOK_MAX_IMPORT_BYTES")(
            env.get("WISEBOOK_MAX_IMPORT_BYTES", str(200 * 1024 * 1024))
        ),
        token_ttl_seconds=_int("WISEBOOK_TOKEN_TTL_SECONDS")(env.get("WISEBOOK_TOKEN_TTL_SECONDS", "3600")),
        login_requests_per_minute=_int("WISEBOOK_LOGIN_REQUESTS_PER_MINUTE")(
            env.get("WISEBOOK_LOGIN_REQUESTS_PER_MINUTE", "60")
        ),
        session_idle_seconds=_int("WISEBOOK_SESSION_IDLE_SECONDS")(
            env.get("WISEBOOK_SESSION_IDLE_SECONDS", "1800")
        ),
        session_absolute_seconds=_int("WISEBOOK_SESSION_ABSOLUTE_SECONDS")(
            env.get("WISEBOOK_SESSION_ABSOLUTE_SECONDS", str(12 * 3600))
        ),
        db_pool_size=_int("WISEBOOK_DB_POOL_SIZE")(env.get("WISEBOOK_DB_POOL_SIZE", "10")),
        credential_cache_seconds=_int("WISEBOOK_CREDENTIAL_CACHE_SECONDS")(
            env.get("WISEBOOK_CREDENTIAL_CACHE_SECONDS", "60")
        ),
        sqlite_busy_ms=_int("WISEBOOK_SQLITE_BUSY_MS")(env.get("WISEBOOK_SQLITE_BUSY_MS", "30000")),
        debug=_bool(env.get("WISEBOOK_DEBUG", "")),
        email_host=env.get("EMAIL_HOST") or None,
        email_port=_int("EMAIL_PORT")(env.get("EMAIL_PORT", "25")),
        email_user=env.get("EMAIL_USER") or None,
        email_password=env.get("EMAIL_PASSWORD") or None,
        email_from=env.get("EMAIL_FROM") or "WiseBook <wisebook@localhost>",
        email_starttls=_bool(env.get("EMAIL_STARTTLS", "")),
        public_url=(env.get("WISEBOOK_PUBLIC_URL") or "http://localhost:6543").rstrip("/"),
        log_format=log_format,
        log_file=Path(env["LOG_FILE"]) if env.get("LOG_FILE") else None,
        backup_dir=Path(env["WISEBOOK_BACKUP_DIR"]).resolve() if env.get("WISEBOOK_BACKUP_DIR") else None,
        backup_keep_days=max(
            1, _int("WISEBOOK_BACKUP_KEEP_DAYS")(env.get("WISEBOOK_BACKUP_KEEP_DAYS", "30"))
        ),
        backup_hour=backup_hour,
        queue_name=env.get("WISEBOOK_QUEUE_NAME") or "wisebook",
        worker_threads=max(1, _int("WISEBOOK_WORKER_THREADS")(env.get("WISEBOOK_WORKER_THREADS", "2"))),
        aws_s3_bucket=env.get("AWS_S3_BUCKET") or env.get("AWS_STORAGE_BUCKET_NAME") or None,
        aws_s3_endpoint_url=env.get("AWS_S3_ENDPOINT_URL") or None,
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
        aws_default_region=env.get("AWS_DEFAULT_REGION") or "us-east-1",
        webhook_allowed_networks=networks,
        insee_api_key=env.get("INSEE_API_KEY") or None,
        insee_url=env.get("WISEBOOK_INSEE_URL") or "https://api.insee.fr/api-sirene/3.11",
        psd2_url=env.get("WISEBOOK_PSD2_URL") or None,
        psd2_client_id=env.get("PSD2_CLIENT_ID") or None,
        psd2_client_secret=env.get("PSD2_CLIENT_SECRET") or None,
        ci_fiscal_api_key=env.get("CI_FISCAL_API_KEY") or None,
        sn_fiscal_api_key=env.get("SN_FISCAL_API_KEY") or None,
        ml_fiscal_api_key=env.get("ML_FISCAL_API_KEY") or None,
    )


def _networks(listed: str) -> tuple[str, ...]:
    """The CIDRs of WISEBOOK_WEBHOOK_ALLOWED_NETWORKS (comma-separated), checked."""
    found = []
    for item in filter(None, (part.strip() for part in listed.split(","))):
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise SettingsError(f"WISEBOOK_WEBHOOK_ALLOWED_NETWORKS : réseau invalide « {item} »") from None
    return tuple(found)
