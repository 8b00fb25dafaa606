"""``apt install ./dist/wisebook_*.deb`` on a fresh Debian 12 root (debootstrap, cached), in its
own mount, PID and network namespaces: its PostgreSQL, Redis, supervisor and nginx started by
hand as an init would, then the package does the rest. Checked over loopback HTTPS inside."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.appliance import debian_root
from tests.appliance.conftest import BUNDLE, ROOT
from tests.appliance.debian_root import in_root, sections
from wisebook.db import migrate


@pytest.fixture(scope="session")
def debian_root_archive() -> Path:
    """The cached Debian 12 root (tests/appliance/debian_root.py): root and debootstrap needed."""
    if os.geteuid() != 0 or (not shutil.which("debootstrap") and not Path("/usr/sbin/debootstrap").exists()):
        if os.environ.get("CI"):
            pytest.fail("the installation test needs root and debootstrap (tests/services.sh installs it)")
        pytest.skip("needs root and debootstrap")
    return debian_root.archive()


INSTALL_AND_CHECK = r"""
set -e
start_services
started=$(date +%s)
apt-get install -y /wisebook.deb > /install.log 2>&1 || { cat /install.log; exit 1; }
echo "=== printed"; grep '^wisebook:' /install.log
wait_running
ready
echo "=== install-seconds"; echo $(( $(date +%s) - started ))
echo "=== status"; supervisorctl status || true
echo "=== health"; curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1/health/
echo; echo "=== smoke"
for path in /health/ /api/v1/auth/login/ /admin/login/; do curl -skf -o /dev/null -w "%{http_code} $path\n" "https://127.0.0.1$path"; done
echo "=== redirect"; curl -s -o /dev/null -w '%{http_code} %{redirect_url}' http://127.0.0.1/health/
echo; echo "=== headers"; curl -sk -D - -o /dev/null https://127.0.0.1/connexion/
echo "=== setup-url"; wisebook-ctl setup-url
echo "=== doctor"; rc=0; wisebook-ctl doctor || rc=$?; echo "exit $rc"
wisebook-ctl doctor --json > /doctor.json
echo "=== tail"; wisebook-ctl tail -n 3 worker
echo "=== wrong-code"
curl -sk -o /dev/null -w '%{http_code}' -H 'Accept: text/html' https://127.0.0.1/assistant/ \
    --data-urlencode code=FAUX-CODE-0000-0000 --data-urlencode societe=X --data-urlencode pays=CI \
    --data-urlencode exercice=2026 --data-urlencode email=a@b.ci --data-urlencode mot_de_passe=un-mot-de-passe-solide \
    --data-urlencode confirmation=un-mot-de-passe-solide
echo; echo "=== setup"
echo 'un-mot-de-passe-solide' | wisebook-ctl setup --societe 'Installée SARL' --pays CI --exercice 2026 \
    --admin-email it@installee.ci --admin-password-stdin
echo "=== entry"
token=$(curl -sk -X POST https://127.0.0.1/api/v1/auth/login/ -H 'Content-Type: application/json' \
    -d '{"email": "it@installee.ci", "password": "un-mot-de-passe-solide"}' | sed 's/.*"token": *"\([^"]*\)".*/\1/')
curl -sk -X POST https://127.0.0.1/api/v1/ecritures/ -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"journal": "VTE", "date_comptable": "2026-01-15", "libelle": "Facture FA-001", "valider": true,
         "lignes": [{"compte": "4111", "debit": "118000"}, {"compte": "7011", "credit": "100000"},
                    {"compte": "4431", "credit": "18000"}]}'
