"""What ``wisebook-ctl rollback`` decides before it touches anything: which kept release, which
backup (verified), and what was written since that backup, said to the operator. The package
steps themselves (dpkg, the postinst's restore) run in the appliance test on a Debian root."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.conftest import sale
from wisebook.ops import backups, rollback


def keep(folder: Path, version: str, backup: Path | None, when: float) -> Path:
    """A release as the preinst keeps it."""
    kept = folder / version
    kept.mkdir(parents=True)
    package = kept / f"wisebook_{version}_amd64.deb"
    package.write_bytes(b"!<arch>\n")
    os.utime(package, (when, when))
    if backup is not None:
        (kept / "backup").write_text(f"{backup}\n")
    return package


def test_the_release_replaced_by_the_last_upgrade_is_the_one_chosen(tmp_path):
    keep(tmp_path, "3.0.0", Path("/b/1.dump"), 1_000)
    keep(tmp_path, "3.0.1", Path("/b/2.dump"), 2_000)
    (tmp_path / ".stage" / "DEBIAN").mkdir(parents=True)  # a preinst cut short
    (tmp_path / "empty").mkdir()
    found = rollback.releases(tmp_path)
    assert [r.version for r in found] == ["3.0.0", "3.0.1"]
    assert rollback.choose(found).version == "3.0.1"
    assert rollback.choose(found, "3.0.0").backup == Path("/b/1.dump")
    with pytest.raises(rollback.RollbackError, match=r"version 2\.9 non gardée ; gardées : 3\.0\.0, 3\.0\.1"):
        rollback.choose(found, "2.9")
    with pytest.raises(rollback.RollbackError, match="aucune version gardée"):
        rollback.choose(rollback.releases(tmp_path / "none"))


def test_the_plan_says_what_was_written_since_the_pre_upgrade_backup(api, engine, backend_settings, tmp_path):
    settings = dataclasses.replace(backend_settings, backup_dir=tmp_path / "backups")
    api.post("/api/v1/ecritures/", sale(amount=118000), status=201)
    made = backups.create(settings, engine, label="avant-mise-a-jour-3-0-0")
    keep(tmp_path / "releases", "3.0.0", made.path, 1_000)

    nothing = rollback.plan(settings, engine, "3.0.1", folder=tmp_path / "releases")
    assert nothing.lost_entry_count == 0
    assert "perdu : rien" in "\n".join(nothing.lines())

    posted = [api.post("/api/v1/ecritures/", sale(amount=5900 * i), status=201).json for i in (1, 2)]
    draft = api.post("/api/v1/ecritures/", {**sale(amount=1180), "valider": False}, status=201).json
    found = rollback.plan(settings, engine, "3.0.1", folder=tmp_path / "releases")
    assert found.release.version == "3.0.0"
    assert found.backup_manifest["ecritures"] == 1
    assert found.lost_entry_count == 3
    assert found.lost_entries == [posted[0]["numero"], posted[1]["numero"], f"brouillon n° {draft['id']}"]
    said = "\n".join(found.lines())
    assert "retour de 3.0.1 à 3.0.0" in said
    assert f"3 écriture(s) saisie(s) ou validée(s) : {posted[0]['numero']}" in said
    assert str(made.path) in said


def test_a_backup_that_does_not_verify_or_is_missing_stops_the_rollback_before_anything(
    engine, backend_settings, books, tmp_path
):
    backend_settings = dataclasses.replace(backend_settings, backup_dir=tmp_path / "backups")
    made = backups.create(backend_settings, engine, label="avant-mise-a-jour")
    keep(tmp_path / "releases", "3.0.0", made.path, 1_000)
    manifest = backups.manifest_path(made.path)
    changed = json.loads(manifest.read_text()) | {"ecritures": 99}
    manifest.write_text(json.dumps(changed))
    with pytest.raises(rollback.RollbackError, match="inutilisable : signature du manifeste invalide"):
        rollback.plan(backend_settings, engine, "3.0.1", folder=tmp_path / "releases")

    keep(tmp_path / "skipped", "3.0.0", None, 1_000)
    with pytest.raises(rollback.RollbackError, match="skip-auto-backup"):
        rollback.plan(backend_settings, engine, "3.0.1", folder=tmp_path / "skipped")


class _Health(BaseHTTPRequestHandler):
    version = "3.0.0"

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "version": self.version}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_the_health_check_waits_for_the_version_rolled_back_to():
    server = HTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        assert rollback.wait_healthy([port], "3.0.0", timeout=5) == {port: "200 ok 3.0.0"}
        with pytest.raises(rollback.RollbackError, match=rf":{port} 200 ok 3\.0\.0"):
            rollback.wait_healthy([port], "3.0.1", timeout=1)  # still the other version
    finally:
        server.shutdown()
    with pytest.raises(rollback.RollbackError, match="ne répond pas"):
        rollback.wait_healthy([port], "3.0.0", timeout=1)


def test_setup_url_gives_the_wizard_and_its_code_then_the_login_page(engine, backend_settings, tmp_path):
    from tests.tasks.test_backups import ctl
    from wisebook.services import setup as setup_service

    extra = {"WISEBOOK_PUBLIC_URL": "https://compta.exemple.ci"}
    before = ctl(backend_settings, tmp_path, "setup-url", extra=extra)
    assert before.returncode == 0, before.stderr
    code = setup_service.setup_code(backend_settings.data_dir)
    assert before.stdout.splitlines() == [
        "assistant : https://compta.exemple.ci/assistant/",
        f"code : {code}",
    ]
    local = ctl(backend_settings, tmp_path, "setup-url", extra={"WISEBOOK_PUBLIC_URL": "https://localhost"})
    assert "réglez WISEBOOK_PUBLIC_URL" in local.stdout

    with Session(engine) as session, session.begin():
        setup_service.setup(
            session, company_name="Après SARL", country="SN", currency=None, fiscal_year=2026,
            admin_email="it@apres.sn", admin_password="un-mot-de-passe-solide",
        )  # fmt: skip
    after = ctl(backend_settings, tmp_path, "setup-url", extra=extra)
    assert after.stdout == "WiseBook est configuré : https://compta.exemple.ci/connexion/\n"
