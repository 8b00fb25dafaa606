"""The operator's tools that look at the machine (doctor, tail) and change its conf (tls acme):
each on real files, sockets, certificates made by openssl and log files written here."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from wisebook.ops import doctor, logtail, operator

ROOT = Path(__file__).resolve().parents[2]


def test_a_port_that_listens_is_ok_and_one_that_does_not_is_a_failure():
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        [found] = doctor.ports({"web-0": port})
        assert (found.status, found.detail) == ("ok", "web-0 : à l'écoute")
    [found] = doctor.ports({"web-0": port})
    assert found.status == "échec" and "rien n'écoute" in found.detail


def test_disk_is_said_once_per_file_system_with_its_free_space(tmp_path):
    places = {"données": tmp_path / "data", "sauvegardes": tmp_path / "not-yet" / "backups"}
    [found] = doctor.disk(places)  # the same file system: one finding
    assert found.name == "disque données" and "Mo libres sur" in found.detail
    [full] = doctor.disk(places, warn_mb=10**9, fail_mb=10**8)
    assert full.status == "échec"


def _certificate(tmp_path: Path, days: int, subject: str = "/CN=compta.exemple.ci") -> Path:
    cert = tmp_path / "wisebook.crt"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(days), "-subj", subject,
         "-keyout", str(tmp_path / "wisebook.key"), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert


def test_the_certificate_expiry_is_read_and_a_self_signed_one_is_pointed_out(tmp_path):
    cert = _certificate(tmp_path, 10)
    soon = doctor.certificate(cert)
    assert soon.status == "attention" and "dans 9 jour(s)" in soon.detail and "auto-signé" in soon.detail
    ends = (dt.datetime.now(dt.UTC) + dt.timedelta(days=10)).strftime("%d/%m/%Y")
    assert f"valable jusqu'au {ends}" in soon.detail
    gone = doctor.certificate(cert, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=11))
    assert gone.status == "échec" and "expiré le" in gone.detail
    (tmp_path / "broken.crt").write_text("pas un certificat")
    assert doctor.certificate(tmp_path / "broken.crt").status == "échec"


def test_memory_is_read_from_meminfo(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(
        "MemTotal:        4028160 kB\nMemFree:          100000 kB\nMemAvailable:    2048000 kB\n"
    )
    found = doctor.memory(meminfo)
    assert (found.status, found.detail) == ("ok", "2\u202f000 Mo disponibles sur 3\u202f933 Mo")
    meminfo.write_text("MemTotal:        4028160 kB\nMemAvailable:      90000 kB\n")
    assert doctor.memory(meminfo).status == "échec"
    assert doctor.memory(Path("/proc/meminfo")).detail.endswith(" Mo")


def test_secrets_readable_by_others_are_a_failure(tmp_path):
    secrets = tmp_path / "secrets.env"
    secrets.write_text("SECRET_KEY=x\n")
    group = __import__("grp").getgrgid(os.getgid()).gr_name
    secrets.chmod(0o640)
    assert doctor.secrets(secrets, group).status == "ok"
    secrets.chmod(0o644)
    found = doctor.secrets(secrets, group)
    assert found.status == "échec" and "chmod 0640" in found.detail
    assert doctor.secrets(tmp_path / "absent.env").status == "échec"


def test_the_application_health_maps_to_findings_and_the_worst_wins():
    found = doctor.application(
        {"checks": {"database": {"status": "ok"}, "worker": {"status": "degraded", "age_s": 400}}}
    )
    assert [(f.name, f.status, f.detail) for f in found] == [
        ("base", "ok", "ok"),
        ("worker", "attention", "degraded : age_s=400"),
    ]
    assert doctor.worst(found) == "attention"
    assert doctor.worst([*found, doctor.Finding("x", "échec", "")]) == "échec"


def _log(folder: Path, program: str, *lines: str) -> None:
    with (folder / f"{program}.log").open("a", encoding="utf-8") as out:
        for line in lines:
            out.write(line + "\n")


def _event(at: str, message: str, level: str = "INFO") -> str:
    return json.dumps(
        {"horodatage": at, "niveau": level, "source": "wisebook", "message": message, "request_id": None}
    )


def test_tail_merges_the_programs_logs_in_time_order_and_keeps_tracebacks_with_their_line(tmp_path):
    _log(tmp_path, "web-0", _event("2026-12-01 10:00:01,000", "démarré"),
         _event("2026-12-01 10:00:04,000", "erreur", "ERROR"), "Traceback (most recent call last):")  # fmt: skip
    _log(
        tmp_path,
        "worker",
        _event("2026-12-01 10:00:02,000", "tâche"),
        _event("2026-12-01 10:00:05,000", "fin"),
    )
    assert logtail.programs(tmp_path) == ["web-0", "worker"]
    lines = logtail.merged(tmp_path, ["web-0", "worker"], 10)
    assert [(line.program, line.raw[:12]) for line in lines] == [
        ("web-0", '{"horodatage'),
        ("worker", '{"horodatage'),
        ("web-0", '{"horodatage'),
        ("web-0", "Traceback (m"),
        ("worker", '{"horodatage'),
    ]
    assert logtail.shown(lines[2]) == "2026-12-01 10:00:04,000 web-0     ERROR   wisebook : erreur"
    assert logtail.shown(lines[3]).strip() == "web-0     Traceback (most recent call last):"
    assert [line.raw for line in logtail.merged(tmp_path, ["worker"], 1)] == [
        _event("2026-12-01 10:00:05,000", "fin")
    ]


def test_last_lines_reads_a_big_file_from_its_end(tmp_path):
    big = tmp_path / "web-0.log"
    big.write_text("".join(f"ligne {i}\n" for i in range(200_000)))
    assert logtail.last_lines(big, 3) == ["ligne 199997", "ligne 199998", "ligne 199999"]


def test_follow_prints_what_is_appended_across_a_rotation(tmp_path):
    _log(tmp_path, "worker", _event("2026-12-01 10:00:00,000", "avant"))
    seen: list[str] = []
    done = threading.Event()
    thread = threading.Thread(
        target=logtail.follow,
        args=(tmp_path, ["worker"], lambda line: seen.append(line.raw)),
        kwargs={"stop": done.is_set, "interval": 0.05},
    )
    thread.start()
    try:
        time.sleep(0.2)
        _log(tmp_path, "worker", "un")
        with (tmp_path / "worker.log").open("a") as out:
            out.write("deux à moi")  # a line being written: shown once whole
        time.sleep(0.2)
        with (tmp_path / "worker.log").open("a") as out:
            out.write("tié\n")
        time.sleep(0.2)
        (tmp_path / "worker.log").rename(tmp_path / "worker.log.1")  # supervisor's rotation
        _log(tmp_path, "worker", "trois")
        deadline = time.monotonic() + 5
        while len(seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        done.set()
        thread.join()
    assert seen == ["un", "deux à moitié", "trois"]


def test_tail_on_the_command_line_names_the_programs_it_knows(tmp_path):
    _log(tmp_path, "web-0", _event("2026-12-01 10:00:01,000", "démarré"))
    run = [sys.executable, "-m", "wisebook.cli", "tail", "--dossier", str(tmp_path)]
    shown = subprocess.run([*run, "-n", "5"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout == "2026-12-01 10:00:01,000 web-0     INFO    wisebook : démarré\n"
    wrong = subprocess.run([*run, "web-9"], capture_output=True, text=True, cwd=ROOT, check=False)
    assert wrong.returncode == 2 and "web-9 : inconnu(s) ; journaux : web-0" in wrong.stderr
    empty = subprocess.run(
        [*run[:-1], str(tmp_path / "none")], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert empty.returncode == 1 and "aucun journal" in empty.stderr


def test_set_conf_changes_lines_in_place_keeps_comments_and_appends_new_names(tmp_path):
    conf = tmp_path / "etc/wisebook/wisebook.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("# le nom\nWISEBOOK_SERVER_NAME=_\n#WISEBOOK_PUBLIC_URL=ancien\nLOG_LEVEL=INFO\n")
    changed = operator.set_conf(
        tmp_path,
        {
            "WISEBOOK_SERVER_NAME": "compta.exemple.ci",
            "WISEBOOK_PUBLIC_URL": "https://compta.exemple.ci",
            "LOG_LEVEL": "INFO",
        },
    )
    assert changed == ["WISEBOOK_SERVER_NAME", "WISEBOOK_PUBLIC_URL"]
    assert conf.read_text() == (
        "# le nom\nWISEBOOK_SERVER_NAME=compta.exemple.ci\n#WISEBOOK_PUBLIC_URL=ancien\nLOG_LEVEL=INFO\n"
        "WISEBOOK_PUBLIC_URL=https://compta.exemple.ci\n"
    )
    assert operator.set_conf(tmp_path, {"LOG_LEVEL": "INFO"}) == []


@pytest.mark.parametrize(
    "domain",
    ["localhost", "192.168.1.10", "compta exemple.ci", "a;b.ci", "-x.exemple.ci", "compta.exemple.ci;"],
)
def test_a_name_that_is_not_a_domain_is_refused(domain):
    with pytest.raises(operator.OperatorError, match="n'est pas un nom de domaine"):
        operator.check_domain(domain)


def test_a_domain_is_taken_as_written_in_lower_case():
    assert operator.check_domain("Compta.Exemple.CI.") == "compta.exemple.ci"


def test_the_doctor_says_what_each_tax_administration_s_key_enables_and_never_shows_it(tmp_path):
    import pytest

    from wisebook import settings as settings_module
    from wisebook.services.tax import filing

    secret = "ci-key-0123456789"
    resolved = settings_module.load(environ={"CI_FISCAL_API_KEY": secret, "WISEBOOK_DATA_DIR": str(tmp_path)})
    assert resolved.ci_fiscal_api_key == secret and resolved.sn_fiscal_api_key is None
    assert secret in resolved.secret_values() and "ci_fiscal_api_key" not in resolved.public()
    found = doctor.fiscal_keys(
        filing.capabilities(
            {
                "CI_FISCAL_API_KEY": resolved.ci_fiscal_api_key,
                "SN_FISCAL_API_KEY": resolved.sn_fiscal_api_key,
                "ML_FISCAL_API_KEY": resolved.ml_fiscal_api_key,
            }
        )
    )
    by_name = {f.name: f for f in found}
    assert set(by_name) == {"CI_FISCAL_API_KEY", "SN_FISCAL_API_KEY", "ML_FISCAL_API_KEY"}
    assert all(f.status == doctor.OK and secret not in f.detail for f in found)
    assert by_name["CI_FISCAL_API_KEY"].detail.startswith("définie : clé présente, conservée")
    assert (
        "FNE" in by_name["CI_FISCAL_API_KEY"].detail
        and "e-impots.gouv.ci" in by_name["CI_FISCAL_API_KEY"].detail
    )
    assert by_name["SN_FISCAL_API_KEY"].detail.startswith("absente : clé absente")
    with pytest.raises(filing.FilingUnavailable) as refused:
        filing.ADAPTERS["SN"].file("2026-01", b"%PDF")
    assert refused.value.status == 503 and "etax.gouv.sn" in refused.value.message