echo; echo "=== reconfigure-1"; wisebook-ctl reconfigure
echo "=== reconfigure-2"; wisebook-ctl reconfigure
# A root where invoke-rc.d may run nothing (Docker's policy-rc.d): nginx lost WiseBook's site,
# the package is configured again; its postinst must reload the running nginx itself.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
rm /etc/nginx/sites-enabled/wisebook && nginx -s reload && sleep 1
echo "=== without-site"; curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1/health/ || true
echo; rm -f /etc/nginx/sites-enabled/default  # as reconfigure leaves it
dpkg-reconfigure wisebook > /reconfigure.log 2>&1 || { cat /reconfigure.log; exit 1; }
echo "=== policy-denied"; grep '^wisebook:' /reconfigure.log
echo "=== reloaded"; curl -sk -o /dev/null -w '%{http_code}' https://127.0.0.1/health/
echo; printf '#!/bin/sh\nexit 0\n' > /usr/sbin/policy-rc.d
echo "=== secrets"; stat -c '%a %U:%G %n' /etc/wisebook/secrets.env /etc/wisebook/tls/wisebook.key /etc/wisebook/redis.conf
echo "=== leaked"; grep -rl "$(sed -n 's/^SECRET_KEY=//p' /etc/wisebook/secrets.env)" /etc/supervisor /etc/nginx /var/log/wisebook /install.log || echo none
echo "=== memory"; ps -o rss=,args= -u wisebook | grep wisebook-ctl | grep -v grep || true
totals() { curl -sk https://127.0.0.1/api/v1/rapports/balance/ -H "Authorization: Bearer $token" | grep -o '"totaux": {[^}]*}'; }
echo "=== balance-before"; totals
made=$(runuser -u wisebook -- wisebook-ctl backup --etiquette essai | sed -n 's/^sauvegarde : \([^ ]*\) .*/\1/p')
curl -sk -o /dev/null -X POST https://127.0.0.1/api/v1/ecritures/ -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"journal": "VTE", "date_comptable": "2026-02-15", "libelle": "Facture FA-002", "valider": true,
         "lignes": [{"compte": "4111", "debit": "59000"}, {"compte": "7011", "credit": "59000"}]}'
echo "=== balance-changed"; totals
runuser -u wisebook -- wisebook-ctl restore "$made" --yes > /restore.log 2>&1 || { cat /restore.log; exit 1; }
echo "=== balance-restored"; totals
# An upgrade whose backup cannot be written stops before anything changes, and the running
# version keeps serving.
mode=$(stat -c %a /var/backups/wisebook); chmod 000 /var/backups/wisebook
echo "=== failed-upgrade"
if wisebook-ctl upgrade /wisebook-upgrade.deb --yes > /failed-upgrade.log 2>&1; then echo "upgraded without its backup"; fi
grep -o 'the backup before the upgrade failed: upgrade aborted' /failed-upgrade.log | head -1
chmod "$mode" /var/backups/wisebook
wait_running
ready
echo "=== after-failed-upgrade"; dpkg-query -W -f '${Version} ${db:Status-Abbrev}\n' wisebook; supervisorctl status | grep -c RUNNING
wisebook-ctl upgrade /wisebook-upgrade.deb --yes > /upgrade.log 2>&1 || { cat /upgrade.log; exit 1; }
echo "=== upgrade"; grep '^wisebook:\|révision' /upgrade.log; cat /var/lib/wisebook/releases/*/backup
wait_running
ready
echo "=== after-upgrade"; dpkg-query -W -f '${Version}\n' wisebook; supervisorctl status | grep -c RUNNING
token=$(curl -sk -X POST https://127.0.0.1/api/v1/auth/login/ -H 'Content-Type: application/json' \
    -d '{"email": "it@installee.ci", "password": "un-mot-de-passe-solide"}' | sed 's/.*"token": *"\([^"]*\)".*/\1/')
totals
runuser -u postgres -- psql -qAtc 'SELECT version_num FROM alembic_version' wisebook
curl -sk -o /dev/null -X POST https://127.0.0.1/api/v1/ecritures/ -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"journal": "VTE", "date_comptable": "2026-03-15", "libelle": "Facture FA-003", "valider": true,
         "lignes": [{"compte": "4111", "debit": "23600"}, {"compte": "7011", "credit": "23600"}]}'
