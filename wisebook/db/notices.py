"""Notices from PostgreSQL (LISTEN/NOTIFY): one connection per process and database that
listens to a channel, and an epoch that moves at each notice.

A process that keeps something read from the database for a while (the callers a web process
has checked: ``services.access.auth``) keeps it with the epoch it was read in, and uses it only
while the listener is live and the epoch has not moved. The database sends the notice when the
transaction that changed the rows commits (a trigger, migration 0015), whichever process wrote
them; a write request of this process moves the epoch itself as soon as it commits
(``changed_here``), so its own next request never sees what it changed as it was. A listener
that loses its connection is not live, and moves the epoch when it is back: nothing kept before
is used again.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from typing import Any

from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

CREDENTIALS = "wisebook_credentials"  # the channel of migration 0015's trigger
PING_SECONDS = 10  # a quiet connection is checked this often: a lost server is found in time
RETRY_SECONDS = 2  # between two attempts to connect again


class Listener:
    """A daemon thread that listens to ``channel`` on its own connection (not the pool's)."""

    def __init__(self, engine: Engine, channel: str):
        self.channel = channel
        self._connect_args = engine.dialect.create_connect_args(engine.url)
        self._dialect = engine.dialect
        self.epoch = 0
        self.live = False
        self.pid: int | None = None  # the listening backend's, for the operator and the tests
        self._lock = threading.Lock()
        thread = threading.Thread(target=self._run, name=f"notices-{channel}", daemon=True)
        thread.start()

    def moved(self) -> None:
        """Move the epoch: whatever was kept before is not used again."""
        with self._lock:
            self.epoch += 1

    def wait_live(self, timeout: float) -> bool:  # float-ok: seconds
        """Wait until the listener listens (start-up, reconnection): whether it does."""
        deadline = time.monotonic() + timeout
        while not self.live and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.live

    def _run(self) -> None:
        while True:
            try:
                self._listen()
            except Exception as exc:  # noqa: BLE001 - any failure: not live, try again
                log.warning("écoute %s interrompue : %s", self.channel, type(exc).__name__)
            self.live = False
            self.moved()
            time.sleep(RETRY_SECONDS)

    def _listen(self) -> None:
        cargs, cparams = self._connect_args
        conn: Any = self._dialect.loaded_dbapi.connect(*cargs, **cparams)
        try:
            conn.autocommit = True
            with conn.cursor() as cursor:
                cursor.execute(f"LISTEN {self.channel}")
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
                self.moved()  # what was kept while nobody listened is not used
                self.live = True
                while True:
                    ready, _, _ = select.select([conn], [], [], PING_SECONDS)
                    if not ready:
                        cursor.execute("SELECT 1")
                    conn.poll()
                    if conn.notifies:
                        conn.notifies.clear()
                        self.moved()
        finally:
            self.live = False
            conn.close()


_LOCK = threading.Lock()
_STARTED: dict[tuple[str, str], Listener] = {}


def listener(engine: Engine, channel: str = CREDENTIALS) -> Listener | None:
    """This process's listener of ``channel`` on ``engine``'s database, started at the first
    call; None where there are no notices (SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    key = (engine.url.render_as_string(hide_password=False), channel)
    found = _STARTED.get(key)
    if found is None:
        with _LOCK:
            found = _STARTED.get(key) or _STARTED.setdefault(key, Listener(engine, channel))
    return found


def changed_here() -> None:
    """A write of this process has committed: every listener's epoch moves at once (the
    database's notice of it comes a moment later)."""
    for started in list(_STARTED.values()):
        started.moved()
