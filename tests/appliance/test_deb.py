"""The .deb: built from the frozen bundle by packaging/build-deb.sh, clean under lintian (its
overrides say why a self-contained bundle in /opt is what it is), maintainer scripts clean
under shellcheck, and holding what the installation needs."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.appliance.conftest import ROOT

SCRIPTS = [
    ROOT / "packaging/debian" / name for name in ("preinst", "postinst", "prerm", "postrm", "wisebook-ctl.sh")
]


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} manquant : tests/services.sh l'installe")
        pytest.skip(f"{name} absent : apt-get install {name}")
    return found


def test_the_maintainer_scripts_are_shellcheck_clean():
    checked = subprocess.run([tool("shellcheck"), "-s", "sh", *map(str, SCRIPTS), str(ROOT / "packaging/build-deb.sh")],
                             capture_output=True, text=True)  # fmt: skip
    assert checked.returncode == 0, checked.stdout


def test_the_package_is_lintian_clean_and_holds_the_appliance(deb):
    report = subprocess.run(
        [tool("lintian"), "--no-tag-display-limit", str(deb)], capture_output=True, text=True
    )
    problems = [line for line in report.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert problems == []
    info = subprocess.run(["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True).stdout
    for needed in ("postgresql (>= 15)", "redis-server", "nginx", "supervisor", "openssl"):
        assert needed in info
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    for path in ("./opt/wisebook/wisebook-ctl", "./usr/bin/wisebook-ctl", "./etc/wisebook/wisebook.conf",
                 "./opt/wisebook/_internal/appliance/templates/nginx-site.conf.j2",
                 "./opt/wisebook/_internal/migrations/env.py"):  # fmt: skip
        assert path in contents
    assert "secrets.env" not in contents  # generated at install, never shipped
    conffiles = subprocess.run(
        ["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True, check=True
    ).stdout
    assert b"/etc/wisebook/wisebook.conf" in conffiles
