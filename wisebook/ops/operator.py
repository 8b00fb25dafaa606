"""The operator's commands that change the machine itself: ``tls acme`` (a certificate from an
ACME authority, Let's Encrypt by default, through certbot) and ``destroy`` (erase the books).

Both take their paths from ``/etc/wisebook/wisebook.conf``; both say what they do, step by
step, and stop at the first step that fails, leaving the steps before it done and said.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path

from sqlalchemy.engine import make_url

from wisebook.ops import appliance
from wisebook.settings import Settings

Runner = Callable[..., "subprocess.CompletedProcess[str]"]
#: A domain name as certbot and nginx take it: labels of letters, digits and hyphens, a dot.
DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$")
LIVE = Path("/etc/letsencrypt/live")
DEPLOY_HOOK = "invoke-rc.d nginx reload || nginx -s reload"
REVOKE = (
    "SELECT format('REVOKE SET ON PARAMETER session_replication_role FROM %I', :'role') "
    "WHERE current_setting('server_version_num')::int >= 150000 "
    "AND EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\\gexec\n"
)


class OperatorError(Exception):
    """A step that cannot be done, said in one line."""


def set_conf(root: Path, changes: Mapping[str, str]) -> list[str]:
    """Set ``NAME=value`` lines in wisebook.conf (in place, comments kept; appended when new),
    written atomically; the names changed."""
    path = root / appliance.CONF
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pending, changed = dict(changes), []
    for i, line in enumerate(lines):
        name = line.split("=", 1)[0].strip()
        if "=" in line and not line.lstrip().startswith("#") and name in pending:
            value = pending.pop(name)
            if line != f"{name}={value}":
                lines[i] = f"{name}={value}"
                changed.append(name)
    for name, value in pending.items():
        lines.append(f"{name}={value}")
        changed.append(name)
    if changed:
        partial = path.with_name(f".{path.name}.partiel")
        partial.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.chmod(partial, 0o644)
        partial.replace(path)
    return changed


def check_domain(domain: str) -> str:
    domain = domain.strip().lower().rstrip(".")
    if not DOMAIN.match(domain):
        raise OperatorError(f"« {domain} » n'est pas un nom de domaine (exemple : compta.exemple.ci)")
    return domain


def acme(
    domain: str,
    email: str | None,
    server: str | None,
    conf: Mapping[str, str],
    run: Runner = subprocess.run,
    root: Path = Path("/"),
) -> Path:
    """A certificate for ``domain`` by certbot's webroot (nginx serves the challenge from
    ``WISEBOOK_ACME_DIR`` on port 80), then the conf pointed at it; the certificate's path."""
    domain = check_domain(domain)
    if shutil.which("certbot") is None:
        raise OperatorError("certbot absent : apt install certbot, puis relancez la commande")
    command = [
        "certbot", "certonly", "--webroot", "-w", conf["WISEBOOK_ACME_DIR"], "-d", domain,
        "--non-interactive", "--agree-tos", "--keep-until-expiring", "--deploy-hook", DEPLOY_HOOK,
    ]  # fmt: skip
    command += ["--email", email] if email else ["--register-unsafely-without-email"]
    if server:
        command += ["--server", server]
    done = run(command, text=True, check=False)
    if done.returncode != 0:
        raise OperatorError(
            f"certbot n'a pas obtenu de certificat pour {domain} (code {done.returncode}) : le nom doit désigner "
            "ce serveur et le port 80 être joignable ; voyez ses messages ci-dessus"
        )
    live = LIVE / domain
    set_conf(
        root,
        {
            "WISEBOOK_SERVER_NAME": domain,
            "WISEBOOK_PUBLIC_URL": f"https://{domain}",
            "WISEBOOK_TLS_CERTIFICATE": str(live / "fullchain.pem"),
            "WISEBOOK_TLS_KEY": str(live / "privkey.pem"),
        },
    )
    return live / "fullchain.pem"


def doomed(settings: Settings, conf: Mapping[str, str]) -> list[str]:
    """What ``destroy`` erases, as the operator reads it."""
    said = []
    if not settings.embedded:
        url = make_url(settings.database_url)
        said.append(f"la base PostgreSQL {url.database} et son rôle {url.username}")
    said += [
        f"{conf['WISEBOOK_DATA_DIR']} (pièces jointes, état, versions gardées)",
        f"{settings.backups} (toutes les sauvegardes)",
    ]
    return said


def destroy(settings: Settings, conf: Mapping[str, str], run: Runner = subprocess.run) -> list[str]:
    """Stop the programs, drop the database and its role, remove the data and the backups."""
    done = []
    run(["supervisorctl", "stop", "wisebook:*"], capture_output=True, text=True, check=False)
    done.append("programmes arrêtés")
    if not settings.embedded:
        url = make_url(settings.database_url)
        for command, given in (
            (["dropdb", "--if-exists", "--force", str(url.database)], None),
            # The install granted the role a parameter (PostgreSQL 15+): revoked, or the role stays.
            (["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"role={url.username}"], REVOKE),
            (["dropuser", "--if-exists", str(url.username)], None),
        ):
            step = run(
                ["runuser", "-u", "postgres", "--", *command],
                input=given,
                capture_output=True,
                text=True,
                check=False,
            )
            if step.returncode != 0:
                detail = (step.stderr or step.stdout).strip().splitlines()
                raise OperatorError(f"{command[0]} a échoué : {detail[-1] if detail else step.returncode}")
        done.append(f"base {url.database} et rôle {url.username} supprimés")
    for folder in (Path(conf["WISEBOOK_DATA_DIR"]), settings.backups):
        if folder.exists():
            shutil.rmtree(folder)
            done.append(f"{folder} supprimé")
    return done
