"""Structured logs: one line per event, with the request id, the user and the company.

``LOG_FORMAT=json`` (the appliance) writes one JSON object per line; the default is readable
text. ``LOG_FILE`` sends them to a file rotated at 100 MB, 10 kept, as the deployment guide
sets; each supervisor program has its own file. Every secret value of the settings is masked
in every line, whatever logged it.
"""

from __future__ import annotations

import contextvars
import logging
import logging.handlers
import re
import uuid
from typing import Any

from wisebook.settings import Settings

MAX_BYTES = 100 * 1024 * 1024
BACKUPS = 10

current_request: contextvars.ContextVar[Any] = contextvars.ContextVar("wisebook_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id(incoming: str | None) -> str:
    """The id of a request: the one nginx (or the client) sent if it is sane, else a new one."""
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``user`` and ``company`` (ids, never e-mails) to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = current_request.get()
        record.request_id = getattr(request, "wisebook_request_id", None) if request is not None else None
        identity = company = None
        if request is not None:
            identity = request.__dict__.get("wisebook_identity")  # only if already resolved
            company = request.__dict__.get("company")
        record.user = getattr(identity, "user_id", None)
        record.company = getattr(company, "id", None)
        return True


class SecretFilter(logging.Filter):
    """Replaces any secret value in the message and its arguments by ``[masqué]``."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        masked = message
        for secret in self.secrets:
            if secret in masked:
                masked = masked.replace(secret, "[masqué]")
        if masked != message:
            record.msg, record.args = masked, None
        return True


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s u=%(user)s s=%(company)s] %(message)s"


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        from pythonjsonlogger.json import JsonFormatter

        return JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(user)s %(company)s",
            rename_fields={"asctime": "horodatage", "levelname": "niveau", "name": "source"},
            json_ensure_ascii=False,
        )
    return logging.Formatter(TEXT_FORMAT)


def configure(settings: Settings, component: str, *, only: bool = False) -> logging.Handler:
    """Install the root handler of this process (web, worker, scheduler, ctl); ``only``
    removes every other root handler (a command's default one) so no line is written twice."""
    handler: logging.Handler
    if settings.log_file is not None:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            settings.log_file, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    else:
        handler = logging.StreamHandler()
    handler.setFormatter(formatter(settings.log_format))
    handler.addFilter(ContextFilter())
    handler.addFilter(SecretFilter(settings.secret_values()))
    handler.set_name(f"wisebook-{component}")
    root = logging.getLogger()
    for old in list(root.handlers):
        if only or (old.get_name() or "").startswith("wisebook-"):
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    return handler
