"""``wisebook-ctl reconfigure`` renders the appliance from its conf, and what it renders runs:
the four programs under a real supervisord from the frozen bundle, the site in Debian's nginx
with TLS on loopback. A second run changes nothing."""

from __future__ import annotations

import getpass
import json
import secrets
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.appliance.conftest import frozen_env
from tests.appliance.test_bundle import PASSWORD, ctl, free_port
from tests.conftest import PG_ADMIN_URL
from wisebook.ops import appliance

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SUPERVISORD = str(Path(sys.executable).with_name("supervisord"))
SUPERVISORCTL = str(Path(sys.executable).with_name("supervisorctl"))


def fake_root(tmp_path: Path, **conf: str) -> Path:
    """A system's root with Debian's files the command touches, and WiseBook's conf."""
    root = tmp_path / "root"
    (root / "etc/wisebook").mkdir(parents=True)
    (root / "etc/redis").mkdir(parents=True)
    (root / "etc/redis/redis.conf").write_text("port 6379\n")
    (root / "etc/postgresql/15/main/conf.d").mkdir(parents=True)
    (root / "etc/nginx/sites-enabled").mkdir(parents=True)
    (root / "etc/nginx/sites-available").mkdir(parents=True)
    (root / "etc/nginx/sites-available/default").write_text("server { listen 80 default_server; }\n")
    (root / "etc/nginx/sites-enabled/default").symlink_to("../sites-available/default")
    lines = [f"{k}={v}" for k, v in conf.items()]
    (root / "etc/wisebook/wisebook.conf").write_text("# operator settings\n" + "\n".join(lines) + "\n")
    return root


def write_secrets(root: Path, **values: str) -> None:
    path = root / "etc/wisebook/secrets.env"
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    path.chmod(0o640)