echo "=== releases"; ls /var/lib/wisebook/releases/*/
started=$(date +%s)
wisebook-ctl rollback --yes > /rollback.log 2>&1 || { cat /rollback.log; exit 1; }
echo "=== rollback-seconds"; echo $(( $(date +%s) - started ))
echo "=== rollback"; cat /rollback.log
wait_running
ready
echo "=== after-rollback"; dpkg-query -W -f '${Version}\n' wisebook; supervisorctl status | grep -c RUNNING
curl -sk https://127.0.0.1/health/ | grep -o '"version": "[^"]*"'
runuser -u postgres -- psql -qAtc 'SELECT version_num FROM alembic_version' wisebook
runuser -u postgres -- psql -qAtc "SELECT count(*) FROM pg_tables WHERE tablename = 'upgrade_probe'" wisebook
token=$(curl -sk -X POST https://127.0.0.1/api/v1/auth/login/ -H 'Content-Type: application/json' \
    -d '{"email": "it@installee.ci", "password": "un-mot-de-passe-solide"}' | sed 's/.*"token": *"\([^"]*\)".*/\1/')
totals
echo "=== kept"; ls /var/backups/wisebook/ | grep -c 'avant-retour.*dump$'
echo "=== acme"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=pebble -addext subjectAltName=IP:127.0.0.1 \
    -keyout /pebble.key -out /pebble.crt > /dev/null 2>&1
printf '{"pebble": {"listenAddress": "127.0.0.1:14000", "managementListenAddress": "127.0.0.1:15000", "certificate": "/pebble.crt", "privateKey": "/pebble.key", "httpPort": 80, "tlsPort": 443, "ocspResponderURL": "", "externalAccountBindingRequired": false}}' > /pebble.json
echo "127.0.0.1 compta.exemple.ci" >> /etc/hosts
PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 pebble -config /pebble.json > /pebble.log 2>&1 &
i=0; until curl -s --cacert /pebble.crt -o /dev/null https://127.0.0.1:14000/dir || [ $i -ge 30 ]; do i=$((i+1)); sleep 0.5; done
REQUESTS_CA_BUNDLE=/pebble.crt wisebook-ctl tls acme compta.exemple.ci --email it@installee.ci \
    --serveur https://127.0.0.1:14000/dir > /acme.log 2>&1 || { cat /acme.log /pebble.log; exit 1; }
