"""The appliance's figures, on a fresh Debian 12 root in its own namespaces (as the appliance
test, tests/appliance/): the .deb's size, the install time (``apt install`` to four RUNNING
programs and /health/ 200 through nginx), the idle memory of the four programs, the time of an
upgrade (``wisebook-ctl upgrade``, its backup included) and of a rollback.

    .venv/bin/python bench/appliance.py [--deb dist/wisebook_….deb] [--idle 60]

Needs root, unshare and debootstrap (tests/services.sh installs it); builds the bundle and the
package when --deb is not given (make deb).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.appliance.debian_root import archive, in_root, sections

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = r"""
set -e
start_services
started=$(date +%s%N)
apt-get install -y /wisebook.deb > /install.log 2>&1 || { cat /install.log; exit 1; }
wait_running
ready
echo "=== install"; echo $(( ($(date +%s%N) - started) / 1000000 ))
sleep {idle}
echo "=== memory"; ps -o rss=,args= -u wisebook | grep 'wisebook-ctl [wsk]' || true
echo 'un-mot-de-passe-solide' | wisebook-ctl setup --societe 'Banc SARL' --pays CI --exercice 2026 \
    --admin-email it@banc.ci --admin-password-stdin > /dev/null
started=$(date +%s%N)
wisebook-ctl upgrade /wisebook-upgrade.deb --yes > /upgrade.log 2>&1 || { cat /upgrade.log; exit 1; }
echo "=== upgrade"; echo $(( ($(date +%s%N) - started) / 1000000 ))
started=$(date +%s%N)
wisebook-ctl rollback --yes > /rollback.log 2>&1 || { cat /rollback.log; exit 1; }
echo "=== rollback"; echo $(( ($(date +%s%N) - started) / 1000000 ))
echo "=== doctor"; wisebook-ctl doctor || true
"""


def build(version: str | None = None, bundle: Path | None = None) -> Path:
    env = {**os.environ}
    if version:
        env["WISEBOOK_DEB_VERSION"] = version
    if bundle:
        env["WISEBOOK_BUNDLE"] = str(bundle)
    done = subprocess.run(
        ["sh", str(ROOT / "packaging/build-deb.sh")], env=env, capture_output=True, text=True, check=True
    )
    return Path(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deb", type=Path, help="the package (default: make deb)")
    parser.add_argument("--idle", type=int, default=60, help="seconds idle before the memory is read")
    args = parser.parse_args()
    if args.deb is None:
        subprocess.run(["make", "-C", str(ROOT), "bundle"], check=True)
        args.deb = build()
    version = subprocess.run(
        ["dpkg-deb", "-f", str(args.deb), "Version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    upgrade = build(f"{version}+banc")
    with tempfile.TemporaryDirectory(prefix="wisebook-bench-") as scratch:
        root = Path(scratch) / "root"
        root.mkdir()
        subprocess.run(["tar", "-C", str(root), "--zstd", "-xf", str(archive())], check=True)
        shutil.copy(args.deb, root / "wisebook.deb")
        shutil.copy(upgrade, root / "wisebook-upgrade.deb")
        found = sections(in_root(root, SCRIPT.replace("{idle}", str(args.idle)), timeout=1800))
    upgrade.unlink()
    memory = [line.split(None, 1) for line in found["memory"].splitlines()]
    print(f"package: {args.deb.name}, {args.deb.stat().st_size / 1e6:.1f} MB")
    print(f"install (apt install to 4 RUNNING and /health/ 200): {int(found['install']) / 1000:.1f} s")
    print(f"idle memory after {args.idle} s (RSS):")
    for rss, command in memory:
        print(f"  {int(rss) / 1024:7.1f} MB  {command}")
    print(f"  {sum(int(rss) for rss, _ in memory) / 1024:7.1f} MB  total")
    print(
        f"upgrade (wisebook-ctl upgrade, backup and migrations included): {int(found['upgrade']) / 1000:.1f} s"
    )
    print(f"rollback (wisebook-ctl rollback, backup, restore, health): {int(found['rollback']) / 1000:.1f} s")
    print("doctor:\n" + found["doctor"])


if __name__ == "__main__":
    main()
