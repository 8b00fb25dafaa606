"""A web process gives back what a login's hash took: glibc would keep it in each thread's
arena once it had raised its mmap threshold to the hash's size (``give_large_blocks_back``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from wisebook.services.access.users import HASHER

LOGINS = """
import sys, threading
from wisebook.cli.processes import give_large_blocks_back
if sys.argv[1] == "fixed":
    give_large_blocks_back()
from wisebook.services.access.users import HASHER

def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) // 1024

HASHER.hash("une première connexion")
before = rss()
for _ in range(3):  # logins on four threads at once, three times, as a web process serves them
    threads = [threading.Thread(target=HASHER.hash, args=("mot de passe",)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
print(rss() - before)
"""


def grown(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", LOGINS, mode], capture_output=True, text=True, check=True)
    return int(out.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator and /proc: Linux")
def test_logins_on_four_threads_leave_the_process_no_bigger_with_the_fixed_threshold():
    hash_mb = HASHER.memory_cost // 1024
    assert grown("dynamic") >= 3 * hash_mb  # glibc's own policy keeps a hash's block per thread
    assert grown("fixed") <= 5