grep -v '^ *$' /acme.log | tail -n 4
curl -s --cacert /pebble.crt https://127.0.0.1:15000/roots/0 > /pebble-root.pem
# nginx's reload hands over to new workers asynchronously: the old ones serve the old
# certificate for a moment.
verified() { curl -s --cacert /pebble-root.pem --resolve compta.exemple.ci:443:127.0.0.1 -o /dev/null -w '%{http_code}' https://compta.exemple.ci/health/ || true; }
i=0; until [ "$(verified)" = 200 ] || [ $i -ge 20 ]; do i=$((i+1)); sleep 0.5; done
verified; echo
grep '^WISEBOOK_\(SERVER_NAME\|PUBLIC_URL\|TLS_CERTIFICATE\)=' /etc/wisebook/wisebook.conf
wisebook-ctl doctor | grep -E '^[^ ]+ +certificat '  # the certificate's finding (not a word of another's)
apt-get purge -y wisebook > /purge.log 2>&1 || { cat /purge.log; exit 1; }
echo "=== purge"; grep '^wisebook:' /purge.log; ls /etc/wisebook 2>&1 || true; ls -d /var/lib/wisebook /var/backups/wisebook
runuser -u postgres -- psql -qAtc 'SELECT count(*) FROM entries' wisebook
apt-get install -y /wisebook.deb > /again.log 2>&1 || { cat /again.log; exit 1; }
echo "=== again"; wisebook-ctl status | head -n 2; runuser -u postgres -- psql -qAtc 'SELECT count(*) FROM entries' wisebook
echo "=== destroy-no"; rc=0; wisebook-ctl destroy || rc=$?; echo "exit $rc"; ls -d /var/lib/wisebook
echo "=== destroy"; wisebook-ctl destroy --yes
runuser -u postgres -- psql -qAtc "SELECT count(*) FROM pg_database WHERE datname = 'wisebook'"
ls -d /var/lib/wisebook /var/backups/wisebook 2>&1 || true
apt-get purge -y wisebook > /purge.log 2>&1 || { cat /purge.log; exit 1; }
echo "=== end"
"""


PROBE_MIGRATION = '''"""The upgrade test's second build: one table more."""
from alembic import op
import sqlalchemy as sa

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("upgrade_probe", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("upgrade_probe")
'''


@pytest.mark.postgresql
def test_the_package_installs_upgrades_and_purges_a_secured_appliance_on_a_fresh_debian(
    debian_root_archive, deb, tmp_path
):
    root = tmp_path / "root"
    root.mkdir()
    subprocess.run(["tar", "-C", str(root), "--zstd", "-xf", str(debian_root_archive)], check=True)
    shutil.copy(deb, root / "wisebook.deb")
    version = subprocess.run(
        ["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True
    ).stdout.strip()
    # The second build: the same program with one more migration, so that the upgrade migrates
    # and the rollback has a schema to take back.
    second = tmp_path / "bundle"
    shutil.copytree(BUNDLE, second, symlinks=True)
    (second / "_internal/migrations/versions/9001_upgrade_probe.py").write_text(
        PROBE_MIGRATION.format(head=migrate.head())
    )
    built = subprocess.run(
        ["sh", str(ROOT / "packaging/build-deb.sh")],
        env={**os.environ, "WISEBOOK_DEB_VERSION": f"{version}+essai", "WISEBOOK_BUNDLE": str(second)},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    shutil.copy(built.stdout.strip().splitlines()[-1], root / "wisebook-upgrade.deb")
    found = sections(in_root(root, INSTALL_AND_CHECK))
    print(
        "\n".join(f"=== {name}\n{text}" for name, text in found.items() if name in ("doctor", "tail", "acme"))
    )
    assert re.search(
        r"setup wizard: \S+/assistant/ — setup code: [A-Z0-9]{4}(-[A-Z0-9]{4}){3}", found["printed"]
    )
    assert found["status"].count("RUNNING") == 4, found["status"]
    for program in ("web-0", "web-1", "worker", "scheduler"):
        assert f"wisebook:{program}" in found["status"]
    assert found["health"] == "200"
    assert "https://localhost/health/ answers through nginx (200)" in found["printed"]
    assert found["without-site"] != "200"  # the site really was gone
    assert "https://localhost/health/ answers through nginx (200)" in found["policy-denied"], found[
        "policy-denied"
    ]
    assert found["reloaded"] == "200"
    assert found["smoke"].splitlines()[:2] == ["200 /health/", "200 /api/v1/auth/login/"]
    assert found["redirect"] == "301 https://127.0.0.1/health/"
    headers = found["headers"].lower()
    for header in (
        "strict-transport-security: max-age=63072000",
        "content-security-policy:",
        "x-content-type-options: nosniff",
    ):
        assert header in headers
    url, code, hint = found["setup-url"].splitlines()
    assert url == "assistant : https://localhost/assistant/" and re.fullmatch(r"code : [A-Z0-9-]{19}", code)
    assert "réglez WISEBOOK_PUBLIC_URL" in hint  # the address to type from another desk
    doctor = found["doctor"].splitlines()
    assert doctor[-1] == "exit 0" and doctor[-2] == "bilan : attention", found["doctor"]  # nothing broken
    for check in ("port 443", "port 8001", "port 5432", "port 6379", "disque données", "mémoire", "secrets"):
        assert any(line.startswith("ok") and f" {check} " in line for line in doctor), (check, doctor)
    assert any(line.startswith("attention certificat") and "auto-signé" in line for line in doctor)
    assert (
        "ok        programmes     web-0 RUNNING, web-1 RUNNING, worker RUNNING, scheduler RUNNING" in doctor
    )
    assert " worker    " in found["tail"]  # merged, readable lines
    assert found["wrong-code"] == "422"  # the wizard refuses a wrong setup code
    assert "configurée" in found["setup"]
    assert '"numero": "VTE-2026-000001"' in found["entry"]
    assert found["reconfigure-2"] == "rien à changer"
    assert found["secrets"].splitlines() == [
        "640 root:wisebook /etc/wisebook/secrets.env",
        "640 root:wisebook /etc/wisebook/tls/wisebook.key",
        "640 root:redis /etc/wisebook/redis.conf",
    ]
    assert found["leaked"] == "none"
    before, changed, restored = found["balance-before"], found["balance-changed"], found["balance-restored"]
    assert (
        '"debit": "118000"' in before and changed != before and restored == before
    )  # backup, change, restore
    assert found["failed-upgrade"].strip() == "the backup before the upgrade failed: upgrade aborted"
    assert found["after-failed-upgrade"].split() == [version, "ii", "4"]  # still installed, running
    upgrade = found["upgrade"]
    assert "révision 9001" in upgrade and "/var/backups/wisebook/" in upgrade  # migrated, backed up first
    assert f"{version} kept for wisebook-ctl rollback" in upgrade
    after = found["after-upgrade"].splitlines()
    assert after == [f"{version}+essai", "4", before, "9001"]  # the data is there, migrated
    assert f"wisebook_{version}_amd64.deb" in found["releases"]
    said = found["rollback"]
    assert f"retour de {version}+essai à {version}" in said
    assert "1 écriture(s) saisie(s) ou validée(s) : VTE-2026-000002" in said  # what is lost, said first
    assert "l'état quitté est sauvegardé : /var/backups/wisebook/" in said
    assert f"200 ok {version}" in said
    back = found["after-rollback"].splitlines()
    assert back[:3] == [version, "4", f'"version": "{version}"']  # the first version runs
    assert back[3:] == [migrate.head(), "0", before]  # with its schema and its data
    assert found["kept"] == "1"
    acme = found["acme"].splitlines()
    assert acme[-5] == "200", found["acme"]  # a certificate the ACME authority's root verifies
    assert acme[-4:-1] == [
        "WISEBOOK_SERVER_NAME=compta.exemple.ci",
        "WISEBOOK_PUBLIC_URL=https://compta.exemple.ci",
        "WISEBOOK_TLS_CERTIFICATE=/etc/letsencrypt/live/compta.exemple.ci/fullchain.pem",
    ]
    assert acme[-1].startswith(
        "ok        certificat     /etc/letsencrypt/live/compta.exemple.ci/fullchain.pem : émis par"
    )
    purge = found["purge"]
    assert "purged /etc/wisebook" in purge and "No such file or directory" in purge
    assert purge.splitlines()[-3:] == ["/var/backups/wisebook", "/var/lib/wisebook", "1"]  # the books survive
    again = found["again"].splitlines()
    assert again[-1] == "1" and "santé" in again[0]  # installed again over the kept books
    refused = found["destroy-no"].splitlines()
    assert (
        refused[-2:] == ["exit 1", "/var/lib/wisebook"]
        and "la base PostgreSQL wisebook" in found["destroy-no"]
    )
    destroyed = found["destroy"].splitlines()
    assert "base wisebook et rôle wisebook supprimés" in destroyed and destroyed[-3] == "0"
    assert all("No such file or directory" in line for line in destroyed[-2:])
    print(f"rolled back in {found['rollback-seconds']} s:\n{said}")
    print(f"installed and running in {found['install-seconds']} s; idle memory (RSS kB):\n{found['memory']}")
