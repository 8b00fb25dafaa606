"""No password, token or secret in the logs of a whole scenario, nor in the repository."""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

from tests.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Api, login, sale

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "un-autre-secret-tres-long-2027"


def test_a_full_scenario_logs_no_secret(testapp, books, app, caplog):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # every SQL statement and its parameters
    try:
        token = login(testapp)
        api = Api(testapp, token)
        api.post("/api/v1/ecritures/", sale(), status=201)
        api.post("/api/v1/ecritures/", {"journal": "VTE", "lignes": "pas une liste"}, status=422)
        api.get("/api/v1/rapports/bilan/", status=200)
        api.get("/api/v1/rapports/balance/", status=200, format="csv")
        testapp.post_json("/api/v1/auth/login/", {"email": ADMIN_EMAIL, "password": "mauvais"}, status=401)
        testapp.post_json(
            "/api/v1/auth/login/", {"email": "x@exemple.ci", "password": ADMIN_PASSWORD}, status=401
        )
        api.post(
            "/api/v1/auth/mot-de-passe/", {"ancien": ADMIN_PASSWORD, "nouveau": NEW_PASSWORD}, status=204
        )
        second = login(testapp, ADMIN_EMAIL, NEW_PASSWORD)
        Api(testapp, second).post("/api/v1/auth/logout/", status=204)
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    settings = app.registry.wisebook_settings
    secrets = {
        "admin password": ADMIN_PASSWORD,
        "new password": NEW_PASSWORD,
        "token": token,
        "second token": second,
        "SECRET_KEY": settings.secret_key,
        "JWT_SECRET_KEY": settings.jwt_secret_key,
        "WEBHOOK_SECRET": settings.webhook_secret,
        "BACKUP_SIGNING_KEY": settings.backup_signing_key,
    }
    text = caplog.text
    assert "SELECT" in text  # the SQL log was on: the check below has something to look at
    leaked = [name for name, value in secrets.items() if value in text]
    assert leaked == []


SECRET_ASSIGNMENT = re.compile(
    r"(SECRET_KEY|JWT_SECRET_KEY|WEBHOOK_SECRET|BACKUP_SIGNING_KEY|AWS_SECRET_ACCESS_KEY|PASSWORD|EMAIL_PASSWORD)\s*[=:]\s*['\"]?([A-Za-z0-9_\-+/]{16,})"
)


def test_the_repository_holds_no_secret():
    """Shipped files (not tests and benchmarks, whose fixtures are made up) assign no secret value."""
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    found = []
    for name in files:
        if name.startswith(("tests/", "bench/")) or not (ROOT / name).is_file():
            continue
        try:
            content = (ROOT / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found += [f"{name}: {m.group(0)}" for m in SECRET_ASSIGNMENT.finditer(content)]
    assert found == []
    assert not [n for n in files if n.endswith(("secrets.env", ".pem", ".key"))]
