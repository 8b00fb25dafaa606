"""A fresh Debian 12 root for the appliance's installation (the test and bench/appliance.py):
made by debootstrap with the package's dependencies, cached as a zstd tarball, and scripts run
inside it in their own mount, PID and network namespaces."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).parent
# The package's dependencies, curl for the checks, certbot and pebble (a local ACME authority)
# for « wisebook-ctl tls acme ». The cache's name changes with the list.
PACKAGES = (
    "postgresql redis-server nginx supervisor openssl curl ca-certificates adduser procps certbot pebble"
)
CACHE = Path(os.environ.get("WISEBOOK_TEST_ROOT_CACHE", "/var/cache/wisebook-tests")) / (
    f"bookworm-appliance-{hashlib.sha256(PACKAGES.encode()).hexdigest()[:8]}.tar.zst"
)


def _mirror() -> str:
    """The Debian mirror this machine's apt uses (read, never written down here)."""
    for source in [*Path("/etc/apt/sources.list.d").glob("*.sources"), Path("/etc/apt/sources.list")]:
        if source.exists():
            found = re.search(r"^(?:URIs:\s*|deb\s+)(\S+)", source.read_text(), re.MULTILINE)
            if found:
                return found.group(1)
    raise RuntimeError("no Debian mirror in /etc/apt")


def archive() -> Path:
    """A Debian 12 minbase root with the package's dependencies installed, as a zstd tarball
    cached between runs (about 250 MB, 2 minutes to make, 3 s to unpack)."""
    if CACHE.exists():
        return CACHE
    root = Path(tempfile.mkdtemp(prefix="debootstrap-")) / "root"
    subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(root), _mirror()], check=True,
                   capture_output=True)  # fmt: skip
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")  # nothing starts on this machine's ports while installing
    policy.chmod(0o755)
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    install = f"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends {PACKAGES}"
    subprocess.run(["chroot", str(root), "/bin/sh", "-c", install], check=True, capture_output=True)
    conf = next((root / "etc/postgresql").glob("*/main/postgresql.conf"))
    conf.write_text(
        re.sub(r"^port = \d+", "port = 5432", conf.read_text(), flags=re.MULTILINE)
    )  # as on a fresh machine
    subprocess.run(["chroot", str(root), "apt-get", "clean"], check=True)
    policy.unlink()
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    partial = CACHE.with_suffix(".partial")
    subprocess.run(["tar", "-C", str(root), "--zstd", "-cf", str(partial), "."], check=True)
    partial.rename(CACHE)
    shutil.rmtree(root)
    return CACHE


def in_root(root: Path, script: str, timeout: int = 600) -> str:
    """Run a shell script inside the root, in new mount, PID and network namespaces."""
    (root / "steps.sh").write_text(". /in_root.sh true\n" + script)
    shutil.copy(HERE / "in_root.sh", root / "in_root.sh")
    done = subprocess.run(
        ["unshare", "--net", "--mount", "--pid", "--fork", "--propagation", "private",
         "sh", str(HERE / "namespace.sh"), str(root), "/steps.sh"],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(done.stdout[-4000:] + done.stderr[-4000:])
    return done.stdout


def sections(output: str) -> dict[str, str]:
    """The script's output cut at its ``=== name`` lines."""
    parts = re.split(r"^=== (\S+)\n", output, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}
