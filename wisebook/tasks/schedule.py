"""The periodic work, in one list: what runs when, read by the scheduler to register it with
Huey and by the task monitor to show it. A periodic task only enqueues (or does a minute's
work); anything long is submitted as a run the monitor shows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from huey import crontab
from sqlalchemy.orm import Session

from wisebook.services.platform import webhooks
from wisebook.settings import Settings

log = logging.getLogger("wisebook.tasks")


def _(label: str) -> str:
    """Marks a label for the UI's catalogue (``babel.cfg``); the page showing it translates it."""
    return label


def deliver_webhooks(queue: Any) -> tuple[int, int]:
    """Every minute: try each webhook delivery whose time has come (first try or retry
    after its backoff); returns how many were delivered and how many still wait."""
    engine, settings = queue.engine, queue.settings
    delivered = waiting = 0
    with Session(engine) as session:
        ready = webhooks.due(session)
    for delivery_id in ready:  # each attempt recorded in its own transaction
        with Session(engine) as session, session.begin():
            if webhooks.deliver(
                session, delivery_id, settings.webhook_secret, networks=settings.webhook_allowed_networks
            ):
                delivered += 1
            else:
                waiting += 1
    return delivered, waiting


def recover(queue: Any) -> list[str]:
    """Every minute: requeue runs whose worker died, and runs whose message was lost."""
    found: list[str] = queue.recover()
    return found


def health_check(queue: Any) -> str:
    """Every five minutes: the health report, logged as a warning when not ok."""
    from wisebook.ops import health

    report = health.report(queue.settings, queue.engine, queue)
    if report["status"] != health.OK:
        failing = {name: c for name, c in report["checks"].items() if c["status"] != health.OK}
        log.warning("santé %s : %s", report["status"], failing)
    return str(report["status"])


def daily_backup(queue: Any) -> str:
    """Every day at WISEBOOK_BACKUP_HOUR (UTC): a backup, as a run the monitor shows."""
    return str(queue.submit_now("sauvegarde", {"etiquette": "quotidienne"}))


def weekly_drill(queue: Any) -> str:
    """Every Sunday at 03:30: restore the latest backup into a scratch database, verify it."""
    return str(queue.submit_now("exercice_restauration"))


def housekeeping(queue: Any) -> str:
    """Every Sunday at 04:00: old runs, deliveries, sessions, counters and rotated logs go."""
    return str(queue.submit_now("menage"))


def bank_synchronisation(queue: Any) -> list[str]:
    """Every six hours, when the installation has a bank API: a run per bank account with a
    consent, reading its new transactions."""
    from sqlalchemy import select

    from wisebook.db import models

    if not queue.settings.psd2_url:
        return []
    with Session(queue.engine) as session:
        found = session.execute(
            select(models.BankAccount.id, models.BankAccount.company_id).where(
                models.BankAccount.psd2_consent_id.is_not(None)
            )
        ).all()
    made = []
    for bank_id, company_id in found:
        with Session(queue.engine) as session, session.begin():
            made.append(queue.submit(session, "synchro_psd2", {"banque": bank_id}, company_id=company_id).id)
    return made


@dataclass(frozen=True)
class Periodic:
    """One periodic task: its work, when it runs, and how the monitor says it (``${heure}``:
    the backup hour)."""

    work: Callable[[Any], Any]
    when: Callable[[Settings], crontab]
    label: str
    said: str

    @property
    def key(self) -> str:
        return self.work.__name__


SCHEDULE = (
    Periodic(
        deliver_webhooks, lambda _s: crontab(minute="*"), _("Livraison des webhooks"), _("chaque minute")
    ),
    Periodic(
        recover, lambda _s: crontab(minute="*"), _("Reprise des tâches interrompues"), _("chaque minute")
    ),
    Periodic(
        health_check, lambda _s: crontab(minute="*/5"), _("Contrôle de santé"), _("toutes les 5 minutes")
    ),
    Periodic(
        daily_backup,
        lambda s: crontab(minute="0", hour=str(s.backup_hour)),
        _("Sauvegarde de la base"),
        _("chaque jour à ${heure}"),
    ),
    Periodic(
        weekly_drill,
        lambda _s: crontab(minute="30", hour="3", day_of_week="0"),
        _("Test de restauration"),
        _("le dimanche à 03:30"),
    ),
    Periodic(
        bank_synchronisation,
        lambda _s: crontab(minute="15", hour="*/6"),
        _("Lecture des transactions à la banque (PSD2)"),
        _("toutes les 6 heures"),
    ),
    Periodic(
        housekeeping,
        lambda _s: crontab(minute="0", hour="4", day_of_week="0"),
        _("Ménage (tâches, sessions, journaux anciens)"),
        _("le dimanche à 04:00"),
    ),
)


def register(queue: Any) -> None:
    """Register every periodic task with the queue's Huey (``queue.periodic`` by key)."""
    for item in SCHEDULE:
        queue.periodic[item.key] = queue.huey.periodic_task(
            item.when(queue.settings), name=f"wisebook.{item.key}"
        )(_bound(item, queue))


def _bound(item: Periodic, queue: Any) -> Callable[[], Any]:
    def periodic() -> Any:
        return item.work(queue)

    periodic.__name__ = periodic.__qualname__ = item.key
    periodic.__doc__ = item.work.__doc__
    return periodic