def test_a_second_reconfigure_changes_nothing_and_bad_settings_are_refused(tmp_path):
    root = fake_root(tmp_path, WISEBOOK_SERVER_NAME="compta.exemple.ci")
    write_secrets(root, REDIS_URL="redis://:motdepasse-redis@127.0.0.1:6379/0")
    machine = appliance.Machine(cpus=2, memory_mb=4096)  # the 2-core, 4 GB VPS
    first = appliance.reconfigure(root, machine)
    assert sorted(first.changed) == [
        "etc/nginx/sites-available/wisebook",
        "etc/nginx/sites-enabled/wisebook",
        "etc/postgresql/15/main/conf.d/wisebook.conf",
        "etc/redis/redis.conf",
        "etc/supervisor/conf.d/wisebook.conf",
        "etc/wisebook/redis.conf",
    ]
    assert first.removed == ["etc/nginx/sites-enabled/default"]  # it claims default_server too
    stamps = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    again = appliance.reconfigure(root, machine)
    assert again.changed == [] and again.removed == []
    assert stamps == {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    pg = (root / "etc/postgresql/15/main/conf.d/wisebook.conf").read_text()
    assert "shared_buffers = 1024MB" in pg and "effective_cache_size = 3072MB" in pg
    redis = root / "etc/wisebook/redis.conf"
    assert "requirepass motdepasse-redis" in redis.read_text() and redis.stat().st_mode & 0o777 == 0o640
    assert (root / "etc/redis/redis.conf").read_text().count("include ") == 1
    programs = (root / "etc/supervisor/conf.d/wisebook.conf").read_text()
    assert "programs=web-0,web-1,worker,scheduler" in programs and "motdepasse" not in programs
    assert "web --port 8000 --threads 4" in programs and "web --port 8001" in programs
    (root / "etc/wisebook/wisebook.conf").write_text(
        "WISEBOOK_SERVER_NAME=compta.exemple.ci\nWISEBOOK_HTTPS_PORT=8443\n"
    )
    changed = appliance.reconfigure(root, machine).changed
    assert changed == ["etc/nginx/sites-available/wisebook"]  # only what the setting touches
    (root / "etc/wisebook/wisebook.conf").write_text("WISEBOOK_SERVER_NAME=bad;name\n")
    before = (root / "etc/nginx/sites-available/wisebook").read_text()
    with pytest.raises(appliance.InvalidInput, match="WISEBOOK_SERVER_NAME invalide"):
        appliance.reconfigure(root, machine)
    assert (root / "etc/nginx/sites-available/wisebook").read_text() == before  # nothing half-way


def wait_running(conf: Path, count: int, log_dir: Path) -> str:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        status = subprocess.run(
            [SUPERVISORCTL, "-c", str(conf), "status"], capture_output=True, text=True, env=frozen_env()
        ).stdout
        if status.count("RUNNING") == count:
            return status
        if "FATAL" in status or "BACKOFF" in status:
            logs = "\n".join(p.read_text()[-1500:] for p in log_dir.glob("*.log"))
            raise AssertionError(status + logs)
        time.sleep(0.5)
    raise AssertionError(status)


def https(port: int, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(f"https://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as answer:  # noqa: S310 - loopback
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.mark.postgresql
def test_the_rendered_appliance_runs_under_supervisor_behind_nginx_with_tls(bundle, tmp_path):
    sys_root = tmp_path / "root"
    data, logs = sys_root / "var/lib/wisebook", sys_root / "var/log/wisebook"
    data.mkdir(parents=True)
    logs.mkdir(parents=True)
    http_port, https_port, redis_port = free_port(), free_port(), free_port()
    web_ports = f"{free_port()},{free_port()}"
    root = fake_root(
        tmp_path,
        WISEBOOK_PROGRAM=str(bundle),
        WISEBOOK_USER=getpass.getuser(),
        WISEBOOK_DATA_DIR=str(data),
        WISEBOOK_LOG_DIR=str(logs),
        WISEBOOK_WEB_PORTS=web_ports,
        WISEBOOK_HTTP_PORT=str(http_port),
        WISEBOOK_HTTPS_PORT=str(https_port),
        WISEBOOK_TLS_CERTIFICATE=str(tmp_path / "tls.crt"),
        WISEBOOK_TLS_KEY=str(tmp_path / "tls.key"),
        WISEBOOK_QUEUE_NAME=f"q{uuid.uuid4().hex[:8]}",
    )
    name = f"wisebook_app_{uuid.uuid4().hex[:8]}"
    redis_password = secrets.token_urlsafe(24)
    write_secrets(
        root,
        DATABASE_URL=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}",
        REDIS_URL=f"redis://:{redis_password}@127.0.0.1:{redis_port}/0",
        **{
            k: secrets.token_urlsafe(32)
            for k in ("SECRET_KEY", "JWT_SECRET_KEY", "WEBHOOK_SECRET", "BACKUP_SIGNING_KEY")
        },
    )
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-keyout", str(tmp_path / "tls.key"), "-out", str(tmp_path / "tls.crt")],
        check=True, capture_output=True,
    )  # fmt: skip
    env = frozen_env(
        WISEBOOK_CONFIG_FILES=f"{root}/etc/wisebook/wisebook.conf:{root}/etc/wisebook/secrets.env"
    )
    assert "écrit : /etc/supervisor/conf.d/wisebook.conf" in ctl(
        bundle, env, "reconfigure", "--root", str(root)
    )
    assert ctl(bundle, env, "reconfigure", "--root", str(root)).strip() == "rien à changer"

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    redis = subprocess.Popen(
        ["redis-server", str(root / "etc/wisebook/redis.conf"), "--port", str(redis_port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    supervisor_conf = tmp_path / "supervisord.conf"
    supervisor_conf.write_text(
        f"[unix_http_server]\nfile={tmp_path}/supervisor.sock\n\n"
        f"[supervisord]\nlogfile={logs}/supervisord.log\npidfile={tmp_path}/supervisord.pid\n\n"
        "[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n"
        f"[supervisorctl]\nserverurl=unix://{tmp_path}/supervisor.sock\n\n"
        f"[include]\nfiles={root}/etc/supervisor/conf.d/*.conf\n"
    )
    nginx_conf = tmp_path / "nginx.conf"
    nginx_conf.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {logs}/nginx-error.log;\nevents {{}}\n"
        f"http {{\n access_log {logs}/nginx-access.log;\n include /etc/nginx/mime.types;\n"
        f" client_body_temp_path {tmp_path}/nginx-body;\n proxy_temp_path {tmp_path}/nginx-proxy;\n"
        f" include {root}/etc/nginx/sites-enabled/*;\n}}\n"
    )
    try:
        ctl(bundle, env, "migrate")
        subprocess.run([SUPERVISORD, "-c", str(supervisor_conf)], check=True, env=frozen_env())
        status = wait_running(supervisor_conf, 4, logs)
        for program in ("web-0", "web-1", "worker", "scheduler"):
            assert f"wisebook:{program}" in status
        checked = subprocess.run([NGINX, "-t", "-c", str(nginx_conf)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        subprocess.run([NGINX, "-c", str(nginx_conf)], check=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if https(https_port, "/health/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.3)
        code, headers, body = https(https_port, "/health/")
        assert code == 200, body
        assert json.loads(body)["checks"]["redis"]["status"] == "ok"
        assert headers["strict-transport-security"].startswith("max-age=63072000")
        assert "frame-ancestors 'none'" in headers["content-security-policy"]  # the application's own
        assert https(https_port, "/api/v1/auth/login/")[0] == 200  # the deployment guide's smoke tests
        assert https(https_port, "/admin/login/")[0] in (200, 303)
        code, headers, _ = https(https_port, "/static/wisebook.css")
        assert code == 200 and "max-age=2592000" in headers["cache-control"]
        assert https(https_port, "/metrics")[0] == 200  # loopback is allowed
        plain = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", f"http://127.0.0.1:{http_port}/health/"],
            capture_output=True, text=True,
        ).stdout  # fmt: skip
        assert plain == f"301 https://127.0.0.1:{https_port}/health/"
        code, _h, page = https(https_port, "/assistant/", Accept="text/html")
        assert code == 200 and b"<h1>Bienvenue dans WiseBook</h1>" in page
        ctl(bundle, env, "setup", "--societe", "Appliance SARL", "--pays", "CI", "--exercice", "2026",
            "--admin-email", "it@appliance.ci", "--admin-password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
        code, headers, _ = https(https_port, "/connexion/")
        assert code == 200 and "secure" in headers["set-cookie"].lower()  # https, through X-Forwarded-Proto
    finally:
        subprocess.run([NGINX, "-c", str(nginx_conf), "-s", "stop"], capture_output=True)
        subprocess.run(
            [SUPERVISORCTL, "-c", str(supervisor_conf), "shutdown"], capture_output=True, env=frozen_env()
        )
        redis.terminate()
        time.sleep(1)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
